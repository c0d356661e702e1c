/*
 * dns.c — c-ares on the loop, and a bounded parser for raw answers.
 *
 * c-ares 1.18 has no event thread and no dnsrec API: the sock-state
 * callback maps its sockets to loop watchers, ares_process_fd() is fed
 * readiness, and a before-sleep hook re-arms one timer at ares_timeout()
 * (ares_process_fd(BAD, BAD) then runs retries and timeouts).
 */
#include "mailflow/dns.h"
#include "mailflow/debug.h"
#include "mailflow/defaults.h"
#include "mailflow/loop.h"
#include "mailflow/xmalloc.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* How the pacer reads a server that limits (NSD's RRL drops some answers
 * and truncates others, rrl-slip): a truncation, or this many answers
 * dropped while others arrive, within the window. */
#define DNS_LIMIT_WINDOW_MS     10000
#define DNS_LIMIT_DROPS         3
/* Then: half the rate, at most this often, never under the floor; back up
 * once the server has been quiet this long; and a query gets this many
 * sends more (each of --dns-tries tries) before it is "limited". */
#define DNS_SLOWDOWN_EVERY_MS   250
#define DNS_RATE_MIN            20.0
#define DNS_SPEEDUP_AFTER_MS    1000
#define DNS_LIMITED_RETRIES     2

struct dns_sock {
	ares_socket_t fd;
	struct loop_watch *watch;
	struct dns_sock *next;
};

/* What every lookup of a run shares: one channel (one socket, one server
 * list), one timer for c-ares, and the pacer. */
struct dns_share {
	struct loop *loop;
	ares_channel channel;
	struct dns_sock *socks;
	struct loop_hook *hook;
	struct loop_timer *timer;
	size_t refs;            /* the creator's and each struct dns's */
	size_t inflight;        /* queries c-ares holds */
	int tries;
	/* The pacer: a token bucket of rate queries a second; rate_max 0:
	 * no pacing. */
	double rate_max, rate, tokens;
	uint64_t refill_ms;
	struct dns_query_ctx *wait_head, *wait_tail;
	struct loop_timer *pace_timer;
	/* Signs of a server that limits (loop_clock_ms() times). */
	uint64_t answer_ms;     /* the last answer of any kind */
	uint64_t truncated_ms;  /* the last truncated answer */
	uint64_t slowdown_ms, drops_since;
	size_t drops;           /* dropped since drops_since */
	size_t drops_total, truncations, slowdowns;
};

/* One run's handle on the share: its queries, to cancel them. */
struct dns {
	struct dns_share *share;
	size_t pending;
	struct dns_query_ctx *queries;  /* every one not answered yet */
};

enum ctx_where {
	CTX_DONE,       /* being answered */
	CTX_WAITING,    /* in the pacer's queue */
	CTX_SENT,       /* c-ares holds it */
	CTX_DEFERRED,   /* answered inside ares_query(): a zero timer runs */
};

struct dns_query_ctx {
	struct dns *dns;        /* NULL: orphaned, dns_free() came first */
	struct dns_share *share;
	dns_result_cb cb;
	void *arg;
	enum dns_type type;
	enum ctx_where where;
	uint64_t start, sent_ms;
	int attempts;
	bool limited;           /* no answer, and the server limits */
	/* Set while ares_query() is on the stack: an answer that comes back
	 * synchronously is delivered from a zero timer instead, so callers
	 * never see their callback run inside dns_query(). */
	bool in_call;
	bool answered_in_call;
	int sync_status;
	struct loop_timer *defer_timer;
	struct dns_query_ctx *prev, *next;      /* the dns's queries */
	struct dns_query_ctx *next_wait;        /* the pacer's queue */
	char qname[DNS_NAME_MAX];
};

static int lib_refs;

static void deliver(struct dns_query_ctx *ctx, int status,
                    const unsigned char *abuf, int alen);

/* ---- names and tables --------------------------------------------------- */

const char *dns_type_name(enum dns_type type)
{
	switch (type) {
	case DNS_A: return "A";
	case DNS_CNAME: return "CNAME";
	case DNS_PTR: return "PTR";
	case DNS_MX: return "MX";
	case DNS_TXT: return "TXT";
	case DNS_AAAA: return "AAAA";
	case DNS_TLSA: return "TLSA";
	}
	return "?";
}

