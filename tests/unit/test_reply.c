/*
 * reply.c: the SMTP reply parser on well-formed, odd and hostile replies,
 * and the EHLO extension parser on what Postfix and Exchange really send.
 *
 * Every reply is parsed three ways — in one piece, byte by byte and in
 * uneven chunks — and the three results must be identical: a parser that
 * depends on where read() happened to split the stream fails only in the
 * field, so it is checked on every case here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/reply.h"

#define ALL_FLAGS 0x3ffu

/* Room for the parser's own bookkeeping (a pending CR) over the line. */
#define BUFFERED_SLACK 8

static void reply_assert_equal(const struct reply *a, const struct reply *b)
{
	size_t i;

	assert_int_equal(a->code, b->code);
	assert_string_equal(a->enhanced, b->enhanced);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->raw_len, b->raw_len);
	assert_int_equal(a->nlines, b->nlines);
	for (i = 0; i < a->nlines; i++) {
		assert_int_equal(a->lines[i].len, b->lines[i].len);
		assert_memory_equal(a->lines[i].text, b->lines[i].text,
		                    a->lines[i].len);
	}
}

/*
 * Parses the first reply of s[0..n) in one piece, byte by byte and in
 * uneven chunks; all three must agree and leave nothing buffered. Returns
 * the reply, with the bytes it took in *used and the most the parser held
 * while fed byte by byte in *max_buffered (either may be NULL).
 */
static struct reply *parse3(const char *s, size_t n, size_t *used,
                            size_t *max_buffered)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 11, 13, 64, 509, 4093 };
	struct reply_parser *p;
	struct reply *whole = NULL, *bytes = NULL, *chunked = NULL;
	size_t u_whole, u_bytes = 0, u_chunked = 0, i, k, maxb = 0;

	p = reply_parser_new();
	assert_non_null(p);
	u_whole = reply_parser_feed(p, s, n, &whole);
	assert_non_null(whole);
	assert_int_equal(reply_parser_buffered(p), 0);
	reply_parser_free(p);

	p = reply_parser_new();
	assert_non_null(p);
	for (i = 0; i < n && bytes == NULL; i++) {
		assert_int_equal(reply_parser_feed(p, s + i, 1, &bytes), 1);
		if (bytes == NULL && reply_parser_buffered(p) > maxb)
			maxb = reply_parser_buffered(p);
		u_bytes = i + 1;
	}
	assert_non_null(bytes);
	assert_int_equal(reply_parser_buffered(p), 0);
	reply_parser_free(p);

	p = reply_parser_new();
	assert_non_null(p);
	for (i = 0; u_chunked < n && chunked == NULL; i++) {
		size_t want = chunks[i % (sizeof chunks / sizeof chunks[0])];

		if (want > n - u_chunked)
			want = n - u_chunked;
		k = reply_parser_feed(p, s + u_chunked, want, &chunked);
		assert_true(k <= want);
		if (chunked == NULL)
			assert_int_equal(k, want);
		u_chunked += k;
	}
	assert_non_null(chunked);
	reply_parser_free(p);

	assert_int_equal(u_whole, u_bytes);
	assert_int_equal(u_whole, u_chunked);
	reply_assert_equal(whole, bytes);
	reply_assert_equal(whole, chunked);
	assert_int_equal(whole->raw_len, u_whole);
	reply_free(bytes);
	reply_free(chunked);
	if (used != NULL)
		*used = u_whole;
	if (max_buffered != NULL)
		*max_buffered = maxb;
	return whole;
}

/* One reply that must take the whole of s. */
static struct reply *parse_all(const char *s)
{
	size_t used;
	struct reply *r = parse3(s, strlen(s), &used, NULL);

	assert_int_equal(used, strlen(s));
	return r;
}

static void assert_text(const struct reply *r, size_t i, const char *want)
{
	size_t len;
	const char *t = reply_line_text(r, i, &len);

	assert_non_null(t);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(t, want, len);
}

static const char postfix_ehlo[] =
	"250-mail.example.org\r\n"
	"250-PIPELINING\r\n"
	"250-SIZE 10240000\r\n"
	"250-VRFY\r\n"
	"250-ETRN\r\n"
	"250-STARTTLS\r\n"
	"250-ENHANCEDSTATUSCODES\r\n"
	"250-8BITMIME\r\n"
	"250-DSN\r\n"
	"250-SMTPUTF8\r\n"
	"250 CHUNKING\r\n";

static const char exchange_ehlo[] =
	"250-EX01.contoso.com Hello [192.0.2.10]\r\n"
	"250-SIZE 37748736\r\n"
	"250-PIPELINING\r\n"
	"250-DSN\r\n"
	"250-ENHANCEDSTATUSCODES\r\n"
	"250-STARTTLS\r\n"
	"250-X-ANONYMOUSTLS\r\n"
	"250-AUTH NTLM LOGIN\r\n"
	"250-X-EXPS GSSAPI NTLM\r\n"
	"250-8BITMIME\r\n"
	"250-BINARYMIME\r\n"
	"250-CHUNKING\r\n"
	"250-XEXCH50\r\n"
	"250-XRDST\r\n"
	"250 XSHADOWREQUEST\r\n";

/* ---- replies ------------------------------------------------------------- */

static void test_single_line(void **state)
{
	struct reply *r;

	(void)state;
	r = parse_all("220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n");
	assert_int_equal(r->code, 220);
	assert_int_equal(reply_class(r), 2);
	assert_int_equal(r->flags, 0);
	assert_string_equal(r->enhanced, "");
	assert_int_equal(r->nlines, 1);
	assert_string_equal(r->lines[0].text,
	                    "220 mx.example.com ESMTP Postfix (Debian/GNU)");
	assert_text(r, 0, "mx.example.com ESMTP Postfix (Debian/GNU)");
	assert_null(reply_line_text(r, 1, NULL));
	reply_free(r);

	r = parse_all("354 End data with <CR><LF>.<CR><LF>\r\n");
	assert_int_equal(r->code, 354);
	assert_int_equal(reply_class(r), 3);
	assert_int_equal(r->flags, 0);
	reply_free(r);
}

