/*
 * explain: replies, DSNs, human-readable bounces and headers read into
 * recipients, hops and authentication results (src/explain.c), and the
 * renderings that show them safely (src/report_explain.c).
 *
 * The real Postfix bounces in tests/explain/real/ were made by
 * tests/explain/postfix-bounces.sh; the samples in tests/explain/samples/
 * were written from the public descriptions of each format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailflow/checklist.h"
#include "mailflow/codes.h"
#include "mailflow/defaults.h"
#include "mailflow/explain.h"
#include "mailflow/report_explain.h"
#include "mailflow/xmalloc.h"

#include "fixture_domain.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Parses a file; fails the test when it cannot be explained. */
static struct explain *parse_file(const char *path)
{
	struct explain *ex = explain_new();
	char *cause = NULL, *buf;
	size_t len;

	buf = slurp(path, &len);
	if (explain_parse(buf, len, ex, &cause) < 0)
		fail_msg("%s: %s", path, cause);
	free(buf);
	return ex;
}

static struct explain *parse_text(const char *s, char **cause)
{
	struct explain *ex = explain_new();

	if (explain_parse(s, strlen(s), ex, cause) < 0) {
		explain_free(ex);
		return NULL;
	}
	return ex;
}

/* What the knowledge base makes of r, the meaning every view shows. */
static const char *meaning(const struct explain_rcpt *r)
{
	struct code_explanation ce;

	codes_explain_cmd(r->cmd, r->code, r->enhanced, r->text, &ce);
	return ce.best != NULL ? ce.best->meaning : "";
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- real Postfix bounces ----------------------------------------------- */

static void test_postfix_failed(void **state)
{
	struct explain *ex = parse_file("tests/explain/real/postfix-failed.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->kind, EXPLAIN_KIND_DSN);
	assert_int_equal(ex->source, EXPLAIN_SRC_POSTFIX);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(r->address, "nobody@refuse.test");
	assert_int_equal(r->action, EXPLAIN_ACTION_FAILED);
	assert_int_equal(r->code, 550);
	assert_string_equal(r->enhanced, "5.1.1");
	assert_string_equal(r->status, "5.1.1");
	assert_int_equal(r->cmd, CODES_CMD_RCPT);        /* from the text part */
	assert_string_equal(r->remote_mta, "127.0.22.2");
	assert_non_null(strstr(r->text, "User unknown in local recipient table"));
	assert_int_equal(r->permanence, EXPLAIN_PERM_PERMANENT);
	assert_int_equal(r->side, EXPLAIN_SIDE_RECIPIENT);
	assert_string_equal(ex->reporting_mta, "mail.sender.test");
	assert_string_equal(ex->original_subject, "Quarterly report");
	assert_string_equal(ex->subject, "Undelivered Mail Returned to Sender");
	assert_non_null(strstr(meaning(r), "Unknown user"));
	assert_string_equal(explain_rcpt_domain(r), "refuse.test");
	explain_free(ex);
}

static void test_postfix_delayed(void **state)
{
	struct explain *ex = parse_file("tests/explain/real/postfix-delayed.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->kind, EXPLAIN_KIND_DSN);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(r->address, "later@refuse.test");
	assert_int_equal(r->action, EXPLAIN_ACTION_DELAYED);
	assert_int_equal(r->code, 450);
	assert_string_equal(r->enhanced, "4.2.0");
	assert_int_equal(r->permanence, EXPLAIN_PERM_TEMPORARY);
	/* The continuation lines of the Diagnostic-Code are joined. */
	assert_non_null(strstr(r->text, "rejected: Mailbox temporarily unavailable"));
	assert_string_equal(ex->original_subject, "Meeting on Friday");
	explain_free(ex);
}

/* A 4xx until the queue lifetime ran out: failed, yet temporary. */
static void test_postfix_expired(void **state)
{
	struct explain *ex = parse_file("tests/explain/real/postfix-expired.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(r->action, EXPLAIN_ACTION_FAILED);
	assert_int_equal(r->code, 450);
	assert_int_equal(r->permanence, EXPLAIN_PERM_TEMPORARY);
	explain_free(ex);
}

/* A real Exim bounce: an mbox "From " line first, Action before
 * Final-Recipient in the DSN, the text part's command. */
static void test_exim_real(void **state)
{
	struct explain *ex = parse_file("tests/explain/real/exim-failed.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->kind, EXPLAIN_KIND_DSN);
	assert_int_equal(ex->source, EXPLAIN_SRC_EXIM);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(r->address, "nobody@refuse.test");
	assert_string_equal(r->status, "5.0.0");
	assert_int_equal(r->code, 550);
	assert_string_equal(r->enhanced, "5.1.1");      /* the reply's, not the status' */
	assert_int_equal(r->cmd, CODES_CMD_RCPT);
	assert_string_equal(r->remote_mta, "127.0.22.2");
	assert_string_equal(ex->reporting_mta, "mail.exim-sender.test");
	assert_string_equal(ex->original_subject, "Budget");
	explain_free(ex);
}

static void test_dsn_field_order(void **state)
{
	char *cause = NULL;
	struct explain *ex = parse_text(
		"Content-Type: message/delivery-status\n\nReporting-MTA: dns; a.example\n\n"
		"Action: delayed\nStatus: 4.4.1\nFinal-Recipient: rfc822; s@example.net\n"
		"Diagnostic-Code: smtp; 451 4.4.1 no answer\n  from host\n", &cause);

	(void)state;
	assert_non_null(ex);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(ex->rcpts[0].address, "s@example.net");
	assert_int_equal(ex->rcpts[0].action, EXPLAIN_ACTION_DELAYED);
	assert_string_equal(ex->rcpts[0].status, "4.4.1");
	assert_string_equal(ex->rcpts[0].text, "451 4.4.1 no answer from host");
	assert_int_equal(ex->rcpts[0].side, EXPLAIN_SIDE_WAIT);
	explain_free(ex);
}

/* ---- samples written from the public formats ---------------------------- */

static void test_m365(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/m365.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->kind, EXPLAIN_KIND_DSN);
	assert_int_equal(ex->source, EXPLAIN_SRC_EXCHANGE);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(r->address, "erik@fabrikam.example");
	assert_int_equal(r->code, 550);
	assert_string_equal(r->enhanced, "5.1.10");
	assert_non_null(strstr(r->text, "RESOLVER.ADR.RecipientNotFound"));
	assert_int_equal(r->permanence, EXPLAIN_PERM_PERMANENT);
	assert_int_equal(r->side, EXPLAIN_SIDE_RECIPIENT);
	assert_non_null(strstr(meaning(r), "Unknown user"));
	assert_string_equal(ex->original_subject, "Invoice 2026-11");
	/* No Remote-MTA: the server that wrote the NDR gave the reply. */
	assert_string_equal(r->remote_mta, "AM0PR01MB1234.eurprd01.prod.exchangelabs.com");
	assert_int_equal(r->remote_is_reporter, 1);
	explain_free(ex);
}

/* The Reporting-MTA is the host to test only when the bounce quotes a
 * reply and names no server: not for the sender's own "no such domain",
 * not over a Remote-MTA, not when it is no host name. One DSN per case:
 * its Reporting-MTA and per-recipient fields, what remote_mta becomes. */
static void reporter_case(const char *reporter, const char *fields, int code,
                          const char *remote, int is_reporter)
{
	char buf[2048], *cause = NULL;
	struct explain *ex;

	snprintf(buf, sizeof buf,
	         "From: MAILER-DAEMON@mail.sender.example\n"
	         "MIME-Version: 1.0\n"
	         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
	         "--b\nContent-Type: message/delivery-status\n\n"
	         "Reporting-MTA: dns; %s\n\n%s\n--b--\n", reporter, fields);
	ex = parse_text(buf, &cause);
	assert_non_null(ex);
	assert_int_equal(ex->rcpts[0].code, code);
	assert_string_equal(ex->rcpts[0].remote_mta, remote);
	assert_int_equal(ex->rcpts[0].remote_is_reporter, is_reporter);
	explain_free(ex);
	free(cause);
}

static void test_reporter_as_remote(void **state)
{
	(void)state;
	reporter_case("mail.sender.example",
	              "Final-Recipient: rfc822; a@gone.example\nAction: failed\nStatus: 5.4.4\n"
	              "Diagnostic-Code: X-Postfix; Host or domain name not found. Name service "
	              "error for name=gone.example type=MX\n", 0, "", 0);
	reporter_case("mx.rcpt.example",
	              "Final-Recipient: rfc822; a@rcpt.example\nAction: failed\nStatus: 5.1.1\n"
	              "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n", 550, "mx.rcpt.example", 1);
	reporter_case("mx.rcpt.example",
	              "Final-Recipient: rfc822; a@rcpt.example\nAction: failed\nStatus: 5.1.1\n"
	              "Remote-MTA: dns; mx2.rcpt.example\n"
	              "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n", 550, "mx2.rcpt.example",
	              0);
	reporter_case("mx [internal]",
	              "Final-Recipient: rfc822; a@rcpt.example\nAction: failed\nStatus: 5.1.1\n"
	              "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n", 550, "", 0);
}

static void test_exchange_2010(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/exchange-2010.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->kind, EXPLAIN_KIND_BOUNCE);
	assert_int_equal(ex->source, EXPLAIN_SRC_EXCHANGE);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(r->address, "gina@tailspin.example");
	assert_int_equal(r->code, 550);
	assert_string_equal(r->enhanced, "5.1.1");
	assert_string_equal(r->remote_mta, "mx1.tailspin.example");
	assert_string_equal(r->text, "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found");
	explain_free(ex);
}

static void test_gmail(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/gmail.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->kind, EXPLAIN_KIND_BOUNCE);
	assert_int_equal(ex->source, EXPLAIN_SRC_GMAIL);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(r->address, "ivan@wingtip.example");
	assert_int_equal(r->code, 550);
	assert_string_equal(r->enhanced, "5.1.1");
	/* quoted-printable decoded: the soft line break is gone. */
	assert_non_null(strstr(r->text, "User unknown in virtual mailbox table"));
	assert_int_equal(r->permanence, EXPLAIN_PERM_PERMANENT);
	explain_free(ex);
}

static void test_gmail_delayed(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/gmail-delayed.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->source, EXPLAIN_SRC_GMAIL);
	assert_string_equal(r->address, "jon@coho.example");
	assert_int_equal(r->action, EXPLAIN_ACTION_DELAYED);
	assert_int_equal(r->code, 0);
	assert_int_equal(r->permanence, EXPLAIN_PERM_TEMPORARY);
	assert_int_equal(r->side, EXPLAIN_SIDE_WAIT);
	assert_non_null(strstr(r->text, "did not accept our requests to connect"));
	explain_free(ex);
}

static void test_sendmail(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/sendmail.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->source, EXPLAIN_SRC_SENDMAIL);
	assert_int_equal(ex->nrcpts, 1);        /* the summary line is the same one */
	assert_string_equal(r->address, "lee@adatum.example");
	assert_int_equal(r->code, 550);
	assert_int_equal(r->cmd, CODES_CMD_RCPT);       /* from ">>> RCPT To:" */
	assert_string_equal(r->remote_mta, "mx.adatum.example");
	assert_int_equal(r->permanence, EXPLAIN_PERM_PERMANENT);
	explain_free(ex);
}

