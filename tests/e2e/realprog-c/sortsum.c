#include <stdlib.h>

#include "parts.h"

static int cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

long sort_and_sum(int n, int salt)
{
	int *v = malloc(sizeof(int) * (size_t)n);
	long s = 0;

	if (!v)
		return -1;
	for (int k = 0; k < n; k++)
		v[k] = (k * 7919 + salt) % 10007;
	qsort(v, (size_t)n, sizeof(int), cmp);
	for (int k = 0; k < n; k += 97)
		s += v[k];
	free(v);
	return s;
}