static void test_multiline(void **state)
{
	struct reply *r;

	(void)state;
	r = parse_all(postfix_ehlo);
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->nlines, 11);
	assert_int_equal(r->raw_len, sizeof postfix_ehlo - 1);
	assert_string_equal(r->lines[0].text, "250-mail.example.org");
	assert_text(r, 0, "mail.example.org");
	assert_text(r, 2, "SIZE 10240000");
	assert_text(r, 10, "CHUNKING");
	assert_string_equal(r->enhanced, "");
	reply_free(r);

	/* A 550 whose lines each carry the enhanced code. */
	r = parse_all("550-5.7.1 Message rejected\r\n"
	              "550-5.7.1 See https://example.org/policy\r\n"
	              "550 5.7.1 for details\r\n");
	assert_int_equal(r->code, 550);
	assert_int_equal(r->nlines, 3);
	assert_int_equal(r->flags, 0);
	assert_string_equal(r->enhanced, "5.7.1");
	reply_free(r);
}

static void test_code_alone(void **state)
{
	struct reply *r;

	(void)state;
	r = parse_all("250\r\n");
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->nlines, 1);
	assert_int_equal(r->lines[0].len, 3);
	assert_text(r, 0, "");
	reply_free(r);

	r = parse_all("250 \r\n");
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, 0);
	assert_text(r, 0, "");
	reply_free(r);

	/* "DDD-" with nothing after it still continues. */
	r = parse_all("250-\r\n250-\r\n250\r\n");
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->nlines, 3);
	assert_text(r, 1, "");
	reply_free(r);
}

static void check_enhanced(const char *s, const char *want)
{
	struct reply *r = parse_all(s);

	if (strcmp(r->enhanced, want) != 0)
		fail_msg("%s: enhanced \"%s\", want \"%s\"", s, r->enhanced,
		         want);
	reply_free(r);
}

static void test_enhanced(void **state)
{
	(void)state;
	check_enhanced("550 5.7.1 Relaying denied\r\n", "5.7.1");
	check_enhanced("451 4.2.0 Try again later\r\n", "4.2.0");
	check_enhanced("250 2.1.5 Ok\r\n", "2.1.5");
	check_enhanced("250 2.1.5\r\n", "2.1.5");
	check_enhanced("552 5.123.456 odd but valid\r\n", "5.123.456");
	check_enhanced("550-5.1.1 <x@example.org>: Recipient address "
	               "rejected\r\n550 5.1.1 User unknown\r\n", "5.1.1");

	/* The class must be the reply's. */
	check_enhanced("450 5.7.1 mismatch\r\n", "");
	check_enhanced("250 5.0.0 mismatch\r\n", "");
	/* Only classes 2, 4 and 5 exist. */
	check_enhanced("354 3.0.0 go ahead\r\n", "");
	check_enhanced("550 1.7.1 x\r\n", "");
	/* Incomplete or overlong parts. */
	check_enhanced("550 5.7 Access denied\r\n", "");
	check_enhanced("550 5.7.\r\n", "");
	check_enhanced("550 5..1 x\r\n", "");
	check_enhanced("550 5.7.1234 x\r\n", "");
	check_enhanced("550 5.1234.1 x\r\n", "");
	/* It must stand alone, at the start of the text. */
	check_enhanced("550 5.7.1: denied\r\n", "");
	check_enhanced("550 5.7.1x denied\r\n", "");
	check_enhanced("550  5.7.1 denied\r\n", "");
	check_enhanced("550 denied 5.7.1\r\n", "");
	/* Only the first line counts. */
	check_enhanced("550-denied\r\n550 5.7.1 x\r\n", "");
	/* Without text there is nothing to take. */
	check_enhanced("550\r\n", "");
	/* Leading zeros are not RFC 3463 (the knowledge base never took
	 * them; now the reply parser agrees); a lone 0 is fine. */
	check_enhanced("550 5.01.1 x\r\n", "");
	check_enhanced("550 5.1.01 x\r\n", "");
	check_enhanced("550 5.0.0 x\r\n", "5.0.0");
	check_enhanced("550 5.10.100 x\r\n", "5.10.100");
	/* "X" is the knowledge base's wildcard, never a server's class. */
	check_enhanced("550 X.7.1 x\r\n", "");
}

/* The one enhanced-code parser, as the reply parser (flags 0) and the
 * knowledge base (REPLY_ENHANCED_ANY_CLASS for its keys) both call it. */
static void test_enhanced_parse(void **state)
{
	static const struct { const char *s; unsigned flags; size_t want; } cases[] = {
		{ "5.7.1", 0, 5 }, { "2.1.5 Ok", 0, 5 }, { "4.2.0", 0, 5 },
		{ "5.123.456", 0, 9 }, { "5.123.456 x", 0, 9 }, { "5.0.0", 0, 5 },
		{ "5.10.100", 0, 8 },
		/* class: 2, 4, 5 only; X only when asked */
		{ "3.0.0", 0, 0 }, { "1.1.1", 0, 0 }, { "9.1.1", 0, 0 },
		{ "X.7.1", 0, 0 }, { "X.7.1", REPLY_ENHANCED_ANY_CLASS, 5 },
		{ "X.7.30 text", REPLY_ENHANCED_ANY_CLASS, 6 },
		{ "x.7.1", REPLY_ENHANCED_ANY_CLASS, 0 },
		{ "5.7.1", REPLY_ENHANCED_ANY_CLASS, 5 },
		/* subject and detail: 1-3 digits, no leading zero */
		{ "5.1234.1", 0, 0 }, { "5.7.1234", 0, 0 }, { "5..1", 0, 0 },
		{ "5.7.", 0, 0 }, { "5.7", 0, 0 }, { "5.07.1", 0, 0 },
		{ "5.7.01", 0, 0 }, { "5.7.-1", 0, 0 }, { ".7.1", 0, 0 },
		/* followed by the end or a space only */
		{ "5.7.1:", 0, 0 }, { "5.7.1x", 0, 0 }, { "5.7.1.2", 0, 0 },
		{ "5.7.1\t", 0, 0 }, { " 5.7.1", 0, 0 }, { "", 0, 0 },
	};
	size_t i, got;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = reply_enhanced_parse(cases[i].s, strlen(cases[i].s), cases[i].flags);
		if (got != cases[i].want)
			fail_msg("reply_enhanced_parse(\"%s\", %u) = %zu, want %zu",
			         cases[i].s, cases[i].flags, got, cases[i].want);
	}
	/* The length bounds the parse: "5.7.12" cut to 5 bytes is "5.7.1". */
	assert_int_equal(reply_enhanced_parse("5.7.12", 5, 0), 5);
	assert_int_equal(reply_enhanced_parse("5.7.1", 4, 0), 0);
	assert_int_equal(reply_enhanced_parse(NULL, 0, 0), 0);
}