static void test_exim(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/exim.eml");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->source, EXPLAIN_SRC_EXIM);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(r->address, "mia@proseware.example");
	assert_string_equal(r->remote_mta, "mx.proseware.example");
	assert_string_equal(r->remote_ip, "198.51.100.7");
	assert_int_equal(r->cmd, CODES_CMD_RCPT);
	assert_int_equal(r->code, 552);
	assert_string_equal(r->enhanced, "5.2.2");
	/* A full mailbox: the recipient's side acts. */
	assert_int_equal(r->side, EXPLAIN_SIDE_RECIPIENT);
	assert_non_null(strstr(meaning(r), "full"));
	explain_free(ex);
}

static void test_headers(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/headers.eml");

	(void)state;
	assert_int_equal(ex->kind, EXPLAIN_KIND_HEADERS);
	assert_int_equal(ex->nrcpts, 0);
	assert_int_equal(ex->nhops, 4);
	/* Oldest first. */
	assert_string_equal(ex->hops[0].by, "app1.internal.relecloud.example");
	assert_string_equal(ex->hops[3].by, "imap.woodgrove.example");
	assert_string_equal(ex->hops[2].with, "ESMTPS");        /* not "cipher" */
	assert_true(ex->hops[2].tls);
	assert_false(ex->hops[1].tls);
	/* Hop 2 is dated before hop 1: a clock is wrong. */
	assert_true(ex->hops[1].skew);
	assert_int_equal(ex->hops[1].delay, -149);
	assert_int_equal(ex->slowest, 2);
	assert_int_equal(ex->hops[2].delay, 44 * 60 + 1);
	assert_int_equal(ex->total_delay, 41 * 60 + 50);
	assert_int_equal(ex->auth_verdict, EXPLAIN_AUTH_PASS);
	assert_int_equal(ex->nauth, 4);
	assert_string_equal(ex->auth[2].method, "dmarc");
	assert_string_equal(ex->auth[2].result, "pass");
	assert_string_equal(ex->authserv, "mx.woodgrove.example");
	/* The encoded word decoded. */
	assert_string_equal(ex->subject, "Weekly news \xe2\x80\x94 December");
	explain_free(ex);
}

