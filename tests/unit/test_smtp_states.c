#define _GNU_SOURCE /* memmem */
/*
 * The SMTP state machine without the lab: each test runs a real session
 * (smtp_session_start_fd) on the real loop against a scripted peer on the
 * other end of a socketpair, so every state's handler meets replies that
 * no real server sends on demand (EHLO 5xx, MAIL 451, a 421 banner, a
 * reply split across reads, plaintext after the STARTTLS 220, silence, a
 * close in the middle of a reply) and the routine's answer is checked in
 * the model (step state, reason, code), the transcript and what the peer
 * received.
 *
 * The peer's script is a list of { expected command prefix, reply, flags };
 * a '|' in a reply splits it into separate writes 20 ms apart. P_TLS makes
 * the peer a TLS server after its reply (a throwaway self-signed
 * certificate: the session records the failed verification and goes on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mailflow/checklist.h"
#include "mailflow/debug.h"
#include "mailflow/loop.h"
#include "mailflow/model.h"
#include "mailflow/reply.h"
#include "mailflow/report.h"
#include "mailflow/smtp.h"
#include "mailflow/tls.h"

#define P_CLOSE  0x1u   /* close the connection after the reply */
#define P_BODY   0x2u   /* after the reply, the lines up to "." are the body */
#define P_TLS    0x4u   /* after the reply, TLS (the peer is the server) */
#define P_SLOW   0x8u   /* the reply goes out 80 ms after the command came */
#define PEER_SLOW_MAX 8

struct peer_step {
	const char *expect;     /* prefix of the client's line; NULL: the banner */
	const char *reply;      /* NULL: say nothing */
	unsigned flags;
};

struct peer {
	struct loop *loop;
	int fd;
	struct loop_watch *watch;
	struct loop_timer *timer;
	const struct peer_step *script;
	size_t nsteps, at;
	const char *pending;    /* the rest of a split reply */
	unsigned pending_flags;
	char in[8192];
	size_t inlen;
	char received[16384];   /* every line the client sent, "\n" after each */
	size_t rlen;
	char body[8192];        /* the DATA body as received (dot-stuffed) */
	size_t blen;
	int in_body;
	char mismatch[256];     /* the first line that did not fit the script */
	int closed;
	SSL_CTX *sctx;          /* P_TLS: the server side */
	SSL *ssl;
	int tls_up;             /* the handshake is done */
	struct peer_slow {      /* P_SLOW replies on their way, each on its timer */
		struct peer *p;
		struct loop_timer *timer;
		const char *reply;
		unsigned flags;
	} slow[PEER_SLOW_MAX];
};

struct fx {
	struct loop *loop;
	struct peer peer;
	struct model_session *m;
	struct smtp_session *s;
	struct smtp_options opt;
	struct tls_ctx *tls;
	int done, manual;
	int wait_tls;           /* on_tls_wanted's answer: wait for DANE */
	int tls_asked;          /* how often on_tls_wanted was asked */
};

/* ---- the scripted peer ---------------------------------------------------- */

static void peer_close(struct peer *p)
{
	if (p->closed)
		return;
	p->closed = 1;
	loop_watch_remove(p->watch);
	p->watch = NULL;
	loop_timer_remove(p->timer);
	p->timer = NULL;
	for (size_t i = 0; i < PEER_SLOW_MAX; i++) {
		loop_timer_remove(p->slow[i].timer);
		p->slow[i].timer = NULL;
	}
	SSL_free(p->ssl);
	p->ssl = NULL;
	SSL_CTX_free(p->sctx);
	p->sctx = NULL;
	close(p->fd);
}

/* A server context with a fresh self-signed P-256 certificate. */
static SSL_CTX *peer_tls_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(ctx);
	assert_non_null(key);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           (const unsigned char *)"mx.target.test", -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void peer_start_tls(struct peer *p)
{
	p->sctx = peer_tls_ctx();
	p->ssl = SSL_new(p->sctx);
	assert_non_null(p->ssl);
	SSL_set_fd(p->ssl, p->fd);
	SSL_set_accept_state(p->ssl);
}

static void peer_write(struct peer *p, const char *buf, size_t n)
{
	if (p->ssl != NULL)
		assert_int_equal(SSL_write(p->ssl, buf, (int)n), (int)n);
	else
		assert_int_equal(write(p->fd, buf, n), (ssize_t)n);
}

static void peer_send(struct peer *p, const char *reply, unsigned flags);

static void on_peer_timer(struct loop_timer *t, void *arg)
{
	struct peer *p = arg;

	(void)t;
	p->timer = NULL;
	peer_send(p, p->pending, p->pending_flags);
}

/* Writes reply up to its next '|'; the rest follows 20 ms later. */
static void peer_send(struct peer *p, const char *reply, unsigned flags)
{
	const char *bar = strchr(reply, '|');
	size_t n = bar != NULL ? (size_t)(bar - reply) : strlen(reply);

	if (p->closed)
		return;
	peer_write(p, reply, n);
	if (bar != NULL) {
		p->pending = bar + 1;
		p->pending_flags = flags;
		p->timer = loop_timer_add(p->loop, 20, 0, on_peer_timer, p);
		return;
	}
	if (flags & P_CLOSE)
		peer_close(p);
	else if (flags & P_TLS)
		peer_start_tls(p);
}

static void on_peer_slow(struct loop_timer *t, void *arg)
{
	struct peer_slow *sl = arg;

	(void)t;
	sl->timer = NULL;
	peer_send(sl->p, sl->reply, sl->flags & ~P_SLOW);
}

/* A reply that comes late, while the client may already have sent more. */
static void peer_send_slow(struct peer *p, const char *reply, unsigned flags)
{
	size_t i;

	for (i = 0; i < PEER_SLOW_MAX && p->slow[i].timer != NULL; i++)
		;
	assert_true(i < PEER_SLOW_MAX);
	p->slow[i] = (struct peer_slow){ p, NULL, reply, flags };
	p->slow[i].timer = loop_timer_add(p->loop, 80, 0, on_peer_slow, &p->slow[i]);
}

static void peer_line(struct peer *p, const char *line)
{
	const struct peer_step *st;
	size_t n = strlen(line);

	if (p->rlen + n + 2 < sizeof p->received) {
		memcpy(p->received + p->rlen, line, n);
		p->received[p->rlen + n] = '\n';
		p->rlen += n + 1;
		p->received[p->rlen] = '\0';
	}
	if (p->in_body && strcmp(line, ".") != 0) {
		if (p->blen + n + 3 < sizeof p->body) {
			memcpy(p->body + p->blen, line, n);
			memcpy(p->body + p->blen + n, "\r\n", 3);
			p->blen += n + 2;
		}
		return;
	}
	p->in_body = 0;
	if (p->at >= p->nsteps) {
		if (p->mismatch[0] == '\0')
			snprintf(p->mismatch, sizeof p->mismatch, "after the script: %.200s", line);
		return;
	}
	st = &p->script[p->at++];
	if (strncmp(line, st->expect, strlen(st->expect)) != 0 && p->mismatch[0] == '\0')
		snprintf(p->mismatch, sizeof p->mismatch, "want %.100s, got %.100s", st->expect, line);
	if (st->flags & P_BODY)
		p->in_body = 1;
	if (st->reply != NULL && (st->flags & P_SLOW))
		peer_send_slow(p, st->reply, st->flags);
	else if (st->reply != NULL)
		peer_send(p, st->reply, st->flags);
	else if (st->flags & P_CLOSE)
		peer_close(p);
}