static void test_code_mismatch(void **state)
{
	struct reply *r;

	(void)state;
	r = parse_all("250-first\r\n550 last\r\n");
	assert_int_equal(r->code, 550);
	assert_int_equal(r->flags, REPLY_F_CODE_MISMATCH);
	assert_int_equal(r->nlines, 2);
	reply_free(r);

	r = parse_all("250-a\r\n251-b\r\n250 c\r\n");
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, REPLY_F_CODE_MISMATCH);
	reply_free(r);
}

static void test_line_ends(void **state)
{
	struct reply *r;

	(void)state;
	r = parse_all("250-a\n250 b\r\n");
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, REPLY_F_BARE_LF);
	assert_int_equal(r->nlines, 2);
	assert_string_equal(r->lines[0].text, "250-a");
	assert_string_equal(r->lines[1].text, "250 b");
	assert_int_equal(r->raw_len, 13);
	reply_free(r);

	r = parse_all("220 ok\n");
	assert_int_equal(r->flags, REPLY_F_BARE_LF);
	assert_text(r, 0, "ok");
	reply_free(r);

	/* A bare CR is a byte of the line, not its end. */
	r = parse_all("250 a\rb\r\n");
	assert_int_equal(r->flags, REPLY_F_CONTROL);
	assert_int_equal(r->nlines, 1);
	assert_int_equal(r->lines[0].len, 7);
	assert_string_equal(r->lines[0].text, "250 a\rb");
	reply_free(r);

	r = parse_all("250 a\r\r\n");
	assert_int_equal(r->flags, REPLY_F_CONTROL);
	assert_string_equal(r->lines[0].text, "250 a\r");
	reply_free(r);

	r = parse_all("250-a\r250-b\r\n250 c\r\n");
	assert_int_equal(r->flags, REPLY_F_CONTROL);
	assert_int_equal(r->nlines, 2);
	assert_string_equal(r->lines[0].text, "250-a\r250-b");
	reply_free(r);
}

/* "250 " and text bytes of 'x' up to a line of len bytes, then CRLF. */
static char *make_line(size_t len, const char *code_sep)
{
	char *s = malloc(len + 3);

	assert_non_null(s);
	memset(s, 'x', len);
	memcpy(s, code_sep, strlen(code_sep));
	memcpy(s + len, "\r\n", 3);
	return s;
}

static void test_long_line(void **state)
{
	struct reply *r;
	char *s;

	(void)state;
	s = make_line(600, "250 ");
	r = parse_all(s);
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, REPLY_F_LONG_LINE);
	assert_int_equal(r->lines[0].len, 600);
	assert_memory_equal(r->lines[0].text, s, 600);
	assert_int_equal(r->raw_len, 602);
	reply_free(r);
	free(s);

	/* 510 bytes and CRLF are exactly 512: allowed. */
	s = make_line(REPLY_LINE_MAX - 2, "250 ");
	r = parse_all(s);
	assert_int_equal(r->flags, 0);
	reply_free(r);
	free(s);

	s = make_line(REPLY_LINE_MAX - 1, "250 ");
	r = parse_all(s);
	assert_int_equal(r->flags, REPLY_F_LONG_LINE);
	reply_free(r);
	free(s);

	/* Up to the hard limit nothing is cut. */
	s = make_line(REPLY_LINE_HARD, "250 ");
	r = parse_all(s);
	assert_int_equal(r->flags, REPLY_F_LONG_LINE);
	assert_int_equal(r->lines[0].len, REPLY_LINE_HARD);
	reply_free(r);
	free(s);

	s = make_line(REPLY_LINE_HARD + 1, "250 ");
	r = parse_all(s);
	assert_int_equal(r->flags, REPLY_F_LONG_LINE | REPLY_F_CUT_LINE);
	assert_int_equal(r->lines[0].len, REPLY_LINE_HARD);
	reply_free(r);
	free(s);
}

static void test_huge_line(void **state)
{
	const size_t big = 1u << 20;
	struct reply_parser *p;
	struct reply *r;
	size_t used, maxb, i;
	char *s, chunk[65536];

	(void)state;
	/* A 1 MB line in the middle of a reply: cut, and the parser never
	 * holds more than the hard limit of it. */
	s = malloc(big + 64);
	assert_non_null(s);
	memcpy(s, "550-5.7.1 first\r\n550 ", 21);
	memset(s + 21, 'y', big);
	memcpy(s + 21 + big, "\r\n", 3);
	r = parse3(s, strlen(s), &used, &maxb);
	assert_int_equal(used, strlen(s));
	assert_int_equal(r->code, 550);
	assert_int_equal(r->flags, REPLY_F_LONG_LINE | REPLY_F_CUT_LINE);
	assert_int_equal(r->nlines, 2);
	assert_int_equal(r->lines[1].len, REPLY_LINE_HARD);
	assert_int_equal(strlen(r->lines[1].text), REPLY_LINE_HARD);
	assert_memory_equal(r->lines[1].text, "550 yyy", 7);
	assert_string_equal(r->enhanced, "5.7.1");
	assert_int_equal(r->raw_len, strlen(s));
	assert_true(maxb <= 17 + REPLY_LINE_HARD + BUFFERED_SLACK);
	reply_free(r);
	free(s);

	/* A line that never ends: everything is consumed, nothing returned,
	 * and what is held stays bounded. */
	p = reply_parser_new();
	assert_non_null(p);
	memset(chunk, 'z', sizeof chunk);
	chunk[100] = '\r';      /* stray CRs stay in the line */
	for (i = 0; i < 64; i++) {
		assert_int_equal(reply_parser_feed(p, chunk, sizeof chunk, &r),
		                 sizeof chunk);
		assert_null(r);
		assert_true(reply_parser_buffered(p) <=
		            REPLY_LINE_HARD + BUFFERED_SLACK);
	}
	assert_int_equal(reply_parser_feed(p, "\r\n", 2, &r), 2);
	assert_non_null(r);
	assert_int_equal(r->code, 0);
	assert_int_equal(r->flags, REPLY_F_BAD_SYNTAX | REPLY_F_LONG_LINE |
	                 REPLY_F_CUT_LINE | REPLY_F_CONTROL);
	assert_int_equal(r->lines[0].len, REPLY_LINE_HARD);
	assert_int_equal(r->raw_len, 64 * sizeof chunk + 2);
	assert_int_equal(reply_parser_buffered(p), 0);
	reply_free(r);
	reply_parser_free(p);
}

