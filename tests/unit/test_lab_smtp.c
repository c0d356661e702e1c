#define _GNU_SOURCE
/*
 * SMTP sessions against the test lab (tests/lab): real Postfix and
 * smtp-sink for STARTTLS, certificates, 421, silence, refusal, 550 5.1.1,
 * 450 4.2.0, relay refused and open relay, the 3 s banner, DSN, --send;
 * the lab's own fakesmtp for malformed replies, escape sequences, a 1 MB
 * line, a stall mid-reply and a STARTTLS injection; and four 2 s hosts
 * probed at once. Loopback only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mailflow/loop.h"
#include "mailflow/probe.h"
#include "mailflow/tls.h"

#define LAB_DNS "127.0.0.1:5353"
#define LAB_CA "/tmp/mailflow-lab/tls/ca.crt"

struct run {
	struct loop *loop;
	struct probe *probe;
	struct tls_ctx *tls;
	int done;
	int guard_fired;
	uint64_t elapsed;
};

static void on_done(struct probe *p, void *arg)
{
	struct run *r = arg;

	(void)p;
	r->done = 1;
	loop_stop(r->loop);
}

static void on_guard(struct loop_timer *t, void *arg)
{
	struct run *r = arg;

	(void)t;
	r->guard_fired = 1;
	loop_stop(r->loop);
}

static void default_options(struct probe_options *o)
{
	memset(o, 0, sizeof *o);
	o->dns.servers = LAB_DNS;
	o->dns.timeout_ms = 1000;
	o->dns.tries = 2;
	o->smtp = 1;
	o->session.helo = "probe.lab.test";
	o->session.mail_from = "probe@lab.test";
	o->session.relay_to = "relay-test@example.org";
	o->session.timeout_ms = 5000;
}

/* Runs the whole probe of input; the model stays until run_free(). */
static const struct model_domain *run(struct run *r, const char *input,
                                      struct probe_options *o, const char *ca)
{
	struct probe_callbacks cb = { NULL, NULL, on_done, r };
	struct loop_timer *guard;
	struct target t;
	char *cause = NULL;
	uint64_t t0;

	memset(r, 0, sizeof *r);
	r->loop = loop_new();
	assert_non_null(r->loop);
	if (o->session.tls != SMTP_TLS_OFF) {
		r->tls = tls_ctx_new(ca, &cause);
		if (r->tls == NULL)
			fail_msg("tls_ctx_new: %s", cause);
		o->session.tls_ctx = r->tls;
	}
	if (target_parse(input, &t, &cause) != 0)
		fail_msg("target %s: %s", input, cause);
	t0 = loop_clock_ms();
	r->probe = probe_new(r->loop, &t, o, &cb, &cause);
	if (r->probe == NULL)
		fail_msg("probe_new: %s", cause);
	guard = loop_timer_add(r->loop, 30000, 0, on_guard, r);
	loop_run(r->loop);
	r->elapsed = loop_clock_ms() - t0;
	if (!r->guard_fired)
		loop_timer_remove(guard);
	assert_false(r->guard_fired);
	assert_true(r->done);
	return probe_model(r->probe);
}

static void run_free(struct run *r)
{
	probe_free(r->probe);
	loop_free(r->loop);
	tls_ctx_free(r->tls);
}

static const struct model_session *session_of(const struct model_domain *d,
                                              const char *addr)
{
	size_t i, j;

	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++)
			if (!strcmp(d->hosts[i].addrs[j].addr, addr)) {
				assert_non_null(d->hosts[i].addrs[j].session);
				return d->hosts[i].addrs[j].session;
			}
	fail_msg("no session with %s", addr);
	return NULL;
}

static void dump(const struct model_session *s)
{
	size_t i;
	int st;

	for (st = 0; st < STEP__COUNT; st++)
		printf("# %s: %s %d %s %s\n", model_step_id((enum model_step_id)st),
		       model_step_state_name(s->steps[st].state), s->steps[st].code,
		       s->steps[st].enhanced, s->steps[st].detail);
	for (i = 0; i < s->nlines && i < 60; i++)
		printf("# %c %.120s%s\n", s->lines[i].dir, s->lines[i].bytes,
		       s->lines[i].len > 120 ? "..." : "");
}

