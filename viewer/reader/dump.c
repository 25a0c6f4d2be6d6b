/*
 * Dump formatting: every payload member of an event as "name = value, ...",
 * whatever the event (dump shows what the model was built from, including
 * events the model only summarises). Strings are quoted, with quotes,
 * backslashes and control characters escaped.
 */
#include "dump.h"

#include "state.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fmt_put(struct rd_dump *r, const char *s, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		size_t ncap = (r->len + n + 1) * 2;
		char *nb = realloc(r->buf, ncap);
		if (!nb) {
			r->out_of_memory = true;
			return;
		}
		r->buf = nb;
		r->cap = ncap;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void fmt_printf(struct rd_dump *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt_printf(struct rd_dump *r, const char *f, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n > 0)
		fmt_put(r, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void fmt_str(struct rd_dump *r, const char *s, uint64_t n)
{
	fmt_put(r, "\"", 1);
	for (uint64_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			fmt_put(r, e, 2);
		} else if (c < 0x20) {
			fmt_printf(r, "\\x%02x", c);
		} else {
			fmt_put(r, (const char *)&s[i], 1);
		}
	}
	fmt_put(r, "\"", 1);
}

static void fmt_field(struct rd_dump *r, const bt_field *f)
{
	const bt_field_class *fc = bt_field_borrow_class_const(f);
	bt_field_class_type t = bt_field_class_get_type(fc);

	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		uint64_t v = bt_field_integer_unsigned_get_value(f);
		if (bt_field_class_integer_get_preferred_display_base(fc) ==
		    BT_FIELD_CLASS_INTEGER_PREFERRED_DISPLAY_BASE_HEXADECIMAL)
			fmt_printf(r, "0x%" PRIx64, v);
		else
			fmt_printf(r, "%" PRIu64, v);
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		fmt_printf(r, "%" PRId64, bt_field_integer_signed_get_value(f));
	} else if (t == BT_FIELD_CLASS_TYPE_BOOL) {
		fmt_printf(r, "%s", bt_field_bool_get_value(f) ? "true" : "false");
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_REAL)) {
		fmt_printf(r, "%g", bt_field_real_double_precision_get_value(f));
	} else if (t == BT_FIELD_CLASS_TYPE_STRING) {
		fmt_str(r, bt_field_string_get_value(f), bt_field_string_get_length(f));
	} else if (t == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		uint64_t n = bt_field_class_structure_get_member_count(fc);
		for (uint64_t i = 0; i < n; i++) {
			const char *name = bt_field_class_structure_member_get_name(
			    bt_field_class_structure_borrow_member_by_index_const(fc, i));
			if (i)
				fmt_put(r, ", ", 2);
			fmt_put(r, name, strlen(name));
			fmt_put(r, " = ", 3);
			fmt_field(r, bt_field_structure_borrow_member_field_by_index_const(f, i));
		}
	} else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY)) {
		uint64_t n = bt_field_array_get_length(f);
		fmt_put(r, "[", 1);
		for (uint64_t i = 0; i < n; i++) {
			if (i)
				fmt_put(r, ", ", 2);
			fmt_field(r, bt_field_array_borrow_element_field_by_index_const(f, i));
		}
		fmt_put(r, "]", 1);
	} else {
		fmt_put(r, "?", 1);
	}
}

struct rd_dump_line {
	uint64_t ns, seq;
	int32_t pid, tid;
	char *name;
	char text[]; /* name, then fields */
};

static bool line_before(const struct rd_dump_line *a, const struct rd_dump_line *b)
{
	return a->ns < b->ns || (a->ns == b->ns && a->seq < b->seq);
}