/* The lines in p->in, each to peer_line(). */
static void peer_lines(struct peer *p)
{
	char *eol;

	while (!p->closed && (eol = strstr(p->in, "\r\n")) != NULL) {
		size_t used = (size_t)(eol - p->in) + 2;

		*eol = '\0';
		peer_line(p, p->in);
		memmove(p->in, p->in + used, p->inlen - used + 1);
		p->inlen -= used;
	}
}

/* Reads what TLS has; 0 when it wants more, -1 when it is over. OpenSSL
 * may buffer a record: read until it wants more. */
static int peer_read_tls(struct peer *p)
{
	int n;

	if (!p->tls_up) {
		n = SSL_accept(p->ssl);
		if (n != 1)
			return SSL_get_error(p->ssl, n) == SSL_ERROR_WANT_READ ? 0 : -1;
		p->tls_up = 1;
	}
	while (!p->closed) {
		n = SSL_read(p->ssl, p->in + p->inlen, (int)(sizeof p->in - p->inlen - 1));
		if (n <= 0)
			return SSL_get_error(p->ssl, n) == SSL_ERROR_WANT_READ ? 0 : -1;
		p->inlen += (size_t)n;
		p->in[p->inlen] = '\0';
		peer_lines(p);
	}
	return 0;
}

static void on_peer(struct loop_watch *w, int fd, unsigned events, void *arg)
{
	struct peer *p = arg;
	ssize_t n;

	(void)w;
	(void)events;
	if (p->ssl != NULL) {
		ERR_clear_error();
		if (peer_read_tls(p) < 0)
			peer_close(p);
		return;
	}
	n = read(fd, p->in + p->inlen, sizeof p->in - p->inlen - 1);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		peer_close(p);
		return;
	}
	p->inlen += (size_t)n;
	p->in[p->inlen] = '\0';
	peer_lines(p);
}

/* ---- the fixture ----------------------------------------------------------- */

static void on_done(struct smtp_session *s, void *arg)
{
	struct fx *f = arg;

	(void)s;
	f->done = 1;
}

static void on_manual(struct smtp_session *s, void *arg)
{
	struct fx *f = arg;

	(void)s;
	f->manual = 1;
}

static int on_tls_wanted(struct smtp_session *s, void *arg)
{
	struct fx *f = arg;

	(void)s;
	f->tls_asked++;
	return f->wait_tls;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->loop = loop_new();
	f->opt.helo = "probe.test";
	f->opt.mail_from = "probe@probe.test";
	f->opt.rcpt_to = "postmaster@target.test";
	f->opt.tls = SMTP_TLS_AUTO;
	f->opt.timeout_ms = 2000;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	smtp_session_free(f->s);
	peer_close(&f->peer);
	model_session_free(f->m);
	loop_free(f->loop);
	tls_ctx_free(f->tls);
	free(f);
	return 0;
}

static void fx_start(struct fx *f, const struct peer_step *script, size_t n)
{
	static const struct smtp_callbacks cb = { NULL, NULL, on_done, on_manual, on_tls_wanted };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	f->peer.loop = f->loop;
	f->peer.fd = sv[1];
	f->peer.script = script;
	f->peer.nsteps = n;
	f->peer.watch = loop_watch_add(f->loop, sv[1], LOOP_READ, on_peer, &f->peer);
	f->m = calloc(1, sizeof *f->m);
	assert_non_null(f->m);
	snprintf(f->m->host, sizeof f->m->host, "mx.target.test");
	snprintf(f->m->addr, sizeof f->m->addr, "192.0.2.25");
	f->m->port = 25;
	if (n > 0 && script[0].expect == NULL) {
		f->peer.at = 1;
		peer_send(&f->peer, script[0].reply, script[0].flags);
	}
	f->s = smtp_session_start_fd(f->loop, f->m, &f->opt, &cb, f, sv[0]);
	assert_non_null(f->s);
}

/* Runs the loop until cond() holds (or fails the test after 5 s). */
static void fx_run_until(struct fx *f, int (*cond)(struct fx *f))
{
	uint64_t deadline = loop_clock_ms() + 5000;

	while (!cond(f)) {
		if (loop_clock_ms() > deadline)
			fail_msg("still in %s after 5 s", smtp_session_state(f->s));
		loop_run_once(f->loop, 50);
	}
}

static int is_done(struct fx *f)
{
	return f->done;
}

static int is_manual_turn(struct fx *f)
{
	return f->done || strcmp(smtp_session_state(f->s), "MANUAL") == 0;
}

/* Runs the session to its end; the peer must have followed its script. */
static void fx_run(struct fx *f)
{
	fx_run_until(f, is_done);
	/* Let the peer read what is still in flight (the QUIT, the close). */
	loop_run_once(f->loop, 20);
	if (f->peer.mismatch[0] != '\0')
		fail_msg("peer: %s\nreceived:\n%s", f->peer.mismatch, f->peer.received);
}

static const struct model_step *step(struct fx *f, enum model_step_id id)
{
	return &f->m->steps[id];
}

static void assert_step(struct fx *f, enum model_step_id id,
                        enum model_step_state st, enum model_reason reason)
{
	const struct model_step *x = step(f, id);

	if (x->state != st || x->reason != reason)
		fail_msg("%s: %s/%s (%s), want %s/%s", model_step_id(id),
		         model_step_state_name(x->state), model_reason_name(x->reason),
		         x->detail, model_step_state_name(st), model_reason_name(reason));
}

static int sent(struct fx *f, const char *line_prefix)
{
	const char *p = f->peer.received;
	size_t n = strlen(line_prefix);

	for (; *p != '\0'; p = strchr(p, '\n') + 1)
		if (strncmp(p, line_prefix, n) == 0)
			return 1;
	return 0;
}

/* Whether any transcript line holds needle. */
static int in_transcript(struct fx *f, const char *needle)
{
	size_t i;

	for (i = 0; i < f->m->nlines; i++)
		if (memmem(f->m->lines[i].bytes, f->m->lines[i].len, needle,
		           strlen(needle)) != NULL)
			return 1;
	return 0;
}

/* Whether the client sent exactly this line. */
static int sent_exact(struct fx *f, const char *line)
{
	const char *p = f->peer.received;
	size_t n = strlen(line);

	for (; *p != '\0'; p = strchr(p, '\n') + 1)
		if (strncmp(p, line, n) == 0 && p[n] == '\n')
			return 1;
	return 0;
}

/* A domain whose one MX host has the session as its one address, with
 * its checklist, as a run has them; fx_domain_free() leaves the session
 * to the fixture. */
