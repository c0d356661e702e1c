/*
 * summary — each host's verdict and the domain's sentence (summary.h).
 *
 * A host's verdict is the worst verdict among its checklist items, so the
 * summary can never be kinder or harsher than the checklist it sums up;
 * the words come from the session's steps and reasons (the same facts the
 * checklist judged), never from an item's English text.
 */
#include "mailflow/summary.h"
#include "mailflow/sender.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* How bad each verdict is, for "the worst of the items". Pending beats
 * everything: a host still being probed has no verdict yet. */
static int verdict_rank(enum verdict v)
{
	static const int rank[VERDICT__COUNT] = {
		[V_SKIP] = 0, [V_INFO] = 1, [V_PASS] = 2, [V_WARN] = 3,
		[V_FAIL] = 4, [V_PENDING] = 5,
	};
	return rank[v];
}

static enum verdict worst_item_verdict(const struct checklist *c, long hi, long ai)
{
	enum verdict worst = V_SKIP;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->items[i].host == hi && c->items[i].addr == ai &&
		    verdict_rank(c->items[i].verdict) > verdict_rank(worst))
			worst = c->items[i].verdict;
	return worst;
}

static void say(struct summary_host *out, const char *f, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct summary_host *out, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(out->words, sizeof out->words, f, ap);
	va_end(ap);
}

/* "(554 5.7.1)" or "(554)". */
static void reply_words(char *dst, size_t size, const struct model_step *st)
{
	if (st->enhanced[0] != '\0')
		snprintf(dst, size, "(%d %s)", st->code, st->enhanced);
	else
		snprintf(dst, size, "(%d)", st->code);
}

/* The steps whose refusal ends the routine, with what was refused. */
static const struct {
	enum model_step_id step;
	const char *what;
} refusals[] = {
	{ STEP_BANNER, "mail at the greeting" },
	{ STEP_EHLO,   "our EHLO" },
	{ STEP_MAIL,   "the sender" },
	{ STEP_RCPT,   "the recipient" },
	{ STEP_DATA,   "the message" },
};

static bool say_refusal(struct summary_host *out, const struct model_session *s)
{
	char code[40];
	size_t i;

	for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct model_step *st = &s->steps[refusals[i].step];

		if (st->state != STEP_REJECTED)
			continue;
		reply_words(code, sizeof code, st);
		out->outcome = OUTCOME_REFUSES;
		out->temporary = st->code / 100 == 4;
		if (out->temporary)
			say(out, "defers %s %s: retry later", refusals[i].what, code);
		else
			say(out, "refuses %s %s", refusals[i].what, code);
		return true;
	}
	return false;
}

/* No connection, no greeting, or no reply: the session's first failed step. */
static bool say_unreachable(struct summary_host *out, const struct model_session *s)
{
	const struct model_step *con = &s->steps[STEP_CONNECT];
	const struct model_step *ban = &s->steps[STEP_BANNER];
	size_t i;

	out->outcome = OUTCOME_UNREACHABLE;
	if (con->state == STEP_FAILED) {
		if (s->conn_error == CONN_REFUSED)
			say(out, "refuses connections");
		else if (con->reason == REASON_TIMEOUT || s->conn_error == CONN_TIMEOUT)
			say(out, "does not answer (no connection in time)");
		else
			say(out, "cannot be reached");
		return true;
	}
	if (ban->state == STEP_FAILED) {
		say(out, ban->reason == REASON_TIMEOUT ? "connects but never greets"
		                                       : "drops the connection before greeting");
		return true;
	}
	for (i = STEP_EHLO; i <= STEP_DATA; i++) {
		const struct model_step *st = &s->steps[i];

		if (st->state == STEP_FAILED && st->reason != REASON_TLS &&
		    st->reason != REASON_POLICY) {
			say(out, "stops answering at %s (%s)", model_step_id((enum model_step_id)i),
			    model_reason_name(st->reason));
			return true;
		}
	}
	return false;
}

static const struct check_item *item_of(const struct checklist *c, const char *id,
                                        long hi, long ai)
{
	return checklist_find(c, id, hi, ai);
}