static void test_auth_fail(void **state)
{
	char *cause = NULL;
	struct explain *ex = parse_text("Authentication-Results: mx.example.org; spf=fail "
	                                "smtp.mailfrom=x.example; dkim=none; DMARC=FAIL "
	                                "header.from=x.example\n\n", &cause);

	(void)state;
	assert_non_null(ex);
	assert_int_equal(ex->auth_verdict, EXPLAIN_AUTH_FAIL);
	assert_string_equal(ex->auth[2].method, "dmarc");
	assert_string_equal(ex->auth[2].result, "fail");
	explain_free(ex);
}

/* ---- pasted text ---------------------------------------------------------- */

static void test_reply_line(void **state)
{
	char *cause = NULL;
	struct explain *ex;

	(void)state;
	ex = parse_text("550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown "
	                "in local recipient table (in reply to RCPT TO command)", &cause);
	assert_non_null(ex);
	assert_int_equal(ex->kind, EXPLAIN_KIND_REPLY);
	assert_int_equal(ex->nrcpts, 1);
	assert_string_equal(ex->rcpts[0].address, "bob@example.com");
	assert_int_equal(ex->rcpts[0].cmd, CODES_CMD_RCPT);
	assert_int_equal(ex->rcpts[0].code, 550);
	assert_int_equal(ex->rcpts[0].permanence, EXPLAIN_PERM_PERMANENT);
	explain_free(ex);

	/* No address, no command: the reply alone, nothing to probe. */
	ex = parse_text("451 4.7.1 Greylisted, please try again in 300 seconds", &cause);
	assert_non_null(ex);
	assert_int_equal(ex->rcpts[0].code, 451);
	assert_string_equal(ex->rcpts[0].address, "");
	assert_null(explain_rcpt_domain(&ex->rcpts[0]));
	assert_int_equal(ex->rcpts[0].permanence, EXPLAIN_PERM_TEMPORARY);
	explain_free(ex);
}

