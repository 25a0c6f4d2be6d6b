/*
 * Enumerations carried in `cprof` tracepoint fields. Shared by the tracer
 * (which writes them) and the reader (which decodes them); values are part
 * of the trace format and never change meaning.
 */
#ifndef CPROF_TP_ENUMS_H
#define CPROF_TP_ENUMS_H

/* cprof:warning `code` */
enum cprof_tp_warning {
	CPROF_TP_WARN_REGION_ENDED_TWICE = 1,
	CPROF_TP_WARN_REGION_NOT_BEGUN = 2,
	CPROF_TP_WARN_NULL_TYPE = 3,
	CPROF_TP_WARN_NULL_CATEGORY = 4,
	CPROF_TP_WARN_NULL_MESSAGE = 5,
	CPROF_TP_WARN_LOG_TRUNCATED = 6,
	CPROF_TP_WARN_SIGPROF_IN_USE = 7,
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
	CPROF_TP_CALL_COUNT_
};

#endif /* CPROF_TP_ENUMS_H */
