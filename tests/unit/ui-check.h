/*
 * The viewer's unit tests' check: a failed condition prints where and why
 * (printf-style) and counts; the test's main exits 1 when `failures`.
 */
#ifndef CPROF_TEST_UI_CHECK_H
#define CPROF_TEST_UI_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#endif /* CPROF_TEST_UI_CHECK_H */