static const char *const status_names[] = {
	[DNS_OK] = "ok",
	[DNS_NODATA] = "nodata",
	[DNS_NXDOMAIN] = "nxdomain",
	[DNS_SERVFAIL] = "servfail",
	[DNS_REFUSED] = "refused",
	[DNS_TIMEOUT] = "timeout",
	[DNS_ERROR] = "error",
	[DNS_LIMITED] = "limited",
	[DNS_CANCELLED] = "cancelled",
};

const char *dns_status_name(enum dns_status status)
{
	if ((size_t)status < sizeof status_names / sizeof status_names[0])
		return status_names[status];
	return "?";
}

static enum dns_status status_from_ares(int status)
{
	switch (status) {
	case ARES_SUCCESS: return DNS_OK;
	case ARES_ENODATA: return DNS_NODATA;
	case ARES_ENOTFOUND: return DNS_NXDOMAIN;
	case ARES_ESERVFAIL: return DNS_SERVFAIL;
	case ARES_EREFUSED: return DNS_REFUSED;
	case ARES_ETIMEOUT: return DNS_TIMEOUT;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION: return DNS_CANCELLED;
	default: return DNS_ERROR;
	}
}

/* ---- server list -------------------------------------------------------- */

static int check_one_server(const char *s, size_t len, char **cause)
{
	char host[64], buf[80];
	const char *port = NULL;
	unsigned char tmp[16];

	if (len == 0 || len >= sizeof buf) {
		cause_set(cause, "bad DNS server \"%s\": empty or too long", len ? s : "");
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (end == NULL || (size_t)(end - buf - 1) >= sizeof host) {
			cause_set(cause, "bad DNS server \"%s\": unclosed [", buf);
			return -1;
		}
		memcpy(host, buf + 1, (size_t)(end - buf - 1));
		host[end - buf - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			cause_set(cause, "bad DNS server \"%s\": junk after ]", buf);
			return -1;
		}
		if (inet_pton(AF_INET6, host, tmp) != 1) {
			cause_set(cause, "bad DNS server \"%s\": not an IPv6 address", buf);
			return -1;
		}
	} else {
		char *colon = strchr(buf, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* A bare IPv6 address, no port. */
			if (inet_pton(AF_INET6, buf, tmp) != 1) {
				cause_set(cause, "bad DNS server \"%s\": not an IP address", buf);
				return -1;
			}
			return 0;
		}
		if (colon != NULL) {
			*colon = '\0';
			port = colon + 1;
		}
		if (inet_pton(AF_INET, buf, tmp) != 1) {
			cause_set(cause, "bad DNS server \"%s\": not an IP address "
			          "(give an address, not a name)", buf);
			return -1;
		}
	}
	if (port != NULL) {
		char *end;
		long p;

		errno = 0;
		p = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno || p < 1 || p > 65535) {
			cause_set(cause, "bad DNS server port \"%s\": want 1-65535", port);
			return -1;
		}
	}
	return 0;
}