/* "with valid TLS", "without TLS (STARTTLS not offered)"... */
static void tls_words(char *dst, size_t size, const struct checklist *c,
                      const struct model_session *s, long hi, long ai)
{
	const struct model_step *st = &s->steps[STEP_STARTTLS];
	const struct check_item *cert = item_of(c, "host.cert", hi, ai);

	if (s->tls_active) {
		if (cert == NULL || cert->verdict == V_PASS)
			snprintf(dst, size, "with valid TLS");
		else if (!s->tls.chain_ok && s->tls.verify_expired)
			snprintf(dst, size, "with TLS, but its certificate has expired");
		else if (!s->tls.name_ok)
			snprintf(dst, size, "with TLS, but its certificate names another host");
		else
			snprintf(dst, size, "with TLS, but its certificate is not trusted");
	} else if (st->state == STEP_SKIPPED && st->reason == REASON_NOT_OFFERED) {
		snprintf(dst, size, "without TLS (STARTTLS not offered)");
	} else if (st->reason == REASON_TLS) {
		snprintf(dst, size, "only without TLS (the TLS handshake fails)");
	} else if (st->state == STEP_REJECTED) {
		snprintf(dst, size, "without TLS (STARTTLS refused)");
	} else {
		snprintf(dst, size, "(TLS not tested)");
	}
}

static void say_delivery(struct summary_host *out, const struct checklist *c,
                         const struct model_session *s, long hi, long ai)
{
	const struct model_step *rcpt = &s->steps[STEP_RCPT];
	char tls[96];

	tls_words(tls, sizeof tls, c, s, hi, ai);
	if (s->steps[STEP_RELAY].state == STEP_OK && !s->authenticated) {
		out->outcome = OUTCOME_OPEN_RELAY;
		say(out, "is an open relay: it accepts mail for any domain");
	} else if (rcpt->state == STEP_OK) {
		out->outcome = OUTCOME_ACCEPTS;
		say(out, "accepts it %s", tls);
	} else {
		out->outcome = OUTCOME_ANSWERS;
		say(out, "answers %s; stopped before RCPT, so delivery was not tried", tls);
	}
}

void summary_host(const struct model_domain *d, const struct checklist *c,
                  long hi, long ai, struct summary_host *out)
{
	const struct model_host *h = &d->hosts[hi];
	const struct model_session *s;

	memset(out, 0, sizeof *out);
	if (ai < 0 || (size_t)ai >= h->naddrs) {
		out->verdict = h->a.done && h->aaaa.done ? V_FAIL : V_PENDING;
		out->outcome = OUTCOME_NOT_PROBED;
		say(out, out->verdict == V_FAIL ? "has no address" : "is being looked up");
		return;
	}
	out->verdict = worst_item_verdict(c, hi, ai);
	s = h->addrs[ai].session;
	if (s == NULL) {
		out->outcome = OUTCOME_NOT_PROBED;
		say(out, "was not probed");
		return;
	}
	if (!s->done) {
		out->verdict = V_PENDING;
		out->outcome = OUTCOME_RUNNING;
		say(out, "is being probed");
		return;
	}
	if (say_unreachable(out, s) || say_refusal(out, s))
		return;
	say_delivery(out, c, s, hi, ai);
}

/* ---- the domain's sentence ---------------------------------------------- */

struct sentence {
	char *buf;
	size_t size, len;
};

static void put(struct sentence *w, const char *f, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct sentence *w, const char *f, ...)
{
	va_list ap;
	int n;

	if (w->len + 1 >= w->size)
		return;
	va_start(ap, f);
	n = vsnprintf(w->buf + w->len, w->size - w->len, f, ap);
	va_end(ap);
	if (n > 0)
		w->len += (size_t)n < w->size - w->len ? (size_t)n : w->size - w->len - 1;
}

/* The host's name without the domain's own suffix: "mx1" for
 * mx1.multi.lab.test in multi.lab.test; the whole name otherwise. */
static void short_name(char *dst, size_t size, const char *host, const char *domain)
{
	size_t hl = strlen(host), dl = strlen(domain);

	if (hl > dl + 1 && host[hl - dl - 1] == '.' &&
	    strcasecmp(host + hl - dl, domain) == 0)
		snprintf(dst, size, "%.*s", (int)(hl - dl - 1), host);
	else
		snprintf(dst, size, "%s", host);
}

