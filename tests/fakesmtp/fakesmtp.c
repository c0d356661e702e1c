/*
 * fakesmtp — a small scriptable SMTP server for the mailflow test lab.
 *
 *   fakesmtp -l ADDR:PORT -s SCRIPT [-s SCRIPT2 ...] [-c CERT -k KEY] [-o LOGFILE] [-u USER]
 *
 * With several -s (at most SCRIPTS_MAX), the first connection runs the
 * first script, the second the second, and so on; connections after the
 * last script run the last one again (a server that behaves differently
 * on a client's retry, e.g. after a failed TLS handshake).
 * Only for behaviour no real server shows (malformed replies, escape
 * sequences, huge lines, stalls, STARTTLS injection). It listens on a
 * 127.0.0.0/8 address only, forks one child per connection, and the child
 * runs the script: one action per line, '#' comments, blank lines ignored.
 *
 *   send TEXT        TEXT (C escapes \r \n \t \e \a \\ \xHH), then CRLF
 *   sendraw TEXT     TEXT with escapes, nothing appended, in ONE write
 *   sendbig N TEXT   TEXT repeated up to exactly N bytes, then CRLF
 *   expect WORD      read a line; if it does not start with WORD (any case),
 *                    say so on stderr and go on
 *   read             read a line, whatever it is
 *   readdata         read lines up to a line that is exactly "."
 *   sleep MS         wait MS milliseconds
 *   starttls         TLS server handshake (needs -c and -k)
 *   stall            do nothing until the client closes the connection
 *   flood TEXT       TEXT and CRLF over and over, without end, until the
 *                    client goes away (a hostile server; not logged line by line)
 *   floodraw TEXT    TEXT over and over without any CRLF: one reply line that
 *                    never ends
 *   close            close the connection and end
 *
 * -o appends one line per line received ("C: ...") and sent ("S: ..."),
 * without a final CRLF; other control bytes, a bare LF and bytes >= 0x80 are
 * written as escapes. -u drops root after the socket, the log and the
 * certificate are open. Children die with the parent (PR_SET_PDEATHSIG).
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* setgroups() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES (64 * 1024)       /* longest line read from a client */
#define SCRIPT_MAX_BYTES ((size_t)1024 * 1024)
#define BIG_MAX_BYTES (64L * 1024 * 1024) /* sendbig */
#define DATA_MAX_BYTES (64L * 1024 * 1024)
#define LOG_MAX_SHOWN 4096               /* bytes of one line shown in the log */
#define IO_TIMEOUT_S 300                 /* per read or write, like a real MTA */
#define MAX_CHILDREN 1100        /* 1,000 sessions in flight on one listener */

enum op { OP_SEND, OP_SENDRAW, OP_SENDBIG, OP_EXPECT, OP_READ, OP_READDATA,
	  OP_SLEEP, OP_STARTTLS, OP_STALL, OP_CLOSE, OP_FLOOD, OP_FLOODRAW };
static const char *const op_names[] = { "send", "sendraw", "sendbig", "expect",
	"read", "readdata", "sleep", "starttls", "stall", "close", "flood", "floodraw" };

struct action {
	enum op op;
	char *text;   /* decoded TEXT / WORD */
	size_t len;
	long num;     /* N of sendbig, MS of sleep */
	int lineno;
};

struct conn {
	int fd;
	SSL *ssl;
	char in[LINE_MAX_BYTES];
	size_t inlen;
};

static struct action *script;
static size_t nactions;
static const char *script_path;
/* Every -s, in order: connection N runs scripts[min(N, nscripts) - 1]. */
#define SCRIPTS_MAX 8
static struct {
	struct action *actions;
	size_t n;
	const char *path;
} scripts[SCRIPTS_MAX];
static int nscripts;
static int log_fd = -1;
static SSL_CTX *ssl_ctx;

