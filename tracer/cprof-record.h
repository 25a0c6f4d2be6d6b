/*
 * The contract between `cprof-trace record` (and `serve`, `env`) and the
 * programs it runs: the environment variables the preload library reads
 * once at start (their names, defaults and limits), the preload library's
 * file name, and the name and shape of the DIR/cprof-record.json file
 * record leaves beside a trace.
 *
 * Both sides include this header: record builds the environment from it
 * (tracer/session/environment.c) and checks its options against the same
 * limits; the preload library (tracer/preload/preload.c) reads the
 * environment with them. A value out of range therefore never reaches the
 * program from record; set by hand, the preload library uses the default.
 * Header-only and free of dependencies: the preload library must link
 * nothing of record's. The flight recorder's own variables are in
 * flight-env.h, `serve`'s in session/served.h.
 */
#ifndef CPROF_RECORD_H
#define CPROF_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cprof-tp-enums.h"

/* --- The preload library ---------------------------------------------- */

/* Its file name, next to cprof-trace in the build tree or in the libdir. */
#define CPROF_PRELOAD_NAME "libcprof-trace-preload.so"
/* A path: the library record injects instead of the one it would find. */
#define CPROF_ENV_PRELOAD_LIB "CPROF_PRELOAD_LIB"

/* --- The preload library's settings ----------------------------------- */

/* Booleans: "0", "no" or "off" turn a family of events off; default on. */
#define CPROF_ENV_LOCKS "CPROF_LOCKS"
#define CPROF_ENV_IO "CPROF_IO"
#define CPROF_ENV_THREADS "CPROF_THREADS"

/* "off", "sample" or "all" (cprof_record_alloc_mode_name). */
#define CPROF_ENV_ALLOC "CPROF_ALLOC"
#define CPROF_DEFAULT_ALLOC CPROF_TP_ALLOC_SAMPLE

/* Mean bytes between sampled allocations; 0 records every allocation. */
#define CPROF_ENV_ALLOC_RATE "CPROF_ALLOC_RATE"
#define CPROF_DEFAULT_ALLOC_RATE 524288
#define CPROF_ALLOC_RATE_MAX (UINT64_C(1) << 40)

/*
 * Frames per recorded stack: one limit for record's option and for the
 * preload library, whose unwind buffers are sized by the depth in use
 * (they live on the program's own thread stack, in a hook or a signal
 * handler, so the default depth must stay cheap).
 */
#define CPROF_ENV_STACK_DEPTH "CPROF_STACK_DEPTH"
#define CPROF_DEFAULT_STACK_DEPTH 32
#define CPROF_STACK_DEPTH_MAX 256

/* Blocking calls shorter than this many nanoseconds are not recorded. */
#define CPROF_ENV_IO_THRESHOLD_NS "CPROF_IO_THRESHOLD_NS"
#define CPROF_DEFAULT_IO_THRESHOLD_NS 10000

/* CPU samples per second of thread CPU time; 0: none. */
#define CPROF_ENV_CPU_RATE "CPROF_CPU_RATE"
#define CPROF_DEFAULT_CPU_RATE 100
#define CPROF_CPU_RATE_MAX 10000

/* --- libcprof-trace's settings ------------------------------------------ */

/*
 * Bytes of a thread's record buffer, one cprof:batch event's worth: a power
 * of two from the minimum (a page with the event's header and string
 * definitions fits the 4 KiB sub-buffers a user's own `lttng` channel may
 * have) to the maximum. A larger buffer means fewer events per record
 * (about 1 ns of a region pair's 26 at 8 KiB; no more at 16 KiB). record sets it for the
 * programs it starts from its channel's sub-buffer size
 * (cprof_record_batch_bytes); set by hand out of range, the minimum.
 */
#define CPROF_ENV_BATCH_BYTES "CPROF_BATCH_BYTES"
#define CPROF_BATCH_BYTES_MIN 2048u
#define CPROF_BATCH_BYTES_MAX 8192u

/* The buffer size for a channel of `subbuf` bytes per sub-buffer: an
 * eighth of it (an event never nears a sub-buffer's size, so a full
 * sub-buffer wastes little), within the limits. */