/* "mx1", "mx1 [192.0.2.1]" when the host has several addresses, with
 * " (preferred)" for the lowest MX preference when the hosts differ. */
static void host_label(char *dst, size_t size, const struct model_domain *d,
                       long hi, long ai)
{
	const struct model_host *h = &d->hosts[hi];
	char name[DNS_NAME_MAX];
	bool preferred = d->nhosts > 1 && !h->pref_shared;
	size_t i;

	for (i = 0; i < d->nhosts && preferred; i++)
		if (d->hosts[i].pref < h->pref)
			preferred = false;
	short_name(name, sizeof name, h->name, d->target.domain);
	if (ai >= 0 && h->naddrs > 1)
		snprintf(dst, size, "%s [%s]%s", name, h->addrs[ai].addr,
		         preferred ? " (preferred)" : "");
	else
		snprintf(dst, size, "%s%s", name, preferred ? " (preferred)" : "");
}

/* The DNS verdict that decides before any host: NULL when the hosts do. */
static bool put_dns_end(struct sentence *w, const struct model_domain *d)
{
	const char *dom = d->target.domain;

	if (!d->mx.done && d->complete)
		return false;           /* -s: the hosts were given, not looked up */
	if (!d->mx.done) {
		put(w, "Checking mail to %s: waiting for its MX records.", dom);
		return true;
	}
	if (d->null_mx) {
		put(w, "%s accepts no mail: it publishes a null MX (RFC 7505).", dom);
		return true;
	}
	switch (d->mx.status) {
	case DNS_OK:
		return false;
	case DNS_NODATA:
		if (d->nhosts > 0 && d->hosts[0].naddrs > 0)
			return false;
		if (!d->complete)
			return false;
		put(w, "Mail to %s cannot be delivered: it has no MX records and no address.", dom);
		return true;
	case DNS_NXDOMAIN:
		put(w, "Mail to %s cannot be delivered: the domain does not exist (NXDOMAIN).", dom);
		return true;
	default:
		put(w, "Mail to %s cannot be judged: the DNS lookup of its MX records failed (%s).",
		    dom, dns_status_name(d->mx.status));
		return true;
	}
}

struct tally {
	size_t all, done, accepts, answers, temporary, refusals;
};

static void tally_hosts(const struct model_domain *d, const struct checklist *c,
                        struct tally *t)
{
	struct summary_host sh;
	size_t i, j;

	memset(t, 0, sizeof *t);
	for (i = 0; i < d->nhosts; i++) {
		size_t n = d->hosts[i].naddrs ? d->hosts[i].naddrs : 1;

		for (j = 0; j < n; j++) {
			summary_host(d, c, (long)i, d->hosts[i].naddrs ? (long)j : -1, &sh);
			t->all++;
			if (sh.verdict != V_PENDING)
				t->done++;
			t->accepts += sh.outcome == OUTCOME_ACCEPTS;
			t->answers += sh.outcome == OUTCOME_ANSWERS;
			t->temporary += sh.outcome == OUTCOME_REFUSES && sh.temporary;
			t->refusals += sh.outcome != OUTCOME_ACCEPTS &&
			               sh.outcome != OUTCOME_ANSWERS;
		}
	}
}

/* Each host whose outcome is (or is not) wanted, "; "-separated. */
static size_t put_hosts(struct sentence *w, const struct model_domain *d,
                        const struct checklist *c, bool delivering, size_t said)
{
	struct summary_host sh;
	char label[DNS_NAME_MAX + 64];
	size_t i, j;

	for (i = 0; i < d->nhosts; i++) {
		size_t n = d->hosts[i].naddrs ? d->hosts[i].naddrs : 1;

		for (j = 0; j < n; j++) {
			long ai = d->hosts[i].naddrs ? (long)j : -1;
			bool is_delivering;

			summary_host(d, c, (long)i, ai, &sh);
			is_delivering = sh.outcome == OUTCOME_ACCEPTS ||
			                sh.outcome == OUTCOME_ANSWERS;
			if (is_delivering != delivering)
				continue;
			host_label(label, sizeof label, d, (long)i, ai);
			put(w, "%s%s %s", said++ ? "; " : " ", label, sh.words);
		}
	}
	return said;
}

