/*
 * conn — one TCP connection on the loop: non-blocking connect (IPv4 or
 * IPv6, optional source address, timeout), then a buffered transport that
 * is plain or TLS, switchable to TLS in place (STARTTLS).
 *
 * Call protocol:
 *   conn_new() → conn_connect() (or conn_connect_fd()) → on_connected
 *   → conn_write() / on_data → conn_start_tls() → on_tls → ... → conn_free().
 * on_error ends the connection: nothing more arrives after it; free the
 * conn when convenient. Every callback may call conn_free() on its own
 * conn (the free is then deferred until the callback returns).
 * Errors: a function that can fail returns -1 and sets *cause to a
 * malloc'd message (the caller frees it; cause may be NULL). Memory
 * cannot fail (xmalloc). Bytes queued for sending are wiped once sent, so
 * credentials do not linger in the queue.
 * on_data hands over every byte read, as read: after STARTTLS those are
 * the decrypted bytes; plaintext bytes that arrived before the switch are
 * delivered before conn_start_tls() is called, so the caller sees them.
 */
#ifndef MAILFLOW_CONN_H
#define MAILFLOW_CONN_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct tls_ctx;
struct tls_dane;
typedef struct ssl_st SSL;

/* Why a connection failed or ended, told apart for the user. */
enum conn_error {
	CONN_REFUSED,           /* RST to the SYN: nothing listens, or a firewall rejects */
	CONN_UNREACHABLE,       /* no route, network or host unreachable */
	CONN_TIMEOUT,           /* no answer to the SYN: a firewall drops it */
	CONN_CLOSED,            /* the peer closed the connection */
	CONN_RESET,             /* the peer reset the connection */
	CONN_TLS,               /* the TLS handshake or a TLS record failed */
	CONN_OTHER,
};

struct conn;

struct conn_callbacks {
	void (*on_connected)(struct conn *c, void *arg);
	void (*on_data)(struct conn *c, const char *buf, size_t len, void *arg);
	/* ok: 1 handshake done, 0 failed (detail says why). */
	void (*on_tls)(struct conn *c, int ok, const char *detail, void *arg);
	void (*on_error)(struct conn *c, enum conn_error err, const char *detail,
	                 void *arg);
};

struct conn_options {
	const char *bind_addr;  /* source address, or NULL */
	int connect_timeout_ms;
};

/* Never NULL. */
struct conn *conn_new(struct loop *loop, const struct conn_callbacks *cb,
                      void *arg);
/* 0, or -1 with *cause set for a local problem (bad address, no socket,
 * cannot bind). Every network outcome, even an immediate refusal, arrives
 * later through on_connected or on_error. */
int conn_connect(struct conn *c, const char *addr, uint16_t port,
                 const struct conn_options *opt, char **cause);
/* Instead of conn_connect(): adopts fd, a stream socket that is already
 * connected (one end of a socketpair in the unit tests, or a socket made
 * elsewhere). It is made non-blocking and on_connected arrives from the
 * loop, as after a connect; conn_local_address() is then "a local socket"
 * unless fd is a TCP socket. The conn owns fd from this call on, even when
 * the call fails (-1, *cause set): conn_free() closes it. */
int conn_connect_fd(struct conn *c, int fd, char **cause);
/* Queues bytes for sending; -1 if the connection is gone or the queue
 * would pass its limit (1 MiB + 64 KiB). on_error may be called from
 * inside (a send that fails at once), before the -1. */
int conn_write(struct conn *c, const void *buf, size_t len);
/* Starts the TLS client handshake; on_tls reports the outcome (it may be
 * called from inside, before the 0). dane: the DANE inputs for OpenSSL
 * (tls.h), or NULL. -1 with *cause set when TLS cannot start: no ctx,
 * not open, TLS already on, OpenSSL refused. */
int conn_start_tls(struct conn *c, struct tls_ctx *ctx, const char *host,
                   const struct tls_dane *dane, char **cause);
SSL *conn_ssl(const struct conn *c);
const char *conn_error_name(enum conn_error err);
/* The local address after connect ("127.0.0.1:40123"). */
const char *conn_local_address(const struct conn *c);
void conn_free(struct conn *c);

#endif
