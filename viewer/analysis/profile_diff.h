/*
 * Profile arithmetic for `cprof-trace pprof --base`: NEW minus OLD in one
 * profile, the way `go tool pprof -diff_base` shows it (OLD's samples with
 * negative values next to NEW's), with OLD scaled to NEW's length or run
 * count, and the stacks whose net change is noise dropped.
 *
 * Profiles of different traces share no ids and no addresses (ASLR), so
 * frames are matched by what they say: a location is the same when its
 * lines name the same functions at the same lines. Samples then merge per
 * stack and labels; the "thread" and "tid" labels are left out (a thread
 * of one run is not a thread of another), task and region stay.
 *
 * Ownership: cprof_profile_diff_create() returns a diff the caller
 * releases with cprof_profile_diff_destroy(); cprof_profile_diff_finish()
 * hands over the profile (the caller destroys it with
 * cprof_profile_destroy()) and leaves the diff empty.
 */
#ifndef CPROF_PROFILE_DIFF_H
#define CPROF_PROFILE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/profile.h"

struct cprof_profile_diff;

/* Sample types, period and default type are taken from `like`. */
struct cprof_profile_diff *cprof_profile_diff_create(const struct cprof_profile *like);
void cprof_profile_diff_destroy(struct cprof_profile_diff *diff);

/* Adds src's samples with their values times `scale` (rounded): 1 for a
 * NEW profile, a negative factor for an OLD one. `src` must have the same
 * sample types. */
enum cprof_profile_status cprof_profile_diff_add(struct cprof_profile_diff *diff,
						 const struct cprof_profile *src, double scale);

/*
 * The result. A sample whose net value of the default sample type is
 * below `noise` (a fraction) of the larger of the positive and negative
 * totals, in absolute value, is dropped, and so is one whose values are
 * all 0; *dropped counts them.
 */
enum cprof_profile_status cprof_profile_diff_finish(struct cprof_profile_diff *diff, double noise,
						    struct cprof_profile **out, size_t *dropped);

#endif /* CPROF_PROFILE_DIFF_H */
