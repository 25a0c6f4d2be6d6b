/*
 * stdio reads that block: fgets, fread, getline, getc and friends, and
 * the scanf family, with their fortified (__fgets_chk, __fread_chk) and
 * inline forms (-O2 turns getline into __getdelim, and getc_unlocked and
 * fgetc_unlocked into a buffer access that calls __uflow when the buffer
 * is empty). glibc's stdio calls read() inside libc, where no preload
 * sees it, so a thread waiting in fgets on a pipe was drawn as running.
 *
 * Most calls are served from the FILE's buffer and cannot block: the hook
 * looks at the buffer first (glibc's FILE layout is public and stable)
 * and times the call only when it will have to read the descriptor, so
 * that a program reading a file character by character pays one
 * comparison per character. A call timed and found slow is recorded as
 * the blocking call of its family (call = fgets, fread, getline, getc,
 * scanf).
 */
#include "tp.h"
/* The hooks define the functions fortified builds inline. */
#undef _FORTIFY_SOURCE

#include "io.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Macros or inline functions in some glibc headers: the hooks are the
 * exported functions. */
#undef getc
#undef getc_unlocked
#undef getchar
#undef getchar_unlocked
#undef fgetc_unlocked
#undef fread_unlocked
#undef fgets_unlocked

static struct {
	int (*fgetc)(FILE *);
	int (*getc)(FILE *);
	int (*_IO_getc)(FILE *);
	int (*getchar)(void);
	int (*fgetc_unlocked)(FILE *);
	int (*getc_unlocked)(FILE *);
	int (*getchar_unlocked)(void);
	int (*__uflow)(FILE *);
	char *(*fgets)(char *, int, FILE *);
	char *(*fgets_unlocked)(char *, int, FILE *);
	char *(*__fgets_chk)(char *, size_t, int, FILE *);
	char *(*__fgets_unlocked_chk)(char *, size_t, int, FILE *);
	size_t (*fread)(void *, size_t, size_t, FILE *);
	size_t (*fread_unlocked)(void *, size_t, size_t, FILE *);
	size_t (*__fread_chk)(void *, size_t, size_t, size_t, FILE *);
	size_t (*__fread_unlocked_chk)(void *, size_t, size_t, size_t, FILE *);
	ssize_t (*getline)(char **, size_t *, FILE *);
	ssize_t (*getdelim)(char **, size_t *, int, FILE *);
	ssize_t (*__getdelim)(char **, size_t *, int, FILE *);
	int (*vfscanf)(FILE *, const char *, va_list);
	int (*__isoc99_vfscanf)(FILE *, const char *, va_list);
} real;

void cprof_stdio_resolve(void) CPROF_HIDDEN;
void cprof_stdio_resolve(void)
{
#define R(name) real.name = cprof_dlsym(#name)
	R(fgetc);
	R(getc);
	R(_IO_getc);
	R(getchar);
	R(fgetc_unlocked);
	R(getc_unlocked);
	R(getchar_unlocked);
	R(__uflow);
	R(fgets);
	R(fgets_unlocked);
	R(__fgets_chk);
	R(__fgets_unlocked_chk);
	R(fread);
	R(fread_unlocked);
	R(__fread_chk);
	R(__fread_unlocked_chk);
	R(getline);
	R(getdelim);
	R(__getdelim);
	R(vfscanf);
	R(__isoc99_vfscanf);
#undef R
}

/* Bytes the FILE holds that a read can take without the descriptor. */
static inline size_t buffered(FILE *fp)
{
	return fp->_IO_read_ptr < fp->_IO_read_end ? (size_t)(fp->_IO_read_end - fp->_IO_read_ptr)
						   : 0;
}

/* A line (up to delim) is already in the buffer. */
static inline bool has_line(FILE *fp, int delim)
{
	size_t n = buffered(fp);

	return n && memchr(fp->_IO_read_ptr, delim, n);
}

/* `served`: the buffer serves the call without a read. */
#define STDIO_HOOK(ret, name, CALL, result, served, params, args)                                  \
	IO_HOOK_UNLESS(ret, name, CALL, result, served, params, args)

/* EOF or NULL: the error is in errno, or it was the end of the file. */
#define CHAR_RESULT (r == EOF ? -(int64_t)errno : 1)
#define PTR_RESULT (r ? 1 : -(int64_t)errno)
#define SIZE_RESULT ((int64_t)r)

STDIO_HOOK(int, fgetc, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(fp), (FILE * fp), (fp))
STDIO_HOOK(int, getc, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(fp), (FILE * fp), (fp))
STDIO_HOOK(int, _IO_getc, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(fp), (FILE * fp), (fp))
STDIO_HOOK(int, fgetc_unlocked, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(fp), (FILE * fp), (fp))
STDIO_HOOK(int, getc_unlocked, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(fp), (FILE * fp), (fp))
STDIO_HOOK(int, __uflow, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(fp), (FILE * fp), (fp))
STDIO_HOOK(int, getchar, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(stdin), (void), ())
STDIO_HOOK(int, getchar_unlocked, CPROF_TP_CALL_GETC, CHAR_RESULT, buffered(stdin), (void), ())
STDIO_HOOK(char *, fgets, CPROF_TP_CALL_FGETS, PTR_RESULT, has_line(fp, '\n'),
	   (char *s, int n, FILE *fp), (s, n, fp))