/* The transcript has a line of dir that contains needle. */
static int has_line(const struct model_session *s, char dir, const char *needle)
{
	size_t i;

	for (i = 0; i < s->nlines; i++)
		if (s->lines[i].dir == dir && memmem(s->lines[i].bytes, s->lines[i].len,
		                                     needle, strlen(needle)) != NULL)
			return 1;
	return 0;
}

static void expect_step(const struct model_session *s, enum model_step_id id,
                        enum model_step_state state, int code, const char *enh)
{
	const struct model_step *st = &s->steps[id];

	if (st->state != state || (code && st->code != code) ||
	    (enh && strcmp(st->enhanced, enh) != 0)) {
		dump(s);
		fail_msg("step %s: %s %d %s, wanted %s %d %s", model_step_id(id),
		         model_step_state_name(st->state), st->code, st->enhanced,
		         model_step_state_name(state), code, enh ? enh : "");
	}
}

static void test_healthy_with_lab_ca(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_domain *d;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	d = run(&r, "postmaster@healthy.lab.test", &o, LAB_CA);
	s = session_of(d, "127.0.0.11");
	expect_step(s, STEP_CONNECT, STEP_OK, 0, NULL);
	expect_step(s, STEP_BANNER, STEP_OK, 220, NULL);
	expect_step(s, STEP_EHLO, STEP_OK, 250, NULL);
	/* The step's own reply: the 220 to STARTTLS, not the EHLO after it. */
	expect_step(s, STEP_STARTTLS, STEP_OK, 220, "2.0.0");
	expect_step(s, STEP_MAIL, STEP_OK, 250, "2.1.0");
	expect_step(s, STEP_RCPT, STEP_OK, 250, "2.1.5");
	expect_step(s, STEP_RELAY, STEP_REJECTED, 550, "5.7.1");
	expect_step(s, STEP_DATA, STEP_SKIPPED, 0, NULL);
	expect_step(s, STEP_RSET, STEP_OK, 250, NULL);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	assert_true(s->starttls_offered);
	assert_true(s->tls_active);
	assert_true(s->tls.chain_ok);
	assert_true(s->tls.name_ok);
	assert_string_equal(s->tls.version, "TLSv1.3");
	assert_non_null(strstr(s->tls.sans, "DNS:mx1.healthy.lab.test"));
	assert_int_equal(strlen(s->tls.sha256_cert), 64);
	assert_int_equal(strlen(s->tls.sha256_spki), 64);
	assert_true(s->tls.days_left > 0);
	/* DSN is advertised by Postfix: NOTIFY went out. */
	assert_true(s->ehlo.exts & EHLO_DSN);
	assert_true(s->notify_sent);
	assert_true(has_line(s, 'C', "RCPT TO:<postmaster@healthy.lab.test> NOTIFY=SUCCESS,FAILURE"));
	/* Both MX hosts were probed. */
	expect_step(session_of(d, "127.0.0.12"), STEP_QUIT, STEP_OK, 221, NULL);
	assert_int_equal(s->reply_flags, 0);
	run_free(&r);
}

static void test_untrusted_chain_and_wrong_name(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	/* The system store does not know the lab CA: recorded, goes on. */
	s = session_of(run(&r, "healthy.lab.test", &o, NULL), "127.0.0.11");
	assert_true(s->tls_active);
	assert_false(s->tls.chain_ok);
	assert_true(s->tls.verify_code != 0);
	assert_true(strlen(s->tls.verify_error) > 5);
	assert_true(s->tls.name_ok);
	expect_step(s, STEP_MAIL, STEP_OK, 250, NULL);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	default_options(&o);
	s = session_of(run(&r, "wrongname.lab.test", &o, LAB_CA), "127.0.0.30");
	assert_true(s->tls_active);
	assert_true(s->tls.chain_ok);
	assert_false(s->tls.name_ok);
	assert_non_null(strstr(s->tls.sans, "wrong.example.test"));
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);
}

