/*
 * smtp — one client session with one address: the "telnet host 25"
 * routine, done by the program, every step timed and every byte recorded
 * into a struct model_session.
 *
 * banner → EHLO (HELO if EHLO is refused) → STARTTLS when offered → EHLO
 * → AUTH when asked → MAIL FROM → RCPT TO the target (NOTIFY= where DSN is
 * advertised: SUCCESS,FAILURE to probe, NEVER when a message goes out
 * unless --dsn) → RCPT TO an outside address (the relay test) → DATA with
 * --send → RSET → QUIT. Nothing is sent after a step whose failure makes
 * the rest meaningless; the session ends with QUIT whenever the connection
 * can still carry it, after a timeout too (with a short wait of its own).
 *
 * Each step records its own reply: STARTTLS the 220 (the handshake and
 * the EHLO after it are in its time and lines), DATA the final reply to
 * the end of data (the 354 is in its lines).
 *
 * Call protocol: smtp_session_start() connects and returns; callbacks
 * report each transcript line, each finished step and the end (on_done,
 * once). Do not free the session from its own callbacks except on_done.
 * The model_session belongs to the caller and outlives the session.
 *
 * Every step that ends carries its enum model_reason (why it was skipped
 * or failed); the checklist decides on that, never on the detail text.
 * With --debug FILE every state transition is traced ("smtp HOST [ADDR]:
 * PORT EHLO -> STARTTLS"); command lines, and so credentials, never are.
 */
#ifndef MAILFLOW_SMTP_H
#define MAILFLOW_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "mailflow/model.h"

struct loop;
struct tls_ctx;

enum smtp_tls_mode { SMTP_TLS_AUTO, SMTP_TLS_REQUIRE, SMTP_TLS_OFF };

/* swaks' --quit-after points. */
enum smtp_quit_after {
	SMTP_QUIT_NEVER, SMTP_QUIT_CONNECT, SMTP_QUIT_BANNER, SMTP_QUIT_EHLO,
	SMTP_QUIT_TLS, SMTP_QUIT_AUTH, SMTP_QUIT_MAIL, SMTP_QUIT_RCPT,
};

struct smtp_options {
	const char *helo;               /* EHLO name */
	const char *mail_from;          /* "" for the null sender <> */
	const char *rcpt_to;
	const char *relay_to;           /* NULL: no relay test */
	enum smtp_tls_mode tls;
	int tls_on_connect;             /* implicit TLS (465) */
	struct tls_ctx *tls_ctx;
	const char *auth_user;          /* NULL: no AUTH */
	const char *auth_pass;
	int allow_plaintext_auth;
	int send;                       /* DATA with a test message */
	/* --dsn: with send, ask for delivery notices (NOTIFY=SUCCESS,FAILURE
	 * where DSN is offered); without it a sent message asks for none. */
	int dsn;
	enum smtp_quit_after quit_after;
	int timeout_ms;                 /* per command */
	int banner_timeout_ms;
	int connect_timeout_ms;
	/* The whole session, whatever arrives (0: DEFAULT_SESSION_TIMEOUTS
	 * times timeout_ms): a server that trickles a byte at a time or
	 * answers each command just in time cannot hold a session longer. */
	int session_timeout_ms;
	const char *bind_addr;
	/* Manual mode: run the routine up to this point, then hand the
	 * session over (on_manual) instead of going on or quitting.
	 * SMTP_QUIT_NEVER: a normal automatic session. */
	enum smtp_quit_after handover;
};

struct smtp_session;

struct smtp_callbacks {
	void (*on_line)(struct smtp_session *s, const struct model_line *line,
	                void *arg);
	void (*on_step)(struct smtp_session *s, enum model_step_id step,
	                void *arg);
	void (*on_done)(struct smtp_session *s, void *arg);
	/* Manual mode has begun: smtp_manual_*() may be called now. */
	void (*on_manual)(struct smtp_session *s, void *arg);
	/* STARTTLS is due (the server offers it): 0 to go on at once, 1 to
	 * wait (DANE_STATE_WAITING, state DANE_WAIT) until
	 * smtp_session_dane_go() or the step's timeout. It may call
	 * smtp_session_set_dane() first. NULL: never wait. */
	int (*on_tls_wanted)(struct smtp_session *s, void *arg);
};

struct smtp_session *smtp_session_start(struct loop *loop,
                                        struct model_session *data,
                                        const struct smtp_options *opt,
                                        const struct smtp_callbacks *cb,
                                        void *arg);
