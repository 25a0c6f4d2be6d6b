/*
 * Secure execution (AT_SECURE): a program the kernel runs with more
 * privileges than its caller had (set-user-ID or set-group-ID to another
 * user or group, file capabilities for a non-root user) gets AT_SECURE,
 * and the dynamic loader then ignores LD_PRELOAD: the preload library is
 * never loaded and the program runs untraced, silently. Whether an exec
 * will be secure is told here from what the caller can see before it:
 * the file's mode bits, owner and security.capability attribute, its
 * mount's nosuid flag, the caller's real and effective ids and
 * no_new_privs, as the kernel's commoncap decides it. An LSM transition
 * (SELinux, AppArmor) can set AT_SECURE too and is not seen.
 *
 * Only system calls and the stack: the preload library's exec hooks call
 * this in a fork (or vfork) child about to exec. Compiled into the preload
 * library and record's session library, hidden in both.
 */
#ifndef CPROF_SECURE_EXEC_H
#define CPROF_SECURE_EXEC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether executing `path` (a path as execve takes it) from this process
 * runs in secure-execution mode; when it does, *why names the reason
 * ("set-user-ID", "set-group-ID", "file capabilities", ...). A file that
 * cannot be read or examined is taken as not secure.
 */
bool cprof_secure_exec(const char *path, const char **why) __attribute__((visibility("hidden")));

/*
 * The file execvp would run for `file`, searched in `path_env` (the PATH
 * value, NULL for the default) as glibc does, into buf; false when none
 * is found. A name with a slash is itself.
 */
bool cprof_exec_find(const char *file, const char *path_env, char *buf, size_t len)
    __attribute__((visibility("hidden")));

/*
 * Whether `path` is an ELF executable without a program interpreter
 * (statically linked, static-pie too): no dynamic loader runs in it, so
 * LD_PRELOAD never applies. A file that cannot be read is taken as not.
 */
bool cprof_exec_static(const char *path) __attribute__((visibility("hidden")));

/* The line for it (without the "cprof-trace: " prefix). */
#define CPROF_STATIC_EXEC_FMT                                                                      \
	"%.280s is statically linked: no dynamic loader runs in it, so LD_PRELOAD does not "       \
	"apply and it is not traced"

/* The one line the user gets (without the "cprof-trace: " prefix). */
#define CPROF_SECURE_EXEC_FMT                                                                      \
	"%.300s runs in secure-execution mode (%s): the dynamic loader ignores LD_PRELOAD, so "    \
	"it is not traced"

#endif /* CPROF_SECURE_EXEC_H */