static _Noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("fakesmtp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* ssl_why: OpenSSL's oldest queued error as text, NONE if there is none. */
static const char *ssl_why(const char *none)
{
	static char why[256];
	unsigned long e = ERR_get_error();
	if (!e)
		return none;
	ERR_error_string_n(e, why, sizeof why);
	return why;
}

/* escape: DST (>= 4*len+1 bytes) gets SRC with control bytes made visible. */
static size_t escape(char *dst, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		const char *e = c == '\r' ? "\\r" : c == '\n' ? "\\n" : c == '\t' ? "\\t"
			: c == 27 ? "\\e" : c == '\\' ? "\\\\" : NULL;
		if (e) {
			memcpy(dst + n, e, 2);
			n += 2;
		} else if (c < 0x20 || c >= 0x7f) {
			dst[n++] = '\\'; dst[n++] = 'x';
			dst[n++] = hex[c >> 4]; dst[n++] = hex[c & 15];
		} else {
			dst[n++] = (char)c;
		}
	}
	dst[n] = '\0';
	return n;
}

/* log_line: one "C: " or "S: " line; a final CRLF is not shown. */
static void log_line(const char *who, const char *data, size_t len)
{
	static char buf[4 * LOG_MAX_SHOWN + 64];
	size_t shown = len, n;
	if (log_fd < 0)
		return;
	if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n')
		shown = len - 2;
	size_t full = shown;
	if (shown > LOG_MAX_SHOWN)
		shown = LOG_MAX_SHOWN;
	n = (size_t)snprintf(buf, 8, "%s: ", who);
	n += escape(buf + n, data, shown);
	if (full > shown)
		n += (size_t)snprintf(buf + n, 40, " [... %zu bytes]", full);
	buf[n++] = '\n';
	/* One write per line: O_APPEND keeps lines of parallel children whole. */
	if (write(log_fd, buf, n) < 0) { /* a log that cannot be written is no reason to stop */ }
}

static void log_note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof buf, "# [%ld] ", (long)getpid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	if (log_fd >= 0 && write(log_fd, buf, (size_t)n) < 0) { /* ignored */ }
}

/* log_lines: every line of DATA (split after each LF), as WHO lines. */
static void log_lines(const char *who, const char *data, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			log_line(who, data + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < len)
		log_line(who, data + start, len - start);
}

/* ---- script ------------------------------------------------------------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* unescape: decode SRC into a new buffer; NULL on a bad escape. */
static char *unescape(const char *src, size_t *lenp)
{
	char *out = malloc(strlen(src) + 1);
	size_t n = 0;
	if (!out)
		die(1, "out of memory");
	for (const char *p = src; *p; p++) {
		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		switch (*++p) {
		case 'r': out[n++] = '\r'; break;
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'e': out[n++] = 27; break;
		case 'a': out[n++] = 7; break;
		case '\\': out[n++] = '\\'; break;
		case 'x':
			if (hexval(p[1]) < 0 || hexval(p[2]) < 0) {
				free(out);
				return NULL;
			}
			out[n++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 2;
			break;
		default:
			free(out);
			return NULL;
		}
	}
	out[n] = '\0';
	*lenp = n;
	return out;
}

static long parse_num(const char *s, long max, char **rest)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno || v < 0 || v > max || (*end && *end != ' '))
		return -1;
	*rest = *end ? end + 1 : end;
	return v;
}

