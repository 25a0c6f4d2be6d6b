/*
 * inline-host LIB N: dlopen()s LIB (inline-plugin.c), which records N
 * regions through the header's inline path. This program does not link
 * libcprof-trace: the library comes with the module, so the module's code
 * reaches the library's thread-local buffer through the general-dynamic
 * TLS model, and the library's own initial-exec TLS comes from the static
 * TLS block's reserve.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	void (*regions)(long);
	void *h;

	if (argc != 3) {
		fprintf(stderr, "usage: inline-host LIB N\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "inline-host: %s\n", dlerror());
		return 1;
	}
	*(void **)&regions = dlsym(h, "inline_plugin_regions");
	if (!regions) {
		fprintf(stderr, "inline-host: %s\n", dlerror());
		return 1;
	}
	regions(atol(argv[2]));
	return 0;
}
