/*
 * The LTTng-UST tracepoint provider `cprof`: every event cprof-trace
 * records. This file is the trace format; the reader
 * (viewer/reader/) decodes exactly these names and fields. Change a field
 * here and the reader must change with it.
 *
 * Conventions:
 * - Thread and process come from LTTng's vtid and vpid contexts, never from
 *   payload fields (except where an event names another thread).
 * - Stacks are interned per process: `stack` defines an id once, other
 *   events refer to it (0 means no stack).
 * - Times in payloads are CLOCK_MONOTONIC nanoseconds, the clock LTTng-UST
 *   stamps events with.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER cprof

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "cprof-tp.h"

#if !defined(CPROF_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define CPROF_TP_H

#include <lttng/tracepoint.h>
#include <stddef.h>
#include <stdint.h>

/* --- Instrumentation API (libcprof-trace) -------------------------------- */

LTTNG_UST_TRACEPOINT_EVENT(cprof, task_begin,
	LTTNG_UST_TP_ARGS(uint64_t, id, uint64_t, parent, const char *, type),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, id, id)
		lttng_ust_field_integer(uint64_t, parent, parent)
		lttng_ust_field_string(type, type)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, task_end,
	LTTNG_UST_TP_ARGS(uint64_t, id),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, id, id)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, region_begin,
	LTTNG_UST_TP_ARGS(uint64_t, task, const char *, type),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, task, task)
		lttng_ust_field_string(type, type)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, region_end,
	LTTNG_UST_TP_ARGS(uint64_t, task, const char *, type),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, task, task)
		lttng_ust_field_string(type, type)))

/* `length` is the message's full length; when it exceeds the recorded
 * sequence, the message was truncated. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, log,
	LTTNG_UST_TP_ARGS(uint64_t, task, const char *, category,
			  const char *, message, uint32_t, recorded,
			  uint64_t, length),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, task, task)
		lttng_ust_field_string(category, category)
		lttng_ust_field_sequence_text(char, message, message, uint32_t, recorded)
		lttng_ust_field_integer(uint64_t, length, length)))

/* Misuse of the API, recorded for the reader to report: `code` is one of
 * enum cprof_tp_warning. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, warning,
	LTTNG_UST_TP_ARGS(uint32_t, code, const char *, detail),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, code, code)
		lttng_ust_field_string(detail, detail)))

/* The emitting process's parent (getppid()), from libcprof-trace: before
 * the process's first other API event, at start when a session already
 * records, and in a fork child. lttng-ust 2.13 has no vppid context, and
 * without the preload (`record --no-auto`) no cprof:config carries it: the
 * reader needs it to keep the recorded program's children. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, process,
	LTTNG_UST_TP_ARGS(int32_t, ppid),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, ppid, ppid)))

/* A user counter's value (cprof_counter()): it holds until the next value
 * of the same name in the same process. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, counter,
	LTTNG_UST_TP_ARGS(const char *, name, int64_t, value),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(name, name)
		lttng_ust_field_integer(int64_t, value, value)))

/* A snapshot request for a flight recorder (`record --flight`): the
 * program called cprof_trace_snapshot(), a watched region or task lasted
 * longer than its threshold, or the program got the trigger signal.
 * `token` is the recording's (CPROF_FLIGHT_TOKEN, 0 without one): the
 * recording's LTTng trigger matches its own token only. `kind` is one of
 * enum cprof_tp_snapshot_kind; `reason` the API's reason or the region or
 * task type; `duration_ns` and `task` describe a slow region or task;
 * `time_ns` is when it was asked for (CLOCK_MONOTONIC). The event is also
 * recorded, so a snapshot shows what triggered it. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, snapshot,
	LTTNG_UST_TP_ARGS(uint64_t, token, uint8_t, kind, const char *, reason,
			  uint64_t, duration_ns, uint64_t, task, uint64_t, time_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, token, token)
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_string(reason, reason)
		lttng_ust_field_integer(uint64_t, duration_ns, duration_ns)
		lttng_ust_field_integer(uint64_t, task, task)
		lttng_ust_field_integer(uint64_t, time_ns, time_ns)))

/* Records of the instrumentation API, batched per thread (tracer/batch.c;
 * the format is in cprof-tp-enums.h). `tid` is the thread whose records
 * these are (the flusher thread may emit them for it); `base_ns` the time
 * the first record's delta counts from; `first` how many records of the
 * thread's sequence went out before these (a gap means a lost batch),
 * CPROF_TP_BATCH_ALONE for a record outside the sequence; `count` the
 * number of records. `strings` and `records` are strings: no byte of
 * either is zero (cprof-varint.h), and babeltrace2 reads a string in one
 * copy, where it decodes an array element by element (about 400
 * instructions for each 64-bit element: 3/4 of reading a batched trace,
 * when the records were words of an integer sequence). */