static void test_postfix_pasted(void **state)
{
	struct explain *ex = parse_file("tests/explain/samples/postfix-pasted.txt");
	const struct explain_rcpt *r = &ex->rcpts[0];

	(void)state;
	assert_int_equal(ex->source, EXPLAIN_SRC_POSTFIX);
	assert_string_equal(r->address, "oli@blueyonder.example");
	assert_string_equal(r->remote_mta, "mx2.blueyonder.example");
	assert_string_equal(r->remote_ip, "192.0.2.80");
	assert_int_equal(r->code, 554);
	assert_string_equal(r->enhanced, "5.7.1");
	assert_int_equal(r->cmd, CODES_CMD_RCPT);
	assert_int_equal(r->side, EXPLAIN_SIDE_SENDER);
	explain_free(ex);
}

/* ---- bad input ---------------------------------------------------------- */

static void test_empty_binary_nothing(void **state)
{
	struct explain *ex = explain_new();
	char *cause = NULL;
	static const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";

	(void)state;
	assert_int_equal(explain_parse("", 0, ex, &cause), -1);
	assert_non_null(strstr(cause, "empty"));
	free(cause);
	assert_int_equal(explain_parse(" \r\n\n\t", 5, ex, &cause), -1);
	assert_non_null(strstr(cause, "empty"));
	free(cause);
	assert_int_equal(explain_parse(bin, sizeof bin - 1, ex, &cause), -1);
	assert_non_null(strstr(cause, "binary"));
	free(cause);
	assert_int_equal(explain_parse("hello there", 11, ex, &cause), -1);
	assert_non_null(strstr(cause, "nothing to explain"));
	free(cause);
	explain_free(ex);
}

