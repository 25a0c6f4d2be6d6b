/*
 * A master and two workers of one executable that set their titles as
 * nginx and postgres do (setproctitle: the argument area rewritten, the
 * rest of it cleared), then run a little: "title-app: master" and
 * "title-app: worker N", for `record` and `stats`.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *area;
static size_t area_len;

static void set_title(const char *title)
{
	memset(area, 0, area_len);
	snprintf(area, area_len, "%s", title);
}

static void run_a_little(void)
{
	struct timespec ms = {0, 1000000};

	for (int i = 0; i < 200; i++)
		nanosleep(&ms, NULL);
}

int main(int argc, char **argv)
{
	pid_t w[2];

	area = argv[0];
	area_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
	for (int i = 0; i < 2; i++) {
		w[i] = fork();
		if (w[i] == 0) {
			char title[64];

			snprintf(title, sizeof(title), "title-app: worker %d", i + 1);
			set_title(title);
			run_a_little();
			return 0;
		}
	}
	set_title("title-app: master");
	run_a_little();
	for (int i = 0; i < 2; i++)
		waitpid(w[i], NULL, 0);
	return 0;
}
