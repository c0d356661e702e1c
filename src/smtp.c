/*
 * smtp.c — the client session state machine (see include/mailflow/smtp.h).
 *
 * In the manner of curl's lib/smtp.c: one state enum and one table indexed
 * by state ({ name, reply handler }), one setter, state_set(), that is the
 * only way to change state and logs every transition to the --debug trace,
 * and per command a perform_<cmd>() that sends it and a state_<cmd>_resp()
 * that handles its reply. The automatic routine and a session typed by
 * hand (manual mode) run through the same pairs: AUTH PLAIN and LOGIN,
 * STARTTLS with its handshake, DATA with its body exist once. The two
 * differ only in what follows an exchange that is complete, and
 * exchange_done() alone decides it: the routine goes on to its next step,
 * a manual session goes back to the user (ST_MANUAL).
 *
 * One command is in flight at a time (no pipelining), so every step has
 * its own exact timing and its own timeout, and any byte that arrives when
 * no reply is due is evidence of a broken or hostile server.
 *
 * Credentials (the AUTH lines, their base64, the copies a manual AUTH
 * keeps) are wiped with secret_wipe()/secret_free() on every path, and
 * only placeholders reach the transcript; the trace logs state names only.
 */
#include "mailflow/smtp.h"
#include "mailflow/conn.h"
#include "mailflow/debug.h"
#include "mailflow/defaults.h"
#include "mailflow/loop.h"
#include "mailflow/reply.h"
#include "mailflow/tls.h"
#include "mailflow/xmalloc.h"

#include <ctype.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct smtp_session;
typedef void state_resp_fn(struct smtp_session *s, const struct reply *r);

/*
 * Every state, with the handler of the reply that ends it (NULL: no reply
 * is due then, so bytes from the server are out of turn) and what the
 * session waits for in it, in words for a timeout's detail ("the server
 * did not answer the password within 30000 ms"), and the positive replies
 * that answer it (RFC 5321 §4.3.2; RFC 4954 for AUTH): a 2xx or 3xx not in
 * that list (a greeting of 354, EHLO answered 221, MAIL answered 334) is a
 * protocol failure, never "accepted". Refusals (4xx, 5xx) fit any command.
 * NULL: no reply is judged so (by hand, the user reads it). The state
 * names are what smtp_session_state() and the --debug trace show.
 */
#define SMTP_STATES(X) \
	X(CONNECTING,    NULL,                  "the connection", NULL)   /* TCP connect */ \
	X(TLS_CONNECT,   NULL,                  "the TLS handshake", NULL) /* implicit TLS (465) */ \
	X(BANNER,        state_banner_resp,     "the greeting", "220") \
	X(EHLO,          state_ehlo_resp,       "EHLO", "250") \
	X(HELO,          state_helo_resp,       "HELO", "250")             /* EHLO refused with 5xx */ \
	X(DANE_WAIT,     NULL,                  "the DNSSEC validator's answer (TLSA)", NULL) /* before STARTTLS */ \
	X(STARTTLS,      state_starttls_resp,   "STARTTLS", "220") \
	X(TLS_HANDSHAKE, NULL,                  "the TLS handshake", NULL) /* after the 220 to STARTTLS */ \
	X(EHLO_TLS,      state_ehlo_tls_resp,   "the EHLO after TLS", "250") \
	X(AUTH_PLAIN,    state_auth_resp,       "the credentials (AUTH PLAIN)", "235 334") \
	X(AUTH_LOGIN,    state_auth_login_resp, "AUTH LOGIN", "334")       /* waiting for 334 Username: */ \
	X(AUTH_USER,     state_auth_user_resp,  "the user name", "334")    /* waiting for 334 Password: */ \
	X(AUTH_PASS,     state_auth_resp,       "the password", "235") \
	X(MAIL,          state_mail_resp,       "MAIL FROM", "250") \
	X(RCPT,          state_rcpt_resp,       "RCPT TO", "250 251") \
	X(DATA,          state_data_resp,       "DATA", "354")             /* waiting for 354 */ \
	X(DATA_BODY,     state_data_body_resp,  "the end of the message", "250") /* its final reply */ \
	X(RELAY_MAIL,    state_relay_mail_resp, "the relay test's MAIL FROM", "250") /* a new transaction */ \
	X(RELAY,         state_relay_resp,      "the relay test's RCPT TO", "250 251") \
	X(RSET,          state_rset_resp,       "RSET", "250") \
	X(QUIT,          state_quit_resp,       "QUIT", "221") \
	X(MANUAL,        state_manual_resp,     "a line typed by hand", NULL) /* the user's turn */ \
	X(DONE,          NULL,                  "nothing", NULL)

enum smtp_state {
#define SMTP_STATE_ENUM(name, resp, waits, fits) ST_##name,
	SMTP_STATES(SMTP_STATE_ENUM)
#undef SMTP_STATE_ENUM
};

static state_resp_fn state_banner_resp, state_ehlo_resp, state_helo_resp,
	state_starttls_resp, state_ehlo_tls_resp, state_auth_resp,
	state_auth_login_resp, state_auth_user_resp, state_mail_resp,
	state_rcpt_resp, state_data_resp, state_data_body_resp,
	state_relay_mail_resp, state_relay_resp, state_rset_resp,
	state_quit_resp, state_manual_resp;

static const struct state_entry {
	const char *name;
	state_resp_fn *resp;
	const char *waits;      /* what the server has not answered yet */
	const char *fits;       /* the positive replies that answer it */
} state_table[] = {
#define SMTP_STATE_ENTRY(name, resp, waits, fits) [ST_##name] = { #name, resp, waits, fits },
	SMTP_STATES(SMTP_STATE_ENTRY)
#undef SMTP_STATE_ENTRY
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
	struct loop_timer *deadline;    /* --session-timeout, from the start */
	enum smtp_state state;
	enum model_step_id step;        /* the step the pending reply ends */
	bool rcpt_ok;
	bool data_done;                 /* the message's final reply came */
	bool in_transaction;            /* a MAIL FROM was accepted, not reset */
	bool finished;
	bool manual;                    /* handed over: the user types */
	/* QUIT went out after a timeout: the late answer to the command that
	 * timed out may come before the 221. */
	bool late_reply;
	int timer_ms;                   /* what the running timer waits */
	/* Bytes since the pending command went out, and when the last came:
	 * a step that times out while data keeps coming is a flood, not a
	 * silence, and a server that floods is not listening for QUIT. */
	size_t step_rx;
	uint64_t last_rx_ms;
	/* The credentials of the AUTH under way: the options' in the routine,
	 * manual_user/manual_pass (our copies, wiped) by hand. */
	const char *auth_user, *auth_pass;
	char *manual_user, *manual_pass;
	char *message;                  /* DATA: what goes out on the 354 */
	/* DANE for the handshake (smtp_session_set_dane), our own copies. */
	bool dane_set;
	struct tls_dane dane;
	struct model_tlsa *dane_records;
	char *dane_base, *dane_mx;      /* xstrdup: most sessions have no DANE */
};

