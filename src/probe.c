/*
 * probe.c — the DNS plan of a domain (see include/mailflow/probe.h).
 *
 * Each query carries a small context naming what it is for (the MX set, a
 * host's A, an address's PTR, ...) by index, since the model's arrays grow
 * while answers arrive. Queries that depend on nothing go out together at
 * the start (MX and the four policy names); each answer sends what it
 * unlocks at once (host addresses and TLSA, then PTRs, then the forward
 * confirmation), so the plan takes as long as its longest chain.
 */
#include "mailflow/probe.h"
#include "mailflow/defaults.h"
#include "mailflow/dnssec.h"
#include "mailflow/loop.h"
#include "mailflow/validate.h"
#include "mailflow/xmalloc.h"

#include <arpa/inet.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum purpose {
	Q_MX, Q_SPF, Q_DMARC, Q_MTA_STS, Q_TLS_RPT,
	Q_HOST_A, Q_HOST_AAAA, Q_HOST_TLSA, Q_PTR, Q_FCRDNS,
	Q_STS_A, Q_STS_AAAA,
};

struct probe {
	struct loop *loop;
	struct dns *dns;
	struct model_domain model;
	struct probe_callbacks cb;
	struct probe_options opt;
	char rcpt[TARGET_LOCAL_MAX + DNS_NAME_MAX + 2];
	size_t pending;
	struct smtp_session **sessions;
	size_t nsessions;
	size_t running;
	bool closing;
	bool done_reported;
	struct loop_timer *done_timer;
	size_t queued;          /* sessions waiting for the limiter */
	/* Manual mode's one session (probe_manual_open). */
	struct smtp_session *manual;
	struct model_session *manual_data;
	size_t manual_host, manual_addr;
	/* Plaintext retries after a failed TLS handshake (fallback_start). */
	struct fallback **fallbacks;
	size_t nfallbacks;
	/* --sender: its run (one pending count while it waits or runs). */
	struct sender_run *sender;
	bool sender_waiting;            /* for a session's local address */
	char sender_domain[DNS_NAME_MAX];
	/* The MTA-STS policy fetch (sts_plan), beside the sessions. */
	struct sts_fetch *sts_fetch;
	bool sts_running;
	/* The DNSSEC validator (probe_dnssec_ask): the run's shared one or
	 * the probe's own (dnssec_own); NULL when off or it could not start
	 * (dnssec_tried says which). Its queries in flight are vctxs. */
	struct dnssec *dnssec;
	bool dnssec_own, dnssec_tried;
	struct vctx *vctxs;
};

/* A question to the validator, and what its answer is for. */
enum vpurpose { V_MX, V_HOST_A, V_HOST_AAAA, V_HOST_TLSA, V_HOST_TLSA_BASE };

struct vctx {
	struct probe *probe;
	enum vpurpose purpose;
	size_t host;
	struct vctx *next, *prev;
};

/*
 * A plaintext retry: its own session and data, copied into the session it
 * continues (orig) as it goes, so views see one session and one transcript.
 */
struct fallback {
	struct probe *probe;
	struct smtp_session *ss;
	struct model_session *m;        /* the retry's own data */
	struct model_session *orig;     /* the session it continues */
	size_t base;                    /* orig's index of the retry's first line */
	size_t copied;                  /* the retry's lines copied into orig */
	bool cut;                       /* orig's transcript is full: copy no more */
};

struct limiter_wait {
	struct probe *probe;
	size_t host, addr;
	struct limiter_wait *next;
};

struct probe_limiter {
	size_t max, running, peak;
	struct limiter_wait *head, *tail;
};

struct probe_limiter *probe_limiter_new(size_t max)
{
	struct probe_limiter *l = xcalloc(1, sizeof *l);

	l->max = max ? max : 1;
	return l;
}

void probe_limiter_free(struct probe_limiter *l)
{
	while (l != NULL && l->head != NULL) {
		struct limiter_wait *w = l->head;

		l->head = w->next;
		free(w);
	}
	free(l);
}

size_t probe_limiter_peak(const struct probe_limiter *l)
{
	return l->peak;
}

struct qctx {
	struct probe *probe;
	enum purpose purpose;
	size_t host, addr;
};

static void on_result(const struct dns_result *r, void *arg);
static void check_done(struct probe *p);
static int validate(struct probe *p, enum vpurpose purpose, size_t host,
                    const char *name, enum dns_type type);
static void plan_progress(struct probe *p);
static void limiter_release(struct probe_limiter *l);
static void sender_maybe_start(struct probe *p);

static void on_session_line(struct smtp_session *ss, const struct model_line *l,
                            void *arg)
{
	struct probe *p = arg;

	(void)ss;
	(void)l;
	sender_maybe_start(p);
	if (p->cb.on_change != NULL)
		p->cb.on_change(p, p->cb.arg);
}

static bool fallback_start(struct probe *p, struct model_session *m);

static void session_ended(struct probe *p)
{
	p->running--;
	sender_maybe_start(p);
	if (p->cb.on_change != NULL)
		p->cb.on_change(p, p->cb.arg);
	check_done(p);
	/* Last: a waiting session of this or another probe may start now. */
	limiter_release(p->opt.limiter);
}

static void on_session_done(struct smtp_session *ss, void *arg)
{
	struct probe *p = arg;

	/* A retry without TLS takes the session's place (and its limiter
	 * slot) and ends it later. */
	if (fallback_start(p, smtp_session_data(ss))) {
		if (p->cb.on_change != NULL)
			p->cb.on_change(p, p->cb.arg);
		return;
	}
	session_ended(p);
}

static void session_start_now(struct probe *p, struct model_host *h, size_t ai);

/* A session with an address as soon as it is known: nothing waits for
 * the rest of the plan (PTR, TLSA, policies), only for the limiter. */
