/*
 * What the analyses take of a flight-recorder snapshot (record --flight):
 * its window only.
 *
 * Each CPU's ring buffer of a snapshot kept its own last events, from its
 * own time on; model->window_ns is from when every one holds all it was
 * given. Before it, a thread's records survive only while it ran on a CPU
 * whose buffer reaches back that far: a thinned-out past in which counts,
 * totals and percentiles mean nothing, and whose waits, regions and frees
 * may have lost their begin or their end. So stats and profiles cover the
 * window, as Go's flight recorder and Perfetto treat the start of what
 * they kept: an item that ended before the window is left out; one that
 * began before it and ended in it (or not at all) is counted from the
 * window's start, its duration clipped there, as `go tool trace` measures
 * a region begun before its trace from the trace's start. A region's
 * begin before the window may have survived, but whether it did depends
 * on the CPU it ran on, and counting whole only those that survived
 * would make the straddling ones a biased sample.
 *
 * The model is not changed: its items keep their times, and the viewer
 * shows the part before the window shaded rather than hidden.
 */
#ifndef CPROF_SNAPWIN_H
#define CPROF_SNAPWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* What the window did to a kind of item: how many it left out (they
 * ended, or happened, before it) and how many it clipped (they began
 * before it and are counted from its start). */
struct cprof_snapwin_cut {
	uint64_t left_out, clipped;
};

/* The absolute time the analyses start from: the window's start when the
 * model is a snapshot whose window starts after its first event, else 0
 * (nothing is cut). */
static inline uint64_t cprof_snapwin_from(const struct cprof_model *m)
{
	return m->window_ns > m->begin_ns ? m->window_ns : 0;
}

enum cprof_snapwin_fate {
	CPROF_SNAPWIN_IN,      /* begins at or after the window's start */
	CPROF_SNAPWIN_CLIPPED, /* began before, ended in it or never: from its start */
	CPROF_SNAPWIN_BEFORE,  /* ended before it: left out */
};

/* What the window from `w` (0: none) does to an item [b, e) (e 0: not
 * ended in the trace). */
static inline enum cprof_snapwin_fate cprof_snapwin_cut(uint64_t w, uint64_t b, uint64_t e)
{
	if (b >= w)
		return CPROF_SNAPWIN_IN;
	return e && e < w ? CPROF_SNAPWIN_BEFORE : CPROF_SNAPWIN_CLIPPED;
}

/* Counts the fate of one item in `cut` and returns it. */
static inline enum cprof_snapwin_fate cprof_snapwin_count(struct cprof_snapwin_cut *cut, uint64_t w,
							  uint64_t b, uint64_t e)
{
	enum cprof_snapwin_fate f = cprof_snapwin_cut(w, b, e);

	cut->left_out += f == CPROF_SNAPWIN_BEFORE;
	cut->clipped += f == CPROF_SNAPWIN_CLIPPED;
	return f;
}

/*
 * One sentence for a command's note: "WHAT the snapshot's window
 * (from +48.670 ms): 10664 NOUN from before it were left out; 3 that
 * began before it are counted from its start" in buf. False (buf empty)
 * when the model is no snapshot with a window. WHAT ends in its verb:
 * "stats cover", "the cpu profile covers".
 */
bool cprof_snapwin_describe(const struct cprof_model *m, const char *what, const char *noun,
			    const struct cprof_snapwin_cut *cut, char *buf, size_t len);

#endif /* CPROF_SNAPWIN_H */
