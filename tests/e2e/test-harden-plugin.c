/* A library test-harden-app dlopens: its frames must be named in the
 * stacks of the trace (the library was loaded after the start). */
#include <unistd.h>

__attribute__((visibility("default"), noinline)) void plugin_sleep(void);

__attribute__((visibility("default"), noinline)) void plugin_sleep(void)
{
	usleep(30000);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}
