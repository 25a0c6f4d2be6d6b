#include "parts.h"

/* The CPU of the program: every thread's samples are here. */
__attribute__((noinline)) uint64_t crunch_numbers(uint64_t n)
{
	uint64_t h = 1469598103934665603u;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ i) * 1099511628211u;
	return h;
}
