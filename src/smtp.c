/*
 * smtp.c — the client session state machine (see include/mailflow/smtp.h).
 *
 * Modelled on curl's pingpong/smtp: one state enum with a names table and
 * one setter that is the only way to change state; a perform_* function
 * sends a command, the reply handler for the state decides what follows.
 * One command is in flight at a time (no pipelining), so every step has
 * its own exact timing and its own timeout, and any byte that arrives when
 * no reply is due is evidence of a broken or hostile server.
 */
#include "mailflow/smtp.h"
#include "mailflow/conn.h"
#include "mailflow/loop.h"
#include "mailflow/reply.h"
#include "mailflow/tls.h"
#include "mailflow/xmalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SMTP_STATES(X) \
	X(CONNECTING) X(TLS_CONNECT) X(BANNER) X(EHLO) X(HELO) X(STARTTLS) \
	X(TLS_HANDSHAKE) X(EHLO_TLS) X(AUTH_PLAIN) X(AUTH_LOGIN) X(AUTH_USER) \
	X(AUTH_PASS) X(MAIL) X(RCPT) X(DATA) X(DATA_BODY) X(RELAY_MAIL) \
	X(RELAY) X(RSET) X(QUIT) X(MANUAL) X(MANUAL_STARTTLS) X(MANUAL_DATA) X(DONE)

enum smtp_state {
#define SMTP_STATE_ENUM(name) ST_##name,
	SMTP_STATES(SMTP_STATE_ENUM)
#undef SMTP_STATE_ENUM
};

static const char *const state_names[] = {
#define SMTP_STATE_NAME(name) #name,
	SMTP_STATES(SMTP_STATE_NAME)
#undef SMTP_STATE_NAME
};

struct smtp_session {
	struct loop *loop;
	struct model_session *m;
	struct smtp_options opt;
	struct smtp_callbacks cb;
	void *arg;
	struct conn *conn;
	struct reply_parser *parser;
	struct loop_timer *timer;
	enum smtp_state state;
	enum model_step_id step;        /* the step the pending reply ends */
	bool rcpt_ok;
	bool data_done;
	bool finished;
	bool manual;            /* handed over: the user types */
	char *pending_message;  /* manual DATA: sent on the 354 */
	char *manual_user, *manual_pass;
};

static void perform_quit(struct smtp_session *s);
static void after_tls(struct smtp_session *s);

/* The only way to change state. */
static void state_set(struct smtp_session *s, enum smtp_state next)
{
	s->state = next;
}

static uint64_t since_start(const struct smtp_session *s)
{
	return loop_clock_ms() - s->m->started_ms;
}

/* ---- transcript and steps ---------------------------------------------- */

static struct model_line *record(struct smtp_session *s, char dir,
                                 const char *bytes, size_t len)
{
	struct model_line *l = model_session_add_line(s->m, dir, since_start(s),
	                                              bytes, len);

	if (l != NULL && s->cb.on_line != NULL)
		s->cb.on_line(s, l, s->arg);
	return l;
}

static void note(struct smtp_session *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		record(s, 'I', buf, strlen(buf));
}

static void step_begin(struct smtp_session *s, enum model_step_id id)
{
	struct model_step *st = &s->m->steps[id];

	if (st->state == STEP_RUNNING)
		return;
	memset(st, 0, sizeof *st);
	st->state = STEP_RUNNING;
	st->at_ms = since_start(s);
	st->line_from = s->m->nlines;
}

static void step_end(struct smtp_session *s, enum model_step_id id,
                     enum model_step_state state, const struct reply *r,
                     enum model_reason reason, const char *fmt, ...)
{
	struct model_step *st = &s->m->steps[id];
	va_list ap;

	if (st->state != STEP_RUNNING) {
		memset(st, 0, sizeof *st);
		st->at_ms = since_start(s);
		st->line_from = s->m->nlines;
	}
	st->line_to = s->m->nlines;
	st->state = state;
	st->reason = reason;
	st->fail = model_reason_fail(reason);
	st->ms = since_start(s) - st->at_ms;
	if (r != NULL) {
		size_t len;
		const char *t = r->nlines ? reply_line_text(r, 0, &len) : "";

		st->code = r->code;
		memcpy(st->enhanced, r->enhanced, sizeof st->enhanced);
		if (r->nlines == 0)
			len = 0;
		if (len >= sizeof st->text)
			len = sizeof st->text - 1;
		memcpy(st->text, t, len);
		st->text[len] = '\0';
	}
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(st->detail, sizeof st->detail, fmt, ap);
		va_end(ap);
	}
	if (s->cb.on_step != NULL)
		s->cb.on_step(s, id, s->arg);
}

static void skip_steps(struct smtp_session *s, enum model_step_id from,
                       enum model_step_id to, enum model_reason reason,
                       const char *why)
{
	int i;

	for (i = (int)from; i <= (int)to; i++)
		if (s->m->steps[i].state == STEP_NOT_RUN)
			step_end(s, (enum model_step_id)i, STEP_SKIPPED, NULL, reason,
			         "%s", why);
}

/* ---- ending ---------------------------------------------------------- */

static void finish(struct smtp_session *s, const char *why)
{
	if (s->finished)
		return;
	s->finished = true;
	loop_timer_remove(s->timer);
	s->timer = NULL;
	if (s->conn != NULL) {
		conn_free(s->conn);
		s->conn = NULL;
	}
	if (why != NULL && s->m->error[0] == '\0')
		snprintf(s->m->error, sizeof s->m->error, "%s", why);
	state_set(s, ST_DONE);
	s->m->running = 0;
	s->m->done = 1;
	s->m->ended_ms = loop_clock_ms();
	if (s->cb.on_done != NULL)
		s->cb.on_done(s, s->arg);
}

static void on_timeout(struct loop_timer *t, void *arg);