/*
 * The two strings of cprof:batch go into the ring buffer with one memcpy
 * each: lttng-ust copies a string field byte by byte, reading each byte
 * once and stopping at a NUL in case the string changes under it, which
 * cost 1.5 cycles a byte here, 4.5 ns of a 28 ns recorded region pair
 * (bench-api), where the TSC reads take 22.5 ns. The bytes written are
 * those of a string field (the characters and the NUL the size stage
 * counted) and its metadata stays a CTF string, so the reader sees no
 * difference. Our strings never change under the copy (the buffer's lock
 * and busy mark, tracer/batch.c), and the NUL is written apart, so even
 * a string that did could not run into the next event.
 *
 * Only the probe's write stage differs from lttng_ust_field_string: stage
 * 5 of lttng-ust 2.13's ust-tracepoint-event.h, the first to define
 * LTTNG_UST__TP_SESSION_CHECK, and which stage 6 follows by defining
 * LTTNG_UST_TP_EXTERN_C (it undefines it after; stages 7-9 expand no
 * fields). Anything else, such as a second provider in provider.c, would
 * expand the write code where there is no __chan and fail to compile,
 * never write otherwise; any other lttng-ust writes a string field.
 */
#include <lttng/ust-version.h>
#undef cprof_tp_field_bytes_
#if LTTNG_UST_MAJOR_VERSION == 2 && LTTNG_UST_MINOR_VERSION == 13 &&                        \
	defined(LTTNG_UST__TP_SESSION_CHECK) && !defined(LTTNG_UST_TP_EXTERN_C)
#define cprof_tp_field_bytes_(_item, _src)                                                         \
	{                                                                                          \
		const char *cprof_src_ = (_src) ? (_src) : LTTNG_UST__NULL_STRING;                 \
		size_t cprof_len_ = lttng_ust__get_dynamic_len(dest);                              \
                                                                                                   \
		__chan->ops->event_write(&__ctx, cprof_src_, cprof_len_ - 1, 1);                   \
		__chan->ops->event_write(&__ctx, "", 1, 1);                                        \
	}
#else
#define cprof_tp_field_bytes_(_item, _src) lttng_ust_field_string(_item, _src)
#endif

LTTNG_UST_TRACEPOINT_EVENT(cprof, batch,
	LTTNG_UST_TP_ARGS(int32_t, tid, uint64_t, base_ns, uint64_t, first, uint32_t, count,
			  const char *, strings, const char *, records),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_integer(uint64_t, base_ns, base_ns)
		lttng_ust_field_integer(uint64_t, first, first)
		lttng_ust_field_integer(uint32_t, count, count)
		cprof_tp_field_bytes_(strings, strings)
		cprof_tp_field_bytes_(records, records)))

/* The process's title, as ps shows it (/proc/PID/cmdline, NULs made
 * spaces), once the program rewrote its argument area (setproctitle:
 * "nginx: worker process", "postgres: checkpointer"), then at each change
 * and in each state dump; from a thread of libcprof-trace's own (title.c). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, process_title,
	LTTNG_UST_TP_ARGS(const char *, title),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(title, title)))

/* --- Automatic events (libcprof-trace-preload) --------------------------- */

/* Settings of the preload library in this process, once at start. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, config,
	LTTNG_UST_TP_ARGS(uint32_t, alloc_mode, uint64_t, alloc_rate,
			  uint32_t, cpu_rate, uint64_t, io_threshold_ns,
			  uint32_t, stack_depth, uint32_t, flags, int32_t, ppid,
			  const char *, program),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, alloc_mode, alloc_mode)
		lttng_ust_field_integer(uint64_t, alloc_rate, alloc_rate)
		lttng_ust_field_integer(uint32_t, cpu_rate, cpu_rate)
		lttng_ust_field_integer(uint64_t, io_threshold_ns, io_threshold_ns)
		lttng_ust_field_integer(uint32_t, stack_depth, stack_depth)
		lttng_ust_field_integer(uint32_t, flags, flags)
		/* getppid() of the process: lttng-ust 2.13 has no vppid
		 * context, and the reader needs the parent to keep the
		 * recorded program's children (emitted again after fork). */
		lttng_ust_field_integer(int32_t, ppid, ppid)
		/* the process's comm when it started (its exec's, ps's, or
		 * the forking thread's in a fork child): its name, the same
		 * in a state dump after the program named its main thread */
		lttng_ust_field_string(program, program)))

