/*
 * checklist.c — verdicts from the model (see include/mailflow/checklist.h).
 *
 * One function per checklist id; each reads the model and writes one item.
 * The wording is for a helpdesk reader: what was seen, what it means, what
 * to do next. Reply-specific meaning comes from the knowledge base (codes.c)
 * so the same reply is explained the same way everywhere.
 */
#include "mailflow/checklist.h"
#include "mailflow/dnssec.h"
#include "mailflow/codes.h"
#include "mailflow/defaults.h"
#include "mailflow/sender.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const verdict_names[] = {
	[V_PASS] = "pass", [V_WARN] = "warn", [V_FAIL] = "fail",
	[V_INFO] = "info", [V_SKIP] = "skip", [V_PENDING] = "pending",
};

const char *verdict_name(enum verdict v)
{
	if ((size_t)v < sizeof verdict_names / sizeof verdict_names[0])
		return verdict_names[v];
	return "?";
}

struct builder {
	struct checklist *c;
	size_t cap;
};

/* A new item at the end of the list; memory comes from xmalloc, so this
 * cannot fail and no check needs an error path. */
static struct check_item *item_new(struct builder *b, const char *id,
                                   long host, long addr)
{
	struct check_item *it;

	if (b->c->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->c->items = xreallocarray(b->c->items, b->cap, sizeof *b->c->items);
	}
	it = &b->c->items[b->c->n++];
	memset(it, 0, sizeof *it);
	it->id = id;
	it->host = host;
	it->addr = addr;
	it->verdict = V_PENDING;
	return it;
}

static void set(struct check_item *it, enum verdict v, const char *title,
                const char *expl, const char *next)
{
	it->verdict = v;
	snprintf(it->title, sizeof it->title, "%s", title);
	snprintf(it->explanation, sizeof it->explanation, "%s", expl ? expl : "");
	snprintf(it->next, sizeof it->next, "%s", next ? next : "");
}

static void fmt(char *dst, size_t sz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t sz, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(dst, sz, f, ap);
	va_end(ap);
}

static void fact(struct check_item *it, const char *f, ...)
	__attribute__((format(printf, 2, 3)));
static void fact(struct check_item *it, const char *f, ...)
{
	va_list ap;

	if (it->nfacts == CHECK_EVIDENCE_MAX)
		return;
	va_start(ap, f);
	vsnprintf(it->facts[it->nfacts++], sizeof it->facts[0], f, ap);
	va_end(ap);
}

/*
 * The one rule for a reply's verdict, used by every item judged on a
 * reply (README "Verdicts"): 2xx and 3xx pass; 4xx is temporary, a warn
 * wherever it comes (a sender keeps the message and retries later); 5xx
 * is permanent, a fail. The relay test alone reads a refusal as the good
 * answer, and says so where it is judged.
 */
static enum verdict reply_verdict(int code)
{
	switch (code / 100) {
	case 2:
	case 3:
		return V_PASS;
	case 4:
		return V_WARN;
	default:
		return V_FAIL;
	}
}

/* The words of the class, added where the knowledge base's own words do
 * not already say it. */
static void class_words(char *dst, size_t size, int code, const char *said)
{
	size_t n = strlen(dst);

	if (code / 100 == 4 && strstr(said, "etry later") == NULL)
		snprintf(dst + n, size - n, "%sTemporary (4xx): retry later; a "
		         "sending server keeps the message and retries by itself.",
		         n ? " " : "");
	else if (code / 100 == 5 && strstr(said, "ermanent") == NULL)
		snprintf(dst + n, size - n, "%sPermanent (5xx): retrying the same "
		         "will not help until something changes.", n ? " " : "");
}

enum codes_cmd checklist_step_command(const struct model_session *s,
                                      enum model_step_id step)
{
	const struct model_step *st = &s->steps[step];
	size_t i;

	switch (step) {
	case STEP_BANNER: return CODES_CMD_GREETING;
	case STEP_EHLO: return s->used_helo ? CODES_CMD_HELO : CODES_CMD_EHLO;
	case STEP_STARTTLS: return CODES_CMD_STARTTLS;
	case STEP_AUTH: return CODES_CMD_AUTH;
	case STEP_MAIL: return CODES_CMD_MAIL;
	case STEP_RCPT:
	case STEP_RELAY: return CODES_CMD_RCPT;
	case STEP_RSET: return CODES_CMD_RSET;
	case STEP_QUIT: return CODES_CMD_QUIT;
	case STEP_DATA:
		/* The final reply answers the lone "." once the message went:
		 * what was sent, not what the server said, tells which. */
		for (i = st->line_from; i < st->line_to && i < s->nlines; i++)
			if (s->lines[i].dir == 'C' && s->lines[i].len == 1 &&
			    s->lines[i].bytes[0] == '.')
				return CODES_CMD_END_OF_DATA;
		return CODES_CMD_DATA;
	default:
		return CODES_CMD_ANY;
	}
}


/* A 530 ("log in first") when the user did give -a: "give mailflow -a"
 * would be wrong advice, so say what stood in the login's way. */
static void login_next(struct check_item *it, const struct model_session *s)
{
	const struct model_step *auth = &s->steps[STEP_AUTH];

	if (auth->state == STEP_SKIPPED && auth->reason == REASON_BY_OPTION)
		return;                 /* no -a: the knowledge base's advice holds */
	if (auth->state == STEP_REJECTED || auth->state == STEP_FAILED)
		snprintf(it->next, sizeof it->next, "The login with -a failed (see "
		         "the AUTH item): check the user name and password, then retry.");
	else if (!s->tls_active)
		snprintf(it->next, sizeof it->next, "mailflow was given -a, but the "
		         "server offered no login in this plaintext session: start TLS "
		         "first (leave out --tls off); most servers offer AUTH only "
		         "after STARTTLS.");
	else if (!s->authenticated)
		snprintf(it->next, sizeof it->next, "mailflow was given -a, but the "
		         "server offers no login mechanism mailflow speaks (PLAIN, "
		         "LOGIN): ask its admin which one to use.");
	else
		snprintf(it->next, sizeof it->next, "The login succeeded, yet the "
		         "server still wants one: this account may not send from "
		         "this address; ask the server's admin.");
}

/* Appends the knowledge base's words about a step's reply to the item:
 * read in the context of the command that step sent. */
static void explain_reply(struct check_item *it, const struct model_session *s,
                          enum model_step_id step, bool use_next)
{
	const struct model_step *st = &s->steps[step];
	struct code_explanation ex;
	const struct code_info *best;
	size_t n = strlen(it->explanation);

	it->code = st->code;
	memcpy(it->enhanced, st->enhanced, sizeof it->enhanced);
	if (st->code == 0)
		return;
	codes_explain_cmd(checklist_step_command(s, step), st->code, st->enhanced,
	                  st->text, &ex);
	best = ex.best;
	if (best == NULL)
		return;
	snprintf(it->explanation + n, sizeof it->explanation - n, "%s%d%s%s: %s",
	         n ? " " : "", st->code, st->enhanced[0] ? " " : "", st->enhanced,
	         best->explanation);
	if (ex.enhanced != NULL && ex.enhanced != best && st->code / 100 >= 4 &&
	    st->enhanced[0] - '0' == st->code / 100 &&
	    strcmp(ex.enhanced->code, "X.0.0") != 0) {
		n = strlen(it->explanation);
		snprintf(it->explanation + n, sizeof it->explanation - n, " (%s: %s)",
		         st->enhanced, ex.enhanced->meaning);
	}
	class_words(it->explanation, sizeof it->explanation, st->code,
	            best->explanation);
	if (ex.unusual[0] != '\0') {
		n = strlen(it->explanation);
		snprintf(it->explanation + n, sizeof it->explanation - n,
		         " Unusual: %s.", ex.unusual);
	}
	if (use_next && best->next != NULL)
		snprintf(it->next, sizeof it->next, "%s", best->next);
	if (use_next && best->wants_login)
		login_next(it, s);
}

/* A reply-based item's verdict and title from its step's reply, by the
 * one rule above, explained in context. */
static void judge_reply(struct check_item *it, const struct model_session *s,
                        enum model_step_id step, const char *what)
{
	const struct model_step *st = &s->steps[step];
	enum verdict v = reply_verdict(st->code);
	char t[160];

	fmt(t, sizeof t, "%s %s: %d%s%s", what, v == V_PASS ? "accepted"
	    : v == V_WARN ? "deferred (temporary)" : "refused", st->code,
	    st->enhanced[0] ? " " : "", st->enhanced);
	set(it, v, t, NULL, NULL);
	explain_reply(it, s, step, v != V_PASS);
}

/* A step that got no usable reply, by its reason: a silence is not a
 * refusal. */
static void judge_no_reply(struct check_item *it, const struct model_step *st,
                           const char *what)
{
	char t[160];

	switch (st->reason) {
	case REASON_TIMEOUT:
		fmt(t, sizeof t, "%s: no reply in time (timeout)", what);
		set(it, V_FAIL, t, NULL, "Retry with a longer --timeout; "
		    "if it stays silent, the receiving admin checks the server's "
		    "back ends (login, filters) and any proxy in front of it.");
		fmt(it->explanation, sizeof it->explanation, "The server stopped "
		    "answering: %s. A silence is a timeout, not a refusal.",
		    st->detail[0] ? st->detail : "no complete reply came in time");
		break;
	case REASON_CLOSED:
		fmt(t, sizeof t, "%s: the server closed the connection", what);
		set(it, V_FAIL, t, "The connection ended before a reply came.",
		    "See the transcript; the receiving admin checks the mail log "
		    "for why it dropped the session.");
		break;
	default:
		fmt(t, sizeof t, "%s: no usable reply", what);
		set(it, V_FAIL, t, st->detail, "See the transcript; the server "
		    "stopped answering or answered garbage.");
		break;
	}
	if (it->explanation[0] == '\0')
		snprintf(it->explanation, sizeof it->explanation, "%s", st->detail);
}

static void evidence(struct check_item *it, const struct model_step *st)
{
	it->line_from = st->line_from;
	it->line_to = st->line_to;
}

/* ---- domain ----------------------------------------------------------- */

/*
 * A lookup the plan never sent: not done although the plan is complete
 * (every query sent has its answer then). -s HOST sends no MX and no
 * policy lookup, -s ADDRESS none at all. A finished run says so (skip),
 * never "waiting".
 */
static bool lookup_not_asked(const struct model_domain *d, const struct model_lookup *l)
{
	return !l->done && d->complete;
}

static const char *dns_failure_words(enum dns_status s)
{
	switch (s) {
	case DNS_SERVFAIL:
		return "The DNS server failed to answer (SERVFAIL): often broken "
		       "DNSSEC or name servers that do not serve the zone.";
	case DNS_REFUSED:
		return "The DNS server refused the query (REFUSED): it is not the "
		       "right server for this name, or it only answers its own clients.";
	case DNS_TIMEOUT:
		return "No DNS answer arrived in time: the name servers are down, "
		       "unreachable, or a firewall drops DNS.";
	case DNS_LIMITED:
		return "The DNS server is limiting our queries: it answered others but "
		       "dropped or cut short every try of this one (rate limiting). "
		       "Nothing is known to be wrong with the domain.";
	default:
		return "The DNS query failed without an answer.";
	}
}

static void check_mx(struct builder *b, const struct model_domain *d)
{
	struct check_item *it = item_new(b, "dns.mx", -1, -1);
	char t[160], e[512];
	size_t i;

	if (lookup_not_asked(d, &d->mx)) {
		set(it, V_SKIP, "MX records: not looked up (the server was given with -s)",
		    NULL, NULL);
		return;
	}
	if (!d->mx.done) {
		set(it, V_PENDING, "MX records: waiting for DNS", NULL, NULL);
		return;
	}
	fact(it, "MX %s: %s in %llu ms", d->target.domain, dns_status_name(d->mx.status),
	     (unsigned long long)d->mx.ms);
	for (i = 0; i < d->nhosts; i++)
		fact(it, "MX %u %s%s", d->hosts[i].pref, d->hosts[i].name,
		     d->hosts[i].implicit ? " (implicit)" : "");
	if (d->null_mx) {
		set(it, V_WARN, "Null MX: the domain accepts no mail",
		    "The domain publishes \"MX 0 .\" (RFC 7505): it declares that it "
		    "receives no mail at all, so every message to it bounces at once.",
		    "If this domain should receive mail, its DNS admin must replace the "
		    "null MX with real MX records.");
		return;
	}
	switch (d->mx.status) {
	case DNS_OK:
		fmt(t, sizeof t, "MX records: %zu host%s", d->nhosts, d->nhosts == 1 ? "" : "s");
		set(it, V_PASS, t, "The domain names its mail servers in DNS.", NULL);
		return;
	case DNS_NODATA:
		if (d->nhosts == 1 && d->hosts[0].naddrs > 0) {
			set(it, V_WARN, "No MX records: mail goes to the domain's own address",
			    "Without MX records, senders fall back to the domain's A/AAAA "
			    "address (implicit MX, RFC 5321 section 5.1). It works if that "
			    "host runs a mail server, but it is fragile and unusual.",
			    "Publish an MX record that names the mail server explicitly.");
		} else if (d->hosts == NULL || (d->hosts[0].a.done && d->hosts[0].aaaa.done)) {
			set(it, V_FAIL, "No mail server: no MX and no address",
			    "The domain has neither MX records nor an address to fall back "
			    "to, so nobody can deliver mail to it.",
			    "The domain's DNS admin must publish MX records for its mail servers.");
		} else {
			set(it, V_PENDING, "No MX records: looking up the domain's address", NULL, NULL);
		}
		return;
	case DNS_NXDOMAIN:
		fmt(e, sizeof e, "DNS says the domain %s does not exist (NXDOMAIN), so "
		    "mail to it bounces.", d->target.domain);
		set(it, V_FAIL, "The domain does not exist", e,
		    "Check the spelling of the domain with the user; if it is right, the "
		    "domain has expired or its DNS delegation is broken: ask its owner.");
		return;
	case DNS_LIMITED:
		/* Our pace, not the domain: a warning, never the domain's failure. */
		set(it, V_WARN, "MX records: no answer, the DNS server is limiting our queries",
		    dns_failure_words(d->mx.status),
		    "Run again with a lower --dns-rate, or ask another DNS server (--dns).");
		return;
	default:
		fmt(t, sizeof t, "MX lookup failed: %s", dns_status_name(d->mx.status));
		set(it, V_FAIL, t, dns_failure_words(d->mx.status),
		    "Try again with another resolver (--dns 1.1.1.1 or your ISP's); if "
		    "it persists, the domain's name servers need fixing (check with dig +trace).");
		return;
	}
}

static void check_mx_targets(struct builder *b, const struct model_domain *d)
{
	struct check_item *it = item_new(b, "dns.mx.targets", -1, -1);
	size_t i, bad = 0, noaddr = 0, warn = 0, limited = 0, capped = 0;
	char e[768] = "";

	if (d->nhosts == 0) {
		set(it, V_SKIP, "MX targets: none to check", NULL, NULL);
		return;
	}
	if (lookup_not_asked(d, &d->mx)) {
		set(it, V_SKIP, "MX targets: no MX lookup (the server was given with -s)",
		    NULL, NULL);
		return;
	}
	for (i = 0; i < d->nfindings; i++) {
		const struct model_finding *f = &d->findings[i];
		size_t n = strlen(e);

		switch (f->kind) {
		case FINDING_MX_TARGET_IP_LITERAL: bad++; break;
		case FINDING_MX_TARGET_NO_ADDRESS: noaddr++; break;
		case FINDING_MX_TARGET_CNAME:
		case FINDING_NULL_MX_MIXED: warn++; break;
		case FINDING_MX_HOSTS_CAPPED:
		case FINDING_HOST_ADDRS_CAPPED: capped++; break;
		default: continue;
		}
		fact(it, "%s", f->detail);
		snprintf(e + n, sizeof e - n, "%s%s.", n ? " " : "", f->detail);
	}
	for (i = 0; i < d->nhosts; i++) {
		if (!d->hosts[i].a.done || !d->hosts[i].aaaa.done) {
			set(it, V_PENDING, "MX targets: resolving", NULL, NULL);
			return;
		}
		if (d->hosts[i].naddrs == 0 && (d->hosts[i].a.status == DNS_LIMITED ||
		                                d->hosts[i].aaaa.status == DNS_LIMITED))
			limited++;
	}
	if (bad == 0 && noaddr > 0 && noaddr <= limited) {
		/* No address known only because the server limits us: our pace. */
		set(it, V_WARN, "MX targets: addresses unknown, the DNS server is limiting "
		    "our queries", dns_failure_words(DNS_LIMITED),
		    "Run again with a lower --dns-rate, or ask another DNS server (--dns).");
		return;
	}
	if (bad == 0 && noaddr == 0 && warn == 0 && capped > 0) {
		set(it, V_WARN, "MX targets: more hosts or addresses than mailflow checks", e,
		    "The domain's DNS admin keeps a few MX hosts with a few addresses "
		    "each: senders try only the first ones, the rest never get mail.");
		return;
	}
	if (bad == 0 && noaddr == 0 && warn == 0) {
		set(it, V_PASS, "MX targets are host names with addresses", NULL, NULL);
		return;
	}
	if (bad > 0 || noaddr == d->nhosts)
		set(it, V_FAIL, noaddr == d->nhosts ? "No MX target has an address"
		    : "An MX target is an IP address", e,
		    "The domain's DNS admin must point every MX record at a host name "
		    "that has an A or AAAA record of its own.");
	else
		set(it, V_WARN, "Some MX targets are wrong", e,
		    "Point every MX record at the mail server's own name (not an alias, "
		    "not an address), with an A/AAAA record.");
}