/* The only way to change state; every transition goes to the trace. */
static void state_set(struct smtp_session *s, enum smtp_state next)
{
	if (s->state != next)
		debug_log("smtp %s [%s]:%u %s -> %s", s->m->host, s->m->addr,
		          (unsigned)s->m->port, state_table[s->state].name,
		          state_table[next].name);
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
	__attribute__((format(printf, 2, 3)));

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

static void step_copy_reply(struct model_step *st, const struct reply *r)
{
	size_t len = 0;
	const char *t = r->nlines ? reply_line_text(r, 0, &len) : "";

	st->code = r->code;
	memcpy(st->enhanced, r->enhanced, sizeof st->enhanced);
	if (len >= sizeof st->text)
		len = sizeof st->text - 1;
	memcpy(st->text, t, len);
	st->text[len] = '\0';
}

/* Ends a step (or records one that never began); reason is what the
 * checklist decides on, fmt (may be NULL) the detail for people. */
static void step_end(struct smtp_session *s, enum model_step_id id,
                     enum model_step_state state, const struct reply *r,
                     enum model_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

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
	if (r != NULL)
		step_copy_reply(st, r);
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

/* ---- ending -------------------------------------------------------------- */

/* The credentials are needed for one AUTH exchange only. */
static void forget_credentials(struct smtp_session *s)
{
	secret_free(s->manual_user);
	secret_free(s->manual_pass);
	s->manual_user = s->manual_pass = NULL;
	s->auth_user = s->auth_pass = NULL;
}

static void finish(struct smtp_session *s, const char *why)
{
	if (s->finished)
		return;
	s->finished = true;
	loop_timer_remove(s->timer);
	s->timer = NULL;
	loop_timer_remove(s->deadline);
	s->deadline = NULL;
	if (s->conn != NULL) {
		conn_free(s->conn);
		s->conn = NULL;
	}
	forget_credentials(s);
	free(s->message);
	s->message = NULL;
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
static void on_deadline(struct loop_timer *t, void *arg);

static void arm_timer(struct smtp_session *s, int ms)
{
	/* By hand, the user decides how long to wait; an ended session
	 * waits for nothing. */
	if (s->manual || s->finished)
		return;
	loop_timer_remove(s->timer);
	s->timer_ms = ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
	s->timer = loop_timer_add(s->loop, (uint64_t)s->timer_ms, 0, on_timeout, s);
}

/* ---- sending ------------------------------------------------------------- */

/* Records a command line (masked_as in its place, for credentials) and
 * queues it with its CRLF. 0, or -1: the connection is gone. */
static int write_command(struct smtp_session *s, const char *line,
                         const char *masked_as, const char *why_masked)
{
	size_t n = strlen(line);
	char *buf;
	int rc;

	if (s->conn == NULL)
		return -1;
	if (masked_as != NULL) {
		struct model_line *l = record(s, 'C', masked_as, strlen(masked_as));

		if (l != NULL) {
			l->masked = 1;
			snprintf(l->note, sizeof l->note, "%s", why_masked);
		}
	} else {
		record(s, 'C', line, n);
	}
	buf = xmalloc(n + 2);
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 2);
	rc = conn_write(s->conn, buf, n + 2);
	secret_wipe(buf, n + 2);        /* it may hold credentials */
	free(buf);
	return rc < 0 ? -1 : 0;
}

/* Sends one command: its step begins (unless it is running already), the
 * state becomes next, the reply's timer starts. If the connection is gone
 * the step fails and the session ends. */
static void send_line(struct smtp_session *s, enum smtp_state next,
                      enum model_step_id step, const char *line,
                      const char *masked_as, const char *why_masked)
{
	step_begin(s, step);
	s->step = step;
	s->step_rx = 0;
	state_set(s, next);
	if (write_command(s, line, masked_as, why_masked) < 0) {
		/* A send that failed at once may have ended the session already. */
		if (!s->finished) {
			step_end(s, step, STEP_FAILED, NULL, REASON_CLOSED,
			         "the connection is gone; the command could not be sent");
			finish(s, "connection lost while sending");
		}
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
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	send_line(s, next, step, line, NULL, NULL);
	free(line);
}

/* ---- the commands: perform_<cmd>() sends ---------------------------------- */

static char *message_with_headers(const char *message, const char *helo);

static void perform_ehlo(struct smtp_session *s)
{
	send_cmd(s, ST_EHLO, STEP_EHLO, "EHLO %s", s->opt.helo);
}

static void perform_helo(struct smtp_session *s)
{
	send_cmd(s, ST_HELO, STEP_EHLO, "HELO %s", s->opt.helo);
}

static void perform_starttls(struct smtp_session *s)
{
	send_cmd(s, ST_STARTTLS, STEP_STARTTLS, "STARTTLS");
}

/* The TLS handshake, in state next (ST_TLS_CONNECT for TLS on connect,
 * ST_TLS_HANDSHAKE after the 220 to STARTTLS); on_tls() follows. */
static void perform_tls_handshake(struct smtp_session *s, enum smtp_state next)
{
	char *cause = NULL;

	state_set(s, next);
	if (conn_start_tls(s->conn, s->opt.tls_ctx, s->m->host, s->dane_set ? &s->dane : NULL,
	                   &cause) < 0) {
		note(s, "could not set up TLS: %s", cause);
		free(cause);
		step_end(s, STEP_STARTTLS, STEP_FAILED, NULL, REASON_TLS,
		         "could not set up TLS");
		finish(s, "TLS setup failed");
		return;
	}
	arm_timer(s, s->opt.timeout_ms);
}

/* The EHLO after STARTTLS: the server forgot the first one. It ends the
 * STARTTLS step, which holds the whole upgrade (its time and lines) but
 * keeps the 220 as its reply unless this EHLO is refused. */
static void perform_ehlo_tls(struct smtp_session *s)
{
	send_cmd(s, ST_EHLO_TLS, STEP_STARTTLS, "EHLO %s", s->opt.helo);
}

/* "AUTH PLAIN " and the base64 of "\0user\0pass" (RFC 4616); wipe it with
 * secret_free(). Built with memcpy so no formatted copy is left behind. */
static char *auth_plain_line(const char *user, const char *pass)
{
	static const char verb[] = "AUTH PLAIN ";
	size_t ul = strlen(user), pl = strlen(pass), rawlen = ul + pl + 2, bl;
	unsigned char *raw = xmalloc(rawlen);
	char *b64, *line;

	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[ul + 1] = '\0';
	memcpy(raw + ul + 2, pass, pl);
	b64 = smtp_base64(raw, rawlen);
	secret_wipe(raw, rawlen);
	free(raw);
	bl = strlen(b64);
	line = xmalloc(sizeof verb + bl);
	memcpy(line, verb, sizeof verb - 1);
	memcpy(line + sizeof verb - 1, b64, bl + 1);
	secret_free(b64);
	return line;
}

/* With s->auth_user / s->auth_pass set. */
static void perform_auth_plain(struct smtp_session *s)
{
	char *line = auth_plain_line(s->auth_user, s->auth_pass);

	send_line(s, ST_AUTH_PLAIN, STEP_AUTH, line, "AUTH PLAIN ********",
	          "credentials hidden");
	secret_free(line);
}

static void perform_auth_login(struct smtp_session *s)
{
	send_cmd(s, ST_AUTH_LOGIN, STEP_AUTH, "AUTH LOGIN");
}

/* AUTH LOGIN's answer to a 334: the user name or the password, base64. */
static void perform_auth_secret(struct smtp_session *s, const char *secret,
                                enum smtp_state next, const char *why_masked)
{
	char *b64 = smtp_base64((const unsigned char *)secret, strlen(secret));

	send_line(s, next, STEP_AUTH, b64, "********", why_masked);
	secret_free(b64);
}

static void perform_mail(struct smtp_session *s, enum smtp_state next,
                         enum model_step_id step)
{
	send_cmd(s, next, step, "MAIL FROM:<%s>", s->opt.mail_from);
}

/*
 * NOTIFY= on the target's RCPT, only where the server offers DSN (RFC
 * 3461: elsewhere the parameter is a syntax error). Without a message
 * (the RCPT probe) SUCCESS,FAILURE costs nothing and shows whether the
 * server takes it. With --send a real message goes out: SUCCESS,FAILURE
 * would have the server mail a delivery notice to the sender for every
 * test (backscatter to a postmaster who never asked), and no NOTIFY at
 * all leaves it to the server's default, a notice on failure (RFC 3461
 * section 4.1); NEVER asks for none. --dsn asks for the notices.
 */
static const char *rcpt_notify(const struct smtp_session *s)
{
	if (!(s->m->ehlo.exts & EHLO_DSN))
		return "";
	if (s->opt.send && !s->opt.dsn)
		return " NOTIFY=NEVER";
	return " NOTIFY=SUCCESS,FAILURE";
}

static void perform_rcpt(struct smtp_session *s)
{
	const char *notify = rcpt_notify(s);

	s->m->notify_sent = notify[0] != '\0';
	send_cmd(s, ST_RCPT, STEP_RCPT, "RCPT TO:<%s>%s", s->opt.rcpt_to, notify);
}

static void perform_relay_rcpt(struct smtp_session *s)
{
	send_cmd(s, ST_RELAY, STEP_RELAY, "RCPT TO:<%s>", s->opt.relay_to);
}

/* DATA, with s->message the message that goes out on the 354. */
static void perform_data(struct smtp_session *s)
{
	send_cmd(s, ST_DATA, STEP_DATA, "DATA");
}

/* The transcript gets the message line by line, as sent. */
static void record_body(struct smtp_session *s, const char *body, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i + 1 < len; i++) {
		if (body[i] == '\r' && body[i + 1] == '\n') {
			record(s, 'C', body + start, i - start);
			start = i + 2;
		}
	}
}

/* After the 354: the message, dot-stuffed, and the final dot. */
static void perform_data_body(struct smtp_session *s)
{
	const char *msg = s->message != NULL ? s->message : "";
	size_t len;
	char *body = smtp_dot_stuff(msg, strlen(msg), &len);
	int rc;

	free(s->message);
	s->message = NULL;
	record_body(s, body, len);
	state_set(s, ST_DATA_BODY);
	rc = conn_write(s->conn, body, len);
	free(body);
	if (rc < 0) {
		if (!s->finished) {
			step_end(s, STEP_DATA, STEP_FAILED, NULL, REASON_CLOSED,
			         "the connection is gone; the message could not be sent");
			finish(s, "connection lost while sending the message");
		}
		return;
	}
	arm_timer(s, s->opt.timeout_ms);
}

/* RSET: a transaction is open (MAIL FROM accepted) and must not be left
 * behind, even though QUIT would drop it too. */
static void perform_rset(struct smtp_session *s)
{
	send_cmd(s, ST_RSET, STEP_RSET, "RSET");
}

static void perform_quit(struct smtp_session *s)
{
	send_cmd(s, ST_QUIT, STEP_QUIT, "QUIT");
}

/* ---- the routine: what follows each step ---------------------------------- */

static void enter_manual(struct smtp_session *s, const char *point);

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
	if (s->opt.quit_after == q) {
		note(s, "--quit-after %s: ending the session here",
		     smtp_quit_after_name(q));
		perform_quit(s);
		return true;
	}
	return false;
}

/*
 * The one place where the routine and a session typed by hand differ: a
 * command's exchange is complete. The routine goes on with next; a manual
 * session goes back to the user (by_hand: what to tell them, or NULL),
 * with the exchange's step ended if its last reply did not end it.
 */
static void exchange_done(struct smtp_session *s,
                          void (*next)(struct smtp_session *s),
                          const char *by_hand)
{
	if (!s->manual) {
		next(s);
		return;
	}
	if (s->m->steps[s->step].state == STEP_RUNNING)
		step_end(s, s->step, STEP_OK, NULL, REASON_NONE, NULL);
	state_set(s, ST_MANUAL);
	if (by_hand != NULL)
		note(s, "%s", by_hand);
}

/* The end of the routine: RSET closes an open transaction first; with
 * none open (the message's final reply ended it) QUIT goes at once. */
static void end_transaction(struct smtp_session *s)
{
	if (s->in_transaction) {
		perform_rset(s);
		return;
	}
	skip_steps(s, STEP_RSET, STEP_RSET, REASON_EARLIER_STEP,
	           "not needed: no transaction is open");
	perform_quit(s);
}

/* After the target RCPT (and DATA when sending): the relay test, if any. */
static void after_data(struct smtp_session *s)
{
	if (s->opt.relay_to == NULL) {
		skip_steps(s, STEP_RELAY, STEP_RELAY, REASON_BY_OPTION,
		           "relay test off (--no-relay-test)");
		end_transaction(s);
	} else if (s->data_done) {
		/* The message went out in its own transaction; the relay test
		 * gets a new one, so a relaying server never relays it. */
		perform_mail(s, ST_RELAY_MAIL, STEP_RELAY);
	} else {
		perform_relay_rcpt(s);
	}
}

static void after_rcpt(struct smtp_session *s)
{
	if (stop_here(s, SMTP_QUIT_RCPT))
		return;
	if (s->opt.send && s->rcpt_ok) {
		free(s->message);
		s->message = smtp_test_message(s->opt.mail_from, s->opt.rcpt_to,
		                               s->opt.helo);
		perform_data(s);
		return;
	}
	skip_steps(s, STEP_DATA, STEP_DATA,
	           s->opt.send ? REASON_EARLIER_STEP : REASON_BY_OPTION, s->opt.send
	           ? "not sent: the recipient was not accepted"
	           : "no message sent (--send sends one)");
	after_data(s);
}

static void after_auth(struct smtp_session *s)
{
	if (stop_here(s, SMTP_QUIT_AUTH))
		return;
	perform_mail(s, ST_MAIL, STEP_MAIL);
}

/* AUTH when asked and sensible; the mechanism the server offers. */
static void after_tls(struct smtp_session *s)
{
	const struct ehlo *e = &s->m->ehlo;

	if (stop_here(s, SMTP_QUIT_TLS))
		return;
	if (s->opt.auth_user == NULL) {
		skip_steps(s, STEP_AUTH, STEP_AUTH, REASON_BY_OPTION,
		           "no AUTH asked (--auth-user)");
	} else if (!s->m->tls_active && !s->opt.allow_plaintext_auth) {
		step_end(s, STEP_AUTH, STEP_SKIPPED, NULL, REASON_POLICY,
		         "refused to send credentials without TLS "
		         "(--allow-plaintext-auth to do it anyway)");
	} else if (!(e->exts & EHLO_AUTH)) {
		step_end(s, STEP_AUTH, STEP_SKIPPED, NULL, REASON_NOT_OFFERED,
		         "the server does not offer AUTH here");
	} else if (e->auth & (AUTH_PLAIN | AUTH_LOGIN)) {
		s->auth_user = s->opt.auth_user;
		s->auth_pass = s->opt.auth_pass != NULL ? s->opt.auth_pass : "";
		if (e->auth & AUTH_PLAIN)
			perform_auth_plain(s);
		else
			perform_auth_login(s);
		return;
	} else if (e->auth_cut) {
		step_end(s, STEP_AUTH, STEP_SKIPPED, NULL, REASON_NOT_OFFERED,
		         "the AUTH line was cut at %d bytes before PLAIN or LOGIN",
		         REPLY_LINE_HARD);
	} else {
		step_end(s, STEP_AUTH, STEP_SKIPPED, NULL, REASON_NOT_OFFERED,
		         "the server offers no mechanism mailflow speaks (PLAIN, LOGIN)");
	}
	after_auth(s);
}

/*
 * STARTTLS once the host's DANE inputs have settled: a sending MTA looks
 * TLSA up (and validates it) before it connects, so the handshake must
 * not start before the validator has answered. The STARTTLS step runs
 * from here, the wait in its time; the timer bounds the wait should no
 * answer ever come (the session then goes on without DANE).
 */
static void starttls_when_settled(struct smtp_session *s)
{
	if (s->cb.on_tls_wanted == NULL || !s->cb.on_tls_wanted(s, s->arg)) {
		perform_starttls(s);
		return;
	}
	s->m->dane.state = DANE_STATE_WAITING;
	step_begin(s, STEP_STARTTLS);
	s->step = STEP_STARTTLS;
	s->step_rx = 0;
	state_set(s, ST_DANE_WAIT);
	arm_timer(s, s->opt.timeout_ms);
}

/* STARTTLS when offered (or required), or why not. */
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
		starttls_when_settled(s);
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
	perform_ehlo(s);
}