static void fx_domain(struct fx *f, struct model_domain *d, struct checklist *c)
{
	struct target t;
	size_t hi, ai;

	assert_int_equal(target_parse("target.test", &t, NULL), 0);
	model_domain_init(d, &t);
	d->mx.done = 1;
	d->mx.status = DNS_OK;
	d->complete = 1;
	hi = model_host_add(d, "mx.target.test", 10);
	ai = model_address_add(&d->hosts[hi], "192.0.2.25", 4);
	d->hosts[hi].addrs[ai].session = f->m;
	checklist_build(d, c);
}

static void fx_domain_free(struct model_domain *d, struct checklist *c)
{
	checklist_free(c);
	d->hosts[0].addrs[0].session = NULL;
	model_domain_free(d);
}

/* The checklist item id of the session, judged as the run would. */
static void fx_check(struct fx *f, const char *id, struct check_item *out)
{
	struct model_domain d;
	struct checklist c;
	const struct check_item *it;

	fx_domain(f, &d, &c);
	it = checklist_find(&c, id, 0, 0);
	if (it == NULL)
		fail_msg("no checklist item %s", id);
	*out = *it;
	fx_domain_free(&d, &c);
}

/* The text report of the run (no transcripts: only the items' evidence),
 * malloc'd. */
static char *fx_text_report(struct fx *f)
{
	struct model_domain d;
	struct checklist c;
	struct report_options ro = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	fx_domain(f, &d, &c);
	report_batch_text(out, &d, &c, &ro);
	fclose(out);
	fx_domain_free(&d, &c);
	return buf;
}

/* The step's last transcript line: its final reply. */
static const struct model_line *step_last_line(struct fx *f, enum model_step_id id)
{
	const struct model_step *x = step(f, id);

	assert_true(x->line_to > x->line_from);
	assert_true(x->line_to <= f->m->nlines);
	return &f->m->lines[x->line_to - 1];
}

#define START(f, script) fx_start((f), (script), sizeof (script) / sizeof (script)[0])

/* A macro, not a const object: C allows only constants in an initializer. */
#define BANNER { NULL, "220 mx.target.test ESMTP\r\n", 0 }
#define EHLO_PLAIN { "EHLO probe.test", "250-mx.target.test\r\n250 8BITMIME\r\n", 0 }
#define QUIT_OK { "QUIT", "221 bye\r\n", P_CLOSE }

/* ---- EHLO ------------------------------------------------------------------ */

static void test_ehlo_5xx_helo(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "502 5.5.2 what is EHLO\r\n", 0 },
		{ "HELO probe.test", "250 mx.target.test\r\n", 0 },
		{ "MAIL FROM:<probe@probe.test>", "250 ok\r\n", 0 },
		{ "RCPT TO:<postmaster@target.test>", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	START(f, script);
	fx_run(f);
	assert_true(f->m->used_helo);
	assert_step(f, STEP_EHLO, STEP_OK, REASON_NONE);
	assert_int_equal(step(f, STEP_EHLO)->code, 250);
	assert_int_equal(f->m->ehlo.exts, 0);
	assert_step(f, STEP_RCPT, STEP_OK, REASON_NONE);
	assert_step(f, STEP_QUIT, STEP_OK, REASON_NONE);
}

static void test_ehlo_4xx_quit(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "451 4.3.0 try later\r\n", 0 },
		QUIT_OK,
	};

	START(f, script);
	fx_run(f);
	assert_step(f, STEP_EHLO, STEP_REJECTED, REASON_REFUSED);
	assert_int_equal(step(f, STEP_EHLO)->code, 451);
	assert_false(sent(f, "HELO"));
	assert_false(sent(f, "MAIL"));
	assert_true(sent(f, "QUIT"));
	assert_step(f, STEP_MAIL, STEP_NOT_RUN, REASON_NONE);
}

static void test_multiline_split(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		{ NULL, "220-mx.target.test ESMTP|\r\n220 second line\r\n", 0 },
		{ "EHLO probe.test", "250-mx.target.test\r\n250-PIPE|LINING\r\n250-SI|"
		  "ZE 1000\r\n|250 DSN\r\n", 0 },
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:<postmaster@target.test> NOTIFY=SUCCESS,FAILURE", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	START(f, script);
	fx_run(f);
	assert_step(f, STEP_BANNER, STEP_OK, REASON_NONE);
	assert_step(f, STEP_EHLO, STEP_OK, REASON_NONE);
	assert_true(f->m->ehlo.exts & EHLO_PIPELINING);
	assert_true(f->m->ehlo.exts & EHLO_DSN);
	assert_int_equal(f->m->ehlo.size, 1000);
	assert_true(f->m->notify_sent);
	assert_false(f->m->unsolicited);
}

/* ---- AUTH ------------------------------------------------------------------ */

/* "jane" / "s3cret-pw" */
#define USER_B64 "amFuZQ=="
#define PASS_B64 "czNjcmV0LXB3"

static const struct peer_step auth_login_script[] = {
	BANNER,
	{ "EHLO probe.test", "250-mx.target.test\r\n250 AUTH LOGIN\r\n", 0 },
	{ "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n", 0 },
	{ USER_B64, "334 UGFzc3dvcmQ6\r\n", 0 },
	{ PASS_B64, "235 2.7.0 ok\r\n", 0 },
	{ "MAIL FROM:", "250 ok\r\n", 0 },
	{ "RCPT TO:", "250 ok\r\n", 0 },
	{ "RSET", "250 ok\r\n", 0 },
	QUIT_OK,
};

static void assert_no_secret(struct fx *f)
{
	assert_false(in_transcript(f, "s3cret-pw"));
	assert_false(in_transcript(f, PASS_B64));
	assert_false(in_transcript(f, USER_B64));
}

static void test_auth_login(void **state)
{
	struct fx *f = *state;
	size_t i, masked = 0, username_note = 0;

	f->opt.auth_user = "jane";
	f->opt.auth_pass = "s3cret-pw";
	f->opt.allow_plaintext_auth = 1;
	START(f, auth_login_script);
	fx_run(f);
	assert_step(f, STEP_AUTH, STEP_OK, REASON_NONE);
	assert_int_equal(step(f, STEP_AUTH)->code, 235);
	assert_true(f->m->authenticated);
	assert_true(sent(f, USER_B64));
	assert_true(sent(f, PASS_B64));
	for (i = 0; i < f->m->nlines; i++) {
		masked += f->m->lines[i].masked;
		username_note += strcmp(f->m->lines[i].note, "(Username:)") == 0;
	}
	assert_int_equal(masked, 2);
	assert_int_equal(username_note, 1);
	assert_no_secret(f);
}

static void test_auth_plain_535(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 AUTH PLAIN LOGIN\r\n", 0 },
		/* base64 of "\0jane\0s3cret-pw" */
		{ "AUTH PLAIN AGphbmUAczNjcmV0LXB3", "535 5.7.8 bad credentials\r\n", 0 },
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	f->opt.auth_user = "jane";
	f->opt.auth_pass = "s3cret-pw";
	f->opt.allow_plaintext_auth = 1;
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_AUTH, STEP_REJECTED, REASON_REFUSED);
	assert_int_equal(step(f, STEP_AUTH)->code, 535);
	assert_false(f->m->authenticated);
	assert_true(in_transcript(f, "AUTH PLAIN ********"));
	assert_false(in_transcript(f, "AGphbmUAczNjcmV0LXB3"));
	assert_step(f, STEP_MAIL, STEP_OK, REASON_NONE);
}