static void test_connect_failures(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	s = session_of(run(&r, "busy.lab.test", &o, LAB_CA), "127.0.0.16");
	expect_step(s, STEP_BANNER, STEP_REJECTED, 421, NULL);
	expect_step(s, STEP_EHLO, STEP_NOT_RUN, 0, NULL);
	run_free(&r);

	default_options(&o);
	s = session_of(run(&r, "dead.lab.test", &o, LAB_CA), "127.0.0.14");
	expect_step(s, STEP_CONNECT, STEP_FAILED, 0, NULL);
	assert_int_equal(s->steps[STEP_CONNECT].fail, FAIL_CONNECT);
	assert_int_equal(s->conn_error, CONN_REFUSED);
	run_free(&r);

	/* No banner: the banner timeout (1.5 s here) ends it, on time. */
	default_options(&o);
	o.session.banner_timeout_ms = 1500;
	s = session_of(run(&r, "silent.lab.test", &o, LAB_CA), "127.0.0.15");
	expect_step(s, STEP_CONNECT, STEP_OK, 0, NULL);
	expect_step(s, STEP_BANNER, STEP_FAILED, 0, NULL);
	assert_int_equal(s->steps[STEP_BANNER].fail, FAIL_TIMEOUT);
	assert_true(s->steps[STEP_BANNER].ms >= 1500);
	assert_true(s->steps[STEP_BANNER].ms < 1500 + 300);
	printf("# bench: silent host, banner timeout 1500 ms: gave up after %llu ms\n",
	       (unsigned long long)s->steps[STEP_BANNER].ms);
	run_free(&r);
}

/* A listener whose accept queue is full drops new SYNs: the connect
 * attempt gets no answer at all, as behind a dropping firewall. */
static void test_connect_timeout(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof sin;
	char server[64];
	int l = socket(AF_INET, SOCK_STREAM, 0), c[4], i;

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(l, 0), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &slen), 0);
	for (i = 0; i < 4; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		/* Non-blocking: EINPROGRESS is the expected answer. */
		(void)connect(c[i], (struct sockaddr *)&sin, sizeof sin);
	}
	usleep(200000);
	snprintf(server, sizeof server, "127.0.0.1");
	default_options(&o);
	o.server = server;
	o.port = ntohs(sin.sin_port);
	o.session.connect_timeout_ms = 1000;
	s = session_of(run(&r, "healthy.lab.test", &o, LAB_CA), "127.0.0.1");
	expect_step(s, STEP_CONNECT, STEP_FAILED, 0, NULL);
	assert_int_equal(s->steps[STEP_CONNECT].fail, FAIL_CONNECT);
	assert_int_equal(s->conn_error, CONN_TIMEOUT);
	assert_true(s->steps[STEP_CONNECT].ms >= 1000 && s->steps[STEP_CONNECT].ms < 1500);
	printf("# bench: connect to a full accept queue, connect timeout 1000 ms: "
	       "gave up after %llu ms\n", (unsigned long long)s->steps[STEP_CONNECT].ms);
	run_free(&r);
	for (i = 0; i < 4; i++)
		close(c[i]);
	close(l);
}

/* IPv6: a one-line server on [::1], run on the probe's own loop. */
static void on_v6_accept(struct loop_watch *w, int fd, unsigned ev, void *arg)
{
	int c = accept(fd, NULL, NULL);

	(void)w; (void)ev; (void)arg;
	if (c >= 0) {
		if (write(c, "421 4.3.2 v6 test server closing\r\n", 34) < 0)
			perror("write");
		close(c);
	}
}

static void test_ipv6_and_family(void **state)
{
	struct probe_options o;
	struct probe_callbacks cb = { NULL, NULL, on_done, NULL };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t slen = sizeof sin6;
	struct loop_watch *w;
	struct target t;
	struct run r;
	const struct model_domain *d;
	const struct model_session *s;
	int l = socket(AF_INET6, SOCK_STREAM, 0);

	(void)state;
	if (l < 0 || bind(l, (struct sockaddr *)&sin6, sizeof sin6) != 0) {
		/* No IPv6 on this machine's loopback: say so, do not pretend. */
		skip();
	}
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin6, &slen), 0);

	default_options(&o);
	o.server = "::1";
	o.port = ntohs(sin6.sin6_port);
	o.session.tls = SMTP_TLS_OFF;
	memset(&r, 0, sizeof r);
	r.loop = loop_new();
	cb.arg = &r;
	w = loop_watch_add(r.loop, l, LOOP_READ, on_v6_accept, NULL);
	assert_int_equal(target_parse("healthy.lab.test", &t, NULL), 0);
	r.probe = probe_new(r.loop, &t, &o, &cb, NULL);
	assert_non_null(r.probe);
	while (!r.done)
		loop_run_once(r.loop, 1000);
	d = probe_model(r.probe);
	s = session_of(d, "::1");
	assert_int_equal(d->hosts[0].addrs[0].family, 6);
	expect_step(s, STEP_CONNECT, STEP_OK, 0, NULL);
	assert_non_null(strstr(s->local_addr, "[::1]:"));
	expect_step(s, STEP_BANNER, STEP_REJECTED, 421, NULL);
	probe_free(r.probe);
	loop_watch_remove(w);
	loop_free(r.loop);

	/* -4: the IPv6 address is not probed. */
	default_options(&o);
	o.server = "::1";
	o.port = ntohs(sin6.sin6_port);
	o.family = 4;
	d = run(&r, "healthy.lab.test", &o, LAB_CA);
	assert_null(d->hosts[0].addrs[0].session);
	run_free(&r);
	close(l);
}