static inline uint32_t cprof_record_batch_bytes(uint64_t subbuf)
{
	uint64_t bytes = subbuf / 8;

	if (bytes < CPROF_BATCH_BYTES_MIN)
		return CPROF_BATCH_BYTES_MIN;
	if (bytes > CPROF_BATCH_BYTES_MAX)
		return CPROF_BATCH_BYTES_MAX;
	return (uint32_t)bytes;
}

static inline const char *cprof_record_alloc_mode_name(enum cprof_tp_alloc_mode mode)
{
	switch (mode) {
	case CPROF_TP_ALLOC_OFF:
		return "off";
	case CPROF_TP_ALLOC_SAMPLE:
		return "sample";
	case CPROF_TP_ALLOC_ALL:
		return "all";
	}
	return "?";
}

/* "off", "sample", "all" -> *mode; 0 when `name` is none of them. */
static inline int cprof_record_alloc_mode_parse(const char *name, enum cprof_tp_alloc_mode *mode)
{
	for (int i = CPROF_TP_ALLOC_OFF; name && i <= CPROF_TP_ALLOC_ALL; i++) {
		if (!strcmp(name, cprof_record_alloc_mode_name((enum cprof_tp_alloc_mode)i))) {
			*mode = (enum cprof_tp_alloc_mode)i;
			return 1;
		}
	}
	return 0;
}

/* --- DIR/cprof-record.json -------------------------------------------- */

/*
 * One JSON object, written once the program has exited:
 *   {"pid": 1234, "argv": ["prog", "arg"], "discarded_events": 0,
 *    "session": "cprof-record-..."}
 * pid is the recorded program's (the root of the process tree the reader
 * keeps), discarded_events LTTng's count for the channel, session the
 * LTTng session's name. A flight recorder snapshot adds "snapshot":
 *   {"seq": 1, "trigger": "region", "reason": "TYPE", "duration_ns": N,
 *    "task": N, "time_ns": N}
 * Keys are added, never removed or renamed.
 */
#define CPROF_RECORD_FILE "cprof-record.json"
#define CPROF_RECORD_KEY_PID "pid"
#define CPROF_RECORD_KEY_ARGV "argv"
#define CPROF_RECORD_KEY_DISCARDED "discarded_events"
#define CPROF_RECORD_KEY_SESSION "session"
#define CPROF_RECORD_KEY_SNAPSHOT "snapshot"
/* The signal that killed the program (absent: it exited). */
#define CPROF_RECORD_KEY_SIGNAL "signal"
/* true: record started the program once its session recorded (not --pid,
 * not a snapshot), so every record of its threads is in the trace or was
 * lost, including records before a thread's first in the trace. */
#define CPROF_RECORD_KEY_LAUNCHED "launched"
/* The pids, as the processes themselves saw them, of the recorded tree's
 * processes that ran in a PID namespace of their own (bwrap
 * --unshare-pid, a container): their events carry these pids and their
 * parents' pids in that namespace, which do not lead to the program's, so
 * the reader keeps them by this list. Absent: none. */
#define CPROF_RECORD_KEY_NS_PIDS "namespaced_pids"
/* At most this many are written. */
#define CPROF_RECORD_NS_PIDS_MAX 256
/* One line each about processes of the tree that the trace is missing,
 * and why (a program run in secure-execution mode, which ignores
 * LD_PRELOAD; a process lttng-ust could not register): every command
 * reading the trace says them. Absent: none. */
#define CPROF_RECORD_KEY_NOTICES "notices"
#define CPROF_RECORD_NOTICES_MAX 16
#define CPROF_RECORD_NOTICE_LEN 400

/* What a flight recorder snapshot was taken for: its "snapshot" object. */
struct cprof_record_snapshot {
	unsigned seq;	      /* 1, 2, ... */
	const char *trigger;  /* region, task, signal, api, lost */
	const char *reason;   /* the region or task type, the API's reason, ... */
	uint64_t duration_ns; /* a slow region's or task's duration */
	uint64_t task;	      /* its task id (0: none) */
	uint64_t time_ns;     /* when it was asked for (CLOCK_MONOTONIC, as in the
				 trace; 0: unknown) */
};

/* A limit above as text, for messages: CPROF_RECORD_STR(CPROF_STACK_DEPTH_MAX). */
#define CPROF_RECORD_STR_(x) #x
#define CPROF_RECORD_STR(x) CPROF_RECORD_STR_(x)

#endif /* CPROF_RECORD_H */
