/*
 * The note of what a snapshot's window did to an analysis (snapwin.h).
 */
#include "snapwin.h"

#include <inttypes.h>
#include <stdio.h>

bool cprof_snapwin_describe(const struct cprof_model *m, const char *what, const char *noun,
			    const struct cprof_snapwin_cut *cut, char *buf, size_t len)
{
	uint64_t w = cprof_snapwin_from(m);
	int n;

	if (len)
		buf[0] = '\0';
	if (!w || !len)
		return false;
	n = snprintf(buf, len,
		     "%s the snapshot's window (from +%.3f ms): %" PRIu64
		     " %s from before it %s left out",
		     what, (double)(w - m->begin_ns) / 1e6, cut->left_out, noun,
		     cut->left_out == 1 ? "was" : "were");
	if (cut->clipped && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
			 "; %" PRIu64 " that began before it %s counted from its start",
			 cut->clipped, cut->clipped == 1 ? "is" : "are");
	return true;
}
