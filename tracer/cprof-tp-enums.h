/*
 * Enumerations carried in `cprof` tracepoint fields. Shared by the tracer
 * (which writes them) and the reader (which decodes them); values are part
 * of the trace format and never change meaning.
 */
#ifndef CPROF_TP_ENUMS_H
#define CPROF_TP_ENUMS_H

#include <stdint.h>

/* cprof:warning `code` */
enum cprof_tp_warning {
	CPROF_TP_WARN_REGION_ENDED_TWICE = 1,
	CPROF_TP_WARN_REGION_NOT_BEGUN = 2,
	CPROF_TP_WARN_NULL_TYPE = 3,
	CPROF_TP_WARN_NULL_CATEGORY = 4,
	CPROF_TP_WARN_NULL_MESSAGE = 5,
	CPROF_TP_WARN_LOG_TRUNCATED = 6,
	CPROF_TP_WARN_SIGPROF_IN_USE = 7,
	CPROF_TP_WARN_SECCOMP = 8,
	/* detail: the line record would have said (a program this process is
	 * about to execute will not be traced, and why) */
	CPROF_TP_WARN_UNTRACED_EXEC = 9,
};

/* cprof:wait_begin / wait_end / lock_release `kind` */
enum cprof_tp_wait_kind {
	CPROF_TP_WAIT_MUTEX = 1,
	CPROF_TP_WAIT_RWLOCK_READ = 2,
	CPROF_TP_WAIT_RWLOCK_WRITE = 3,
	CPROF_TP_WAIT_COND = 4,
	CPROF_TP_WAIT_SEM = 5,
	CPROF_TP_WAIT_BARRIER = 6,
	CPROF_TP_WAIT_JOIN = 7,
	CPROF_TP_WAIT_SPIN = 8,
};

/* cprof:snapshot `kind`: what asked for a flight recorder snapshot */
enum cprof_tp_snapshot_kind {
	CPROF_TP_SNAPSHOT_API = 0,
	CPROF_TP_SNAPSHOT_REGION = 1,
	CPROF_TP_SNAPSHOT_TASK = 2,
	CPROF_TP_SNAPSHOT_SIGNAL = 3,
};

/* cprof:config `alloc_mode` */
enum cprof_tp_alloc_mode {
	CPROF_TP_ALLOC_OFF = 0,
	CPROF_TP_ALLOC_SAMPLE = 1,
	CPROF_TP_ALLOC_ALL = 2,
};

/* cprof:config `flags` */
enum cprof_tp_config_flag {
	CPROF_TP_CONFIG_LOCKS = 1u << 0,
	CPROF_TP_CONFIG_IO = 1u << 1,
	CPROF_TP_CONFIG_THREADS = 1u << 2,
};

