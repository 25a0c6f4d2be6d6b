/*
 * cache: the API gateway from the seeds ("In The Wild"). Request threads
 * look keys up in a cache bounded to --entries entries; a miss asks the
 * backend and inserts the answer, and every answer is encoded to JSON.
 *
 * The bug: cache_evict takes the cache lock and scans every entry for the
 * least recently used one, O(n) under the lock, so every request thread
 * queues behind each eviction. The CPU profile points at encode_json (it
 * does the real work); the mutex profile points at cache_evict.
 *
 * --fixed is the seed's fix: a separate LRU list kept in order on every
 * hit, so eviction unlinks the list's tail in O(1) and the critical
 * section is a few pointer moves; the victim is freed outside the lock.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cprof/trace.h>

#include "common.h"

#define VALUE_SIZE 200

struct entry {
	uint64_t key;
	uint64_t last_used;	 /* the buggy version's LRU clock */
	size_t slot;		 /* index in cache.all */
	struct entry *hash_next; /* bucket chain */
	struct entry *lru_prev;	 /* the fixed version's LRU list */
	struct entry *lru_next;
	char *value; /* VALUE_SIZE bytes, malloc'ed */
};

struct cache {
	pthread_mutex_t mu;
	struct entry **buckets;
	size_t nbuckets; /* power of two */
	size_t count, capacity;
	uint64_t clock;
	struct entry lru; /* list head: lru.lru_next is the newest */
	bool fixed;
	/* every entry, for the O(n) scan */
	struct entry **all;
};

static long opt_entries = 100000;
static long opt_keys = 200000;
static long opt_threads = 4;
static long opt_work_us = 50;
static long opt_backend_us = 20;
static long encode_reps = 1; /* calibrated */

static struct cache cache;

static size_t bucket_of(const struct cache *c, uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdu;
	key ^= key >> 33;
	return (size_t)key & (c->nbuckets - 1);
}

static struct entry *find_locked(struct cache *c, uint64_t key)
{
	for (struct entry *e = c->buckets[bucket_of(c, key)]; e; e = e->hash_next)
		if (e->key == key)
			return e;
	return NULL;
}