static void test_too_many_lines(void **state)
{
	char *s, *w;
	struct reply *r;
	size_t i, maxb;

	(void)state;
	s = malloc((size_t)150 * 32);
	assert_non_null(s);
	w = s;
	for (i = 0; i < 149; i++)
		w += sprintf(w, "250-line %zu\r\n", i);
	sprintf(w, "251 last\r\n");
	r = parse3(s, strlen(s), NULL, &maxb);
	assert_int_equal(r->nlines, REPLY_LINES_MAX);
	assert_int_equal(r->flags, REPLY_F_TOO_MANY_LINES |
	                 REPLY_F_CODE_MISMATCH);
	/* The final line's code counts even though its text is dropped. */
	assert_int_equal(r->code, 251);
	assert_int_equal(r->raw_len, strlen(s));
	assert_text(r, 0, "line 0");
	assert_text(r, REPLY_LINES_MAX - 1, "line 99");
	/* Dropped lines are not held. */
	assert_true(maxb <= (size_t)100 * 16);
	reply_free(r);

	/* Exactly the limit is fine. */
	w = s;
	for (i = 0; i < REPLY_LINES_MAX - 1; i++)
		w += sprintf(w, "250-line %zu\r\n", i);
	sprintf(w, "250 last\r\n");
	r = parse_all(s);
	assert_int_equal(r->nlines, REPLY_LINES_MAX);
	assert_int_equal(r->flags, 0);
	reply_free(r);
	free(s);
}

static void test_control_bytes(void **state)
{
	static const char nul_esc[] = "250 a\0b\x1b[31mred\r\n";
	struct reply *r;
	size_t used;

	(void)state;
	r = parse3(nul_esc, sizeof nul_esc - 1, &used, NULL);
	assert_int_equal(used, sizeof nul_esc - 1);
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, REPLY_F_CONTROL);
	assert_int_equal(r->lines[0].len, sizeof nul_esc - 3);
	assert_memory_equal(r->lines[0].text, nul_esc, sizeof nul_esc - 3);
	assert_int_equal(r->lines[0].text[r->lines[0].len], '\0');
	reply_free(r);

	r = parse_all("250 tab\there\r\n");
	assert_int_equal(r->flags, REPLY_F_CONTROL);
	reply_free(r);

	r = parse_all("250 del\x7f\r\n");
	assert_int_equal(r->flags, REPLY_F_CONTROL);
	reply_free(r);

	r = parse_all("250 caf\xc3\xa9 \xe2\x9c\x93\r\n");
	assert_int_equal(r->flags, REPLY_F_NON_ASCII);
	assert_text(r, 0, "caf\xc3\xa9 \xe2\x9c\x93");
	reply_free(r);

	r = parse_all("250 \x80\r\n");
	assert_int_equal(r->flags, REPLY_F_NON_ASCII);
	reply_free(r);

	r = parse_all("250 \xff\x01\r\n");
	assert_int_equal(r->flags, REPLY_F_NON_ASCII | REPLY_F_CONTROL);
	reply_free(r);
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"hello", "25", "2500 x", "abc-def", "", " 250 x", "250x",
		"25a ok", "-250 x", "250_x", "250=x",
	};
	static const char mid[] = "250-a\r\nhello\r\n250 b\r\n";
	struct reply *r;
	size_t i, used, len;
	char buf[64];

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "%s\r\n", bad[i]);
		r = parse_all(buf);
		if (r->code != 0 || r->flags != REPLY_F_BAD_SYNTAX)
			fail_msg("\"%s\": code %d flags %#x", bad[i], r->code,
			         r->flags);
		assert_int_equal(r->nlines, 1);
		assert_int_equal(reply_class(r), 0);
		assert_string_equal(r->enhanced, "");
		/* The whole line is the text. */
		assert_text(r, 0, bad[i]);
		reply_free(r);
	}

	/* A NUL in place of a digit. */
	r = parse3("2\0" "0 x\r\n", 7, &used, NULL);
	assert_int_equal(used, 7);
	assert_int_equal(r->flags, REPLY_F_BAD_SYNTAX | REPLY_F_CONTROL);
	assert_int_equal(r->code, 0);
	reply_free(r);

	/* A tab is no separator (and a control byte). */
	r = parse_all("250\tx\r\n");
	assert_int_equal(r->flags, REPLY_F_BAD_SYNTAX | REPLY_F_CONTROL);
	assert_int_equal(r->code, 0);
	reply_free(r);

	/* Garbage inside a multi-line reply ends it there: the session must
	 * not wait for a final line. */
	r = parse3(mid, sizeof mid - 1, &used, NULL);
	assert_int_equal(used, 14);
	assert_int_equal(r->code, 0);
	assert_int_equal(r->flags, REPLY_F_BAD_SYNTAX);
	assert_int_equal(r->nlines, 2);
	assert_text(r, 0, "a");
	assert_text(r, 1, "hello");
	assert_int_equal(reply_class(r), 0);
	reply_free(r);
	r = parse3(mid + used, sizeof mid - 1 - used, &len, NULL);
	assert_int_equal(len, sizeof mid - 1 - used);
	assert_int_equal(r->code, 250);
	assert_int_equal(r->flags, 0);
	assert_text(r, 0, "b");
	reply_free(r);
}

static void test_bad_code(void **state)
{
	static const struct {
		const char *s;
		int code;
		unsigned flags;
	} cases[] = {
		{ "999 what\r\n", 999, REPLY_F_BAD_CODE },
		{ "100 continue?\r\n", 100, REPLY_F_BAD_CODE },
		{ "000\r\n", 0, REPLY_F_BAD_CODE },
		{ "199 x\r\n", 199, REPLY_F_BAD_CODE },
		{ "600 x\r\n", 600, REPLY_F_BAD_CODE },
		{ "200 x\r\n", 200, 0 },
		{ "599 x\r\n", 599, 0 },
		{ "250-a\r\n999 b\r\n", 999,
		  REPLY_F_BAD_CODE | REPLY_F_CODE_MISMATCH },
	};
	struct reply *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = parse_all(cases[i].s);
		assert_int_equal(r->code, cases[i].code);
		assert_int_equal(r->flags, cases[i].flags);
		assert_int_equal(reply_class(r),
		                 cases[i].flags ? 0 : cases[i].code / 100);
		reply_free(r);
	}
}