static void test_auth_without_tls_policy(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 AUTH PLAIN\r\n", 0 },
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	f->opt.auth_user = "jane";
	f->opt.auth_pass = "s3cret-pw";
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_AUTH, STEP_SKIPPED, REASON_POLICY);
	assert_false(sent(f, "AUTH"));
}

/* The password is never answered: a timeout, not a refusal, and the
 * session still says QUIT. */
static void test_auth_password_silence(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 AUTH LOGIN\r\n", 0 },
		{ "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n", 0 },
		{ USER_B64, "334 UGFzc3dvcmQ6\r\n", 0 },
		{ PASS_B64, NULL, 0 },                 /* silence */
		QUIT_OK,
	};
	struct check_item it;

	f->opt.auth_user = "jane";
	f->opt.auth_pass = "s3cret-pw";
	f->opt.allow_plaintext_auth = 1;
	f->opt.timeout_ms = 100;
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_AUTH, STEP_FAILED, REASON_TIMEOUT);
	assert_int_equal(step(f, STEP_AUTH)->code, 0);
	assert_non_null(strstr(step(f, STEP_AUTH)->detail, "the password within 100 ms"));
	assert_false(f->m->authenticated);
	assert_true(sent(f, "QUIT"));
	assert_false(sent(f, "MAIL"));
	assert_step(f, STEP_QUIT, STEP_OK, REASON_NONE);
	assert_no_secret(f);
	fx_check(f, "host.auth", &it);
	assert_int_equal(it.verdict, V_FAIL);
	assert_null(strstr(it.title, "Authentication failed"));
	assert_non_null(strstr(it.title, "timeout"));
	assert_non_null(strstr(it.explanation, "the password within 100 ms"));
	assert_non_null(strstr(it.next, "timeout"));
	assert_null(strstr(it.explanation, "Authentication failed"));
}

/* AUTH LOGIN's user name prompt never comes; nor does the 221: QUIT
 * waits briefly and the session ends. */
static void test_auth_login_prompt_silence(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 AUTH LOGIN\r\n", 0 },
		{ "AUTH LOGIN", NULL, 0 },             /* silence */
		{ "QUIT", NULL, 0 },                   /* silence again */
	};
	uint64_t t0 = loop_clock_ms(), took;

	f->opt.auth_user = "jane";
	f->opt.auth_pass = "s3cret-pw";
	f->opt.allow_plaintext_auth = 1;
	f->opt.timeout_ms = 100;
	START(f, script);
	fx_run(f);
	took = loop_clock_ms() - t0;
	assert_step(f, STEP_AUTH, STEP_FAILED, REASON_TIMEOUT);
	assert_non_null(strstr(step(f, STEP_AUTH)->detail, "within 100 ms"));
	assert_true(sent(f, "QUIT"));
	assert_step(f, STEP_QUIT, STEP_FAILED, REASON_TIMEOUT);
	assert_true(took >= 200);
	assert_true(took < 2000);
	assert_no_secret(f);
}

/* ---- the transaction ------------------------------------------------------- */

static void test_mail_451_skips(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "451 4.3.0 local problem\r\n", 0 },
		QUIT_OK,
	};

	f->opt.send = 1;
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_MAIL, STEP_REJECTED, REASON_REFUSED);
	assert_step(f, STEP_RCPT, STEP_SKIPPED, REASON_EARLIER_STEP);
	assert_step(f, STEP_DATA, STEP_SKIPPED, REASON_EARLIER_STEP);
	assert_false(sent(f, "RCPT"));
	assert_false(sent(f, "RSET"));
	assert_step(f, STEP_QUIT, STEP_OK, REASON_NONE);
}

static void test_rcpt_550(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:<postmaster@target.test>", "550 5.1.1 no such user\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	f->opt.send = 1;
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_RCPT, STEP_REJECTED, REASON_REFUSED);
	assert_int_equal(step(f, STEP_RCPT)->code, 550);
	assert_string_equal(step(f, STEP_RCPT)->enhanced, "5.1.1");
	assert_step(f, STEP_DATA, STEP_SKIPPED, REASON_EARLIER_STEP);
	assert_false(sent(f, "DATA"));
	assert_step(f, STEP_RELAY, STEP_SKIPPED, REASON_BY_OPTION);
	assert_step(f, STEP_RSET, STEP_OK, REASON_NONE);
}

static void test_send_data(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "DATA", "354 go ahead\r\n", P_BODY },
		{ ".", "250 2.0.0 queued as X1\r\n", 0 },
		/* the relay test in a transaction of its own */
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:<relay@elsewhere.test>", "554 5.7.1 relay denied\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	f->opt.send = 1;
	f->opt.relay_to = "relay@elsewhere.test";
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_DATA, STEP_OK, REASON_NONE);
	assert_int_equal(step(f, STEP_DATA)->code, 250);
	/* The message's lone dot arrived dot-stuffed; the header is there. */
	assert_non_null(strstr(f->peer.body, "\r\n..\r\n"));
	assert_non_null(strstr(f->peer.body, "Message-ID: <mailflow."));
	assert_non_null(strstr(f->peer.body, "\r\nTo: <postmaster@target.test>\r\n"));
	assert_step(f, STEP_RELAY, STEP_REJECTED, REASON_REFUSED);
	assert_int_equal(step(f, STEP_RELAY)->code, 554);
}

static void test_relay_open(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:<postmaster@target.test>", "250 ok\r\n", 0 },
		{ "RCPT TO:<relay@elsewhere.test>", "250 2.1.5 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	f->opt.relay_to = "relay@elsewhere.test";
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_RELAY, STEP_OK, REASON_NONE);
	assert_int_equal(step(f, STEP_RELAY)->code, 250);
	assert_step(f, STEP_DATA, STEP_SKIPPED, REASON_BY_OPTION);
	assert_step(f, STEP_RSET, STEP_OK, REASON_NONE);
}

/* The message's final reply is the DATA step's: a 552 at the end of
 * data is recorded with its text, and is the step's last line. */
static void test_data_552_end_of_data(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "DATA", "354 go ahead\r\n", P_BODY },
		{ ".", "552 5.3.4 Message size exceeds fixed limit\r\n", 0 },
		QUIT_OK,
	};
	const struct model_line *l;
	char *report, *item;

	f->opt.send = 1;
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_DATA, STEP_REJECTED, REASON_REFUSED);
	assert_int_equal(step(f, STEP_DATA)->code, 552);
	assert_string_equal(step(f, STEP_DATA)->enhanced, "5.3.4");
	assert_string_equal(step(f, STEP_DATA)->text, "5.3.4 Message size exceeds fixed limit");
	l = step_last_line(f, STEP_DATA);
	assert_int_equal(l->dir, 'S');
	assert_int_equal(l->code, 552);
	assert_step(f, STEP_QUIT, STEP_OK, REASON_NONE);
	/* The text report's evidence under the failed item ends with that
	 * reply, however long the message before it. */
	report = fx_text_report(f);
	item = strstr(report, "host.data");
	assert_non_null(item);
	assert_non_null(strstr(item, "S: 552 5.3.4 Message size exceeds fixed limit"));
	assert_non_null(strstr(item, "more lines in the transcript"));
	free(report);
}