static void arm_timer(struct smtp_session *s, int ms)
{
	/* By hand, the user decides how long to wait. */
	if (s->manual)
		return;
	loop_timer_remove(s->timer);
	s->timer = loop_timer_add(s->loop, (uint64_t)(ms > 0 ? ms : 30000), 0,
	                          on_timeout, s);
}

/* Records a command line (masked_as in its place, for credentials) and
 * queues it with its CRLF. 0, or -1 out of memory, -2 connection gone. */
static int write_command(struct smtp_session *s, const char *line,
                         const char *masked_as, const char *why_masked)
{
	size_t n = strlen(line);
	struct model_line *l;
	char *buf;
	int rc;

	if (masked_as != NULL) {
		l = record(s, 'C', masked_as, strlen(masked_as));
		if (l != NULL) {
			l->masked = 1;
			snprintf(l->note, sizeof l->note, "%s", why_masked);
		}
	} else {
		record(s, 'C', line, n);
	}
	buf = malloc(n + 3);
	if (buf == NULL)
		return -1;
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 3);
	rc = conn_write(s->conn, buf, n + 2) < 0 ? -2 : 0;
	memset(buf, 0, n);      /* it may hold credentials */
	free(buf);
	return rc;
}

/* Sends one command line of the routine; masked_as replaces it in the
 * transcript. */
static void send_line(struct smtp_session *s, enum smtp_state next,
                      enum model_step_id step, const char *line,
                      const char *masked_as, const char *why_masked)
{
	int rc;

	step_begin(s, step);
	s->step = step;
	state_set(s, next);
	rc = write_command(s, line, masked_as, why_masked);
	if (rc == -1) {
		step_end(s, step, STEP_FAILED, NULL, REASON_RESOURCE, "out of memory");
		finish(s, "out of memory");
		return;
	}
	if (rc == -2) {
		step_end(s, step, STEP_FAILED, NULL, REASON_CLOSED,
		         "the connection is gone; the command could not be sent");
		finish(s, "connection lost while sending");
		return;
	}
	arm_timer(s, s->opt.timeout_ms);
}

