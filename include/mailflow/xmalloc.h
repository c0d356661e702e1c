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

#endif
