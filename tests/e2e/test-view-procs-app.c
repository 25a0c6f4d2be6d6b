/*
 * test-view-procs-app N: forks N children that each allocate (child k holds
 * k + 1 MiB in 64 KiB blocks for a moment, then frees them) while the
 * parent holds 1 MiB of its own; the parent waits for them all. Recorded by
 * test-view-procs.sh under record --alloc=all: a trace of N + 1 processes
 * with a heap counter each (N 0: one process).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (64 * 1024)

static void hold(int mib, long ms)
{
	int n = mib * (1024 * 1024 / BLOCK);
	char **v = calloc((size_t)n, sizeof(*v));
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	if (!v)
		exit(2);
	for (int i = 0; i < n; i++) {
		v[i] = malloc(BLOCK);
		if (!v[i])
			exit(2);
		memset(v[i], i, BLOCK);
	}
	nanosleep(&ts, NULL);
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int bad = 0;

	for (int k = 0; k < n; k++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			hold(k + 1, 200);
			_exit(0);
		}
	}
	hold(1, 300);
	for (int k = 0; k < n; k++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	}
	printf("%d children done\n", n);
	return bad;
}