#define EHLO_WITH_DSN { "EHLO probe.test", "250-mx.target.test\r\n250 DSN\r\n", 0 }

/* With --send and DSN offered: NOTIFY=NEVER, so the test message causes
 * no delivery notice (no backscatter to the sender). */
static void test_send_notify_never(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_WITH_DSN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "DATA", "354 go ahead\r\n", P_BODY },
		{ ".", "250 2.0.0 queued\r\n", 0 },
		QUIT_OK,
	};

	f->opt.send = 1;
	START(f, script);
	fx_run(f);
	assert_true(sent_exact(f, "RCPT TO:<postmaster@target.test> NOTIFY=NEVER"));
	assert_false(sent(f, "RCPT TO:<postmaster@target.test> NOTIFY=SUCCESS"));
	assert_true(f->m->notify_sent);
	assert_step(f, STEP_DATA, STEP_OK, REASON_NONE);
}

/* With --send and no DSN offered: no NOTIFY at all (it would be a syntax
 * error there). */
static void test_send_no_dsn_no_notify(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "DATA", "354 go ahead\r\n", P_BODY },
		{ ".", "250 2.0.0 queued\r\n", 0 },
		QUIT_OK,
	};

	f->opt.send = 1;
	f->opt.dsn = 1;         /* asked, but not offered */
	START(f, script);
	fx_run(f);
	assert_true(sent_exact(f, "RCPT TO:<postmaster@target.test>"));
	assert_false(f->m->notify_sent);
}

/* --send --dsn: the user wants the notices. */
static void test_send_dsn_asked(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_WITH_DSN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "DATA", "354 go ahead\r\n", P_BODY },
		{ ".", "250 2.0.0 queued\r\n", 0 },
		QUIT_OK,
	};

	f->opt.send = 1;
	f->opt.dsn = 1;
	START(f, script);
	fx_run(f);
	assert_true(sent_exact(f, "RCPT TO:<postmaster@target.test> NOTIFY=SUCCESS,FAILURE"));
	assert_true(f->m->notify_sent);
}

/* Without --send no message goes out: the RCPT probe still checks that
 * the server takes NOTIFY=SUCCESS,FAILURE. */
static void test_rcpt_probe_notify(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_WITH_DSN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	START(f, script);
	fx_run(f);
	assert_true(sent_exact(f, "RCPT TO:<postmaster@target.test> NOTIFY=SUCCESS,FAILURE"));
	assert_false(sent(f, "DATA"));
}

/* ---- STARTTLS -------------------------------------------------------------- */

static void with_tls(struct fx *f, enum smtp_tls_mode mode)
{
	char *cause = NULL;

	f->tls = tls_ctx_new(NULL, &cause);
	if (f->tls == NULL)
		fail_msg("tls_ctx_new: %s", cause);
	f->opt.tls_ctx = f->tls;
	f->opt.tls = mode;
}

static void test_starttls_injection(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 STARTTLS\r\n", 0 },
		{ "STARTTLS", "220 go ahead\r\n250 injected\r\n", 0 },
	};

	with_tls(f, SMTP_TLS_AUTO);
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_STARTTLS, STEP_FAILED, REASON_PROTOCOL);
	assert_true(f->m->tls_injection);
	assert_false(f->m->tls_active);
	assert_true(f->m->reply_flags & REPLY_F_TRAILING_DATA);
	assert_false(sent(f, "QUIT"));
	assert_false(sent(f, "MAIL"));
	assert_string_equal(smtp_session_state(f->s), "DONE");
}

/* A whole routine with STARTTLS, the DANE waits' too. */
static const struct peer_step starttls_script[] = {
	BANNER,
	{ "EHLO probe.test", "250-mx.target.test\r\n250 STARTTLS\r\n", 0 },
	{ "STARTTLS", "220 2.0.0 Ready to start TLS\r\n", P_TLS },
	{ "EHLO probe.test", "250-mx.target.test\r\n250 8BITMIME\r\n", 0 },
	{ "MAIL FROM:", "250 ok\r\n", 0 },
	{ "RCPT TO:", "250 ok\r\n", 0 },
	{ "RSET", "250 ok\r\n", 0 },
	QUIT_OK,
};

/* The STARTTLS step holds the 220 to STARTTLS, not the 250 of the EHLO
 * that follows the handshake. */
static void test_starttls_step_keeps_220(void **state)
{
	struct fx *f = *state;
	struct check_item it;

	with_tls(f, SMTP_TLS_AUTO);
	START(f, starttls_script);
	fx_run(f);
	assert_true(f->m->tls_active);
	assert_step(f, STEP_STARTTLS, STEP_OK, REASON_NONE);
	assert_int_equal(step(f, STEP_STARTTLS)->code, 220);
	assert_string_equal(step(f, STEP_STARTTLS)->enhanced, "2.0.0");
	assert_string_equal(step(f, STEP_STARTTLS)->text, "2.0.0 Ready to start TLS");
	assert_non_null(strstr(step(f, STEP_STARTTLS)->detail, "TLS"));
	assert_true(f->m->ehlo.exts & EHLO_8BITMIME);
	assert_step(f, STEP_RCPT, STEP_OK, REASON_NONE);
	fx_check(f, "host.starttls", &it);
	assert_int_equal(it.verdict, V_PASS);
	assert_int_equal(it.code, 220);
}

static int is_dane_wait(struct fx *f)
{
	return f->done || strcmp(smtp_session_state(f->s), "DANE_WAIT") == 0;
}

/*
 * While the host's DANE inputs are not settled, STARTTLS waits (a sending
 * MTA has its TLSA before it connects): nothing goes out until
 * smtp_session_dane_go(), and the records given then reach OpenSSL (a
 * TLSA that does not match the peer's certificate: NO_MATCH).
 */
static void test_starttls_waits_for_dane(void **state)
{
	struct fx *f = *state;
	struct model_tlsa t = { 3, 1, 1, "" };
	struct tls_dane d = { "mx.target.test", "mx.target.test", &t, 1 };
	uint64_t until;

	memset(t.data_hex, 'a', 64);
	with_tls(f, SMTP_TLS_AUTO);
	f->wait_tls = 1;
	START(f, starttls_script);
	fx_run_until(f, is_dane_wait);
	assert_false(f->done);
	assert_int_equal(f->tls_asked, 1);
	assert_int_equal(f->m->dane.state, DANE_STATE_WAITING);
	assert_int_equal(step(f, STEP_STARTTLS)->state, STEP_RUNNING);
	until = loop_clock_ms() + 300;
	while (loop_clock_ms() < until)
		loop_run_once(f->loop, 50);
	assert_string_equal(smtp_session_state(f->s), "DANE_WAIT");
	assert_false(sent(f, "STARTTLS"));
	smtp_session_set_dane(f->s, &d);
	smtp_session_dane_go(f->s);
	fx_run(f);
	assert_true(sent(f, "STARTTLS"));
	assert_true(f->m->tls_active);
	assert_step(f, STEP_STARTTLS, STEP_OK, REASON_NONE);
	assert_true(step(f, STEP_STARTTLS)->ms >= 300);
	assert_int_equal(f->m->dane.state, DANE_STATE_NO_MATCH);
	assert_int_equal(f->m->dane.usable, 1);
}