static void load_script(const char *path)
{
	static char text[SCRIPT_MAX_BYTES + 1];
	FILE *f = fopen(path, "r");
	if (!f)
		die(2, "%s: %s", path, strerror(errno));
	size_t len = fread(text, 1, sizeof text, f);
	if (ferror(f) || len > SCRIPT_MAX_BYTES)
		die(2, "%s: cannot read it, or larger than %zu bytes", path, SCRIPT_MAX_BYTES);
	fclose(f);
	text[len] = '\0';
	script = calloc(len / 2 + 1, sizeof *script); /* >= one per line */
	if (!script)
		die(1, "out of memory");
	int lineno = 0;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		size_t wl = strcspn(line, " ");
		char *arg = line[wl] ? line + wl + 1 : line + wl;
		struct action *a = &script[nactions];
		size_t op;
		for (op = 0; op < sizeof op_names / sizeof *op_names; op++)
			if (strlen(op_names[op]) == wl && !strncmp(line, op_names[op], wl))
				break;
		if (op == sizeof op_names / sizeof *op_names)
			die(2, "%s:%d: unknown action '%.*s'", path, lineno, (int)wl, line);
		a->op = (enum op)op;
		a->lineno = lineno;
		if (a->op == OP_SENDBIG && (a->num = parse_num(arg, BIG_MAX_BYTES, &arg)) < 0)
			die(2, "%s:%d: sendbig needs a byte count up to %ld", path, lineno, BIG_MAX_BYTES);
		if (a->op == OP_SLEEP && (a->num = parse_num(arg, 86400000, &arg)) < 0)
			die(2, "%s:%d: sleep needs milliseconds (0 to 86400000)", path, lineno);
		if (a->op == OP_SENDBIG || a->op == OP_SEND || a->op == OP_SENDRAW ||
		    a->op == OP_EXPECT || a->op == OP_FLOOD || a->op == OP_FLOODRAW) {
			if (!(a->text = unescape(arg, &a->len)))
				die(2, "%s:%d: bad escape in '%s'", path, lineno, arg);
			if (a->op == OP_SENDBIG && a->len == 0)
				die(2, "%s:%d: sendbig needs a TEXT to repeat", path, lineno);
		} else if (*arg) {
			die(2, "%s:%d: %s: unexpected '%s'", path, lineno, op_names[op], arg);
		}
		if (a->op == OP_STARTTLS && !ssl_ctx)
			die(2, "%s:%d: starttls needs -c CERT and -k KEY", path, lineno);
		nactions++;
	}
}

/* ---- connection I/O ---------------------------------------------------- */

/* conn_write: all of DATA; one send()/SSL_write for anything that fits. */
static int conn_write(struct conn *c, const char *data, size_t len)
{
	while (len > 0) {
		size_t done = 0;
		if (c->ssl) {
			ERR_clear_error();
			if (SSL_write_ex(c->ssl, data, len, &done) <= 0)
				return -1;
		} else {
			ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			done = (size_t)n;
		}
		data += done;
		len -= done;
	}
	return 0;
}

/* conn_fill: read more bytes into c->in; 0 ok, -1 end of file or error. */
static int conn_fill(struct conn *c)
{
	size_t room = sizeof c->in - c->inlen, got = 0;
	if (c->ssl) {
		ERR_clear_error();
		if (SSL_read_ex(c->ssl, c->in + c->inlen, room, &got) <= 0)
			return -1;
	} else {
		ssize_t n;
		do
			n = recv(c->fd, c->in + c->inlen, room, 0);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return -1;
		got = (size_t)n;
	}
	c->inlen += got;
	return 0;
}

/*
 * conn_line: the next line (with its LF, NUL-terminated) into LINE, which has
 * room for LINE_MAX_BYTES + 1. A longer line is cut there and the rest of it
 * is skipped. Returns the length, or -1 at end of file / error / timeout.
 */
static long conn_line(struct conn *c, char *line)
{
	int skipping = 0;
	size_t cut = 0;
	for (;;) {
		char *nl = memchr(c->in, '\n', c->inlen);
		if (nl || c->inlen == sizeof c->in) {
			size_t n = nl ? (size_t)(nl - c->in) + 1 : c->inlen;
			if (!skipping) {
				memcpy(line, c->in, n);
				cut = n;
			}
			memmove(c->in, c->in + n, c->inlen - n);
			c->inlen -= n;
			if (nl) {
				line[cut] = '\0';
				log_line("C", line, cut);
				return (long)cut;
			}
			skipping = 1;
			continue;
		}
		if (conn_fill(c) < 0)
			return -1;
	}
}

static _Noreturn void conn_end(struct conn *c, int code)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	log_note("connection closed");
	_exit(code);
}

static void set_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* ---- one connection ---------------------------------------------------- */