static void lru_unlink(struct entry *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push_front(struct cache *c, struct entry *e)
{
	e->lru_prev = &c->lru;
	e->lru_next = c->lru.lru_next;
	c->lru.lru_next->lru_prev = e;
	c->lru.lru_next = e;
}

/* Removes e from the hash table and the slot array; the caller frees it. */
static void remove_locked(struct cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[bucket_of(c, e->key)];

	while (*pp != e)
		pp = &(*pp)->hash_next;
	*pp = e->hash_next;
	c->all[e->slot] = c->all[--c->count];
	c->all[e->slot]->slot = e->slot;
}

static void entry_free(struct entry *e)
{
	if (e) {
		free(e->value);
		free(e);
	}
}

/*
 * Makes room for one entry. The buggy version holds the lock for a scan of
 * every entry (the seed's "O(n) under the lock"); the fixed one takes the
 * LRU list's tail, O(1), and frees the victim outside the lock.
 */
static SAMPLE_FRAME void cache_evict(struct cache *c)
{
	struct entry *victim = NULL;

	pthread_mutex_lock(&c->mu);
	if (c->fixed) {
		if (c->count >= c->capacity && c->lru.lru_prev != &c->lru) {
			victim = c->lru.lru_prev;
			lru_unlink(victim);
			remove_locked(c, victim);
		}
	} else {
		for (size_t i = 0; i < c->count; i++)
			if (!victim || c->all[i]->last_used < victim->last_used)
				victim = c->all[i];
		if (victim && c->count >= c->capacity)
			remove_locked(c, victim);
		else
			victim = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	entry_free(victim);
}

static SAMPLE_FRAME bool cache_get(struct cache *c, uint64_t key, char *out)
{
	struct entry *e;

	pthread_mutex_lock(&c->mu);
	e = find_locked(c, key);
	if (e) {
		if (c->fixed) {
			lru_unlink(e);
			lru_push_front(c, e);
		} else {
			e->last_used = ++c->clock;
		}
		memcpy(out, e->value, VALUE_SIZE);
	}
	pthread_mutex_unlock(&c->mu);
	return e != NULL;
}

static SAMPLE_FRAME void cache_put(struct cache *c, uint64_t key, const char *value)
{
	struct entry *e = malloc(sizeof(*e));

	if (!e)
		return;
	e->key = key;
	e->value = malloc(VALUE_SIZE);
	if (!e->value) {
		free(e);
		return;
	}
	memcpy(e->value, value, VALUE_SIZE);
	for (;;) {
		pthread_mutex_lock(&c->mu);
		if (find_locked(c, key)) {
			/* Another thread filled it meanwhile. */
			pthread_mutex_unlock(&c->mu);
			entry_free(e);
			return;
		}
		if (c->count < c->capacity)
			break;
		pthread_mutex_unlock(&c->mu);
		cache_evict(c);
	}
	e->hash_next = c->buckets[bucket_of(c, key)];
	c->buckets[bucket_of(c, key)] = e;
	if (c->fixed)
		lru_push_front(c, e);
	else
		e->last_used = ++c->clock;
	e->slot = c->count;
	c->all[c->count++] = e;
	pthread_mutex_unlock(&c->mu);
}

static int cache_init(struct cache *c, size_t capacity, bool fixed)
{
	c->capacity = capacity;
	c->fixed = fixed;
	c->nbuckets = 1;
	while (c->nbuckets < capacity * 2)
		c->nbuckets *= 2;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	c->all = calloc(capacity + 1, sizeof(*c->all));
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	pthread_mutex_init(&c->mu, NULL);
	return c->buckets && c->all ? 0 : -1;
}

/* A stand-in for the service behind the gateway: some CPU per miss. */
static SAMPLE_FRAME void backend_fetch(uint64_t key, char *out)
{
	uint64_t end = sample_now_ns() + (uint64_t)opt_backend_us * 1000u;
	uint64_t x = key;

	do {
		for (int i = 0; i < VALUE_SIZE; i++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			out[i] = (char)('a' + (x >> 59));
		}
	} while (sample_now_ns() < end);
	out[VALUE_SIZE - 1] = 0;
}

/* The JSON marshaling the seed's CPU profile blamed: real work. */
static SAMPLE_FRAME size_t encode_json(const char *value, char *buf, size_t size)
{
	size_t n = 0;

	for (long r = 0; r < encode_reps; r++) {
		n = (size_t)snprintf(buf, size, "{\"value\":\"");
		for (int i = 0; i < VALUE_SIZE - 1 && n + 8 < size; i++) {
			unsigned char ch = (unsigned char)value[i];

			if (ch == '"' || ch == '\\') {
				buf[n++] = '\\';
				buf[n++] = (char)ch;
			} else if (ch < 0x20) {
				n += (size_t)snprintf(buf + n, size - n, "\\u%04x", ch);
			} else {
				buf[n++] = (char)ch;
			}
		}
		n += (size_t)snprintf(buf + n, size - n, "\",\"rep\":%ld}", r);
	}
	return n;
}

#define LAT_BUCKETS 100000 /* 10 us each, up to 1 s */

struct gateway_stats {
	int id;
	uint64_t requests, hits;
	uint32_t *lat;
};

static SAMPLE_FRAME void *gateway_thread(void *arg)
{
	struct gateway_stats *st = arg;
	char value[VALUE_SIZE], out[4 * VALUE_SIZE];
	volatile size_t sink = 0;

	sample_name_thread("gateway-%d", st->id);
	while (sample_running()) {
		uint64_t t0 = sample_now_ns();
		uint64_t key = sample_rand_range(0, (uint64_t)opt_keys - 1);
		cprof_task *t = cprof_task_begin(NULL, "request");
		bool hit = false;
		uint64_t us;

		TRACE_REGION (t, "lookup") {
			hit = cache_get(&cache, key, value);
		}
		if (!hit) {
			TRACE_REGION (t, "backend") {
				backend_fetch(key, value);
			}
			TRACE_REGION (t, "store") {
				cache_put(&cache, key, value);
			}
		}
		TRACE_REGION (t, "encode") {
			sink += encode_json(value, out, sizeof(out));
		}
		cprof_task_end(t);
		st->requests++;
		st->hits += hit;
		us = (sample_now_ns() - t0) / 10000u;
		st->lat[us < LAT_BUCKETS ? us : LAT_BUCKETS - 1]++;
	}
	return NULL;
}

static void calibrate_encode(void)
{
	char value[VALUE_SIZE], out[4 * VALUE_SIZE];
	uint64_t t0, dt;

	memset(value, 'x', sizeof(value));
	encode_reps = 200;
	t0 = sample_now_ns();
	encode_json(value, out, sizeof(out));
	dt = sample_now_ns() - t0;
	encode_reps = dt ? (long)((uint64_t)opt_work_us * 1000u * 200u / dt) : 1;
	if (encode_reps < 1)
		encode_reps = 1;
}

static double percentile_ms(const uint64_t *hist, uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p * (double)total), seen = 0;

	for (size_t i = 0; i < LAT_BUCKETS; i++) {
		seen += hist[i];
		if (seen > want)
			return (double)(i + 1) * 0.01;
	}
	return LAT_BUCKETS * 0.01;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: cache [--fixed] [--seconds N] [--threads N] [--entries N] [--keys N]\n"
		   "             [--work-us US] [--backend-us US]\n"
		   "\n"
		   "An API gateway: --threads request threads look up random keys in a cache\n"
		   "bounded to --entries entries; a miss fetches from the backend and inserts.\n"
		   "cache_evict scans every entry under the cache lock (the bug).\n"
		   "\n"
		   "Options:\n"
		   "  --fixed          keep a separate LRU list: O(1) eviction, short lock\n"
		   "  --seconds N      run for N seconds (default 10; 0: until SIGINT)\n"
		   "  --threads N      request threads (default 4)\n"
		   "  --entries N      cache capacity (default 100000)\n"
		   "  --keys N         distinct keys requested (default 200000)\n"
		   "  --work-us US     JSON encoding work per request (default 50)\n"
		   "  --backend-us US  backend work per miss (default 20)\n"
		   "  -h, --help       this text\n"
		   "\n"
		   "Example: cprof-trace record -o cache.out -- cache --seconds 5\n"
		   "         cprof-trace pprof -t mutex -o mutex.pb.gz cache.out\n"
		   "         go tool pprof -top -sample_index=delay mutex.pb.gz\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"fixed", no_argument, NULL, 'f'},
	    {"seconds", required_argument, NULL, 's'},
	    {"threads", required_argument, NULL, 't'},
	    {"entries", required_argument, NULL, 'e'},
	    {"keys", required_argument, NULL, 'k'},
	    {"work-us", required_argument, NULL, 'w'},
	    {"backend-us", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct sample_cli cli = {"cache", opts, usage};
	struct gateway_stats *st;
	uint64_t *hist, requests = 0, hits = 0;
	double seconds = 10, elapsed;
	bool fixed = false;
	pthread_t *th;
	uint64_t t0;
	int c;

	while ((c = sample_next_option(&cli, argc, argv)) != -1) {
		switch (c) {
		case 'f':
			fixed = true;
			break;
		case 's':
			seconds = sample_parse_seconds("cache", "seconds", optarg);
			break;
		case 't':
			opt_threads = sample_parse_long("cache", "threads", optarg, 1, 1024);
			break;
		case 'e':
			opt_entries = sample_parse_long("cache", "entries", optarg, 1, 100000000);
			break;
		case 'k':
			opt_keys = sample_parse_long("cache", "keys", optarg, 1, 1000000000);
			break;
		case 'w':
			opt_work_us = sample_parse_long("cache", "work-us", optarg, 0, 1000000);
			break;
		case 'b':
			opt_backend_us =
			    sample_parse_long("cache", "backend-us", optarg, 0, 1000000);
			break;
		}
	}
	sample_install_signals();
	if (cache_init(&cache, (size_t)opt_entries, fixed) != 0) {
		fprintf(stderr, "cache: out of memory\n");
		return 1;
	}
	calibrate_encode();
	/* Start warm: a cache filled to its bound, as in production. */
	{
		char value[VALUE_SIZE];

		memset(value, 'w', sizeof(value));
		value[VALUE_SIZE - 1] = 0;
		for (long k = 0; k < opt_keys && (long)cache.count < opt_entries; k += 2)
			cache_put(&cache, (uint64_t)k, value);
	}
	st = calloc((size_t)opt_threads, sizeof(*st));
	th = calloc((size_t)opt_threads, sizeof(*th));
	hist = calloc(LAT_BUCKETS, sizeof(*hist));
	if (!st || !th || !hist)
		return 1;
	t0 = sample_now_ns();
	for (long i = 0; i < opt_threads; i++) {
		st[i].id = (int)i;
		st[i].lat = calloc(LAT_BUCKETS, sizeof(*st[i].lat));
		if (!st[i].lat || pthread_create(&th[i], NULL, gateway_thread, &st[i]) != 0) {
			fprintf(stderr, "cache: cannot start thread %ld\n", i);
			return 1;
		}
	}
	sample_wait(seconds);
	for (long i = 0; i < opt_threads; i++) {
		pthread_join(th[i], NULL);
		requests += st[i].requests;
		hits += st[i].hits;
		for (size_t b = 0; b < LAT_BUCKETS; b++)
			hist[b] += st[i].lat[b];
	}
	elapsed = (double)(sample_now_ns() - t0) / 1e9;
	printf("cache (%s): %llu requests in %.1f s (%.0f/s), hit rate %.1f%%, "
	       "entries %zu/%ld, latency p50 %.2f ms p95 %.2f ms p99 %.2f ms\n",
	       fixed ? "fixed" : "scan-evict", (unsigned long long)requests, elapsed,
	       (double)requests / elapsed, requests ? 100.0 * (double)hits / (double)requests : 0,
	       cache.count, opt_entries, percentile_ms(hist, requests, 0.50),
	       percentile_ms(hist, requests, 0.95), percentile_ms(hist, requests, 0.99));
	return 0;
}