static void test_two_replies(void **state)
{
	static const char two[] =
		"250-mx.example.org\r\n250 PIPELINING\r\n"
		"354 End data with <CR><LF>.<CR><LF>\r\n";
	static const char three[] = "250 2.1.0 Ok\r\n250 2.1.5 Ok\n354 go\r\n";
	struct reply *r;
	size_t used, used2;

	(void)state;
	r = parse3(two, sizeof two - 1, &used, NULL);
	assert_int_equal(used, 36);
	assert_int_equal(r->code, 250);
	assert_int_equal(r->nlines, 2);
	assert_int_equal(r->raw_len, 36);
	reply_free(r);
	r = parse3(two + used, sizeof two - 1 - used, &used2, NULL);
	assert_int_equal(used + used2, sizeof two - 1);
	assert_int_equal(r->code, 354);
	reply_free(r);

	/* Pipelined replies, one with a bare LF: flags do not leak into the
	 * next reply. */
	r = parse3(three, sizeof three - 1, &used, NULL);
	assert_int_equal(used, 14);
	assert_string_equal(r->enhanced, "2.1.0");
	assert_int_equal(r->flags, 0);
	reply_free(r);
	r = parse3(three + 14, sizeof three - 15, &used, NULL);
	assert_int_equal(used, 13);
	assert_string_equal(r->enhanced, "2.1.5");
	assert_int_equal(r->flags, REPLY_F_BARE_LF);
	reply_free(r);
	r = parse3(three + 27, sizeof three - 28, &used, NULL);
	assert_int_equal(used, 8);
	assert_int_equal(r->code, 354);
	assert_int_equal(r->flags, 0);
	reply_free(r);
}

static void test_partial(void **state)
{
	struct reply_parser *p;
	struct reply *r = (struct reply *)1;

	(void)state;
	p = reply_parser_new();
	assert_non_null(p);
	assert_int_equal(reply_parser_buffered(p), 0);
	assert_int_equal(reply_parser_feed(p, "", 0, &r), 0);
	assert_null(r);

	assert_int_equal(reply_parser_feed(p, "250-first\r\n250 sec", 18, &r),
	                 18);
	assert_null(r);
	assert_int_equal(reply_parser_buffered(p), 18);
	assert_int_equal(reply_parser_feed(p, "ond", 3, &r), 3);
	assert_null(r);
	assert_int_equal(reply_parser_buffered(p), 21);
	assert_int_equal(reply_parser_feed(p, "\r", 1, &r), 1);
	assert_null(r);
	assert_int_equal(reply_parser_buffered(p), 22);
	assert_int_equal(reply_parser_feed(p, "\n220 next", 9, &r), 1);
	assert_non_null(r);
	assert_int_equal(r->code, 250);
	assert_int_equal(r->nlines, 2);
	assert_int_equal(r->raw_len, 23);
	assert_text(r, 1, "second");
	assert_int_equal(reply_parser_buffered(p), 0);
	reply_free(r);

	/* The rest is the caller's to feed again. */
	assert_int_equal(reply_parser_feed(p, "220 next", 8, &r), 8);
	assert_null(r);
	assert_int_equal(reply_parser_buffered(p), 8);
	reply_parser_free(p);   /* frees a partial reply */

	/* And one freed with complete lines pending. */
	p = reply_parser_new();
	assert_non_null(p);
	assert_int_equal(reply_parser_feed(p, "250-a\r\n250-b\r\n", 14, &r), 14);
	assert_null(r);
	reply_parser_free(p);
	reply_parser_free(NULL);
	reply_free(NULL);
}

static void test_reset(void **state)
{
	struct reply_parser *p;
	struct reply *r;

	(void)state;
	p = reply_parser_new();
	assert_non_null(p);
	assert_int_equal(reply_parser_feed(p, "250-a\n250-b\x01\r\n250 c", 19,
	                                   &r), 19);
	assert_null(r);
	reply_parser_reset(p);
	assert_int_equal(reply_parser_buffered(p), 0);
	assert_int_equal(reply_parser_feed(p, "220 fresh\r\n", 11, &r), 11);
	assert_non_null(r);
	assert_int_equal(r->code, 220);
	assert_int_equal(r->nlines, 1);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->raw_len, 11);
	reply_free(r);

	/* A reset also forgets a CR waiting for its LF. */
	assert_int_equal(reply_parser_feed(p, "250 x\r", 6, &r), 6);
	reply_parser_reset(p);
	assert_int_equal(reply_parser_feed(p, "220 y\r\n", 7, &r), 7);
	assert_non_null(r);
	assert_int_equal(r->flags, 0);
	assert_string_equal(r->lines[0].text, "220 y");
	reply_free(r);
	reply_parser_reset(p);
	reply_parser_free(p);
}

/* ---- random input: a unit test; the fuzzing is in fuzz/ ---------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng(void)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1du) >> 32);
}

static size_t rng_below(size_t n)
{
	return n ? rng() % n : 0;
}

static const char *const seeds[] = {
	postfix_ehlo,
	exchange_ehlo,
	"220 mx.example.org ESMTP\r\n",
	"550-5.7.1 rejected\r\n550 5.7.1 see policy\r\n",
	"250 2.1.5 Ok\r\n354 go\r\n",
	"421 4.7.0 Try again later\r\n",
	"250-AUTH=PLAIN LOGIN\r\n250 SIZE\r\n",
	"hello\r\n",
	"250\r\n",
};

/* Lines built like replies: mostly "DDD-" runs, sometimes long, broken
 * or past the line limit, so that every flag is reached. */
static size_t random_lines(unsigned char *b, size_t cap)
{
	static const char *const codes[] = { "250", "250", "550", "421", "999",
	                                     "25", "2x0", "" };
	static const char *const ends[] = { "\r\n", "\n", "\r", "" };
	const size_t ncodes = sizeof codes / sizeof codes[0];
	const char *base = codes[rng_below(ncodes)];
	size_t n = 0, lines = rng_below(rng_below(4) ? 8 : 160), i, k;
	/* Long replies need long runs of good lines to reach the limit. */
	size_t odds = lines > 8 ? 1024 : 32;

	for (i = 0; i < lines; i++) {
		const char *code = rng_below(odds) ? base :
		                   codes[rng_below(ncodes)];
		const char *end = rng_below(odds / 8) ? "\r\n" :
		                  ends[rng_below(sizeof ends / sizeof ends[0])];

		k = rng_below(odds / 2) ? rng_below(40) : rng_below(6000);
		if (n + strlen(code) + 1 + k + 2 > cap)
			break;
		memcpy(b + n, code, strlen(code));
		n += strlen(code);
		b[n++] = i + 1 < lines ? (rng_below(odds) ? '-' : ' ') :
		         (rng_below(8) ? ' ' : '-');
		while (k-- > 0)
			b[n++] = rng_below(odds) ? (unsigned char)('a' +
				rng_below(26)) : (unsigned char)rng();
		memcpy(b + n, end, strlen(end));
		n += strlen(end);
	}
	return n;
}