static void run_script(struct conn *c)
{
	static char line[LINE_MAX_BYTES + 1];
	for (size_t i = 0; i < nactions; i++) {
		const struct action *a = &script[i];
		long n;
		switch (a->op) {
		case OP_SEND:
		case OP_SENDRAW:
		case OP_SENDBIG: {
			size_t body = a->op == OP_SENDBIG ? (size_t)a->num : a->len;
			size_t len = body + (a->op == OP_SENDRAW ? 0 : 2);
			char *buf = malloc(len + 1);
			if (!buf)
				conn_end(c, 1);
			for (size_t k = 0; k < body; k++)
				buf[k] = a->text[k % a->len];
			memcpy(buf + body, "\r\n", len - body);
			log_lines("S", buf, len);
			int rc = conn_write(c, buf, len);
			free(buf);
			if (rc < 0)
				conn_end(c, 0);
			break;
		}
		case OP_FLOOD:
		case OP_FLOODRAW: {
			static char buf[64 * 1024];
			size_t len = 0, eol = a->op == OP_FLOOD ? 2 : 0;

			while (len + a->len + eol <= sizeof buf) {
				memcpy(buf + len, a->text, a->len);
				memcpy(buf + len + a->len, "\r\n", eol);
				len += a->len + eol;
			}
			log_note("flooding with '%.*s' until the client goes away",
			         (int)(a->len > 60 ? 60 : a->len), a->text);
			while (conn_write(c, buf, len) == 0)
				;
			conn_end(c, 0);
			break;
		}
		case OP_EXPECT:
		case OP_READ:
			if ((n = conn_line(c, line)) < 0)
				conn_end(c, 0);
			if (a->op == OP_EXPECT && ((size_t)n < a->len || strncasecmp(line, a->text, a->len) != 0)) {
				char shown[4 * 200 + 1];
				escape(shown, line, (size_t)n > 200 ? 200 : (size_t)n);
				fprintf(stderr, "fakesmtp: %s:%d: expected %s, got '%s'\n",
					script_path, a->lineno, a->text, shown);
				log_note("%s:%d: expected %s", script_path, a->lineno, a->text);
			}
			break;
		case OP_READDATA: {
			long total = 0;
			while ((n = conn_line(c, line)) >= 0) {
				total += n;
				if (!strcmp(line, ".\r\n") || !strcmp(line, ".\n"))
					break;
				if (total > DATA_MAX_BYTES)
					conn_end(c, 0);
			}
			if (n < 0)
				conn_end(c, 0);
			break;
		}
		case OP_SLEEP: {
			struct timespec ts = { .tv_sec = a->num / 1000, .tv_nsec = (a->num % 1000) * 1000000L };
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
			break;
		}
		case OP_STARTTLS:
			if (c->inlen > 0) {
				/* Plaintext the client pipelined after STARTTLS must not
				 * count as TLS data (RFC 3207 section 6). */
				log_note("discarding %zu plaintext bytes sent before TLS:", c->inlen);
				log_lines("C", c->in, c->inlen);
				c->inlen = 0;
			}
			if (!(c->ssl = SSL_new(ssl_ctx)) || !SSL_set_fd(c->ssl, c->fd)) {
				log_note("SSL_new failed");
				conn_end(c, 1);
			}
			ERR_clear_error();
			if (SSL_accept(c->ssl) <= 0) {
				log_note("TLS handshake failed: %s", ssl_why("connection closed"));
				SSL_free(c->ssl);
				c->ssl = NULL;
				conn_end(c, 0);
			}
			log_note("TLS established: %s", SSL_get_version(c->ssl));
			break;
		case OP_STALL:
			log_note("stalling until the client closes");
			set_timeout(c->fd, 0); /* no timeout: wait as long as it takes */
			do {
				log_lines("C", c->in, c->inlen);
				c->inlen = 0;
			} while (conn_fill(c) == 0);
			conn_end(c, 0);
			break;
		case OP_CLOSE:
			conn_end(c, 0);
			break;
		}
	}
	conn_end(c, 0);
}

/* ---- main -------------------------------------------------------------- */

/* Only there so that SIGCHLD interrupts accept() (no SA_RESTART). */
static void on_chld(int sig)
{
	(void)sig;
}

static int nchildren;

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		nchildren--;
}

