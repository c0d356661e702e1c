/*
 * dnssec.c — a validating libunbound context on the poll() loop (see
 * include/mailflow/dnssec.h).
 *
 * Each query is a struct vq on the context's list, with a loop timer at
 * its bound. The first query of a context is the forwarders' check (the
 * DNSKEY RRset of the trust anchor's first zone); until it is decided the
 * others' answers are held, then given out (forwarders pass DNSSEC) or
 * dropped and every query asked again on a second context that recurses
 * from the root.
 */
#include "mailflow/dnssec.h"
#include "mailflow/defaults.h"
#include "mailflow/loop.h"
#include "mailflow/xmalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unbound.h>

#define RCODE_SERVFAIL 2
#define RCODE_NXDOMAIN 3
#define RCLASS_IN 1
#define RRTYPE_DNSKEY 48

struct vq {
	struct dnssec *v;
	char name[DNS_NAME_MAX];
	enum dns_type type;
	int rrtype;
	dnssec_cb cb;
	void *arg;
	bool check;                     /* the forwarders' check */
	bool in_flight;
	struct ub_ctx *ctx;             /* where it is in flight */
	int id;
	/* An answer that waits for the check (mode not decided). */
	bool held;
	int held_err;
	struct ub_result *held_result;
	int ask_err;                    /* ub_resolve_async failed: say so from the loop */
	uint64_t asked_ms;
	int bound_ms;
	struct loop_timer *timer;
	struct vq *next, *prev;
};

struct dnssec {
	struct loop *loop;
	struct dnssec_options opt;
	char anchor[256];
	char zones[DNSSEC_ANCHOR_ZONES_MAX][DNS_NAME_MAX];
	size_t nzones;
	struct ub_ctx *fwd, *rec;
	struct loop_watch *fwd_watch, *rec_watch;
	FILE *devnull;                  /* libunbound's log: never the terminal */
	enum model_dnssec_mode mode;    /* NONE: the check is not decided */
	char mode_why[160];
	struct vq *queries;
	bool started;                   /* dnssec_start ran (first query) */
};

const char *dnssec_status_name(enum model_dnssec_status s)
{
	static const char *const names[] = {
		[DNSSEC_UNCHECKED] = "unchecked",
		[DNSSEC_PENDING] = "pending",
		[DNSSEC_SECURE] = "secure",
		[DNSSEC_INSECURE] = "insecure",
		[DNSSEC_BOGUS] = "bogus",
		[DNSSEC_INDETERMINATE] = "indeterminate",
	};

	if ((size_t)s < sizeof names / sizeof names[0])
		return names[s];
	return "?";
}

const char *dnssec_mode_name(enum model_dnssec_mode m)
{
	switch (m) {
	case DNSSEC_MODE_FORWARD: return "forward";
	case DNSSEC_MODE_RECURSE: return "recursion";
	case DNSSEC_MODE_UNAVAILABLE: return "unavailable";
	default: return "none";
	}
}

/* ---- the trust anchor file --------------------------------------------- */

static bool is_all(const char *s, const char *set)
{
	return *s != '\0' && strspn(s, set) == strlen(s);
}