/* STARTTLS refused: with --tls require the session ends, else it goes on
 * in plaintext. */
static void after_starttls_refused(struct smtp_session *s)
{
	if (s->opt.tls == SMTP_TLS_REQUIRE)
		perform_quit(s);
	else
		after_tls(s);
}

/* ---- the replies: state_<cmd>_resp() handles ------------------------------ */

static enum model_step_state verdict_of(const struct reply *r)
{
	int c = reply_class(r);

	if (c == 2 || c == 3)
		return STEP_OK;
	if (c == 4 || c == 5)
		return STEP_REJECTED;
	return STEP_FAILED;
}

/* Ends the pending step with the reply's verdict: 2xx/3xx ok, 4xx/5xx
 * refused, anything else a protocol failure. */
static void end_by_reply(struct smtp_session *s, const struct reply *r)
{
	enum model_step_state v = verdict_of(r);

	if (v == STEP_FAILED)
		step_end(s, s->step, v, r, REASON_PROTOCOL,
		         "the reply has no valid reply code");
	else
		step_end(s, s->step, v, r,
		         v == STEP_REJECTED ? REASON_REFUSED : REASON_NONE, NULL);
}

static void state_banner_resp(struct smtp_session *s, const struct reply *r)
{
	s->m->banner_ms = loop_clock_ms() - s->m->started_ms -
	                  s->m->steps[STEP_BANNER].at_ms;
	end_by_reply(s, r);
	if (r->code == 220)
		after_banner(s);
	else if (r->code == 421)
		/* The server is going away: it closes, no QUIT wanted. */
		finish(s, "the server refused the session at connect (421)");
	else
		perform_quit(s);
}

