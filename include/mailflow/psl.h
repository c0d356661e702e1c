/*
 * psl — the organisational domain of a name (RFC 7489 §3.2), from the
 * Public Suffix List as Debian's publicsuffix package installs it
 * (DEFAULT_PSL_FILE). The list is read once, on first use, and kept.
 */
#ifndef MAILFLOW_PSL_H
#define MAILFLOW_PSL_H

#include <stddef.h>

/*
 * The organisational domain of name into out: its public suffix and one
 * label more ("mail.example.co.uk" → "example.co.uk"). A name that is
 * itself a public suffix is its own. 0, or -1 with *cause set when the
 * list cannot be read (then out holds the last two labels, the usual
 * guess, and the caller says it guessed).
 */
int psl_org_domain(const char *name, char *out, size_t size, char **cause);

/* Reads the list from path instead (tests); NULL: back to the default. */
int psl_load(const char *path, char **cause);

#endif
