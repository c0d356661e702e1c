/*
 * codes — the knowledge base: what an SMTP reply means, in words a
 * helpdesk reader understands, with the likely causes and the next step.
 *
 * Tables, not code: every basic reply code of RFC 5321 (and the ones the
 * seed documents list), every enhanced status code of the IANA registry
 * (RFC 3463 and later, X.0.0 to X.7.30), the four reply classes, and
 * well-known server texts where the code alone misleads (Exchange's two
 * kinds of 5.7.1, "Must issue a STARTTLS command first", greylisting...).
 * All lookups are pure and return static data.
 */
#ifndef MAILFLOW_CODES_H
#define MAILFLOW_CODES_H

#include <stddef.h>

struct code_info {
	const char *code;        /* "550", "X.7.1", "4xx", or the text pattern */
	const char *meaning;     /* a few words: "Mailbox unavailable" */
	const char *explanation; /* one or two sentences for a helpdesk reader */
	const char *causes;      /* the likely causes */
	const char *next;        /* the next thing to try */
};

/* A basic reply code (200-599); NULL when not in the table. */
const struct code_info *codes_basic(int code);
/* An enhanced status code "C.S.D" (class 2, 4 or 5); looked up by its
 * subject.detail in the registry; NULL when unknown or malformed. */
const struct code_info *codes_enhanced(const char *enhanced);
/* The class of a code: 2 = done, 3 = go on, 4 = try later, 5 = permanent. */
const struct code_info *codes_class(int cls);
/* A well-known server text that changes the meaning of its code (matched
 * case-insensitively on the reply text, with the code and enhanced code
 * when the pattern needs them); NULL when none matches. */
const struct code_info *codes_text(int code, const char *enhanced,
                                   const char *text);

/* Everything known about one reply, most specific first. */
struct code_explanation {
	const struct code_info *text;       /* may be NULL */
	const struct code_info *enhanced;   /* may be NULL */
	const struct code_info *basic;      /* may be NULL */
	const struct code_info *cls;        /* NULL only for a malformed code */
};
void codes_explain(int code, const char *enhanced, const char *text,
                   struct code_explanation *out);

/* For tests and listings: the tables themselves. */
size_t codes_basic_count(void);
const struct code_info *codes_basic_at(size_t i);
size_t codes_enhanced_count(void);
const struct code_info *codes_enhanced_at(size_t i);
size_t codes_text_count(void);
const struct code_info *codes_text_at(size_t i);

#endif