/* Builds a MIME bomb: depth levels of nesting, or one multipart with
 * parts parts, around a DSN. */
static char *mime_bomb(size_t depth, size_t parts, size_t *len)
{
	size_t cap = 64 + depth * 120 + parts * 80 + 512, n = 0, i;
	char *b = xmalloc(cap);

	n += (size_t)snprintf(b + n, cap - n, "From: x@example.org\nSubject: bomb\n");
	for (i = 0; i < depth; i++)
		n += (size_t)snprintf(b + n, cap - n,
		                      "Content-Type: multipart/mixed; boundary=\"b%zu\"\n\n--b%zu\n", i, i);
	n += (size_t)snprintf(b + n, cap - n, "Content-Type: multipart/report; boundary=\"w\"\n\n");
	for (i = 0; i < parts; i++)
		n += (size_t)snprintf(b + n, cap - n, "--w\nContent-Type: text/plain\n\npart %zu\n", i);
	n += (size_t)snprintf(b + n, cap - n, "--w\nContent-Type: message/delivery-status\n\n"
	                      "Final-Recipient: rfc822; z@example.net\nAction: failed\n"
	                      "Status: 5.1.1\n\n--w--\n");
	*len = n;
	return b;
}

static void test_mime_bombs(void **state)
{
	struct explain *ex = explain_new();
	struct timespec t0;
	char *cause = NULL, *b;
	size_t len;

	(void)state;
	/* 10,000 levels deep: not given to the MIME parser, which recurses. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b = mime_bomb(10000, 1, &len);
	assert_int_equal(explain_parse(b, len, ex, &cause), 0);
	assert_true(ex->flags & EXPLAIN_F_NESTED);
	free(b);
	/* 10,000 parts side by side: only DEFAULT_EXPLAIN_PARTS_MAX walked. */
	b = mime_bomb(0, 10000, &len);
	assert_int_equal(explain_parse(b, len, ex, &cause), 0);
	assert_true(ex->flags & EXPLAIN_F_PARTS);
	assert_true(ex->parts <= DEFAULT_EXPLAIN_PARTS_MAX + 1);
	assert_string_equal(ex->rcpts[0].address, "z@example.net");
	free(b);
	/* A modest one is parsed whole: the DSN inside is found. */
	b = mime_bomb(3, 5, &len);
	assert_int_equal(explain_parse(b, len, ex, &cause), 0);
	assert_int_equal(ex->flags & (EXPLAIN_F_NESTED | EXPLAIN_F_PARTS), 0);
	assert_int_equal(ex->kind, EXPLAIN_KIND_DSN);
	assert_string_equal(ex->rcpts[0].address, "z@example.net");
	free(b);
	assert_true(seconds_since(&t0) < 20.0);
	explain_free(ex);
}

static void test_huge_inputs(void **state)
{
	struct explain *ex = explain_new();
	struct timespec t0;
	char *cause = NULL, *b;
	size_t len = 50u << 20, n;

	(void)state;
	/* 50 MB: a message whose body is one long run of text. */
	b = xmalloc(len);
	n = (size_t)snprintf(b, len, "Received: from a by b; Wed, 2 Dec 2026 10:00:00 +0000\n"
	                     "Subject: big\n\n");
	memset(b + n, 'a', len - n);
	for (size_t i = n + 1000; i < len; i += 1000)
		b[i] = '\n';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(explain_parse(b, len, ex, &cause), 0);
	assert_true(ex->flags & EXPLAIN_F_CUT);
	assert_int_equal(ex->input_len, len);
	assert_int_equal(ex->nhops, 1);
	/* A header line of 1 MB. */
	n = (size_t)snprintf(b, len, "Received: from ");
	memset(b + n, 'x', 1u << 20);
	n += 1u << 20;
	n += (size_t)snprintf(b + n, len - n, " by y; Wed, 2 Dec 2026 10:00:00 +0000\n"
	                      "Subject: long\n\nbody\n");
	assert_int_equal(explain_parse(b, n, ex, &cause), 0);
	assert_int_equal(ex->nhops, 1);
	assert_true(strlen(ex->hops[0].from) < EXPLAIN_HOST_MAX);
	assert_string_equal(ex->hops[0].by, "y");
	/* A text line of 1 MB with a reply at its start. */
	n = (size_t)snprintf(b, len, "550 5.1.1 <p@example.org> ");
	memset(b + n, 'y', 1u << 20);
	n += 1u << 20;
	assert_int_equal(explain_parse(b, n, ex, &cause), 0);
	assert_true(ex->flags & EXPLAIN_F_LONG_LINE);
	assert_string_equal(ex->rcpts[0].address, "p@example.org");
	assert_true(seconds_since(&t0) < 30.0);
	free(b);
	explain_free(ex);
}

