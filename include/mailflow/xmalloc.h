/*
 * xmalloc — the one out-of-memory policy: allocation cannot fail. Like
 * tmux's xmalloc.c, each function either returns memory or prints
 * "mailflow: out of memory (N bytes)" to stderr and aborts, so no caller
 * carries an error path for it (and none can forget one).
 *
 * Secrets (passwords, AUTH lines) are wiped with secret_free(), which
 * uses explicit_bzero so the compiler cannot drop the wipe.
 */
#ifndef MAILFLOW_XMALLOC_H
#define MAILFLOW_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* realloc(ptr, n * size) with the multiplication checked. */
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * The error convention of the whole program (tmux's): a function that fails
 * returns -1 (or NULL) and sets *cause to a malloc'd message the caller
 * prints and frees. cause_set() fills it (a NULL cause: the caller wants
 * only the failure) and returns -1, so "return cause_set(cause, ...);".
 */
int cause_set(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Overwrites len bytes at p in a way the optimiser keeps. */
void secret_wipe(void *p, size_t len);
/* Wipes a NUL-terminated secret, then frees it; NULL is fine. */
void secret_free(char *s);

/*
 * While a password is held the process is not dumpable
 * (prctl(PR_SET_DUMPABLE, 0)): no core file, no ptrace or /proc/PID/mem by
 * another process of the same user. Calls nest: the last secret_release()
 * makes it dumpable again.
 */
void secret_hold(void);
void secret_release(void);

/* fopen(path, mode) for writing ("w" or "a") a file that may hold what
 * others should not read (a report, a transcript, a trace, a history):
 * created mode 0600, whatever the umask. NULL with errno set. */
FILE *secret_fopen(const char *path, const char *mode);

#endif
