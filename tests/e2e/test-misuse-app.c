/*
 * test-misuse-app: regions used against the API's rules on purpose (they
 * must nest per thread and end on the thread that began them), with sleeps
 * that give every region a known shape (ms):
 *
 *   outer { a { b } a-end ... b-end }   a 40, b 50 (ended after a), outer 70
 *   c { d } c-end, d never ended         d closed with c: 10
 *   e { f }, e ended by another thread, f ended later: e 20, f 40
 *   g { h }, g ended by another thread, h never ended: g 20, h closed with g
 *
 * then 100 ms of nothing before exit, so a region left open until the end
 * of the trace would show.
 *
 * A sleep ends late on a loaded machine (by tens of ms with the CPUs
 * busy), so the sleeps give the shape, not the durations: the program
 * reads CLOCK_MONOTONIC (the clock of the trace) before and after each
 * begin and end call and prints, per region, "span NAME LO HI": the
 * shortest and longest duration (ns) the region's begin and end events
 * can be apart. A region closed with another ends within that one's end.
 */
#include <cprof/trace.h>

#include <pthread.h>
#include <stdio.h>
#include <time.h>

struct span {
	const char *name;
	long long b0, b1, e0, e1; /* before/after the begin and end calls */
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static cprof_region begin(struct span *s, const char *name)
{
	cprof_region r;

	s->name = name;
	s->b0 = now_ns();
	r = cprof_region_begin(NULL, name);
	s->b1 = now_ns();
	return r;
}

static void end(struct span *s, cprof_region *r)
{
	s->e0 = now_ns();
	cprof_region_end(r);
	s->e1 = now_ns();
}

/* A region that was never ended: it ends when OTHER does. */
static void ends_with(struct span *s, const struct span *other)
{
	s->e0 = other->e0;
	s->e1 = other->e1;
}

static void *end_elsewhere(void *region)
{
	cprof_region_end(region);
	return NULL;
}

static void end_on_thread(struct span *s, cprof_region *region)
{
	pthread_t t;

	s->e0 = now_ns();
	if (pthread_create(&t, NULL, end_elsewhere, region) == 0)
		pthread_join(t, NULL);
	s->e1 = now_ns();
}

int main(void)
{
	enum { OUTER, A, B, C, D, E, F, G, H, N };
	struct span s[N];

	cprof_region outer = begin(&s[OUTER], "outer");
	cprof_region a = begin(&s[A], "a");
	sleep_ms(20);
	cprof_region b = begin(&s[B], "b");
	sleep_ms(20);
	end(&s[A], &a);
	sleep_ms(30);
	end(&s[B], &b);
	end(&s[OUTER], &outer);

	cprof_region c = begin(&s[C], "c");
	cprof_region d = begin(&s[D], "d");
	(void)d;
	sleep_ms(10);
	end(&s[C], &c);
	ends_with(&s[D], &s[C]);

	cprof_region e = begin(&s[E], "e");
	cprof_region f = begin(&s[F], "f");
	sleep_ms(20);
	end_on_thread(&s[E], &e);
	sleep_ms(20);
	end(&s[F], &f);

	cprof_region g = begin(&s[G], "g");
	cprof_region h = begin(&s[H], "h");
	(void)h;
	sleep_ms(20);
	end_on_thread(&s[G], &g);
	ends_with(&s[H], &s[G]);

	sleep_ms(100);
	for (int i = 0; i < N; i++)
		printf("span %s %lld %lld\n", s[i].name, s[i].e0 - s[i].b1, s[i].e1 - s[i].b0);
	puts("done");
	return 0;
}
