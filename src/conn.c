/*
 * conn.c — non-blocking TCP with an optional TLS layer (see conn.h).
 *
 * OpenSSL on a non-blocking socket: WANT_READ / WANT_WRITE say which
 * direction to wait for, whatever the operation was (a read may need a
 * write during renegotiation or TLS 1.3 key updates), so the watcher's
 * interest follows what OpenSSL last asked for. After a successful
 * SSL_read we keep reading until WANT_READ, because poll() cannot see the
 * records OpenSSL has already buffered. ERR_clear_error() before every
 * SSL call, so a stale error never explains a new failure.
 *
 * The output queue may hold credentials (AUTH lines): the bytes it gives
 * up are wiped, when sent, when the queue moves and when the conn goes.
 */
#include "mailflow/conn.h"
#include "mailflow/loop.h"
#include "mailflow/tls.h"
#include "mailflow/xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUT_LIMIT (1024 * 1024 + 64 * 1024)

enum conn_phase { PH_IDLE, PH_CONNECTING, PH_OPEN, PH_HANDSHAKE, PH_DEAD };

struct conn {
	struct loop *loop;
	struct conn_callbacks cb;
	void *arg;
	int fd;
	enum conn_phase phase;
	struct loop_watch *watch;
	struct loop_timer *timer;
	struct loop_timer *resume;      /* TLS records OpenSSL holds, past the budget */
	SSL *ssl;
	/* What OpenSSL last asked to wait for, while a TLS op is pending. */
	unsigned ssl_want;
	char *out;
	size_t out_len, out_cap;
	int busy;               /* callbacks on the stack */
	bool doomed;            /* conn_free() called inside a callback */
	int connect_errno;
	char local[64];
};

static const char *const error_names[] = {
	[CONN_REFUSED] = "refused",
	[CONN_UNREACHABLE] = "unreachable",
	[CONN_TIMEOUT] = "timeout",
	[CONN_CLOSED] = "closed",
	[CONN_RESET] = "reset",
	[CONN_TLS] = "tls",
	[CONN_OTHER] = "error",
};

const char *conn_error_name(enum conn_error err)
{
	if ((size_t)err < sizeof error_names / sizeof error_names[0])
		return error_names[err];
	return "?";
}

static enum conn_error error_from_errno(int e)
{
	switch (e) {
	case ECONNREFUSED: return CONN_REFUSED;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN: return CONN_UNREACHABLE;
	case ETIMEDOUT: return CONN_TIMEOUT;
	case ECONNRESET:
	case EPIPE: return CONN_RESET;
	default: return CONN_OTHER;
	}
}

struct conn *conn_new(struct loop *loop, const struct conn_callbacks *cb,
                      void *arg)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->loop = loop;
	c->cb = *cb;
	c->arg = arg;
	c->fd = -1;
	return c;
}

static void conn_destroy(struct conn *c)
{
	loop_watch_remove(c->watch);
	loop_timer_remove(c->timer);
	loop_timer_remove(c->resume);
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	secret_wipe(c->out, c->out_cap);
	free(c->out);
	free(c);
}

void conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->busy > 0) {
		c->doomed = true;
		return;
	}
	conn_destroy(c);
}

/* Closes the transport and reports why; the conn stays until freed. */
static void fail(struct conn *c, enum conn_error err, const char *detail)
{
	if (c->phase == PH_DEAD)
		return;
	c->phase = PH_DEAD;
	loop_watch_remove(c->watch);
	c->watch = NULL;
	loop_timer_remove(c->timer);
	c->timer = NULL;
	loop_timer_remove(c->resume);
	c->resume = NULL;
	if (c->cb.on_error != NULL)
		c->cb.on_error(c, err, detail, c->arg);
}

static void update_interest(struct conn *c)
{
	unsigned want = 0;

	if (c->watch == NULL)
		return;
	if (c->phase == PH_CONNECTING) {
		want = LOOP_WRITE;
	} else if (c->ssl != NULL && c->ssl_want != 0) {
		want = c->ssl_want;
		if (c->phase == PH_OPEN)
			want |= LOOP_READ;
	} else if (c->phase == PH_OPEN || c->phase == PH_HANDSHAKE) {
		want = LOOP_READ | (c->out_len ? LOOP_WRITE : 0);
	}
	loop_watch_set_interest(c->watch, want);
}