static _Noreturn void usage(void)
{
	die(2, "usage: fakesmtp -l ADDR:PORT -s SCRIPT [-s SCRIPT2 ...] [-c CERT -k KEY] [-o LOGFILE] [-u USER]");
}

int main(int argc, char **argv)
{
	const char *listen_arg = NULL, *cert = NULL, *key = NULL, *logfile = NULL, *user = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "l:s:c:k:o:u:")) != -1) {
		switch (opt) {
		case 'l': listen_arg = optarg; break;
		case 's':
			if (nscripts == SCRIPTS_MAX)
				die(2, "at most %d scripts (-s)", SCRIPTS_MAX);
			scripts[nscripts++].path = script_path = optarg;
			break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'o': logfile = optarg; break;
		case 'u': user = optarg; break;
		default: usage();
		}
	}
	if (!listen_arg || !script_path || optind != argc || !cert != !key)
		usage();

	/* ADDR:PORT, ADDR in 127.0.0.0/8 only: the lab never leaves loopback. */
	char addr[64];
	const char *colon = strrchr(listen_arg, ':');
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || (size_t)(colon - listen_arg) >= sizeof addr || !colon[1] || *end || port < 1 || port > 65535)
		die(2, "-l wants ADDR:PORT, not '%s'", listen_arg);
	memcpy(addr, listen_arg, (size_t)(colon - listen_arg));
	addr[colon - listen_arg] = '\0';
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 || (ntohl(sin.sin_addr.s_addr) >> 24) != 127)
		die(2, "%s: only IPv4 addresses in 127.0.0.0/8 are allowed", addr);
	sin.sin_port = htons((unsigned short)port);

	if (cert) {
		if (!(ssl_ctx = SSL_CTX_new(TLS_server_method())) ||
		    SSL_CTX_use_certificate_chain_file(ssl_ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ssl_ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ssl_ctx) != 1)
			die(2, "cannot use certificate %s and key %s: %s", cert, key, ssl_why("unknown error"));
	}
	for (int k = 0; k < nscripts; k++) {
		nactions = 0;
		load_script(scripts[k].path);
		scripts[k].actions = script;
		scripts[k].n = nactions;
	}
	if (logfile && (log_fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		die(2, "%s: %s", logfile, strerror(errno));

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 64) < 0)
		die(1, "cannot listen on %s: %s", listen_arg, strerror(errno));

	if (user) {
		struct passwd *pw = getpwnam(user);
		if (!pw)
			die(2, "no such user: %s", user);
		if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
			die(1, "cannot become %s: %s", user, strerror(errno));
	}

	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_chld }; /* no SA_RESTART: accept sees EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	pid_t parent = getpid();
	fprintf(stderr, "fakesmtp: listening on %s, script %s (%zu actions)\n", listen_arg, script_path, nactions);
	int nconn = 0;

	for (;;) {
		reap();
		struct sockaddr_in peer;
		socklen_t plen = sizeof peer;
		int fd = accept(lfd, (struct sockaddr *)&peer, &plen);
		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED) {
				perror("fakesmtp: accept");
				nanosleep(&(struct timespec){ .tv_nsec = 100000000L }, NULL); /* e.g. EMFILE */
			}
			continue;
		}
		if (nchildren >= MAX_CHILDREN) {
			fprintf(stderr, "fakesmtp: %d connections open, refusing one more\n", nchildren);
			close(fd);
			continue;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("fakesmtp: fork");
			close(fd);
			continue;
		}
		if (pid > 0) {
			nchildren++;
			nconn++;
			close(fd);
			continue;
		}
		/* This connection's script (the last one once they run out). */
		int which = nconn < nscripts ? nconn : nscripts - 1;
		script = scripts[which].actions;
		nactions = scripts[which].n;
		script_path = scripts[which].path;
		/* child */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0); /* the parent died before prctl */
		close(lfd);
		signal(SIGCHLD, SIG_DFL);
		set_timeout(fd, IO_TIMEOUT_S);
		char ip[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
		log_note("connection from %s:%u", ip, ntohs(peer.sin_port));
		static struct conn c;
		c.fd = fd;
		run_script(&c);
	}
}