static bool is_uint(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	if (!is_all(s, "0123456789"))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && v <= max;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
static const char HEX[] = "0123456789abcdefABCDEF";

/* The fields after the type: DS keytag alg digesttype hex...; DNSKEY
 * flags protocol alg base64... (the data may be split in several words). */
static const char *anchor_rdata_check(bool ds, char **w, size_t n)
{
	size_t i;

	if (n < 4)
		return ds ? "a DS record needs a key tag, an algorithm, a digest type and a digest"
		          : "a DNSKEY record needs flags, a protocol, an algorithm and a key";
	if (!is_uint(w[0], 65535) || !is_uint(w[1], 255) || !is_uint(w[2], 255))
		return ds ? "the key tag, algorithm or digest type is not a number in range"
		          : "the flags, protocol or algorithm is not a number in range";
	if (!ds && strcmp(w[1], "3") != 0)
		return "a DNSKEY's protocol must be 3 (RFC 4034 section 2.1.2)";
	for (i = 3; i < n; i++)
		if (!is_all(w[i], ds ? HEX : B64))
			return ds ? "the digest is not hexadecimal" : "the key is not base64";
	return NULL;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= DNS_NAME_MAX - 1)
		return false;
	if (strcmp(s, ".") == 0)
		return true;
	return is_all(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") &&
	       s[0] != '.' && strstr(s, "..") == NULL;
}

static void zone_note(char zones[][DNS_NAME_MAX], size_t max, size_t *nz, const char *owner)
{
	char z[DNS_NAME_MAX];
	size_t i, n = strlen(owner);

	snprintf(z, sizeof z, "%s%s", owner, n > 0 && owner[n - 1] == '.' ? "" : ".");
	if (strcmp(owner, ".") == 0)
		snprintf(z, sizeof z, ".");
	for (i = 0; i < *nz; i++)
		if (strcasecmp(zones[i], z) == 0)
			return;
	if (*nz < max)
		snprintf(zones[(*nz)++], DNS_NAME_MAX, "%s", z);
}

/* One line: 0 (a record, or nothing), or -1 with *why. */
static int anchor_line(char *line, char zones[][DNS_NAME_MAX], size_t max, size_t *nz,
                       const char **why)
{
	char *w[64], *save = NULL, *t;
	size_t n = 0, i = 1;
	char *semi = strchr(line, ';');

	if (semi != NULL)
		*semi = '\0';
	for (t = strtok_r(line, " \t\r\n", &save); t != NULL && n < 64;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	if (n == 0)
		return 0;
	if (w[0][0] == '$' || line[0] == ' ' || line[0] == '\t') {
		*why = "an owner name must start the line ($ directives are not read)";
		return -1;
	}
	if (!name_ok(w[0])) {
		*why = "the owner is not a domain name";
		return -1;
	}
	if (i < n && is_all(w[i], "0123456789"))
		i++;                            /* TTL */
	if (i < n && (strcasecmp(w[i], "IN") == 0))
		i++;
	if (i >= n || (strcasecmp(w[i], "DS") != 0 && strcasecmp(w[i], "DNSKEY") != 0)) {
		*why = "not a DS or DNSKEY record (owner [TTL] [IN] DS|DNSKEY data)";
		return -1;
	}
	if ((*why = anchor_rdata_check(strcasecmp(w[i], "DS") == 0, w + i + 1, n - i - 1)) != NULL)
		return -1;
	zone_note(zones, max, nz, w[0]);
	return 1;
}

int dnssec_anchor_read(const char *path, char zones[][DNS_NAME_MAX], size_t max,
                       size_t *nzones, char **cause)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	size_t lineno = 0, bytes = 0, nrec = 0;
	const char *why = NULL;
	int rc = 0;

	*nzones = 0;
	if (f == NULL)
		return cause_set(cause, "trust anchor %s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		size_t len = strlen(line);
		int r;

		lineno++;
		bytes += len;
		if (bytes > DEFAULT_DNSSEC_ANCHOR_MAX_BYTES) {
			rc = cause_set(cause, "trust anchor %s: longer than %u bytes", path,
			               (unsigned)DEFAULT_DNSSEC_ANCHOR_MAX_BYTES);
			break;
		}
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			rc = cause_set(cause, "trust anchor %s line %zu: longer than %zu bytes",
			               path, lineno, sizeof line - 2);
			break;
		}
		if (memchr(line, '\0', len) != NULL || strlen(line) != len) {
			rc = cause_set(cause, "trust anchor %s line %zu: a NUL byte", path, lineno);
			break;
		}
		if ((r = anchor_line(line, zones, max, nzones, &why)) < 0)
			rc = cause_set(cause, "trust anchor %s line %zu: %s", path, lineno, why);
		else
			nrec += (size_t)r;
	}
	if (rc == 0 && ferror(f))
		rc = cause_set(cause, "trust anchor %s: %s", path, strerror(errno));
	fclose(f);
	if (rc == 0 && nrec == 0)
		rc = cause_set(cause, "trust anchor %s: no DS or DNSKEY record in it", path);
	return rc;
}