/*
 * A loaded object (the executable, a library, the vDSO), from the process's
 * memory (dl_iterate_phdr) rather than its file: `baddr` is the address of
 * its first PT_LOAD segment, `memsz` the span of its PT_LOAD segments,
 * `path` the dynamic loader's name for it (the executable's from
 * /proc/self/exe, "[linux-vdso.so.1]" for the vDSO), `is_pic` whether it
 * is ET_DYN, `build_id` the GNU build-id note of its mapped PT_NOTE
 * segments (empty when none). Emitted for every object when the process
 * starts recording (after cprof:config), in a fork child, in each state
 * dump, and for what a dlopen loaded. It stands for lttng-ust's
 * lttng_ust_statedump:bin_info/build_id and lttng_ust_lib:load, which read
 * every object's ELF file (about 2,300 system calls for /bin/true) and
 * which `record` turns off (LTTNG_UST_WITHOUT_BADDR_STATEDUMP=1); a trace
 * may hold both (a session of the user's own): the reader keeps one.
 */
LTTNG_UST_TRACEPOINT_EVENT(cprof, module,
	LTTNG_UST_TP_ARGS(uint64_t, baddr, uint64_t, memsz, const char *, path,
			  uint8_t, is_pic, const uint8_t *, build_id, uint8_t, build_id_len),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, baddr, baddr)
		lttng_ust_field_integer(uint64_t, memsz, memsz)
		lttng_ust_field_string(path, path)
		lttng_ust_field_integer(uint8_t, is_pic, is_pic)
		lttng_ust_field_sequence_hex(uint8_t, build_id, build_id, uint8_t, build_id_len)))

/* The object a cprof:module named at `baddr` was unloaded (dlclose). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, module_unload,
	LTTNG_UST_TP_ARGS(uint64_t, baddr),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, baddr, baddr)))

/* An interned stack: return addresses, innermost first. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, stack,
	LTTNG_UST_TP_ARGS(uint64_t, id, const uint64_t *, ips, uint16_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, id, id)
		lttng_ust_field_sequence_hex(uint64_t, ips, ips, uint16_t, depth)))

/* Emitted by a new thread as it starts: who created it, from where. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_start,
	LTTNG_UST_TP_ARGS(uint64_t, parent_tid, uint64_t, start_routine,
			  uint64_t, stack),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, parent_tid, parent_tid)
		lttng_ust_field_integer_hex(uint64_t, start_routine, start_routine)
		lttng_ust_field_integer(uint64_t, stack, stack)))

/* A thread's name, now; `tid` is the thread named (it may be another). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_name,
	LTTNG_UST_TP_ARGS(uint64_t, tid, const char *, name),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, tid, tid)
		lttng_ust_field_string(name, name)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_exit,
	LTTNG_UST_TP_ARGS(int, unused),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, unused, unused)))

/*
 * A wait that blocked: `kind` is one of enum cprof_tp_wait_kind.
 * `begin_ns` is when the hook saw that the call must wait (CLOCK_MONOTONIC,
 * the clock LTTng-UST stamps events with): the event itself is written
 * after the thread's batch was flushed and its stack unwound, which a
 * preemption on a loaded machine can stretch to milliseconds the program
 * spent waiting. Traces without it: the wait began at the event.
 */
LTTNG_UST_TRACEPOINT_EVENT(cprof, wait_begin,
	LTTNG_UST_TP_ARGS(uint64_t, obj, uint8_t, kind, uint64_t, stack, uint64_t, begin_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer(uint64_t, stack, stack)
		lttng_ust_field_integer(uint64_t, begin_ns, begin_ns)))