static size_t random_input(unsigned char *b, size_t cap)
{
	static const char alphabet[] = "0123456789- .\r\n\r\n25AUTHSIZE=";
	size_t n = 0, k, i;

	switch (rng_below(4)) {
	case 0:         /* bytes biased toward what the parser looks at */
		k = rng_below(rng_below(2) ? 64 : cap);
		for (i = 0; i < k; i++)
			b[n++] = rng_below(4) ? (unsigned char)alphabet[
				rng_below(sizeof alphabet - 1)] :
				(unsigned char)rng();
		break;
	case 1:
		n = random_lines(b, cap);
		break;
	default:        /* real replies, mutated */
		while (n < cap / 2) {
			const char *s = seeds[rng_below(sizeof seeds /
			                                sizeof seeds[0])];

			k = strlen(s);
			if (k > cap - n)
				break;
			memcpy(b + n, s, k);
			n += k;
			if (rng_below(4) == 0)
				break;
		}
		for (k = rng_below(8); k > 0 && n > 0; k--)
			b[rng_below(n)] = (unsigned char)rng();
		if (rng_below(8) == 0 && n + 5000 <= cap) {
			/* a long run somewhere, to cross the limits */
			i = rng_below(n + 1);
			memmove(b + i + 5000, b + i, n - i);
			memset(b + i, 'L', 5000);
			n += 5000;
		}
		if (n > 0 && rng_below(4) == 0)
			n = rng_below(n);   /* cut short */
		break;
	}
	return n;
}

static void check_bounds(const struct reply *r, size_t n)
{
	struct ehlo e;
	size_t i, len;
	const char *t;

	assert_true(r->nlines <= REPLY_LINES_MAX);
	assert_true(r->raw_len >= 1 && r->raw_len <= n);
	assert_true((r->flags & ~ALL_FLAGS) == 0);
	assert_true(r->code >= 0 && r->code <= 999);
	assert_true(strlen(r->enhanced) < sizeof r->enhanced);
	i = (size_t)reply_class(r);
	assert_true(i == 0 || (i >= 2 && i <= 5));
	for (i = 0; i < r->nlines; i++) {
		assert_true(r->lines[i].len <= REPLY_LINE_HARD);
		assert_int_equal(r->lines[i].text[r->lines[i].len], '\0');
		t = reply_line_text(r, i, &len);
		assert_non_null(t);
		assert_true(t >= r->lines[i].text &&
		            t + len == r->lines[i].text + r->lines[i].len);
	}
	if (reply_parse_ehlo(r, &e) == 0) {
		assert_true(e.nitems <= EHLO_ITEMS_MAX);
		assert_true(strlen(e.host) < sizeof e.host);
		for (i = 0; i < e.nitems; i++) {
			assert_true(strlen(e.items[i].keyword) <
			            sizeof e.items[i].keyword);
			assert_true(strlen(e.items[i].params) <
			            sizeof e.items[i].params);
		}
	} else {
		assert_int_not_equal(reply_class(r), 2);
	}
}

static void test_random_input(void **state)
{
	enum { CAP = 16384, ITER = 20000 };
	unsigned char *in;
	struct reply **got;
	struct reply_parser *whole, *chunked;
	struct reply *r;
	size_t iter, n, off, k, nr, j, sum;

	(void)state;
	in = malloc(CAP);
	got = malloc((CAP + 1) * sizeof *got);
	assert_non_null(in);
	assert_non_null(got);
	whole = reply_parser_new();
	chunked = reply_parser_new();
	assert_non_null(whole);
	assert_non_null(chunked);

	for (iter = 0; iter < ITER; iter++) {
		n = random_input(in, CAP);

		/* In one piece, feeding the rest after each reply. */
		reply_parser_reset(whole);
		nr = 0;
		sum = 0;
		for (off = 0; off < n; off += k) {
			k = reply_parser_feed(whole, (const char *)in + off,
			                      n - off, &r);
			assert_true(k >= 1 && k <= n - off);
			if (r == NULL) {
				assert_int_equal(off + k, n);
				continue;
			}
			check_bounds(r, n);
			/* Nothing of a reply stays behind once it is out. */
			assert_int_equal(sum + r->raw_len, off + k);
			sum += r->raw_len;
			got[nr++] = r;
		}
		assert_true(sum <= n);
		assert_true(reply_parser_buffered(whole) <= n - sum);

		/* Again in random chunks: the same replies, in order. */
		reply_parser_reset(chunked);
		j = 0;
		for (off = 0; off < n; off += k) {
			size_t want = 1 + rng_below(rng_below(2) ? 8 : 700);

			if (want > n - off)
				want = n - off;
			k = reply_parser_feed(chunked, (const char *)in + off,
			                      want, &r);
			if (r == NULL) {
				assert_int_equal(k, want);
				continue;
			}
			assert_true(j < nr);
			reply_assert_equal(got[j], r);
			reply_free(r);
			reply_free(got[j++]);
		}
		assert_int_equal(j, nr);
		assert_int_equal(reply_parser_buffered(chunked),
		                 reply_parser_buffered(whole));
	}
	reply_parser_free(whole);
	reply_parser_free(chunked);
	free(got);
	free(in);
}

/* ---- EHLO ---------------------------------------------------------------- */

static void parse_ehlo(const char *s, struct ehlo *e)
{
	struct reply *r = parse_all(s);

	assert_int_equal(reply_parse_ehlo(r, e), 0);
	reply_free(r);
}

static void assert_item(const struct ehlo *e, size_t i, const char *kw,
                        const char *params)
{
	assert_true(i < e->nitems);
	assert_string_equal(e->items[i].keyword, kw);
	assert_string_equal(e->items[i].params, params);
}