static void send_cmd(struct smtp_session *s, enum smtp_state next,
                     enum model_step_id step, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void send_cmd(struct smtp_session *s, enum smtp_state next,
                     enum model_step_id step, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	send_line(s, next, step, line, NULL, NULL);
}

/* ---- the routine --------------------------------------------------------- */

static void enter_manual(struct smtp_session *s, const char *point);

static bool quit_after(const struct smtp_session *s, enum smtp_quit_after q)
{
	return s->opt.quit_after == q;
}

static void quit_early(struct smtp_session *s, const char *point);

/* The routine stops here: handed over to the user, or --quit-after (which
 * ends politely with QUIT). */
static bool stop_here(struct smtp_session *s, enum smtp_quit_after q)
{
	if (q == SMTP_QUIT_NEVER)
		return false;
	if (s->opt.handover == q) {
		enter_manual(s, smtp_quit_after_name(q));
		return true;
	}
	if (quit_after(s, q)) {
		quit_early(s, smtp_quit_after_name(q));
		return true;
	}
	return false;
}

static void perform_quit(struct smtp_session *s)
{
	send_cmd(s, ST_QUIT, STEP_QUIT, "QUIT");
}

static void quit_early(struct smtp_session *s, const char *point)
{
	note(s, "--quit-after %s: ending the session here", point);
	perform_quit(s);
}

static void perform_mail(struct smtp_session *s, enum smtp_state next,
                         enum model_step_id step)
{
	send_cmd(s, next, step, "MAIL FROM:<%s>", s->opt.mail_from);
}

static void perform_rset_or_quit(struct smtp_session *s)
{
	send_cmd(s, ST_RSET, STEP_RSET, "RSET");
}

/* After the target RCPT (and DATA when sending): the relay test, if any. */
static void perform_relay_or_rset(struct smtp_session *s)
{
	if (s->opt.relay_to == NULL) {
		skip_steps(s, STEP_RELAY, STEP_RELAY, REASON_BY_OPTION, "relay test off (--no-relay-test)");
		perform_rset_or_quit(s);
	} else if (s->data_done) {
		/* The message went out in its own transaction; the relay test
		 * gets a new one, so a relaying server never relays it. */
		perform_mail(s, ST_RELAY_MAIL, STEP_RELAY);
	} else {
		send_cmd(s, ST_RELAY, STEP_RELAY, "RCPT TO:<%s>", s->opt.relay_to);
	}
}

static void after_auth(struct smtp_session *s)
{
	if (stop_here(s, SMTP_QUIT_AUTH))
		return;
	perform_mail(s, ST_MAIL, STEP_MAIL);
}

static void perform_auth(struct smtp_session *s)
{
	const struct ehlo *e = &s->m->ehlo;
	const char *user = s->opt.auth_user, *pass = s->opt.auth_pass ? s->opt.auth_pass : "";

	if (user == NULL) {
		skip_steps(s, STEP_AUTH, STEP_AUTH, REASON_BY_OPTION, "no AUTH asked (--auth-user)");
		after_auth(s);
		return;
	}
	if (!s->m->tls_active && !s->opt.allow_plaintext_auth) {
		step_end(s, STEP_AUTH, STEP_SKIPPED, NULL, REASON_POLICY,
		         "refused to send credentials without TLS "
		         "(--allow-plaintext-auth to do it anyway)");
		after_auth(s);
		return;
	}
	if (!(e->exts & EHLO_AUTH)) {
		step_end(s, STEP_AUTH, STEP_SKIPPED, NULL, REASON_NOT_OFFERED,
		         "the server does not offer AUTH here");
		after_auth(s);
		return;
	}
	if (e->auth & AUTH_PLAIN) {
		size_t ul = strlen(user), pl = strlen(pass);
		unsigned char *raw = malloc(ul + pl + 2);
		char *b64, *line, masked[160];

		if (raw == NULL)
			return finish(s, "out of memory");
		raw[0] = '\0';
		memcpy(raw + 1, user, ul);
		raw[ul + 1] = '\0';
		memcpy(raw + ul + 2, pass, pl);
		b64 = smtp_base64(raw, ul + pl + 2);
		free(raw);
		line = b64 ? malloc(strlen(b64) + 16) : NULL;
		if (line == NULL) {
			free(b64);
			return finish(s, "out of memory");
		}
		sprintf(line, "AUTH PLAIN %s", b64);
		snprintf(masked, sizeof masked, "AUTH PLAIN ********");
		send_line(s, ST_AUTH_PLAIN, STEP_AUTH, line, masked,
		          "credentials hidden");
		free(line);
		free(b64);
		return;
	}
	if (e->auth & AUTH_LOGIN) {
		send_cmd(s, ST_AUTH_LOGIN, STEP_AUTH, "AUTH LOGIN");
		return;
	}
	step_end(s, STEP_AUTH, STEP_SKIPPED, NULL, REASON_NOT_OFFERED,
	         "the server offers no mechanism mailflow speaks (PLAIN, LOGIN)");
	after_auth(s);
}

static void after_tls(struct smtp_session *s)
{
	if (stop_here(s, SMTP_QUIT_TLS))
		return;
	perform_auth(s);
}

static void after_ehlo(struct smtp_session *s)
{
	if (stop_here(s, SMTP_QUIT_EHLO))
		return;
	s->m->starttls_offered = (s->m->ehlo.exts & EHLO_STARTTLS) != 0;
	if (s->m->tls_active) {
		/* Implicit TLS: the STARTTLS step already holds the handshake. */
		after_tls(s);
	} else if (s->opt.tls == SMTP_TLS_OFF) {
		step_end(s, STEP_STARTTLS, STEP_SKIPPED, NULL, REASON_BY_OPTION,
		         "not tried (--tls off)");
		after_tls(s);
	} else if (s->m->starttls_offered && s->opt.tls_ctx != NULL) {
		send_cmd(s, ST_STARTTLS, STEP_STARTTLS, "STARTTLS");
	} else if (s->opt.tls == SMTP_TLS_REQUIRE) {
		step_end(s, STEP_STARTTLS, STEP_FAILED, NULL, REASON_POLICY,
		         "the server does not offer STARTTLS, and TLS is required "
		         "(--tls require)");
		perform_quit(s);
	} else {
		step_end(s, STEP_STARTTLS, STEP_SKIPPED, NULL, REASON_NOT_OFFERED,
		         "the server does not offer STARTTLS: mail to it travels "
		         "unencrypted");
		after_tls(s);
	}
}

static void after_banner(struct smtp_session *s)
{
	if (stop_here(s, SMTP_QUIT_BANNER))
		return;
	send_cmd(s, ST_EHLO, STEP_EHLO, "EHLO %s", s->opt.helo);
}

static void after_rcpt(struct smtp_session *s)
{
	if (stop_here(s, SMTP_QUIT_RCPT))
		return;
	if (s->opt.send && s->rcpt_ok) {
		send_cmd(s, ST_DATA, STEP_DATA, "DATA");
		return;
	}
	skip_steps(s, STEP_DATA, STEP_DATA,
	           s->opt.send ? REASON_EARLIER_STEP : REASON_BY_OPTION, s->opt.send
	           ? "not sent: the recipient was not accepted"
	           : "no message sent (--send sends one)");
	perform_relay_or_rset(s);
}

static void perform_data_body(struct smtp_session *s)
{
	char *msg = smtp_test_message(s->opt.mail_from, s->opt.rcpt_to, s->opt.helo);
	char *body;
	size_t len, i, start = 0;

	if (msg == NULL)
		return finish(s, "out of memory");
	body = smtp_dot_stuff(msg, strlen(msg), &len);
	free(msg);
	if (body == NULL)
		return finish(s, "out of memory");
	/* The transcript gets the message line by line, as sent. */
	for (i = 0; i + 1 < len; i++) {
		if (body[i] == '\r' && body[i + 1] == '\n') {
			record(s, 'C', body + start, i - start);
			start = i + 2;
		}
	}
	state_set(s, ST_DATA_BODY);
	if (conn_write(s->conn, body, len) < 0) {
		free(body);
		step_end(s, STEP_DATA, STEP_FAILED, NULL, REASON_CLOSED,
		         "the connection is gone; the message could not be sent");
		return finish(s, "connection lost while sending the message");
	}
	free(body);
	arm_timer(s, s->opt.timeout_ms);
}

/* ---- replies ------------------------------------------------------------- */

static enum model_step_state verdict_of(const struct reply *r)
{
	int c = reply_class(r);

	if (c == 2 || c == 3)
		return STEP_OK;
	if (c == 4 || c == 5)
		return STEP_REJECTED;
	return STEP_FAILED;
}

static void end_by_reply(struct smtp_session *s, const struct reply *r)
{
	enum model_step_state v = verdict_of(r);

	step_end(s, s->step, v, r, v == STEP_FAILED ? REASON_PROTOCOL
	         : v == STEP_REJECTED ? REASON_REFUSED : REASON_NONE,
	         v == STEP_FAILED ? "the reply has no valid reply code" : NULL);
}

static void manual_reply(struct smtp_session *s, const struct reply *r);

static void handle_reply(struct smtp_session *s, const struct reply *r)
{
	int code = r->code, cls = reply_class(r);

	loop_timer_remove(s->timer);
	s->timer = NULL;
	if (s->manual) {
		manual_reply(s, r);
		return;
	}
	switch (s->state) {
	case ST_BANNER:
		s->m->banner_ms = loop_clock_ms() - s->m->started_ms -
		                  s->m->steps[STEP_BANNER].at_ms;
		end_by_reply(s, r);
		if (code == 220) {
			after_banner(s);
		} else if (code == 421) {
			/* The server is going away: it closes, no QUIT wanted. */
			finish(s, "the server refused the session at connect (421)");
		} else {
			perform_quit(s);
		}
		break;
	case ST_EHLO:
		if (cls == 2) {
			reply_parse_ehlo(r, &s->m->ehlo);
			s->m->ehlo_done = 1;
			end_by_reply(s, r);
			after_ehlo(s);
		} else if (cls == 5) {
			note(s, "EHLO refused (%d): trying HELO, without extensions", code);
			s->m->used_helo = 1;
			send_cmd(s, ST_HELO, STEP_EHLO, "HELO %s", s->opt.helo);
		} else {
			end_by_reply(s, r);
			perform_quit(s);
		}
		break;
	case ST_HELO:
		end_by_reply(s, r);
		if (cls == 2) {
			memset(&s->m->ehlo, 0, sizeof s->m->ehlo);
			s->m->ehlo_done = 1;
			after_ehlo(s);
		} else {
			perform_quit(s);
		}
		break;
	case ST_STARTTLS:
		if (code == 220) {
			state_set(s, ST_TLS_HANDSHAKE);
			reply_parser_reset(s->parser);
			if (conn_start_tls(s->conn, s->opt.tls_ctx, s->m->host) < 0) {
				step_end(s, STEP_STARTTLS, STEP_FAILED, NULL, REASON_TLS,
				         "could not set up TLS");
				finish(s, "TLS setup failed");
				return;
			}
			arm_timer(s, s->opt.timeout_ms);
		} else {
			end_by_reply(s, r);
			if (s->opt.tls == SMTP_TLS_REQUIRE)
				perform_quit(s);
			else
				after_tls(s);
		}
		break;
	case ST_EHLO_TLS:
		end_by_reply(s, r);
		if (cls == 2) {
			reply_parse_ehlo(r, &s->m->ehlo);
			after_tls(s);
		} else {
			perform_quit(s);
		}
		break;
	case ST_AUTH_PLAIN:
	case ST_AUTH_PASS:
		end_by_reply(s, r);
		s->m->authenticated = code == 235;
		after_auth(s);
		break;
	case ST_AUTH_LOGIN:
	case ST_AUTH_USER:
		if (code != 334) {
			end_by_reply(s, r);
			after_auth(s);
		} else {
			const char *secret = s->state == ST_AUTH_LOGIN ? s->opt.auth_user
			                     : (s->opt.auth_pass ? s->opt.auth_pass : "");
			char *b64 = smtp_base64((const unsigned char *)secret, strlen(secret));

			if (b64 == NULL)
				return finish(s, "out of memory");
			send_line(s, s->state == ST_AUTH_LOGIN ? ST_AUTH_USER : ST_AUTH_PASS,
			          STEP_AUTH, b64, "********",
			          s->state == ST_AUTH_LOGIN ? "user name hidden"
			                                    : "password hidden");
			free(b64);
		}
		break;
	case ST_MAIL:
		end_by_reply(s, r);
		if (stop_here(s, SMTP_QUIT_MAIL))
			break;
		if (cls == 2) {
			const char *notify = (s->m->ehlo.exts & EHLO_DSN)
			                     ? " NOTIFY=SUCCESS,FAILURE" : "";

			s->m->notify_sent = notify[0] != '\0';
			send_cmd(s, ST_RCPT, STEP_RCPT, "RCPT TO:<%s>%s", s->opt.rcpt_to,
			         notify);
		} else {
			skip_steps(s, STEP_RCPT, STEP_DATA, REASON_EARLIER_STEP,
			           "not tried: MAIL FROM was not accepted");
			perform_quit(s);
		}
		break;
	case ST_RCPT:
		end_by_reply(s, r);
		s->rcpt_ok = cls == 2;
		after_rcpt(s);
		break;
	case ST_DATA:
		if (code == 354) {
			perform_data_body(s);
		} else {
			end_by_reply(s, r);
			perform_relay_or_rset(s);
		}
		break;
	case ST_DATA_BODY:
		end_by_reply(s, r);
		s->data_done = true;
		perform_relay_or_rset(s);
		break;
	case ST_RELAY_MAIL:
		if (cls == 2) {
			send_cmd(s, ST_RELAY, STEP_RELAY, "RCPT TO:<%s>", s->opt.relay_to);
		} else {
			end_by_reply(s, r);
			perform_quit(s);
		}
		break;
	case ST_RELAY:
		end_by_reply(s, r);
		perform_rset_or_quit(s);
		break;
	case ST_RSET:
		end_by_reply(s, r);
		perform_quit(s);
		break;
	case ST_QUIT:
		end_by_reply(s, r);
		finish(s, NULL);
		break;
	default:
		break;
	}
}

/* 334 challenges carry base64: show what they say. */
static void annotate_334(struct model_line *l, const struct reply *r, size_t i)
{
	char plain[64];
	size_t len;
	const char *t = reply_line_text(r, i, &len);

	if (r->code != 334 || smtp_base64_decode(t, len, plain, sizeof plain) < 0)
		return;
	for (len = 0; plain[len] != '\0'; len++)
		if (!isprint((unsigned char)plain[len]))
			return;
	snprintf(l->note, sizeof l->note, "(%s)", plain);
}

static void record_reply(struct smtp_session *s, const struct reply *r)
{
	size_t i;

	s->m->reply_flags |= r->flags;
	for (i = 0; i < r->nlines; i++) {
		struct model_line *l = record(s, 'S', r->lines[i].text, r->lines[i].len);

		if (l == NULL)
			continue;
		l->code = r->code;
		l->flags = r->flags;
		annotate_334(l, r, i);
		if (r->lines[i].len >= REPLY_LINE_HARD)
			snprintf(l->note, sizeof l->note, "line cut at %d bytes",
			         REPLY_LINE_HARD);
	}
}

/* Is a reply due in this state? */
static bool reply_due(const struct smtp_session *s)
{
	return s->state != ST_CONNECTING && s->state != ST_TLS_CONNECT &&
	       s->state != ST_TLS_HANDSHAKE && s->state != ST_DONE;
	/* ST_MANUAL included: by hand, the server may answer at any time. */
}

static void on_data(struct conn *c, const char *buf, size_t len, void *arg)
{
	struct smtp_session *s = arg;

	(void)c;
	while (len > 0 && !s->finished) {
		struct reply *r = NULL;
		size_t used;

		if (!reply_due(s)) {
			s->m->unsolicited = 1;
			record(s, 'S', buf, len);
			note(s, "%zu bytes arrived when the server had nothing to say", len);
			return;
		}
		used = reply_parser_feed(s->parser, buf, len, &r);
		buf += used;
		len -= used;
		if (r == NULL)
			continue;
		record_reply(s, r);
		if (len > 0 && (s->state == ST_STARTTLS || s->state == ST_MANUAL_STARTTLS) &&
		    r->code == 220) {
			/* The STARTTLS injection: plaintext that would be read as if
			 * it came over TLS. Never go on with such a server. */
			s->m->tls_injection = 1;
			r->flags |= REPLY_F_TRAILING_DATA;
			s->m->reply_flags |= REPLY_F_TRAILING_DATA;
			record(s, 'S', buf, len);
			note(s, "%zu bytes of plaintext followed the STARTTLS 220: "
			     "a command injection; the session stops here", len);
			step_end(s, STEP_STARTTLS, STEP_FAILED, r, REASON_PROTOCOL,
			         "plaintext data after the 220 reply to STARTTLS "
			         "(STARTTLS command injection)");
			reply_free(r);
			finish(s, "STARTTLS injection");
			return;
		}
		if (len > 0 && s->manual && s->state != ST_MANUAL_STARTTLS) {
			handle_reply(s, r);
			reply_free(r);
			continue;
		}
		if (len > 0) {
			/* One command is in flight at a time: the server spoke
			 * out of turn. Show it, do not parse it as the next reply. */
			s->m->unsolicited = 1;
			r->flags |= REPLY_F_TRAILING_DATA;
			s->m->reply_flags |= REPLY_F_TRAILING_DATA;
			record(s, 'S', buf, len);
			note(s, "%zu more bytes came after the reply without a command", len);
			len = 0;
		}
		handle_reply(s, r);
		reply_free(r);
	}
}

/* ---- connection events --------------------------------------------------- */

static void wait_banner(struct smtp_session *s)
{
	step_begin(s, STEP_BANNER);
	s->step = STEP_BANNER;
	state_set(s, ST_BANNER);
	arm_timer(s, s->opt.banner_timeout_ms ? s->opt.banner_timeout_ms
	                                      : s->opt.timeout_ms);
}

static void on_connected(struct conn *c, void *arg)
{
	struct smtp_session *s = arg;

	snprintf(s->m->local_addr, sizeof s->m->local_addr, "%s", conn_local_address(c));
	step_end(s, STEP_CONNECT, STEP_OK, NULL, REASON_NONE, "connected from %s",
	         s->m->local_addr);
	if (s->opt.handover == SMTP_QUIT_CONNECT) {
		enter_manual(s, "connect");
		return;
	}
	if (quit_after(s, SMTP_QUIT_CONNECT)) {
		note(s, "--quit-after connect: closing without a word");
		finish(s, NULL);
		return;
	}
	if (s->opt.tls_on_connect) {
		s->m->tls_implicit = 1;
		step_begin(s, STEP_STARTTLS);
		s->step = STEP_STARTTLS;
		state_set(s, ST_TLS_CONNECT);
		if (conn_start_tls(s->conn, s->opt.tls_ctx, s->m->host) < 0) {
			step_end(s, STEP_STARTTLS, STEP_FAILED, NULL, REASON_TLS,
			         "could not set up TLS");
			finish(s, "TLS setup failed");
			return;
		}
		arm_timer(s, s->opt.timeout_ms);
		return;
	}
	wait_banner(s);
}

static void on_tls(struct conn *c, int ok, const char *detail, void *arg)
{
	struct smtp_session *s = arg;

	loop_timer_remove(s->timer);
	s->timer = NULL;
	if (!ok) {
		snprintf(s->m->tls.failure, sizeof s->m->tls.failure, "%s", detail);
		note(s, "TLS handshake failed: %s", detail);
		step_end(s, STEP_STARTTLS, STEP_FAILED, NULL, REASON_TLS,
		         "TLS handshake failed: %s", detail);
		finish(s, "TLS handshake failed");
		return;
	}
	s->m->tls_active = 1;
	tls_facts_collect(conn_ssl(c), s->m->host, &s->m->tls);
	note(s, "TLS %s %s; certificate %s; chain %s; name %s", s->m->tls.version,
	     s->m->tls.cipher, s->m->tls.subject,
	     s->m->tls.chain_ok ? "verified" : s->m->tls.verify_error,
	     s->m->tls.name_ok ? "matches" : "does NOT match the host name");
	if (s->state == ST_TLS_CONNECT) {
		step_end(s, STEP_STARTTLS, STEP_OK, NULL, REASON_NONE,
		         "implicit TLS established");
		wait_banner(s);
		return;
	}
	if (s->manual) {
		/* By hand, the user sends the EHLO after TLS. */
		reply_parser_reset(s->parser);
		state_set(s, ST_MANUAL);
		note(s, "TLS is up: send EHLO again, the server forgot the first one");
		return;
	}
	send_cmd(s, ST_EHLO_TLS, STEP_STARTTLS, "EHLO %s", s->opt.helo);
}

static void on_conn_error(struct conn *c, enum conn_error err,
                          const char *detail, void *arg)
{
	struct smtp_session *s = arg;

	(void)c;
	s->m->conn_error = err;
	if (s->state == ST_CONNECTING) {
		step_end(s, STEP_CONNECT, STEP_FAILED, NULL, REASON_CONNECT,
		         "%s: %s", conn_error_name(err), detail);
		finish(s, detail);
		return;
	}
	note(s, "connection ended: %s", detail);
	if (s->state == ST_QUIT) {
		/* Gone after QUIT without its 221: nothing lost. */
		step_end(s, STEP_QUIT, STEP_FAILED, NULL, REASON_CLOSED,
		         "the server closed the connection without answering QUIT");
	} else if (s->state != ST_DONE) {
		size_t partial = reply_parser_buffered(s->parser);

		step_end(s, s->step, STEP_FAILED, NULL,
		         err == CONN_TLS ? REASON_TLS : REASON_CLOSED,
		         partial ? "%s after %zu bytes of an unfinished reply" : "%s",
		         detail, partial);
	}
	finish(s, detail);
}

static void on_timeout(struct loop_timer *t, void *arg)
{
	struct smtp_session *s = arg;
	size_t partial = reply_parser_buffered(s->parser);
	int ms = s->state == ST_BANNER && s->opt.banner_timeout_ms
	         ? s->opt.banner_timeout_ms : s->opt.timeout_ms;

	(void)t;
	s->timer = NULL;
	note(s, "no reply within %d ms%s", ms, partial ? " (a reply began, then stopped)" : "");
	if (partial)
		step_end(s, s->step, STEP_FAILED, NULL, REASON_TIMEOUT,
		         "the reply stopped after %zu bytes and nothing came for %d ms",
		         partial, ms);
	else
		step_end(s, s->step, STEP_FAILED, NULL, REASON_TIMEOUT,
		         "no reply within %d ms", ms);
	/* A silent server would not answer QUIT either. */
	finish(s, "timeout");
}

static void on_start_failed(struct loop_timer *t, void *arg)
{
	struct smtp_session *s = arg;

	(void)t;
	s->timer = NULL;
	if (s->cb.on_done != NULL)
		s->cb.on_done(s, s->arg);
}

/* ---- the face ------------------------------------------------------------ */

struct smtp_session *smtp_session_start(struct loop *loop,
                                        struct model_session *m,
                                        const struct smtp_options *opt,
                                        const struct smtp_callbacks *cb,
                                        void *arg)
{
	static const struct conn_callbacks ccb = {
		on_connected, on_data, on_tls, on_conn_error,
	};
	struct smtp_session *s = calloc(1, sizeof *s);
	struct conn_options co;
	char cause[256];

	if (s == NULL)
		return NULL;
	s->loop = loop;
	s->m = m;
	s->opt = *opt;
	if (cb != NULL)
		s->cb = *cb;
	s->arg = arg;
	s->parser = reply_parser_new();
	s->conn = conn_new(loop, &ccb, s);
	if (s->parser == NULL || s->conn == NULL) {
		conn_free(s->conn);
		reply_parser_free(s->parser);
		free(s);
		return NULL;
	}
	m->running = 1;
	m->started_ms = loop_clock_ms();
	state_set(s, ST_CONNECTING);
	step_begin(s, STEP_CONNECT);
	s->step = STEP_CONNECT;
	co.bind_addr = opt->bind_addr;
	co.connect_timeout_ms = opt->connect_timeout_ms ? opt->connect_timeout_ms
	                                                : opt->timeout_ms;
	if (conn_connect(s->conn, m->addr, m->port, &co, cause, sizeof cause) < 0) {
		step_end(s, STEP_CONNECT, STEP_FAILED, NULL, REASON_CONNECT, "%s", cause);
		s->finished = true;
		m->running = 0;
		m->done = 1;
		snprintf(m->error, sizeof m->error, "%s", cause);
		/* Report the end from the loop, like every other end. */
		s->timer = loop_timer_add(loop, 0, 0, on_start_failed, s);
	}
	return s;
}

void smtp_session_free(struct smtp_session *s)
{
	if (s == NULL)
		return;
	loop_timer_remove(s->timer);
	conn_free(s->conn);
	reply_parser_free(s->parser);
	free(s->pending_message);
	if (s->manual_pass != NULL) {
		memset(s->manual_pass, 0, strlen(s->manual_pass));
		free(s->manual_pass);
	}
	free(s->manual_user);
	free(s);
}

struct model_session *smtp_session_data(struct smtp_session *s)
{
	return s->m;
}

const char *smtp_session_state(const struct smtp_session *s)
{
	return state_names[s->state];
}

/* ---- manual mode --------------------------------------------------------- */

/* Fills *cause (the caller frees it) and returns -1. */
static int set_cause(char **cause, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void enter_manual(struct smtp_session *s, const char *point)
{
	loop_timer_remove(s->timer);
	s->timer = NULL;
	s->manual = true;
	state_set(s, ST_MANUAL);
	note(s, "continuing by hand after %s", point);
	if (s->cb.on_manual != NULL)
		s->cb.on_manual(s, s->arg);
}

int smtp_session_is_manual(const struct smtp_session *s)
{
	return s->manual && !s->finished;
}

int smtp_manual_check_line(const char *line, char **cause)
{
	size_t i, n = strlen(line);

	if (n > REPLY_LINE_MAX - 2) {
		set_cause(cause, "the line is %zu bytes: SMTP allows %d (512 with "
		         "CRLF); not sent", n, REPLY_LINE_MAX - 2);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\r' || c == '\n') {
			set_cause(cause, "a bare %s at byte %zu: a line ends only with "
			         "CRLF, which mailflow adds; not sent", c == '\r' ? "CR" : "LF",
			         i + 1);
			return -1;
		}
		if (c >= 0x80) {
			set_cause(cause, "a non-ASCII byte at position %zu: SMTP commands "
			         "are ASCII (internationalised addresses need SMTPUTF8); not sent",
			         i + 1);
			return -1;
		}
		if (c < 0x20 && c != '\t') {
			set_cause(cause, "a control character (0x%02x) at position %zu; "
			         "not sent", c, i + 1);
			return -1;
		}
	}
	return 0;
}

static int manual_write(struct smtp_session *s, const char *line, const char *masked,
                        const char *why_masked, char **cause)
{
	int rc;

	if (!smtp_session_is_manual(s) || s->conn == NULL) {
		set_cause(cause, "the connection is closed");
		return -1;
	}
	rc = write_command(s, line, masked, why_masked);
	if (rc < 0)
		set_cause(cause, "%s", rc == -1 ? "out of memory" : "the connection is gone");
	return rc < 0 ? -1 : 0;
}

int smtp_manual_send(struct smtp_session *s, const char *line, char **cause)
{
	if (smtp_manual_check_line(line, cause) < 0)
		return -1;
	if (strcasecmp(line, "STARTTLS") == 0)
		return smtp_manual_starttls(s, cause);
	return manual_write(s, line, NULL, NULL, cause);
}

int smtp_manual_starttls(struct smtp_session *s, char **cause)
{
	if (s->m->tls_active) {
		set_cause(cause, "TLS is already on");
		return -1;
	}
	if (s->opt.tls_ctx == NULL) {
		set_cause(cause, "TLS is off for this run (--tls off)");
		return -1;
	}
	if (manual_write(s, "STARTTLS", NULL, NULL, cause) < 0)
		return -1;
	state_set(s, ST_MANUAL_STARTTLS);
	return 0;
}

int smtp_manual_auth(struct smtp_session *s, int plain, const char *user,
                     const char *pass, char **cause)
{
	free(s->manual_user);
	if (s->manual_pass != NULL) {
		memset(s->manual_pass, 0, strlen(s->manual_pass));
		free(s->manual_pass);
	}
	s->manual_user = strdup(user);
	s->manual_pass = strdup(pass);
	if (s->manual_user == NULL || s->manual_pass == NULL) {
		set_cause(cause, "out of memory");
		return -1;
	}
	if (plain) {
		size_t ul = strlen(user), pl = strlen(pass);
		unsigned char *raw = malloc(ul + pl + 2);
		char *b64, *line;
		int rc;

		if (raw == NULL)
			return -1;
		raw[0] = '\0';
		memcpy(raw + 1, user, ul);
		raw[ul + 1] = '\0';
		memcpy(raw + ul + 2, pass, pl);
		b64 = smtp_base64(raw, ul + pl + 2);
		memset(raw, 0, ul + pl + 2);
		free(raw);
		line = b64 ? malloc(strlen(b64) + 16) : NULL;
		if (line == NULL) {
			free(b64);
			return -1;
		}
		sprintf(line, "AUTH PLAIN %s", b64);
		rc = manual_write(s, line, "AUTH PLAIN ********", "credentials hidden", cause);
		memset(line, 0, strlen(line));
		free(line);
		free(b64);
		if (rc == 0)
			state_set(s, ST_AUTH_PLAIN);
		return rc;
	}
	if (manual_write(s, "AUTH LOGIN", NULL, NULL, cause) < 0)
		return -1;
	state_set(s, ST_AUTH_LOGIN);
	return 0;
}

/* Whether the header part of msg (up to the first empty line) has name. */
static bool has_header(const char *msg, const char *name)
{
	const char *p = msg;
	size_t n = strlen(name);

	while (*p != '\0' && *p != '\r' && *p != '\n') {
		if (strncasecmp(p, name, n) == 0)
			return true;
		p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
	}
	return false;
}

int smtp_manual_data(struct smtp_session *s, const char *message, char **cause)
{
	char date[64], id[160], *full;
	size_t n;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(id, sizeof id, "<mailflow.%ld.%lx@%.100s>", (long)now,
	         (unsigned long)loop_clock_ms(), s->opt.helo);
	n = strlen(message) + sizeof date + sizeof id + 32;
	full = malloc(n);
	if (full == NULL) {
		set_cause(cause, "out of memory");
		return -1;
	}
	snprintf(full, n, "%s%s%s%s%s%s%s",
	         has_header(message, "Date:") ? "" : "Date: ",
	         has_header(message, "Date:") ? "" : date,
	         has_header(message, "Date:") ? "" : "\r\n",
	         has_header(message, "Message-ID:") ? "" : "Message-ID: ",
	         has_header(message, "Message-ID:") ? "" : id,
	         has_header(message, "Message-ID:") ? "" : "\r\n", message);
	if (manual_write(s, "DATA", NULL, NULL, cause) < 0) {
		free(full);
		return -1;
	}
	free(s->pending_message);
	s->pending_message = full;
	state_set(s, ST_MANUAL_DATA);
	return 0;
}

static void manual_reply(struct smtp_session *s, const struct reply *r)
{
	switch (s->state) {
	case ST_MANUAL_STARTTLS:
		if (r->code == 220) {
			state_set(s, ST_TLS_HANDSHAKE);
			reply_parser_reset(s->parser);
			if (conn_start_tls(s->conn, s->opt.tls_ctx, s->m->host) < 0) {
				note(s, "could not set up TLS");
				state_set(s, ST_MANUAL);
			}
			return;
		}
		state_set(s, ST_MANUAL);
		return;
	case ST_MANUAL_DATA:
		if (r->code == 354 && s->pending_message != NULL) {
			size_t len, i, start = 0;
			char *body = smtp_dot_stuff(s->pending_message, strlen(s->pending_message), &len);

			free(s->pending_message);
			s->pending_message = NULL;
			state_set(s, ST_MANUAL);
			if (body == NULL)
				return;
			for (i = 0; i + 1 < len; i++)
				if (body[i] == '\r' && body[i + 1] == '\n') {
					record(s, 'C', body + start, i - start);
					start = i + 2;
				}
			if (conn_write(s->conn, body, len) < 0)
				note(s, "the message could not be sent: the connection is gone");
			free(body);
			return;
		}
		free(s->pending_message);
		s->pending_message = NULL;
		state_set(s, ST_MANUAL);
		return;
	case ST_AUTH_PLAIN:
	case ST_AUTH_PASS:
		s->m->authenticated = r->code == 235;
		state_set(s, ST_MANUAL);
		return;
	case ST_AUTH_LOGIN:
	case ST_AUTH_USER:
		if (r->code == 334) {
			bool user = s->state == ST_AUTH_LOGIN;
			const char *secret = user ? s->manual_user : s->manual_pass;
			char *b64 = smtp_base64((const unsigned char *)secret, strlen(secret));
			char *cause = NULL;

			if (b64 == NULL)
				return;
			if (manual_write(s, b64, "********", user ? "user name hidden"
			                 : "password hidden", &cause) == 0)
				state_set(s, user ? ST_AUTH_USER : ST_AUTH_PASS);
			memset(b64, 0, strlen(b64));
			free(b64);
			free(cause);
			return;
		}
		state_set(s, ST_MANUAL);
		return;
	default:
		return;
	}
}

/* ---- pure helpers -------------------------------------------------------- */

static const char *const quit_names[] = {
	[SMTP_QUIT_NEVER] = "never", [SMTP_QUIT_CONNECT] = "connect",
	[SMTP_QUIT_BANNER] = "banner", [SMTP_QUIT_EHLO] = "ehlo",
	[SMTP_QUIT_TLS] = "tls", [SMTP_QUIT_AUTH] = "auth",
	[SMTP_QUIT_MAIL] = "mail", [SMTP_QUIT_RCPT] = "rcpt",
};

const char *smtp_quit_after_name(enum smtp_quit_after q)
{
	if ((size_t)q < sizeof quit_names / sizeof quit_names[0])
		return quit_names[q];
	return "?";
}

int smtp_quit_after_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof quit_names / sizeof quit_names[0]; i++)
		if (strcasecmp(name, quit_names[i]) == 0)
			return (int)i;
	/* swaks' aliases */
	if (strcasecmp(name, "helo") == 0)
		return SMTP_QUIT_EHLO;
	if (strcasecmp(name, "starttls") == 0)
		return SMTP_QUIT_TLS;
	if (strcasecmp(name, "from") == 0)
		return SMTP_QUIT_MAIL;
	if (strcasecmp(name, "to") == 0)
		return SMTP_QUIT_RCPT;
	return -1;
}