/* ---- answers ------------------------------------------------------------ */

void dnssec_status_of(int err, const struct ub_result *r, struct model_dnssec *out)
{
	memset(out, 0, sizeof *out);
	if (err != 0 || r == NULL) {
		out->status = DNSSEC_INDETERMINATE;
		snprintf(out->why, sizeof out->why, "the validator failed: %s",
		         err != 0 ? ub_strerror(err) : "no result");
	} else if (r->secure) {
		out->status = DNSSEC_SECURE;
	} else if (r->bogus) {
		out->status = DNSSEC_BOGUS;
		snprintf(out->why, sizeof out->why, "%s",
		         r->why_bogus != NULL && r->why_bogus[0] != '\0' ? r->why_bogus
		         : "the signatures do not validate");
	} else if (r->rcode != 0 && r->rcode != RCODE_NXDOMAIN) {
		/* No answer to judge: unbound found no server that gave one. */
		out->status = DNSSEC_INDETERMINATE;
		snprintf(out->why, sizeof out->why, "the validator got no answer (%s)",
		         r->rcode == RCODE_SERVFAIL ? "SERVFAIL" : "an error rcode");
	} else {
		out->status = DNSSEC_INSECURE;
		snprintf(out->why, sizeof out->why, "no signed chain from the trust anchor: "
		         "the zone is not signed");
	}
}