static void test_ehlo_postfix(void **state)
{
	struct ehlo e;

	(void)state;
	parse_ehlo(postfix_ehlo, &e);
	assert_string_equal(e.host, "mail.example.org");
	assert_int_equal(e.exts, EHLO_PIPELINING | EHLO_SIZE | EHLO_VRFY |
	                 EHLO_ETRN | EHLO_STARTTLS | EHLO_ENHANCEDSTATUSCODES |
	                 EHLO_8BITMIME | EHLO_DSN | EHLO_SMTPUTF8 |
	                 EHLO_CHUNKING);
	assert_int_equal(e.size, 10240000);
	assert_int_equal(e.auth, 0);
	assert_int_equal(e.nitems, 10);
	assert_item(&e, 0, "PIPELINING", "");
	assert_item(&e, 1, "SIZE", "10240000");
	assert_item(&e, 9, "CHUNKING", "");

	/* After STARTTLS Postfix offers AUTH, both ways. */
	parse_ehlo("250-mail.example.org\r\n"
	           "250-AUTH PLAIN LOGIN\r\n"
	           "250-AUTH=PLAIN LOGIN\r\n"
	           "250 REQUIRETLS\r\n", &e);
	assert_int_equal(e.exts, EHLO_AUTH | EHLO_REQUIRETLS);
	assert_int_equal(e.auth, AUTH_PLAIN | AUTH_LOGIN);
	assert_item(&e, 0, "AUTH", "PLAIN LOGIN");
	assert_item(&e, 1, "AUTH=PLAIN", "LOGIN");
}

static void test_ehlo_exchange(void **state)
{
	struct ehlo e;

	(void)state;
	parse_ehlo(exchange_ehlo, &e);
	assert_string_equal(e.host, "EX01.contoso.com");
	assert_int_equal(e.exts, EHLO_SIZE | EHLO_PIPELINING | EHLO_DSN |
	                 EHLO_ENHANCEDSTATUSCODES | EHLO_STARTTLS |
	                 EHLO_AUTH | EHLO_8BITMIME | EHLO_BINARYMIME |
	                 EHLO_CHUNKING);
	assert_int_equal(e.size, 37748736);
	/* NTLM is not one we know; GSSAPI under X-EXPS is not AUTH. */
	assert_int_equal(e.auth, AUTH_LOGIN | AUTH_OTHER);
	assert_int_equal(e.nitems, 14);
	assert_item(&e, 5, "X-ANONYMOUSTLS", "");
	assert_item(&e, 6, "AUTH", "NTLM LOGIN");
	assert_item(&e, 7, "X-EXPS", "GSSAPI NTLM");
	assert_item(&e, 11, "XEXCH50", "");
	assert_item(&e, 12, "XRDST", "");
	assert_item(&e, 13, "XSHADOWREQUEST", "");
}

static void test_ehlo_auth(void **state)
{
	struct ehlo e;

	(void)state;
	parse_ehlo("250-mx\r\n250 AUTH=PLAIN LOGIN\r\n", &e);
	assert_int_equal(e.exts, EHLO_AUTH);
	assert_int_equal(e.auth, AUTH_PLAIN | AUTH_LOGIN);

	parse_ehlo("250-mx\r\n250 auth=login\r\n", &e);
	assert_int_equal(e.exts, EHLO_AUTH);
	assert_int_equal(e.auth, AUTH_LOGIN);
	assert_item(&e, 0, "AUTH=LOGIN", "");

	parse_ehlo("250-mx\r\n250 Auth cram-md5  XOAUTH2 OAUTHBEARER\r\n", &e);
	assert_int_equal(e.exts, EHLO_AUTH);
	assert_int_equal(e.auth, AUTH_CRAM_MD5 | AUTH_XOAUTH2 | AUTH_OTHER);
	assert_item(&e, 0, "AUTH", "cram-md5  XOAUTH2 OAUTHBEARER");

	/* AUTH with no mechanism: offered, but nothing usable. */
	parse_ehlo("250-mx\r\n250 AUTH\r\n", &e);
	assert_int_equal(e.exts, EHLO_AUTH);
	assert_int_equal(e.auth, 0);

	/* Words that merely start like AUTH are not it. */
	parse_ehlo("250-mx\r\n250-AUTHX PLAIN\r\n250 XAUTH PLAIN\r\n", &e);
	assert_int_equal(e.exts, 0);
	assert_int_equal(e.auth, 0);
	assert_int_equal(e.nitems, 2);
}

static void test_ehlo_size(void **state)
{
	static const struct {
		const char *line;
		uint64_t size;
	} cases[] = {
		{ "250 SIZE 52428800\r\n", 52428800 },
		{ "250 size 1\r\n", 1 },
		{ "250 SIZE\r\n", 0 },
		{ "250 SIZE 0\r\n", 0 },
		{ "250 SIZE abc\r\n", 0 },
		{ "250 SIZE -1\r\n", 0 },
		{ "250 SIZE +5\r\n", 0 },
		{ "250 SIZE 12k\r\n", 0 },
		{ "250 SIZE 18446744073709551615\r\n", UINT64_MAX },
		{ "250 SIZE 18446744073709551616\r\n", 0 },
		{ "250 SIZE 99999999999999999999999999\r\n", 0 },
		{ "250 SIZE  2048 extra\r\n", 2048 },
	};
	char buf[128];
	struct ehlo e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf, "250-mx.example.org\r\n%s",
		         cases[i].line);
		parse_ehlo(buf, &e);
		assert_int_equal(e.exts, EHLO_SIZE);
		if (e.size != cases[i].size)
			fail_msg("%s: size %llu", cases[i].line,
			         (unsigned long long)e.size);
	}
}