/* A policy TXT record set: missing (if_missing), failed, several, or one
 * published; the one-record case is the caller's to refine. */
static struct check_item *check_policy(struct builder *b, const struct model_domain *d,
                                       const char *id,
                                       const char *name, const struct model_policy *p,
                                       enum verdict if_missing, const char *missing_expl,
                                       const char *missing_next)
{
	struct check_item *it = item_new(b, id, -1, -1);
	char t[160];
	size_t i;

	if (lookup_not_asked(d, &p->lookup)) {
		fmt(t, sizeof t, "%s: not looked up (the server was given with -s)", name);
		set(it, V_SKIP, t, NULL, NULL);
		return it;
	}
	if (!p->lookup.done) {
		fmt(t, sizeof t, "%s: waiting for DNS", name);
		set(it, V_PENDING, t, NULL, NULL);
		return it;
	}
	fact(it, "TXT %s: %s", p->lookup.qname, dns_status_name(p->lookup.status));
	for (i = 0; i < p->nrecords; i++)
		fact(it, "\"%s\"", p->records[i]);
	if (p->lookup.status != DNS_OK && p->lookup.status != DNS_NODATA &&
	    p->lookup.status != DNS_NXDOMAIN) {
		fmt(t, sizeof t, "%s: lookup failed (%s)", name, dns_status_name(p->lookup.status));
		set(it, V_WARN, t, dns_failure_words(p->lookup.status),
		    "Try again, or with another resolver (--dns).");
		return it;
	}
	if (p->nrecords == 0) {
		fmt(t, sizeof t, "%s: none", name);
		set(it, if_missing, t, missing_expl, missing_next);
		return it;
	}
	if (p->nrecords > 1) {
		fmt(t, sizeof t, "%s: %zu records, only one is allowed", name, p->nrecords);
		set(it, V_FAIL, t, "With more than one record receivers cannot tell which "
		    "applies and treat it as an error (SPF: permerror).",
		    "Merge the records into one.");
		return it;
	}
	fmt(t, sizeof t, "%s: published", name);
	set(it, V_PASS, t, NULL, NULL);
	return it;
}

/* How an SPF record ends (RFC 7208 sections 5.1 and 6.1). */
enum spf_final {
	SPF_FINAL_NONE,         /* neither "all" nor redirect=: neutral */
	SPF_FINAL_PASS_ALL,     /* "all" or "+all": every server passes */
	SPF_FINAL_OTHER,        /* "-all", "~all", "?all" or redirect= */
};

/* Reads the record's terms, not its substrings: "include:allmail.example"
 * is no "all" rule. The first "all" ends the evaluation, as it does for a
 * receiver; a redirect= only counts without one. */
static enum spf_final spf_final_of(const char *rec)
{
	enum spf_final final = SPF_FINAL_NONE;
	const char *p = rec;
	size_t n;

	for (;;) {
		while (text_is_blank((unsigned char)*p))
			p++;
		for (n = 0; p[n] != '\0' && !text_is_blank((unsigned char)p[n]); n++)
			;
		if (n == 0)
			return final;
		if (text_equal_ci(p, n, "all") || text_equal_ci(p, n, "+all"))
			return SPF_FINAL_PASS_ALL;
		if (text_equal_ci(p, n, "-all") || text_equal_ci(p, n, "~all") ||
		    text_equal_ci(p, n, "?all"))
			return SPF_FINAL_OTHER;
		if (n > 9 && text_equal_ci(p, 9, "redirect="))
			final = SPF_FINAL_OTHER;
		p += n;
	}
}

static void check_spf(struct builder *b, const struct model_domain *d)
{
	struct check_item *it;
	enum spf_final final;

	it = check_policy(b, d, "dns.spf", "SPF", &d->spf, V_WARN,
	                  "Without SPF, receivers cannot tell which servers may send mail "
	                  "for this domain; its mail is more likely to be marked as spam.",
	                  "Publish a TXT record \"v=spf1 mx -all\" (adjusted to the servers "
	                  "that really send for the domain).");
	if (it->verdict != V_PASS)
		return;
	final = spf_final_of(d->spf.records[0]);
	if (final == SPF_FINAL_PASS_ALL) {
		set(it, V_WARN, "SPF: allows every server (+all)",
		    "\"+all\" says any server on the internet may send as this domain: "
		    "the record protects nothing.", "Replace +all with -all or ~all.");
	} else if (final == SPF_FINAL_NONE) {
		set(it, V_INFO, "SPF: published, without an \"all\" rule",
		    "Without a final all rule, mail from unlisted servers gets a "
		    "neutral result.", "End the record with -all or ~all.");
	}
}

/* Does the DMARC record (RFC 7489 section 6.3: "tag=value" pairs split by
 * ';') give tag the value? By tag, so "sp=none" is not "p=none". */
