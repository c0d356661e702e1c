/*
 * explain — what a user forwarded, read: a pasted reply line, a delivery
 * status notification (RFC 3464), a human-readable bounce (Postfix, Exim,
 * Microsoft 365 / Exchange, Gmail, Sendmail) or a message's headers (the
 * Received chain and Authentication-Results, RFC 8601).
 *
 * explain_parse() is pure: bytes in, a struct explain out, no I/O and no
 * output; messages are parsed with GMime. Every string in the result is
 * raw text from the input (NUL-terminated, cut to its field, possibly
 * invalid UTF-8): a view passes each through text_sanitize() before it
 * shows it. The input is bounded (DEFAULT_EXPLAIN_* in defaults.h): past
 * the limits the rest is not read and a flag says so.
 *
 * Call protocol:
 *   struct explain *ex = explain_new();
 *   if (explain_parse(buf, len, ex, &cause) < 0) { say cause; }
 *   ... read ex ...
 *   explain_free(ex);
 * explain_read_input() gets the bytes: a file, "-" (standard input) or
 * the argument itself as the pasted text.
 */
#ifndef MAILFLOW_EXPLAIN_H
#define MAILFLOW_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "mailflow/codes.h"

/* What the input was taken to be. */
enum explain_kind {
	EXPLAIN_KIND_REPLY,     /* a reply line (or a few), no message around it */
	EXPLAIN_KIND_DSN,       /* a message with a message/delivery-status part */
	EXPLAIN_KIND_BOUNCE,    /* a human-readable bounce, no DSN part */
	EXPLAIN_KIND_HEADERS,   /* a message (or its headers) that is no bounce */
	EXPLAIN_KIND__COUNT
};

/* Who wrote the bounce, from its wording. */
enum explain_source {
	EXPLAIN_SRC_UNKNOWN,
	EXPLAIN_SRC_POSTFIX,
	EXPLAIN_SRC_EXIM,
	EXPLAIN_SRC_EXCHANGE,   /* Microsoft Exchange and Microsoft 365 */
	EXPLAIN_SRC_GMAIL,
	EXPLAIN_SRC_SENDMAIL,
	EXPLAIN_SRC__COUNT
};

/* RFC 3464 Action, or what the human-readable text says. */
enum explain_action {
	EXPLAIN_ACTION_FAILED,
	EXPLAIN_ACTION_DELAYED,
	EXPLAIN_ACTION_DELIVERED,
	EXPLAIN_ACTION_RELAYED,
	EXPLAIN_ACTION_EXPANDED,
	EXPLAIN_ACTION__COUNT
};

/* Whether trying again can help: the reply's class (4xx, 5xx), else the
 * DSN status's, else the action's. */
enum explain_permanence {
	EXPLAIN_PERM_UNKNOWN,
	EXPLAIN_PERM_TEMPORARY,
	EXPLAIN_PERM_PERMANENT,
	EXPLAIN_PERM_NONE,      /* delivered or relayed: nothing failed */
	EXPLAIN_PERM__COUNT
};

/* Whose side must act: the knowledge base's answer (codes_failure_side(),
 * the side field of the entry that explains the reply, codes.h) for the
 * sender (a wrong address, a message too big, a policy or authentication
 * refusal of the sending domain or server), the recipient's side (an
 * unknown, full or disabled mailbox, their server down or misconfigured),
 * either (the entry covers both: the text says which); nobody yet (WAIT:
 * a temporary failure that clears by itself, which the sending server
 * retries); nothing failed (NONE: delivered, relayed). */
enum explain_side {
	EXPLAIN_SIDE_UNKNOWN,
	EXPLAIN_SIDE_SENDER,
	EXPLAIN_SIDE_RECIPIENT,
	EXPLAIN_SIDE_EITHER,
	EXPLAIN_SIDE_WAIT,
	EXPLAIN_SIDE_NONE,
	EXPLAIN_SIDE__COUNT
};

#define EXPLAIN_ADDR_MAX 321            /* RFC 5321: 64 + @ + 255 + NUL */
#define EXPLAIN_HOST_MAX 256
#define EXPLAIN_TEXT_MAX 1024
#define EXPLAIN_RCPTS_MAX 64
#define EXPLAIN_HOPS_MAX 64
#define EXPLAIN_AUTH_MAX 32

/* Findings about the input: a bitmask in struct explain.flags. */
#define EXPLAIN_F_CUT           0x01u   /* over DEFAULT_EXPLAIN_INPUT_MAX: rest unread */
#define EXPLAIN_F_NESTED        0x02u   /* too many multiparts: MIME not parsed */
#define EXPLAIN_F_PARTS         0x04u   /* over DEFAULT_EXPLAIN_PARTS_MAX: rest skipped */
#define EXPLAIN_F_CHARSET       0x08u   /* a part's charset unknown: shown as is */
#define EXPLAIN_F_MORE_RCPTS    0x10u   /* over EXPLAIN_RCPTS_MAX recipients */
#define EXPLAIN_F_MORE_HOPS     0x20u   /* over EXPLAIN_HOPS_MAX Received: */
#define EXPLAIN_F_LONG_LINE     0x40u   /* a line over DEFAULT_EXPLAIN_LINE_MAX: cut */