static void test_unknown_charset(void **state)
{
	static const char msg[] =
		"From: m@example.org\nSubject: x\nMIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=x-no-such-charset\n\n"
		"This is the mail system at host mail.example.org.\n\n"
		"<q@example.net>: host mx.example.net[192.0.2.9] said: 550 5.1.1 unknown \xff\xfe"
		" user (in reply to RCPT TO command)\n";
	struct explain *ex = explain_new();
	char *cause = NULL;

	(void)state;
	assert_int_equal(explain_parse(msg, sizeof msg - 1, ex, &cause), 0);
	assert_true(ex->flags & EXPLAIN_F_CHARSET);
	assert_string_equal(ex->rcpts[0].address, "q@example.net");
	assert_int_equal(ex->rcpts[0].code, 550);
	explain_free(ex);
}

/* ---- renderings: nothing from the input reaches the terminal raw --------- */

static char *render_text(const struct explain *ex)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	report_explain_text(f, ex, 0);
	fclose(f);
	return buf;
}

static void test_text_escaped(void **state)
{
	static const char msg[] =
		"From: \x1b]0;pwned\x07 <m@example.org>\nSubject: \x1b[2Jhi\n\n"
		"<r@example.net>: host mx.example.net[192.0.2.9] said: 550 5.1.1 \x1b[31mred\x9b"
		"\xe2\x80\xae (in reply to RCPT TO command)\n";
	struct explain *ex = explain_new();
	char *cause = NULL, *out;

	(void)state;
	assert_int_equal(explain_parse(msg, sizeof msg - 1, ex, &cause), 0);
	out = render_text(ex);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	assert_null(strstr(out, "\xe2\x80\xae"));       /* RIGHT-TO-LEFT OVERRIDE */
	assert_non_null(strstr(out, "\\e[31mred"));
	assert_non_null(strstr(out, "Who acts: the recipient's side"));
	assert_non_null(strstr(out, "Next step: "));
	free(out);
	explain_free(ex);
}

static void test_json_document(void **state)
{
	struct explain *ex = parse_file("tests/explain/real/postfix-failed.eml");
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	(void)state;
	report_explain_json_document(f, ex, "bounce.eml");
	fclose(f);
	assert_non_null(strstr(buf, "\"explain\":{\"kind\":\"dsn\",\"source\":\"postfix\""));
	assert_non_null(strstr(buf, "\"address\":\"nobody@refuse.test\""));
	assert_non_null(strstr(buf, "\"permanence\":\"permanent\",\"side\":\"recipient\""));
	assert_non_null(strstr(buf, "\"now\":{\"state\":\"not-probed\"}"));
	free(buf);
	explain_free(ex);
}

/* checklist_rcpt_now() over the two host.rcpt items with these verdicts. */
static enum checklist_now now_of(struct checklist *c, enum verdict v1, enum verdict v2,
                                 const struct check_item **it)
{
	c->items[1].verdict = v1;
	c->items[2].verdict = v2;
	return checklist_rcpt_now(c, it);
}

/* The state now, from the host.rcpt verdicts the checklist decided. */
static void test_rcpt_now(void **state)
{
	struct check_item items[3];
	struct checklist c = { items, 3 };
	const struct check_item *it = NULL;

	(void)state;
	memset(items, 0, sizeof items);
	items[0].id = "dns.mx";
	items[0].host = items[0].addr = -1;
	items[1].id = "host.rcpt";
	items[1].code = 250;
	items[2].id = "host.rcpt";
	items[2].code = 550;
	/* One host still refuses: refused, whatever the others say. */
	assert_int_equal(now_of(&c, V_PASS, V_FAIL, &it), CHECKLIST_NOW_REFUSED);
	assert_ptr_equal(it, &items[2]);
	assert_int_equal(now_of(&c, V_PASS, V_WARN, &it), CHECKLIST_NOW_DEFERRED);
	assert_int_equal(now_of(&c, V_PASS, V_PASS, &it), CHECKLIST_NOW_ACCEPTED);
	assert_int_equal(now_of(&c, V_SKIP, V_SKIP, &it), CHECKLIST_NOW_UNTESTED);
	assert_ptr_equal(it, &items[1]);
	c.n = 1;        /* no session at all: the MX item says why */
	assert_int_equal(checklist_rcpt_now(&c, &it), CHECKLIST_NOW_UNTESTED);
	assert_ptr_equal(it, &items[0]);
	assert_string_equal(checklist_now_name(CHECKLIST_NOW_REFUSED), "refused");
}