/* Without an answer the wait ends with the step's timeout: STARTTLS goes
 * out without DANE, and the session says why. */
static void test_dane_wait_bounded(void **state)
{
	struct fx *f = *state;

	with_tls(f, SMTP_TLS_AUTO);
	f->wait_tls = 1;
	f->opt.timeout_ms = 300;
	START(f, starttls_script);
	fx_run(f);
	assert_true(sent(f, "STARTTLS"));
	assert_step(f, STEP_STARTTLS, STEP_OK, REASON_NONE);
	assert_int_equal(f->m->dane.state, DANE_STATE_NONE);
	assert_non_null(strstr(f->m->dane.why, "did not answer within 300 ms"));
}

/* The EHLO after TLS is refused: the upgrade failed, on that reply. */
static void test_starttls_ehlo_after_refused(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 STARTTLS\r\n", 0 },
		{ "STARTTLS", "220 2.0.0 Ready to start TLS\r\n", P_TLS },
		{ "EHLO probe.test", "554 5.7.0 go away\r\n", 0 },
		QUIT_OK,
	};

	with_tls(f, SMTP_TLS_AUTO);
	START(f, script);
	fx_run(f);
	assert_true(f->m->tls_active);
	assert_step(f, STEP_STARTTLS, STEP_REJECTED, REASON_REFUSED);
	assert_int_equal(step(f, STEP_STARTTLS)->code, 554);
	assert_non_null(strstr(step(f, STEP_STARTTLS)->detail, "EHLO after TLS"));
	assert_false(sent(f, "MAIL"));
	assert_true(sent(f, "QUIT"));
}

static void test_starttls_required_not_offered(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = { BANNER, EHLO_PLAIN, QUIT_OK };

	with_tls(f, SMTP_TLS_REQUIRE);
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_STARTTLS, STEP_FAILED, REASON_POLICY);
	assert_false(sent(f, "STARTTLS"));
	assert_false(sent(f, "MAIL"));
	assert_step(f, STEP_QUIT, STEP_OK, REASON_NONE);
}

static void test_tls_off(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 STARTTLS\r\n", 0 },
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	f->opt.tls = SMTP_TLS_OFF;
	START(f, script);
	fx_run(f);
	assert_true(f->m->starttls_offered);
	assert_step(f, STEP_STARTTLS, STEP_SKIPPED, REASON_BY_OPTION);
	assert_false(sent(f, "STARTTLS"));
	assert_step(f, STEP_AUTH, STEP_SKIPPED, REASON_BY_OPTION);
	assert_step(f, STEP_RELAY, STEP_SKIPPED, REASON_BY_OPTION);
}

/* ---- the connection -------------------------------------------------------- */

static void test_timeout(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", NULL, 0 },        /* silence */
		QUIT_OK,
	};
	uint64_t t0 = loop_clock_ms(), took;

	f->opt.timeout_ms = 100;
	START(f, script);
	fx_run(f);
	took = loop_clock_ms() - t0;
	assert_step(f, STEP_EHLO, STEP_FAILED, REASON_TIMEOUT);
	assert_true(took >= 100);
	assert_true(took < 2000);
	/* The connection is still up: the session ends politely, and the
	 * 221 is the QUIT step's. */
	assert_true(sent(f, "QUIT"));
	assert_step(f, STEP_QUIT, STEP_OK, REASON_NONE);
	assert_string_equal(f->m->error, "timeout");
}

static void test_closed_mid_reply(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250-PIPEL", P_CLOSE },
	};

	START(f, script);
	fx_run(f);
	assert_step(f, STEP_EHLO, STEP_FAILED, REASON_CLOSED);
	assert_non_null(strstr(step(f, STEP_EHLO)->detail, "unfinished reply"));
	assert_false(f->m->ehlo_done);
}

static void test_banner_421(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		{ NULL, "421 4.3.2 too busy, go away\r\n", 0 },
	};

	START(f, script);
	fx_run(f);
	assert_step(f, STEP_BANNER, STEP_REJECTED, REASON_REFUSED);
	assert_int_equal(step(f, STEP_BANNER)->code, 421);
	assert_int_equal(f->peer.rlen, 0);      /* not even a QUIT */
	assert_step(f, STEP_QUIT, STEP_NOT_RUN, REASON_NONE);
}

/* ---- manual mode through the same handlers ---------------------------------- */

static size_t server_lines(struct fx *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->m->nlines; i++)
		n += f->m->lines[i].dir == 'S';
	return n;
}

static size_t awaited_lines;

static int has_new_reply(struct fx *f)
{
	return f->done || server_lines(f) > awaited_lines;
}

/* A line typed by hand, and its reply waited for, as a user does. */
static void manual_send(struct fx *f, const char *line)
{
	char *cause = NULL;

	awaited_lines = server_lines(f);
	if (smtp_manual_send(f->s, line, &cause) < 0)
		fail_msg("%s: %s", line, cause);
	fx_run_until(f, has_new_reply);
	assert_string_equal(smtp_session_state(f->s), "MANUAL");
}

/* Issue 13, point 6: the :auth helper before STARTTLS sends nothing (no
 * password in the clear) unless --allow-plaintext-auth; the session stays
 * the user's. */
static void test_manual_auth_refused_before_tls(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		QUIT_OK,
	};
	char *cause = NULL;

	f->opt.handover = SMTP_QUIT_BANNER;
	START(f, script);
	fx_run_until(f, is_manual_turn);
	assert_int_equal(smtp_manual_auth(f->s, 1, "jane", "s3cret-pw", &cause), -1);
	assert_non_null(strstr(cause, "before STARTTLS"));
	free(cause);
	cause = NULL;
	assert_string_equal(smtp_session_state(f->s), "MANUAL");
	assert_int_equal(smtp_manual_send(f->s, "QUIT", &cause), 0);
	fx_run_until(f, is_done);
}

