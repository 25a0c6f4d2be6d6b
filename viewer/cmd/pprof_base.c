/*
 * pprof --base: read every trace, build its profile, subtract (see
 * pprof_base.h).
 */
#include "pprof_base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/profile_diff.h"
#include "export/pprof.h"
#include "reader/reader.h"

/* Everything a run needs: the options and what the command resolved. */
struct job {
	enum cprof_profile_type type;
	const char *type_name;
	const struct cprof_profile_filter *filter;
	const struct cprof_symbolizer_options *sym_opts;
	char **old, **new;
	size_t nold, nnew;
	enum cprof_normalize normalize;
	double noise;
	const char *output;
	bool force;
};

void cprof_pprof_base_init(struct cprof_pprof_base_opts *o)
{
	*o = (struct cprof_pprof_base_opts){.noise = CPROF_DIFF_NOISE};
}

static int parse_normalize(const char *name, enum cprof_normalize *out)
{
	static const char *const names[] = {"none", "second", "run"};

	for (int i = 0; i < 3; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum cprof_normalize)i;
			return 0;
		}
	fprintf(stderr, "cprof-trace: pprof: --normalize: '%s' is not none, second or run\n", name);
	return -1;
}

int cprof_pprof_base_option(struct cprof_pprof_base_opts *o, int opt, char *arg)
{
	char **more, *end;

	switch (opt) {
	case CPROF_PPROF_OPT_BASE:
		more = realloc(o->old, (o->nold + 1) * sizeof(*more));
		if (!more) {
			fprintf(stderr, "cprof-trace: pprof: out of memory\n");
			return -1;
		}
		o->old = more;
		o->old[o->nold++] = arg;
		return 0;
	case CPROF_PPROF_OPT_NORMALIZE:
		return parse_normalize(arg, &o->normalize);
	case CPROF_PPROF_OPT_NOISE:
		o->noise = strtod(arg, &end) / 100;
		if (end == arg || *end || !(o->noise >= 0 && o->noise < 1)) {
			fprintf(
			    stderr,
			    "cprof-trace: pprof: --noise: '%s' is not a percentage in [0, 100)\n",
			    arg);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* One trace's profile; the model is freed at once. NULL after a message. */
static struct cprof_profile *load(const struct job *a, const char *path)
{
	struct cprof_model *model = NULL;
	struct cprof_symbolizer *sym = NULL;
	struct cprof_profile *profile = NULL;
	struct cprof_profiles_report rep;
	struct cprof_profile_filter filter;
	enum cprof_profiles_status ps;
	char err[8192];

	if (cprof_read_trace(path, NULL, &model, err, sizeof(err)) != CPROF_READ_OK) {
		fprintf(stderr, "cprof-trace: %s\n", err);
		return NULL;
	}
	cprof_read_print_notes(stderr, path, model);
	sym = cprof_symbolizer_create(model, a->sym_opts);
	if (!sym) {
		fprintf(stderr, "cprof-trace: %s: out of memory\n", path);
		goto end;
	}
	/* A side with nothing of this kind (the fixed program never waits on
	 * its lock) is a side of zeros, not an error: the diff is all OLD. */
	filter = *a->filter;
	filter.allow_empty = true;
	ps = cprof_profile_build(model, sym, a->type, &filter, &profile, &rep);
	if (ps != CPROF_PROFILES_OK)
		fprintf(stderr, "cprof-trace: %s: %s profile: %s\n", path, a->type_name, rep.text);
	else if (!rep.matched)
		fprintf(stderr, "cprof-trace: %s: no %s samples (counted as zero)\n", path,
			a->type_name);
	if (ps == CPROF_PROFILES_OK && rep.window_note[0])
		fprintf(stderr, "cprof-trace: %s: note: %s\n", path, rep.window_note);
end:
	cprof_symbolizer_destroy(sym);
	cprof_model_destroy(model);
	return profile;
}

static double seconds(struct cprof_profile **p, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)p[i]->duration_nanos / 1e9;
	return s;
}

/* OLD's factor (applied negated), and a warning when sums are unequal. */
static double old_scale(const struct job *a, struct cprof_profile **profiles)
{
	double sn = seconds(profiles, a->nnew), so = seconds(profiles + a->nnew, a->nold);

	switch (a->normalize) {
	case CPROF_NORMALIZE_SECOND:
		return so > 0 ? sn / so : 1;
	case CPROF_NORMALIZE_RUN:
		return (double)a->nnew / (double)a->nold;
	case CPROF_NORMALIZE_NONE:
		break;
	}
	if (so > 0 && (sn / so > 1.05 || so / sn > 1.05))
		fprintf(stderr,
			"cprof-trace: warning: NEW covers %.3f s and OLD %.3f s: the diff compares "
			"sums; --normalize second compares rates\n",
			sn, so);
	else if (a->nnew != a->nold)
		fprintf(stderr,
			"cprof-trace: warning: %zu NEW and %zu OLD traces: the diff compares sums; "
			"--normalize run compares means per run\n",
			a->nnew, a->nold);
	return 1;
}

static int write_diff(const struct job *a, struct cprof_profile **profiles)
{
	struct cprof_profile_diff *diff = cprof_profile_diff_create(profiles[0]);
	struct cprof_profile *out = NULL;
	double scale = old_scale(a, profiles);
	enum cprof_pprof_status ws;
	size_t dropped = 0;
	char note[256];
	int rc = 1;

	if (!diff)
		goto nomem;
	for (size_t i = 0; i < a->nnew + a->nold; i++)
		if (cprof_profile_diff_add(diff, profiles[i], i < a->nnew ? 1 : -scale) !=
		    CPROF_PROFILE_OK)
			goto nomem;
	cprof_profile_diff_finish(diff, a->noise, &out, &dropped);
	snprintf(note, sizeof(note),
		 "cprof-trace diff: %zu NEW minus %zu OLD trace(s) x%.4g; stacks changing less "
		 "than %.2g%% of the larger total dropped (%zu)",
		 a->nnew, a->nold, scale, a->noise * 100, dropped);
	if (cprof_profile_add_comment(out, note) != CPROF_PROFILE_OK)
		goto nomem;
	fprintf(stderr, "cprof-trace: %s profile: %s\n", a->type_name, note + 18);
	ws = cprof_pprof_write(out, a->output, a->force);
	if (ws != CPROF_PPROF_OK) {
		fprintf(stderr, "cprof-trace: %s: %s\n", a->output,
			ws == CPROF_PPROF_IO ? strerror(errno) : cprof_pprof_status_string(ws));
		goto end;
	}
	fprintf(stderr, "cprof-trace: wrote %s\n", a->output);
	rc = 0;
	goto end;
nomem:
	fprintf(stderr, "cprof-trace: %s: out of memory\n", a->output);
end:
	cprof_profile_destroy(out);
	cprof_profile_diff_destroy(diff);
	return rc;
}

static int run(struct job *a)
{
	size_t n = a->nnew + a->nold, loaded = 0;
	struct cprof_profile **profiles = NULL;
	char default_output[64];
	int rc = 1;

	if (!a->output) {
		snprintf(default_output, sizeof(default_output), "%s-diff.pb.gz", a->type_name);
		a->output = default_output;
	}
	/* fail before the (long) reads rather than after them */
	if (!a->force && access(a->output, F_OK) == 0) {
		fprintf(stderr, "cprof-trace: %s: file exists (use --force to overwrite it)\n",
			a->output);
		return 1;
	}
	profiles = calloc(n, sizeof(*profiles));
	if (!profiles)
		return 1;
	for (; loaded < n; loaded++) {
		const char *path = loaded < a->nnew ? a->new[loaded] : a->old[loaded - a->nnew];
		profiles[loaded] = load(a, path);
		if (!profiles[loaded])
			goto end;
	}
	rc = write_diff(a, profiles);
end:
	for (size_t i = 0; i < loaded; i++)
		cprof_profile_destroy(profiles[i]);
	free(profiles);
	return rc;
}

int cprof_pprof_base_run(struct cprof_pprof_base_opts *o, enum cprof_profile_type type,
			 const char *type_name, const struct cprof_profile_filter *filter,
			 const struct cprof_symbolizer_options *sym_opts, char **new, size_t nnew,
			 const char *output, bool force)
{
	struct job job = {type,	   type_name, filter,	    sym_opts, o->old, new,
			  o->nold, nnew,      o->normalize, o->noise, output, force};
	int rc = run(&job);

	free(o->old);
	o->old = NULL;
	o->nold = 0;
	return rc;
}