/* As smtp_session_start(), on fd, a stream socket already connected to the
 * server (for the unit tests, one end of a socketpair with a scripted
 * peer; m->addr and m->port then only name it). The session owns fd from
 * this call on and closes it; it goes on from "connected" exactly as
 * after a TCP connect: banner (or TLS on connect), EHLO, ... */
struct smtp_session *smtp_session_start_fd(struct loop *loop,
                                           struct model_session *data,
                                           const struct smtp_options *opt,
                                           const struct smtp_callbacks *cb,
                                           void *arg, int fd);
/* Wipes whatever credentials it still holds. */
void smtp_session_free(struct smtp_session *s);
/* DANE for the session's handshake: copies dane (the validated TLSA
 * records and reference names, tls.h) and sets the session's model_dane
 * to what the records alone say; NULL or no records: no DANE. */
void smtp_session_set_dane(struct smtp_session *s, const struct tls_dane *dane);
/* A session waiting in DANE_WAIT sends STARTTLS now; else nothing. */
void smtp_session_dane_go(struct smtp_session *s);
struct model_session *smtp_session_data(struct smtp_session *s);
/* The state machine's current state, by name: CONNECTING, TLS_CONNECT,
 * BANNER, EHLO, HELO, DANE_WAIT, STARTTLS, TLS_HANDSHAKE, EHLO_TLS, AUTH_PLAIN,
 * AUTH_LOGIN, AUTH_USER, AUTH_PASS, MAIL, RCPT, DATA, DATA_BODY,
 * RELAY_MAIL, RELAY, RSET, QUIT, MANUAL (the user's turn), DONE. */
const char *smtp_session_state(const struct smtp_session *s);

/* ---- manual mode (a better telnet) ---------------------------------------- *
 *
 * After the hand-over the session is in MANUAL: the user's turn. A typed
 * line goes out as it is and leaves the state alone. The helpers
 * (STARTTLS, AUTH, DATA) run the very exchanges of the routine, through
 * its states (e.g. DATA → DATA_BODY → MANUAL), and may start only in
 * MANUAL; when their exchange is complete the session is the user's
 * again. A failure to send means the connection is gone: the session
 * has ended (on_done) and the call returns -1 with *cause set. */

int smtp_session_is_manual(const struct smtp_session *s);
/* Sends one line typed by hand; -1 with *cause set (malloc'd, the caller
 * frees it) when the line is refused (too long, bare CR/LF, non-ASCII) or
 * the connection is gone. "STARTTLS" typed by hand upgrades the
 * connection on the 220. */
int smtp_manual_send(struct smtp_session *s, const char *line, char **cause);
/* STARTTLS, then on the 220 the handshake; the certificate summary is
 * noted. */
int smtp_manual_starttls(struct smtp_session *s, char **cause);
/* AUTH PLAIN or LOGIN with base64 done here and the secrets masked; the
 * session keeps a copy of user and pass only until the exchange ends and
 * wipes it. */
int smtp_manual_auth(struct smtp_session *s, int plain, const char *user,
                     const char *pass, char **cause);
/* DATA, then on 354 the message (Date and Message-ID added when missing),
 * dot-stuffed, and the final dot. */
int smtp_manual_data(struct smtp_session *s, const char *message, char **cause);
/* Why a typed line cannot go out as an SMTP command (-1, *cause set); 0
 * if it can. */
int smtp_manual_check_line(const char *line, char **cause);

/* ---- pure helpers ------------------------------------------------------- */

const char *smtp_quit_after_name(enum smtp_quit_after q);
/* "connect", "banner", ... → value; -1 if unknown. */
int smtp_quit_after_parse(const char *s);
/* Dot-stuffs body (RFC 5321 §4.5.2) with CRLF line ends and the final
 * ".\r\n"; returns a malloc'd buffer and its length in *outlen. */
char *smtp_dot_stuff(const char *body, size_t len, size_t *outlen);
/* A complete test message (Date, Message-ID with 128 random bits, From,
 * To, Subject), malloc'd, exactly as long as it is. */
char *smtp_test_message(const char *from, const char *to, const char *helo);
/* Base64 (for AUTH); returns malloc'd, NUL-terminated, never NULL. */
char *smtp_base64(const unsigned char *in, size_t len);
/* Decodes base64 (the alphabet only, '=' padding only at the end) into
 * out and NUL-terminates it; the decoded length, or -1 when the input is
 * not base64 or would not fit in outsz with its NUL. */
int smtp_base64_decode(const char *in, size_t len, char *out, size_t outsz);

#endif
