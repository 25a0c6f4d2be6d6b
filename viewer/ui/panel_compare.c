/*
 * The compare panel (panel_compare.h): computing the comparison of two
 * models, drawing its rows, printing them as JSON.
 */
#include <math.h>
#include <string.h>

#include "panel_compare.h"

#include "common/text.h"

void ui_compare_panel_init(struct ui_compare_panel *p)
{
	memset(p, 0, sizeof(*p));
	p->row = -1;
}

void ui_compare_panel_fini(struct ui_compare_panel *p)
{
	if (p->valid)
		cprof_compare_fini(&p->cmp);
	p->valid = false;
}

bool ui_compare_panel_compute(struct ui_compare_panel *p, const struct cprof_model *old,
			      struct cprof_symbolizer *old_sym, const struct cprof_model *new,
			      struct cprof_symbolizer *new_sym,
			      const struct cprof_profile_filter *range)
{
	struct cprof_compare_run *a = NULL, *b = NULL;
	struct cprof_compare_options opts;
	bool ok = false;

	ui_compare_panel_fini(p);
	p->scroll = 0;
	p->row = -1;
	p->ranged = range != NULL;
	p->from_ns = range ? range->from_ns : 0;
	p->to_ns = range ? range->to_ns : 0;
	cprof_compare_default_options(&opts);
	if (cprof_compare_run_create(old, old_sym, range, &a) == CPROF_COMPARE_OK &&
	    cprof_compare_run_create(new, new_sym, range, &b) == CPROF_COMPARE_OK &&
	    cprof_compare_compute(&a, 1, &b, 1, &opts, &p->cmp) == CPROF_COMPARE_OK)
		ok = p->valid = true;
	else
		snprintf(p->err, sizeof(p->err), "out of memory comparing the traces");
	cprof_compare_run_destroy(a);
	cprof_compare_run_destroy(b);
	return ok;
}

const char *ui_compare_panel_row_type(const struct ui_compare_panel *p, int row)
{
	if (!p->valid || row < 0 || (size_t)row >= p->cmp.rows.n)
		return NULL;
	const struct cprof_compare_row *r = &p->cmp.rows.v[row];
	return r->kind == CPROF_CMP_REGION || r->kind == CPROF_CMP_TASK ? r->name : NULL;
}

/* ---- drawing ---- */

static void right_text(struct ui_dl *dl, const struct ui_metrics *m, int right_x, int y,
		       uint32_t col, enum ui_font font, const char *s)
{
	int w = ui_text_width(m, font, s, strlen(s));
	ui_dl_text(dl, right_x - w, y, 0, col, font, "%s", s);
}

/* Red for more time or bytes, green for less; counts have no better side. */
static uint32_t change_color(const struct cprof_compare_row *r, double min_pct)
{
	if (isnan(r->delta_pct))
		return ui_theme[UI_C_ACCENT];
	if (fabs(r->delta_pct) < min_pct)
		return ui_theme[UI_C_TEXT_DIM];
	if (!strcmp(r->metric, "count"))
		return ui_theme[UI_C_ACCENT];
	return r->delta_pct > 0 ? UI_RGB(0xff, 0x6b, 0x5b) : UI_RGB(0x5b, 0xd0, 0x7a);
}

/* Lines of at most `w` pixels from `s`, cut at spaces; returns the new y. */
static int wrapped(struct ui_dl *dl, const struct ui_metrics *m, int x, int y, int w, int lines,
		   uint32_t col, const char *s)
{
	int rh = m->height[UI_FONT_SMALL] + 2;
	size_t len = strlen(s);

	while (len && lines--) {
		size_t fit = ui_text_fit(m, UI_FONT_SMALL, s, len, w);
		if (fit < len) {
			size_t cut = fit;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			fit = cut ? cut : fit;
		}
		if (!fit)
			break;
		ui_dl_strcpy(dl, x, y, w, col, UI_FONT_SMALL, s, fit);
		y += rh;
		s += fit;
		len -= fit;
		while (len && *s == ' ')
			s++, len--;
	}
	return y;
}