struct explain_rcpt {
	char address[EXPLAIN_ADDR_MAX];         /* "" when none was named */
	enum explain_action action;
	char status[16];                        /* DSN Status "5.1.1", or "" */
	int code;                               /* the reply's code, 0 when none */
	char enhanced[16];                      /* its enhanced code, or status */
	char text[EXPLAIN_TEXT_MAX];            /* the reply (or diagnostic) as given */
	enum codes_cmd cmd;                     /* what it answered, when said */
	char remote_mta[EXPLAIN_HOST_MAX];      /* the server that answered */
	char remote_ip[64];
	char when[64];                          /* Last-Attempt-Date, as given */
	/* remote_mta is the bounce's Reporting-MTA: the bounce quotes a reply
	 * and names no other server, so the one that wrote it gave it (an
	 * Exchange "Generating server"); explain_parse() sets it. */
	int remote_is_reporter;
	/* Derived (explain_parse() fills them in last). */
	enum explain_permanence permanence;
	enum explain_side side;
};

struct explain_hop {
	char from[EXPLAIN_HOST_MAX];            /* the "from" clause, cut */
	char by[EXPLAIN_HOST_MAX];
	char with[32];                          /* "ESMTPS", "LMTP", ... */
	int tls;                                /* the header says TLS was used */
	int has_time;
	int64_t time;                           /* Unix time of the date after ';' */
	/* From the hop before it (the one further down the header list); 0
	 * for the first hop or when a date is missing. */
	int64_t delay;
	int skew;                               /* earlier than the hop before */
};

struct explain_auth {
	char method[16];                        /* "spf", "dkim", "dmarc", "arc" */
	char result[16];                        /* "pass", "fail", "none", ... */
	char detail[160];                       /* "header.d=example.com" etc. */
};

/* The one-line authentication verdict, from DMARC (else DKIM and SPF). */
enum explain_auth_verdict {
	EXPLAIN_AUTH_NONE,      /* no Authentication-Results */
	EXPLAIN_AUTH_PASS,      /* DMARC pass (or DKIM/SPF pass without DMARC) */
	EXPLAIN_AUTH_FAIL,      /* DMARC fail (or all of DKIM and SPF fail) */
	EXPLAIN_AUTH_PARTIAL,   /* neither: some pass, some fail or none */
	EXPLAIN_AUTH__COUNT
};

struct explain {
	enum explain_kind kind;
	enum explain_source source;
	unsigned flags;                         /* EXPLAIN_F_* */
	size_t input_len;                       /* bytes of the whole input */
	char subject[512];                      /* decoded */
	char from[512];
	char date[128];
	char reporting_mta[EXPLAIN_HOST_MAX];
	char original_subject[512];             /* of the returned message */
	char original_to[512];
	struct explain_rcpt rcpts[EXPLAIN_RCPTS_MAX];
	size_t nrcpts;
	/* The Received: chain, oldest first (the last header first). */
	struct explain_hop hops[EXPLAIN_HOPS_MAX];
	size_t nhops;
	int64_t total_delay;                    /* oldest to newest dated hop */
	long slowest;                           /* index of the longest delay; -1 */
	char authserv[EXPLAIN_HOST_MAX];
	struct explain_auth auth[EXPLAIN_AUTH_MAX];
	size_t nauth;
	enum explain_auth_verdict auth_verdict;
	size_t parts;                           /* MIME parts looked at */
};

struct explain *explain_new(void);
void explain_free(struct explain *ex);

/* Reads in[0..len): 0, or -1 with *cause set when there is nothing to
 * explain (empty, binary, no reply, no bounce, no headers). */
int explain_parse(const char *in, size_t len, struct explain *ex, char **cause);

/*
 * The input of --explain ARG: "-" reads standard input, an existing path
 * reads that file, anything else is the pasted text itself. At most
 * DEFAULT_EXPLAIN_INPUT_MAX bytes are kept (*cut set when there were
 * more; *total says how many there were, as far as was read). 0 with *buf
 * (xmalloc, NUL-terminated) and *len, or -1 with *cause set.
 */
int explain_read_input(const char *arg, char **buf, size_t *len, size_t *total,
                       int *cut, char **cause);

/* The failed (or delayed) recipient i's domain, or NULL when none. */
const char *explain_rcpt_domain(const struct explain_rcpt *r);
/* The host to probe for r's bounce: its remote MTA's name, else its
 * address, whichever is a host name or an IP address (the bounce is
 * hostile input: "mx [internal]" or a control byte is no host); NULL:
 * none. */
const char *explain_rcpt_remote_host(const struct explain_rcpt *r);

/* Names for views and JSON. */
const char *explain_kind_name(enum explain_kind k);
const char *explain_source_name(enum explain_source s);
const char *explain_action_name(enum explain_action a);
const char *explain_permanence_name(enum explain_permanence p);
const char *explain_side_name(enum explain_side s);
const char *explain_auth_verdict_name(enum explain_auth_verdict v);

#endif
