/*
 * The string table of the batches (see batch-str.h): types, categories and
 * counter names interned once per process, referred to by id.
 */
#include "batch-str.h"
#include "batch.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

#define STR_SLOTS 131072u /* hash slots, a power of two */
#define ARENA_CHUNK 65536u

struct cprof_batch_str *cprof_batch_strs_; /* by id */
static uint32_t *str_slots;		   /* hash -> id */
static uint32_t str_count;
static int str_lock;
static char *arena;
static size_t arena_left;

static uint32_t str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static char *arena_copy(const char *s, size_t len)
{
	char *p;

	if (arena_left < len + 1) {
		arena = cprof_batch_map_(ARENA_CHUNK);
		arena_left = arena ? ARENA_CHUNK : 0;
		if (!arena)
			return NULL;
	}
	p = arena;
	memcpy(p, s, len);
	p[len] = '\0';
	arena += len + 1;
	arena_left -= len + 1;
	return p;
}

/* The id of s[0..len) if the table has it, without the lock: a slot is
 * published (release) after its entry is written, and never changes. */
static uint32_t str_find(const char *s, size_t len, uint32_t h)
{
	const uint32_t *slots = __atomic_load_n(&str_slots, __ATOMIC_ACQUIRE);

	if (!slots)
		return 0;
	for (uint32_t i = h & (STR_SLOTS - 1);; i = (i + 1) & (STR_SLOTS - 1)) {
		uint32_t cand = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);

		if (!cand)
			return 0;
		if (cprof_batch_strs_[cand].len == len &&
		    !memcmp(cprof_batch_strs_[cand].s, s, len))
			return cand;
	}
}

/*
 * The table: looked up by content (first use of a pointer on a thread
 * only); a new entry is added under a spinlock with every signal blocked:
 * a handler that interned a new string of its own while its thread held
 * the lock would spin on it forever (a program recording regions in a
 * signal handler hung so at its first regions). Entries are written
 * before their id is handed out, and never change.
 */
uint32_t cprof_batch_str_add_(const char *s)
{
	size_t len = strnlen(s, CPROF_BATCH_STR_MAX);
	uint32_t h = str_hash(s, len), id = str_find(s, len, h);
	sigset_t all, old;

	if (id)
		return id;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	cprof_spin_lock_(&str_lock);
	if (!str_slots) {
		if (!cprof_batch_strs_)
			cprof_batch_strs_ =
			    cprof_batch_map_(CPROF_BATCH_STR_IDS * sizeof(*cprof_batch_strs_));
		if (cprof_batch_strs_)
			__atomic_store_n(&str_slots,
					 cprof_batch_map_(STR_SLOTS * sizeof(*str_slots)),
					 __ATOMIC_RELEASE);
		if (!str_slots)
			goto end;
	}
	for (uint32_t i = h & (STR_SLOTS - 1);; i = (i + 1) & (STR_SLOTS - 1)) {
		uint32_t cand = str_slots[i];

		if (!cand) {
			char *copy;

			if (str_count + 1 >= CPROF_BATCH_STR_IDS || !(copy = arena_copy(s, len)))
				goto end;
			id = ++str_count;
			cprof_batch_strs_[id] = (struct cprof_batch_str){copy, (uint32_t)len};
			__atomic_store_n(&str_slots[i], id, __ATOMIC_RELEASE);
			goto end;
		}
		if (cprof_batch_strs_[cand].len == len &&
		    !memcmp(cprof_batch_strs_[cand].s, s, len)) {
			id = cand;
			goto end;
		}
	}
end:
	cprof_spin_unlock_(&str_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return id;
}

void cprof_batch_str_after_fork_(void)
{
	str_lock = 0;
}