char *smtp_dot_stuff(const char *body, size_t len, size_t *outlen)
{
	/* Worst case: every byte a bare LF → CRLF, every line a dot → "..". */
	char *out = malloc(len * 3 + 8);
	size_t i, o = 0;
	bool bol = true;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		char c = body[i];

		if (bol && c == '.')
			out[o++] = '.';
		bol = false;
		if (c == '\r' && i + 1 < len && body[i + 1] == '\n')
			continue;       /* the LF writes the CRLF */
		if (c == '\n' || c == '\r') {
			out[o++] = '\r';
			out[o++] = '\n';
			bol = true;
			continue;
		}
		out[o++] = c;
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	o += 3;
	out[o] = '\0';
	*outlen = o;
	return out;
}

char *smtp_test_message(const char *from, const char *to, const char *helo)
{
	char date[64], *msg;
	time_t now = time(NULL);
	struct tm tm;
	unsigned long rnd;
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	rnd = (unsigned long)loop_clock_ms() ^ ((unsigned long)now << 16) ^
	      (unsigned long)(uintptr_t)&tm;
	n = snprintf(NULL, 0, "x") + 2048 + (int)(strlen(from) + strlen(to) * 2 +
	                                          strlen(helo) * 2);
	msg = malloc((size_t)n);
	if (msg == NULL)
		return NULL;
	snprintf(msg, (size_t)n,
	         "Date: %s\r\n"
	         "From: <%s>\r\n"
	         "To: <%s>\r\n"
	         "Subject: mailflow test message\r\n"
	         "Message-ID: <mailflow.%ld.%lx@%s>\r\n"
	         "MIME-Version: 1.0\r\n"
	         "Content-Type: text/plain; charset=us-ascii\r\n"
	         "X-Mailer: mailflow %s\r\n"
	         "\r\n"
	         "This is a test message from mailflow, a mail flow troubleshooter.\r\n"
	         "It was sent to check that mail to <%s> is accepted.\r\n"
	         "You can delete it.\r\n"
	         ".\r\n"
	         "(The line above is a lone dot, sent dot-stuffed.)\r\n",
	         date, from, to, (long)now, rnd, helo, MAILFLOW_VERSION, to);
	return msg;
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *smtp_base64(const unsigned char *in, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = b64chars[v >> 6 & 63];
		out[o++] = b64chars[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);

		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

int smtp_base64_decode(const char *in, size_t len, char *out, size_t outsz)
{
	unsigned v = 0;
	int bits = 0;
	size_t i, o = 0;

	if (outsz == 0)
		return -1;
	for (i = 0; i < len; i++) {
		const char *p;

		if (in[i] == '=')
			break;
		p = memchr(b64chars, in[i], 64);
		if (p == NULL || in[i] == '\0')
			return -1;
		v = v << 6 | (unsigned)(p - b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)(v >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return (int)o;
}