static void session_start(struct probe *p, struct model_host *h, size_t ai)
{
	struct probe_limiter *l = p->opt.limiter;
	struct limiter_wait *w;

	if (!p->opt.smtp || (p->opt.family && p->opt.family != h->addrs[ai].family))
		return;
	if (l == NULL || l->running < l->max) {
		session_start_now(p, h, ai);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->probe = p;
	w->host = (size_t)(h - p->model.hosts);
	w->addr = ai;
	if (l->tail != NULL)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	p->queued++;
}

/* A session ended: the next waiting one, of any probe, may start. */
static void limiter_release(struct probe_limiter *l)
{
	struct limiter_wait *w;

	if (l == NULL)
		return;
	l->running--;
	while (l->running < l->max && (w = l->head) != NULL) {
		l->head = w->next;
		if (l->head == NULL)
			l->tail = NULL;
		w->probe->queued--;
		session_start_now(w->probe, &w->probe->model.hosts[w->host], w->addr);
		free(w);
	}
}

static int on_session_tls_wanted(struct smtp_session *ss, void *arg);

static void session_start_now(struct probe *p, struct model_host *h, size_t ai)
{
	static const struct smtp_callbacks scb = {
		on_session_line, NULL, on_session_done, NULL, on_session_tls_wanted,
	};
	struct model_address *a = &h->addrs[ai];
	struct smtp_session *ss;
	struct model_session *m;
	struct smtp_options so = p->opt.session;

	if (!p->opt.smtp || (p->opt.family && p->opt.family != a->family))
		return;
	m = xcalloc(1, sizeof *m);
	p->sessions = xreallocarray(p->sessions, p->nsessions + 1, sizeof *p->sessions);
	snprintf(m->host, sizeof m->host, "%s", h->name);
	snprintf(m->addr, sizeof m->addr, "%s", a->addr);
	m->port = p->opt.port;
	if (so.rcpt_to == NULL)
		so.rcpt_to = p->rcpt;
	a->session = m;
	ss = smtp_session_start(p->loop, m, &so, &scb, p);
	p->sessions[p->nsessions++] = ss;
	p->running++;
	if (p->opt.limiter != NULL) {
		p->opt.limiter->running++;
		if (p->opt.limiter->running > p->opt.limiter->peak)
			p->opt.limiter->peak = p->opt.limiter->running;
	}
}

/* ---- the plaintext retry after a failed TLS handshake ----------------- */

#define FALLBACK_MARKER "--- retrying without TLS (opportunistic TLS falls back, " \
	"as sending MTAs do)"
#define FALLBACK_WORDS "without TLS (after the TLS failure)"

static void line_meta_copy(struct model_line *dst, const struct model_line *src)
{
	dst->code = src->code;
	dst->flags = src->flags;
	dst->masked = src->masked;
	memcpy(dst->note, src->note, sizeof dst->note);
}

/* A retry's step as the session it continues sees it: its lines and its
 * time in that session's transcript. */
static void fallback_map_step(const struct fallback *fb, struct model_step *dst,
                              const struct model_step *src, uint64_t off)
{
	size_t n = fb->orig->nlines;

	*dst = *src;
	dst->at_ms = src->at_ms + off;
	dst->line_from = fb->base + src->line_from < n ? fb->base + src->line_from : n;
	dst->line_to = fb->base + src->line_to < n ? fb->base + src->line_to : n;
}

/* Brings orig up to date with the retry: new transcript lines (and the
 * annotations smtp.c adds to the last one after recording it), the
 * retry's steps, and from AUTH on the steps of the session itself. */
static void fallback_sync(struct fallback *fb)
{
	struct model_session *o = fb->orig, *m = fb->m;
	uint64_t off = m->started_ms - o->started_ms;
	int i;

	if (fb->copied > 0 && fb->base + fb->copied - 1 < o->nlines)
		line_meta_copy(&o->lines[fb->base + fb->copied - 1], &m->lines[fb->copied - 1]);
	while (!fb->cut && fb->copied < m->nlines) {
		const struct model_line *src = &m->lines[fb->copied];
		struct model_line *dst = model_session_add_line(o, src->dir, src->at_ms + off,
		                                                src->bytes, src->len);

		if (dst == NULL) {
			fb->cut = true;
			break;
		}
		line_meta_copy(dst, src);
		fb->copied++;
	}
	for (i = 0; i < STEP__COUNT; i++)
		fallback_map_step(fb, &o->fallback.steps[i], &m->steps[i], off);
	snprintf(o->fallback.steps[STEP_STARTTLS].detail, sizeof o->fallback.steps[0].detail,
	         "not tried: the retry goes without TLS");
	for (i = STEP_AUTH; i < STEP__COUNT; i++) {
		struct model_step *st = &o->steps[i];
		char d[201];            /* what fits before the words */

		*st = o->fallback.steps[i];
		/* (A step left out, by an option or for an earlier one, is
		 * no result without TLS.) */
		if (st->state != STEP_OK && st->state != STEP_REJECTED &&
		    st->state != STEP_FAILED)
			continue;
		snprintf(d, sizeof d, "%.200s", o->fallback.steps[i].detail);
		snprintf(st->detail, sizeof st->detail, "%s%s" FALLBACK_WORDS, d,
		         d[0] ? "; " : "");
	}
	o->reply_flags |= m->reply_flags;
	o->unsolicited |= m->unsolicited;
	if (m->reply_unended)
		o->reply_unended = m->reply_unended;
	o->authenticated = m->authenticated;
	o->notify_sent = m->notify_sent;
	o->transcript_cut |= m->transcript_cut;
}

static void on_fallback_line(struct smtp_session *ss, const struct model_line *l,
                             void *arg)
{
	struct fallback *fb = arg;

	(void)ss;
	(void)l;
	fallback_sync(fb);
	if (fb->probe->cb.on_change != NULL)
		fb->probe->cb.on_change(fb->probe, fb->probe->cb.arg);
}

static void on_fallback_step(struct smtp_session *ss, enum model_step_id step, void *arg)
{
	(void)ss;
	(void)step;
	fallback_sync(arg);
}

/* The retry ended, and with it the session it continues. */
static void on_fallback_done(struct smtp_session *ss, void *arg)
{
	struct fallback *fb = arg;
	struct model_session *o = fb->orig;

	(void)ss;
	fallback_sync(fb);
	o->fallback.done = 1;
	snprintf(o->fallback.error, sizeof o->fallback.error, "%s", fb->m->error);
	{
		char first[sizeof o->error];

		memcpy(first, o->error, sizeof first);
		snprintf(o->error, sizeof o->error, "%.100s; then without TLS: %.120s", first,
		         fb->m->error[0] ? fb->m->error : "the routine ran to its end");
	}
	o->running = 0;
	o->done = 1;
	o->ended_ms = fb->m->ended_ms;
	session_ended(fb->probe);
}

/* Why a session whose TLS handshake failed gets no retry without TLS, or
 * REASON_NONE: opportunistic TLS (--tls auto) falls back, as sending MTAs
 * do; --tls require does not, and implicit TLS (465) has no plaintext. */
static enum model_reason fallback_refused(const struct probe *p, const struct model_session *m)
{
	if (p->opt.session.tls != SMTP_TLS_AUTO || m->tls_implicit ||
	    p->opt.session.tls_on_connect)
		return REASON_POLICY;
	return REASON_NONE;
}

/* After a session ended: a failed TLS handshake (the STARTTLS step
 * failed for TLS) starts the same routine again on a new connection
 * without TLS, up to the same --quit-after point. True when it did. */
static bool fallback_start(struct probe *p, struct model_session *m)
{
	static const struct smtp_callbacks fcb = {
		on_fallback_line, on_fallback_step, on_fallback_done, NULL, NULL,
	};
	const struct model_step *st = &m->steps[STEP_STARTTLS];
	struct smtp_options so = p->opt.session;
	struct fallback *fb;

	if (p->closing || m->fallback.tried || st->state != STEP_FAILED ||
	    st->reason != REASON_TLS)
		return false;
	m->fallback.why_not = fallback_refused(p, m);
	if (m->fallback.why_not != REASON_NONE) {
		static const char no[] = "--- no retry without TLS: TLS is required "
		                         "(--tls require, or implicit TLS)";

		model_session_add_line(m, 'I', loop_clock_ms() - m->started_ms, no,
		                       sizeof no - 1);
		return false;
	}
	fb = xcalloc(1, sizeof *fb);
	fb->probe = p;
	fb->orig = m;
	fb->m = xcalloc(1, sizeof *fb->m);
	snprintf(fb->m->host, sizeof fb->m->host, "%s", m->host);
	snprintf(fb->m->addr, sizeof fb->m->addr, "%s", m->addr);
	fb->m->port = m->port;
	m->fallback.tried = 1;
	m->fallback.steps = xcalloc(STEP__COUNT, sizeof *m->fallback.steps);
	m->fallback.at_ms = loop_clock_ms() - m->started_ms;
	m->fallback.line_from = m->nlines;
	model_session_add_line(m, 'I', m->fallback.at_ms, FALLBACK_MARKER,
	                       sizeof FALLBACK_MARKER - 1);
	fb->base = m->nlines;
	fb->cut = m->nlines == m->fallback.line_from;  /* the marker did not fit */
	so.tls = SMTP_TLS_OFF;
	if (so.rcpt_to == NULL)
		so.rcpt_to = p->rcpt;
	m->done = 0;
	m->running = 1;
	p->fallbacks = xreallocarray(p->fallbacks, p->nfallbacks + 1, sizeof *p->fallbacks);
	p->fallbacks[p->nfallbacks++] = fb;
	fb->ss = smtp_session_start(p->loop, fb->m, &so, &fcb, fb);
	if (fb->ss == NULL) {
		/* No parser for it (out of memory): the session ends as it was. */
		m->done = 1;
		m->running = 0;
		m->fallback.done = 1;
		snprintf(m->fallback.error, sizeof m->fallback.error, "could not start");
		return false;
	}
	return true;
}

/* The retries of one session (rerun) or all of them (NULL). */
static void fallback_free(struct probe *p, const struct model_session *orig)
{
	size_t i = 0;

	while (i < p->nfallbacks) {
		struct fallback *fb = p->fallbacks[i];

		if (orig != NULL && fb->orig != orig) {
			i++;
			continue;
		}
		smtp_session_free(fb->ss);
		model_session_free(fb->m);
		free(fb);
		p->fallbacks[i] = p->fallbacks[--p->nfallbacks];
	}
}

/* 0 when the query is in flight; -1 when it could not be sent (recorded). */
static int send_query(struct probe *p, enum purpose purpose, size_t host,
                      size_t addr, const char *name, enum dns_type type)
{
	struct qctx *q = xcalloc(1, sizeof *q);
	char *cause = NULL;
	int rc;

	q->probe = p;
	q->purpose = purpose;
	q->host = host;
	q->addr = addr;
	p->pending++;
	if (purpose == Q_PTR)
		rc = dns_query_ptr(p->dns, name, on_result, q, &cause);
	else
		rc = dns_query(p->dns, name, type, on_result, q, &cause);
	if (rc < 0) {
		/* A name from the wire that DNS cannot even ask for. */
		p->pending--;
		model_finding_add(&p->model, FINDING_DNS_FAILURE, name,
		                  "cannot query %s %s: %s", dns_type_name(type), name,
		                  cause ? cause : "error");
		free(cause);
		free(q);
		return -1;
	}
	return 0;
}

/* A lookup that failed in a way that is not an answer about the name. */
static bool is_failure(enum dns_status s)
{
	return s == DNS_SERVFAIL || s == DNS_REFUSED || s == DNS_TIMEOUT ||
	       s == DNS_ERROR;
}

static void note_failure(struct probe *p, const struct dns_result *r)
{
	struct model_finding *f;

	if (!is_failure(r->status))
		return;
	f = model_finding_add(&p->model, FINDING_DNS_FAILURE, r->qname,
	                      "%s %s: %s%s%s", dns_type_name(r->type), r->qname,
	                      dns_status_name(r->status), r->detail ? " - " : "",
	                      r->detail ? r->detail : "");
	if (f != NULL) {
		f->qtype = r->type;
		f->status = r->status;
	}
}

static int mx_cmp(const void *a, const void *b)
{
	const struct dns_record *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcasecmp(x->name, y->name);
}

static bool looks_like_ip(const char *name)
{
	unsigned char buf[16];
	char tmp[DNS_NAME_MAX];
	size_t n = strlen(name);

	if (n > 2 && name[0] == '[' && name[n - 1] == ']') {
		snprintf(tmp, sizeof tmp, "%.*s", (int)(n - 2), name + 1);
		name = tmp;
	}
	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

static void host_start(struct probe *p, size_t hi)
{
	struct model_host *h = &p->model.hosts[hi];
	char tlsa[DNS_NAME_MAX + 16];

	send_query(p, Q_HOST_A, hi, 0, h->name, DNS_A);
	send_query(p, Q_HOST_AAAA, hi, 0, h->name, DNS_AAAA);
	if (snprintf(tlsa, sizeof tlsa, "_25._tcp.%s", h->name) < DNS_NAME_MAX)
		send_query(p, Q_HOST_TLSA, hi, 0, tlsa, DNS_TLSA);
	/* The validator's TLSA question waits for these two: its base is
	 * the CNAME-expanded name when that expansion is secure (RFC 7672
	 * section 2.2.2). */
	if (validate(p, V_HOST_A, hi, h->name, DNS_A) == 0 &&
	    validate(p, V_HOST_AAAA, hi, h->name, DNS_AAAA) == 0) {
		h->tlsa_dnssec.status = DNSSEC_PENDING;
	} else {
		h->tlsa_dnssec.status = DNSSEC_UNCHECKED;
		snprintf(h->tlsa_dnssec.why, sizeof h->tlsa_dnssec.why, "%s", h->a_dnssec.why);
	}
}

static void on_mx(struct probe *p, const struct dns_result *r)
{
	struct model_domain *d = &p->model;
	struct dns_record *recs = r->records;
	size_t i, n = r->nrecords, nroot = 0, left_out = 0;

	model_lookup_set(&d->mx, r);
	switch (r->status) {
	case DNS_OK:
		break;
	case DNS_NODATA: {
		/* RFC 5321 §5.1: no MX, so the domain itself is the host. */
		size_t hi = model_host_add(d, d->target.domain, 0);

		d->implicit_mx = 1;
		d->hosts[hi].implicit = 1;
		model_finding_add(d, FINDING_IMPLICIT_MX, d->target.domain,
		                  "no MX records: mail goes to the domain's own "
		                  "address (implicit MX, RFC 5321 section 5.1)");
		host_start(p, hi);
		return;
	}
	case DNS_NXDOMAIN:
		model_finding_add(d, FINDING_DOMAIN_NXDOMAIN, d->target.domain,
		                  "the domain %s does not exist (NXDOMAIN)",
		                  d->target.domain);
		return;
	default:
		note_failure(p, r);
		return;
	}

	for (i = 0; i < n; i++)
		if (recs[i].name[0] == '\0')
			nroot++;
	if (nroot > 0 && n == 1 && recs[0].pref == 0) {
		d->null_mx = 1;
		model_finding_add(d, FINDING_NULL_MX, d->target.domain,
		                  "null MX (MX 0 .): the domain says it accepts no "
		                  "mail (RFC 7505)");
		return;
	}
	if (nroot > 0)
		model_finding_add(d, FINDING_NULL_MX_MIXED, d->target.domain,
		                  "an MX record \".\" stands beside %zu other MX "
		                  "records; RFC 7505 wants the null MX alone",
		                  n - nroot);

	qsort(recs, n, sizeof *recs, mx_cmp);
	for (i = 0; i < n; i++) {
		size_t hi;
		size_t j;
		bool dup = false;

		if (recs[i].name[0] == '\0')
			continue;
		for (j = 0; j < d->nhosts; j++)
			if (strcasecmp(d->hosts[j].name, recs[i].name) == 0)
				dup = true;
		if (dup)
			continue;
		if (d->nhosts == DEFAULT_MX_HOSTS_MAX) {
			left_out++;
			continue;
		}
		hi = model_host_add(d, recs[i].name, recs[i].pref);
		if (looks_like_ip(recs[i].name)) {
			d->hosts[hi].ip_literal = 1;
			model_finding_add(d, FINDING_MX_TARGET_IP_LITERAL, recs[i].name,
			                  "the MX target \"%s\" is an IP address; an MX "
			                  "must name a host (RFC 5321 section 5.1)",
			                  recs[i].name);
		}
	}
	if (left_out > 0)
		model_finding_add(d, FINDING_MX_HOSTS_CAPPED, d->target.domain,
		                  "%zu MX hosts: mailflow checks the %d most preferred "
		                  "and leaves %zu out (sending MTAs try fewer still)",
		                  d->nhosts + left_out, DEFAULT_MX_HOSTS_MAX, left_out);
	for (i = 0; i < d->nhosts; i++) {
		size_t j;

		for (j = 0; j < d->nhosts; j++)
			if (j != i && d->hosts[j].pref == d->hosts[i].pref)
				d->hosts[i].pref_shared = 1;
	}
	for (i = 0; i < d->nhosts; i++)
		host_start(p, i);
}

static bool has_tag(const char *text, const char *tag)
{
	size_t n = strlen(tag);

	return strncasecmp(text, tag, n) == 0 &&
	       (text[n] == '\0' || text[n] == ' ' || text[n] == ';');
}

static void on_policy(struct probe *p, struct model_policy *pol,
                      const char *tag, const struct dns_result *r)
{
	size_t i;

	model_lookup_set(&pol->lookup, r);
	note_failure(p, r);
	for (i = 0; i < r->nrecords; i++) {
		/* A NUL inside the TXT makes it unusable; keep it out. */
		if (strlen(r->records[i].text) == r->records[i].text_len &&
		    has_tag(r->records[i].text, tag)) {
			model_policy_add(pol, r->records[i].text);
		} else {
			pol->nother++;
		}
	}
	if (pol == &p->model.spf && pol->nrecords > 1)
		model_finding_add(&p->model, FINDING_SPF_MULTIPLE, r->qname,
		                  "%zu SPF records (v=spf1) at %s: receivers treat "
		                  "that as a permanent error (RFC 7208 section 4.5)",
		                  pol->nrecords, r->qname);
}

/* ---- MTA-STS: the policy fetched as a sender fetches it -------------- */

static void on_sts_fetched(const struct sts_fetch_result *r, void *arg)
{
	struct probe *p = arg;
	struct model_sts *m = &p->model.sts;

	m->fetch = *r;
	m->fetch.body = NULL;           /* the fetch's own: parsed here, not kept */
	m->state = MODEL_STS_FETCHED;
	if (r->status == STS_FETCH_OK) {
		sts_policy_parse(r->body, r->len, &m->policy);
		m->parsed = 1;
	}
	p->sts_running = false;
	if (p->cb.on_change != NULL)
		p->cb.on_change(p, p->cb.arg);
	check_done(p);
}

/* One v=STSv1 record that parses (RFC 8461 §3.1: otherwise a sender
 * assumes there is no policy): the address of mta-sts.<domain> from the
 * run's own resolver, then the fetch. */
static void sts_plan(struct probe *p)
{
	struct model_sts *m = &p->model.sts;
	char id[STS_ID_MAX + 1];

	if (m->state != MODEL_STS_NOT_TRIED || p->model.mta_sts.nrecords != 1 ||
	    !p->model.mta_sts.lookup.done ||
	    (sts_txt_parse(p->model.mta_sts.records[0], id) &
	     (STS_TXT_BAD_VERSION | STS_TXT_SYNTAX)) != 0 ||
	    snprintf(m->host, sizeof m->host, "mta-sts.%s", p->model.target.domain) >=
	    (int)sizeof m->host)
		return;
	m->state = MODEL_STS_RESOLVING;
	p->sts_running = true;
	send_query(p, Q_STS_A, 0, 0, m->host, DNS_A);
	send_query(p, Q_STS_AAAA, 0, 0, m->host, DNS_AAAA);
}

static void on_sts_address(struct probe *p, const struct dns_result *r)
{
	struct model_sts *m = &p->model.sts;
	struct sts_fetch_options fo = {
		.ca_file = p->opt.ca_file,
		.connect_timeout_ms = p->opt.session.connect_timeout_ms > 0 ?
		                      p->opt.session.connect_timeout_ms : p->opt.session.timeout_ms,
		.timeout_ms = p->opt.session.session_timeout_ms,
	};
	char *cause = NULL;

	model_lookup_set(r->type == DNS_A ? &m->a : &m->aaaa, r);
	note_failure(p, r);
	if (m->state != MODEL_STS_RESOLVING)
		return;
	if (r->nrecords > 0 && (p->opt.family == 0 || p->opt.family == (r->type == DNS_A ? 4 : 6))) {
		m->state = MODEL_STS_FETCHING;
		p->sts_fetch = sts_fetch_start(p->loop, p->model.target.domain, r->records[0].addr,
		                               &fo, on_sts_fetched, p, &cause);
		if (p->sts_fetch == NULL) {
			m->state = MODEL_STS_NO_START;
			snprintf(m->error, sizeof m->error, "%s", cause ? cause : "error");
			free(cause);
			p->sts_running = false;
		}
		return;
	}
	if (m->a.done && m->aaaa.done) {
		m->state = MODEL_STS_NO_ADDRESS;
		p->sts_running = false;
	}
}

static void on_host_address(struct probe *p, size_t hi,
                            const struct dns_result *r)
{
	struct model_host *h = &p->model.hosts[hi];
	int family = r->type == DNS_A ? 4 : 6;
	size_t i;

	model_lookup_set(family == 4 ? &h->a : &h->aaaa, r);
	note_failure(p, r);
	if (r->cname[0] != '\0' && h->cname[0] == '\0') {
		snprintf(h->cname, sizeof h->cname, "%s", r->cname);
		if (!h->implicit)
			model_finding_add(&p->model, FINDING_MX_TARGET_CNAME, h->name,
			                  "the MX target %s is an alias (CNAME) of %s; "
			                  "an MX must point to the host's own name "
			                  "(RFC 2181 section 10.3)", h->name, r->cname);
	}
	for (i = 0; i < r->nrecords; i++) {
		size_t before = h->naddrs, ai;

		if (h->naddrs == DEFAULT_HOST_ADDRS_MAX) {
			h->addrs_left_out++;    /* an answer is a set: no repeats */
			continue;
		}
		ai = model_address_add(h, r->records[i].addr, family);

		if (h->naddrs > before) {       /* new, not a repeated record */
			send_query(p, Q_PTR, hi, ai, h->addrs[ai].addr, DNS_PTR);
			session_start(p, h, ai);
		}
	}
	if (h->a.done && h->aaaa.done && h->addrs_left_out > 0)
		model_finding_add(&p->model, FINDING_HOST_ADDRS_CAPPED, h->name,
		                  "%s has %zu addresses: mailflow checks the first %d "
		                  "and leaves %zu out (Postfix tries 5 at most)",
		                  h->name, h->naddrs + h->addrs_left_out,
		                  DEFAULT_HOST_ADDRS_MAX, h->addrs_left_out);
	if (h->a.done && h->aaaa.done && h->naddrs == 0) {
		if (h->implicit)
			model_finding_add(&p->model, FINDING_NO_MAIL_HOST, h->name,
			                  "no MX records and no address for %s: nothing "
			                  "can deliver mail to this domain (A: %s, AAAA: %s)",
			                  h->name, dns_status_name(h->a.status),
			                  dns_status_name(h->aaaa.status));
		else
			model_finding_add(&p->model, FINDING_MX_TARGET_NO_ADDRESS, h->name,
			                  "the MX target %s has no address (A: %s, AAAA: %s)",
			                  h->name, dns_status_name(h->a.status),
			                  dns_status_name(h->aaaa.status));
	}
}

/* ---- DANE: the validated TLSA records for a session's handshake ------- */

/* The host of a session of this probe, by its address's session; -1 none. */
static long session_host(const struct probe *p, const struct model_session *m)
{
	size_t i, j;

	for (i = 0; i < p->model.nhosts; i++)
		for (j = 0; j < p->model.hosts[i].naddrs; j++)
			if (p->model.hosts[i].addrs[j].session == m)
				return (long)i;
	return -1;
}

/* DANE is in play for host hi (RFC 7672 section 2.2): on port 25, the MX
 * RRset and the host's TLSA RRset both DNSSEC-secure, with records. */
static bool dane_in_play(const struct probe *p, const struct model_host *h)
{
	return p->opt.port == 25 && p->model.mx_dnssec.status == DNSSEC_SECURE &&
	       h->tlsa_dnssec.status == DNSSEC_SECURE && h->ndane_tlsa > 0;
}

/* Gives session ss of host hi what DANE needs, or nothing when DANE is
 * not in play. */
static void session_dane_give(struct probe *p, size_t hi, struct smtp_session *ss)
{
	const struct model_host *h = &p->model.hosts[hi];
	struct tls_dane td = {
		.base = h->dane_base[0] != '\0' ? h->dane_base : h->name,
		.mx_host = h->name,
		.records = h->dane_tlsa,
		.nrecords = h->ndane_tlsa,
	};

	smtp_session_set_dane(ss, dane_in_play(p, h) ? &td : NULL);
}

/* A session is about to send STARTTLS: it waits while the validator has
 * not answered for the host (DNSSEC off or unchecked: nothing waits). */
static int on_session_tls_wanted(struct smtp_session *ss, void *arg)
{
	struct probe *p = arg;
	long hi = session_host(p, smtp_session_data(ss));

	if (hi < 0 || p->opt.port != 25)
		return 0;
	if (!model_host_dane_settled(&p->model, &p->model.hosts[hi]))
		return 1;
	session_dane_give(p, (size_t)hi, ss);
	return 0;
}

/*
 * The seam between DNSSEC and DANE (issue 14): called after every answer
 * of the validator. Each session waiting before STARTTLS whose host's
 * DANE inputs have settled (model_host_dane_settled(): the MX RRset and
 * the host's TLSA RRset answered, or given up) goes on: the MX answer
 * settles every host at once.
 */
static void probe_dane_settled(struct probe *p)
{
	size_t i, n = p->nsessions;
	bool went = false;

	/* (A session that goes on may end and start another: the count
	 * taken first is what waited.) */
	for (i = 0; i < n && i < p->nsessions; i++) {
		struct smtp_session *ss = p->sessions[i];
		const struct model_session *m = smtp_session_data(ss);
		long h;

		if (m->dane.state != DANE_STATE_WAITING)
			continue;
		h = session_host(p, m);
		if (h < 0 || !model_host_dane_settled(&p->model, &p->model.hosts[h]))
			continue;
		session_dane_give(p, (size_t)h, ss);
		smtp_session_dane_go(ss);
		went = true;
	}
	if (went && p->cb.on_change != NULL)
		p->cb.on_change(p, p->cb.arg);
}

static void on_tlsa(struct probe *p, size_t hi, const struct dns_result *r)
{
	struct model_host *h = &p->model.hosts[hi];
	size_t i;

	model_lookup_set(&h->tlsa, r);
	note_failure(p, r);
	for (i = 0; i < r->nrecords; i++)
		model_tlsa_add(h, &r->records[i]);
}

/* ---- DNSSEC: the validator's answers beside the plan's ----------------- */

struct dnssec *probe_dnssec_new(struct loop *loop, const struct probe_options *o,
                                char **cause)
{
	struct dnssec_options vo = {
		.anchor_file = o->dnssec_anchor,
		.servers = o->dns.servers,
		.timeout_ms = (o->dns.timeout_ms > 0 ? o->dns.timeout_ms : DEFAULT_DNS_TIMEOUT_MS) *
		              (o->dns.tries > 0 ? o->dns.tries : DEFAULT_DNS_TRIES),
		/* Servers the user named are the only ones asked. */
		.no_recursion = o->dns.servers != NULL,
	};

	return dnssec_new(loop, &vo, cause);
}

void probe_dnssec_detach(struct probe *p)
{
	struct vctx *v = p->vctxs, *next;

	p->vctxs = NULL;
	for (; v != NULL; v = next) {
		next = v->next;
		dnssec_cancel(p->dnssec, v);
		free(v);
	}
	if (p->dnssec_own)
		dnssec_free(p->dnssec);
	p->dnssec = NULL;
	p->dnssec_own = false;
	p->dnssec_tried = true;
	if (p->model.dnssec_mode_why != p->model.mx_dnssec.why)
		p->model.dnssec_mode_why = "";  /* it pointed into the validator */
}

/* Where the answer to a question of this purpose goes. */
static struct model_dnssec *vctx_slot(struct probe *p, enum vpurpose purpose, size_t hi)
{
	switch (purpose) {
	case V_MX: return &p->model.mx_dnssec;
	case V_HOST_A: return &p->model.hosts[hi].a_dnssec;
	case V_HOST_AAAA: return &p->model.hosts[hi].aaaa_dnssec;
	default: return &p->model.hosts[hi].tlsa_dnssec;
	}
}

/* The validator, made on first use (none for -s with an address). false
 * when there is none: the reason is in the model. */
static bool validator_ready(struct probe *p)
{
	struct model_domain *d = &p->model;
	char *cause = NULL;

	if (p->dnssec != NULL)
		return true;
	if (p->dnssec_tried)
		return false;
	p->dnssec_tried = true;
	if (p->opt.no_dnssec) {
		snprintf(d->mx_dnssec.why, sizeof d->mx_dnssec.why,
		         "DNSSEC not validated: --no-dnssec");
		d->dnssec_mode_why = d->mx_dnssec.why;
		return false;
	}
	if (p->opt.dnssec_share != NULL) {
		p->dnssec = p->opt.dnssec_share;
	} else if ((p->dnssec = probe_dnssec_new(p->loop, &p->opt, &cause)) != NULL) {
		p->dnssec_own = true;
	} else {
		snprintf(d->mx_dnssec.why, sizeof d->mx_dnssec.why,
		         "DNSSEC not validated: %.130s", cause != NULL ? cause : "error");
		d->dnssec_mode_why = d->mx_dnssec.why;
		free(cause);
		return false;
	}
	d->dnssec_anchor = p->opt.dnssec_anchor != NULL ? p->opt.dnssec_anchor
	                   : DEFAULT_DNSSEC_ANCHOR;
	return true;
}

static void on_validated(const struct dnssec_answer *a, void *arg);

/* Asks the validator; 0 when the question is in flight (its slot is
 * PENDING), -1 when nothing is validated (its slot says why). */
static int validate(struct probe *p, enum vpurpose purpose, size_t hi,
                    const char *name, enum dns_type type)
{
	struct model_dnssec *slot = vctx_slot(p, purpose, hi);
	struct vctx *v;
	char *cause = NULL;

	if (!validator_ready(p)) {
		slot->status = DNSSEC_UNCHECKED;
		if (slot->why != p->model.dnssec_mode_why)
			snprintf(slot->why, sizeof slot->why, "%s", p->model.dnssec_mode_why);
		return -1;
	}
	v = xcalloc(1, sizeof *v);
	v->probe = p;
	v->purpose = purpose;
	v->host = hi;
	if (dnssec_query(p->dnssec, name, type, on_validated, v, &cause) < 0) {
		slot->status = DNSSEC_UNCHECKED;
		snprintf(slot->why, sizeof slot->why, "%.150s", cause != NULL ? cause : "error");
		free(cause);
		free(v);
		return -1;
	}
	v->next = p->vctxs;
	if (p->vctxs != NULL)
		p->vctxs->prev = v;
	p->vctxs = v;
	slot->status = DNSSEC_PENDING;
	p->pending++;
	return 0;
}

static void vctx_unlink(struct probe *p, struct vctx *v)
{
	if (v->prev != NULL)
		v->prev->next = v->next;
	else
		p->vctxs = v->next;
	if (v->next != NULL)
		v->next->prev = v->prev;
}

/* The validated TLSA RRset of host hi, to be given to OpenSSL. */
static void dane_tlsa_keep(struct model_host *h, const struct dnssec_answer *a)
{
	free(h->dane_tlsa);
	h->dane_tlsa = NULL;
	h->ndane_tlsa = 0;
	if (a->ntlsa > 0) {
		h->dane_tlsa = xreallocarray(NULL, a->ntlsa, sizeof *h->dane_tlsa);
		memcpy(h->dane_tlsa, a->tlsa, a->ntlsa * sizeof *h->dane_tlsa);
		h->ndane_tlsa = a->ntlsa;
	}
	h->dane_tlsa_dropped = a->tlsa_dropped;
	snprintf(h->dane_tlsa_problem, sizeof h->dane_tlsa_problem, "%s", a->tlsa_problem);
}

/* Both address answers are in: the TLSA question, at the CNAME-expanded
 * name when the expansion is secure (dane_base), else at the MX name. */
static void tlsa_ask(struct probe *p, size_t hi)
{
	struct model_host *h = &p->model.hosts[hi];
	char name[DNS_NAME_MAX + 16];
	bool at_base = h->dane_base[0] != '\0';

	if (h->a_dnssec.status == DNSSEC_PENDING || h->aaaa_dnssec.status == DNSSEC_PENDING)
		return;
	if (snprintf(name, sizeof name, "_25._tcp.%s", at_base ? h->dane_base : h->name) >=
	    DNS_NAME_MAX || validate(p, at_base ? V_HOST_TLSA_BASE : V_HOST_TLSA, hi, name,
	                             DNS_TLSA) < 0) {
		h->tlsa_dnssec.status = DNSSEC_UNCHECKED;
		if (h->tlsa_dnssec.why[0] == '\0')
			snprintf(h->tlsa_dnssec.why, sizeof h->tlsa_dnssec.why,
			         "the TLSA name of %.100s is too long", h->name);
	}
}

/* An address answer: its status, and a secure alias as the TLSA base. */
static void on_validated_address(struct probe *p, size_t hi, const struct dnssec_answer *a)
{
	struct model_host *h = &p->model.hosts[hi];

	if (a->dnssec.status == DNSSEC_SECURE && a->canonname[0] != '\0' &&
	    h->dane_base[0] == '\0')
		snprintf(h->dane_base, sizeof h->dane_base, "%s", a->canonname);
	tlsa_ask(p, hi);
}

static void on_validated(const struct dnssec_answer *a, void *arg)
{
	struct vctx *v = arg;
	struct probe *p = v->probe;
	struct model_host *h = v->purpose == V_MX ? NULL : &p->model.hosts[v->host];
	struct model_dnssec *slot = vctx_slot(p, v->purpose, v->host);

	vctx_unlink(p, v);
	p->pending--;
	*slot = a->dnssec;
	if (p->model.dnssec_mode == DNSSEC_MODE_NONE) {
		const char *why = "";

		p->model.dnssec_mode = dnssec_mode(p->dnssec, &why);
		p->model.dnssec_mode_why = why;
	}
	if (v->purpose == V_HOST_A || v->purpose == V_HOST_AAAA) {
		on_validated_address(p, v->host, a);
	} else if (v->purpose == V_HOST_TLSA_BASE && a->dnssec.status != DNSSEC_BOGUS &&
	           (a->dnssec.status != DNSSEC_SECURE || (a->ntlsa == 0 && a->tlsa_dropped == 0))) {
		/* No secure TLSA at the alias's target: the MX name's own
		 * (RFC 7672 section 2.2.2). */
		h->dane_base[0] = '\0';
		tlsa_ask(p, v->host);
	} else if (h != NULL) {
		dane_tlsa_keep(h, a);
	}
	free(v);
	probe_dane_settled(p);
	plan_progress(p);
}

static void fcrdns_settle(struct probe *p, struct model_address *a)
{
	if (a->fcrdns_pending > 0 || a->fcrdns == 1)
		return;
	a->fcrdns = 0;
	model_finding_add(&p->model, FINDING_FCRDNS_MISMATCH, a->addr,
	                  "%s has PTR %s, but that name does not resolve back to "
	                  "%s (forward-confirmed reverse DNS fails)",
	                  a->addr, a->ptr_names[0], a->addr);
}

static void on_ptr(struct probe *p, size_t hi, size_t ai,
                   const struct dns_result *r)
{
	struct model_address *a = &p->model.hosts[hi].addrs[ai];
	size_t i;

	model_lookup_set(&a->ptr, r);
	note_failure(p, r);
	if (r->status != DNS_OK) {
		if (!is_failure(r->status)) {
			a->fcrdns = 0;
			model_finding_add(&p->model, FINDING_PTR_MISSING, a->addr,
			                  "%s has no PTR record (%s); many receivers "
			                  "distrust such senders", a->addr,
			                  dns_status_name(r->status));
		}
		return;
	}
	for (i = 0; i < r->nrecords && a->nptr < MODEL_PTR_MAX; i++)
		snprintf(a->ptr_names[a->nptr++], DNS_NAME_MAX, "%s",
		         r->records[i].name);
	for (i = 0; i < a->nptr; i++)
		if (send_query(p, Q_FCRDNS, hi, ai, a->ptr_names[i],
		               a->family == 4 ? DNS_A : DNS_AAAA) == 0)
			a->fcrdns_pending++;
	fcrdns_settle(p, a);
}

static void on_fcrdns(struct probe *p, size_t hi, size_t ai,
                      const struct dns_result *r)
{
	struct model_address *a = &p->model.hosts[hi].addrs[ai];
	unsigned char want[16], got[16];
	int af = a->family == 4 ? AF_INET : AF_INET6;
	size_t i;

	a->fcrdns_pending--;
	note_failure(p, r);
	inet_pton(af, a->addr, want);
	for (i = 0; i < r->nrecords; i++) {
		if (inet_pton(af, r->records[i].addr, got) == 1 &&
		    memcmp(want, got, a->family == 4 ? 4 : 16) == 0 && a->fcrdns != 1) {
			a->fcrdns = 1;
			snprintf(a->fcrdns_name, sizeof a->fcrdns_name, "%s", r->qname);
		}
	}
	fcrdns_settle(p, a);
}

static void on_result(const struct dns_result *r, void *arg)
{
	struct qctx *q = arg;
	struct probe *p = q->probe;

	p->pending--;
	if (p->closing || r->status == DNS_CANCELLED) {
		free(q);
		return;
	}
	switch (q->purpose) {
	case Q_MX: on_mx(p, r); break;
	case Q_SPF: on_policy(p, &p->model.spf, "v=spf1", r); break;
	case Q_DMARC: on_policy(p, &p->model.dmarc, "v=DMARC1", r); break;
	case Q_MTA_STS:
		on_policy(p, &p->model.mta_sts, "v=STSv1", r);
		sts_plan(p);
		break;
	case Q_TLS_RPT: on_policy(p, &p->model.tls_rpt, "v=TLSRPTv1", r); break;
	case Q_HOST_A:
	case Q_HOST_AAAA: on_host_address(p, q->host, r); break;
	case Q_HOST_TLSA: on_tlsa(p, q->host, r); break;
	case Q_PTR: on_ptr(p, q->host, q->addr, r); break;
	case Q_FCRDNS: on_fcrdns(p, q->host, q->addr, r); break;
	case Q_STS_A:
	case Q_STS_AAAA: on_sts_address(p, r); break;
	}
	free(q);
	plan_progress(p);
}

/* After an answer (or the sender check's end): the plan's completion and
 * the callbacks that follow from it. */
static void plan_progress(struct probe *p)
{
	sender_maybe_start(p);
	if (p->pending == 0 && !p->model.complete) {
		p->model.complete = 1;
		p->model.dns_ms = loop_clock_ms() - p->model.started_ms;
	}
	if (p->cb.on_change != NULL)
		p->cb.on_change(p, p->cb.arg);
	if (p->model.complete && p->pending == 0 && p->cb.on_plan_done != NULL) {
		void (*done)(struct probe *, void *) = p->cb.on_plan_done;

		p->cb.on_plan_done = NULL;      /* once */
		done(p, p->cb.arg);
	}
	check_done(p);
}

static void check_done(struct probe *p)
{
	if (p->done_reported || p->closing || !p->model.complete ||
	    p->pending > 0 || p->running > 0 || p->queued > 0 || p->sts_running)
		return;
	p->done_reported = true;
	if (p->cb.on_done != NULL)
		p->cb.on_done(p, p->cb.arg);
}

/* -s with an IP address: no lookup is sent, and each lookup says so for
 * the reports (it stays not done: the checklist reads a lookup not done in
 * a complete plan as not asked). */
static void direct_not_asked(struct model_domain *d)
{
	static const char why[] = "not looked up: -s gave an address";
	struct model_lookup *l[] = {
		&d->mx, &d->spf.lookup, &d->dmarc.lookup, &d->mta_sts.lookup,
		&d->tls_rpt.lookup, &d->hosts[0].a, &d->hosts[0].aaaa,
		&d->hosts[0].tlsa, &d->hosts[0].addrs[0].ptr,
	};
	size_t i;

	for (i = 0; i < sizeof l / sizeof l[0]; i++)
		snprintf(l[i]->detail, sizeof l[i]->detail, "%s", why);
}

/* -s with an IP address: no DNS at all; the end is reported from the loop. */
static void on_direct_ready(struct loop_timer *t, void *arg)
{
	struct probe *p = arg;

	(void)t;
	p->done_timer = NULL;
	p->model.complete = 1;
	if (p->cb.on_plan_done != NULL) {
		void (*done)(struct probe *, void *) = p->cb.on_plan_done;

		p->cb.on_plan_done = NULL;
		done(p, p->cb.arg);
	}
	check_done(p);
}

/* ---- --sender --------------------------------------------------------- */

static int sender_query(void *ctx, const char *name, enum dns_type type, dns_result_cb cb,
                        void *arg, char **cause)
{
	struct probe *p = ctx;

	return dns_query(p->dns, name, type, cb, arg, cause);
}

static void on_sender_done(void *arg)
{
	struct probe *p = arg;

	p->pending--;
	plan_progress(p);
}

static void sender_run(struct probe *p, const char *ip, enum sender_ip_source source)
{
	struct sender_options so = p->opt.sender;
	char *cause = NULL;

	so.domain = p->sender_domain;
	if (so.helo == NULL)
		so.helo = p->opt.session.helo;
	p->sender_waiting = false;
	p->model.sender = xcalloc(1, sizeof *p->model.sender);
	p->sender = sender_run_start(p->loop, &so, ip, source, sender_query, p,
	                             p->model.sender, on_sender_done, p, &cause);
	if (p->sender == NULL) {
		model_finding_add(&p->model, FINDING_DNS_FAILURE, p->sender_domain,
		                  "sender check not run: %s", cause != NULL ? cause : "error");
		free(cause);
		p->model.sender->done = true;
		p->pending--;
	}
}

/* Without --sender-ip: the local address of the first session that has
 * one; when no session will (none, or none connected), the address the
 * route to the first MX address (else to TEST-NET-1) would leave from. */
static void sender_maybe_start(struct probe *p)
{
	char ip[64];
	size_t i;

	if (!p->sender_waiting || p->closing)
		return;
	for (i = 0; i < p->nsessions; i++) {
		const struct model_session *m = smtp_session_data(p->sessions[i]);
		unsigned char buf[16];
		const char *a = m->local_addr;
		size_t n;

		/* "IP:PORT" or "[IPv6]:PORT" (conn_local_address). */
		if (a[0] == '[')
			a++;
		n = a == m->local_addr ? strcspn(a, ":") : strcspn(a, "]");
		if (n == 0 || n >= sizeof ip)
			continue;
		memcpy(ip, a, n);
		ip[n] = '\0';
		if (inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1) {
			sender_run(p, ip, SENDER_IP_SESSION);
			return;
		}
	}
	if (p->pending > 1 || p->running > 0 || p->queued > 0)
		return;
	if (p->model.nhosts == 0 || p->model.hosts[0].naddrs == 0 ||
	    sender_route_address(p->model.hosts[0].addrs[0].addr, ip, sizeof ip) < 0)
		if (sender_route_address("192.0.2.1", ip, sizeof ip) < 0)
			snprintf(ip, sizeof ip, "127.0.0.1");
	sender_run(p, ip, SENDER_IP_ROUTE);
}

/* The sender's domain: --from's (options_finish), else the target's. */
static void sender_begin(struct probe *p, const struct target *t)
{
	if (!p->opt.sender_check)
		return;
	snprintf(p->sender_domain, sizeof p->sender_domain, "%s",
	         p->opt.sender.domain != NULL ? p->opt.sender.domain : t->domain);
	p->pending++;
	if (p->opt.sender.ip != NULL) {
		sender_run(p, p->opt.sender.ip, SENDER_IP_GIVEN);
		return;
	}
	p->sender_waiting = true;
}

struct probe *probe_new(struct loop *loop, const struct target *target,
                        const struct probe_options *opt,
                        const struct probe_callbacks *cb, char **cause)
{
	struct probe *p = xcalloc(1, sizeof *p);
	const char *dom = target->domain;
	char name[DNS_NAME_MAX + 16];

	p->loop = loop;
	p->opt = *opt;
	/* Idempotent: a caller that settled already loses nothing. */
	probe_options_settle(&p->opt);
	if (cb != NULL)
		p->cb = *cb;
	model_domain_init(&p->model, target);
	probe_rcpt_for(target, p->rcpt, sizeof p->rcpt);
	p->dns = dns_new(loop, &opt->dns, cause);
	if (p->dns == NULL) {
		free(p);
		return NULL;
	}
	p->model.started_ms = loop_clock_ms();
	sender_begin(p, target);
	if (opt->server != NULL) {
		size_t hi = model_host_add(&p->model, opt->server, 0);

		if (looks_like_ip(opt->server)) {
			unsigned char buf[16];
			int fam = inet_pton(AF_INET, opt->server, buf) == 1 ? 4 : 6;
			size_t ai = model_address_add(&p->model.hosts[hi], opt->server, fam);

			p->model.hosts[hi].ip_literal = 1;
			direct_not_asked(&p->model);

			session_start(p, &p->model.hosts[hi], ai);
			p->done_timer = loop_timer_add(loop, 0, 0, on_direct_ready, p);
		} else {
			host_start(p, hi);
		}
		return p;
	}
	send_query(p, Q_MX, 0, 0, dom, DNS_MX);
	validate(p, V_MX, 0, dom, DNS_MX);
	send_query(p, Q_SPF, 0, 0, dom, DNS_TXT);
	if (snprintf(name, sizeof name, "_dmarc.%s", dom) < DNS_NAME_MAX)
		send_query(p, Q_DMARC, 0, 0, name, DNS_TXT);
	if (snprintf(name, sizeof name, "_mta-sts.%s", dom) < DNS_NAME_MAX)
		send_query(p, Q_MTA_STS, 0, 0, name, DNS_TXT);
	if (snprintf(name, sizeof name, "_smtp._tls.%s", dom) < DNS_NAME_MAX)
		send_query(p, Q_TLS_RPT, 0, 0, name, DNS_TXT);
	return p;
}

void probe_free(struct probe *p)
{
	size_t i;

	if (p == NULL)
		return;
	p->closing = true;
	if (p->opt.limiter != NULL) {
		struct limiter_wait **pp = &p->opt.limiter->head, *last = NULL;

		while (*pp != NULL) {
			if ((*pp)->probe == p) {
				struct limiter_wait *w = *pp;

				*pp = w->next;
				free(w);
			} else {
				last = *pp;
				pp = &(*pp)->next;
			}
		}
		p->opt.limiter->tail = last;
		/* Sessions cut short still held a place (one whose retry
		 * without TLS runs is not done: it holds the retry's). */
		for (i = 0; i < p->nsessions; i++)
			if (!smtp_session_data(p->sessions[i])->done)
				p->opt.limiter->running--;
	}
	probe_manual_close(p);
	sender_run_free(p->sender);
	dns_free(p->dns);
	sts_fetch_free(p->sts_fetch);
	probe_dnssec_detach(p);
	for (i = 0; i < p->nsessions; i++)
		smtp_session_free(p->sessions[i]);
	free(p->sessions);
	fallback_free(p, NULL);
	free(p->fallbacks);
	loop_timer_remove(p->done_timer);
	model_domain_free(&p->model);
	free(p);
}

int probe_rerun_address(struct probe *p, size_t hi, size_t ai)
{
	struct model_address *a;
	size_t i;

	if (hi >= p->model.nhosts || ai >= p->model.hosts[hi].naddrs)
		return -1;
	a = &p->model.hosts[hi].addrs[ai];
	if (a->session == NULL || !a->session->done)
		return -1;
	for (i = 0; i < p->nsessions; i++)
		if (smtp_session_data(p->sessions[i]) == a->session) {
			smtp_session_free(p->sessions[i]);
			p->sessions[i] = p->sessions[--p->nsessions];
			break;
		}
	fallback_free(p, a->session);
	model_session_free(a->session);
	a->session = NULL;
	p->done_reported = false;
	session_start(p, &p->model.hosts[hi], ai);
	if (p->cb.on_change != NULL)
		p->cb.on_change(p, p->cb.arg);
	return a->session != NULL ? 0 : -1;
}

size_t probe_sessions_running(const struct probe *p)
{
	return p->running;
}

const struct model_domain *probe_model(const struct probe *p)
{
	return &p->model;
}

size_t probe_plan_pending(const struct probe *p)
{
	return p->pending;
}

void probe_options_init(struct probe_options *o)
{
	memset(o, 0, sizeof *o);
	o->dns.timeout_ms = DEFAULT_DNS_TIMEOUT_MS;
	o->dns.tries = DEFAULT_DNS_TRIES;
	o->smtp = 1;
	o->port = DEFAULT_PORT;
	o->session.relay_to = DEFAULT_RELAY_TO;
	o->session.timeout_ms = DEFAULT_TIMEOUT_MS;
}

void probe_options_settle(struct probe_options *o)
{
	static char helo[256], from[320];
	struct smtp_options *so = &o->session;

	if (o->port == 0)
		o->port = DEFAULT_PORT;
	if (DEFAULT_PORT_IS_IMPLICIT_TLS(o->port))
		so->tls_on_connect = 1;
	if (so->timeout_ms <= 0)
		so->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (so->session_timeout_ms <= 0)
		so->session_timeout_ms = so->timeout_ms * DEFAULT_SESSION_TIMEOUTS;
	if (so->helo == NULL) {
		/* This machine's name when it is a domain name; a name of the
		 * .localdomain kind otherwise, which says what it is (and when the
		 * name is not one RFC 5321 allows in EHLO: it goes onto the wire). */
		if (gethostname(helo, sizeof helo - 1) != 0 || strchr(helo, '.') == NULL ||
		    validate_helo(helo, NULL) < 0)
			snprintf(helo, sizeof helo, "mailflow.localdomain");
		so->helo = helo;
	}
	if (so->mail_from == NULL) {
		snprintf(from, sizeof from, "%s@%s", DEFAULT_LOCAL_PART, so->helo);
		so->mail_from = from;
	}
}

void probe_rcpt_for(const struct target *t, char *buf, size_t size)
{
	snprintf(buf, size, "%s@%s", t->local[0] ? t->local : DEFAULT_LOCAL_PART,
	         t->domain);
}

struct smtp_session *probe_manual_open(struct probe *p, size_t hi, size_t ai,
                                       enum smtp_quit_after handover,
                                       const struct smtp_callbacks *cb, void *arg,
                                       char **cause)
{
	const struct model_host *h;
	struct smtp_options so = p->opt.session;
	struct model_session *m;

	probe_manual_close(p);
	if (hi >= p->model.nhosts || ai >= p->model.hosts[hi].naddrs) {
		if (cause != NULL)
			*cause = xasprintf("%s has no address to connect to",
			                   hi < p->model.nhosts ? p->model.hosts[hi].name
			                                        : p->model.target.domain);
		return NULL;
	}
	h = &p->model.hosts[hi];
	m = xcalloc(1, sizeof *m);
	snprintf(m->host, sizeof m->host, "%s", h->name);
	snprintf(m->addr, sizeof m->addr, "%s", h->addrs[ai].addr);
	m->port = p->opt.port;
	m->transcript_max = DEFAULT_MANUAL_TRANSCRIPT_MAX;
	if (so.rcpt_to == NULL)
		so.rcpt_to = p->rcpt;
	so.handover = handover == SMTP_QUIT_NEVER ? SMTP_QUIT_BANNER : handover;
	so.quit_after = SMTP_QUIT_NEVER;
	p->manual_data = m;
	p->manual_host = hi;
	p->manual_addr = ai;
	p->manual = smtp_session_start(p->loop, m, &so, cb, arg);
	if (p->manual == NULL && cause != NULL)
		*cause = xasprintf("cannot start a session with %s", m->addr);
	return p->manual;
}

void probe_manual_close(struct probe *p)
{
	struct model_address *a = NULL;

	smtp_session_free(p->manual);
	p->manual = NULL;
	if (p->manual_data == NULL)
		return;
	/* Nothing more runs: the steps the hand-over left are skipped for
	 * that reason, never pending. */
	model_session_end(p->manual_data, REASON_QUIT_AFTER,
	                  "not run: the session was handed over and manual mode was left");
	if (p->manual_host < p->model.nhosts &&
	    p->manual_addr < p->model.hosts[p->manual_host].naddrs)
		a = &p->model.hosts[p->manual_host].addrs[p->manual_addr];
	/* Where the run made no session of its own (--manual), the one typed
	 * by hand becomes the address's: the views judge and report it. */
	if (a != NULL && a->session == NULL) {
		a->session = p->manual_data;
		p->manual_data = NULL;
		if (p->cb.on_change != NULL && !p->closing)
			p->cb.on_change(p, p->cb.arg);
	}
	model_session_free(p->manual_data);
	p->manual_data = NULL;
}