static bool dmarc_tag_is(const char *rec, const char *tag, const char *value)
{
	const char *p = rec;

	while (*p != '\0') {
		const char *end = strchr(p, ';'), *eq;
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p), vn;

		while (n > 0 && text_is_blank((unsigned char)*p)) {
			p++;
			n--;
		}
		eq = memchr(p, '=', n);
		if (eq != NULL) {
			size_t tn = (size_t)(eq - p);
			const char *v = eq + 1;

			while (tn > 0 && text_is_blank((unsigned char)p[tn - 1]))
				tn--;
			vn = n - (size_t)(v - p);
			while (vn > 0 && text_is_blank((unsigned char)*v)) {
				v++;
				vn--;
			}
			while (vn > 0 && text_is_blank((unsigned char)v[vn - 1]))
				vn--;
			if (text_equal_ci(p, tn, tag))
				return text_equal_ci(v, vn, value);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

static void check_dmarc(struct builder *b, const struct model_domain *d)
{
	struct check_item *it;

	it = check_policy(b, d, "dns.dmarc", "DMARC", &d->dmarc, V_WARN,
	                  "Without DMARC, receivers have no policy for mail that fails "
	                  "SPF and DKIM, and big providers increasingly reject such mail.",
	                  "Publish _dmarc TXT \"v=DMARC1; p=none; rua=mailto:...\" to start "
	                  "with reports, then tighten the policy.");
	if (it->verdict == V_PASS && dmarc_tag_is(d->dmarc.records[0], "p", "none"))
		set(it, V_INFO, "DMARC: published, monitoring only (p=none)",
		    "The policy asks receivers to deliver failing mail anyway and only "
		    "report it.", "When the reports look clean, move to p=quarantine.");
}

/* The TLSA records of a host as DANE reads them: the validator's RRset
 * once it is secure, else what the user's resolver returned. */
static const struct model_tlsa *host_tlsa(const struct model_host *h, size_t *n)
{
	if (h->tlsa_dnssec.status == DNSSEC_SECURE) {
		*n = h->ndane_tlsa;
		return h->dane_tlsa;
	}
	*n = h->ntlsa;
	return h->tlsa_records;
}

/* One fact per record: its parameters, the start of its data, and
 * whether SMTP DANE can use it (tls_dane_record_usable, the rule that
 * decided what OpenSSL was given). */
static void tlsa_facts(struct check_item *it, const struct model_host *h)
{
	unsigned char data[DNS_TLSA_DATA_MAX];
	char why[160];
	size_t i, n, len;
	const struct model_tlsa *t = host_tlsa(h, &n);

	for (i = 0; i < n && it->nfacts < CHECK_EVIDENCE_MAX; i++) {
		int ok = tls_dane_record_usable(&t[i], data, &len, why, sizeof why);

		fact(it, "TLSA _25._tcp.%.120s %u %u %u %.16s...: %s%.100s", h->name, t[i].usage,
		     t[i].selector, t[i].mtype, t[i].data_hex, ok ? "usable" : "unusable: ",
		     ok ? "" : why);
	}
}

/* ---- dns.dnssec: the domain's answers as a validating resolver sees them */

/* The worst of the validator's answers for the domain's mail plan (bogus
 * before indeterminate before pending), and where it was. */
struct dnssec_tally {
	size_t answers, secure, insecure, bogus, indeterminate, pending;
	const struct model_dnssec *worst;
	char worst_name[DNS_NAME_MAX + 24];
};

static void dnssec_count(struct dnssec_tally *t, const struct model_dnssec *v,
                         const char *what, const char *name)
{
	static const int rank[] = {
		[DNSSEC_UNCHECKED] = 0, [DNSSEC_SECURE] = 0, [DNSSEC_INSECURE] = 0,
		[DNSSEC_PENDING] = 1, [DNSSEC_INDETERMINATE] = 2, [DNSSEC_BOGUS] = 3,
	};

	if (v->status == DNSSEC_UNCHECKED)
		return;
	t->answers++;
	t->secure += v->status == DNSSEC_SECURE;
	t->insecure += v->status == DNSSEC_INSECURE;
	t->bogus += v->status == DNSSEC_BOGUS;
	t->indeterminate += v->status == DNSSEC_INDETERMINATE;
	t->pending += v->status == DNSSEC_PENDING;
	if (rank[v->status] > 0 && (t->worst == NULL || rank[v->status] > rank[t->worst->status])) {
		t->worst = v;
		fmt(t->worst_name, sizeof t->worst_name, "%s %.200s", what, name);
	}
}

static void dnssec_facts(struct check_item *it, const struct model_domain *d,
                         struct dnssec_tally *t)
{
	size_t i;

	fact(it, "validator: %s, trust anchor %.180s",
	     d->dnssec_mode == DNSSEC_MODE_RECURSE ? "full recursion from the root"
	     : d->dnssec_mode == DNSSEC_MODE_FORWARD ? "the resolvers as forwarders"
	     : d->dnssec_mode == DNSSEC_MODE_UNAVAILABLE ? "the resolvers named, which "
	       "pass no DNSSEC" : "none", d->dnssec_anchor != NULL ? d->dnssec_anchor : "none");
	if (d->dnssec_mode == DNSSEC_MODE_RECURSE && d->dnssec_mode_why != NULL)
		fact(it, "recursion because %.200s", d->dnssec_mode_why);
	dnssec_count(t, &d->mx_dnssec, "MX", d->target.domain);
	fact(it, "MX %.200s: %s%s%.200s", d->target.domain,
	     dnssec_status_name(d->mx_dnssec.status), d->mx_dnssec.why[0] ? ": " : "",
	     d->mx_dnssec.why);
	for (i = 0; i < d->nhosts; i++) {
		const struct model_host *h = &d->hosts[i];
		char tl[DNS_NAME_MAX + 16];

		fmt(tl, sizeof tl, "_25._tcp.%.240s", h->dane_base[0] ? h->dane_base : h->name);
		dnssec_count(t, &h->a_dnssec, "A", h->name);
		dnssec_count(t, &h->aaaa_dnssec, "AAAA", h->name);
		dnssec_count(t, &h->tlsa_dnssec, "TLSA", tl);
		fact(it, "%.200s: A %s, AAAA %s, TLSA %s", h->name,
		     dnssec_status_name(h->a_dnssec.status),
		     dnssec_status_name(h->aaaa_dnssec.status),
		     dnssec_status_name(h->tlsa_dnssec.status));
	}
}

/* dns.dnssec: whether the MX records (and the hosts' addresses and TLSA)
 * are signed and valid, by the in-process validator (dnssec.c). */
static void check_dnssec(struct builder *b, const struct model_domain *d)
{
	struct check_item *it = item_new(b, "dns.dnssec", -1, -1);
	struct dnssec_tally t = { 0 };
	char title[160], e[512];

	if (lookup_not_asked(d, &d->mx)) {
		set(it, V_SKIP, "DNSSEC: not checked (no MX lookup with -s)", NULL, NULL);
		return;
	}
	dnssec_facts(it, d, &t);
	if (t.pending > 0) {
		set(it, V_PENDING, "DNSSEC: waiting for the validator", NULL, NULL);
	} else if (d->mx_dnssec.status == DNSSEC_UNCHECKED &&
	           d->dnssec_mode == DNSSEC_MODE_UNAVAILABLE) {
		set(it, V_SKIP, "DNSSEC: not checked (the resolvers given pass no DNSSEC)",
		    NULL, "Name a resolver that passes DNSSEC through with --dns, or run "
		    "without --dns so that mailflow asks the root servers itself.");
		fmt(it->explanation, sizeof it->explanation, "The validator asks only the "
		    "servers named with --dns, and %.200s: no chain of trust can be built.",
		    d->mx_dnssec.why);
	} else if (d->mx_dnssec.status == DNSSEC_UNCHECKED) {
		fmt(title, sizeof title, "DNSSEC: not checked (%.150s)",
		    d->mx_dnssec.why[0] ? d->mx_dnssec.why : "no validator");
		set(it, V_SKIP, title, NULL, NULL);
	} else if (t.bogus > 0) {
		fmt(title, sizeof title, "DNSSEC: %.120s fails validation (bogus)", t.worst_name);
		set(it, V_FAIL, title, NULL, "Re-sign the zone (signatures expired, a key "
		    "rolled without updating the DS at the parent) and check it with a "
		    "DNSSEC debugger such as DNSViz.");
		fmt(e, sizeof e, "The validator says: %.250s. Validating resolvers (Google, "
		    "Cloudflare, Quad9, most providers) answer SERVFAIL for a bogus name, "
		    "so senders that use them cannot deliver to it.", t.worst->why);
		snprintf(it->explanation, sizeof it->explanation, "%s", e);
	} else if (t.indeterminate > 0) {
		fmt(title, sizeof title, "DNSSEC: %.100s could not be validated (%.80s)",
		    t.worst_name, t.worst->why);
		set(it, V_WARN, title, "The validator could not decide whether the answer is "
		    "signed: no chain of trust could be built from the trust anchor, or it "
		    "got no answer in time.", "Run again; if it stays, check the zone's DS "
		    "and DNSKEY records and the resolver used (-v shows it).");
	} else if (d->mx_dnssec.status == DNSSEC_INSECURE) {
		set(it, V_INFO, "DNSSEC: the domain is not signed", "Answers about this "
		    "domain are not signed, so they could be forged on the way and DANE "
		    "cannot protect its mail; most domains are not signed yet.",
		    "To use DANE, sign the zone at the DNS provider and publish its DS "
		    "record at the registrar.");
	} else if (t.insecure > 0) {
		fmt(title, sizeof title, "DNSSEC: the MX records are signed and valid; %zu "
		    "host answer%s not signed", t.insecure, t.insecure == 1 ? " is" : "s are");
		set(it, V_PASS, title, "Hosts in an unsigned zone cannot use DANE (host.dane "
		    "says which).", NULL);
	} else {
		set(it, V_PASS, "DNSSEC: signed and valid (MX, addresses, TLSA)", NULL, NULL);
	}
}

/* dns.tlsa: the records and what the validator says of them; whether a
 * certificate matches is host.dane's. */
static void check_tlsa(struct builder *b, const struct model_domain *d)
{
	struct check_item *it = item_new(b, "dns.tlsa", -1, -1);
	size_t i, n, with = 0, asked = 0, secure = 0, insecure = 0, bogus = 0, pending = 0;

	for (i = 0; i < d->nhosts; i++) {
		const struct model_host *h = &d->hosts[i];
		enum model_dnssec_status st = h->tlsa_dnssec.status;

		if (h->tlsa.done) {
			asked++;
		} else if (!d->complete) {
			set(it, V_PENDING, "DANE: waiting for DNS (TLSA)", NULL, NULL);
			return;
		}
		pending += st == DNSSEC_PENDING;
		bogus += st == DNSSEC_BOGUS;
		host_tlsa(h, &n);
		if (n == 0 && st != DNSSEC_BOGUS && h->dane_tlsa_dropped == 0)
			continue;
		with++;
		secure += st == DNSSEC_SECURE;
		insecure += st == DNSSEC_INSECURE;
		fact(it, "TLSA _25._tcp.%.200s: %zu record%s, DNSSEC %s",
		     st == DNSSEC_SECURE && h->dane_base[0] ? h->dane_base : h->name, n,
		     n == 1 ? "" : "s", dnssec_status_name(st));
		/* What the validator's RRset held that could not be kept or used
		 * (a record too short, past the bound, a digest of the wrong
		 * length): said, never silently dropped. */
		if (st == DNSSEC_SECURE && h->dane_tlsa_problem[0] != '\0')
			fact(it, "TLSA _25._tcp.%.120s: %zu record%s dropped; %.120s", h->name,
			     h->dane_tlsa_dropped, h->dane_tlsa_dropped == 1 ? "" : "s",
			     h->dane_tlsa_problem);
		tlsa_facts(it, h);
	}
	if (pending > 0) {
		set(it, V_PENDING, "DANE: waiting for the DNSSEC validator (TLSA)", NULL, NULL);
	} else if (with == 0 && asked == 0 && lookup_not_asked(d, &d->mx)) {
		set(it, V_SKIP, "DANE: no TLSA lookup (the address was given with -s)",
		    NULL, NULL);
	} else if (bogus > 0) {
		set(it, V_FAIL, "DANE: TLSA records fail DNSSEC validation (bogus)",
		    "The signatures of the TLSA records do not validate: senders that "
		    "use DANE cannot trust them and do not deliver to that host.",
		    "Re-sign the zone (expired signatures, a wrong DS at the parent) "
		    "and check it with a DNSSEC debugger.");
	} else if (with == 0) {
		set(it, V_INFO, "DANE: no TLSA records",
		    "No MX host publishes TLSA records, so DANE-aware senders use "
		    "ordinary opportunistic TLS.", NULL);
	} else if (insecure > 0) {
		set(it, V_WARN, "DANE: TLSA records in a zone that is not signed",
		    "TLSA records count only when DNSSEC signs them: these are ignored "
		    "by senders: the zone is not signed.",
		    "Sign the zone with DNSSEC (and publish the DS at the parent), or "
		    "remove the TLSA records.");
	} else if (secure == with) {
		set(it, V_PASS, "DANE: TLSA records published and DNSSEC-signed",
		    "Whether each host's certificate matches them is in host.dane.", NULL);
	} else {
		set(it, V_INFO, "DANE: TLSA records published, DNSSEC not checked",
		    "These records were not validated with DNSSEC, so they cannot be "
		    "judged as a DANE sender would.", NULL);
	}
}

/* ---- per address -------------------------------------------------------- */

static bool internal_name(const char *name)
{
	static const char *const tails[] = { ".local", ".lan", ".internal",
	                                     ".localdomain", ".corp", ".home" };
	size_t n = strlen(name), i;

	if (strcasecmp(name, "localhost") == 0 || strchr(name, '.') == NULL)
		return true;
	for (i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		size_t t = strlen(tails[i]);

		if (n > t && strcasecmp(name + n - t, tails[i]) == 0)
			return true;
	}
	return false;
}

static void check_ptr(struct builder *b, const struct model_domain *d, long hi, long ai,
                      const struct model_address *a)
{
	struct check_item *it = item_new(b, "host.ptr", hi, ai);
	char t[160];

	if (lookup_not_asked(d, &a->ptr)) {
		set(it, V_SKIP, "Reverse DNS: not looked up (the address was given with -s)",
		    NULL, NULL);
		return;
	}
	if (a->ptr.done && a->ptr.status != DNS_OK && a->ptr.status != DNS_NODATA &&
	    a->ptr.status != DNS_NXDOMAIN) {
		fmt(t, sizeof t, "Reverse DNS: lookup failed (%s)", dns_status_name(a->ptr.status));
		set(it, V_WARN, t, dns_failure_words(a->ptr.status),
		    "Try again, or with another resolver (--dns).");
		return;
	}
	if (!a->ptr.done || a->fcrdns == -1) {
		set(it, V_PENDING, "Reverse DNS: looking up", NULL, NULL);
		return;
	}
	fact(it, "PTR %s: %s%s", a->addr, a->nptr ? a->ptr_names[0] : "",
	     a->nptr ? "" : dns_status_name(a->ptr.status));
	if (a->fcrdns == 1) {
		fmt(t, sizeof t, "Reverse DNS: %s (confirmed)", a->ptr_names[0]);
		set(it, V_PASS, t, NULL, NULL);
	} else if (a->nptr == 0) {
		set(it, V_WARN, "Reverse DNS: no PTR record",
		    "The address has no name in reverse DNS. Receivers often distrust "
		    "or reject mail from such servers when this host also sends mail.",
		    "Ask whoever owns the address (hosting provider or ISP) to set a PTR "
		    "record naming the mail server.");
	} else {
		fmt(t, sizeof t, "Reverse DNS: %s does not point back", a->ptr_names[0]);
		set(it, V_WARN, t,
		    "The PTR name does not resolve back to this address (no forward "
		    "confirmation), which many receivers check on sending servers.",
		    "Give the PTR name an A/AAAA record with this address, or change "
		    "the PTR to the server's real name.");
	}
}

static void check_connect(struct builder *b, long hi, long ai, const struct model_session *s)
{
	struct check_item *it = item_new(b, "host.connect", hi, ai);
	const struct model_step *st = &s->steps[STEP_CONNECT];
	char t[160];

	evidence(it, st);
	if (st->state == STEP_RUNNING || st->state == STEP_NOT_RUN) {
		set(it, V_PENDING, "Connecting", NULL, NULL);
		return;
	}
	if (st->state == STEP_OK) {
		fmt(t, sizeof t, "Connected to port %u in %llu ms", s->port,
		    (unsigned long long)st->ms);
		set(it, V_PASS, t, NULL, NULL);
		return;
	}
	fact(it, "%s", st->detail);
	switch (s->conn_error) {
	case CONN_REFUSED:
		fmt(t, sizeof t, "Connection refused on port %u", s->port);
		set(it, V_FAIL, t, "The host answered but refused the connection: no "
		    "mail server listens on this port, or a firewall rejects it.",
		    "Check that the mail service runs on this host and that port 25 "
		    "is open to the internet.");
		break;
	case CONN_TIMEOUT:
		fmt(t, sizeof t, "No answer on port %u (timeout)", s->port);
		set(it, V_FAIL, t, "The connection attempt got no answer at all: a "
		    "firewall drops it, the host is down, or your own network or ISP "
		    "blocks outgoing port 25 (common on home and office lines).",
		    "Try from another network (a server, not an office PC); if it "
		    "works there, your side blocks port 25. Otherwise check the "
		    "receiving firewall.");
		break;
	case CONN_UNREACHABLE:
		set(it, V_FAIL, "Host unreachable", "There is no route to the address: "
		    "a network or routing problem, or an address that is not in use.",
		    "Check that the MX address is correct and reachable (traceroute).");
		break;
	default:
		set(it, V_FAIL, "Connection failed", st->detail,
		    "Try again; if it persists, check the network path.");
		break;
	}
}

/*
 * A greeting that came late (README "Verdicts"): over
 * DEFAULT_GREET_DELAY_INFO_MS it is info, over DEFAULT_GREET_DELAY_WARN_MS
 * a warn, with the number. Measured from the TCP connect to the end of the
 * 220 (banner_ms). An item already a warn (an internal name) keeps its
 * title and gets the delay as words.
 */
static void banner_delay(struct check_item *it, const struct model_session *s)
{
	double secs = (double)s->banner_ms / 1000.0;
	bool warn = s->banner_ms > DEFAULT_GREET_DELAY_WARN_MS;
	size_t n = strlen(it->explanation);

	if (s->banner_ms <= DEFAULT_GREET_DELAY_INFO_MS)
		return;
	fact(it, "greeting delay: %.1f s after the connect", secs);
	if (it->verdict != V_WARN) {
		fmt(it->title, sizeof it->title, "Banner 220 after %.1f s: a greeting "
		    "delay", secs);
		it->verdict = warn ? V_WARN : V_INFO;
	}
	snprintf(it->explanation + n, sizeof it->explanation - n, "%sThe server "
	         "greeted %.1f s after the connection. Greet-pause / tarpitting "
	         "is deliberate on some servers; senders wait up to 5 minutes "
	         "(RFC 5321 §4.5.3.2).", n ? " " : "", secs);
	if (warn && it->next[0] == '\0')
		snprintf(it->next, sizeof it->next, "%s", "Nothing to fix if mail "
		         "arrives; if senders or proxies report timeouts, shorten "
		         "the greeting delay.");
}

/* A greeting that came: its name against PTR and against internal
 * naming, then its delay. */
static void banner_greeting(struct check_item *it, const struct model_address *a,
                            const struct model_session *s)
{
	const char *p = s->steps[STEP_BANNER].text;
	char t[160], name[256];
	size_t n = 0;

	fmt(t, sizeof t, "Banner 220 in %llu ms", (unsigned long long)s->banner_ms);
	set(it, V_PASS, t, NULL, NULL);
	while (p[n] != '\0' && p[n] != ' ' && n < sizeof name - 1) {
		name[n] = p[n];
		n++;
	}
	name[n] = '\0';
	fact(it, "banner name: %s", name);
	if (n > 0 && internal_name(name)) {
		fmt(t, sizeof t, "Banner names an internal host: %s", name);
		set(it, V_WARN, t, "The greeting shows an internal or unqualified "
		    "name; it leaks internal naming and some receivers' checks "
		    "compare it with DNS.", "Set the server's public FQDN as its "
		    "banner/host name (Exchange: the receive connector's FQDN).");
	} else if (n > 0 && a->nptr > 0 && strcasecmp(name, a->ptr_names[0]) != 0) {
		fact(it, "PTR: %s", a->ptr_names[0]);
		it->verdict = V_INFO;
		fmt(it->title, sizeof it->title, "Banner 220 as %s (PTR says %s)",
		    name, a->ptr_names[0]);
		snprintf(it->explanation, sizeof it->explanation, "%s",
		         "The name in the greeting differs from the address's "
		         "PTR name. Harmless for receiving; for a sending server "
		         "keep HELO name, PTR and A record in agreement.");
	}
	banner_delay(it, s);
}

static void check_banner(struct builder *b, long hi, long ai,
                         const struct model_address *a, const struct model_session *s)
{
	struct check_item *it = item_new(b, "host.banner", hi, ai);
	const struct model_step *st = &s->steps[STEP_BANNER];
	char t[160];

	evidence(it, st);
	switch (st->state) {
	case STEP_NOT_RUN:
	case STEP_SKIPPED:
		set(it, s->done ? V_SKIP : V_PENDING, s->done ? "Banner: not reached"
		    : "Waiting for the banner", NULL, NULL);
		return;
	case STEP_RUNNING:
		set(it, V_PENDING, "Waiting for the banner", NULL, NULL);
		return;
	case STEP_FAILED:
		if (st->fail == FAIL_TIMEOUT)
			set(it, V_FAIL, "No banner: the server accepted the connection "
			    "but said nothing",
			    "A server that answers TCP but never greets is usually a tarpit "
			    "(anti-spam delay), an overloaded server, or a proxy/firewall "
			    "that holds the connection. Greeting delays of 15-60 s are real.",
			    "Retry with a longer wait (--banner-timeout 90); if still silent, "
			    "the receiving admin must check the mail service and any SMTP "
			    "proxy or firewall inspection in front of it.");
		else
			set(it, V_FAIL, "The connection ended before the banner", st->detail,
			    "The receiving server drops connections: check its logs, its "
			    "connection limits and any blocklist of your address.");
		return;
	case STEP_REJECTED:
		judge_reply(it, s, STEP_BANNER, "Greeting");
		fmt(t, sizeof t, "Banner %s: %d%s%s", it->verdict == V_WARN
		    ? "defers the session (temporary)" : "refuses the session", st->code,
		    st->enhanced[0] ? " " : "", st->enhanced);
		snprintf(it->title, sizeof it->title, "%s", t);
		return;
	case STEP_OK:
		banner_greeting(it, a, s);
		explain_reply(it, s, STEP_BANNER, false);
		return;
	}
}

/* Appends one fact to an EHLO facts line: its words when present, "no
 * WORD" when missing and missing ones are asked for. */
static void ehlo_word(char *buf, size_t size, size_t *n, bool present,
                      bool with_missing, const char *word)
{
	int w;

	if (!present && !with_missing)
		return;
	if (*n >= size)
		return;
	w = snprintf(buf + *n, size - *n, "%s%s%s", *n ? ", " : "",
	             present ? "" : "no ", word);
	if (w > 0)
		*n += (size_t)w;
}

/* The mechanisms of the AUTH line, made safe and cut; from the bitmask
 * when only the old "AUTH=" form was there. */
static void ehlo_auth_words(const struct ehlo *e, char *buf, size_t size)
{
	size_t i, n;

	for (i = 0; i < e->nitems; i++)
		if (strcmp(e->items[i].keyword, "AUTH") == 0) {
			n = strnlen(e->items[i].params, sizeof e->items[i].params);
			snprintf(buf, size, "AUTH ");
			text_sanitize(e->items[i].params, n > 80 ? 80 : n, buf + 5, size - 5);
			if (n == 0)
				snprintf(buf, size, "AUTH (no mechanism listed)");
			return;
		}
	snprintf(buf, size, "AUTH%s%s%s%s%s", e->auth & AUTH_PLAIN ? " PLAIN" : "",
	         e->auth & AUTH_LOGIN ? " LOGIN" : "", e->auth & AUTH_CRAM_MD5 ? " CRAM-MD5" : "",
	         e->auth & AUTH_XOAUTH2 ? " XOAUTH2" : "", e->auth & AUTH_OTHER ? " ..." : "");
}

const char *checklist_ehlo_facts(const struct model_session *s, bool with_missing,
                                 char *buf, size_t size)
{
	const struct ehlo *e = &s->ehlo;
	char w[160];
	size_t n = 0;

	buf[0] = '\0';
	if (!s->ehlo_done || s->used_helo)
		return buf;
	if (e->exts & EHLO_SIZE && e->size > 0)
		snprintf(w, sizeof w, "SIZE %.1f MB", (double)e->size / 1e6);
	else
		snprintf(w, sizeof w, "SIZE%s", e->exts & EHLO_SIZE ? " (no limit given)" : "");
	ehlo_word(buf, size, &n, e->exts & EHLO_SIZE, with_missing, w);
	ehlo_word(buf, size, &n, e->exts & EHLO_8BITMIME, with_missing, "8BITMIME");
	ehlo_word(buf, size, &n, e->exts & EHLO_SMTPUTF8, with_missing, "SMTPUTF8");
	ehlo_word(buf, size, &n, e->exts & EHLO_CHUNKING, with_missing, "CHUNKING");
	ehlo_word(buf, size, &n, e->exts & EHLO_PIPELINING, with_missing, "PIPELINING");
	ehlo_word(buf, size, &n, e->exts & EHLO_DSN, with_missing, "DSN");
	if (e->exts & EHLO_AUTH)
		ehlo_auth_words(e, w, sizeof w);
	else
		snprintf(w, sizeof w, "AUTH");
	ehlo_word(buf, size, &n, e->exts & EHLO_AUTH, with_missing, w);
	ehlo_word(buf, size, &n, e->exts & EHLO_REQUIRETLS, with_missing, "REQUIRETLS");
	/* The last EHLO came after TLS, which lists no STARTTLS any more. */
	ehlo_word(buf, size, &n, s->tls_implicit || s->starttls_offered ||
	          (e->exts & EHLO_STARTTLS), with_missing,
	          s->tls_implicit ? "TLS on connect" : "STARTTLS");
	return buf;
}

static void check_ehlo(struct builder *b, long hi, long ai, const struct model_session *s)
{
	struct check_item *it = item_new(b, "host.ehlo", hi, ai);
	const struct model_step *st = &s->steps[STEP_EHLO];
	char t[160], e[256];

	evidence(it, st);
	if (st->state == STEP_NOT_RUN || st->state == STEP_RUNNING) {
		set(it, s->done ? V_SKIP : V_PENDING, "EHLO: not reached", NULL, NULL);
		return;
	}
	if (st->state == STEP_SKIPPED) {
		set(it, V_SKIP, st->reason == REASON_QUIT_AFTER ? "EHLO: not tried: the "
		    "session stopped before it" : "EHLO: not tried", NULL, NULL);
		return;
	}
	if (st->state == STEP_FAILED) {
		judge_no_reply(it, st, "EHLO");
		return;
	}
	if (st->state != STEP_OK) {
		judge_reply(it, s, STEP_EHLO, "EHLO");
		return;
	}
	if (s->used_helo) {
		set(it, V_WARN, "EHLO refused, HELO accepted: no ESMTP",
		    "The server only speaks old SMTP: no STARTTLS, no size limit, no "
		    "8-bit, no delivery notices.", "Upgrade or reconfigure the mail server.");
		return;
	}
	/* What the server offers, by name, in the title every view shows;
	 * what it lacks too in the evidence. */
	checklist_ehlo_facts(s, false, e, sizeof e);
	fmt(t, sizeof t, "EHLO accepted%s%.140s", e[0] ? ": " : "", e);
	set(it, V_PASS, t, NULL, NULL);
	explain_reply(it, s, STEP_EHLO, false);
	fact(it, "extensions: %.200s", checklist_ehlo_facts(s, true, e, sizeof e));
	if (s->ehlo.exts & EHLO_SIZE)
		fact(it, "SIZE %llu bytes", (unsigned long long)s->ehlo.size);
}

/*
 * A step left out on purpose by the user: an option (--tls off, no
 * --auth-user, no --send...) or the session stopped before it
 * (--quit-after, the hand-over to manual mode). Such a step is skip, never
 * a finding about the server. Decided on the reason smtp.c gave, never on
 * the step's detail, which is for people only.
 */
static bool skipped_by_user(const struct model_step *st)
{
	return st->state == STEP_SKIPPED &&
	       (st->reason == REASON_BY_OPTION || st->reason == REASON_QUIT_AFTER);
}

/* The server offers no STARTTLS: skipped for that (TLS optional), or
 * failed for it (--tls require). Not a step the user left out. */
static bool starttls_missing(const struct model_step *st)
{
	return (st->state == STEP_SKIPPED && !skipped_by_user(st)) ||
	       (st->state == STEP_FAILED && st->reason == REASON_POLICY);
}

/* STARTTLS skipped: by the user, or because the server does not offer it. */
static void starttls_skipped(struct check_item *it, const struct model_session *s,
                             const struct model_step *st, bool mta_sts)
{
	if (st->reason == REASON_NOT_OFFERED && s->ehlo.cut) {
		set(it, V_WARN, "STARTTLS not seen: the EHLO reply was cut, it may lie past the cut",
		    "The server's EHLO reply has more lines than mailflow keeps (100), "
		    "so STARTTLS may be offered after the cut; no real server sends "
		    "that many, which is a fault of its own.",
		    "Look at the server's EHLO reply by hand (mailflow --manual), and "
		    "have its admin trim the extension list.");
	} else if (st->reason == REASON_BY_OPTION) {
		set(it, V_SKIP, "STARTTLS not tried (--tls off)", NULL, NULL);
	} else if (st->reason == REASON_QUIT_AFTER) {
		set(it, V_SKIP, "STARTTLS not tried: the session stopped before it", NULL, NULL);
	} else {
		set(it, mta_sts ? V_FAIL : V_WARN, "STARTTLS not offered",
		    "The server does not offer encryption: mail to it crosses the "
		    "internet in plain text, and senders that require TLS "
		    "(MTA-STS, DANE, many banks and providers) will not deliver.",
		    "Enable STARTTLS on the server with a valid certificate for its "
		    "MX name.");
	}
}

/* STARTTLS refused or failed: injection, handshake, our TLS requirement,
 * or the server's refusal. */
static void starttls_failed(struct check_item *it, const struct model_session *s,
                            const struct model_step *st)
{
	bool v6 = strchr(s->host, ':') != NULL;

	if (s->tls_injection) {
		set(it, V_FAIL, "STARTTLS: plaintext injected after the 220",
		    "The server (or something in between) sent more data after "
		    "\"220 ready to start TLS\". Such bytes would be taken as if they "
		    "came encrypted: a command-injection flaw (CVE-2011-0411 class).",
		    "Update the mail server or the middlebox in front of it.");
	} else if (st->fail == FAIL_TLS) {
		set(it, V_FAIL, "TLS handshake failed", st->detail, NULL);
		/* Implicit TLS (465) speaks TLS first: s_client without
		 * -starttls, or it would wait for a banner that never comes. */
		fmt(it->next, sizeof it->next, "Check the server's TLS configuration: "
		    "certificate, key, enabled protocols and ciphers (openssl s_client "
		    "%s-connect %s%.120s%s:%u).", s->tls_implicit ? "" : "-starttls smtp ",
		    v6 ? "[" : "", s->host, v6 ? "]" : "", s->port);
	} else if (st->reason == REASON_POLICY) {
		set(it, V_FAIL, "STARTTLS not offered, and TLS is required", st->detail,
		    "Enable STARTTLS on the server.");
	} else if (st->state == STEP_FAILED && st->reason == REASON_TIMEOUT &&
	           st->code == 220) {
		/* The 220 came: what timed out is the handshake, not a reply. */
		set(it, V_FAIL, "TLS handshake: no answer in time (timeout)",
		    "The server agreed to start TLS (220) but did not finish the TLS "
		    "handshake in time.",
		    "Retry with a longer --timeout; if it repeats, the receiving "
		    "admin checks the server's TLS set-up and anything in front of it "
		    "that may swallow the handshake.");
		snprintf(it->explanation + strlen(it->explanation),
		         sizeof it->explanation - strlen(it->explanation), " %s", st->detail);
	} else if (st->state == STEP_FAILED) {
		judge_no_reply(it, st, "STARTTLS");
	} else {
		judge_reply(it, s, STEP_STARTTLS, "STARTTLS");
	}
}

static void check_starttls(struct builder *b, long hi, long ai, const struct model_session *s,
                           bool mta_sts)
{
	struct check_item *it = item_new(b, "host.starttls", hi, ai);
	const struct model_step *st = &s->steps[STEP_STARTTLS];
	char t[160];

	evidence(it, st);
	switch (st->state) {
	case STEP_NOT_RUN:
	case STEP_RUNNING:
		set(it, s->done ? V_SKIP : V_PENDING, "STARTTLS: not reached", NULL, NULL);
		return;
	case STEP_SKIPPED:
		starttls_skipped(it, s, st, mta_sts);
		return;
	case STEP_OK:
		fmt(t, sizeof t, "%s: %s %s", s->tls_implicit ? "Implicit TLS" : "STARTTLS",
		    s->tls.version, s->tls.cipher);
		set(it, V_PASS, t, NULL, NULL);
		if (!s->tls_implicit)
			explain_reply(it, s, STEP_STARTTLS, false);
		if (strcmp(s->tls.version, "TLSv1") == 0 || strcmp(s->tls.version, "TLSv1.1") == 0) {
			fmt(t, sizeof t, "STARTTLS with an outdated protocol: %s", s->tls.version);
			set(it, V_WARN, t, "TLS 1.0 and 1.1 are deprecated; modern senders "
			    "may refuse them.", "Enable TLS 1.2 and 1.3 on the server.");
		}
		return;
	case STEP_REJECTED:
	case STEP_FAILED:
		starttls_failed(it, s, st);
		return;
	}
}

static void check_cert(struct builder *b, long hi, long ai, const struct model_session *s,
                       bool mta_sts)
{
	struct check_item *it = item_new(b, "host.cert", hi, ai);
	const struct tls_facts *f = &s->tls;
	char t[160];

	evidence(it, &s->steps[STEP_STARTTLS]);
	if (!f->handshake_done) {
		set(it, s->done ? V_SKIP : V_PENDING, "Certificate: no TLS session", NULL, NULL);
		return;
	}
	fact(it, "subject %s", f->subject);
	fact(it, "issuer %s", f->issuer);
	fact(it, "SANs %s", f->sans);
	if (f->days_left < 0)
		fact(it, "expired %s, %ld days ago", f->not_after, -f->days_left);
	else
		fact(it, "valid until %s, %ld days left", f->not_after, f->days_left);
	fact(it, "SHA-256 %s", f->sha256_cert);
	if (s->dane.state == DANE_STATE_MATCH) {
		fmt(t, sizeof t, "Certificate authenticated by DANE (TLSA %u %u %u)",
		    s->dane.usage, s->dane.selector, s->dane.mtype);
		set(it, V_PASS, t, NULL, NULL);
		fmt(it->explanation, sizeof it->explanation, "Senders that use DANE trust "
		    "the DNSSEC-signed TLSA record, not a CA%s%.120s%s", f->chain_ok && f->name_ok
		    ? "; the chain is also trusted by public CAs." : ". Senders without DANE see: ",
		    f->chain_ok && f->name_ok ? "" : !f->chain_ok ? f->verify_error
		    : "a certificate for other names", f->chain_ok && f->name_ok ? "" : ".");
		return;
	}
	if (f->days_left < 0) {
		fmt(t, sizeof t, "The server's certificate expired %ld day%s ago",
		    -f->days_left, f->days_left == -1 ? "" : "s");
		set(it, V_FAIL, t, "The server's own certificate is past its validity "
		    "end: senders that verify certificates refuse to deliver.",
		    "Renew the certificate and reload the mail server.");
	} else if (!f->chain_ok && f->verify_expired && f->verify_depth > 0) {
		fmt(t, sizeof t, "An intermediate certificate expired %ld day%s ago", f->verify_days,
		    f->verify_days == 1 ? "" : "s");
		set(it, mta_sts ? V_FAIL : V_WARN, t, NULL,
		    "Install the current intermediate certificates of the CA with the "
		    "server's certificate (the full chain) and reload the mail server.");
		fmt(it->explanation, sizeof it->explanation, "The server's own "
		    "certificate is valid, but the certificate above it in the chain "
		    "(depth %d: an intermediate, %.200s) expired %ld days ago, so "
		    "verifying senders cannot build a trusted chain.", f->verify_depth,
		    f->verify_subject, f->verify_days);
	} else if (!f->chain_ok) {
		fmt(t, sizeof t, "Certificate not trusted: %s", f->verify_error);
		set(it, mta_sts ? V_FAIL : V_WARN, t,
		    "The chain does not lead to a trusted CA (self-signed, private CA, "
		    "or a missing intermediate). Opportunistic TLS still encrypts, but "
		    "senders that verify (MTA-STS, strict policies) will not deliver.",
		    "Install a certificate from a public CA with its full chain "
		    "(intermediates included); test with --ca-file for a private CA.");
	} else if (!f->name_ok) {
		fmt(t, sizeof t, "Certificate does not name %s%s", s->host,
		    f->name_is_ip ? " (no IP address SAN)" : "");
		set(it, mta_sts ? V_FAIL : V_WARN, t,
		    "The certificate is valid but issued for other names, so verifying "
		    "senders (MTA-STS) cannot match it to the MX host.",
		    "Get a certificate whose SAN includes the MX host name.");
	} else if (f->days_left < 14) {
		fmt(t, sizeof t, "Certificate expires in %ld days", f->days_left);
		set(it, V_WARN, t, "The certificate is valid now but about to expire.",
		    "Renew it now and check that automatic renewal works.");
	} else {
		fmt(t, sizeof t, "Certificate valid for %s, %ld days left", s->host, f->days_left);
		set(it, V_PASS, t, NULL, NULL);
	}
}

/* ---- DANE (RFC 7672) ---------------------------------------------------- */

static const char dane_nodeliver[] = "senders that use DANE will not deliver to this host";

/* How many of the host's validated records SMTP DANE can use. */
static size_t dane_usable(const struct model_host *h, char *why, size_t whysz)
{
	unsigned char data[DNS_TLSA_DATA_MAX];
	char w[160];
	size_t i, len, n = 0;

	why[0] = '\0';
	for (i = 0; i < h->ndane_tlsa; i++) {
		if (tls_dane_record_usable(&h->dane_tlsa[i], data, &len, w, sizeof w))
			n++;
		else if (why[0] == '\0')
			snprintf(why, whysz, "record %zu: %.120s", i + 1, w);
	}
	return n;
}

/* Not secure, one of the two RRsets DANE needs: the verdict, or false
 * when both are secure. */
static bool dane_not_secure(struct check_item *it, const struct model_domain *d,
                            const struct model_host *h, const struct model_session *s)
{
	enum model_dnssec_status mx = d->mx_dnssec.status, tl = h->tlsa_dnssec.status;
	char t[160];

	if (mx == DNSSEC_SECURE && tl == DNSSEC_SECURE)
		return false;
	if (mx == DNSSEC_PENDING || tl == DNSSEC_PENDING) {
		set(it, s != NULL && s->done ? V_SKIP : V_PENDING,
		    "DANE: the DNSSEC validator has not answered", NULL, NULL);
	} else if (tl == DNSSEC_BOGUS || mx == DNSSEC_BOGUS) {
		const struct model_dnssec *x = tl == DNSSEC_BOGUS ? &h->tlsa_dnssec : &d->mx_dnssec;

		fmt(t, sizeof t, "DANE: the %s records fail DNSSEC validation (bogus)",
		    tl == DNSSEC_BOGUS ? "TLSA" : "MX");
		set(it, V_FAIL, t, NULL, "Re-sign the zone (expired signatures, a wrong DS "
		    "at the parent) and check it with a DNSSEC debugger.");
		fmt(it->explanation, sizeof it->explanation, "The validator says: %.300s. "
		    "A bogus answer is an attack or a broken zone to a DANE sender: %s.",
		    x->why[0] ? x->why : "the signatures do not validate", dane_nodeliver);
	} else if (tl == DNSSEC_UNCHECKED || mx == DNSSEC_UNCHECKED) {
		set(it, V_SKIP, lookup_not_asked(d, &d->mx) ?
		    "DANE: not checked (no MX lookup with -s, and DANE starts from the MX records)"
		    : "DANE: not checked (DNSSEC was not validated for these answers)",
		    NULL, NULL);
	} else if (tl == DNSSEC_INDETERMINATE || mx == DNSSEC_INDETERMINATE) {
		set(it, V_WARN, "DANE: DNSSEC could not be decided (indeterminate)",
		    "The validator could build no chain of trust to the answer, so "
		    "senders cannot tell whether the records are signed.",
		    "Check the zone's DS and DNSKEY records and the resolver used.");
	} else if (h->ntlsa > 0 || h->ndane_tlsa > 0) {
		set(it, V_WARN, tl == DNSSEC_INSECURE ?
		    "DANE: TLSA records ignored by senders: the zone is not signed"
		    : "DANE: TLSA records ignored by senders: the MX records are not signed",
		    "DANE needs both the MX records and the TLSA records DNSSEC-signed "
		    "(RFC 7672 section 2.2); without that a sender uses plain "
		    "opportunistic TLS.", "Sign the zone with DNSSEC, or remove the TLSA records.");
	} else {
		set(it, V_INFO, "DANE: no TLSA records (the zone is not signed)", NULL, NULL);
	}
	return true;
}

/* Usable records and no handshake to match them against. */
static void dane_no_tls(struct check_item *it, const struct model_session *s)
{
	const struct model_step *st = &s->steps[STEP_STARTTLS];
	char t[160];

	if (!s->done) {
		set(it, V_PENDING, "DANE: waiting for the TLS handshake", NULL, NULL);
	} else if (skipped_by_user(st)) {
		set(it, V_SKIP, "DANE: not checked (STARTTLS not tried)", NULL, NULL);
	} else if (st->state == STEP_FAILED && st->reason == REASON_TIMEOUT) {
		set(it, V_SKIP, "DANE: not checked (the session timed out before TLS)", NULL,
		    NULL);
	} else if (s->dane.state == DANE_STATE_NONE && s->dane.why[0] != '\0') {
		fmt(t, sizeof t, "DANE: not checked (%.100s)", s->dane.why);
		set(it, V_SKIP, t, NULL, NULL);
	} else {
		set(it, V_FAIL, starttls_missing(st) ? "DANE: TLSA published, but no STARTTLS"
		    : "DANE: TLSA published, but the TLS handshake did not complete", NULL,
		    "Make STARTTLS work on this host with the certificate the TLSA "
		    "records describe.");
		fmt(it->explanation, sizeof it->explanation, "With usable TLSA records, TLS "
		    "is mandatory (RFC 7672 section 2.2): %s.", dane_nodeliver);
	}
}

/* host.dane: the host's certificate against its validated TLSA records,
 * as OpenSSL's DANE code matched them in the handshake (tls.c). */
static void check_host_dane(struct builder *b, const struct model_domain *d, long hi,
                            long ai, const struct model_session *s)
{
	struct check_item *it = item_new(b, "host.dane", hi, ai);
	const struct model_host *h = &d->hosts[hi];
	const struct model_dane *dn = s != NULL ? &s->dane : NULL;
	char t[160], why[160];
	size_t usable;

	fact(it, "MX records: DNSSEC %s", dnssec_status_name(d->mx_dnssec.status));
	fact(it, "TLSA _25._tcp.%.200s: DNSSEC %s", h->name,
	     dnssec_status_name(h->tlsa_dnssec.status));
	if (dane_not_secure(it, d, h, s))
		return;
	tlsa_facts(it, h);
	usable = dane_usable(h, why, sizeof why);
	if (h->ndane_tlsa == 0) {
		set(it, V_INFO, "DANE: no TLSA records", "The zone is signed but publishes "
		    "no TLSA for this host: senders use opportunistic TLS.",
		    "Publish TLSA 3 1 1 for the server's key to protect mail with DANE.");
	} else if (usable == 0) {
		set(it, V_WARN, "DANE: only unusable TLSA records", NULL,
		    "Publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records instead.");
		fmt(it->explanation, sizeof it->explanation, "SMTP DANE uses only usages 2 "
		    "(DANE-TA) and 3 (DANE-EE) with known parameters (RFC 7672 section "
		    "3.1.3); %.200s. Senders require TLS but authenticate nothing.", why);
	} else if (s == NULL) {
		set(it, V_SKIP, "DANE: not checked (no SMTP session)", NULL, NULL);
	} else if (s->port != 25) {
		set(it, V_SKIP, "DANE: not checked (TLSA _25._tcp is for port 25)", NULL, NULL);
	} else if (dn->state == DANE_STATE_MATCH) {
		fmt(t, sizeof t, "DANE: the certificate matches TLSA %u %u %u (record %d, "
		    "depth %d)", dn->usage, dn->selector, dn->mtype, dn->match_index + 1,
		    dn->match_depth);
		set(it, V_PASS, t, dn->name_checked ? "A DANE-TA record: the chain leads to "
		    "the published trust anchor and the certificate names the host "
		    "(RFC 7672 section 3.2)." : "A DANE-EE record: the server's own key or "
		    "certificate, no name or CA needed (RFC 7672 section 3.1.1).", NULL);
	} else if (dn->state == DANE_STATE_NO_MATCH) {
		set(it, V_FAIL, "DANE: no TLSA record matches the certificate", NULL,
		    "Publish TLSA records for the current certificate (or key) before "
		    "changing it, keep the old ones until the change is done.");
		fmt(it->explanation, sizeof it->explanation, "OpenSSL's DANE check: %.200s%s. "
		    "Of %u usable record%s none authenticates the server: %s.", dn->why,
		    dn->name_checked ? " (the certificate does not name the host)" : "",
		    dn->usable, dn->usable == 1 ? "" : "s", dane_nodeliver);
	} else if (dn->state == DANE_STATE_WAITING) {
		set(it, V_PENDING, "DANE: STARTTLS waits for the DNSSEC validator", NULL, NULL);
	} else {
		dane_no_tls(it, s);
	}
}

/* AUTH not offered: decided from the EHLO facts, never the detail. A
 * server that lists STARTTLS but no AUTH in plaintext offers AUTH after
 * TLS (the usual Postfix smtpd_tls_auth_only), so the advice is to start
 * TLS, not another port. */
static void auth_not_offered(struct check_item *it, const struct model_session *s)
{
	if (!s->tls_active && s->starttls_offered && !(s->ehlo.exts & EHLO_AUTH)) {
		set(it, V_WARN, "AUTH not offered without TLS: start TLS first",
		    "The server offers no AUTH on the unencrypted connection but "
		    "offers STARTTLS: most servers list AUTH only after STARTTLS, so "
		    "credentials never travel in plain text.",
		    "Start TLS first: drop --tls off (or use --tls require); "
		    "--allow-plaintext-auth does not help here.");
	} else if ((s->ehlo.exts & EHLO_AUTH) && s->ehlo.auth_cut) {
		set(it, V_WARN, "AUTH not tried: the list of mechanisms was cut",
		    "The server's AUTH line is longer than mailflow keeps (4096 "
		    "bytes), and none of the mechanisms it speaks (PLAIN, LOGIN) is "
		    "in the part kept: they may lie past the cut.",
		    "The receiving admin shortens the AUTH line to the mechanisms "
		    "actually offered; no real server lists more than a handful.");
	} else if (s->ehlo.exts & EHLO_AUTH) {
		set(it, V_WARN, "AUTH not possible: no mechanism mailflow speaks",
		    "The server offers AUTH, but none of the mechanisms mailflow "
		    "speaks (PLAIN, LOGIN).",
		    "Test the login with a client that speaks the offered mechanism.");
	} else {
		set(it, V_WARN, "AUTH not possible: the server does not offer it",
		    "The server lists no AUTH in its EHLO reply on this port.",
		    "Submission usually needs port 587 with STARTTLS (or 465).");
	}
}

static void check_auth(struct builder *b, long hi, long ai, const struct model_session *s)
{
	struct check_item *it = item_new(b, "host.auth", hi, ai);
	const struct model_step *st = &s->steps[STEP_AUTH];

	evidence(it, st);
	switch (st->state) {
	case STEP_OK:
		set(it, V_PASS, "Authenticated", NULL, NULL);
		explain_reply(it, s, STEP_AUTH, false);
		return;
	case STEP_REJECTED:
		judge_reply(it, s, STEP_AUTH, "Login (AUTH)");
		return;
	case STEP_FAILED:
		judge_no_reply(it, st, "Login (AUTH)");
		return;
	case STEP_SKIPPED:
		switch (st->reason) {
		case REASON_BY_OPTION:
			set(it, V_SKIP, "AUTH not asked", NULL, NULL);
			break;
		case REASON_QUIT_AFTER:
			set(it, V_SKIP, "AUTH not tried: the session stopped before it", NULL, NULL);
			break;
		case REASON_POLICY:
			set(it, V_WARN, "AUTH not tried: no TLS", st->detail,
			    "Use --tls require, or --allow-plaintext-auth on a test server only.");
			break;
		default:        /* not offered, or no mechanism mailflow speaks */
			auth_not_offered(it, s);
			break;
		}
		return;
	default:
		set(it, s->done ? V_SKIP : V_PENDING, "AUTH: not reached", NULL, NULL);
		return;
	}
}

/* The steps judged on their reply alone, and how each is worded when it
 * did not run: left out by an option, or made pointless by an earlier
 * refusal (the reason smtp.c gave tells which, never the detail). */
struct reply_step {
	const char *id;
	enum model_step_id step;
	const char *what;
	const char *by_option;          /* its title's end when an option left it out */
	const char *after_refusal;      /* ... when an earlier step was refused */
};

static const struct reply_step reply_steps[] = {
	{ "host.mail", STEP_MAIL, "MAIL FROM", "not asked for",
	  "not tried: an earlier step was refused" },
	{ "host.rcpt", STEP_RCPT, "RCPT TO", "not asked for",
	  "not tried: MAIL FROM was not accepted" },
	{ "host.data", STEP_DATA, "Message (DATA)", "no message sent (--send sends one)",
	  "not sent: the recipient was not accepted" },
};

/* The title of a reply step that was skipped, from its reason. */
static void reply_step_skipped(struct check_item *it, const struct reply_step *rs,
                               const struct model_step *st)
{
	char t[160];
	const char *why;

	switch (st->reason) {
	case REASON_BY_OPTION: why = rs->by_option; break;
	case REASON_EARLIER_STEP: why = rs->after_refusal; break;
	case REASON_QUIT_AFTER: why = "not tried: the session stopped before it"; break;
	default: why = "not tried"; break;
	}
	fmt(t, sizeof t, "%s: %s", rs->what, why);
	set(it, V_SKIP, t, NULL, NULL);
}

/* MAIL, RCPT, DATA: pass on 2xx, warn on 4xx (temporary), fail on 5xx. */
static void check_reply_step(struct builder *b, long hi, long ai,
                             const struct model_session *s, const struct reply_step *rs)
{
	struct check_item *it = item_new(b, rs->id, hi, ai);
	const struct model_step *st = &s->steps[rs->step];
	char t[160];

	evidence(it, st);
	switch (st->state) {
	case STEP_OK:
	case STEP_REJECTED:
		judge_reply(it, s, rs->step, rs->what);
		return;
	case STEP_FAILED:
		judge_no_reply(it, st, rs->what);
		return;
	case STEP_SKIPPED:
		reply_step_skipped(it, rs, st);
		return;
	case STEP_NOT_RUN:
	case STEP_RUNNING:
		fmt(t, sizeof t, "%s: not reached", rs->what);
		set(it, s->done ? V_SKIP : V_PENDING, t, NULL, NULL);
		return;
	}
}

static void check_relay(struct builder *b, long hi, long ai, const struct model_session *s)
{
	struct check_item *it = item_new(b, "host.relay", hi, ai);
	const struct model_step *st = &s->steps[STEP_RELAY];
	char t[160];

	evidence(it, st);
	switch (st->state) {
	case STEP_OK:
		if (s->out_of_step) {
			set(it, V_WARN, "Relay test: not judged, the replies came out of step",
			    "The server sent a reply that answers another command (or one "
			    "nobody asked for), so this 250 may be the answer to the command "
			    "before: an open relay cannot be told from a shifted reply.",
			    "Run the check again; if the replies are out of step again, the "
			    "server (or an SMTP proxy in front of it) breaks the one-reply-"
			    "per-command rule of RFC 5321: its admin should look at it.");
			return;
		}
		if (s->authenticated) {
			set(it, V_INFO, "Relays for this authenticated user",
			    "Accepting outside recipients after AUTH is how submission works.",
			    NULL);
			return;
		}
		fmt(t, sizeof t, "Open relay: outside recipient accepted (%d%s%s)",
		    st->code, st->enhanced[0] ? " " : "", st->enhanced);
		set(it, V_FAIL, t,
		    "The server accepted mail for a domain that is not its own from an "
		    "anonymous sender: spammers will use it and blocklists will list it.",
		    "Restrict relaying to authenticated users and your own networks "
		    "(Postfix: reject_unauth_destination; Exchange: remove \"Anonymous "
		    "users\" relay permission from the internet receive connector).");
		explain_reply(it, s, STEP_RELAY, false);
		return;
	case STEP_REJECTED:
		fmt(t, sizeof t, "Relay refused: %d%s%s", st->code,
		    st->enhanced[0] ? " " : "", st->enhanced);
		set(it, V_PASS, t, "The server refuses to pass mail for outside "
		    "domains from an anonymous sender, as it should.", NULL);
		explain_reply(it, s, STEP_RELAY, false);
		return;
	case STEP_FAILED:
		set(it, V_WARN, "Relay test: no usable reply", st->detail, NULL);
		return;
	default:
		set(it, s->done ? V_SKIP : V_PENDING, st->state == STEP_SKIPPED
		    ? "Relay test skipped" : "Relay test: not reached",
		    st->detail[0] ? st->detail : NULL, NULL);
		return;
	}
}

static void check_quit(struct builder *b, long hi, long ai, const struct model_session *s)
{
	struct check_item *it = item_new(b, "host.quit", hi, ai);
	const struct model_step *st = &s->steps[STEP_QUIT];

	evidence(it, st);
	if (st->state == STEP_OK) {
		set(it, V_PASS, "Session closed politely (QUIT)", NULL, NULL);
		explain_reply(it, s, STEP_QUIT, false);
	} else if (st->state == STEP_REJECTED)
		judge_reply(it, s, STEP_QUIT, "QUIT");
	else if (st->state == STEP_FAILED)
		set(it, V_INFO, "QUIT: no 221 before the connection closed", st->detail, NULL);
	else
		set(it, s->done ? V_SKIP : V_PENDING, "QUIT: not sent",
		    s->done ? "The session ended before it could say goodbye." : NULL, NULL);
}

/* Beyond DESIGN.md's ids: how the server speaks SMTP, so malformed replies
 * and out-of-turn data have one place in the checklist. */
static void check_protocol(struct builder *b, long hi, long ai, const struct model_session *s)
{
	static const struct { unsigned flag; const char *words; } flags[] = {
		{ REPLY_F_CODE_MISMATCH, "reply lines with different codes" },
		{ REPLY_F_BARE_LF, "lines ending in a bare LF instead of CRLF" },
		{ REPLY_F_LONG_LINE, "reply lines over 512 bytes" },
		{ REPLY_F_CUT_LINE, "a line so long it was cut" },
		{ REPLY_F_TOO_MANY_LINES, "a reply with too many lines" },
		{ REPLY_F_CONTROL, "control characters or escape sequences" },
		{ REPLY_F_NON_ASCII, "non-ASCII bytes" },
		{ REPLY_F_BAD_SYNTAX, "lines without a reply code" },
		{ REPLY_F_BAD_CODE, "reply codes outside 200-599" },
	};
	struct check_item *it = item_new(b, "host.protocol", hi, ai);
	char e[400] = "";
	size_t i;

	if (!s->done) {
		set(it, V_PENDING, "SMTP syntax: session running", NULL, NULL);
		return;
	}
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (s->reply_flags & flags[i].flag) {
			size_t n = strlen(e);

			snprintf(e + n, sizeof e - n, "%s%s", n ? ", " : "", flags[i].words);
			fact(it, "%s", flags[i].words);
		}
	if (s->unsolicited) {
		size_t n = strlen(e);

		snprintf(e + n, sizeof e - n, "%sdata sent when no reply was due", n ? ", " : "");
		fact(it, "the server sent data out of turn");
	}
	if (s->reply_misfit) {
		size_t n = strlen(e);

		snprintf(e + n, sizeof e - n, "%sa reply that answers another command",
		         n ? ", " : "");
		fact(it, "a positive reply that does not fit the command (RFC 5321 §4.3.2)");
	}
	if (s->reply_unended) {
		size_t n = strlen(e);

		snprintf(e + n, sizeof e - n, "%sa reply that never ended (%zu bytes)",
		         n ? ", " : "", s->reply_unended);
		fact(it, "a reply that never ended: %zu bytes without its last line",
		     s->reply_unended);
	}
	if (e[0] == '\0') {
		set(it, V_PASS, "SMTP replies well formed", NULL, NULL);
		return;
	}
	if (s->reply_unended) {
		set(it, V_FAIL, "A reply never ended", NULL, "The receiving admin checks "
		    "the server and anything in front of it (an SMTP proxy, a firewall "
		    "with SMTP inspection): no sender can read a reply without an end.");
		snprintf(it->explanation, sizeof it->explanation,
		         "Seen in this session: %.400s. An SMTP reply ends with a line "
		         "\"DDD text\" (a space after the code); this one did not end "
		         "before the step's timeout.", e);
		return;
	}
	if (s->out_of_step) {
		set(it, V_FAIL, "The server's replies came out of step with the commands",
		    NULL, "Run the check again; if it repeats, the server or an SMTP "
		    "proxy in front of it sends extra or late replies: its admin "
		    "should fix it, since senders misread every reply after it.");
		snprintf(it->explanation, sizeof it->explanation,
		         "Seen in this session: %.400s. One command gets one reply (RFC "
		         "5321 §4.3.2); a reply too many shifts every later one, so the "
		         "verdicts after it cannot be trusted.", e);
		return;
	}
	set(it, V_WARN, "The server's SMTP is malformed", NULL,
	    "Strict senders may fail or misread these replies: the receiving admin "
	    "should check the mail server and anything in front of it (SMTP proxies, "
	    "firewalls with SMTP inspection).");
	snprintf(it->explanation, sizeof it->explanation,
	         "Seen in this session: %.400s. RFC 5321 replies are CRLF-terminated "
	         "lines with one code, at most 512 bytes, sent only when asked.", e);
}

/* ---- the plaintext retry after a failed TLS handshake ----------------- */

/* The items whose steps come from the retry without TLS (probe.c). */
static const struct { const char *id; enum model_step_id step; } fallback_items[] = {
	{ "host.auth", STEP_AUTH }, { "host.mail", STEP_MAIL }, { "host.rcpt", STEP_RCPT },
	{ "host.relay", STEP_RELAY }, { "host.data", STEP_DATA }, { "host.quit", STEP_QUIT },
};

static bool tls_handshake_failed(const struct model_session *s)
{
	const struct model_step *st = &s->steps[STEP_STARTTLS];

	return st->state == STEP_FAILED && st->reason == REASON_TLS;
}

/* The later items of an address (items[first..]) say where their result
 * comes from: the retry without TLS, or no retry at all (--tls require). */
static void fallback_mark_items(struct builder *b, size_t first, const struct model_session *s)
{
	size_t i, k;

	for (i = first; i < b->c->n; i++) {
		struct check_item *it = &b->c->items[i];

		for (k = 0; k < sizeof fallback_items / sizeof fallback_items[0]; k++) {
			enum model_step_state st = s->steps[fallback_items[k].step].state;
			size_t n = strlen(it->title);

			if (strcmp(it->id, fallback_items[k].id) != 0)
				continue;
			if (s->fallback.tried && (st == STEP_OK || st == STEP_REJECTED ||
			                          st == STEP_FAILED)) {
				snprintf(it->title + n, sizeof it->title - n, ", without TLS "
				         "(after the TLS failure)");
				fact(it, "without TLS (after the TLS failure): a second "
				     "connection in plaintext");
			} else if (s->fallback.why_not == REASON_POLICY && st == STEP_NOT_RUN) {
				snprintf(it->title + n, sizeof it->title - n, " (no retry "
				         "without TLS: TLS is required)");
			}
		}
	}
}

/* The retry's first step that did not work: refused or failed (the relay
 * test's refusal is the good answer, and QUIT no finding); STEP__COUNT
 * when every step it ran worked. */
static enum model_step_id fallback_broken_step(const struct model_fallback *f)
{
	static const enum model_step_id order[] = {
		STEP_CONNECT, STEP_BANNER, STEP_EHLO, STEP_AUTH, STEP_MAIL, STEP_RCPT, STEP_DATA,
	};
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		if (f->steps[order[i]].state == STEP_FAILED ||
		    f->steps[order[i]].state == STEP_REJECTED)
			return order[i];
	return STEP__COUNT;
}

/* The retry ran: does the routine work without TLS, and how far. */
static void fallback_result(struct check_item *it, const struct model_session *s)
{
	const struct model_fallback *f = &s->fallback;
	enum model_step_id bad = fallback_broken_step(f);
	const struct model_step *rcpt = &f->steps[STEP_RCPT];
	char t[160];
	int i;

	for (i = 0; i < STEP__COUNT; i++)
		if (f->steps[i].state == STEP_OK && f->steps[i].code == 0)
			fact(it, "without TLS: %s ok", model_step_id((enum model_step_id)i));
		else if (f->steps[i].state == STEP_OK || f->steps[i].state == STEP_REJECTED)
			fact(it, "without TLS: %s %d%s%s", model_step_id((enum model_step_id)i),
			     f->steps[i].code, f->steps[i].enhanced[0] ? " " : "",
			     f->steps[i].enhanced);
	if (bad != STEP__COUNT) {
		const struct model_step *st = &f->steps[bad];

		if (st->state == STEP_REJECTED)
			fmt(t, sizeof t, "Without TLS too, %s was refused: %d%s%s",
			    model_step_id(bad), st->code, st->enhanced[0] ? " " : "", st->enhanced);
		else
			fmt(t, sizeof t, "Without TLS too, %s failed", model_step_id(bad));
		set(it, st->state == STEP_REJECTED ? reply_verdict(st->code) : V_FAIL, t,
		    "The TLS handshake failed, and the retry without TLS on a new "
		    "connection did not get through either: mail does not arrive by "
		    "either route.", "Fix the TLS configuration first, then the step "
		    "the retry stopped at (see its item and the transcript after the "
		    "\"retrying without TLS\" line).");
		if (st->state == STEP_FAILED && st->detail[0])
			fact(it, "%s", st->detail);
		return;
	}
	if (rcpt->state == STEP_OK)
		fmt(t, sizeof t, "Without TLS, mail is accepted (RCPT %d%s%s)", rcpt->code,
		    rcpt->enhanced[0] ? " " : "", rcpt->enhanced);
	else
		fmt(t, sizeof t, "Without TLS, the routine works as far as it went");
	set(it, V_WARN, t, "The TLS handshake failed, but the same routine works "
	    "in plaintext on a new connection. Senders with opportunistic TLS (most "
	    "MTAs) fall back like this and deliver, unencrypted; senders that "
	    "require TLS (MTA-STS in enforce mode, DANE, --tls require) do not "
	    "deliver.", "Fix TLS on the server; until then mail arrives only "
	    "unencrypted, and only from senders that allow it.");
}

/*
 * host.tls-fallback: only after a failed TLS handshake. What a sending
 * MTA does next: with opportunistic TLS it retries without TLS (probe.c
 * ran that retry), with TLS required it gives up.
 */
static void check_tls_fallback(struct builder *b, long hi, long ai,
                               const struct model_session *s, size_t first)
{
	const struct model_fallback *f = &s->fallback;
	struct check_item *it;

	if (!tls_handshake_failed(s))
		return;
	fallback_mark_items(b, first, s);
	it = item_new(b, "host.tls-fallback", hi, ai);
	it->line_from = f->line_from;
	it->line_to = f->tried ? s->nlines : f->line_from;
	if (f->tried && !f->done) {
		set(it, V_PENDING, "Retrying without TLS", NULL, NULL);
	} else if (f->tried) {
		fallback_result(it, s);
	} else if (!s->done) {
		set(it, V_PENDING, "Retry without TLS: waiting", NULL, NULL);
	} else if (f->why_not != REASON_POLICY) {
		set(it, V_SKIP, "No retry without TLS: the run ended first", NULL, NULL);
	} else if (s->tls_implicit) {
		set(it, V_SKIP, "No retry without TLS: implicit TLS has no plaintext",
		    "With implicit TLS (port 465, --tls-on-connect) TLS comes before "
		    "any SMTP, so there is nothing to fall back to.", NULL);
	} else {
		set(it, V_SKIP, "No retry without TLS: TLS is required (--tls require)",
		    "A sender that requires TLS does not fall back to plaintext, so to "
		    "it this mail does not arrive.", "Run without --tls require to see "
		    "whether the rest works without TLS.");
	}
}

/* ---- MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) ------------------------- */

/* The policy a sender applies: fetched, parsed and usable (RFC 8461 §5:
 * anything else, and the sender goes on as if there were none). */
static const struct sts_policy *sts_applies(const struct model_domain *d)
{
	if (d->sts.state != MODEL_STS_FETCHED || !d->sts.parsed ||
	    (d->sts.policy.problems & STS_P_FATAL) != 0)
		return NULL;
	return &d->sts.policy;
}

/* Senders that honour MTA-STS refuse what fails it: enforce mode. */
static bool sts_enforced(const struct model_domain *d)
{
	const struct sts_policy *pol = sts_applies(d);

	return pol != NULL && pol->mode == STS_MODE_ENFORCE;
}

static void sts_problem_words(unsigned pr, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *words; } w[] = {
		{ STS_P_NO_VERSION, "no \"version: STSv1\"" },
		{ STS_P_BAD_VERSION, "a version other than STSv1" },
		{ STS_P_NO_MODE, "no mode" },
		{ STS_P_BAD_MODE, "a mode other than enforce, testing or none" },
		{ STS_P_NO_MX, "no mx: line" },
		{ STS_P_NO_MAX_AGE, "no max_age" },
		{ STS_P_BAD_MAX_AGE, "a max_age that is not a number up to 31557600" },
		{ STS_P_BAD_LINE, "a line that is not \"key: value\" text" },
		{ STS_P_LONG_LINE, "a line over 1024 bytes" },
		{ STS_P_DUPLICATE, "a field given twice" },
		{ STS_P_BAD_MX, "an mx: pattern that is no host name" },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof w / sizeof w[0]; i++)
		if ((pr & w[i].bit) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", w[i].words);
}

/* The fetch's facts: what was asked, what came back, the certificate. */
static void sts_fetch_facts(struct check_item *it, const struct model_sts *m)
{
	const struct sts_fetch_result *f = &m->fetch;

	fact(it, "GET %s from %s: %s%ld%s%s, %llu ms", f->url, f->addr,
	     f->http_code ? "HTTP " : "no HTTP answer", f->http_code,
	     f->content_type[0] ? ", " : "", f->content_type, (unsigned long long)f->ms);
	if (f->error[0])
		fact(it, "error: %s", f->error);
	if (f->location[0])
		fact(it, "Location: %s", f->location);
	if (f->cert_subject[0])
		fact(it, "certificate %s, issuer %s, until %s", f->cert_subject, f->cert_issuer,
		     f->cert_expire);
}

static void sts_policy_facts(struct check_item *it, const struct sts_policy *pol)
{
	char mx[240];
	size_t i, n = 0;

	fact(it, "policy: mode %s, max_age %ld, %zu mx pattern%s", sts_mode_name(pol->mode),
	     pol->max_age, pol->nmx, pol->nmx == 1 ? "" : "s");
	mx[0] = '\0';
	for (i = 0; i < pol->nmx && n < sizeof mx; i++)
		n += (size_t)snprintf(mx + n, sizeof mx - n, "%s%s", i ? ", " : "", pol->mx[i]);
	if (pol->nmx > 0)
		fact(it, "mx: %s", mx);
}

/* A fetch that brought no policy: why, in the words of RFC 8461 §3.3. */
static void sts_fetch_failed(struct check_item *it, const struct model_sts *m)
{
	const struct sts_fetch_result *f = &m->fetch;
	const char *next = "Serve the policy at https://mta-sts.<domain>/.well-known/"
	                   "mta-sts.txt as text/plain, status 200, with a certificate "
	                   "for mta-sts.<domain> from a public CA.";
	char t[160];

	switch (f->status) {
	case STS_FETCH_HTTP:
		fmt(t, sizeof t, "MTA-STS: no policy file (HTTP %ld)", f->http_code);
		break;
	case STS_FETCH_REDIRECT:
		fmt(t, sizeof t, "MTA-STS: the policy URL redirects (HTTP %ld), senders do not follow",
		    f->http_code);
		break;
	case STS_FETCH_CONTENT_TYPE:
		fmt(t, sizeof t, "MTA-STS: the policy is served as %.60s, not text/plain",
		    f->content_type[0] ? f->content_type : "(no type)");
		break;
	case STS_FETCH_TOO_BIG:
		fmt(t, sizeof t, "MTA-STS: the policy is over the size limit");
		break;
	case STS_FETCH_CERT:
		fmt(t, sizeof t, "MTA-STS: the certificate of %.100s is not valid", m->host);
		break;
	case STS_FETCH_TLS:
		fmt(t, sizeof t, "MTA-STS: TLS with %.100s failed", m->host);
		break;
	case STS_FETCH_CONNECT:
		fmt(t, sizeof t, "MTA-STS: no connection to %.100s port 443", m->host);
		break;
	case STS_FETCH_TIMEOUT:
		fmt(t, sizeof t, "MTA-STS: %.100s did not answer in time", m->host);
		break;
	default:
		fmt(t, sizeof t, "MTA-STS: the policy could not be fetched");
		break;
	}
	set(it, V_FAIL, t, "The _mta-sts record announces a policy, but senders cannot "
	    "fetch a valid one, so they treat the domain as having none: the record "
	    "protects nothing (and a policy they had cached may expire unrenewed).", next);
}

static void sts_policy_verdict(struct check_item *it, const struct model_domain *d)
{
	const struct sts_policy *pol = &d->sts.policy;
	char t[160], words[400];

	sts_policy_facts(it, pol);
	if (pol->problems & STS_P_FATAL) {
		sts_problem_words(pol->problems & STS_P_FATAL, words, sizeof words);
		set(it, V_FAIL, "MTA-STS: the policy file is not valid", NULL,
		    "Fix the policy file (RFC 8461 section 3.2): \"version: STSv1\", "
		    "\"mode: enforce\", \"mx: <each MX host or *.pattern>\", \"max_age: 604800\".");
		fmt(it->explanation, sizeof it->explanation, "The policy has %s; senders "
		    "ignore a policy they cannot parse, as if there were none.", words);
		return;
	}
	if (pol->problems) {
		sts_problem_words(pol->problems, words, sizeof words);
		fmt(t, sizeof t, "MTA-STS policy %s, with faults", sts_mode_name(pol->mode));
		set(it, V_WARN, t, NULL, "Remove the duplicate field or the bad mx: pattern.");
		fmt(it->explanation, sizeof it->explanation, "The policy has %s; senders "
		    "may read it differently.", words);
		return;
	}
	fmt(t, sizeof t, "MTA-STS policy: %s, max_age %ld", sts_mode_name(pol->mode), pol->max_age);
	if (pol->mode == STS_MODE_ENFORCE)
		set(it, V_PASS, t, "Senders that honour MTA-STS deliver only over verified "
		    "TLS to the MX hosts the policy names.", NULL);
	else if (pol->mode == STS_MODE_TESTING)
		set(it, V_INFO, t, "Testing mode: senders report failures (TLS-RPT) but "
		    "still deliver.", "When the TLS reports are clean, switch to mode: enforce.");
	else
		set(it, V_INFO, t, "Mode none: the domain withdraws its policy; senders "
		    "stop applying it.", NULL);
}

static void check_mta_sts(struct builder *b, const struct model_domain *d)
{
	struct check_item *it = check_policy(b, d, "dns.mta-sts", "MTA-STS", &d->mta_sts, V_INFO,
	             "Without MTA-STS, senders cannot learn that this domain always "
	             "uses verified TLS, so a network attacker could strip STARTTLS.",
	             "Optional hardening: publish _mta-sts TXT and a policy at "
	             "https://mta-sts.<domain>/.well-known/mta-sts.txt.");
	const struct model_sts *m = &d->sts;
	char id[STS_ID_MAX + 1], t[160];
	unsigned txt;

	if (it->verdict != V_PASS)
		return;
	it->facts_always = true;
	txt = sts_txt_parse(d->mta_sts.records[0], id);
	if (id[0])
		fact(it, "id %s", id);
	if (txt != 0) {
		fmt(t, sizeof t, "MTA-STS: the _mta-sts record is not valid (%s)",
		    (txt & STS_TXT_BAD_VERSION) ? "not v=STSv1 first" :
		    (txt & STS_TXT_SYNTAX) ? "a field without =" :
		    (txt & STS_TXT_NO_ID) ? "no id=" : "id= not 1-32 letters and digits");
		set(it, V_FAIL, t, "Senders ignore an _mta-sts record they cannot parse "
		    "(RFC 8461 section 3.1).", "Publish \"v=STSv1; id=<1-32 letters and "
		    "digits, changed with each policy change>\".");
		return;
	}
	switch (m->state) {
	case MODEL_STS_NOT_TRIED:
		set(it, V_SKIP, "MTA-STS: the policy was not fetched", NULL, NULL);
		return;
	case MODEL_STS_RESOLVING:
	case MODEL_STS_FETCHING:
		set(it, V_PENDING, "MTA-STS: fetching the policy", NULL, NULL);
		return;
	case MODEL_STS_NO_ADDRESS:
		fact(it, "%s: A %s, AAAA %s", m->host, dns_status_name(m->a.status),
		     dns_status_name(m->aaaa.status));
		fmt(t, sizeof t, "MTA-STS: %.100s has no address, so no policy file", m->host);
		set(it, V_FAIL, t, "The _mta-sts record announces a policy, but the policy "
		    "host does not resolve: senders treat the domain as having none.",
		    "Publish an A/AAAA record for mta-sts.<domain> and serve the policy there.");
		return;
	case MODEL_STS_NO_START:
		set(it, V_WARN, "MTA-STS: the policy fetch could not start", m->error, NULL);
		return;
	case MODEL_STS_FETCHED:
		break;
	}
	sts_fetch_facts(it, m);
	if (m->fetch.status != STS_FETCH_OK)
		sts_fetch_failed(it, m);
	else
		sts_policy_verdict(it, d);
}

/* host.mta-sts: what a sender that honours the policy does with this
 * host: covered by an mx: pattern, STARTTLS, a certificate valid for its
 * name. Only where the domain announces a policy. */
static void check_host_mta_sts(struct builder *b, const struct model_domain *d,
                               long hi, long ai, const struct model_session *s)
{
	const struct sts_policy *pol = sts_applies(d);
	const char *name = d->hosts[hi].name;
	struct check_item *it;
	enum verdict bad;
	long pat;
	char t[160];

	if (d->sts.state == MODEL_STS_NOT_TRIED)
		return;
	it = item_new(b, "host.mta-sts", hi, ai);
	if (d->sts.state == MODEL_STS_RESOLVING || d->sts.state == MODEL_STS_FETCHING) {
		set(it, V_PENDING, "MTA-STS: waiting for the policy", NULL, NULL);
		return;
	}
	if (pol == NULL || pol->mode == STS_MODE_NONE) {
		set(it, V_SKIP, pol == NULL ? "MTA-STS: no valid policy applies"
		                            : "MTA-STS: the policy's mode is none", NULL, NULL);
		return;
	}
	bad = pol->mode == STS_MODE_ENFORCE ? V_FAIL : V_WARN;
	pat = sts_policy_covers(pol, name);
	if (pat < 0) {
		fmt(t, sizeof t, "MTA-STS: %.100s is not in the policy's mx: list", name);
		set(it, bad, t, NULL, "Add the host (or a *.pattern that covers it) as an "
		    "mx: line of the policy, and change the id= of the _mta-sts record.");
		fmt(it->explanation, sizeof it->explanation, "%s", bad == V_FAIL ?
		    "In enforce mode, senders that honour MTA-STS will not deliver to this "
		    "host." : "In testing mode senders still deliver, but report the failure.");
		return;
	}
	fact(it, "covered by mx: %s", pol->mx[pat]);
	if (s == NULL) {
		fmt(t, sizeof t, "MTA-STS: %.100s is covered (TLS not checked)", name);
		set(it, V_PASS, t, NULL, NULL);
		return;
	}
	if (!s->done && !s->tls.handshake_done) {
		set(it, V_PENDING, "MTA-STS: waiting for the session's TLS", NULL, NULL);
		return;
	}
	if (!s->tls.handshake_done)
		fmt(t, sizeof t, "MTA-STS: %.100s offers no usable STARTTLS", name);
	else if (!s->tls.chain_ok || !s->tls.name_ok || s->tls.days_left < 0)
		fmt(t, sizeof t, "MTA-STS: the certificate of %.100s does not pass", name);
	else {
		fmt(t, sizeof t, "MTA-STS: %.100s is covered, with STARTTLS and a valid certificate",
		    name);
		set(it, V_PASS, t, NULL, NULL);
		return;
	}
	set(it, bad, t, NULL, "See host.starttls and host.cert for this host.");
	fmt(it->explanation, sizeof it->explanation, "%s", bad == V_FAIL ?
	    "In enforce mode, senders that honour MTA-STS will not deliver to this "
	    "host: they need STARTTLS and a certificate valid for the MX name under "
	    "a trusted CA." : "In testing mode senders still deliver, but report the failure.");
}

static void check_tls_rpt(struct builder *b, const struct model_domain *d)
{
	struct check_item *it = check_policy(b, d, "dns.tls-rpt", "TLS-RPT", &d->tls_rpt, V_INFO,
	             "Without TLS-RPT, senders have nowhere to report TLS problems "
	             "with this domain's servers.",
	             "Optional: publish _smtp._tls TXT \"v=TLSRPTv1; rua=mailto:...\".");
	struct sts_tlsrpt r;
	char t[160];
	size_t i;

	if (it->verdict != V_PASS)
		return;
	it->facts_always = true;
	if (sts_tlsrpt_parse(d->tls_rpt.records[0], &r) < 0) {
		fmt(t, sizeof t, "TLS-RPT: the record is not valid (%s)",
		    (r.problems & RPT_P_BAD_VERSION) ? "not v=TLSRPTv1 first" :
		    (r.problems & RPT_P_NO_RUA) ? "no rua=" :
		    (r.problems & RPT_P_BAD_URI) ? "a rua= that is neither mailto: nor https:" :
		    "a field without =, or rua= twice");
		set(it, V_FAIL, t, "Senders cannot send TLS reports to a record they cannot "
		    "parse (RFC 8460 section 3).", "Publish \"v=TLSRPTv1; rua=mailto:"
		    "tls-reports@<domain>\" (or an https: URL).");
		return;
	}
	for (i = 0; i < r.nrua; i++)
		fact(it, "reports to %s", r.rua[i]);
	fmt(t, sizeof t, "TLS-RPT: reports go to %zu address%s", r.nrua_all,
	    r.nrua_all == 1 ? "" : "es");
	set(it, V_PASS, t, NULL, NULL);
}

static void check_address(struct builder *b, const struct model_domain *d,
                          long hi, long ai)
{
	const struct model_address *a = &d->hosts[hi].addrs[ai];
	const struct model_session *s = a->session;
	bool mta_sts = sts_enforced(d);     /* the real policy, fetched */
	size_t first = b->c->n;

	check_ptr(b, d, hi, ai, a);
	if (s == NULL) {
		check_host_dane(b, d, hi, ai, NULL);
		check_host_mta_sts(b, d, hi, ai, NULL);
		return;
	}
	check_connect(b, hi, ai, s);
	check_banner(b, hi, ai, a, s);
	check_ehlo(b, hi, ai, s);
	check_starttls(b, hi, ai, s, mta_sts);
	check_cert(b, hi, ai, s, mta_sts);
	check_host_dane(b, d, hi, ai, s);
	check_auth(b, hi, ai, s);
	check_reply_step(b, hi, ai, s, &reply_steps[0]);
	check_reply_step(b, hi, ai, s, &reply_steps[1]);
	check_relay(b, hi, ai, s);
	check_reply_step(b, hi, ai, s, &reply_steps[2]);
	check_quit(b, hi, ai, s);
	check_protocol(b, hi, ai, s);
	check_tls_fallback(b, hi, ai, s, first);
	check_host_mta_sts(b, d, hi, ai, s);
}

/* ---- across hosts ------------------------------------------------------- */

#define CERT_CLASSES 6           /* cert_class()'s classes */

/* What the finished sessions of a domain say, side by side. */
struct compare_tally {
	size_t sessions;        /* finished */
	size_t tls, notls;      /* greeted, with TLS / the server offers none */
	size_t relays;          /* open relays */
	int rcpt_code;          /* the first RCPT answer, -1 none yet */
	bool rcpt_differs;      /* another RCPT answer of another class */
	bool pending;           /* a session still runs */
	int cert_class;         /* the first TLS host's certificate health, -1 none */
	bool certs_differ;      /* another TLS host's certificate fares otherwise */
	size_t certs[CERT_CLASSES];     /* TLS hosts per certificate class */
};

/* A certificate's health in classes (the order of check_cert): 0 valid,
 * 1 expired, 2 an expired chain, 3 untrusted, 4 another name, 5 expiring;
 * the words say it after a count ("2 valid, 1 for another name"). */
static const char *const cert_class_words[CERT_CLASSES] = {
	"valid", "expired", "with an expired chain", "untrusted", "for another name",
	"expiring within 14 days",
};

static int cert_class(const struct tls_facts *f)
{
	if (f->days_left < 0)
		return 1;
	if (!f->chain_ok)
		return f->verify_expired ? 2 : 3;
	if (!f->name_ok)
		return 4;
	return f->days_left < 14 ? 5 : 0;
}

static void compare_session(struct check_item *it, struct compare_tally *ct,
                            const struct model_session *s)
{
	const struct model_step *r = &s->steps[STEP_RCPT];

	if (!s->done) {
		ct->pending = true;
		return;
	}
	ct->sessions++;
	if (s->steps[STEP_CONNECT].state != STEP_OK ||
	    s->steps[STEP_BANNER].state != STEP_OK)
		return;
	if (s->tls_active)
		ct->tls++;
	else if (starttls_missing(&s->steps[STEP_STARTTLS]))
		ct->notls++;            /* --tls off says nothing of the server */
	if (s->tls_active && s->tls.handshake_done) {
		ct->certs[cert_class(&s->tls)]++;
		if (ct->cert_class == -1)
			ct->cert_class = cert_class(&s->tls);
		else if (cert_class(&s->tls) != ct->cert_class)
			ct->certs_differ = true;
	}
	if (s->steps[STEP_RELAY].state == STEP_OK && !s->authenticated)
		ct->relays++;
	if (r->state == STEP_OK || r->state == STEP_REJECTED) {
		if (ct->rcpt_code == -1)
			ct->rcpt_code = r->code;
		else if (r->code / 100 != ct->rcpt_code / 100)
			ct->rcpt_differs = true;
		fact(it, "%s [%s]: RCPT %d", s->host, s->addr, r->code);
	}
}

static void check_compare(struct builder *b, const struct model_domain *d)
{
	struct check_item *it = item_new(b, "compare", -1, -1);
	struct compare_tally ct = { .rcpt_code = -1, .cert_class = -1 };
	bool relay_differs;
	char e[768] = "";
	size_t i, j;

	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++)
			if (d->hosts[i].addrs[j].session != NULL)
				compare_session(it, &ct, d->hosts[i].addrs[j].session);
	if (ct.pending) {
		set(it, V_PENDING, "Comparing the hosts: sessions still running", NULL, NULL);
		return;
	}
	if (ct.sessions < 2) {
		set(it, V_SKIP, "Comparing the hosts: fewer than two sessions", NULL, NULL);
		return;
	}
	relay_differs = ct.relays > 0 && ct.relays < ct.sessions;
	if (ct.tls > 0 && ct.notls > 0)
		snprintf(e + strlen(e), sizeof e - strlen(e), "%zu host(s) offer TLS and "
		         "%zu do not: mail that falls back to those travels unencrypted. ",
		         ct.tls, ct.notls);
	if (ct.certs_differ) {
		const char *sep = "";

		snprintf(e + strlen(e), sizeof e - strlen(e), "The hosts' certificates "
		         "differ in health (");
		for (i = 0; i < CERT_CLASSES; i++)
			if (ct.certs[i] > 0) {
				snprintf(e + strlen(e), sizeof e - strlen(e), "%s%zu %s", sep,
				         ct.certs[i], cert_class_words[i]);
				sep = ", ";
			}
		snprintf(e + strlen(e), sizeof e - strlen(e), "): a verifying sender "
		         "delivers to some and not to others. ");
	}
	if (ct.rcpt_differs)
		snprintf(e + strlen(e), sizeof e - strlen(e), "The hosts answer the same "
		         "recipient differently, so delivery depends on which MX a sender "
		         "reaches. ");
	if (relay_differs) {
		snprintf(e + strlen(e), sizeof e - strlen(e), "%zu host(s) relay for anyone "
		         "while others do not. ", ct.relays);
		set(it, V_FAIL, "The hosts disagree: one is an open relay", e,
		    "Give every MX host the same relay restrictions.");
	} else if (e[0] != '\0') {
		set(it, V_WARN, "The hosts disagree in a way that matters", e,
		    "Give every MX host (backups included) the same TLS, recipient and "
		    "relay configuration.");
	} else {
		set(it, V_PASS, "The hosts agree (TLS, certificates, recipient, relay)", NULL,
		    NULL);
	}
}

/* ---- --sender: SPF, DMARC, DKIM as a receiver judges them ------------- */

static const char *sender_ip_words(const struct sender_facts *s)
{
	switch (s->ip_source) {
	case SENDER_IP_GIVEN: return "given with --sender-ip";
	case SENDER_IP_SESSION:
		return "the address mailflow's own sessions left from, which may not be "
		       "your outbound mail server's: give --sender-ip";
	default:
		return "the address this machine's route would use (no session was made), "
		       "which may not be your outbound mail server's: give --sender-ip";
	}
}

static const char *spf_why_words(enum spf_why w)
{
	switch (w) {
	case SPF_WHY_MATCH: return "A mechanism of the record matched this address.";
	case SPF_WHY_DEFAULT:
		return "No mechanism matched and the record has no \"all\" or redirect=: "
		       "receivers treat the message as if there were no SPF.";
	case SPF_WHY_NO_RECORD:
		return "The domain publishes no SPF record: receivers cannot tell forged mail "
		       "from real, and many file unauthenticated mail as spam.";
	case SPF_WHY_MULTIPLE:
		return "More than one v=spf1 record: RFC 7208 makes that a permanent error.";
	case SPF_WHY_SYNTAX:
		return "The record does not parse: receivers give up on it (permerror) and "
		       "large ones treat that as a failure.";
	case SPF_WHY_LOOKUPS:
		return "The record needs more than 10 DNS lookups (include, a, mx, ptr, exists, "
		       "redirect, counted through every include): that is a permanent error, "
		       "and big receivers treat it as a failure.";
	case SPF_WHY_VOIDS:
		return "More than 2 of its lookups found nothing (NXDOMAIN or no record): a "
		       "permanent error (RFC 7208 section 4.6.4).";
	case SPF_WHY_NAMES:
		return "An mx mechanism names a domain with more than 10 MX records: a "
		       "permanent error.";
	case SPF_WHY_INCLUDE_NONE:
		return "An include: or redirect= points to a domain without an SPF record: a "
		       "permanent error.";
	case SPF_WHY_DNS:
	case SPF_WHY_TIMEOUT:
		return "A DNS lookup failed or timed out: receivers defer the message "
		       "(temperror) and try again later.";
	case SPF_WHY_UNREADABLE:
		return "A TXT record there is longer than mailflow reads.";
	case SPF_WHY_BAD_DOMAIN:
		return "A macro or domain-spec expands to something that is not a domain name.";
	}
	return "";
}

static enum verdict spf_verdict(enum spf_result r)
{
	switch (r) {
	case SPF_PASS: return V_PASS;
	case SPF_FAIL:
	case SPF_PERMERROR: return V_FAIL;
	default: return V_WARN;
	}
}

static void check_sender_spf(struct builder *b, const struct sender_facts *s)
{
	struct check_item *it = item_new(b, "sender.spf", -1, -1);
	const struct spf_eval *e = &s->spf;
	char t[160], x[768];
	size_t i;

	if (!s->spf_done) {
		set(it, V_PENDING, "SPF: evaluating", NULL, NULL);
		return;
	}
	fact(it, "IP %s: %s", s->ip, sender_ip_words(s));
	fact(it, "%u of %d DNS lookups, %u of %d void lookups, %llu ms", e->lookups,
	     SPF_LOOKUPS_MAX, e->voids, SPF_VOIDS_MAX, (unsigned long long)e->ms);
	for (i = 0; i < e->nnodes && it->nfacts + 1 < CHECK_EVIDENCE_MAX; i++) {
		const struct spf_node *n = &e->nodes[i];

		fact(it, "%*s%s%s: %s, %u lookups%s%s \"%.120s\"", (int)n->depth * 2, "",
		     n->via == SPF_INCLUDE ? "include:" : n->via == SPF_REDIRECT ? "redirect=" : "",
		     n->domain, spf_result_name(n->result), n->lookups_tree,
		     n->matched[0] ? ", matched " : "", n->matched,
		     n->record != NULL ? n->record : "(no record)");
	}
	if (e->result == SPF_PASS || e->result == SPF_FAIL || e->result == SPF_SOFTFAIL ||
	    e->result == SPF_NEUTRAL)
		fmt(t, sizeof t, "SPF for %s: %s%s%s%s", s->ip, spf_result_name(e->result),
		    e->matched[0] ? " (" : "", e->matched, e->matched[0] ? ")" : "");
	else
		fmt(t, sizeof t, "SPF for %s: %s", s->ip, spf_result_name(e->result));
	fmt(x, sizeof x, "%s %s%s%s", spf_why_words(e->why), e->reason,
	    e->explanation[0] ? " The domain explains: " : "", e->explanation);
	switch (e->result) {
	case SPF_PASS:
		set(it, V_PASS, t, x, NULL);
		break;
	case SPF_FAIL:
		set(it, V_FAIL, t, x, "If this address does send your mail, add it to the SPF "
		    "record (ip4:/ip6:, or include: your provider's record).");
		break;
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
	case SPF_NONE:
		set(it, V_WARN, t, x, "List every server that sends your mail in the SPF record "
		    "and end it with -all (or ~all while you check).");
		break;
	case SPF_PERMERROR:
		set(it, V_FAIL, t, x, e->why == SPF_WHY_LOOKUPS
		    ? "Flatten includes into ip4:/ip6: ranges, or drop includes you no longer "
		      "use, until the tree needs 10 lookups or fewer."
		    : "Fix the record (the error and its column are above).");
		break;
	default:
		set(it, spf_verdict(e->result), t, x, "Try again later, or with another resolver "
		    "(--dns); check the servers of the domains named.");
		break;
	}
}

static const char *dest_words(enum dmarc_dest d)
{
	switch (d) {
	case DEST_SAME_ORG: return "the domain's own organisation";
	case DEST_VERIFIED: return "external, agreed";
	case DEST_UNVERIFIED: return "external, NOT agreed: receivers will not send there";
	case DEST_DNS_FAILED: return "external, check failed (DNS)";
	case DEST_NOT_MAILTO: return "not a mailto: URI";
	default: return "checking";
	}
}

static void check_sender_dmarc(struct builder *b, const struct sender_facts *s)
{
	struct check_item *it = item_new(b, "sender.dmarc", -1, -1);
	const struct sender_dmarc *d = &s->dmarc;
	char t[160];
	size_t i, unverified = 0, failed = 0;

	if (!s->done) {
		set(it, V_PENDING, "DMARC: waiting for DNS", NULL, NULL);
		return;
	}
	fact(it, "TXT %s: %s (organisational domain %s%s)", d->name, dns_status_name(d->status),
	     s->org_domain, s->org_guessed ? ", guessed: no public suffix list" : "");
	if (d->found)
		fact(it, "\"%s\"", d->record);
	for (i = 0; i < d->nuris; i++) {
		fact(it, "%s %s: %s%s%s", d->uris[i].ruf ? "ruf" : "rua", d->uris[i].uri,
		     dest_words(d->uris[i].dest), d->uris[i].check_name[0] ? ", asked " : "",
		     d->uris[i].check_name);
		unverified += d->uris[i].dest == DEST_UNVERIFIED;
		failed += d->uris[i].dest == DEST_DNS_FAILED;
	}
	if (!d->found && d->status != DNS_OK && d->status != DNS_NODATA &&
	    d->status != DNS_NXDOMAIN) {
		set(it, V_WARN, "DMARC: lookup failed", dns_failure_words(d->status),
		    "Try again, or with another resolver (--dns).");
		return;
	}
	if (!d->found) {
		set(it, V_WARN, "DMARC: none", "Without DMARC, receivers have no policy for "
		    "mail that fails SPF and DKIM, and large ones (Gmail, Yahoo) require one of "
		    "bulk senders.", "Publish _dmarc TXT \"v=DMARC1; p=none; rua=mailto:...\", "
		    "read the reports, then move to quarantine or reject.");
		return;
	}
	if (d->nrecords > 1) {
		set(it, V_FAIL, "DMARC: more than one record", "With several v=DMARC1 records "
		    "receivers apply none (RFC 7489 section 6.6.3).", "Keep one record.");
		return;
	}
	if (!d->syntax_ok) {
		fmt(t, sizeof t, "DMARC: invalid record (%s)", d->error);
		set(it, V_FAIL, t, "Receivers ignore a DMARC record they cannot read.",
		    "Fix the record: v=DMARC1 first, then p=none|quarantine|reject.");
		return;
	}
	fmt(t, sizeof t, "DMARC%s: p=%s, sp=%s, pct=%d, adkim=%c, aspf=%c",
	    d->at_org ? " (organisational domain)" : "", dmarc_policy_name(d->p),
	    dmarc_policy_name(d->sp), d->pct, d->adkim, d->aspf);
	if (unverified > 0) {
		set(it, V_WARN, t, "A report address is outside the domain's organisation and "
		    "that domain has not agreed to take its reports (no v=DMARC1 at "
		    "<domain>._report._dmarc.<destination>, RFC 7489 section 7.1): receivers "
		    "send it nothing.", "Have the destination publish that TXT record, or "
		    "send reports to an address of your own domain.");
		return;
	}
	if (d->p == DMARC_P_NONE) {
		set(it, V_WARN, t, "p=none only monitors: mail that fails SPF and DKIM is "
		    "still delivered, so the domain can be forged.", "After reading the reports, "
		    "move to p=quarantine, then p=reject.");
		return;
	}
	if (d->pct < 100 || failed > 0) {
		set(it, V_WARN, t, failed > 0 ? "A report destination could not be checked."
		    : "pct under 100: the policy applies to part of the failing mail only.",
		    failed > 0 ? "Try again." : "Raise pct to 100 when the reports are clean.");
		return;
	}
	set(it, V_PASS, t, NULL, NULL);
}

static enum verdict dkim_key_verdict(const struct sender_dkim *k, char *why, size_t size)
{
	switch (k->state) {
	case DKIM_PENDING: return V_PENDING;
	case DKIM_NO_KEY:
		fmt(why, size, "%s: no key record", k->selector);
		return V_FAIL;
	case DKIM_DNS_FAILED:
		fmt(why, size, "%s: lookup failed (%s)", k->selector, dns_status_name(k->status));
		return V_WARN;
	case DKIM_REVOKED:
		fmt(why, size, "%s: revoked (empty p=): signatures with it fail", k->selector);
		return V_FAIL;
	case DKIM_BAD:
		fmt(why, size, "%s: %s", k->selector, k->error);
		return V_FAIL;
	case DKIM_KEY:
		break;
	}
	if (strcasecmp(k->k, "rsa") == 0 && k->bits > 0 && k->bits < DEFAULT_DKIM_RSA_MIN_BITS) {
		fmt(why, size, "%s: RSA %d bits, receivers reject keys under %d", k->selector,
		    k->bits, DEFAULT_DKIM_RSA_MIN_BITS);
		return V_FAIL;
	}
	if (strcasecmp(k->k, "rsa") == 0 && k->bits > 0 && k->bits < DEFAULT_DKIM_RSA_WARN_BITS) {
		fmt(why, size, "%s: RSA %d bits, %d is recommended", k->selector, k->bits,
		    DEFAULT_DKIM_RSA_WARN_BITS);
		return V_WARN;
	}
	if (k->testing) {
		fmt(why, size, "%s: t=y, testing: receivers may ignore its signatures", k->selector);
		return V_WARN;
	}
	fmt(why, size, "%s: %s %d bits", k->selector, k->k, k->bits);
	return V_PASS;
}

static enum verdict worse(enum verdict a, enum verdict b)
{
	static const int rank[VERDICT__COUNT] = {
		[V_PASS] = 1, [V_INFO] = 0, [V_SKIP] = 0, [V_WARN] = 2, [V_FAIL] = 3,
		[V_PENDING] = 4,
	};

	return rank[b] > rank[a] ? b : a;
}

static void check_sender_dkim(struct builder *b, const struct sender_facts *s)
{
	struct check_item *it = item_new(b, "sender.dkim", -1, -1);
	enum verdict v = V_PASS;
	char why[192], first_bad[192] = "", t[160];
	size_t i, found = 0;

	for (i = 0; i < s->ndkim; i++) {
		const struct sender_dkim *k = &s->dkim[i];
		enum verdict kv = dkim_key_verdict(k, why, sizeof why);

		if (s->selectors_guessed && k->state == DKIM_NO_KEY)
			continue;
		found += k->state != DKIM_NO_KEY;
		fact(it, "TXT %s: %s", k->name, why);
		/* The title names the worst key (the first of the worst). */
		if (kv != V_PASS && worse(v, kv) != v)
			snprintf(first_bad, sizeof first_bad, "%s", why);
		v = worse(v, kv);
	}
	if (v == V_PENDING) {
		set(it, V_PENDING, "DKIM: waiting for DNS", NULL, NULL);
		return;
	}
	if (s->selectors_guessed) {
		fmt(t, sizeof t, found ? "DKIM: a key at a common selector (a guess)"
		    : "DKIM: no key at the common selectors (a guess, not a finding)");
		set(it, V_INFO, t, "No --dkim-selector was given, so a few common selectors were "
		    "tried; a domain's real selector is in the s= tag of the DKIM-Signature "
		    "header of a message it sent.", "Give --dkim-selector NAME from a message's "
		    "DKIM-Signature header.");
		return;
	}
	if (v == V_PASS) {
		set(it, V_PASS, "DKIM: the keys are published and usable", NULL, NULL);
		return;
	}
	fmt(t, sizeof t, "DKIM: %s", first_bad);
	set(it, v, t, "Receivers check a DKIM signature against the key published at "
	    "<selector>._domainkey.<domain>; a missing, revoked, unreadable or short key "
	    "makes the signature fail, and with it DMARC unless SPF aligns.",
	    "Publish the selector's public key (RSA of 2048 bits) as the signing system "
	    "shows it; remove t=y once signatures verify.");
}

static void check_sender(struct builder *b, const struct model_domain *d)
{
	if (d->sender == NULL)
		return;
	check_sender_spf(b, d->sender);
	check_sender_dmarc(b, d->sender);
	check_sender_dkim(b, d->sender);
}

static void check_domain(struct builder *b, const struct model_domain *d)
{
	check_mx(b, d);
	check_mx_targets(b, d);
	check_spf(b, d);
	check_dmarc(b, d);
	check_mta_sts(b, d);
	check_tls_rpt(b, d);
	check_dnssec(b, d);
	check_tlsa(b, d);
	check_compare(b, d);
	check_sender(b, d);
}

void checklist_build(const struct model_domain *d, struct checklist *out)
{
	struct builder b = { out, 0 };
	size_t i, j;

	memset(out, 0, sizeof *out);
	check_domain(&b, d);
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++)
			check_address(&b, d, (long)i, (long)j);
}