/* `result` is the primitive's return value (0, ETIMEDOUT, ...). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, wait_end,
	LTTNG_UST_TP_ARGS(uint64_t, obj, uint8_t, kind, int32_t, result),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer(int32_t, result, result)))

/* Release of a mutex or rwlock that another thread waited for, with the
 * holder's stack (for the mutex profile). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, lock_release,
	LTTNG_UST_TP_ARGS(uint64_t, obj, uint8_t, kind, uint64_t, stack),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, obj, obj)
		lttng_ust_field_integer(uint8_t, kind, kind)
		lttng_ust_field_integer(uint64_t, stack, stack)))

/* A recorded allocation (sampled or all, see `config`). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, alloc,
	LTTNG_UST_TP_ARGS(uint64_t, ptr, uint64_t, size, uint64_t, stack),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, ptr, ptr)
		lttng_ust_field_integer(uint64_t, size, size)
		lttng_ust_field_integer(uint64_t, stack, stack)))

/* Free of a recorded allocation. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, free,
	LTTNG_UST_TP_ARGS(uint64_t, ptr),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer_hex(uint64_t, ptr, ptr)))

/* Heap bytes in use in the process (all allocations, not only recorded). */
LTTNG_UST_TRACEPOINT_EVENT(cprof, heap,
	LTTNG_UST_TP_ARGS(uint64_t, in_use),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, in_use, in_use)))

/* A blocking call that took at least the threshold; emitted at its end.
 * `call` is one of enum cprof_tp_call. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, syscall,
	LTTNG_UST_TP_ARGS(uint8_t, call, uint64_t, duration_ns, int64_t, result,
			  uint64_t, stack),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint8_t, call, call)
		lttng_ust_field_integer(uint64_t, duration_ns, duration_ns)
		lttng_ust_field_integer(int64_t, result, result)
		lttng_ust_field_integer(uint64_t, stack, stack)))

/* A CPU-time sample of the emitting thread. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, cpu_sample,
	LTTNG_UST_TP_ARGS(uint64_t, stack),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, stack, stack)))

/* --- State dumps (libcprof-trace-preload, processes run for `serve`) ----- */

/* A session that starts while the process runs asked for its state: what
 * follows, up to state_end, is the process at that instant, emitted by a
 * thread of the preload library (not one of the program's: the reader
 * keeps it out of the threads). `request` is the asker's sequence number. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, state_begin,
	LTTNG_UST_TP_ARGS(uint64_t, request, uint32_t, flags),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, request, request)
		lttng_ust_field_integer(uint32_t, flags, flags)))

/* One thread alive at the dump: its name, its stack now (0 when it could
 * not be taken), how it was created, and what it is blocked in: `block`
 * is a wait kind (enum cprof_tp_wait_kind, low byte) on `wait_obj`, with
 * the lock's holder when known (0 unknown), or a blocking call (enum
 * cprof_tp_call, second byte) for `blocked_ns` so far; 0 when it runs. A wait
 * reported here is ended by the thread's own wait_end. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, thread_state,
	LTTNG_UST_TP_ARGS(int32_t, tid, const char *, name, uint64_t, stack,
			  uint64_t, create_stack, int32_t, parent_tid,
			  uint64_t, start_routine, uint32_t, block, uint64_t, wait_obj,
			  int32_t, holder_tid, uint64_t, blocked_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_string(name, name)
		lttng_ust_field_integer(uint64_t, stack, stack)
		lttng_ust_field_integer(uint64_t, create_stack, create_stack)
		lttng_ust_field_integer(int32_t, parent_tid, parent_tid)
		lttng_ust_field_integer_hex(uint64_t, start_routine, start_routine)
		lttng_ust_field_integer(uint32_t, block, block)
		lttng_ust_field_integer_hex(uint64_t, wait_obj, wait_obj)
		lttng_ust_field_integer(int32_t, holder_tid, holder_tid)
		lttng_ust_field_integer(uint64_t, blocked_ns, blocked_ns)))

/* A sampled block allocated before the dump and still live, with the
 * allocating thread's tid. */
LTTNG_UST_TRACEPOINT_EVENT(cprof, state_alloc,
	LTTNG_UST_TP_ARGS(int32_t, tid, uint64_t, ptr, uint64_t, size, uint64_t, stack),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(int32_t, tid, tid)
		lttng_ust_field_integer_hex(uint64_t, ptr, ptr)
		lttng_ust_field_integer(uint64_t, size, size)
		lttng_ust_field_integer(uint64_t, stack, stack)))

LTTNG_UST_TRACEPOINT_EVENT(cprof, state_end,
	LTTNG_UST_TP_ARGS(uint64_t, request, uint32_t, threads, uint32_t, blocks),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, request, request)
		lttng_ust_field_integer(uint32_t, threads, threads)
		lttng_ust_field_integer(uint32_t, blocks, blocks)))

#endif /* CPROF_TP_H */

#include <lttng/tracepoint-event.h>
