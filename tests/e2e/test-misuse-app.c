/*
 * test-misuse-app: regions used against the API's rules on purpose (they
 * must nest per thread and end on the thread that began them), with sleeps
 * that make every true duration known (ms):
 *
 *   outer { a { b } a-end ... b-end }   a 40, b 50 (ended after a), outer 70
 *   c { d } c-end, d never ended         d closed with c: 10
 *   e { f }, e ended by another thread, f ended later: e 20, f 40
 *   g { h }, g ended by another thread, h never ended: g 20, h closed with g
 *
 * then 100 ms of nothing before exit, so a region left open until the end
 * of the trace would show.
 */
#include <cprof/trace.h>

#include <pthread.h>
#include <stdio.h>
#include <time.h>

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *end_elsewhere(void *region)
{
	cprof_region_end(region);
	return NULL;
}

static void end_on_thread(cprof_region *region)
{
	pthread_t t;
	if (pthread_create(&t, NULL, end_elsewhere, region) == 0)
		pthread_join(t, NULL);
}

int main(void)
{
	cprof_region outer = cprof_region_begin(NULL, "outer");
	cprof_region a = cprof_region_begin(NULL, "a");
	sleep_ms(20);
	cprof_region b = cprof_region_begin(NULL, "b");
	sleep_ms(20);
	cprof_region_end(&a);
	sleep_ms(30);
	cprof_region_end(&b);
	cprof_region_end(&outer);

	cprof_region c = cprof_region_begin(NULL, "c");
	cprof_region d = cprof_region_begin(NULL, "d");
	(void)d;
	sleep_ms(10);
	cprof_region_end(&c);

	cprof_region e = cprof_region_begin(NULL, "e");
	cprof_region f = cprof_region_begin(NULL, "f");
	sleep_ms(20);
	end_on_thread(&e);
	sleep_ms(20);
	cprof_region_end(&f);

	cprof_region g = cprof_region_begin(NULL, "g");
	cprof_region h = cprof_region_begin(NULL, "h");
	(void)h;
	sleep_ms(20);
	end_on_thread(&g);

	sleep_ms(100);
	puts("done");
	return 0;
}