static void state_ehlo_resp(struct smtp_session *s, const struct reply *r)
{
	int cls = reply_class(r);

	if (cls == 2) {
		reply_parse_ehlo(r, &s->m->ehlo);
		s->m->ehlo_done = 1;
		end_by_reply(s, r);
		after_ehlo(s);
	} else if (cls == 5) {
		/* An old server: HELO still works, without extensions. The
		 * EHLO step goes on and ends with HELO's reply. */
		note(s, "EHLO refused (%d): trying HELO, without extensions", r->code);
		s->m->used_helo = 1;
		perform_helo(s);
	} else {
		end_by_reply(s, r);
		perform_quit(s);
	}
}

static void state_helo_resp(struct smtp_session *s, const struct reply *r)
{
	end_by_reply(s, r);
	if (reply_class(r) != 2) {
		perform_quit(s);
		return;
	}
	memset(&s->m->ehlo, 0, sizeof s->m->ehlo);
	s->m->ehlo_done = 1;
	after_ehlo(s);
}

static void state_starttls_resp(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 220) {
		/* The step's own reply, kept whatever follows (the handshake,
		 * the EHLO after it). Whatever the parser holds came in
		 * plaintext: forget it. */
		step_copy_reply(&s->m->steps[STEP_STARTTLS], r);
		reply_parser_reset(s->parser);
		perform_tls_handshake(s, ST_TLS_HANDSHAKE);
		return;
	}
	end_by_reply(s, r);
	exchange_done(s, after_starttls_refused, NULL);
}

/* The banner is the first reply due (after the connect, or after TLS on
 * connect); it has its own timeout. */
static void wait_banner(struct smtp_session *s)
{
	step_begin(s, STEP_BANNER);
	s->step = STEP_BANNER;
	state_set(s, ST_BANNER);
	arm_timer(s, s->opt.banner_timeout_ms ? s->opt.banner_timeout_ms
	                                      : s->opt.timeout_ms);
}

/* Called by on_tls() when the handshake is done: the first EHLO is void. */
static void tls_established(struct smtp_session *s)
{
	if (s->state == ST_TLS_CONNECT) {
		step_end(s, STEP_STARTTLS, STEP_OK, NULL, REASON_NONE,
		         "implicit TLS established");
		wait_banner(s);
		return;
	}
	exchange_done(s, perform_ehlo_tls,
	              "TLS is up: send EHLO again, the server forgot the first one");
}

static void state_ehlo_tls_resp(struct smtp_session *s, const struct reply *r)
{
	enum model_step_state v = verdict_of(r);

	if (reply_class(r) == 2) {
		reply_parse_ehlo(r, &s->m->ehlo);
		/* No reply copied: the step's reply stays the 220. */
		step_end(s, STEP_STARTTLS, STEP_OK, NULL, REASON_NONE,
		         "TLS is up (%s %s); the EHLO after TLS was answered %d",
		         s->m->tls.version, s->m->tls.cipher, r->code);
		after_tls(s);
		return;
	}
	/* TLS is up but the server will not go on: the upgrade fails on this
	 * reply, so the step holds it (a 4xx is temporary, a 5xx not). */
	step_end(s, STEP_STARTTLS, v == STEP_REJECTED ? v : STEP_FAILED, r,
	         v == STEP_REJECTED ? REASON_REFUSED : REASON_PROTOCOL,
	         "TLS is up, but the EHLO after TLS was answered %d", r->code);
	perform_quit(s);
}

/* The last reply of AUTH (PLAIN's only one; LOGIN's after the password,
 * or any reply that is not a 334 challenge). */
static void state_auth_resp(struct smtp_session *s, const struct reply *r)
{
	end_by_reply(s, r);
	s->m->authenticated = r->code == 235;
	forget_credentials(s);
	exchange_done(s, after_auth, NULL);
}

static void state_auth_login_resp(struct smtp_session *s, const struct reply *r)
{
	if (r->code != 334) {
		state_auth_resp(s, r);
		return;
	}
	perform_auth_secret(s, s->auth_user, ST_AUTH_USER, "user name hidden");
}