/* two.example: mx1 (pref 10) accepts ghost@, mx2 (pref 20) refuses it. */
static void two_mx_build(struct checklist *c)
{
	struct model_session *s;

	domain_init("ghost@two.example");
	host_add("mx1.two.example", 10, "192.0.2.1");
	s = host_add("mx2.two.example", 20, "192.0.2.2");
	s->steps[STEP_RCPT].state = STEP_REJECTED;
	s->steps[STEP_RCPT].reason = REASON_REFUSED;
	s->steps[STEP_RCPT].code = 550;
	snprintf(s->steps[STEP_RCPT].enhanced, 16, "5.1.1");
	snprintf(s->steps[STEP_RCPT].text, 256, "5.1.1 <ghost@two.example>: User unknown");
	checklist_build(&dom, c);
}

/* What the run on dom says now of the bounce's recipient, as text. */
static char *now_text(const char *bounce, const struct checklist *c)
{
	struct explain *ex = explain_new();
	char *cause = NULL, *buf = NULL;
	size_t size = 0;
	FILE *f;

	assert_int_equal(explain_parse(bounce, strlen(bounce), ex, &cause), 0);
	f = open_memstream(&buf, &size);
	assert_non_null(f);
	report_explain_now_text(f, ex, &dom, c);
	report_explain_json(f, ex, &dom, c);
	fclose(f);
	explain_free(ex);
	return buf;
}

/* The host a bounce names, against the domain's hosts now: the model alone
 * decides (checklist_remote_find()). */
static void test_remote_find(void **state)
{
	struct checklist c;
	long host;

	(void)state;
	two_mx_build(&c);
	assert_int_equal(checklist_remote_find(&dom, "mx2.two.example", "", &host),
	                 CHECKLIST_REMOTE_MX);
	assert_int_equal(host, 1);
	assert_int_equal(checklist_remote_find(&dom, "MX1.Two.Example.", NULL, &host),
	                 CHECKLIST_REMOTE_MX);
	assert_int_equal(host, 0);
	/* By address: the bounce's [ip], or an address as the host's name. */
	assert_int_equal(checklist_remote_find(&dom, "internal-name", "192.0.2.2", &host),
	                 CHECKLIST_REMOTE_MX);
	assert_int_equal(host, 1);
	assert_int_equal(checklist_remote_find(&dom, "192.0.2.1", "", &host),
	                 CHECKLIST_REMOTE_MX);
	assert_int_equal(host, 0);
	assert_int_equal(checklist_remote_find(&dom, "mx.old.two.example", "198.51.100.1", &host),
	                 CHECKLIST_REMOTE_NOT_MX);
	assert_int_equal(host, -1);
	/* A name that only ends like an MX host is another host. */
	assert_int_equal(checklist_remote_find(&dom, "xmx1.two.example", "", &host),
	                 CHECKLIST_REMOTE_NOT_MX);
	assert_int_equal(checklist_remote_find(&dom, "", "", &host), CHECKLIST_REMOTE_UNNAMED);
	/* -s: no MX lookup ran, the host given is the only one. */
	dom.mx.done = 0;
	assert_int_equal(checklist_remote_find(&dom, "mx1.two.example", "", &host),
	                 CHECKLIST_REMOTE_ALONE);
	assert_int_equal(checklist_remote_find(&dom, "mx.old.two.example", "", &host),
	                 CHECKLIST_REMOTE_OTHER);
	/* The MX lookup failed: not known. */
	dom.mx.done = 1;
	dom.mx.status = DNS_SERVFAIL;
	assert_int_equal(checklist_remote_find(&dom, "mx.old.two.example", "", &host),
	                 CHECKLIST_REMOTE_NO_MX);
	assert_string_equal(checklist_remote_name(CHECKLIST_REMOTE_NOT_MX), "not-mx");
	checklist_free(&c);
	model_domain_free(&dom);
}