void checklist_free(struct checklist *c)
{
	free(c->items);
	c->items = NULL;
	c->n = 0;
}

void checklist_count(const struct checklist *c, size_t counts[VERDICT__COUNT])
{
	size_t i;

	memset(counts, 0, VERDICT__COUNT * sizeof counts[0]);
	for (i = 0; i < c->n; i++)
		counts[c->items[i].verdict]++;
}

const char *checklist_verdict_line(const struct checklist *c, char *buf, size_t size)
{
	size_t counts[VERDICT__COUNT];
	int n;

	checklist_count(c, counts);
	n = snprintf(buf, size, "%zu fail, %zu warn, %zu pass, %zu info, %zu skip",
	             counts[V_FAIL], counts[V_WARN], counts[V_PASS], counts[V_INFO],
	             counts[V_SKIP]);
	if (counts[V_PENDING] > 0 && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", %zu pending", counts[V_PENDING]);
	return buf;
}

const struct check_item *checklist_find(const struct checklist *c, const char *id,
                                        long host, long addr)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->items[i].id, id) == 0 && c->items[i].host == host &&
		    c->items[i].addr == addr)
			return &c->items[i];
	return NULL;
}

int checklist_exit_status(const struct model_domain *d, const struct checklist *c)
{
	return checklist_exit_status_as(d, c, EXIT_STYLE_MAILFLOW);
}

