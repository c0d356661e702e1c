/*
 * reply — the SMTP reply parser (pure: bytes in, replies out) and the
 * EHLO extension parser.
 *
 * The parser is fed bytes in any chunking and hands back one complete
 * reply at a time; it never allocates without bound and never fails on
 * hostile input: what is wrong with a reply is reported in its flags, and
 * the reply is still delivered so the session can show it and decide.
 *
 * Call protocol:
 *   struct reply_parser *p = reply_parser_new();
 *   while (have bytes) {
 *       struct reply *r = NULL;
 *       size_t used = reply_parser_feed(p, buf, len, &r);
 *       buf += used; len -= used;
 *       if (r != NULL) { ...; reply_free(r); }
 *   }
 * reply_parser_feed() stops right after the last byte of a complete reply,
 * so the bytes after it stay with the caller, who knows whether the server
 * was allowed to send more (pipelining) or not (the STARTTLS 220, where
 * more bytes mean a plaintext injection: REPLY_F_TRAILING_DATA is then the
 * caller's to set).
 */
#ifndef MAILFLOW_REPLY_H
#define MAILFLOW_REPLY_H

#include <stddef.h>
#include <stdint.h>

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with CRLF. */
#define REPLY_LINE_MAX 512
/* A longer line is kept up to this many bytes, the rest is dropped. */
#define REPLY_LINE_HARD 4096
/* More lines than this in one reply, or lines past REPLY_BYTES_MAX of
 * kept text, are dropped (REPLY_F_TOO_MANY_LINES): so a session's parser
 * holds at most REPLY_BYTES_MAX + REPLY_LINE_HARD, and a thousand hostile
 * sessions stay within a few tens of MB (SECURITY.md). Real replies are
 * under 2 KB. */
#define REPLY_LINES_MAX 100
#define REPLY_BYTES_MAX ((size_t)16 * 1024)

/* Findings about a reply: a bitmask. */
#define REPLY_F_CODE_MISMATCH  0x001u  /* lines carry different codes */
#define REPLY_F_BARE_LF        0x002u  /* a line ended in LF without CR */
#define REPLY_F_LONG_LINE      0x004u  /* a line over 512 bytes */
#define REPLY_F_CUT_LINE       0x008u  /* ... over REPLY_LINE_HARD: cut */
#define REPLY_F_TOO_MANY_LINES 0x010u  /* over REPLY_LINES_MAX or
                                          REPLY_BYTES_MAX: dropped */
#define REPLY_F_CONTROL        0x020u  /* NUL or other control bytes */
#define REPLY_F_NON_ASCII      0x040u  /* bytes >= 0x80 */
#define REPLY_F_BAD_SYNTAX     0x080u  /* not "DDD", "DDD " or "DDD-" */
#define REPLY_F_BAD_CODE       0x100u  /* a code outside 200-599 */
#define REPLY_F_TRAILING_DATA  0x200u  /* set by the caller, see above */

struct reply_line {
	char *text;             /* the whole line as received, without CRLF;
	                           NUL-terminated, but may hold NULs: use len */
	size_t len;
	int cut;                /* longer than REPLY_LINE_HARD: the rest dropped */
};

struct reply {
	int code;               /* the final line's code; 0 when malformed */
	char enhanced[16];      /* RFC 3463 "5.7.1" at the start of the first
	                           line's text, when its class is the code's;
	                           or "" */
	struct reply_line *lines;
	size_t nlines;
	unsigned flags;
	size_t raw_len;         /* bytes this reply took on the wire */
};

struct reply_parser;

struct reply_parser *reply_parser_new(void);
void reply_parser_free(struct reply_parser *p);
/* Bytes of a reply received so far but not yet complete, less what the
 * limits dropped: what the parser holds, so it stays bounded (about
 * REPLY_LINES_MAX * REPLY_LINE_HARD) whatever the server sends. */
size_t reply_parser_buffered(const struct reply_parser *p);
/* Forget a partial reply (after STARTTLS, or a reset of the session). */
void reply_parser_reset(struct reply_parser *p);

