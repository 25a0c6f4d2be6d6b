/*
 * A workload for the viewer's profile tabs (Sync, Blocking calls, Heap):
 * recorded under the preload with --alloc=all --io-threshold=0, the T
 * threads take turns (each waits on a condition variable for its turn: a
 * wait per turn), and in its turn a thread allocates and frees (two
 * records; one allocation in 64 is kept) and writes then reads a byte through a pipe of its own
 * (two blocking-call records), from a few distinct stacks, so that about N records come out.
 *
 *   bench-view-tabs-gen [N [T]]
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static long iterations;
static int nthreads, turn;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile unsigned sink;

__attribute__((noinline)) static void alloc_some(unsigned n)
{
	char *p = malloc(16 + n % 200);

	if (p) {
		p[0] = (char)n;
		sink += (unsigned char)p[0];
	}
	/* one in 64 kept: the heap in use at a range's end is not empty */
	if (n % 64)
		free(p);
}

__attribute__((noinline)) static void pipe_step(const int fd[2])
{
	char c = 'x';

	if (write(fd[1], &c, 1) == 1 && read(fd[0], &c, 1) == 1)
		sink += (unsigned char)c;
}

__attribute__((noinline)) static void wait_turn(int me)
{
	pthread_mutex_lock(&mu);
	while (turn != me)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

__attribute__((noinline)) static void pass_turn(int me)
{
	pthread_mutex_lock(&mu);
	turn = (me + 1) % nthreads;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void *worker(void *arg)
{
	int me = (int)(long)arg;
	unsigned seed = (unsigned)me + 1;
	int fd[2];

	if (pipe(fd))
		return NULL;
	for (long i = 0; i < iterations; i++) {
		seed = seed * 1103515245u + 12345u;
		if (nthreads > 1)
			wait_turn(me);
		alloc_some(seed >> 8);
		pipe_step(fd);
		if (nthreads > 1)
			pass_turn(me);
	}
	close(fd[0]);
	close(fd[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	long records = argc > 1 ? atol(argv[1]) : 1000000;
	pthread_t tids[64];

	nthreads = argc > 2 ? atoi(argv[2]) : 2;
	if (nthreads < 1 || nthreads > 64)
		return 2;
	/* a wait, an alloc and its free, two calls: about five records */
	iterations = records / 5 / nthreads;
	for (int i = 0; i < nthreads; i++)
		pthread_create(&tids[i], NULL, worker, (void *)(long)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