int checklist_exit_status_as(const struct model_domain *d, const struct checklist *c,
                             enum exit_style style)
{
	int nagios = style == EXIT_STYLE_NAGIOS;
	size_t counts[VERDICT__COUNT];

	/* No run at all (an invalid input, a probe that could not start). */
	if (d == NULL || c == NULL)
		return nagios ? 3 : 2;
	/* NXDOMAIN and NODATA are answers the checklist judges; a missing
	 * answer leaves nothing to judge. With -s HOST no MX is asked. */
	if (d->mx.done && d->mx.status != DNS_OK && d->mx.status != DNS_NODATA &&
	    d->mx.status != DNS_NXDOMAIN)
		return nagios ? 3 : 2;
	checklist_count(c, counts);
	if (!nagios)
		return counts[V_FAIL] > 0 ? 1 : 0;
	/* monitoring-plugins: CRITICAL, WARNING, UNKNOWN (still pending:
	 * not judged), OK. */
	return counts[V_FAIL] > 0 ? 2 : counts[V_WARN] > 0 ? 1 : counts[V_PENDING] > 0 ? 3 : 0;
}

int checklist_exit_worst(int a, int b, enum exit_style style)
{
	/* The Nagios order of badness is OK < WARNING < UNKNOWN < CRITICAL
	 * (monitoring-plugins' max_state_alt); mailflow's is the number. */
	static const int rank[4] = { 0, 1, 3, 2 };

	if (style != EXIT_STYLE_NAGIOS || a < 0 || a > 3 || b < 0 || b > 3)
		return a > b ? a : b;
	return rank[a] >= rank[b] ? a : b;
}