/* The line formatted in r->buf, into the heap. */
static void hold(struct rd_dump *r, uint64_t ns, int32_t pid, int32_t tid, const char *name)
{
	size_t nl = strlen(name), fl = r->buf ? r->len : 0;
	struct rd_dump_line *l;
	size_t i;

	if (r->n == r->heap_cap) {
		size_t ncap = r->heap_cap ? r->heap_cap * 2 : 1024;
		struct rd_dump_line **nh = realloc(r->heap, ncap * sizeof(*nh));

		if (!nh) {
			r->out_of_memory = true;
			return;
		}
		r->heap = nh;
		r->heap_cap = ncap;
	}
	l = malloc(sizeof(*l) + nl + 1 + fl + 1);
	if (!l) {
		r->out_of_memory = true;
		return;
	}
	l->ns = ns;
	l->seq = r->seq++;
	l->pid = pid;
	l->tid = tid;
	memcpy(l->text, name, nl + 1);
	l->name = l->text;
	memcpy(l->text + nl + 1, fl ? r->buf : "", fl + 1);
	for (i = r->n++; i && line_before(l, r->heap[(i - 1) / 2]); i = (i - 1) / 2)
		r->heap[i] = r->heap[(i - 1) / 2];
	r->heap[i] = l;
}

static void emit_top(struct rd_dump *r, const struct cprof_read_options *opts)
{
	struct rd_dump_line *top = r->heap[0], *last = r->heap[--r->n];
	struct cprof_read_event re = {top->ns, top->pid, top->tid, top->name,
				      top->text + strlen(top->name) + 1};
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= r->n)
			break;
		if (c + 1 < r->n && line_before(r->heap[c + 1], r->heap[c]))
			c++;
		if (!line_before(r->heap[c], last))
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (r->n)
		r->heap[i] = last;
	opts->event(&re, opts->event_data);
	free(top);
}

void rd_dump_release(struct rd_dump *r, uint64_t now_ns, const struct cprof_read_options *opts)
{
	while (r->n && r->heap[0]->ns + RD_DUMP_WINDOW_NS <= now_ns)
		emit_top(r, opts);
}

void rd_dump_flush(struct rd_dump *r, const struct cprof_read_options *opts)
{
	while (r->n)
		emit_top(r, opts);
}

void rd_dump_event(struct rd_dump *r, const char *name, const bt_event *ev, uint64_t ns,
		   int32_t pid, int32_t tid, const struct cprof_read_options *opts)
{
	const bt_field *payload = bt_event_borrow_payload_field_const(ev);

	(void)opts;
	r->len = 0;
	if (r->buf)
		r->buf[0] = '\0';
	if (payload &&
	    bt_field_class_structure_get_member_count(bt_field_borrow_class_const(payload)))
		fmt_field(r, payload);
	hold(r, ns, pid, tid, name);
}

void rd_dump_record(struct rd_dump *r, const struct rd_event *ev,
		    const struct cprof_read_options *opts)
{
	const struct rd_kind *k = ev->kind;

	(void)opts;
	r->len = 0;
	if (r->buf)
		r->buf[0] = '\0';
	for (int i = 0; i < RD_MAX_FIELDS && k->fields[i].name; i++) {
		if (i)
			fmt_put(r, ", ", 2);
		/* a text sequence printed as its event printed it */
		if (!strcmp(k->fields[i].name, "message"))
			fmt_printf(r, "_message_length = %zu, ", ev->f[i].n);
		fmt_printf(r, "%s = ", k->fields[i].name);
		if (k->fields[i].want == RD_STR)
			fmt_str(r, ev->f[i].s, ev->f[i].n);
		else if (k->fields[i].signed_)
			fmt_printf(r, "%" PRId64, (int64_t)ev->f[i].u);
		else
			fmt_printf(r, "%" PRIu64, ev->f[i].u);
	}
	hold(r, ev->ns, ev->pid, ev->tid, k->name);
}

void rd_dump_fini(struct rd_dump *r)
{
	while (r->n)
		free(r->heap[--r->n]);
	free(r->heap);
	r->heap = NULL;
	r->heap_cap = 0;
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
}