static void state_auth_user_resp(struct smtp_session *s, const struct reply *r)
{
	if (r->code != 334) {
		state_auth_resp(s, r);
		return;
	}
	perform_auth_secret(s, s->auth_pass, ST_AUTH_PASS, "password hidden");
}

static void state_mail_resp(struct smtp_session *s, const struct reply *r)
{
	bool ok = reply_class(r) == 2;

	end_by_reply(s, r);
	s->in_transaction = ok;
	if (stop_here(s, SMTP_QUIT_MAIL))
		return;
	if (ok) {
		perform_rcpt(s);
		return;
	}
	skip_steps(s, STEP_RCPT, STEP_DATA, REASON_EARLIER_STEP,
	           "not tried: MAIL FROM was not accepted");
	perform_quit(s);
}

static void state_rcpt_resp(struct smtp_session *s, const struct reply *r)
{
	end_by_reply(s, r);
	s->rcpt_ok = reply_class(r) == 2;
	after_rcpt(s);
}

static void state_data_resp(struct smtp_session *s, const struct reply *r)
{
	if (r->code == 354) {
		perform_data_body(s);
		return;
	}
	end_by_reply(s, r);
	free(s->message);
	s->message = NULL;
	exchange_done(s, after_data, NULL);
}

static void state_data_body_resp(struct smtp_session *s, const struct reply *r)
{
	end_by_reply(s, r);
	/* Accepted or not, the final reply ends the transaction. */
	s->data_done = true;
	s->in_transaction = false;
	exchange_done(s, after_data, NULL);
}

static void state_relay_mail_resp(struct smtp_session *s, const struct reply *r)
{
	if (reply_class(r) != 2) {
		end_by_reply(s, r);
		perform_quit(s);
		return;
	}
	s->in_transaction = true;
	perform_relay_rcpt(s);
}

static void state_relay_resp(struct smtp_session *s, const struct reply *r)
{
	end_by_reply(s, r);
	end_transaction(s);
}

static void state_rset_resp(struct smtp_session *s, const struct reply *r)
{
	end_by_reply(s, r);
	s->in_transaction = false;
	perform_quit(s);
}

static void state_quit_resp(struct smtp_session *s, const struct reply *r)
{
	if (s->late_reply && r->code != 221) {
		/* The command that timed out, answered late: the 221 is still
		 * due, within QUIT's own wait. */
		s->late_reply = false;
		note(s, "a late reply to the command that timed out; QUIT's is still due");
		arm_timer(s, s->timer_ms);
		return;
	}
	end_by_reply(s, r);
	finish(s, NULL);
}

/* A reply to a line typed by hand: recorded (record_reply), and nothing
 * to decide; the user reads it. */
static void state_manual_resp(struct smtp_session *s, const struct reply *r)
{
	(void)s;
	(void)r;
}

/* The dispatcher: the reply goes to the current state's handler. */
/* Whether a positive reply is one the pending command can get. */
static bool reply_fits(const struct smtp_session *s, const struct reply *r)
{
	const char *fits = state_table[s->state].fits, *p;
	char code[8];

	/* After a timeout, QUIT's state also takes the late answer to the
	 * command that timed out (state_quit_resp tells them apart). */
	/* A reply whose lines carry different codes is malformed, not out of
	 * step: host.protocol says so (REPLY_F_CODE_MISMATCH). */
	if (fits == NULL || s->manual || (s->state == ST_QUIT && s->late_reply) ||
	    (r->code / 100 != 2 && r->code / 100 != 3) || (r->flags & REPLY_F_CODE_MISMATCH))
		return true;
	snprintf(code, sizeof code, "%03d", r->code % 1000);
	for (p = fits; strlen(p) >= 3; p += 4) {
		if (strncmp(p, code, 3) == 0)
			return true;
		if (p[3] != ' ')
			break;
	}
	return false;
}

/* A positive reply that answers another command: the session is out of
 * step with the server, so nothing it says later can be trusted. */
static void reply_misfit(struct smtp_session *s, const struct reply *r)
{
	const char *fits = state_table[s->state].fits;

	note(s, "%d is no answer to %s (RFC 5321 §4.3.2: %s)", r->code,
	     state_table[s->state].waits, fits);
	step_end(s, s->step, STEP_FAILED, r, REASON_PROTOCOL,
	         "%d is no answer to %s: RFC 5321 allows %s (or a refusal) there",
	         r->code, state_table[s->state].waits, fits);
	s->m->reply_misfit = 1;
	if (s->state != ST_BANNER)
		s->m->out_of_step = 1;
	if (s->state == ST_QUIT || s->state == ST_BANNER)
		finish(s, "a reply that does not fit the command");
	else
		perform_quit(s);
}

static void handle_reply(struct smtp_session *s, const struct reply *r)
{
	state_resp_fn *resp = state_table[s->state].resp;

	loop_timer_remove(s->timer);
	s->timer = NULL;
	if (resp != NULL && !reply_fits(s, r)) {
		reply_misfit(s, r);
		return;
	}
	if (resp != NULL)
		resp(s, r);
}

/* ---- bytes from the server ----------------------------------------------- */

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

/* Bytes the server sent when it had no turn: shown, never parsed. */
static void record_out_of_turn(struct smtp_session *s, struct reply *r,
                               const char *buf, size_t len, const char *why)
{
	s->m->unsolicited = 1;
	if (s->m->steps[STEP_BANNER].state == STEP_OK)
		s->m->out_of_step = 1;
	if (r != NULL) {
		r->flags |= REPLY_F_TRAILING_DATA;
		s->m->reply_flags |= REPLY_F_TRAILING_DATA;
	}
	record(s, 'S', buf, len);
	note(s, "%zu %s", len, why);
}

/* The STARTTLS injection: plaintext after the 220 that would be read as
 * if it came over TLS. Never go on with such a server. */
static void stop_injection(struct smtp_session *s, struct reply *r,
                           const char *buf, size_t len)
{
	s->m->tls_injection = 1;
	r->flags |= REPLY_F_TRAILING_DATA;
	s->m->reply_flags |= REPLY_F_TRAILING_DATA;
	record(s, 'S', buf, len);
	note(s, "%zu bytes of plaintext followed the STARTTLS 220: "
	     "a command injection; the session stops here", len);
	step_end(s, STEP_STARTTLS, STEP_FAILED, r, REASON_PROTOCOL,
	         "plaintext data after the 220 reply to STARTTLS "
	         "(STARTTLS command injection)");
	finish(s, "STARTTLS injection");
}

static void on_data(struct conn *c, const char *buf, size_t len, void *arg)
{
	struct smtp_session *s = arg;

	(void)c;
	s->step_rx += len;
	s->last_rx_ms = loop_now_ms(s->loop);
	while (len > 0 && !s->finished) {
		struct reply *r = NULL;
		size_t used;

		/* A reply is due in every state with a handler (ST_MANUAL too:
		 * by hand, the server may answer at any time). */
		if (state_table[s->state].resp == NULL) {
			record_out_of_turn(s, NULL, buf, len,
			                   "bytes arrived when the server had nothing to say");
			return;
		}
		used = reply_parser_feed(s->parser, buf, len, &r);
		buf += used;
		len -= used;
		if (r == NULL)
			continue;
		record_reply(s, r);
		if (len > 0 && s->state == ST_STARTTLS && r->code == 220) {
			stop_injection(s, r, buf, len);
			reply_free(r);
			return;
		}
		if (len > 0 && !(s->manual && s->state != ST_STARTTLS) &&
		    !(s->late_reply && s->state == ST_QUIT)) {
			/* One command is in flight at a time: the server spoke
			 * out of turn. (By hand the user may pipeline.) */
			record_out_of_turn(s, r, buf, len,
			                   "more bytes came after the reply without a command");
			len = 0;
		}
		handle_reply(s, r);
		reply_free(r);
	}
}