/* cprof:syscall `call` */
enum cprof_tp_call {
	CPROF_TP_CALL_READ = 1,
	CPROF_TP_CALL_WRITE,
	CPROF_TP_CALL_READV,
	CPROF_TP_CALL_WRITEV,
	CPROF_TP_CALL_PREAD,
	CPROF_TP_CALL_PWRITE,
	CPROF_TP_CALL_RECV,
	CPROF_TP_CALL_RECVFROM,
	CPROF_TP_CALL_RECVMSG,
	CPROF_TP_CALL_SEND,
	CPROF_TP_CALL_SENDTO,
	CPROF_TP_CALL_SENDMSG,
	CPROF_TP_CALL_ACCEPT,
	CPROF_TP_CALL_ACCEPT4,
	CPROF_TP_CALL_CONNECT,
	CPROF_TP_CALL_POLL,
	CPROF_TP_CALL_PPOLL,
	CPROF_TP_CALL_SELECT,
	CPROF_TP_CALL_PSELECT,
	CPROF_TP_CALL_EPOLL_WAIT,
	CPROF_TP_CALL_EPOLL_PWAIT,
	CPROF_TP_CALL_NANOSLEEP,
	CPROF_TP_CALL_CLOCK_NANOSLEEP,
	CPROF_TP_CALL_USLEEP,
	CPROF_TP_CALL_SLEEP,
	CPROF_TP_CALL_FSYNC,
	/* Fortified variants (__read_chk, __poll_chk, ...) are recorded as
	 * their plain call; stdio reads only when they reach the descriptor. */
	CPROF_TP_CALL_OPEN,
	CPROF_TP_CALL_WAITPID, /* wait, waitpid */
	CPROF_TP_CALL_WAIT4,   /* wait3, wait4 */
	CPROF_TP_CALL_WAITID,
	CPROF_TP_CALL_FGETS,
	CPROF_TP_CALL_FREAD,
	CPROF_TP_CALL_GETLINE, /* getline, getdelim */
	CPROF_TP_CALL_GETC,    /* fgetc, getc, getchar and their _unlocked forms */
	CPROF_TP_CALL_SCANF,   /* scanf, fscanf, vscanf, vfscanf */
	CPROF_TP_CALL_PAUSE,
	CPROF_TP_CALL_SIGSUSPEND,
	CPROF_TP_CALL_SIGWAIT,
	CPROF_TP_CALL_SIGWAITINFO,
	CPROF_TP_CALL_SIGTIMEDWAIT,
	CPROF_TP_CALL_MSGRCV,
	CPROF_TP_CALL_MSGSND,
	CPROF_TP_CALL_SEMOP, /* semop, semtimedop */
	CPROF_TP_CALL_MQ_RECEIVE, /* mq_receive, mq_timedreceive */
	CPROF_TP_CALL_MQ_SEND,    /* mq_send, mq_timedsend */
	CPROF_TP_CALL_FDATASYNC,
	CPROF_TP_CALL_MSYNC,
	CPROF_TP_CALL_TCDRAIN,
	CPROF_TP_CALL_LOCKF,
	CPROF_TP_CALL_FLOCK,
	CPROF_TP_CALL_FCNTL, /* F_SETLKW, F_OFD_SETLKW */
	CPROF_TP_CALL_RECVMMSG,
	CPROF_TP_CALL_SENDMMSG,
	CPROF_TP_CALL_PREADV, /* preadv, preadv2 */
	CPROF_TP_CALL_PWRITEV, /* pwritev, pwritev2 */
	CPROF_TP_CALL_EPOLL_PWAIT2,
	CPROF_TP_CALL_SYSTEM,
	CPROF_TP_CALL_COUNT_
};

/*
 * cprof:batch: the records of one thread (tracer/batch.c). Its `strings`
 * field defines every string id its records use, so that each batch reads
 * on its own (a snapshot's window, a session started late, a batch after
 * a lost one): entries of (varint id, varint length, bytes). Its `records`
 * field is a run of records, each:
 *
 *   varint (delta_ns << 3 | kind)   delta from the previous record of the
 *                                   thread, the first one from `base_ns`
 *   kind-specific varints:
 *     REGION_BEGIN, REGION_END   task, type
 *     TASK_BEGIN                 id, parent, type
 *     TASK_END                   id
 *     COUNTER                    name, zigzag(value)
 *     LOG                        task, category, length, recorded, then
 *                                `recorded` bytes of message
 *     MEM                        ptr << 1 | 1 for a free (nothing
 *                                follows); ptr << 1 for an allocation,
 *                                then size, stack (a cprof:stack id of
 *                                the process, 0: none)
 *
 * Varints are unsigned LEB128; string ids are 1.. (0: unknown).
 */
enum cprof_tp_record {
	CPROF_TP_REC_REGION_BEGIN = 1,
	CPROF_TP_REC_REGION_END = 2,
	CPROF_TP_REC_TASK_BEGIN = 3,
	CPROF_TP_REC_TASK_END = 4,
	CPROF_TP_REC_COUNTER = 5,
	CPROF_TP_REC_LOG = 6,
	/* the preload library's allocations and frees (cprof:alloc, cprof:free) */
	CPROF_TP_REC_MEM = 7,
};
#define CPROF_TP_REC_KIND_BITS 3

/* cprof:batch `first` of a record emitted alone, outside the thread's
 * sequence (from a signal handler that interrupted the thread's own
 * append): not counted for lost records. */
#define CPROF_TP_BATCH_ALONE UINT64_MAX

#endif /* CPROF_TP_ENUMS_H */