static void test_ehlo_items(void **state)
{
	struct ehlo e;
	char *s, *w, word[300];
	size_t i;

	(void)state;
	/* Keywords upper-cased, parameters as sent. */
	parse_ehlo("250-mx.example.org greets [192.0.2.1]\r\n"
	           "250-x-foo  bar Baz=1 \r\n"
	           "250-Etrn\r\n"
	           "250 vrfy\r\n", &e);
	assert_string_equal(e.host, "mx.example.org");
	assert_int_equal(e.exts, EHLO_ETRN | EHLO_VRFY);
	assert_int_equal(e.nitems, 3);
	assert_item(&e, 0, "X-FOO", "bar Baz=1 ");
	assert_item(&e, 1, "ETRN", "");
	assert_item(&e, 2, "VRFY", "");

	/* A lone first line: the host only. */
	parse_ehlo("250 mx.example.org\r\n", &e);
	assert_string_equal(e.host, "mx.example.org");
	assert_int_equal(e.nitems, 0);
	parse_ehlo("250\r\n", &e);
	assert_string_equal(e.host, "");

	/* Everything bounded: host, keyword, parameters, item count; and the
	 * extensions past the last item still count. */
	s = malloc(200 * 64 + 4096);
	assert_non_null(s);
	memset(word, 'h', sizeof word);
	word[sizeof word - 1] = '\0';
	w = s + sprintf(s, "250-%s\r\n", word);
	word[100] = '\0';
	w += sprintf(w, "250-K%s P%s\r\n", word, word);
	w += sprintf(w, "250-KEY %s%s%s\r\n", word, word, word);
	for (i = 0; i < 70; i++)
		w += sprintf(w, "250-X-ITEM%zu %zu\r\n", i, i);
	sprintf(w, "250 STARTTLS\r\n");
	parse_ehlo(s, &e);
	assert_int_equal(strlen(e.host), sizeof e.host - 1);
	assert_int_equal(e.nitems, EHLO_ITEMS_MAX);
	assert_int_equal(strlen(e.items[0].keyword),
	                 sizeof e.items[0].keyword - 1);
	assert_memory_equal(e.items[0].keyword, "KHHH", 4);
	assert_int_equal(strlen(e.items[0].params), 101);
	assert_int_equal(strlen(e.items[1].params),
	                 sizeof e.items[1].params - 1);
	assert_item(&e, 2, "X-ITEM0", "0");
	assert_item(&e, EHLO_ITEMS_MAX - 1, "X-ITEM21", "21");
	assert_int_equal(e.exts, EHLO_STARTTLS);
	free(s);

	/* A control byte ends the host name. */
	parse_ehlo("250-mx\x1b[2Jevil more\r\n250 DSN\r\n", &e);
	assert_string_equal(e.host, "mx");
}

/* The kept text of one reply is bounded in bytes too, not only in lines:
 * 100 lines of 4 KB would hold 400 KB per session. */
static void test_reply_bytes_max(void **state)
{
	char *s, *w, line[4001];
	struct reply *r;
	size_t i, maxb, kept = 0;

	(void)state;
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	s = malloc((size_t)60 * 4010);
	assert_non_null(s);
	w = s;
	for (i = 0; i < 59; i++)
		w += sprintf(w, "250-%s\r\n", line);
	sprintf(w, "250 last\r\n");
	r = parse3(s, strlen(s), NULL, &maxb);
	assert_true(r->flags & REPLY_F_TOO_MANY_LINES);
	assert_int_equal(r->code, 250);
	assert_int_equal(r->raw_len, strlen(s));
	for (i = 0; i < r->nlines; i++)
		kept += r->lines[i].len;
	assert_true(kept <= REPLY_BYTES_MAX);
	assert_true(r->nlines >= 3 && r->nlines < 59);
	assert_true(maxb <= REPLY_BYTES_MAX + REPLY_LINE_HARD + 16);
	reply_free(r);
	free(s);
}

/* An AUTH line cut at REPLY_LINE_HARD says so; a keyword with a control
 * byte is kept escaped, never as the keyword it resembles. */
static void test_ehlo_cut_and_escaped(void **state)
{
	struct ehlo e;
	char *s, *w;
	size_t i;

	(void)state;
	s = malloc((size_t)5000 * 12 + 100);
	assert_non_null(s);
	w = s + sprintf(s, "250-mx\r\n250 AUTH ");
	for (i = 0; i < 5000; i++)
		w += sprintf(w, "X-M%zu ", i);
	sprintf(w, "PLAIN LOGIN\r\n");
	parse_ehlo(s, &e);
	assert_int_equal(e.exts, EHLO_AUTH);
	assert_int_equal(e.auth & (AUTH_PLAIN | AUTH_LOGIN), 0);
	assert_int_equal(e.auth_cut, 1);
	free(s);

	parse_ehlo("250-mx\r\n250 AUTH PLAIN LOGIN\r\n", &e);
	assert_int_equal(e.auth_cut, 0);
	assert_int_equal(e.auth, AUTH_PLAIN | AUTH_LOGIN);

	{
		static const char nul[] = "250-mx\r\n250 STARTTLS\0\r\n";
		struct reply *r = parse3(nul, sizeof nul - 1, NULL, NULL);

		assert_int_equal(reply_parse_ehlo(r, &e), 0);
		reply_free(r);
	}
	assert_int_equal(e.exts & EHLO_STARTTLS, 0);
	assert_int_equal(e.nitems, 1);
	assert_string_equal(e.items[0].keyword, "STARTTLS\\x00");
	parse_ehlo("250-mx\r\n250 x\\y\r\n", &e);
	assert_string_equal(e.items[0].keyword, "X\\\\Y");
}

static void test_ehlo_not_2xx(void **state)
{
	static const char *const replies[] = {
		"502 5.5.2 Error: command not recognized\r\n",
		"550 go away\r\n",
		"421 4.3.2 Service shutting down\r\n",
		"354 hm\r\n",
		"hello\r\n",
		"250-mx\r\n550 changed my mind\r\n",
		"999 x\r\n",
	};
	struct ehlo e;
	struct reply *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof replies / sizeof replies[0]; i++) {
		r = parse_all(replies[i]);
		assert_int_equal(reply_parse_ehlo(r, &e), -1);
		reply_free(r);
	}

	/* A mismatched reply whose final code is 2xx is still parsed. */
	r = parse_all("550-mx\r\n250 DSN\r\n");
	assert_int_equal(reply_parse_ehlo(r, &e), 0);
	assert_int_equal(e.exts, EHLO_DSN);
	reply_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_code_alone),
		cmocka_unit_test(test_enhanced),
		cmocka_unit_test(test_enhanced_parse),
		cmocka_unit_test(test_code_mismatch),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_bad_code),
		cmocka_unit_test(test_two_replies),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_random_input),
		cmocka_unit_test(test_ehlo_postfix),
		cmocka_unit_test(test_ehlo_exchange),
		cmocka_unit_test(test_ehlo_auth),
		cmocka_unit_test(test_ehlo_size),
		cmocka_unit_test(test_ehlo_items),
		cmocka_unit_test(test_ehlo_not_2xx),
		cmocka_unit_test(test_reply_bytes_max),
		cmocka_unit_test(test_ehlo_cut_and_escaped),
	};

	return cmocka_run_group_tests_name("reply", tests, NULL, NULL);
}