__attribute__((format(printf, 3, 4)))
static void problem_set(char *problem, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (problem[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(problem, size, fmt, ap);
	va_end(ap);
}

static void hex_of(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

size_t dnssec_tlsa_parse(char *const *data, const int *len, struct model_tlsa **out,
                         size_t *nout, char *problem, size_t psz)
{
	size_t i, dropped = 0;

	*out = NULL;
	*nout = 0;
	problem[0] = '\0';
	for (i = 0; data != NULL && data[i] != NULL; i++) {
		const unsigned char *p = (const unsigned char *)data[i];
		size_t n = len[i] < 0 ? 0 : (size_t)len[i];
		struct model_tlsa *t;

		if (n < 3) {
			problem_set(problem, psz, "record %zu is %zu bytes: shorter than "
			            "usage, selector and matching type", i + 1, n);
			dropped++;
			continue;
		}
		if (n == 3 || n - 3 > DNS_TLSA_DATA_MAX) {
			problem_set(problem, psz, "record %zu has %zu bytes of association "
			            "data: none, or more than mailflow keeps", i + 1, n - 3);
			dropped++;
			continue;
		}
		if (*nout == DNS_MAX_RECORDS) {
			problem_set(problem, psz, "record %zu and later are left out: more "
			            "than %zu records", i + 1, (size_t)DNS_MAX_RECORDS);
			dropped++;
			continue;
		}
		if (p[0] > 3 || p[1] > 1 || p[2] > 2)
			problem_set(problem, psz, "record %zu has an unknown usage, selector "
			            "or matching type (%zu): unusable", i + 1,
			            (size_t)(p[0] > 3 ? p[0] : p[1] > 1 ? p[1] : p[2]));
		else if ((p[2] == 1 && n - 3 != 32) || (p[2] == 2 && n - 3 != 64))
			problem_set(problem, psz, "record %zu's digest is %zu bytes, not the "
			            "matching type's length: unusable", i + 1, n - 3);
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		t = &(*out)[(*nout)++];
		t->usage = p[0];
		t->selector = p[1];
		t->mtype = p[2];
		hex_of(p + 3, n - 3, t->data_hex);
	}
	return dropped;
}

int dnssec_forwarders(const char *servers, int (*cb)(const char *fwd, void *arg), void *arg)
{
	const char *s = servers;

	while (s != NULL && *s != '\0') {
		size_t n = strcspn(s, ",");
		char item[80], fwd[96];
		char *colon;

		if (n == 0 || n >= sizeof item)
			return -1;
		memcpy(item, s, n);
		item[n] = '\0';
		s += n + (s[n] == ',');
		if (item[0] == '[') {
			char *close = strchr(item, ']');

			if (close == NULL)
				return -1;
			*close = '\0';
			if (close[1] == ':')
				snprintf(fwd, sizeof fwd, "%s@%s", item + 1, close + 2);
			else
				snprintf(fwd, sizeof fwd, "%s", item + 1);
		} else if ((colon = strchr(item, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			snprintf(fwd, sizeof fwd, "%s@%s", item, colon + 1);
		} else {
			snprintf(fwd, sizeof fwd, "%s", item);  /* IPv4, or IPv6 without a port */
		}
		if (cb(fwd, arg) != 0)
			return -1;
	}
	return 0;
}

/* ---- the contexts --------------------------------------------------------- */

static void on_ub(void *mydata, int err, struct ub_result *result);
static void vq_ask(struct vq *q);

static void on_readable(struct loop_watch *w, int fd, unsigned events, void *arg)
{
	struct ub_ctx *ctx = arg;

	(void)w, (void)fd, (void)events;
	ub_process(ctx);
}

static int fwd_add(const char *fwd, void *arg)
{
	return ub_ctx_set_fwd(arg, fwd);
}

/*
 * RFC 6761 names are unbound's default local zones (answered NXDOMAIN
 * without asking anyone); a trust anchor for a zone under one (the lab's
 * dane.test) needs that zone asked for real: "nodefault" on the zone and
 * on each name above it (only the default ones mean anything).
 */
static int ctx_nodefault(struct dnssec *v, struct ub_ctx *ctx)
{
	size_t i;

	if (v->opt.anchor_file == NULL)
		return 0;
	for (i = 0; i < v->nzones; i++) {
		const char *z = v->zones[i];

		while (strcmp(z, ".") != 0 && *z != '\0') {
			char val[DNS_NAME_MAX + 16];

			/* ub_ctx_zone_add, not a "local-zone:" option (which
			 * libunbound takes and does not apply); it finalises the
			 * context, so it comes last. */
			snprintf(val, sizeof val, "%s", z);
			if (ub_ctx_zone_add(ctx, val, "nodefault") != 0)
				return -1;
			z = strchr(z, '.');
			if (z == NULL || z[1] == '\0')
				break;
			z++;
		}
	}
	return 0;
}

static struct ub_ctx *ctx_new(struct dnssec *v, bool forward, char **cause)
{
	struct ub_ctx *ctx = ub_ctx_create();
	int rc;

	if (ctx == NULL) {
		cause_set(cause, "libunbound: cannot create a context");
		return NULL;
	}
	ub_ctx_debugout(ctx, v->devnull);
	ub_ctx_debuglevel(ctx, 0);
	/* No chroot: libunbound would read the anchor file under it. */
	if ((rc = ub_ctx_set_option(ctx, "chroot:", "")) != 0 ||
	    (rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) != 0 ||
	    (rc = ub_ctx_set_option(ctx, "use-syslog:", "no")) != 0 ||
	    (rc = ub_ctx_add_ta_file(ctx, v->anchor)) != 0 ||
	    (rc = ub_ctx_async(ctx, 1)) != 0)
		goto fail;
	if (forward && v->opt.servers != NULL) {
		if (dnssec_forwarders(v->opt.servers, fwd_add, ctx) < 0) {
			cause_set(cause, "the forwarders %s: not addresses libunbound takes",
			          v->opt.servers);
			ub_ctx_delete(ctx);
			return NULL;
		}
	} else if (forward && (rc = ub_ctx_resolvconf(ctx, NULL)) != 0) {
		goto fail;
	}
	if ((rc = ctx_nodefault(v, ctx)) != 0)
		goto fail;
	return ctx;
fail:
	cause_set(cause, "libunbound: %s", rc < 0 ? ub_strerror(rc) : "a bad option");
	ub_ctx_delete(ctx);
	return NULL;
}

static void vq_unlink(struct vq *q)
{
	struct dnssec *v = q->v;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		v->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
}

static void vq_free(struct vq *q)
{
	vq_unlink(q);
	loop_timer_remove(q->timer);
	if (q->held_result != NULL)
		ub_resolve_free(q->held_result);
	free(q);
}

static void vq_cancel(struct vq *q)
{
	if (q->in_flight)
		ub_cancel(q->ctx, q->id);
	q->in_flight = false;
}

/* The answer to its asker; the query ends. */
static void vq_deliver(struct vq *q, int err, struct ub_result *r, const char *why)
{
	enum model_dnssec_status why_status =
		q->v->mode == DNSSEC_MODE_UNAVAILABLE ? DNSSEC_UNCHECKED : DNSSEC_INDETERMINATE;
	struct dnssec_answer a;

	memset(&a, 0, sizeof a);
	a.qname = q->name;
	a.type = q->type;
	a.rcode = r != NULL ? r->rcode : -1;
	a.havedata = r != NULL && r->havedata;
	a.ms = loop_clock_ms() - q->asked_ms;
	if (why != NULL) {
		a.dnssec.status = why_status;
		snprintf(a.dnssec.why, sizeof a.dnssec.why, "%s", why);
	} else {
		dnssec_status_of(err, r, &a.dnssec);
	}
	if (r != NULL && r->canonname != NULL && strcasecmp(r->canonname, q->name) != 0) {
		size_t n = strlen(r->canonname);

		snprintf(a.canonname, sizeof a.canonname, "%.*s",
		         (int)(n > 0 && r->canonname[n - 1] == '.' ? n - 1 : n), r->canonname);
		if (strcasecmp(a.canonname, q->name) == 0)
			a.canonname[0] = '\0';
	}
	if (r != NULL && q->type == DNS_TLSA && r->havedata)
		a.tlsa_dropped = dnssec_tlsa_parse(r->data, r->len, &a.tlsa, &a.ntlsa,
		                                   a.tlsa_problem, sizeof a.tlsa_problem);
	q->cb(&a, q->arg);
	free(a.tlsa);
	if (q->held_result == r)
		q->held_result = NULL;
	if (r != NULL)
		ub_resolve_free(r);
	vq_free(q);
}

/* The forwarders' check is decided: give the held answers out, or ask
 * everything again by recursion. */
static void decide(struct dnssec *v, bool secure, const char *why)
{
	struct vq *q, *next;
	char *cause = NULL;

	if (secure) {
		v->mode = DNSSEC_MODE_FORWARD;
		for (q = v->queries; q != NULL; q = next) {
			next = q->next;
			if (q->held)
				vq_deliver(q, q->held_err, q->held_result, NULL);
		}
		return;
	}
	if (v->opt.no_recursion) {
		/* The servers the user named are the only ones to ask, and they
		 * cannot give a chain of trust: nothing is validated, and the
		 * answers say why (UNCHECKED, not a verdict on the zone). */
		v->mode = DNSSEC_MODE_UNAVAILABLE;
		snprintf(v->mode_why, sizeof v->mode_why, "%s", why);
		for (q = v->queries; q != NULL; q = next) {
			next = q->next;
			vq_cancel(q);
			vq_deliver(q, 0, NULL, v->mode_why);
		}
		return;
	}
	v->mode = DNSSEC_MODE_RECURSE;
	snprintf(v->mode_why, sizeof v->mode_why, "%s", why);
	v->rec = ctx_new(v, false, &cause);
	if (v->rec != NULL)
		v->rec_watch = loop_watch_add(v->loop, ub_fd(v->rec), LOOP_READ, on_readable, v->rec);
	for (q = v->queries; q != NULL; q = next) {
		next = q->next;
		vq_cancel(q);
		if (q->held_result != NULL)
			ub_resolve_free(q->held_result);
		q->held_result = NULL;
		q->held = false;
		if (v->rec == NULL) {
			char w[160];

			snprintf(w, sizeof w, "the validator could not start recursion: %s", cause);
			vq_deliver(q, 0, NULL, w);
		} else {
			vq_ask(q);
		}
	}
	free(cause);
}

static void check_done(struct vq *q, int err, struct ub_result *r, const char *timeout)
{
	struct dnssec *v = q->v;
	struct model_dnssec st;
	char why[160];

	if (timeout != NULL) {
		snprintf(why, sizeof why, "%s", timeout);
		st.status = DNSSEC_INDETERMINATE;
	} else {
		dnssec_status_of(err, r, &st);
		snprintf(why, sizeof why, "the resolvers give no signed DNSKEY for the trust "
		         "anchor's zone %.40s (%s)", q->name, dnssec_status_name(st.status));
	}
	if (r != NULL)
		ub_resolve_free(r);
	vq_free(q);
	decide(v, st.status == DNSSEC_SECURE, why);
}

static void on_ub(void *mydata, int err, struct ub_result *result)
{
	struct vq *q = mydata;

	q->in_flight = false;
	if (q->check) {
		check_done(q, err, result, NULL);
	} else if (q->v->mode == DNSSEC_MODE_NONE) {
		q->held = true;
		q->held_err = err;
		q->held_result = result;
	} else {
		vq_deliver(q, err, result, NULL);
	}
}

static void on_bound(struct loop_timer *t, void *arg)
{
	struct vq *q = arg;
	char why[160];

	(void)t;
	q->timer = NULL;                /* one-shot: released after this */
	vq_cancel(q);
	if (q->v->mode == DNSSEC_MODE_UNAVAILABLE) {
		snprintf(why, sizeof why, "%s", q->v->mode_why);
	} else if (q->ask_err != 0) {
		snprintf(why, sizeof why, "the validator could not ask: %s", ub_strerror(q->ask_err));
	} else {
		snprintf(why, sizeof why, "the validator did not answer within %d ms", q->bound_ms);
	}
	if (q->check) {
		check_done(q, 0, NULL, why);
		return;
	}
	vq_deliver(q, 0, NULL, why);
}

static void vq_ask(struct vq *q)
{
	struct dnssec *v = q->v;
	int rc;

	if (v->mode == DNSSEC_MODE_UNAVAILABLE) {
		/* Said from the loop (never inside dnssec_query). */
		loop_timer_remove(q->timer);
		q->timer = loop_timer_add(v->loop, 0, 0, on_bound, q);
		return;
	}
	q->ctx = v->mode == DNSSEC_MODE_RECURSE ? v->rec : v->fwd;
	rc = ub_resolve_async(q->ctx, q->name, q->rrtype, RCLASS_IN, q, on_ub, &q->id);
	if (rc == 0) {
		q->in_flight = true;
		return;
	}
	/* Said from the loop (never inside dnssec_query): now. */
	q->ask_err = rc;
	loop_timer_remove(q->timer);
	q->timer = loop_timer_add(v->loop, 0, 0, on_bound, q);
}

static struct vq *vq_new(struct dnssec *v, const char *name, int rrtype, int bound_ms)
{
	struct vq *q = xcalloc(1, sizeof *q);

	q->v = v;
	snprintf(q->name, sizeof q->name, "%s", name);
	q->rrtype = rrtype;
	q->asked_ms = loop_clock_ms();
	q->bound_ms = bound_ms;
	q->timer = loop_timer_add(v->loop, (uint64_t)bound_ms, 0, on_bound, q);
	q->next = v->queries;
	if (v->queries != NULL)
		v->queries->prev = q;
	v->queries = q;
	return q;
}

struct dnssec *dnssec_new(struct loop *loop, const struct dnssec_options *o, char **cause)
{
	struct dnssec *v = xcalloc(1, sizeof *v);

	v->loop = loop;
	v->opt = *o;
	if (v->opt.timeout_ms <= 0)
		v->opt.timeout_ms = DEFAULT_DNS_TIMEOUT_MS * DEFAULT_DNS_TRIES;
	if (v->opt.check_ms <= 0)
		v->opt.check_ms = v->opt.timeout_ms / 2 > 0 ? v->opt.timeout_ms / 2 : 1;
	snprintf(v->anchor, sizeof v->anchor, "%s",
	         o->anchor_file != NULL ? o->anchor_file : DEFAULT_DNSSEC_ANCHOR);
	if (dnssec_anchor_read(v->anchor, v->zones, DNSSEC_ANCHOR_ZONES_MAX, &v->nzones,
	                       cause) < 0 ||
	    (v->devnull = fopen("/dev/null", "w")) == NULL) {
		if (v->devnull == NULL && cause != NULL && *cause == NULL)
			cause_set(cause, "/dev/null: %s", strerror(errno));
		free(v);
		return NULL;
	}
	return v;
}

/* The first question starts libunbound (its thread, the forwarders'
 * check): a run that never asks (-s with an address) sends nothing. When
 * it cannot start, every answer is UNCHECKED with the reason. */
static void dnssec_start(struct dnssec *v)
{
	struct vq *check;
	char *cause = NULL;

	v->started = true;
	if ((v->fwd = ctx_new(v, true, &cause)) == NULL) {
		v->mode = DNSSEC_MODE_UNAVAILABLE;
		snprintf(v->mode_why, sizeof v->mode_why, "the validator could not start: %.120s",
		         cause != NULL ? cause : "error");
		free(cause);
		return;
	}
	v->fwd_watch = loop_watch_add(v->loop, ub_fd(v->fwd), LOOP_READ, on_readable, v->fwd);
	check = vq_new(v, v->zones[0], RRTYPE_DNSKEY, v->opt.check_ms);
	check->check = true;
	vq_ask(check);
}

int dnssec_query(struct dnssec *v, const char *name, enum dns_type type,
                 dnssec_cb cb, void *arg, char **cause)
{
	struct vq *q;

	if (name[0] == '\0' || strlen(name) >= DNS_NAME_MAX - 1)
		return cause_set(cause, "cannot validate \"%.64s\": empty or too long", name);
	if (!v->started)
		dnssec_start(v);
	q = vq_new(v, name, (int)type, v->opt.timeout_ms);
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	vq_ask(q);
	return 0;
}

void dnssec_cancel(struct dnssec *v, const void *arg)
{
	struct vq *q, *next;

	for (q = v->queries; q != NULL; q = next) {
		next = q->next;
		if (!q->check && q->arg == arg) {
			vq_cancel(q);
			vq_free(q);
		}
	}
}

enum model_dnssec_mode dnssec_mode(const struct dnssec *v, const char **why)
{
	if (why != NULL)
		*why = v->mode_why;
	return v->mode;
}

const char *dnssec_anchor_file(const struct dnssec *v)
{
	return v->anchor;
}

void dnssec_free(struct dnssec *v)
{
	struct vq *q, *next;

	if (v == NULL)
		return;
	/* In flight or not: ub_ctx_delete below drops what it still has. */
	q = v->queries;
	v->queries = NULL;
	for (; q != NULL; q = next) {
		next = q->next;
		loop_timer_remove(q->timer);
		if (q->held_result != NULL)
			ub_resolve_free(q->held_result);
		free(q);
	}
	/* Watchers first: ub_ctx_delete closes the pipes. */
	loop_watch_remove(v->fwd_watch);
	loop_watch_remove(v->rec_watch);
	if (v->fwd != NULL)
		ub_ctx_delete(v->fwd);
	if (v->rec != NULL)
		ub_ctx_delete(v->rec);
	if (v->devnull != NULL)
		fclose(v->devnull);
	free(v);
}