/* ---- connection events --------------------------------------------------- */

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
	if (s->opt.quit_after == SMTP_QUIT_CONNECT) {
		note(s, "--quit-after connect: closing without a word");
		finish(s, NULL);
		return;
	}
	if (s->opt.tls_on_connect) {
		s->m->tls_implicit = 1;
		step_begin(s, STEP_STARTTLS);
		s->step = STEP_STARTTLS;
		perform_tls_handshake(s, ST_TLS_CONNECT);
		return;
	}
	wait_banner(s);
}

static void on_tls(struct conn *c, int ok, const char *detail, void *arg)
{
	struct smtp_session *s = arg;

	loop_timer_remove(s->timer);
	s->timer = NULL;
	if (s->dane_set)
		tls_dane_collect(ok ? conn_ssl(c) : NULL, &s->dane, &s->m->dane);
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
	tls_established(s);
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
	} else if (s->state != ST_DONE && s->state != ST_MANUAL) {
		/* (By hand between commands no step is waiting.) */
		size_t partial = reply_parser_buffered(s->parser);

		if (partial)
			step_end(s, s->step, STEP_FAILED, NULL,
			         err == CONN_TLS ? REASON_TLS : REASON_CLOSED,
			         "%s after %zu bytes of an unfinished reply", detail, partial);
		else
			step_end(s, s->step, STEP_FAILED, NULL,
			         err == CONN_TLS ? REASON_TLS : REASON_CLOSED, "%s", detail);
	}
	finish(s, detail);
}

/*
 * After a timeout the connection may still carry a QUIT: the session ends
 * politely, as a sending MTA does, with a short wait of its own for the
 * 221, so a silent server costs little more. Not while the server has not
 * greeted (a client that talks first is what postscreen calls a pregreet
 * bot), not inside a TLS handshake (there is no record to put it in), not
 * when QUIT itself went unanswered.
 */
static void quit_after_timeout(struct smtp_session *s)
{
	int wait = s->opt.timeout_ms > 0 ? s->opt.timeout_ms : DEFAULT_TIMEOUT_MS;

	if (s->conn == NULL || s->state == ST_BANNER || s->state == ST_QUIT ||
	    s->state == ST_TLS_CONNECT || s->state == ST_TLS_HANDSHAKE) {
		finish(s, "timeout");
		return;
	}
	if (s->m->error[0] == '\0')
		snprintf(s->m->error, sizeof s->m->error, "timeout");
	/* What came of the unanswered reply is not QUIT's. */
	reply_parser_reset(s->parser);
	s->late_reply = true;
	perform_quit(s);
	if (!s->finished)
		arm_timer(s, wait < DEFAULT_QUIT_WAIT_MS ? wait : DEFAULT_QUIT_WAIT_MS);
}

/* Data came in the last second of the step's wait: the server is still
 * talking, so "nothing came" would be false. */
static bool still_talking(const struct smtp_session *s)
{
	return s->step_rx > 0 && loop_now_ms(s->loop) - s->last_rx_ms < 1000;
}

static void on_timeout(struct loop_timer *t, void *arg)
{
	struct smtp_session *s = arg;
	size_t partial = reply_parser_buffered(s->parser);
	int ms = s->timer_ms;
	const char *what = state_table[s->state].waits;

	(void)t;
	s->timer = NULL;
	if (s->state == ST_DANE_WAIT) {
		/* No answer from the validator: on without DANE, as the
		 * model says (the TLSA's status is still pending). */
		debug_log("smtp %s [%s]:%u no DNSSEC answer within %d ms: STARTTLS without DANE",
		          s->m->host, s->m->addr, (unsigned)s->m->port, ms);
		s->m->dane.state = DANE_STATE_NONE;
		snprintf(s->m->dane.why, sizeof s->m->dane.why,
		         "the DNSSEC validator did not answer within %d ms", ms);
		perform_starttls(s);
		return;
	}
	if (still_talking(s)) {
		s->m->reply_unended = s->step_rx;
		note(s, "no complete reply within %d ms: %zu bytes came and kept coming",
		     ms, s->step_rx);
		step_end(s, s->step, STEP_FAILED, NULL, REASON_TIMEOUT,
		         "the server's reply to %s did not end within %d ms, though "
		         "data kept coming (%zu bytes): a flood, not a silence", what,
		         ms, s->step_rx);
		finish(s, "timeout: the reply never ended");
		return;
	}
	note(s, "no reply within %d ms%s", ms, partial ? " (a reply began, then stopped)" : "");
	if (partial) {
		s->m->reply_unended = partial;
		step_end(s, s->step, STEP_FAILED, NULL, REASON_TIMEOUT,
		         "the server's reply to %s stopped after %zu bytes and "
		         "nothing more came for %d ms", what, partial, ms);
	} else {
		step_end(s, s->step, STEP_FAILED, NULL, REASON_TIMEOUT,
		         "the server did not answer %s within %d ms", what, ms);
	}
	quit_after_timeout(s);
}

/* The whole session's deadline: whatever the server does (a byte at a
 * time, each reply just in time), the session ends here, without QUIT: a
 * server that dribbles would take its time over that too. */
static void on_deadline(struct loop_timer *t, void *arg)
{
	struct smtp_session *s = arg;
	int ms = s->opt.session_timeout_ms;

	(void)t;
	s->deadline = NULL;
	if (s->finished)
		return;
	note(s, "the session passed --session-timeout (%d ms)", ms);
	step_end(s, s->step, STEP_FAILED, NULL, REASON_TIMEOUT,
	         "the whole session passed --session-timeout (%d ms) while waiting "
	         "for %s", ms, state_table[s->state].waits);
	finish(s, "session timeout");
}

/* ---- the face ------------------------------------------------------------ */

static void on_start_failed(struct loop_timer *t, void *arg)
{
	struct smtp_session *s = arg;

	(void)t;
	s->timer = NULL;
	if (s->cb.on_done != NULL)
		s->cb.on_done(s, s->arg);
}

/* The session, in ST_CONNECTING with the connect step running; NULL only
 * if the reply parser cannot be had. */
static struct smtp_session *session_new(struct loop *loop,
                                        struct model_session *m,
                                        const struct smtp_options *opt,
                                        const struct smtp_callbacks *cb,
                                        void *arg)
{
	static const struct conn_callbacks ccb = {
		on_connected, on_data, on_tls, on_conn_error,
	};
	struct smtp_session *s = xcalloc(1, sizeof *s);

	s->loop = loop;
	s->m = m;
	s->opt = *opt;
	if (cb != NULL)
		s->cb = *cb;
	s->arg = arg;
	s->parser = reply_parser_new();
	if (s->parser == NULL) {
		free(s);
		return NULL;
	}
	s->conn = conn_new(loop, &ccb, s);
	m->running = 1;
	m->started_ms = loop_clock_ms();
	if (s->opt.session_timeout_ms > 0)
		s->deadline = loop_timer_add(loop, (uint64_t)s->opt.session_timeout_ms, 0,
		                             on_deadline, s);
	debug_log("smtp %s [%s]:%u session starts in %s", m->host, m->addr,
	          (unsigned)m->port, state_table[ST_CONNECTING].name);
	state_set(s, ST_CONNECTING);
	step_begin(s, STEP_CONNECT);
	s->step = STEP_CONNECT;
	return s;
}