static void test_recipient_answers(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	s = session_of(run(&r, "nobody@nouser.lab.test", &o, LAB_CA), "127.0.0.17");
	expect_step(s, STEP_RCPT, STEP_REJECTED, 550, "5.1.1");
	expect_step(s, STEP_RELAY, STEP_REJECTED, 550, "5.7.1");
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	default_options(&o);
	s = session_of(run(&r, "someone@greylist.lab.test", &o, LAB_CA), "127.0.0.18");
	expect_step(s, STEP_RCPT, STEP_REJECTED, 450, "4.2.0");
	run_free(&r);

	default_options(&o);
	s = session_of(run(&r, "openrelay.lab.test", &o, LAB_CA), "127.0.0.20");
	expect_step(s, STEP_RCPT, STEP_OK, 250, NULL);
	expect_step(s, STEP_RELAY, STEP_OK, 250, NULL);
	assert_true(has_line(s, 'C', "RCPT TO:<relay-test@example.org>"));
	run_free(&r);

	/* --no-relay-test */
	default_options(&o);
	o.session.relay_to = NULL;
	s = session_of(run(&r, "openrelay.lab.test", &o, LAB_CA), "127.0.0.20");
	expect_step(s, STEP_RELAY, STEP_SKIPPED, 0, NULL);
	assert_false(has_line(s, 'C', "example.org"));
	run_free(&r);
}

static void test_banner_delay_measured(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	s = session_of(run(&r, "slow.lab.test", &o, LAB_CA), "127.0.0.19");
	expect_step(s, STEP_BANNER, STEP_OK, 220, NULL);
	/* smtp-sink waits 3 s: measured within 10 %. */
	assert_true(s->banner_ms >= 2700 && s->banner_ms <= 3300);
	printf("# bench: slow.lab.test banner delay 3000 ms, measured %llu ms\n",
	       (unsigned long long)s->banner_ms);
	run_free(&r);
}

static void test_dsn_only_where_advertised(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	s = session_of(run(&r, "nodsn.lab.test", &o, LAB_CA), "127.0.0.36");
	assert_false(s->ehlo.exts & EHLO_DSN);
	assert_false(s->notify_sent);
	assert_false(has_line(s, 'C', "NOTIFY="));
	expect_step(s, STEP_RCPT, STEP_OK, 250, NULL);
	run_free(&r);
}

static void test_send_message(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	o.session.send = 1;
	s = session_of(run(&r, "postmaster@healthy.lab.test", &o, LAB_CA), "127.0.0.11");
	expect_step(s, STEP_DATA, STEP_OK, 250, "2.0.0");
	/* A message that went out asks for no delivery notice. */
	assert_true(has_line(s, 'C', "RCPT TO:<postmaster@healthy.lab.test> NOTIFY=NEVER"));
	assert_true(has_line(s, 'S', "354"));
	assert_true(has_line(s, 'C', "Subject: mailflow test message"));
	assert_true(has_line(s, 'C', "Message-ID: <mailflow."));
	assert_true(has_line(s, 'S', "queued as"));
	/* The relay test ran in its own transaction after the message. */
	expect_step(s, STEP_RELAY, STEP_REJECTED, 550, "5.7.1");
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);
}