/* ---- writing ------------------------------------------------------------ */

static int flush_out(struct conn *c)
{
	while (c->out_len > 0) {
		ssize_t n;

		if (c->ssl != NULL) {
			int r, e;

			ERR_clear_error();
			r = SSL_write(c->ssl, c->out, (int)c->out_len);
			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ) { c->ssl_want = LOOP_READ; return 0; }
				if (e == SSL_ERROR_WANT_WRITE) { c->ssl_want = LOOP_WRITE; return 0; }
				fail(c, CONN_TLS, "TLS write failed");
				return -1;
			}
			c->ssl_want = 0;
			n = r;
		} else {
			n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
					return 0;
				fail(c, error_from_errno(errno), strerror(errno));
				return -1;
			}
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
		secret_wipe(c->out + c->out_len, (size_t)n);
	}
	/* A session mostly waits for a reply: no queue held while it does
	 * (4 KB a session, a thousand sessions in flight). */
	free(c->out);
	c->out = NULL;
	c->out_cap = 0;
	return 0;
}

/* Grows the output queue to hold need bytes; the old copy is wiped. */
static void grow_out(struct conn *c, size_t need)
{
	size_t cap = c->out_cap ? c->out_cap : 4096;
	char *p;

	while (cap < need)
		cap *= 2;
	p = xmalloc(cap);
	if (c->out_len > 0)
		memcpy(p, c->out, c->out_len);
	secret_wipe(c->out, c->out_cap);
	free(c->out);
	c->out = p;
	c->out_cap = cap;
}

/* After a call that may have run callbacks: destroys a conn they freed.
 * Returns whether it is gone. */
static bool release(struct conn *c)
{
	c->busy--;
	if (c->doomed && c->busy == 0) {
		conn_destroy(c);
		return true;
	}
	return false;
}

int conn_write(struct conn *c, const void *buf, size_t len)
{
	if (c->phase != PH_OPEN && c->phase != PH_CONNECTING)
		return -1;
	if (c->out_len + len > OUT_LIMIT)
		return -1;
	if (c->out_len + len > c->out_cap)
		grow_out(c, c->out_len + len);
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	if (c->phase == PH_OPEN && c->ssl_want == 0) {
		int rc;

		/* A failed send reports on_error now, whose handler may free c. */
		c->busy++;
		rc = flush_out(c);
		if (release(c) || rc < 0)
			return -1;
	}
	update_interest(c);
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

/*
 * A wakeup reads at most CONN_READ_BUDGET bytes, then goes back to poll():
 * a server that floods must not keep the loop from every other session
 * and from the timers that end its own steps. Plaintext needs nothing
 * more (poll() is level-triggered: the socket stays readable); TLS records
 * OpenSSL already holds are invisible to poll(), so they get a 0 ms timer.
 */
#define CONN_READ_BUDGET ((size_t)64 * 1024)

static void read_plain(struct conn *c)
{
	char buf[16384];
	size_t budget = CONN_READ_BUDGET;

	while (c->phase == PH_OPEN && !c->doomed) {
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);

		if (n > 0) {
			c->cb.on_data(c, buf, (size_t)n, c->arg);
			/* Stop after a short read: the socket is drained, and the
			 * callback may have switched this conn to TLS. */
			if ((size_t)n < sizeof buf || budget <= (size_t)n)
				return;
			budget -= (size_t)n;
			continue;
		}
		if (n == 0) {
			fail(c, CONN_CLOSED, "the server closed the connection");
			return;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		fail(c, error_from_errno(errno), strerror(errno));
		return;
	}
}

static void read_tls(struct conn *c);

static void on_resume(struct loop_timer *t, void *arg)
{
	struct conn *c = arg;

	(void)t;
	c->resume = NULL;
	c->busy++;
	if (c->phase == PH_OPEN && !c->doomed && c->ssl != NULL) {
		read_tls(c);
		update_interest(c);
	}
	release(c);
}

static void read_tls(struct conn *c)
{
	char buf[16384];
	size_t budget = CONN_READ_BUDGET;

	while (c->phase == PH_OPEN && !c->doomed) {
		int r, e;

		if (budget == 0) {
			if (c->resume == NULL)
				c->resume = loop_timer_add(c->loop, 0, 0, on_resume, c);
			return;
		}
		ERR_clear_error();
		r = SSL_read(c->ssl, buf, sizeof buf);
		if (r > 0) {
			c->ssl_want = 0;
			c->cb.on_data(c, buf, (size_t)r, c->arg);
			budget -= (size_t)r < budget ? (size_t)r : budget;
			continue;       /* until WANT_READ: OpenSSL may hold more */
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ) {
			c->ssl_want = c->out_len ? LOOP_WRITE : 0;
			/* SSL_MODE_RELEASE_BUFFERS frees the read buffer only after
			 * application data; a session that waits after the handshake
			 * (or after a session ticket) would hold 17 KB. OpenSSL
			 * refuses (0) while it still holds data: nothing is lost. */
			(void)SSL_free_buffers(c->ssl);
			return;
		}
		if (e == SSL_ERROR_WANT_WRITE) {
			c->ssl_want = LOOP_WRITE;
			return;
		}
		if (e == SSL_ERROR_ZERO_RETURN) {
			fail(c, CONN_CLOSED, "the server closed the TLS session");
		} else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
			fail(c, errno == ECONNRESET ? CONN_RESET : CONN_CLOSED,
			     "the server closed the connection");
		} else {
			char *why = tls_failure_cause(e);

			fail(c, CONN_TLS, why);
			free(why);
		}
		return;
	}
}