/* A local problem before any packet (cause is ours to free): the end is
 * still reported from the loop, like every other end. */
static void start_failed(struct smtp_session *s, char *cause)
{
	step_end(s, STEP_CONNECT, STEP_FAILED, NULL, REASON_CONNECT, "%s", cause);
	snprintf(s->m->error, sizeof s->m->error, "%s", cause);
	free(cause);
	s->finished = true;
	state_set(s, ST_DONE);
	s->m->running = 0;
	s->m->done = 1;
	s->m->ended_ms = loop_clock_ms();
	s->timer = loop_timer_add(s->loop, 0, 0, on_start_failed, s);
}

struct smtp_session *smtp_session_start(struct loop *loop,
                                        struct model_session *m,
                                        const struct smtp_options *opt,
                                        const struct smtp_callbacks *cb,
                                        void *arg)
{
	struct smtp_session *s = session_new(loop, m, opt, cb, arg);
	struct conn_options co;
	char *cause = NULL;

	if (s == NULL)
		return NULL;
	co.bind_addr = opt->bind_addr;
	co.connect_timeout_ms = opt->connect_timeout_ms ? opt->connect_timeout_ms
	                                                : opt->timeout_ms;
	if (conn_connect(s->conn, m->addr, m->port, &co, &cause) < 0)
		start_failed(s, cause);
	return s;
}

struct smtp_session *smtp_session_start_fd(struct loop *loop,
                                           struct model_session *m,
                                           const struct smtp_options *opt,
                                           const struct smtp_callbacks *cb,
                                           void *arg, int fd)
{
	struct smtp_session *s = session_new(loop, m, opt, cb, arg);
	char *cause = NULL;

	if (s == NULL) {
		close(fd);
		return NULL;
	}
	if (conn_connect_fd(s->conn, fd, &cause) < 0)
		start_failed(s, cause);
	return s;
}

void smtp_session_free(struct smtp_session *s)
{
	if (s == NULL)
		return;
	loop_timer_remove(s->timer);
	loop_timer_remove(s->deadline);
	conn_free(s->conn);
	reply_parser_free(s->parser);
	free(s->message);
	free(s->dane_records);
	free(s->dane_base);
	free(s->dane_mx);
	forget_credentials(s);
	free(s);
}

void smtp_session_set_dane(struct smtp_session *s, const struct tls_dane *dane)
{
	size_t n = dane != NULL ? dane->nrecords : 0;

	free(s->dane_records);
	free(s->dane_base);
	free(s->dane_mx);
	s->dane_records = NULL;
	s->dane_base = s->dane_mx = NULL;
	s->dane_set = n > 0 && dane->base != NULL;
	if (!s->dane_set) {
		memset(&s->m->dane, 0, sizeof s->m->dane);
		s->m->dane.match_index = s->m->dane.match_depth = -1;
		return;
	}
	s->dane_records = xreallocarray(NULL, n, sizeof *s->dane_records);
	memcpy(s->dane_records, dane->records, n * sizeof *s->dane_records);
	s->dane_base = xstrdup(dane->base);
	s->dane_mx = xstrdup(dane->mx_host ? dane->mx_host : "");
	s->dane.base = s->dane_base;
	s->dane.mx_host = s->dane_mx;
	s->dane.records = s->dane_records;
	s->dane.nrecords = n;
	/* Until a handshake says more: the records' counts, no handshake. */
	tls_dane_collect(NULL, &s->dane, &s->m->dane);
}

void smtp_session_dane_go(struct smtp_session *s)
{
	if (s->finished || s->state != ST_DANE_WAIT)
		return;
	loop_timer_remove(s->timer);
	s->timer = NULL;
	if (s->m->dane.state == DANE_STATE_WAITING)
		s->m->dane.state = DANE_STATE_NONE;
	perform_starttls(s);
}

struct model_session *smtp_session_data(struct smtp_session *s)
{
	return s->m;
}

const char *smtp_session_state(const struct smtp_session *s)
{
	return state_table[s->state].name;
}

/* ---- manual mode --------------------------------------------------------- */

static void enter_manual(struct smtp_session *s, const char *point)
{
	loop_timer_remove(s->timer);
	s->timer = NULL;
	loop_timer_remove(s->deadline); /* by hand, the user decides */
	s->deadline = NULL;
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

	if (n > REPLY_LINE_MAX - 2)
		return cause_set(cause, "the line is %zu bytes: SMTP allows %d (512 "
		                 "with CRLF); not sent", n, REPLY_LINE_MAX - 2);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\r' || c == '\n')
			return cause_set(cause, "a bare %s at byte %zu: a line ends only "
			                 "with CRLF, which mailflow adds; not sent",
			                 c == '\r' ? "CR" : "LF", i + 1);
		if (c >= 0x80)
			return cause_set(cause, "a non-ASCII byte at position %zu: SMTP "
			                 "commands are ASCII (internationalised addresses "
			                 "need SMTPUTF8); not sent", i + 1);
		if (c < 0x20 && c != '\t')
			return cause_set(cause, "a control character (0x%02x) at position "
			                 "%zu; not sent", c, i + 1);
	}
	return 0;
}

/* A helper (STARTTLS, AUTH, DATA) runs one whole exchange through the
 * routine's handlers; it may start only on the user's turn. */
static int manual_ready(const struct smtp_session *s, char **cause)
{
	if (!smtp_session_is_manual(s) || s->conn == NULL)
		return cause_set(cause, "the connection is closed");
	if (s->state != ST_MANUAL)
		return cause_set(cause, "the last command (%s) is still waiting for "
		                 "its reply", state_table[s->state].name);
	return 0;
}

/* After a helper's perform_*(): the only way it fails is a lost
 * connection, which has ended the session. */
static int manual_sent(const struct smtp_session *s, char **cause)
{
	return s->finished ? cause_set(cause, "the connection is gone") : 0;
}

/*
 * What a line typed by hand shows in the transcript when it carries
 * credentials: "AUTH PLAIN <base64>" (an initial response) keeps its
 * first two words, and any line typed after a 334 (the answer to a
 * challenge: a user name, a password) is masked whole. NULL: as typed.
 */
static const char *manual_mask(const struct smtp_session *s, const char *line,
                               char *buf, size_t size)
{
	const struct model_session *m = s->m;
	const char *sp;
	size_t i;

	for (i = m->nlines; i > 0; i--) {
		if (m->lines[i - 1].dir == 'C')
			break;
		if (m->lines[i - 1].dir == 'S') {
			if (m->lines[i - 1].code == 334)
				return "********";
			break;
		}
	}
	if (strncasecmp(line, "AUTH ", 5) != 0)
		return NULL;
	sp = strchr(line + 5, ' ');
	if (sp == NULL)
		return NULL;            /* "AUTH LOGIN": no secret yet */
	snprintf(buf, size, "%.*s ********", (int)(sp - line) < 64 ? (int)(sp - line) : 64,
	         line);
	return buf;
}

