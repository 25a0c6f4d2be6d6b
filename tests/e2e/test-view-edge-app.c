/*
 * Odd but legal traces for the viewer (tests/e2e/test-view-edge.sh):
 * UTF-8 task and region types and log text, a task never ended, regions
 * still open (nested) when the program exits.
 */
#include <cprof/trace.h>
#include <time.h>

static void spin_us(long us)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

int main(void)
{
	cprof_task *t = cprof_task_begin(NULL, "requête");
	cprof_region r = cprof_region_begin(t, "région ünïcode — Ωμέγα Жук");
	spin_us(2000);
	cprof_log(t, "catégorie", "message with ümlauts — and 中文");
	cprof_region_end(&r);
	cprof_region open = cprof_region_begin(t, "still-open");
	spin_us(1000);
	cprof_region inner = cprof_region_begin(t, "still-open-inner");
	spin_us(1000);
	(void)open;
	(void)inner;
	return 0;
}
