/*
 * test-fork-app: a program annotated with the API only (recorded with
 * --no-auto) that forks; parent and children emit regions of their own
 * types, so stats can tell whose events were kept.
 *
 *   test-fork-app [CHILDREN]    (default 1)
 *
 * The parent records region "parent" 3 times; each child records "child"
 * 5 times and, after forking a grandchild that records "grandchild" 2
 * times, waits for it. Expected (CHILDREN = N): parent 3, child 5N,
 * grandchild 2N, and 1 + 2N processes.
 */
#include <cprof/trace.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void regions(const char *type, int n)
{
	cprof_task *t = cprof_task_begin(NULL, type);

	for (int i = 0; i < n; i++) {
		TRACE_REGION(t, type) {
			usleep(1000);
		}
	}
	cprof_task_end(t);
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv)
{
	int children = argc > 1 ? atoi(argv[1]) : 1;
	int failed = 0;

	regions("parent", 3);
	for (int c = 0; c < children; c++) {
		pid_t pid = fork();

		if (pid == 0) {
			pid_t g;

			regions("child", 5);
			g = fork();
			if (g == 0) {
				regions("grandchild", 2);
				_exit(0);
			}
			_exit(wait_child(g));
		}
		failed |= wait_child(pid);
	}
	if (failed)
		fprintf(stderr, "test-fork-app: a child failed\n");
	return failed;
}