int dns_servers_check(const char *servers, char **cause)
{
	const char *p = servers, *comma;

	if (servers == NULL || *servers == '\0') {
		cause_set(cause, "no DNS server given");
		return -1;
	}
	for (;;) {
		comma = strchr(p, ',');
		if (check_one_server(p, comma ? (size_t)(comma - p) : strlen(p),
		                     cause) < 0)
			return -1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int dns_ptr_name(const char *address, char *out, size_t outsz)
{
	unsigned char a[16];
	size_t off = 0;
	int i, n;

	if (inet_pton(AF_INET, address, a) == 1) {
		n = snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa",
		             a[3], a[2], a[1], a[0]);
		return n < 0 || (size_t)n >= outsz ? -1 : 0;
	}
	if (inet_pton(AF_INET6, address, a) != 1)
		return -1;
	if (outsz < 64 + 9)
		return -1;
	for (i = 15; i >= 0; i--) {
		static const char hex[] = "0123456789abcdef";

		out[off++] = hex[a[i] & 0xf];
		out[off++] = '.';
		out[off++] = hex[a[i] >> 4];
		out[off++] = '.';
	}
	memcpy(out + off, "ip6.arpa", 9);
	return 0;
}

/* ---- the raw answer parser ---------------------------------------------- */

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Expands the name at p into out; returns its length on the wire, or -1. */
static long expand_name(const unsigned char *p, const unsigned char *msg,
                        size_t len, char *out, size_t outsz)
{
	char *name = NULL;
	long enclen = 0;
	size_t n;

	if (ares_expand_name(p, msg, (int)len, &name, &enclen) != ARES_SUCCESS)
		return -1;
	n = strlen(name);
	/* c-ares gives no trailing dot, except "." for... nothing: the root
	 * comes back as "". Names longer than a DNS name can be are refused. */
	if (n >= outsz) {
		ares_free_string(name);
		return -1;
	}
	memcpy(out, name, n + 1);
	ares_free_string(name);
	return enclen;
}

struct rr {
	const unsigned char *rdata;
	uint32_t ttl;
	uint16_t type, class;
	uint16_t rdlen;
	char owner[DNS_NAME_MAX];
};

/* Walks the answer section; fills rrs (at most max), returns the count or
 * -1 when the message is malformed. */
static int answer_walk(const unsigned char *msg, size_t len, struct rr *rrs,
                       int max, int *rcode)
{
	const unsigned char *p = msg + 12, *end = msg + len;
	unsigned qd, an, i;
	int n = 0;

	if (len < 12)
		return -1;
	*rcode = msg[3] & 0x0f;
	qd = get16(msg + 4);
	an = get16(msg + 6);
	for (i = 0; i < qd; i++) {
		char tmp[DNS_NAME_MAX];
		long l = expand_name(p, msg, len, tmp, sizeof tmp);

		if (l < 0 || end - p < l + 4)
			return -1;
		p += l + 4;
	}
	for (i = 0; i < an; i++) {
		struct rr r;
		long l = expand_name(p, msg, len, r.owner, sizeof r.owner);

		if (l < 0 || end - p < l + 10)
			return -1;
		p += l;
		r.type = get16(p);
		r.class = get16(p + 2);
		r.ttl = get32(p + 4);
		r.rdlen = get16(p + 8);
		p += 10;
		if (end - p < r.rdlen)
			return -1;
		r.rdata = p;
		p += r.rdlen;
		if (n < max)
			rrs[n++] = r;
	}
	return n;
}

static int parse_rdata(const unsigned char *msg, size_t len, const struct rr *r,
                       struct dns_record *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->ttl = r->ttl;
	switch (r->type) {
	case DNS_A:
		return r->rdlen == 4 &&
		       inet_ntop(AF_INET, r->rdata, rec->addr, sizeof rec->addr) ? 0 : -1;
	case DNS_AAAA:
		return r->rdlen == 16 &&
		       inet_ntop(AF_INET6, r->rdata, rec->addr, sizeof rec->addr) ? 0 : -1;
	case DNS_MX:
		if (r->rdlen < 3)
			return -1;
		rec->pref = get16(r->rdata);
		return expand_name(r->rdata + 2, msg, len, rec->name,
		                   sizeof rec->name) < 0 ? -1 : 0;
	case DNS_PTR:
	case DNS_CNAME:
		return expand_name(r->rdata, msg, len, rec->name,
		                   sizeof rec->name) < 0 ? -1 : 0;
	case DNS_TXT: {
		const unsigned char *p = r->rdata, *e = r->rdata + r->rdlen;
		size_t total = 0;

		if (r->rdlen == 0 || r->rdlen > DNS_TXT_MAX)
			return -1;
		rec->text = xmalloc(r->rdlen + 1u);
		while (p < e) {
			size_t l = *p++;

			if ((size_t)(e - p) < l) {
				free(rec->text);
				rec->text = NULL;
				return -1;
			}
			memcpy(rec->text + total, p, l);
			total += l;
			p += l;
		}
		rec->text[total] = '\0';
		rec->text_len = total;
		return 0;
	}
	case DNS_TLSA:
		if (r->rdlen < 4 || r->rdlen - 3u > DNS_TLSA_DATA_MAX)
			return -1;
		rec->usage = r->rdata[0];
		rec->selector = r->rdata[1];
		rec->mtype = r->rdata[2];
		rec->data_len = r->rdlen - 3u;
		rec->data = xmalloc(rec->data_len);
		memcpy(rec->data, r->rdata + 3, rec->data_len);
		return 0;
	}
	return -1;
}

int dns_answer_parse(const unsigned char *msg, size_t len, const char *qname,
                     enum dns_type type, struct dns_result *res)
{
	struct rr rrs[DNS_MAX_RECORDS * 2];
	char owner[DNS_NAME_MAX];
	int n, i, rcode, hops;
	bool moved = true;

	res->records = NULL;
	res->nrecords = 0;
	res->nskipped = 0;
	res->cname[0] = '\0';
	n = answer_walk(msg, len, rrs, (int)(sizeof rrs / sizeof rrs[0]), &rcode);
	if (n < 0) {
		res->status = DNS_ERROR;
		res->detail = "malformed DNS answer";
		return -1;
	}
	switch (rcode) {
	case 0: break;
	case 2: res->status = DNS_SERVFAIL; return 0;
	case 3: res->status = DNS_NXDOMAIN; return 0;
	case 5: res->status = DNS_REFUSED; return 0;
	default:
		res->status = DNS_ERROR;
		res->detail = "DNS error response";
		return 0;
	}

	/* Follow an alias chain (at most 8 hops: loops end here too). */
	snprintf(owner, sizeof owner, "%s", qname);
	for (hops = 0; type != DNS_CNAME && moved && hops < 8; hops++) {
		moved = false;
		for (i = 0; i < n; i++) {
			struct dns_record rec;

			if (rrs[i].type != DNS_CNAME || strcasecmp(rrs[i].owner, owner) != 0)
				continue;
			if (parse_rdata(msg, len, &rrs[i], &rec) < 0)
				continue;
			snprintf(owner, sizeof owner, "%s", rec.name);
			snprintf(res->cname, sizeof res->cname, "%s", rec.name);
			moved = true;
			break;
		}
	}

	res->records = xcalloc(DNS_MAX_RECORDS, sizeof *res->records);
	for (i = 0; i < n; i++) {
		if (rrs[i].type != type || rrs[i].class != 1 ||
		    strcasecmp(rrs[i].owner, owner) != 0)
			continue;
		if (res->nrecords == DNS_MAX_RECORDS ||
		    parse_rdata(msg, len, &rrs[i], &res->records[res->nrecords]) < 0) {
			res->nskipped++;
			continue;
		}
		res->nrecords++;
	}
	res->status = res->nrecords ? DNS_OK : DNS_NODATA;
	return 0;
}

void dns_result_clear(struct dns_result *res)
{
	size_t i;

	for (i = 0; i < res->nrecords; i++) {
		free(res->records[i].text);
		free(res->records[i].data);
	}
	free(res->records);
	res->records = NULL;
	res->nrecords = 0;
}

/* ---- the shared channel on the loop ------------------------------------- */

static void on_sock_ready(struct loop_watch *w, int fd, unsigned events,
                          void *arg)
{
	struct dns_share *s = arg;

	(void)w;
	ares_process_fd(s->channel,
	                (events & (LOOP_READ | LOOP_ERROR)) ? fd : ARES_SOCKET_BAD,
	                (events & LOOP_WRITE) ? fd : ARES_SOCKET_BAD);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable,
                          int writable)
{
	struct dns_share *sh = data;
	struct dns_sock **pp, *s;

	for (pp = &sh->socks; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->fd == fd)
			break;
	s = *pp;
	if (!readable && !writable) {
		/* c-ares is closing the socket. */
		if (s != NULL) {
			loop_watch_remove(s->watch);
			*pp = s->next;
			free(s);
		}
		return;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->fd = fd;
		s->watch = loop_watch_add(sh->loop, fd, 0, on_sock_ready, sh);
		if (s->watch == NULL) {
			free(s);
			return;         /* a bad fd: the query then times out, reported */
		}
		s->next = sh->socks;
		sh->socks = s;
	}
	loop_watch_set_interest(s->watch, (readable ? LOOP_READ : 0) |
	                        (writable ? LOOP_WRITE : 0));
}

static void on_timeout(struct loop_timer *t, void *arg)
{
	struct dns_share *s = arg;

	(void)t;
	s->timer = NULL;
	ares_process_fd(s->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* Before each sleep: one timer at the channel's next deadline. */
static void on_before_sleep(struct loop *loop, void *arg)
{
	struct dns_share *s = arg;
	struct timeval tv, *tvp;
	uint64_t ms;

	if (s->timer != NULL) {
		loop_timer_remove(s->timer);
		s->timer = NULL;
	}
	if (s->inflight == 0)
		return;
	tvp = ares_timeout(s->channel, NULL, &tv);
	if (tvp == NULL)
		return;
	ms = (uint64_t)tvp->tv_sec * 1000u + ((uint64_t)tvp->tv_usec + 999u) / 1000u;
	s->timer = loop_timer_add(loop, ms, 0, on_timeout, s);
}

/* ---- the pacer ---------------------------------------------------------- */

/*
 * A token bucket of `rate` queries a second, shared by every lookup of the
 * run, so a list of domains asks no faster than a server that limits its
 * answers (NSD's RRL, public resolvers) allows. It slows down when the
 * server shows that it limits (a truncated answer, answers dropped while
 * others arrive) and speeds up again, slowly, when it stops.
 */

/* The server looks like it limits: recent truncations or several drops. */
static bool share_limiting(const struct dns_share *s, uint64_t now)
{
	return (s->truncated_ms != 0 && now - s->truncated_ms < DNS_LIMIT_WINDOW_MS) ||
	       (now - s->drops_since < DNS_LIMIT_WINDOW_MS && s->drops >= DNS_LIMIT_DROPS);
}

static void pacer_slow_down(struct dns_share *s, uint64_t now, const char *why)
{
	if (s->rate_max <= 0 || now - s->slowdown_ms < DNS_SLOWDOWN_EVERY_MS)
		return;
	s->slowdown_ms = now;
	s->slowdowns++;
	s->rate = s->rate / 2 < DNS_RATE_MIN ? DNS_RATE_MIN : s->rate / 2;
	if (s->tokens > 1)
		s->tokens = 1;
	debug_log("dns: %s: the server limits, now %.0f queries a second", why, s->rate);
}

static void pacer_refill(struct dns_share *s, uint64_t now)
{
	double dt = (double)(now - s->refill_ms) / 1000.0, burst;

	s->refill_ms = now;
	/* Back up, 50% a second, once the server has been quiet a while. */
	if (s->rate < s->rate_max && now - s->slowdown_ms > DNS_SPEEDUP_AFTER_MS) {
		s->rate *= 1.0 + 0.5 * dt;
		if (s->rate > s->rate_max)
			s->rate = s->rate_max;
	}
	/* A burst of 50 ms worth: smooth, but no slower than the clock. */
	burst = s->rate / 20 < 1 ? 1 : s->rate / 20;
	s->tokens += s->rate * dt;
	if (s->tokens > burst)
		s->tokens = burst;
}

static bool pacer_take(struct dns_share *s)
{
	if (s->rate_max <= 0)
		return true;
	pacer_refill(s, loop_clock_ms());
	if (s->tokens < 1)
		return false;
	s->tokens -= 1;
	return true;
}

static void ctx_send(struct dns_query_ctx *ctx);

static void pacer_arm(struct dns_share *s);

static void on_pace(struct loop_timer *t, void *arg)
{
	struct dns_share *s = arg;

	(void)t;
	s->pace_timer = NULL;
	while (s->wait_head != NULL && pacer_take(s)) {
		struct dns_query_ctx *ctx = s->wait_head;

		s->wait_head = ctx->next_wait;
		if (s->wait_head == NULL)
			s->wait_tail = NULL;
		ctx->next_wait = NULL;
		ctx_send(ctx);
	}
	pacer_arm(s);
}

/* A timer for when the next token is there, while queries wait. */
static void pacer_arm(struct dns_share *s)
{
	double ms;

	if (s->wait_head == NULL || s->pace_timer != NULL)
		return;
	ms = (1 - s->tokens) * 1000.0 / s->rate;
	s->pace_timer = loop_timer_add(s->loop, ms < 1 ? 1 : (uint64_t)ms + 1, 0,
	                               on_pace, s);
}

/* Sends the query now if the bucket allows, else queues it in order. */
static void pacer_submit(struct dns_share *s, struct dns_query_ctx *ctx)
{
	if (s->wait_head == NULL && pacer_take(s)) {
		ctx_send(ctx);
		return;
	}
	ctx->where = CTX_WAITING;
	if (s->wait_tail != NULL)
		s->wait_tail->next_wait = ctx;
	else
		s->wait_head = ctx;
	s->wait_tail = ctx;
	pacer_arm(s);
}

static void pacer_unlink(struct dns_share *s, struct dns_query_ctx *ctx)
{
	struct dns_query_ctx **pp, *prev = NULL;

	for (pp = &s->wait_head; *pp != NULL; prev = *pp, pp = &(*pp)->next_wait)
		if (*pp == ctx) {
			*pp = ctx->next_wait;
			if (s->wait_tail == ctx)
				s->wait_tail = prev;
			ctx->next_wait = NULL;
			return;
		}
}

/* A TCP socket: c-ares asks again over TCP after a truncated answer (it
 * does unless ARES_FLAG_IGNTC), which a limiting server sends instead of
 * some answers (NSD's rrl-slip). */
static int on_sock_create(ares_socket_t fd, int type, void *arg)
{
	struct dns_share *s = arg;

	(void)fd;
	if (type == SOCK_STREAM) {
		s->truncated_ms = loop_clock_ms();
		s->truncations++;
		pacer_slow_down(s, s->truncated_ms, "a truncated answer");
	}
	return 0;
}

/* ---- the share: channel and pacer --------------------------------------- */

static int options_check(const struct dns_options *opt, char **cause)
{
	if (opt->servers != NULL && dns_servers_check(opt->servers, cause) < 0)
		return -1;
	if (opt->timeout_ms < 0 || opt->tries < 0 || opt->rate < 0) {
		cause_set(cause, "DNS timeout, tries and rate must not be negative");
		return -1;
	}
	return 0;
}

static int share_channel(struct dns_share *s, const struct dns_options *opt,
                         char **cause)
{
	struct ares_options ao;
	int rc, mask;

	memset(&ao, 0, sizeof ao);
	/* NOCHECKRESP: a SERVFAIL or REFUSED is an answer to report as it
	 * is, not a reason to ask again. EDNS: policy TXT records are big.
	 * No IGNTC: a truncated answer is asked again over TCP. */
	ao.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS;
	ao.timeout = opt->timeout_ms ? opt->timeout_ms : DEFAULT_DNS_TIMEOUT_MS;
	/* c-ares makes the tries (the second waits twice as long), which
	 * rides out a short block; ctx_unanswered() adds a few, paced, for a
	 * server that limits. */
	ao.tries = opt->tries ? opt->tries : DEFAULT_DNS_TRIES;
	/* One socket carries every domain's answers: room for a burst. */
	ao.socket_receive_buffer_size = 1 << 20;
	ao.ednspsz = 1232;
	ao.sock_state_cb = on_sock_state;
	ao.sock_state_cb_data = s;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	       ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB | ARES_OPT_SOCK_RCVBUF;
	rc = ares_init_options(&s->channel, &ao, mask);
	if (rc != ARES_SUCCESS) {
		cause_set(cause, "c-ares: %s", ares_strerror(rc));
		return -1;
	}
	if (opt->servers != NULL &&
	    (rc = ares_set_servers_ports_csv(s->channel, opt->servers)) != ARES_SUCCESS) {
		cause_set(cause, "c-ares: cannot use those DNS servers: %s",
		          ares_strerror(rc));
		ares_destroy(s->channel);
		return -1;
	}
	ares_set_socket_callback(s->channel, on_sock_create, s);
	return 0;
}

struct dns_share *dns_share_new(struct loop *loop, const struct dns_options *opt,
                                char **cause)
{
	struct dns_share *s;
	int rc;

	if (options_check(opt, cause) < 0)
		return NULL;
	if (lib_refs == 0 && (rc = ares_library_init(ARES_LIB_INIT_ALL)) != 0) {
		cause_set(cause, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	lib_refs++;
	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->refs = 1;
	s->tries = opt->tries ? opt->tries : DEFAULT_DNS_TRIES;
	s->rate_max = s->rate = opt->rate;
	s->tokens = 1;
	s->refill_ms = loop_clock_ms();
	if (share_channel(s, opt, cause) < 0) {
		free(s);
		if (--lib_refs == 0)
			ares_library_cleanup();
		return NULL;
	}
	/* With a callback given, adding a hook cannot fail (xmalloc). */
	s->hook = loop_hook_add(loop, on_before_sleep, s);
	return s;
}

/* Drops one reference; the last one closes the channel. */
void dns_share_free(struct dns_share *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	if (s->slowdowns > 0 || s->truncations > 0)
		debug_log("dns: the server limited: %zu truncated, %zu dropped answers, "
		          "%zu slowdowns", s->truncations, s->drops_total, s->slowdowns);
	/* What is left in flight is orphaned (its struct dns is gone): the
	 * callbacks free it. Nothing waits: a waiting query has its dns. */
	ares_destroy(s->channel);
	while (s->socks != NULL) {
		struct dns_sock *k = s->socks;

		s->socks = k->next;
		loop_watch_remove(k->watch);
		free(k);
	}
	loop_timer_remove(s->timer);
	loop_timer_remove(s->pace_timer);
	loop_hook_remove(s->hook);
	free(s);
	if (--lib_refs == 0)
		ares_library_cleanup();
}

/* ---- a run's handle ----------------------------------------------------- */

struct dns *dns_new(struct loop *loop, const struct dns_options *opt,
                    char **cause)
{
	struct dns *dns;

	if (options_check(opt, cause) < 0)
		return NULL;
	dns = xcalloc(1, sizeof *dns);
	if (opt->share != NULL) {
		dns->share = opt->share;
		dns->share->refs++;
	} else if ((dns->share = dns_share_new(loop, opt, cause)) == NULL) {
		free(dns);
		return NULL;
	}
	return dns;
}

static void ctx_unlink(struct dns_query_ctx *ctx)
{
	struct dns *dns = ctx->dns;

	if (dns == NULL)                /* orphaned: unlinked already */
		return;
	if (ctx->prev != NULL)
		ctx->prev->next = ctx->next;
	else
		dns->queries = ctx->next;
	if (ctx->next != NULL)
		ctx->next->prev = ctx->prev;
	dns->pending--;
}

void dns_free(struct dns *dns)
{
	struct dns_query_ctx *ctx, *next;

	if (dns == NULL)
		return;
	/* Each query in flight is answered DNS_CANCELLED now; one that c-ares
	 * holds stays with it, orphaned, until c-ares lets it go. */
	for (ctx = dns->queries; ctx != NULL; ctx = next) {
		enum ctx_where where = ctx->where;

		next = ctx->next;

		if (where == CTX_WAITING)
			pacer_unlink(ctx->share, ctx);
		else if (where == CTX_DEFERRED)
			loop_timer_remove(ctx->defer_timer);
		deliver(ctx, ARES_EDESTRUCTION, NULL, 0);
	}
	dns_share_free(dns->share);
	free(dns);
}

size_t dns_pending(const struct dns *dns)
{
	return dns->pending;
}

/* Calls back with the answer (or the failure) and lets the query go. */
static void deliver(struct dns_query_ctx *ctx, int status,
                    const unsigned char *abuf, int alen)
{
	struct dns_result res;

	memset(&res, 0, sizeof res);
	res.type = ctx->type;
	memcpy(res.qname, ctx->qname, sizeof res.qname);
	res.elapsed_ms = loop_clock_ms() - ctx->start;
	if (status == ARES_SUCCESS && abuf != NULL) {
		dns_answer_parse(abuf, (size_t)alen, ctx->qname, ctx->type, &res);
	} else if (ctx->limited) {
		res.status = DNS_LIMITED;
		res.detail = "the DNS server is limiting our queries";
	} else {
		res.status = status_from_ares(status);
		if (res.status == DNS_ERROR)
			res.detail = ares_strerror(status);
	}
	ctx_unlink(ctx);
	ctx->cb(&res, ctx->arg);
	dns_result_clear(&res);
	if (ctx->where == CTX_SENT) {
		/* c-ares still holds it: on_answer frees it. */
		ctx->dns = NULL;
		return;
	}
	free(ctx);
}

static void on_deferred(struct loop_timer *t, void *arg)
{
	struct dns_query_ctx *ctx = arg;

	(void)t;
	ctx->defer_timer = NULL;
	ctx->where = CTX_DONE;
	deliver(ctx, ctx->sync_status, NULL, 0);
}

/*
 * No answer to this try (dropped, or c-ares could not reach the server).
 * If the server answered other queries meanwhile it is alive and likely
 * limiting us: slow down and ask again, a few more times than for a
 * server that is down. Returns true when the query was sent again.
 */
static bool ctx_unanswered(struct dns_query_ctx *ctx, uint64_t now)
{
	struct dns_share *s = ctx->share;
	bool alive = s->answer_ms > ctx->sent_ms || s->truncated_ms > ctx->sent_ms;
	bool limiting;
	int tries;

	if (alive) {
		if (now - s->drops_since >= DNS_LIMIT_WINDOW_MS) {
			s->drops_since = now;
			s->drops = 0;
		}
		s->drops++;
		s->drops_total++;
	}
	limiting = alive && share_limiting(s, now);
	tries = 1 + (limiting ? DNS_LIMITED_RETRIES : 0);
	if (ctx->attempts >= tries) {
		ctx->limited = limiting;
		return false;
	}
	/* A drop tells about the pace it was sent at: one sent before the
	 * last slowdown is old news (the timeout reports it late). */
	if (limiting && ctx->sent_ms > s->slowdown_ms)
		pacer_slow_down(s, now, "answers dropped");
	pacer_submit(s, ctx);
	return true;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf,
                      int alen)
{
	struct dns_query_ctx *ctx = arg;
	struct dns_share *s = ctx->share;
	uint64_t now = loop_clock_ms();
	bool unanswered = status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED;

	(void)timeouts;
	s->inflight--;
	if (!unanswered && status != ARES_ECANCELLED && status != ARES_EDESTRUCTION)
		s->answer_ms = now;
	if (ctx->in_call) {
		ctx->answered_in_call = true;
		ctx->sync_status = status == ARES_SUCCESS ? ARES_EBADRESP : status;
		return;
	}
	if (ctx->dns == NULL) {         /* orphaned by dns_free() */
		free(ctx);
		return;
	}
	ctx->where = CTX_DONE;
	if (unanswered && ctx_unanswered(ctx, now))
		return;
	deliver(ctx, status, abuf, alen);
}

/* One try: to c-ares now. An answer that comes back inside ares_query()
 * is delivered from a zero timer, never from the caller's stack. */
static void ctx_send(struct dns_query_ctx *ctx)
{
	struct dns_share *s = ctx->share;

	ctx->where = CTX_SENT;
	ctx->attempts++;
	ctx->sent_ms = loop_clock_ms();
	s->inflight++;
	ctx->in_call = true;
	ares_query(s->channel, ctx->qname, ns_c_in, (int)ctx->type, on_answer, ctx);
	ctx->in_call = false;
	if (!ctx->answered_in_call)
		return;
	ctx->answered_in_call = false;
	ctx->where = CTX_DEFERRED;
	/* With a callback given, adding a timer cannot fail (xmalloc). */
	ctx->defer_timer = loop_timer_add(s->loop, 0, 0, on_deferred, ctx);
}

int dns_query(struct dns *dns, const char *name, enum dns_type type,
              dns_result_cb cb, void *arg, char **cause)
{
	struct dns_query_ctx *ctx;
	size_t n = strlen(name);

	if (n == 0 || n >= DNS_NAME_MAX) {
		cause_set(cause, "bad DNS name \"%s\"", name);
		return -1;
	}
	ctx = xcalloc(1, sizeof *ctx);
	ctx->dns = dns;
	ctx->share = dns->share;
	ctx->cb = cb;
	ctx->arg = arg;
	ctx->type = type;
	ctx->start = loop_clock_ms();
	memcpy(ctx->qname, name, n + 1);
	ctx->next = dns->queries;
	if (dns->queries != NULL)
		dns->queries->prev = ctx;
	dns->queries = ctx;
	dns->pending++;
	pacer_submit(dns->share, ctx);
	return 0;
}

int dns_query_ptr(struct dns *dns, const char *address, dns_result_cb cb,
                  void *arg, char **cause)
{
	char name[DNS_NAME_MAX];

	if (dns_ptr_name(address, name, sizeof name) < 0) {
		cause_set(cause, "not an IP address: \"%s\"", address);
		return -1;
	}
	return dns_query(dns, name, DNS_PTR, cb, arg, cause);
}