static void test_quit_after(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	o.session.quit_after = SMTP_QUIT_EHLO;
	s = session_of(run(&r, "healthy.lab.test", &o, LAB_CA), "127.0.0.11");
	expect_step(s, STEP_EHLO, STEP_OK, 250, NULL);
	expect_step(s, STEP_STARTTLS, STEP_NOT_RUN, 0, NULL);
	expect_step(s, STEP_MAIL, STEP_NOT_RUN, 0, NULL);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	/* --quit-after mail: QUIT right after the MAIL reply. */
	default_options(&o);
	o.session.quit_after = SMTP_QUIT_MAIL;
	s = session_of(run(&r, "healthy.lab.test", &o, LAB_CA), "127.0.0.11");
	expect_step(s, STEP_MAIL, STEP_OK, 250, NULL);
	expect_step(s, STEP_RCPT, STEP_NOT_RUN, 0, NULL);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	default_options(&o);
	o.session.tls = SMTP_TLS_REQUIRE;
	s = session_of(run(&r, "openrelay.lab.test", &o, LAB_CA), "127.0.0.20");
	expect_step(s, STEP_STARTTLS, STEP_FAILED, 0, NULL);
	assert_int_equal(s->steps[STEP_STARTTLS].fail, FAIL_POLICY);
	expect_step(s, STEP_MAIL, STEP_NOT_RUN, 0, NULL);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);
}

static void test_hostile_servers(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	default_options(&o);
	s = session_of(run(&r, "malformed.lab.test", &o, LAB_CA), "127.0.0.31");
	assert_true(s->reply_flags & REPLY_F_CODE_MISMATCH);
	assert_true(s->reply_flags & (REPLY_F_BARE_LF | REPLY_F_BAD_SYNTAX));
	assert_true(s->done);
	run_free(&r);

	default_options(&o);
	s = session_of(run(&r, "escape.lab.test", &o, LAB_CA), "127.0.0.32");
	/* The model keeps the exact bytes; views sanitize them. */
	assert_true(has_line(s, 'S', "\x1b[2J"));
	assert_true(s->reply_flags & REPLY_F_CONTROL);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	default_options(&o);
	s = session_of(run(&r, "bigline.lab.test", &o, LAB_CA), "127.0.0.33");
	assert_true(s->reply_flags & REPLY_F_CUT_LINE);
	expect_step(s, STEP_EHLO, STEP_OK, 250, NULL);
	assert_true(s->transcript_bytes < (size_t)64 * 1024);
	run_free(&r);

	default_options(&o);
	o.session.timeout_ms = 1500;
	s = session_of(run(&r, "stall.lab.test", &o, LAB_CA), "127.0.0.34");
	expect_step(s, STEP_EHLO, STEP_FAILED, 0, NULL);
	assert_int_equal(s->steps[STEP_EHLO].fail, FAIL_TIMEOUT);
	assert_non_null(strstr(s->steps[STEP_EHLO].detail, "stopped after"));
	run_free(&r);

	default_options(&o);
	s = session_of(run(&r, "inject.lab.test", &o, LAB_CA), "127.0.0.35");
	assert_true(s->tls_injection);
	expect_step(s, STEP_STARTTLS, STEP_FAILED, 220, NULL);
	assert_int_equal(s->steps[STEP_STARTTLS].fail, FAIL_PROTOCOL);
	assert_false(s->tls_active);
	assert_true(has_line(s, 'S', "250-injected"));
	run_free(&r);
}

static void test_early_helo_and_implicit_tls(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;

	(void)state;
	/* Banner and an extra line in one write: shown, flagged, not taken
	 * as the reply to EHLO. */
	default_options(&o);
	s = session_of(run(&r, "early.lab.test", &o, LAB_CA), "127.0.0.38");
	assert_true(s->unsolicited);
	assert_true(has_line(s, 'S', "250 unsolicited line"));
	expect_step(s, STEP_EHLO, STEP_OK, 250, NULL);
	assert_true(has_line(s, 'S', "250-mx.early.lab.test"));
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	/* EHLO refused: HELO, and no extensions. */
	default_options(&o);
	s = session_of(run(&r, "oldsmtp.lab.test", &o, LAB_CA), "127.0.0.39");
	assert_true(s->used_helo);
	assert_true(has_line(s, 'C', "HELO probe.lab.test"));
	expect_step(s, STEP_EHLO, STEP_OK, 250, NULL);
	expect_step(s, STEP_STARTTLS, STEP_SKIPPED, 0, NULL);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	/* TLS from the first byte; the banner arrives inside TLS. */
	default_options(&o);
	o.session.tls_on_connect = 1;
	s = session_of(run(&r, "smtps.lab.test", &o, LAB_CA), "127.0.0.40");
	assert_true(s->tls_implicit);
	assert_true(s->tls_active);
	assert_true(s->tls.chain_ok && s->tls.name_ok);
	expect_step(s, STEP_STARTTLS, STEP_OK, 0, NULL);
	expect_step(s, STEP_BANNER, STEP_OK, 220, NULL);
	assert_false(has_line(s, 'C', "STARTTLS"));
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);
}