static void test_manual_auth_and_data(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n", 0 },
		{ USER_B64, "334 UGFzc3dvcmQ6\r\n", 0 },
		{ PASS_B64, "235 2.7.0 ok\r\n", 0 },
		{ "MAIL FROM:<me@probe.test>", "250 ok\r\n", 0 },
		{ "RCPT TO:<you@target.test>", "250 ok\r\n", 0 },
		{ "DATA", "354 go ahead\r\n", P_BODY },
		{ ".", "250 2.0.0 queued\r\n", 0 },
		QUIT_OK,
	};
	char *cause = NULL;

	f->opt.handover = SMTP_QUIT_BANNER;
	f->opt.allow_plaintext_auth = 1;        /* no TLS in this script */
	START(f, script);
	fx_run_until(f, is_manual_turn);
	assert_true(f->manual);
	assert_true(smtp_session_is_manual(f->s));
	assert_step(f, STEP_BANNER, STEP_OK, REASON_NONE);

	assert_int_equal(smtp_manual_auth(f->s, 0, "jane", "s3cret-pw", &cause), 0);
	assert_string_equal(smtp_session_state(f->s), "AUTH_LOGIN");
	/* One exchange at a time: a helper waits for the user's turn. */
	assert_int_equal(smtp_manual_data(f->s, "x", &cause), -1);
	assert_non_null(strstr(cause, "AUTH_LOGIN"));
	free(cause);
	cause = NULL;
	fx_run_until(f, is_manual_turn);
	assert_string_equal(smtp_session_state(f->s), "MANUAL");
	assert_true(f->m->authenticated);
	assert_step(f, STEP_AUTH, STEP_OK, REASON_NONE);
	assert_no_secret(f);

	manual_send(f, "MAIL FROM:<me@probe.test>");
	manual_send(f, "RCPT TO:<you@target.test>");
	assert_int_equal(smtp_manual_data(f->s, "Subject: hi\r\n\r\n.line\r\n", &cause), 0);
	assert_string_equal(smtp_session_state(f->s), "DATA");
	fx_run_until(f, is_manual_turn);
	assert_false(f->done);
	assert_string_equal(smtp_session_state(f->s), "MANUAL");
	assert_step(f, STEP_DATA, STEP_OK, REASON_NONE);
	assert_non_null(strstr(f->peer.body, "\r\nSubject: hi\r\n\r\n..line\r\n"));
	assert_non_null(strstr(f->peer.body, "Message-ID: <mailflow."));
	assert_true(strncmp(f->peer.body, "Date: ", 6) == 0);

	manual_send(f, "QUIT");
	fx_run(f);
	assert_string_equal(smtp_session_state(f->s), "DONE");
}

/* AUTH typed by hand, not with :auth: the initial response and the
 * answers to 334 challenges never reach the transcript. */
static void test_manual_typed_auth_masked(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "AUTH PLAIN AGphbmUAczNjcmV0LXB3", "535 5.7.8 no\r\n", 0 },
		{ "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n", 0 },
		{ USER_B64, "334 UGFzc3dvcmQ6\r\n", 0 },
		{ PASS_B64, "235 2.7.0 ok\r\n", 0 },
		{ "MAIL FROM:<me@probe.test>", "250 ok\r\n", 0 },
		QUIT_OK,
	};

	f->opt.handover = SMTP_QUIT_BANNER;
	START(f, script);
	fx_run_until(f, is_manual_turn);
	manual_send(f, "AUTH PLAIN AGphbmUAczNjcmV0LXB3");
	manual_send(f, "AUTH LOGIN");
	manual_send(f, USER_B64);
	manual_send(f, PASS_B64);
	manual_send(f, "MAIL FROM:<me@probe.test>");
	assert_false(in_transcript(f, "AGphbmUAczNjcmV0LXB3"));
	assert_no_secret(f);
	assert_true(in_transcript(f, "AUTH PLAIN ********"));
	assert_true(in_transcript(f, "AUTH LOGIN"));
	assert_true(in_transcript(f, "MAIL FROM:<me@probe.test>"));
	assert_string_equal(f->peer.mismatch, "");
	manual_send(f, "QUIT");
	fx_run(f);
}

/* Replies that do not fit the command (issue 17, point 3): a greeting of
 * 354, EHLO answered 221, MAIL answered 334, STARTTLS answered 250 are
 * protocol failures, never "accepted"; a refusal fits any command. */
static void test_reply_misfit(void **state)
{
	struct fx *f = *state;
	static const struct peer_step greeting[] = {
		{ NULL, "354 go ahead\r\n", 0 },
		QUIT_OK,
	};

	START(f, greeting);
	fx_run(f);
	assert_step(f, STEP_BANNER, STEP_FAILED, REASON_PROTOCOL);
	assert_true(f->m->reply_misfit);
	assert_non_null(strstr(f->m->steps[STEP_BANNER].detail, "354 is no answer to the greeting"));
}

static void test_reply_misfit_ehlo(void **state)
{
	struct fx *f = *state;
	static const struct peer_step ehlo[] = {
		BANNER,
		{ "EHLO probe.test", "221 bye\r\n", 0 },
		QUIT_OK,
	};

	START(f, ehlo);
	fx_run(f);
	assert_step(f, STEP_EHLO, STEP_FAILED, REASON_PROTOCOL);
	assert_non_null(strstr(f->peer.received, "QUIT"));
}

static void test_reply_misfit_mail_starttls(void **state)
{
	struct fx *f = *state;
	static const struct peer_step mail[] = {
		BANNER,
		{ "EHLO probe.test", "250 mx.target.test\r\n", 0 },
		{ "MAIL FROM:", "334 VXNlcm5hbWU6\r\n", 0 },
		QUIT_OK,
	};

	START(f, mail);
	fx_run(f);
	assert_step(f, STEP_MAIL, STEP_FAILED, REASON_PROTOCOL);
	assert_int_equal(f->m->steps[STEP_RCPT].state, STEP_NOT_RUN);
	assert_true(f->m->reply_misfit);
}

static void test_reply_misfit_starttls(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250-mx.target.test\r\n250 STARTTLS\r\n", 0 },
		{ "STARTTLS", "250 fine\r\n", 0 },
		QUIT_OK,
	};

	with_tls(f, SMTP_TLS_AUTO);
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_STARTTLS, STEP_FAILED, REASON_PROTOCOL);
	assert_false(f->m->tls_active);
}

/* An extra reply shortly after a real one (issue 17, point 2): every later
 * reply is shifted, so the session is out of step, the relay test is not
 * called an open relay, and host.protocol fails. */
static void test_late_extra_reply(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250 mx.target.test\r\n|250 2.0.0 one too many\r\n", 0 },
		{ "MAIL FROM:", "250 ok\r\n", P_SLOW },
		{ "RCPT TO:<postmaster@target.test>", "250 ok\r\n", P_SLOW },
		{ "RCPT TO:<relay@elsewhere.test>", "550 5.7.1 relaying denied\r\n", P_SLOW },
		{ "RSET", "250 ok\r\n", P_SLOW },
		{ "QUIT", "221 bye\r\n", P_SLOW | P_CLOSE },
	};
	struct check_item it;

	f->opt.relay_to = "relay@elsewhere.test";
	START(f, script);
	fx_run(f);
	assert_true(f->m->out_of_step);
	fx_check(f, "host.relay", &it);
	assert_int_not_equal(it.verdict, V_FAIL);
	fx_check(f, "host.protocol", &it);
	assert_int_equal(it.verdict, V_FAIL);
}

/* --session-timeout (issue 17, point 1): a server that answers every
 * command in time, but slowly, still cannot hold a session past it. */
static void test_session_deadline(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", "250 mx.target.test\r\n", P_SLOW },
		{ "MAIL FROM:", "250 ok\r\n", P_SLOW },
		{ "RCPT TO:", "250 ok\r\n", P_SLOW },
		{ "RSET", "250 ok\r\n", P_SLOW },
		{ "QUIT", "221 bye\r\n", P_SLOW | P_CLOSE },
	};
	uint64_t t0 = loop_clock_ms(), took;
	size_t i, timed_out = 0;

	f->opt.timeout_ms = 1000;
	f->opt.session_timeout_ms = 200;
	START(f, script);
	fx_run(f);
	took = loop_clock_ms() - t0;
	assert_true(f->done);
	assert_true(took < 600);
	for (i = 0; i < STEP__COUNT; i++)
		if (f->m->steps[i].state == STEP_FAILED &&
		    f->m->steps[i].reason == REASON_TIMEOUT &&
		    strstr(f->m->steps[i].detail, "session-timeout") != NULL)
			timed_out++;
	assert_int_equal(timed_out, 1);
	assert_int_not_equal(f->m->steps[STEP_QUIT].state, STEP_OK);
}

