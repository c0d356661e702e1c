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

/*
 * Whose side must act on what an entry explains: a field of every entry,
 * so the probe, --explain and every report read the same answer. The
 * sender's side: the address typed, the message, the sending server, its
 * IP, its domain's SPF/DKIM/DMARC, the login. The recipient's side: the
 * mailbox (unknown, full, disabled), their servers, their domain's DNS.
 * Either: the entry covers both (a relay refusal, a domain not found: a
 * typo or their DNS), the text says which. None: nothing failed, or
 * nobody has to act (greylisting: the sending server's retry is the cure).
 * UNSET: the entry does not say; a less specific one does.
 */
enum codes_side {
	CODES_SIDE_UNSET,
	CODES_SIDE_SENDER,
	CODES_SIDE_RECIPIENT,
	CODES_SIDE_EITHER,
	CODES_SIDE_NONE,
	CODES_SIDE__COUNT
};

struct code_info {
	const char *code;        /* "550", "X.7.1", "4xx", or the text pattern */
	const char *meaning;     /* a few words: "Mailbox unavailable" */
	const char *explanation; /* one or two sentences for a helpdesk reader */
	const char *causes;      /* the likely causes */
	const char *next;        /* the next thing to try */
	/* next says "log in with -a": the checklist replaces it when -a was
	 * given, with what stood in the login's way. */
	unsigned wants_login : 1;
	/* A temporary (4xx) reply of this kind clears by itself: the sending
	 * server's retries are the first remedy, someone acts if it lasts
	 * (their server down or overloaded, a rate limit). */
	unsigned clears : 1;
	enum codes_side side;
};

/* The entry's side (UNSET for NULL). */
enum codes_side codes_info_side(const struct code_info *info);
/* "sender", "recipient", "either", "none"; "unset". */
const char *codes_side_name(enum codes_side side);

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

/*
 * The commands a session sends (and the greeting, which answers none): a
 * reply means what it means in answer to one of them. "250" to EHLO lists
 * extensions, to RCPT takes a recipient, after the final dot queues the
 * message; "530" to MAIL asks for a login, to AUTH for TLS first.
 */
enum codes_cmd {
	CODES_CMD_ANY,          /* not known: the reply alone */
	CODES_CMD_GREETING,     /* the 220 (or refusal) on connect */
	CODES_CMD_EHLO,
	CODES_CMD_HELO,
	CODES_CMD_STARTTLS,
	CODES_CMD_AUTH,
	CODES_CMD_MAIL,
	CODES_CMD_RCPT,
	CODES_CMD_DATA,         /* the DATA command: 354, or a refusal */
	CODES_CMD_END_OF_DATA,  /* the final "." of the message */
	CODES_CMD_RSET,
	CODES_CMD_QUIT,
	CODES_CMD__COUNT
};
/* "greeting", "EHLO", ..., "end of data"; "any" for CODES_CMD_ANY. */
const char *codes_cmd_name(enum codes_cmd cmd);

/* What a reply means in answer to cmd, from the command's own table:
 * the basic code with its enhanced code, the basic code, the class with
 * the enhanced code, the class (most specific first); NULL when the
 * command has no entry for it. */
const struct code_info *codes_context(enum codes_cmd cmd, int code,
                                      const char *enhanced);

/* Everything known about one reply, most specific first. */
struct code_explanation {
	const struct code_info *text;       /* may be NULL */
	const struct code_info *enhanced;   /* may be NULL (whatever its class) */
	const struct code_info *basic;      /* may be NULL */
	const struct code_info *cls;        /* NULL only for a malformed code */
	const struct code_info *context;    /* codes_context(); may be NULL */
	/*
	 * The one entry to show, chosen in this order: a known text (4xx and
	 * 5xx only); the command with this basic code; the enhanced code read
	 * in its class (a 2.x.y is never explained as a refusal; X.0.0, X.7.0
	 * and X.7.1 say less than the command); the command with a code like
	 * "50x"; the basic code (unless 250, 550 or 554, which say less than
	 * the command); the command with the class; the basic code; the
	 * class. NULL only for a malformed code.
	 */
	const struct code_info *best;
	/* What was unusual about the reply, "" when nothing: an enhanced code
	 * not in the registry or of another class than the reply, a basic
	 * code no standard names, no text at all. */
	char unusual[160];
	/* Whose side must act: the side of the most specific entry that
	 * says one, in best's order (a 2xx or 3xx reply: NONE); side_from is
	 * that entry (NULL when none says: side UNSET). */
	enum codes_side side;
	const struct code_info *side_from;
};
/* codes_explain_cmd() without a command (CODES_CMD_ANY). */
void codes_explain(int code, const char *enhanced, const char *text,
                   struct code_explanation *out);
void codes_explain_cmd(enum codes_cmd cmd, int code, const char *enhanced,
                       const char *text, struct code_explanation *out);

/*
 * Whose side must act on a failure that may have no reply code (a DSN's
 * Status and diagnostic text, a bounce's "Connection timed out"): with a
 * code, codes_explain_cmd()'s side; without one, the known text's, else
 * the enhanced code's. *from (may be NULL) is the entry it comes from.
 */
enum codes_side codes_failure_side(enum codes_cmd cmd, int code, const char *enhanced,
                                   const char *text, const struct code_info **from);

/* For tests and listings: the tables themselves. */
size_t codes_basic_count(void);
const struct code_info *codes_basic_at(size_t i);
size_t codes_enhanced_count(void);
const struct code_info *codes_enhanced_at(size_t i);
size_t codes_text_count(void);
const struct code_info *codes_text_at(size_t i);
size_t codes_context_count(void);
/* The i-th entry of the command tables, and its command in *cmd. */
const struct code_info *codes_context_at(size_t i, enum codes_cmd *cmd);

#endif
