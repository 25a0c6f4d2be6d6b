/* A module dlopen'ed by inline-app: regions recorded through the header's
 * inline path from position-independent code. */
#include <cprof/trace.h>

void inline_plugin_regions(long n);

__attribute__((visibility("default"))) void inline_plugin_regions(long n)
{
	for (long i = 0; i < n; i++)
		TRACE_REGION (NULL, "plugin") {
			__asm__ volatile("" ::: "memory");
		}
}