static void test_auth_masked(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_session *s;
	size_t i;

	(void)state;
	default_options(&o);
	/* The lab's Postfix with Cyrus SASL: user probe, lab-password. */
	o.session.auth_user = "probe";
	o.session.auth_pass = "lab-password";
	s = session_of(run(&r, "auth.lab.test", &o, LAB_CA), "127.0.0.37");
	expect_step(s, STEP_AUTH, STEP_OK, 235, NULL);
	assert_true(s->authenticated);
	assert_true(has_line(s, 'C', "AUTH PLAIN ********"));
	for (i = 0; i < s->nlines; i++) {
		/* Neither the password nor base64 carrying it (in any
		 * alignment of "\0probe\0lab-password"). */
		assert_null(memmem(s->lines[i].bytes, s->lines[i].len, "lab-password", 12));
		assert_null(memmem(s->lines[i].bytes, s->lines[i].len, "AHByb2JlAGxhYi1wYXNzd29yZA", 26));
		assert_null(memmem(s->lines[i].bytes, s->lines[i].len, "bGFiLXBhc3N3b3Jk", 16));
	}
	run_free(&r);

	/* A wrong password: 535, and the session goes on to QUIT. */
	default_options(&o);
	o.session.auth_user = "probe";
	o.session.auth_pass = "wrong";
	s = session_of(run(&r, "auth.lab.test", &o, LAB_CA), "127.0.0.37");
	expect_step(s, STEP_AUTH, STEP_REJECTED, 535, NULL);
	assert_false(s->authenticated);
	expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	run_free(&r);

	/* Without TLS, credentials are not sent unless allowed. */
	default_options(&o);
	o.session.tls = SMTP_TLS_OFF;
	o.session.auth_user = "probe";
	o.session.auth_pass = "lab-password";
	s = session_of(run(&r, "auth.lab.test", &o, LAB_CA), "127.0.0.37");
	expect_step(s, STEP_AUTH, STEP_SKIPPED, 0, NULL);
	assert_int_equal(s->steps[STEP_AUTH].fail, FAIL_POLICY);
	assert_false(has_line(s, 'C', "AUTH"));
	run_free(&r);
}

static void test_four_slow_hosts_at_once(void **state)
{
	struct probe_options o;
	struct run r;
	const struct model_domain *d;
	size_t i;

	(void)state;
	default_options(&o);
	d = run(&r, "slow4.lab.test", &o, LAB_CA);
	assert_int_equal(d->nhosts, 4);
	for (i = 0; i < 4; i++) {
		const struct model_session *s = d->hosts[i].addrs[0].session;

		assert_non_null(s);
		expect_step(s, STEP_BANNER, STEP_OK, 220, NULL);
		assert_true(s->banner_ms >= 1900);
		expect_step(s, STEP_QUIT, STEP_OK, 221, NULL);
	}
	/* Four hosts of ~2 s each, at once: about 2 s, far from 8. */
	assert_true(r.elapsed < 3500);
	printf("# bench: slow4.lab.test, 4 MX hosts with a 2 s banner each: whole "
	       "run %llu ms (one after another would be ~8000 ms)\n",
	       (unsigned long long)r.elapsed);
	run_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_with_lab_ca),
		cmocka_unit_test(test_untrusted_chain_and_wrong_name),
		cmocka_unit_test(test_connect_failures),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_ipv6_and_family),
		cmocka_unit_test(test_recipient_answers),
		cmocka_unit_test(test_banner_delay_measured),
		cmocka_unit_test(test_dsn_only_where_advertised),
		cmocka_unit_test(test_send_message),
		cmocka_unit_test(test_quit_after),
		cmocka_unit_test(test_hostile_servers),
		cmocka_unit_test(test_early_helo_and_implicit_tls),
		cmocka_unit_test(test_auth_masked),
		cmocka_unit_test(test_four_slow_hosts_at_once),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("lab_smtp", tests, NULL, NULL);
}