STDIO_HOOK(char *, fgets_unlocked, CPROF_TP_CALL_FGETS, PTR_RESULT, has_line(fp, '\n'),
	   (char *s, int n, FILE *fp), (s, n, fp))
STDIO_HOOK(char *, __fgets_chk, CPROF_TP_CALL_FGETS, PTR_RESULT, has_line(fp, '\n'),
	   (char *s, size_t sz, int n, FILE *fp), (s, sz, n, fp))
STDIO_HOOK(char *, __fgets_unlocked_chk, CPROF_TP_CALL_FGETS, PTR_RESULT, has_line(fp, '\n'),
	   (char *s, size_t sz, int n, FILE *fp), (s, sz, n, fp))
STDIO_HOOK(size_t, fread, CPROF_TP_CALL_FREAD, SIZE_RESULT, buffered(fp) >= sz * n,
	   (void *p, size_t sz, size_t n, FILE *fp), (p, sz, n, fp))
STDIO_HOOK(size_t, fread_unlocked, CPROF_TP_CALL_FREAD, SIZE_RESULT, buffered(fp) >= sz * n,
	   (void *p, size_t sz, size_t n, FILE *fp), (p, sz, n, fp))
STDIO_HOOK(size_t, __fread_chk, CPROF_TP_CALL_FREAD, SIZE_RESULT, buffered(fp) >= sz * n,
	   (void *p, size_t bl, size_t sz, size_t n, FILE *fp), (p, bl, sz, n, fp))
STDIO_HOOK(size_t, __fread_unlocked_chk, CPROF_TP_CALL_FREAD, SIZE_RESULT, buffered(fp) >= sz * n,
	   (void *p, size_t bl, size_t sz, size_t n, FILE *fp), (p, bl, sz, n, fp))
STDIO_HOOK(ssize_t, getline, CPROF_TP_CALL_GETLINE, NEG, has_line(fp, '\n'),
	   (char **l, size_t *n, FILE *fp), (l, n, fp))
STDIO_HOOK(ssize_t, getdelim, CPROF_TP_CALL_GETLINE, NEG, has_line(fp, d),
	   (char **l, size_t *n, int d, FILE *fp), (l, n, d, fp))
STDIO_HOOK(ssize_t, __getdelim, CPROF_TP_CALL_GETLINE, NEG, has_line(fp, d),
	   (char **l, size_t *n, int d, FILE *fp), (l, n, d, fp))

/* The scanf family: timed whenever the buffer is empty (a format may
 * want more than one line: it is not parsed here). */
#define SCANF_BODY(vreal, fp, fmt, ap)                                                             \
	uint64_t t0;                                                                               \
	int r;                                                                                     \
	if (unlikely(!real.vreal))                                                                 \
		cprof_resolve_all();                                                               \
	if (buffered(fp) || likely(!io_begin_call(&t0, CPROF_TP_CALL_SCANF)))                      \
		return real.vreal(fp, fmt, ap);                                                    \
	r = real.vreal(fp, fmt, ap);                                                               \
	io_end(CPROF_TP_CALL_SCANF, t0, r == EOF ? -(int64_t)errno : r, CPROF_CALLER());           \
	return r;

/* Defined under their own symbol names (asm labels): the header maps
 * fscanf to __isoc99_fscanf in this file. */
#define SCANF_HOOKS(vreal, vf, v, f, s)                                                            \
	CPROF_EXPORT int cprof_##vf(FILE *fp, const char *fmt, va_list ap) __asm__(#vf);           \
	CPROF_EXPORT int cprof_##vf(FILE *fp, const char *fmt, va_list ap){                        \
	    SCANF_BODY(vreal, fp, fmt, ap)} CPROF_EXPORT int cprof_##v(const char *fmt,            \
								       va_list ap) __asm__(#v);    \
	CPROF_EXPORT int cprof_##v(const char *fmt, va_list ap){SCANF_BODY(                        \
	    vreal, stdin, fmt, ap)} CPROF_EXPORT int cprof_##f(FILE *fp, const char *fmt,          \
							       ...) __asm__(#f);                   \
	CPROF_EXPORT int cprof_##f(FILE *fp, const char *fmt, ...)                                 \
	{                                                                                          \
		va_list ap;                                                                        \
		int r;                                                                             \
		va_start(ap, fmt);                                                                 \
		r = cprof_##vf(fp, fmt, ap);                                                       \
		va_end(ap);                                                                        \
		return r;                                                                          \
	}                                                                                          \
	CPROF_EXPORT int cprof_##s(const char *fmt, ...) __asm__(#s);                              \
	CPROF_EXPORT int cprof_##s(const char *fmt, ...)                                           \
	{                                                                                          \
		va_list ap;                                                                        \
		int r;                                                                             \
		va_start(ap, fmt);                                                                 \
		r = cprof_##vf(stdin, fmt, ap);                                                    \
		va_end(ap);                                                                        \
		return r;                                                                          \
	}

SCANF_HOOKS(vfscanf, vfscanf, vscanf, fscanf, scanf)
SCANF_HOOKS(__isoc99_vfscanf, __isoc99_vfscanf, __isoc99_vscanf, __isoc99_fscanf, __isoc99_scanf)
