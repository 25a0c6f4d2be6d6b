/*
 * Names of the enumerations carried in trace fields (tracer/cprof-tp-enums.h),
 * one table each, shared by stats, the profiles' labels and the UI so that
 * the same wait or call reads the same everywhere.
 */
#include "model.h"

#include "cprof-tp-enums.h"

#define TABLE_NAME(table, i)                                                  \
	((i) < sizeof(table) / sizeof((table)[0]) && (table)[i] ? (table)[i] : "?")

const char *cprof_wait_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		[CPROF_TP_WAIT_MUTEX] = "mutex",
		[CPROF_TP_WAIT_RWLOCK_READ] = "rwlock-read",
		[CPROF_TP_WAIT_RWLOCK_WRITE] = "rwlock-write",
		[CPROF_TP_WAIT_COND] = "cond",
		[CPROF_TP_WAIT_SEM] = "sem",
		[CPROF_TP_WAIT_BARRIER] = "barrier",
		[CPROF_TP_WAIT_JOIN] = "join",
		[CPROF_TP_WAIT_SPIN] = "spin",
	};
	return TABLE_NAME(names, kind);
}

const char *cprof_call_name(uint32_t call)
{
	static const char *const names[CPROF_TP_CALL_COUNT_] = {
		[CPROF_TP_CALL_READ] = "read",
		[CPROF_TP_CALL_WRITE] = "write",
		[CPROF_TP_CALL_READV] = "readv",
		[CPROF_TP_CALL_WRITEV] = "writev",
		[CPROF_TP_CALL_PREAD] = "pread",
		[CPROF_TP_CALL_PWRITE] = "pwrite",
		[CPROF_TP_CALL_RECV] = "recv",
		[CPROF_TP_CALL_RECVFROM] = "recvfrom",
		[CPROF_TP_CALL_RECVMSG] = "recvmsg",
		[CPROF_TP_CALL_SEND] = "send",
		[CPROF_TP_CALL_SENDTO] = "sendto",
		[CPROF_TP_CALL_SENDMSG] = "sendmsg",
		[CPROF_TP_CALL_ACCEPT] = "accept",
		[CPROF_TP_CALL_ACCEPT4] = "accept4",
		[CPROF_TP_CALL_CONNECT] = "connect",
		[CPROF_TP_CALL_POLL] = "poll",
		[CPROF_TP_CALL_PPOLL] = "ppoll",
		[CPROF_TP_CALL_SELECT] = "select",
		[CPROF_TP_CALL_PSELECT] = "pselect",
		[CPROF_TP_CALL_EPOLL_WAIT] = "epoll_wait",
		[CPROF_TP_CALL_EPOLL_PWAIT] = "epoll_pwait",
		[CPROF_TP_CALL_NANOSLEEP] = "nanosleep",
		[CPROF_TP_CALL_CLOCK_NANOSLEEP] = "clock_nanosleep",
		[CPROF_TP_CALL_USLEEP] = "usleep",
		[CPROF_TP_CALL_SLEEP] = "sleep",
		[CPROF_TP_CALL_FSYNC] = "fsync",
	};
	return TABLE_NAME(names, call);
}