/* ---- TLS handshake ------------------------------------------------------ */

static void step_handshake(struct conn *c)
{
	int r, e;

	ERR_clear_error();
	r = SSL_connect(c->ssl);
	if (r == 1) {
		c->phase = PH_OPEN;
		c->ssl_want = 0;
		(void)SSL_free_buffers(c->ssl);         /* see read_tls() */
		update_interest(c);
		c->cb.on_tls(c, 1, "", c->arg);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->ssl_want = e == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		update_interest(c);
		return;
	}
	{
		char *why = tls_failure_cause(e);

		c->phase = PH_DEAD;
		loop_watch_remove(c->watch);
		c->watch = NULL;
		/* on_tls may free c, not why. */
		c->cb.on_tls(c, 0, why, c->arg);
		free(why);
	}
}

int conn_start_tls(struct conn *c, struct tls_ctx *ctx, const char *host,
                   const struct tls_dane *dane, char **cause)
{
	if (ctx == NULL)
		return cause_set(cause, "no TLS context (TLS is off for this run)");
	if (c->phase != PH_OPEN)
		return cause_set(cause, "the connection is not open");
	if (c->ssl != NULL)
		return cause_set(cause, "TLS is already on");
	c->ssl = tls_ssl_start(ctx, c->fd, host, dane, cause);
	if (c->ssl == NULL)
		return -1;
	c->phase = PH_HANDSHAKE;
	/* The first step may end the handshake at once (on_tls may free c). */
	c->busy++;
	step_handshake(c);
	release(c);
	return 0;
}

SSL *conn_ssl(const struct conn *c)
{
	return c->phase == PH_OPEN ? c->ssl : NULL;
}

/* ---- connect ------------------------------------------------------------ */

static void finish_connect(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		fail(c, error_from_errno(err), strerror(err));
		return;
	}
	loop_timer_remove(c->timer);
	c->timer = NULL;
	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
			snprintf(c->local, sizeof c->local, "%s:%u", host, ntohs(s4->sin_port));
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
			snprintf(c->local, sizeof c->local, "[%s]:%u", host, ntohs(s6->sin6_port));
		} else {
			/* An adopted socket (conn_connect_fd): no address to show. */
			snprintf(c->local, sizeof c->local, "a local socket");
		}
	}
	c->phase = PH_OPEN;
	update_interest(c);
	c->cb.on_connected(c, c->arg);
	if (c->phase == PH_OPEN && !c->doomed && c->out_len > 0 && flush_out(c) == 0)
		update_interest(c);
}