/*
 * Consumes bytes up to and including the end of the next complete reply
 * (or all of them if none completes) and returns how many it consumed.
 * *out is the complete reply (free it with reply_free) or NULL.
 * A line without a valid code is a reply of its own, code 0,
 * REPLY_F_BAD_SYNTAX: a malformed server never makes the parser wait. In
 * the middle of a multi-line reply it ends that reply as its last line, so
 * the reply then has code 0 and REPLY_F_BAD_SYNTAX too.
 */
size_t reply_parser_feed(struct reply_parser *p, const char *buf, size_t len,
                         struct reply **out);
void reply_free(struct reply *r);

/* The text of line i after "DDD-" / "DDD " (or the whole line when it has
 * no valid code); its length in *len. */
const char *reply_line_text(const struct reply *r, size_t i, size_t *len);
/* 2, 3, 4 or 5; 0 when malformed. */
int reply_class(const struct reply *r);

/* ---- enhanced status codes --------------------------------------------- */

/* reply_enhanced_parse() flags. */
#define REPLY_ENHANCED_ANY_CLASS 0x1u   /* "X" as the class: any class (the
                                           knowledge base's keys, patterns) */

/*
 * The one parser of RFC 3463 enhanced status codes, for the reply parser
 * and the knowledge base alike: class "." subject "." detail at the start
 * of s[0..len), the class 2, 4 or 5 (or "X" with REPLY_ENHANCED_ANY_CLASS),
 * subject and detail 1-3 digits without leading zeros, followed by the
 * end of s or a space. Returns its length (5 to 9), or 0 when s does not
 * start with one. Whether the class agrees with a reply code is the
 * caller's question.
 */
size_t reply_enhanced_parse(const char *s, size_t len, unsigned flags);

/* ---- EHLO ---------------------------------------------------------------- */

#define EHLO_SIZE                0x0001u
#define EHLO_PIPELINING          0x0002u
#define EHLO_8BITMIME            0x0004u
#define EHLO_STARTTLS            0x0008u
#define EHLO_AUTH                0x0010u
#define EHLO_DSN                 0x0020u
#define EHLO_SMTPUTF8            0x0040u
#define EHLO_CHUNKING            0x0080u
#define EHLO_ENHANCEDSTATUSCODES 0x0100u
#define EHLO_REQUIRETLS          0x0200u
#define EHLO_BINARYMIME          0x0400u
#define EHLO_VRFY                0x0800u
#define EHLO_ETRN                0x1000u

#define AUTH_PLAIN    0x01u
#define AUTH_LOGIN    0x02u
#define AUTH_CRAM_MD5 0x04u
#define AUTH_XOAUTH2  0x08u
#define AUTH_OTHER    0x80u

/* Items kept verbatim (for the reports); the extensions and limits are
 * read from every line whatever this says. Real servers list fewer than
 * 20, and 24 of 160 bytes keep a session a few KB (BENCHMARKS.md). */
#define EHLO_ITEMS_MAX 24

struct ehlo_item {
	char keyword[32];       /* upper case; control bytes shown escaped
	                           ("STARTTLS\\x00"), so it never reads as a
	                           keyword it is not */
	char params[128];       /* as sent, cut to fit */
};

struct ehlo {
	char host[256];         /* the first word of the first line */
	unsigned exts;          /* EHLO_* */
	uint64_t size;          /* SIZE value; 0 when none or not given */
	unsigned auth;          /* AUTH_* from "AUTH ..." and "AUTH=..." */
	struct ehlo_item items[EHLO_ITEMS_MAX];
	size_t nitems;          /* every line after the first, verbatim */
	int cut;                /* the reply had more lines than the parser keeps:
	                           an extension may lie past the cut */
	int auth_cut;           /* the AUTH line was cut (REPLY_LINE_HARD): a
	                           mechanism may lie past the cut */
};

/* Parses a 250 EHLO reply; -1 if r is not a 2xx reply. */
int reply_parse_ehlo(const struct reply *r, struct ehlo *out);

#endif
