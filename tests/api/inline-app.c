/*
 * inline-app: regions recorded by the header's inline path where it is
 * hardest to get right. Prints what it did, for test-inline.sh to compare
 * with what the trace holds.
 *
 *   inline-app signal N   `outer` regions each holding an `inner` one on
 *                         the main thread, at least N of them and until
 *                         1000 signals were handled (at most 10 s and 30 N),
 *                         while a second thread signals it without pause
 *                         (the loop starts once a first signal was handled,
 *                         and past N it lets the signaller run 50 us every
 *                         4096 pairs: a loaded machine starved it, 78
 *                         signals in a whole run); the
 *                         handler records a `handler` region, often in the
 *                         middle of an inline append (it must see the
 *                         buffer busy and go out of line). Every 16th
 *                         pair also records a region whose type is one of
 *                         256 strings built at run time (`dyn-K`): they go
 *                         through the library's interning, which the
 *                         handler's may interrupt
 *
 * inline-host.c loads a module that records (the dlopen case).
 */
#include <cprof/trace.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static volatile int done;
static pthread_t main_thread;

static void on_signal(int sig)
{
	(void)sig;
	TRACE_REGION (NULL, "handler") {
		handled++;
	}
}

static int before(double end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec * 1e-9 < end;
}

static void *signaller(void *arg)
{
	(void)arg;
	while (!done)
		pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static int run_signal(long n)
{
	struct sigaction sa;
	pthread_t t;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();
	if (pthread_create(&t, NULL, signaller, NULL) != 0)
		return 1;
	struct timespec now;
	double end;
	long i;

	/* the signaller runs before the loop does, however loaded the machine */
	for (int k = 0; k < 5000 && !handled; k++)
		usleep(1000);
	clock_gettime(CLOCK_MONOTONIC, &now);
	end = now.tv_sec + now.tv_nsec * 1e-9 + 10;

	static char dyn[256][8];
	long ndyn = 0;

	for (int k = 0; k < 256; k++)
		snprintf(dyn[k], sizeof(dyn[k]), "dyn-%d", k);
	for (i = 0; i < n || (handled < 1000 && i < 30 * n && (i & 0xfff || before(end))); i++) {
		if (i >= n && !(i & 0xfff))
			usleep(50);
		if (!(i & 15)) {
			cprof_region r = cprof_region_begin(NULL, dyn[(i >> 4) & 255]);

			cprof_region_end(&r);
			ndyn++;
		}
		TRACE_REGION (NULL, "outer") {
			TRACE_REGION (NULL, "inner") {
				__asm__ volatile("" ::: "memory");
			}
		}
	}
	done = 1;
	pthread_join(t, NULL);
	/* no handler runs after this: the count printed is final */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	printf("regions %ld\nhandler %ld\ndynamic %ld\n", i, (long)handled, ndyn);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "signal"))
		return run_signal(atol(argv[2]));
	fprintf(stderr, "usage: inline-app signal N\n");
	return 2;
}