static void on_ready(struct loop_watch *w, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;

	(void)w;
	(void)fd;
	c->busy++;
	switch (c->phase) {
	case PH_CONNECTING:
		finish_connect(c);
		break;
	case PH_HANDSHAKE:
		step_handshake(c);
		break;
	case PH_OPEN:
		if (c->ssl != NULL && c->ssl_want == LOOP_WRITE && (events & LOOP_WRITE)) {
			/* OpenSSL's pending op wanted to write: retry it. */
			c->ssl_want = 0;
			if (flush_out(c) < 0)
				break;
		} else if ((events & LOOP_WRITE) && c->out_len > 0 && flush_out(c) < 0) {
			break;
		}
		if (events & (LOOP_READ | LOOP_ERROR)) {
			if (c->ssl != NULL)
				read_tls(c);
			else
				read_plain(c);
		}
		if (c->phase == PH_OPEN && !c->doomed && c->out_len > 0 && c->ssl_want == 0)
			flush_out(c);
		update_interest(c);
		break;
	default:
		break;
	}
	release(c);
}

static void on_connect_timeout(struct loop_timer *t, void *arg)
{
	struct conn *c = arg;

	(void)t;
	c->timer = NULL;
	c->busy++;
	fail(c, CONN_TIMEOUT, "no answer to the connection attempt");
	release(c);
}

static void on_connect_failed_now(struct loop_timer *t, void *arg)
{
	struct conn *c = arg;

	(void)t;
	c->timer = NULL;
	c->busy++;
	fail(c, error_from_errno(c->connect_errno), strerror(c->connect_errno));
	release(c);
}

static int fill_sockaddr(const char *addr, uint16_t port,
                         struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof *s4;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof *s6;
		return 0;
	}
	return -1;
}

/* Watches the socket for the end of the connection attempt. */
static int watch_connect(struct conn *c, char **cause)
{
	c->watch = loop_watch_add(c->loop, c->fd, LOOP_WRITE, on_ready, c);
	if (c->watch == NULL)
		return cause_set(cause, "out of memory (loop watcher)");
	c->phase = PH_CONNECTING;
	return 0;
}

static int bind_source(struct conn *c, const char *bind_addr, int family,
                       const char *addr, char **cause)
{
	struct sockaddr_storage bs;
	socklen_t blen;

	if (fill_sockaddr(bind_addr, 0, &bs, &blen) < 0 || bs.ss_family != family)
		return cause_set(cause, "source address %s does not fit %s", bind_addr,
		                 addr);
	if (bind(c->fd, (struct sockaddr *)&bs, blen) < 0)
		return cause_set(cause, "cannot bind to %s: %s", bind_addr,
		                 strerror(errno));
	return 0;
}

int conn_connect(struct conn *c, const char *addr, uint16_t port,
                 const struct conn_options *opt, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	if (fill_sockaddr(addr, port, &ss, &len) < 0)
		return cause_set(cause, "not an IP address: %s", addr);
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return cause_set(cause, "socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (opt != NULL && opt->bind_addr != NULL &&
	    bind_source(c, opt->bind_addr, ss.ss_family, addr, cause) < 0)
		return -1;
	if (watch_connect(c, cause) < 0)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		/* Refused or unreachable at once (loopback does that): report it
		 * from the loop like any other outcome, so callers have one path. */
		c->connect_errno = errno;
		loop_watch_set_interest(c->watch, 0);
		c->timer = loop_timer_add(c->loop, 0, 0, on_connect_failed_now, c);
		if (c->timer == NULL)
			return cause_set(cause, "out of memory (loop timer)");
		return 0;
	}
	if (opt != NULL && opt->connect_timeout_ms > 0) {
		c->timer = loop_timer_add(c->loop, (uint64_t)opt->connect_timeout_ms,
		                          0, on_connect_timeout, c);
		if (c->timer == NULL)
			return cause_set(cause, "out of memory (loop timer)");
	}
	return 0;
}

int conn_connect_fd(struct conn *c, int fd, char **cause)
{
	int flags;

	c->fd = fd;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return cause_set(cause, "cannot make the socket non-blocking: %s",
		                 strerror(errno));
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return cause_set(cause, "cannot set close-on-exec: %s", strerror(errno));
	/* Connected already: the socket is writable at once, and the end of
	 * the "connect" (SO_ERROR, on_connected) takes the usual path. */
	return watch_connect(c, cause);
}

const char *conn_local_address(const struct conn *c)
{
	return c->local;
}