/* An EHLO reply past the parser's 100 lines, STARTTLS after the cut (issue
 * 17, point 6): not "not offered", but "not seen: the reply was cut". */
static void test_ehlo_cut_starttls(void **state)
{
	struct fx *f = *state;
	static char ehlo[150 * 16 + 64];
	static struct peer_step script[] = {
		BANNER,
		{ "EHLO probe.test", ehlo, 0 },
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		QUIT_OK,
	};
	struct check_item it;
	size_t i, n = 0;

	n += (size_t)snprintf(ehlo + n, sizeof ehlo - n, "250-mx.target.test\r\n");
	for (i = 0; i < 150; i++)
		n += (size_t)snprintf(ehlo + n, sizeof ehlo - n, "250-X-EXT%zu\r\n", i);
	snprintf(ehlo + n, sizeof ehlo - n, "250 STARTTLS\r\n");
	with_tls(f, SMTP_TLS_AUTO);
	START(f, script);
	fx_run(f);
	assert_true(f->m->ehlo.cut);
	fx_check(f, "host.starttls", &it);
	assert_int_equal(it.verdict, V_WARN);
	assert_non_null(strstr(it.title, "cut"));
}

/* ---- the --debug trace ------------------------------------------------------ */

static void test_debug_trace(void **state)
{
	struct fx *f = *state;
	char path[] = "/tmp/mailflow-test-trace-XXXXXX", buf[8192];
	int fd = mkstemp(path);
	ssize_t n;
	char *cause = NULL;

	assert_true(fd >= 0);
	assert_int_equal(debug_open(path, &cause), 0);
	f->opt.auth_user = "jane";
	f->opt.auth_pass = "s3cret-pw";
	f->opt.allow_plaintext_auth = 1;
	START(f, auth_login_script);
	fx_run(f);
	debug_close();
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "smtp mx.target.test [192.0.2.25]:25 BANNER -> EHLO"));
	assert_non_null(strstr(buf, "AUTH_LOGIN -> AUTH_USER"));
	assert_non_null(strstr(buf, "AUTH_USER -> AUTH_PASS"));
	assert_non_null(strstr(buf, "QUIT -> DONE"));
	assert_null(strstr(buf, "s3cret-pw"));
	assert_null(strstr(buf, PASS_B64));
	assert_null(strstr(buf, USER_B64));
	assert_null(strstr(buf, "MAIL FROM"));
}

/* ---- endings ---------------------------------------------------------------- */

static void test_quit_answered_by_close(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "RSET", "250 ok\r\n", 0 },
		{ "QUIT", NULL, P_CLOSE },              /* no 221: the door shuts */
	};

	START(f, script);
	fx_run(f);
	assert_step(f, STEP_RSET, STEP_OK, REASON_NONE);
	assert_step(f, STEP_QUIT, STEP_FAILED, REASON_CLOSED);
	assert_non_null(strstr(step(f, STEP_QUIT)->detail, "without answering QUIT"));
	assert_string_equal(smtp_session_state(f->s), "DONE");
}

static void test_send_without_relay_test_no_rset(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER, EHLO_PLAIN,
		{ "MAIL FROM:", "250 ok\r\n", 0 },
		{ "RCPT TO:", "250 ok\r\n", 0 },
		{ "DATA", "354 go ahead\r\n", P_BODY },
		{ ".", "250 2.0.0 queued\r\n", 0 },
		QUIT_OK,                                /* no RSET before it */
	};

	f->opt.send = 1;
	START(f, script);
	fx_run(f);
	assert_step(f, STEP_DATA, STEP_OK, REASON_NONE);
	assert_step(f, STEP_RELAY, STEP_SKIPPED, REASON_BY_OPTION);
	/* The message's final reply closed the transaction: nothing to reset. */
	assert_step(f, STEP_RSET, STEP_SKIPPED, REASON_EARLIER_STEP);
	assert_false(sent(f, "RSET"));
	assert_step(f, STEP_QUIT, STEP_OK, REASON_NONE);
}

/* :starttls by hand runs the routine's STARTTLS handler: the injection
 * defence holds there too. */
static void test_manual_starttls_injection(void **state)
{
	struct fx *f = *state;
	static const struct peer_step script[] = {
		BANNER,
		{ "STARTTLS", "220 go ahead\r\n250 injected\r\n", 0 },
	};
	char *cause = NULL;

	with_tls(f, SMTP_TLS_AUTO);
	f->opt.handover = SMTP_QUIT_BANNER;
	START(f, script);
	fx_run_until(f, is_manual_turn);
	assert_int_equal(smtp_manual_send(f->s, "starttls", &cause), 0);
	assert_string_equal(smtp_session_state(f->s), "STARTTLS");
	fx_run(f);
	assert_step(f, STEP_STARTTLS, STEP_FAILED, REASON_PROTOCOL);
	assert_true(f->m->tls_injection);
	assert_false(f->m->tls_active);
	assert_false(smtp_session_is_manual(f->s));
	assert_int_equal(smtp_manual_send(f->s, "NOOP", &cause), -1);
	assert_non_null(strstr(cause, "closed"));
	free(cause);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ehlo_5xx_helo),
		T(test_ehlo_4xx_quit),
		T(test_multiline_split),
		T(test_auth_login),
		T(test_auth_plain_535),
		T(test_auth_without_tls_policy),
		T(test_auth_password_silence),
		T(test_auth_login_prompt_silence),
		T(test_mail_451_skips),
		T(test_rcpt_550),
		T(test_send_data),
		T(test_data_552_end_of_data),
		T(test_send_notify_never),
		T(test_send_no_dsn_no_notify),
		T(test_send_dsn_asked),
		T(test_rcpt_probe_notify),
		T(test_relay_open),
		T(test_starttls_injection),
		T(test_reply_misfit),
		T(test_late_extra_reply),
		T(test_session_deadline),
		T(test_ehlo_cut_starttls),
		T(test_reply_misfit_ehlo),
		T(test_reply_misfit_mail_starttls),
		T(test_reply_misfit_starttls),
		T(test_starttls_step_keeps_220),
		T(test_starttls_waits_for_dane),
		T(test_dane_wait_bounded),
		T(test_starttls_ehlo_after_refused),
		T(test_starttls_required_not_offered),
		T(test_tls_off),
		T(test_timeout),
		T(test_closed_mid_reply),
		T(test_banner_421),
		T(test_quit_answered_by_close),
		T(test_send_without_relay_test_no_rset),
		T(test_manual_auth_refused_before_tls),
		T(test_manual_auth_and_data),
		T(test_manual_typed_auth_masked),
		T(test_manual_starttls_injection),
		T(test_debug_trace),
	};

	return cmocka_run_group_tests_name("smtp_states", tests, NULL, NULL);
}