/* ---- --explain: the recipient now ------------------------------------- */

enum checklist_now checklist_rcpt_now(const struct checklist *c, const struct check_item **item)
{
	static const enum verdict order[] = { V_FAIL, V_WARN, V_PASS };
	static const enum checklist_now now[] = {
		CHECKLIST_NOW_REFUSED, CHECKLIST_NOW_DEFERRED, CHECKLIST_NOW_ACCEPTED,
	};
	const struct check_item *first = NULL;
	size_t i, k;

	for (k = 0; k < sizeof order / sizeof order[0]; k++)
		for (i = 0; i < c->n; i++)
			if (strcmp(c->items[i].id, "host.rcpt") == 0 &&
			    c->items[i].verdict == order[k]) {
				*item = &c->items[i];
				return now[k];
			}
	for (i = 0; i < c->n && first == NULL; i++)
		if (strcmp(c->items[i].id, "host.rcpt") == 0)
			first = &c->items[i];
	*item = first != NULL ? first : checklist_find(c, "dns.mx", -1, -1);
	return CHECKLIST_NOW_UNTESTED;
}

enum checklist_now checklist_rcpt_now_at(const struct checklist *c, long host,
                                         const struct check_item **item)
{
	struct checklist one;
	struct check_item *v = xcalloc(c->n + 1, sizeof *v);
	const struct check_item *found = NULL;
	enum checklist_now now;
	size_t i;

	/* The host's own items, in order; *item points back into c. */
	one.items = v;
	one.n = 0;
	for (i = 0; i < c->n; i++)
		if (c->items[i].host == host && strcmp(c->items[i].id, "host.rcpt") == 0)
			v[one.n++] = c->items[i];
	now = checklist_rcpt_now(&one, &found);
	*item = NULL;
	for (i = 0; found != NULL && i < c->n && *item == NULL; i++)
		if (c->items[i].host == host && strcmp(c->items[i].id, "host.rcpt") == 0 &&
		    c->items[i].addr == found->addr)
			*item = &c->items[i];
	free(v);
	return now;
}