/* The state now quotes the probe of the host the bounce names when it is
 * an MX, and says plainly when it is not one. */
static void test_remote_now(void **state)
{
	struct checklist c;
	const struct check_item *it = NULL;
	char *out;

	(void)state;
	two_mx_build(&c);
	/* The domain as a whole: one host refuses. */
	assert_int_equal(checklist_rcpt_now(&c, &it), CHECKLIST_NOW_REFUSED);
	/* Host by host. */
	assert_int_equal(checklist_rcpt_now_at(&c, 0, &it), CHECKLIST_NOW_ACCEPTED);
	assert_int_equal(it->host, 0);
	assert_int_equal(checklist_rcpt_now_at(&c, 1, &it), CHECKLIST_NOW_REFUSED);
	assert_int_equal(it->code, 550);
	assert_int_equal(checklist_rcpt_now_at(&c, 7, &it), CHECKLIST_NOW_UNTESTED);
	assert_null(it);

	/* The bounce came from mx1, which accepts now: that is the answer. */
	out = now_text("<ghost@two.example>: host mx1.two.example[192.0.2.1] said: 550 5.1.1 "
	               "User unknown (in reply to RCPT TO command)\n", &c);
	assert_non_null(strstr(out, "Now: ghost@two.example: the server accepts this recipient "
	                       "now: the problem has gone (send again): 250"));
	assert_non_null(strstr(out, "from mx1.two.example (the host the bounce names)"));
	assert_null(strstr(out, "not an MX"));
	assert_non_null(strstr(out, "\"now\":{\"state\":\"accepted\",\"remote\":\"mx\""));
	free(out);

	/* From mx2, which still refuses. */
	out = now_text("<ghost@two.example>: host mx2.two.example[192.0.2.2] said: 550 5.1.1 "
	               "User unknown (in reply to RCPT TO command)\n", &c);
	assert_non_null(strstr(out, "still refuses this recipient: 550 5.1.1 (the same reply as "
	                       "in the bounce) from mx2.two.example (the host the bounce names)"));
	free(out);

	/* From a host that is no MX of the domain now: said, and the
	 * domain's answer is the one quoted. */
	out = now_text("<ghost@two.example>: host mx.old.two.example[198.51.100.1] said: 550 "
	               "5.1.1 User unknown (in reply to RCPT TO command)\n", &c);
	assert_non_null(strstr(out, "still refuses this recipient: 550 5.1.1"));
	assert_non_null(strstr(out, "The bounce names mx.old.two.example, which is not an MX "
	                       "of two.example now"));
	assert_non_null(strstr(out, "\"remote\":\"not-mx\""));
	free(out);

	/* A DSN's Remote-MTA, by the same rules. */
	out = now_text("Reporting-MTA: dns; mail.sender.example\n\n"
	               "Final-Recipient: rfc822; ghost@two.example\nAction: failed\n"
	               "Status: 5.1.1\nRemote-MTA: dns; mx1.two.example\n"
	               "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n", &c);
	assert_non_null(strstr(out, "accepts this recipient now"));
	free(out);
	checklist_free(&c);
	model_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_failed),
		cmocka_unit_test(test_postfix_delayed),
		cmocka_unit_test(test_postfix_expired),
		cmocka_unit_test(test_exim_real),
		cmocka_unit_test(test_dsn_field_order),
		cmocka_unit_test(test_m365),
		cmocka_unit_test(test_reporter_as_remote),
		cmocka_unit_test(test_exchange_2010),
		cmocka_unit_test(test_gmail),
		cmocka_unit_test(test_gmail_delayed),
		cmocka_unit_test(test_sendmail),
		cmocka_unit_test(test_exim),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_auth_fail),
		cmocka_unit_test(test_reply_line),
		cmocka_unit_test(test_postfix_pasted),
		cmocka_unit_test(test_empty_binary_nothing),
		cmocka_unit_test(test_mime_bombs),
		cmocka_unit_test(test_huge_inputs),
		cmocka_unit_test(test_unknown_charset),
		cmocka_unit_test(test_text_escaped),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_rcpt_now),
		cmocka_unit_test(test_remote_find),
		cmocka_unit_test(test_remote_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
