/*
 * Names of the enumerations carried in trace fields (tracer/cprof-tp-enums.h),
 * one table each, shared by stats, the profiles' labels and the UI so that
 * the same wait or call reads the same everywhere.
 */
#include "model.h"

#include "cprof-tp-enums.h"

#define TABLE_NAME(table, i)                                                  \
	((i) < sizeof(table) / sizeof((table)[0]) && (table)[i] ? (table)[i] : "?")

/* Each wait kind's short name (stats, labels) and the viewer's words. */
static const struct {
	const char *name, *label;
} wait_kinds[] = {
	[CPROF_TP_WAIT_MUTEX] = {"mutex", "mutex"},
	[CPROF_TP_WAIT_RWLOCK_READ] = {"rwlock-read", "rwlock (read)"},
	[CPROF_TP_WAIT_RWLOCK_WRITE] = {"rwlock-write", "rwlock (write)"},
	[CPROF_TP_WAIT_COND] = {"cond", "condition variable"},
	[CPROF_TP_WAIT_SEM] = {"sem", "semaphore"},
	[CPROF_TP_WAIT_BARRIER] = {"barrier", "barrier"},
	[CPROF_TP_WAIT_JOIN] = {"join", "thread join"},
	[CPROF_TP_WAIT_SPIN] = {"spin", "spinlock"},
};

static bool wait_kind_known(uint32_t kind)
{
	return kind < sizeof(wait_kinds) / sizeof(wait_kinds[0]) && wait_kinds[kind].name;
}

const char *cprof_wait_kind_name(uint32_t kind)
{
	return wait_kind_known(kind) ? wait_kinds[kind].name : "?";
}

const char *cprof_wait_kind_label(uint32_t kind)
{
	return wait_kind_known(kind) ? wait_kinds[kind].label : "wait";
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
		[CPROF_TP_CALL_OPEN] = "open",
		[CPROF_TP_CALL_WAITPID] = "waitpid",
		[CPROF_TP_CALL_WAIT4] = "wait4",
		[CPROF_TP_CALL_WAITID] = "waitid",
		[CPROF_TP_CALL_FGETS] = "fgets",
		[CPROF_TP_CALL_FREAD] = "fread",
		[CPROF_TP_CALL_GETLINE] = "getline",
		[CPROF_TP_CALL_GETC] = "getc",
		[CPROF_TP_CALL_SCANF] = "scanf",
		[CPROF_TP_CALL_PAUSE] = "pause",
		[CPROF_TP_CALL_SIGSUSPEND] = "sigsuspend",
		[CPROF_TP_CALL_SIGWAIT] = "sigwait",
		[CPROF_TP_CALL_SIGWAITINFO] = "sigwaitinfo",
		[CPROF_TP_CALL_SIGTIMEDWAIT] = "sigtimedwait",
		[CPROF_TP_CALL_MSGRCV] = "msgrcv",
		[CPROF_TP_CALL_MSGSND] = "msgsnd",
		[CPROF_TP_CALL_SEMOP] = "semop",
		[CPROF_TP_CALL_MQ_RECEIVE] = "mq_receive",
		[CPROF_TP_CALL_MQ_SEND] = "mq_send",
		[CPROF_TP_CALL_FDATASYNC] = "fdatasync",
		[CPROF_TP_CALL_MSYNC] = "msync",
		[CPROF_TP_CALL_TCDRAIN] = "tcdrain",
		[CPROF_TP_CALL_LOCKF] = "lockf",
		[CPROF_TP_CALL_FLOCK] = "flock",
		[CPROF_TP_CALL_FCNTL] = "fcntl",
		[CPROF_TP_CALL_RECVMMSG] = "recvmmsg",
		[CPROF_TP_CALL_SENDMMSG] = "sendmmsg",
		[CPROF_TP_CALL_PREADV] = "preadv",
		[CPROF_TP_CALL_PWRITEV] = "pwritev",
		[CPROF_TP_CALL_EPOLL_PWAIT2] = "epoll_pwait2",
		[CPROF_TP_CALL_SYSTEM] = "system",
	};
	return TABLE_NAME(names, call);
}