static int header(struct ui_dl *dl, const struct ui_compare_panel *p, const struct ui_metrics *m,
		  int x, int y, int w)
{
	char a[64], b[64], line[1024];

	ui_dl_text(dl, x + 10, y + 4, 0, ui_theme[UI_C_TEXT], UI_FONT_BOLD, "Compare");
	if (p->ranged) {
		ui_format_time(a, sizeof(a), (double)p->from_ns, 1000);
		ui_format_time(b, sizeof(b), (double)p->to_ns, 1000);
		snprintf(line, sizeof(line), "old and new over %s .. %s of each", a, b);
	} else {
		snprintf(line, sizeof(line), "whole traces (shift-drag: a range of both)");
	}
	ui_dl_text(dl, x + 90, y + 7, w - 100, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s", line);
	y += 28;
	if (!p->valid)
		return y;
	cprof_compare_summary(&p->cmp, line, sizeof(line));
	y = wrapped(dl, m, x + 10, y, w - 20, 2, ui_theme[UI_C_TEXT], line);
	cprof_compare_test_note(&p->cmp, line, sizeof(line));
	y = wrapped(dl, m, x + 10, y + 2, w - 20, 3, ui_theme[UI_C_TEXT_DIM], line);
	return y + 6;
}

static void row(struct ui_dl *dl, const struct ui_compare_panel *p, const struct ui_metrics *m,
		const int *cols, int x, int y, int w, int rh, size_t i)
{
	const struct cprof_compare_row *r = &p->cmp.rows.v[i];
	char label[300], o[32], n[32], d[48];
	uint32_t col = change_color(r, p->cmp.min_change_pct);

	struct ui_dl_item *bg =
	    ui_dl_rect(dl, x + 4, y - 2, w - 8, rh,
		       p->row == (int)i ? ui_theme[UI_C_HEADER] : ui_theme[UI_C_PANEL]);
	bg->hit = UI_HIT_ROW;
	bg->ref = (uint32_t)i;
	ui_dl_text(dl, x + 10, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "%s",
		   cprof_compare_kind_name(r->kind));
	cprof_compare_row_label(r, label, sizeof(label));
	size_t fit = ui_text_fit(m, UI_FONT_SMALL, label, strlen(label), cols[0] - 64 - (x + 60));
	ui_dl_strcpy(dl, x + 60, y, 0, ui_theme[UI_C_TEXT], UI_FONT_SMALL, label, fit);
	right_text(dl, m, cols[0], y, ui_theme[UI_C_TEXT], UI_FONT_SMALL,
		   cprof_compare_format_value(r->metric, r->old, o, sizeof(o)));
	right_text(dl, m, cols[1], y, ui_theme[UI_C_TEXT], UI_FONT_SMALL,
		   cprof_compare_format_value(r->metric, r->new, n, sizeof(n)));
	cprof_compare_format_delta(r, d, sizeof(d));
	if (!r->significant)
		strncat(d, " ~", sizeof(d) - strlen(d) - 1);
	right_text(dl, m, cols[2], y, col, r->significant ? UI_FONT_BOLD : UI_FONT_SMALL, d);
}

void ui_compare_panel_frame(struct ui_dl *dl, const struct ui_compare_panel *p,
			    const struct ui_metrics *m, int x, int y, int w, int h)
{
	int bottom = y + h, rh = m->height[UI_FONT_SMALL] + 5;
	int right = x + w - 10;
	int cols[3] = {right - 150, right - 76, right};

	ui_dl_rect(dl, x, y, w, h, ui_theme[UI_C_PANEL]);
	ui_dl_rect(dl, x, y, 1, h, ui_theme[UI_C_GRID]);
	y = header(dl, p, m, x, y, w);
	if (!p->valid) {
		ui_dl_text(dl, x + 10, y + 4, w - 20, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL, "%s",
			   p->err[0] ? p->err : "computing\u2026");
		return;
	}
	ui_dl_rect(dl, x + 1, y - 3, w - 1, 1, ui_theme[UI_C_GRID]);
	ui_dl_text(dl, x + 10, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "kind");
	ui_dl_text(dl, x + 60, y, 0, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "what");
	right_text(dl, m, cols[0], y, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "old");
	right_text(dl, m, cols[1], y, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "new");
	right_text(dl, m, cols[2], y, ui_theme[UI_C_TEXT_DIM], UI_FONT_SMALL, "change");
	y += rh;
	if (!p->cmp.rows.n)
		ui_dl_text(dl, x + 10, y + 4, w - 20, ui_theme[UI_C_TEXT_DIM], UI_FONT_NORMAL,
			   "nothing to compare in %s", p->ranged ? "this range" : "these traces");
	for (size_t i = p->scroll > 0 ? (size_t)p->scroll : 0;
	     i < p->cmp.rows.n && y + rh <= bottom - 4; i++, y += rh)
		row(dl, p, m, cols, x, y, w, rh, i);
}

/* ---- JSON (jansson) ---- */

bool ui_compare_panel_print_json(const struct ui_compare_panel *p, const char *old_path,
				 const char *new_path, FILE *out)
{
	char note[1024] = "", sum[1024] = "";
	json_t *rows = json_array();

	if (p->valid) {
		cprof_compare_test_note(&p->cmp, note, sizeof(note));
		cprof_compare_summary(&p->cmp, sum, sizeof(sum));
		for (size_t i = 0; rows && i < p->cmp.rows.n; i++)
			json_array_append_new(rows, cprof_compare_row_json(&p->cmp.rows.v[i]));
	}
	json_t *root =
	    json_pack("{ss so so sb sI sI ss so so}", "tab", "compare", "old",
		      cprof_json_text(old_path), "new", cprof_json_text(new_path), "ranged",
		      p->ranged, "from_ns", (json_int_t)p->from_ns, "to_ns", (json_int_t)p->to_ns,
		      "test", note, "summary", cprof_json_text(sum), "rows", rows);
	if (!root)
		return false;
	int rc = json_dumpf(root, out, JSON_REAL_PRECISION(10));
	fputc('\n', out);
	json_decref(root);
	return rc == 0;
}