/* Host names equal but for case and a final dot. */
static bool host_name_is(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > 0 && a[na - 1] == '.')
		na--;
	if (nb > 0 && b[nb - 1] == '.')
		nb--;
	return na > 0 && na == nb && strncasecmp(a, b, na) == 0;
}

/* Host i of d, by name or by one of its addresses. */
static bool host_is(const struct model_host *h, const char *name, const char *ip)
{
	size_t j;

	if (name[0] != '\0' && host_name_is(h->name, name))
		return true;
	for (j = 0; j < h->naddrs; j++)
		if ((ip[0] != '\0' && strcmp(h->addrs[j].addr, ip) == 0) ||
		    (name[0] != '\0' && strcmp(h->addrs[j].addr, name) == 0))
			return true;
	return false;
}

enum checklist_remote checklist_remote_find(const struct model_domain *d, const char *name,
                                            const char *ip, long *host)
{
	size_t i;

	*host = -1;
	if (name == NULL)
		name = "";
	if (ip == NULL)
		ip = "";
	if (name[0] == '\0' && ip[0] == '\0')
		return CHECKLIST_REMOTE_UNNAMED;
	for (i = 0; i < d->nhosts; i++)
		if (host_is(&d->hosts[i], name, ip)) {
			*host = (long)i;
			/* No MX lookup ran: the host was given with -s. */
			return d->mx.done ? CHECKLIST_REMOTE_MX : CHECKLIST_REMOTE_ALONE;
		}
	if (!d->mx.done && d->nhosts > 0)
		return CHECKLIST_REMOTE_OTHER;
	if (!d->mx.done || d->nhosts == 0 ||
	    (d->mx.status != DNS_OK && d->mx.status != DNS_NODATA))
		return CHECKLIST_REMOTE_NO_MX;
	return CHECKLIST_REMOTE_NOT_MX;
}

const char *checklist_remote_name(enum checklist_remote r)
{
	static const char *const names[CHECKLIST_REMOTE__COUNT] = {
		"unnamed", "mx", "not-mx", "alone", "other", "no-mx",
	};
	return (unsigned)r < CHECKLIST_REMOTE__COUNT ? names[r] : "?";
}

const char *checklist_now_name(enum checklist_now now)
{
	static const char *const names[CHECKLIST_NOW__COUNT] = {
		"untested", "accepted", "deferred", "refused",
	};
	return (unsigned)now < CHECKLIST_NOW__COUNT ? names[now] : "?";
}

const struct model_host *checklist_item_host(const struct model_domain *d,
                                             const struct check_item *it)
{
	if (it->host < 0 || (size_t)it->host >= d->nhosts)
		return NULL;
	return &d->hosts[it->host];
}

const struct model_address *checklist_item_address(const struct model_domain *d,
                                                   const struct check_item *it)
{
	const struct model_host *h = checklist_item_host(d, it);

	if (h == NULL || it->addr < 0 || (size_t)it->addr >= h->naddrs)
		return NULL;
	return &h->addrs[it->addr];
}