const char *summary_domain_text(const struct model_domain *d,
                                const struct checklist *c, char *buf, size_t size)
{
	struct sentence w = { buf, size, 0 };
	struct tally t;
	const char *dom = d->target.domain;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (put_dns_end(&w, d))
		return buf;
	tally_hosts(d, c, &t);
	if (t.done < t.all) {
		put(&w, "Checking mail to %s: %zu/%zu hosts done.", dom, t.done, t.all);
		return buf;
	}
	if (t.accepts > 0)
		put(&w, "Mail to %s can be delivered:", dom);
	else if (t.answers > 0)
		put(&w, "The mail servers of %s answer:", dom);
	else if (t.temporary > 0 && t.temporary == t.refusals)
		put(&w, "Mail to %s is delayed for now:", dom);
	else
		put(&w, "Mail to %s cannot be delivered:", dom);
	if (put_hosts(&w, d, c, true, 0) > 0)
		put(&w, ".");
	if (put_hosts(&w, d, c, false, 0) > 0)
		put(&w, ".");
	return buf;
}

/* What a receiver would do with the mail, from the sender's verdicts. */
static const char *sender_outcome(const struct sender_facts *s, enum verdict dkim)
{
	const struct sender_dmarc *d = &s->dmarc;
	bool enforce = d->found && d->syntax_ok && d->nrecords == 1 &&
	               (d->p == DMARC_P_REJECT || d->p == DMARC_P_QUARANTINE);
	bool dkim_ok = dkim == V_PASS || dkim == V_INFO;

	switch (s->spf.result) {
	case SPF_PASS:
		return dkim_ok ? "a receiver would accept it if DKIM also signs"
		               : "a receiver would accept it on SPF alone, but its DKIM key "
		                 "is not usable, so forwarded mail would fail";
	case SPF_TEMPERROR:
		return "a receiver would defer it (a temporary SPF error) and try again";
	case SPF_FAIL:
	case SPF_PERMERROR:
		if (enforce)
			return d->p == DMARC_P_REJECT
			       ? "a receiver would reject it unless a valid DKIM signature aligns"
			       : "a receiver would put it in spam unless a valid DKIM signature aligns";
		return s->spf.result == SPF_FAIL ? "a receiver would likely reject it (SPF fail)"
		       : "big receivers would treat it as failing SPF";
	default:
		return enforce ? "it passes DMARC only if a valid DKIM signature aligns"
		               : "a receiver would likely file it as spam unless DKIM signs it";
	}
}

const char *summary_sender_text(const struct model_domain *d, const struct checklist *c,
                                char *buf, size_t size)
{
	const struct sender_facts *s = d->sender;
	const struct check_item *dk = checklist_find(c, "sender.dkim", -1, -1);
	char dmarc[512];
	size_t i, n;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (s == NULL)
		return buf;
	if (!s->done) {
		snprintf(buf, size, "Mail from %s sent from %s: checking SPF, DMARC and DKIM.",
		         s->domain, s->ip);
		return buf;
	}
	if (!s->dmarc.found) {
		snprintf(dmarc, sizeof dmarc, "no DMARC");
	} else if (!s->dmarc.syntax_ok || s->dmarc.nrecords > 1) {
		snprintf(dmarc, sizeof dmarc, "DMARC invalid");
	} else {
		n = (size_t)snprintf(dmarc, sizeof dmarc, "DMARC p=%s",
		                     dmarc_policy_name(s->dmarc.p));
		for (i = 0; i < s->dmarc.nuris && n < sizeof dmarc; i++) {
			const struct sender_uri *u = &s->dmarc.uris[i];

			if (u->ruf || u->domain[0] == '\0')
				continue;
			n += (size_t)snprintf(dmarc + n, sizeof dmarc - n, "%s%s%s",
			                      n > 0 && strstr(dmarc, " with reports to ") != NULL
			                      ? ", " : " with reports to ", u->domain,
			                      u->dest == DEST_UNVERIFIED ? " (not agreed)" : "");
		}
	}
	snprintf(buf, size, "Mail from %s sent from %s: SPF %s, %s; %s.", s->domain, s->ip,
	         spf_result_name(s->spf.result), dmarc,
	         sender_outcome(s, dk != NULL ? dk->verdict : V_PENDING));
	return buf;
}
