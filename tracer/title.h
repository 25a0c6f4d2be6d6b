/*
 * The process's title as ps shows it (title.c): cprof:process_title when
 * the program rewrote its argument area.
 */
#ifndef CPROF_TITLE_H
#define CPROF_TITLE_H

#include <stdbool.h>

/* Emits the title when it changed since the last check, or whenever the
 * program set one when `force` (a state dump); exported for the preload
 * library. Cheap when nothing changed: a compare of the argument area. */
void cprof_title_check_(bool force);
/* In a fork child (batch.c's fork handler). */
void cprof_title_after_fork_child_(void);

#endif /* CPROF_TITLE_H */