int smtp_manual_send(struct smtp_session *s, const char *line, char **cause)
{
	char masked[80];

	if (smtp_manual_check_line(line, cause) < 0)
		return -1;
	if (strcasecmp(line, "STARTTLS") == 0)
		return smtp_manual_starttls(s, cause);
	if (!smtp_session_is_manual(s) || s->conn == NULL)
		return cause_set(cause, "the connection is closed");
	/* A typed line leaves the state alone: ST_MANUAL shows its reply. */
	if (write_command(s, line, manual_mask(s, line, masked, sizeof masked),
	                  "credentials typed by hand") < 0) {
		finish(s, "connection lost while sending");
		return cause_set(cause, "the connection is gone");
	}
	return 0;
}

int smtp_manual_starttls(struct smtp_session *s, char **cause)
{
	if (s->m->tls_active)
		return cause_set(cause, "TLS is already on");
	if (s->opt.tls_ctx == NULL)
		return cause_set(cause, "TLS is off for this run (--tls off)");
	if (manual_ready(s, cause) < 0)
		return -1;
	perform_starttls(s);
	return manual_sent(s, cause);
}

int smtp_manual_auth(struct smtp_session *s, int plain, const char *user,
                     const char *pass, char **cause)
{
	if (manual_ready(s, cause) < 0)
		return -1;
	/* As the routine does: no password in the clear unless asked. */
	if (!s->m->tls_active && !s->opt.allow_plaintext_auth)
		return cause_set(cause, "refused before STARTTLS: the password would cross "
		                 "the network in the clear (:starttls first, or "
		                 "--allow-plaintext-auth)");
	forget_credentials(s);
	s->manual_user = xstrdup(user);
	s->manual_pass = xstrdup(pass);
	s->auth_user = s->manual_user;
	s->auth_pass = s->manual_pass;
	if (plain)
		perform_auth_plain(s);
	else
		perform_auth_login(s);
	return manual_sent(s, cause);
}

int smtp_manual_data(struct smtp_session *s, const char *message, char **cause)
{
	if (manual_ready(s, cause) < 0)
		return -1;
	free(s->message);
	s->message = message_with_headers(message, s->opt.helo);
	perform_data(s);
	return manual_sent(s, cause);
}

/* ---- messages ------------------------------------------------------------ */

/* RFC 5322 date in UTC, with English names whatever the locale. */
static void message_date(char *buf, size_t size)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	         days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "<mailflow.TIME.RANDOM@helo>", RANDOM 128 bits from OpenSSL's CSPRNG:
 * two messages never share an id, even from one second and one host. */
static char *message_id(const char *helo)
{
	unsigned char rnd[16];
	char hex[2 * sizeof rnd + 1];
	size_t i;

	if (RAND_bytes(rnd, (int)sizeof rnd) != 1) {
		/* TLS could not work either: like running out of memory. */
		fputs("mailflow: no random bytes from OpenSSL (RAND_bytes)\n", stderr);
		abort();
	}
	for (i = 0; i < sizeof rnd; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	return xasprintf("<mailflow.%lld.%s@%s>", (long long)time(NULL), hex, helo);
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

/* A message typed by hand, with Date and Message-ID added when missing. */
static char *message_with_headers(const char *message, const char *helo)
{
	bool date = !has_header(message, "Date:");
	bool id = !has_header(message, "Message-ID:");
	char when[48], *msgid = id ? message_id(helo) : NULL, *full;

	message_date(when, sizeof when);
	full = xasprintf("%s%s%s%s%s%s%s", date ? "Date: " : "", date ? when : "",
	                 date ? "\r\n" : "", id ? "Message-ID: " : "",
	                 id ? msgid : "", id ? "\r\n" : "", message);
	free(msgid);
	return full;
}

char *smtp_test_message(const char *from, const char *to, const char *helo)
{
	char when[48], *id = message_id(helo), *msg;

	message_date(when, sizeof when);
	msg = xasprintf("Date: %s\r\n"
	                "From: <%s>\r\n"
	                "To: <%s>\r\n"
	                "Subject: mailflow test message\r\n"
	                "Message-ID: %s\r\n"
	                "MIME-Version: 1.0\r\n"
	                "Content-Type: text/plain; charset=us-ascii\r\n"
	                "X-Mailer: mailflow %s\r\n"
	                "\r\n"
	                "This is a test message from mailflow, a mail flow troubleshooter.\r\n"
	                "It was sent to check that mail to <%s> is accepted.\r\n"
	                "You can delete it.\r\n"
	                ".\r\n"
	                "(The line above is a lone dot, sent dot-stuffed.)\r\n",
	                when, from, to, id, MAILFLOW_VERSION, to);
	free(id);
	return msg;
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
	/* Worst case: every byte two (a bare LF → CRLF, a dot at the start of
	 * a line → ".."), then CRLF, ".\r\n" and the NUL. */
	char *out = xreallocarray(NULL, len + 3, 2);
	size_t i, o = 0;
	bool bol = true;

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

/* ---- base64 (OpenSSL's codec) -------------------------------------------- */

char *smtp_base64(const unsigned char *in, size_t len)
{
	/* EVP_EncodeBlock takes an int: whole 3-byte groups a chunk at a
	 * time, so that only the last chunk is padded. */
	enum { CHUNK = 3 * 1024 * 1024 };
	char *out = xreallocarray(NULL, len / 3 + 2, 4);
	size_t o = 0;

	while (len > 0) {
		size_t n = len > CHUNK ? CHUNK : len;

		o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, in, (int)n);
		in += n;
		len -= n;
	}
	out[o] = '\0';
	return out;
}

static bool base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int smtp_base64_decode(const char *in, size_t len, char *out, size_t outsz)
{
	size_t pad = 0, n, i, want, padded;
	unsigned char *quad, *plain;
	int got;

	/* Strictly the alphabet, with at most two '=' at the end: OpenSSL's
	 * decoder would skip whitespace and stop early, and a 334 that is not
	 * clean base64 must not be shown as if it were. */
	while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
		pad++;
	n = len - pad;
	/* cppcheck follows one caller's constant len and calls these two
	 * conditions always false; every other caller passes a reply's length. */
	/* cppcheck-suppress knownConditionTrueFalse */
	for (i = 0; i < n; i++)
		if (!base64_char(in[i]))
			return -1;
	if (n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0))
		return -1;
	want = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	/* cppcheck-suppress knownConditionTrueFalse */
	if (want >= outsz || n > (size_t)INT_MAX - 4)
		return -1;              /* bounded: it must fit with its NUL */
	padded = (n + 3) / 4 * 4;
	quad = xmalloc(padded + 1);
	plain = xmalloc(padded / 4 * 3 + 1);
	memcpy(quad, in, n);
	memset(quad + n, '=', padded - n);
	got = EVP_DecodeBlock(plain, quad, (int)padded);
	if (got >= 0 && (size_t)got >= want) {
		memcpy(out, plain, want);
		out[want] = '\0';
	}
	secret_wipe(plain, padded / 4 * 3 + 1);
	free(quad);
	free(plain);
	return got < 0 || (size_t)got < want ? -1 : (int)want;
}
