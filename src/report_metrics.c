/*
 * report_metrics.c — the run for a monitoring system: --metrics, the
 * Prometheus text exposition format (version 0.0.4, what node_exporter's
 * textfile collector and `promtool check metrics` read), and --nagios, one
 * status line with perfdata in the monitoring-plugins manner.
 *
 * Both gather every domain of a list and write once at its end: an
 * exposition must keep each metric family's samples together (one HELP,
 * one TYPE, then its samples), and a plugin prints one status line.
 *
 * Only facts of the model, the checklist's verdicts and the exit status
 * the checklist decided are shown; nothing here judges. Label values are
 * sanitized (text_sanitize) and then escaped for the exposition (\\, \",
 * \n); Nagios labels are quoted and lose the characters the plugin API
 * reserves (' and =).
 */
#include "mailflow/report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailflow/summary.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#define LABEL_MAX 512           /* a label value, sanitized */

/* ---- a growable text buffer -------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_vadd(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void buf_vadd(struct buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
}

static void buf_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vadd(b, fmt, ap);
	va_end(ap);
}

/* ---- the metric families ------------------------------------------------- */

#define METRIC_FAMILIES(X) \
	X(UP,          "mailflow_domain_up", \
	  "1 when the domain could be judged (an MX answer or -s), 0 when not (exit status 2)") \
	X(EXIT,        "mailflow_domain_exit_status", \
	  "the domain's exit status: 0 no check failed, 1 a check failed, 2 not judged") \
	X(CHECKS,      "mailflow_domain_checks", \
	  "checklist items of the domain (its hosts' included) by verdict") \
	X(DNS,         "mailflow_domain_dns_seconds", "time of the DNS plan") \
	X(MXHOSTS,     "mailflow_domain_mx_hosts", "MX hosts of the domain (1 for implicit MX)") \
	X(RUN,         "mailflow_domain_last_run_timestamp_seconds", \
	  "when this report was made (Unix time)") \
	X(HOST_UP,     "mailflow_host_up", \
	  "1 when the address answered the connection with a 2xx greeting") \
	X(HOST_VERDICT, "mailflow_host_verdict", \
	  "1 for the address's verdict (the worst of its checklist items), 0 for the others") \
	X(HOST_CHECKS, "mailflow_host_checks", "checklist items of the address by verdict") \
	X(STEP,        "mailflow_host_step_duration_seconds", \
	  "how long each SMTP step that ran took (connect, banner, ehlo, starttls, ...)") \
	X(STEP_CODE,   "mailflow_host_step_reply_code", \
	  "the reply code that answered each step that got one") \
	X(SESSION,     "mailflow_host_session_seconds", "the whole SMTP session") \
	X(TLS,         "mailflow_host_tls_info", \
	  "1 with the TLS version and cipher of the session as labels") \
	X(TLS_VERSION, "mailflow_host_tls_version", \
	  "the TLS version as a number (1.2, 1.3), 0 without TLS") \
	X(CERT_EXPIRY, "mailflow_host_certificate_expiry_timestamp_seconds", \
	  "when the server certificate expires (Unix time)") \
	X(CERT_LEFT,   "mailflow_host_certificate_seconds_left", \
	  "seconds until the server certificate expires (negative: expired)") \
	X(CERT_OK,     "mailflow_host_certificate_valid", \
	  "1 when the chain verifies and the certificate names the host, 0 when not") \
	X(STS_POLICY,  "mailflow_domain_mta_sts_policy", \
	  "1 when the MTA-STS policy fetched is usable (dns.mta-sts not failed), its mode a label") \
	X(HOST_STS,    "mailflow_host_mta_sts_ok", \
	  "1 when a sender that honours the domain's MTA-STS policy delivers to the address " \
	  "(host.mta-sts passes), 0 when not") \
	X(HOST_DANE,   "mailflow_host_dane_ok", \
	  "1 when a sender that uses DANE delivers to the address (host.dane passes), 0 when " \
	  "it warns or fails")

enum family {
#define FAMILY_ENUM(e, name, help) FAM_##e,
	METRIC_FAMILIES(FAMILY_ENUM)
#undef FAMILY_ENUM
	FAM__COUNT
};

static const struct {
	const char *name, *help;
} families[FAM__COUNT] = {
#define FAMILY_ROW(e, name, help) [FAM_##e] = { name, help },
	METRIC_FAMILIES(FAMILY_ROW)
#undef FAMILY_ROW
};

struct report_metrics {
	struct buf fam[FAM__COUNT];
};

struct report_metrics *report_metrics_new(void)
{
	return xcalloc(1, sizeof(struct report_metrics));
}

void report_metrics_free(struct report_metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < FAM__COUNT; i++)
		free(m->fam[i].p);
	free(m);
}

/* A label value: sanitized, then \\, \" and \n escaped. */
static void label_value(struct buf *b, const char *s)
{
	char clean[LABEL_MAX];
	size_t i, n = text_sanitize(s, strlen(s), clean, sizeof clean);

	for (i = 0; i < n; i++) {
		if (clean[i] == '\\' || clean[i] == '"')
			buf_add(b, "\\%c", clean[i]);
		else if (clean[i] == '\n')
			buf_add(b, "\\n");
		else
			buf_add(b, "%c", clean[i]);
	}
}

/* The end of sample()'s label list: a null pointer of the type it reads
 * (a bare NULL may be an int in a variadic call). */
#define LABELS_END ((const char *)0)

/* The labels of a sample: name="value" pairs, up to LABELS_END. */
static void sample(struct report_metrics *m, enum family f, double value, ...)
{
	struct buf *b = &m->fam[f];
	const char *k;
	va_list ap;
	int first = 1;

	buf_add(b, "%s{", families[f].name);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		buf_add(b, "%s%s=\"", first ? "" : ",", k);
		label_value(b, va_arg(ap, const char *));
		buf_add(b, "\"");
		first = 0;
	}
	va_end(ap);
	buf_add(b, "} %.10g\n", value);
}

/* "2026-12-22 17:56:13 UTC" (tls.h's not_after) as Unix time; -1 when it
 * is not that. Days from the civil date (H. Hinnant's algorithm): no
 * timegm(), which is not POSIX, and no time zone involved. */
static long long utc_seconds(const char *s)
{
	int y, mo, d, h, mi, se;
	long long era, yoe, doy, doe;

	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d UTC", &y, &mo, &d, &h, &mi, &se) != 6 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153LL * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400LL + h * 3600LL + mi * 60LL + se;
}

/* "TLSv1.3" → 1.3; 0 when it is not a TLS version. */
static double tls_version_number(const char *v)
{
	if (strncmp(v, "TLSv", 4) != 0)
		return 0;
	return strtod(v + 4, NULL);
}

static void add_tls(struct report_metrics *m, const char *dn, const char *hn, const char *an,
                    const struct model_session *s)
{
	long long expiry;

	if (!s->tls.handshake_done) {
		sample(m, FAM_TLS_VERSION, 0, "domain", dn, "host", hn, "address", an, LABELS_END);
		return;
	}
	sample(m, FAM_TLS, 1, "domain", dn, "host", hn, "address", an,
	       "version", s->tls.version, "cipher", s->tls.cipher, LABELS_END);
	sample(m, FAM_TLS_VERSION, tls_version_number(s->tls.version),
	       "domain", dn, "host", hn, "address", an, LABELS_END);
	if ((expiry = utc_seconds(s->tls.not_after)) >= 0) {
		sample(m, FAM_CERT_EXPIRY, (double)expiry,
		       "domain", dn, "host", hn, "address", an, LABELS_END);
		sample(m, FAM_CERT_LEFT, (double)(expiry - (long long)time(NULL)),
		       "domain", dn, "host", hn, "address", an, LABELS_END);
	}
	sample(m, FAM_CERT_OK, s->tls.chain_ok && s->tls.name_ok ? 1 : 0,
	       "domain", dn, "host", hn, "address", an, LABELS_END);
}

static void add_session(struct report_metrics *m, const char *dn, const char *hn,
                        const char *an, const struct model_session *s)
{
	int i;

	sample(m, FAM_HOST_UP, s->steps[STEP_CONNECT].state == STEP_OK &&
	       s->steps[STEP_BANNER].state == STEP_OK ? 1 : 0,
	       "domain", dn, "host", hn, "address", an, LABELS_END);
	for (i = 0; i < STEP__COUNT; i++) {
		const struct model_step *st = &s->steps[i];
		const char *step = model_step_id((enum model_step_id)i);

		if (st->state != STEP_OK && st->state != STEP_REJECTED && st->state != STEP_FAILED)
			continue;
		sample(m, FAM_STEP, (double)st->ms / 1000.0, "domain", dn, "host", hn,
		       "address", an, "step", step, LABELS_END);
		if (st->code > 0)
			sample(m, FAM_STEP_CODE, st->code, "domain", dn, "host", hn,
			       "address", an, "step", step, LABELS_END);
	}
	if (s->done && s->ended_ms >= s->started_ms)
		sample(m, FAM_SESSION, (double)(s->ended_ms - s->started_ms) / 1000.0,
		       "domain", dn, "host", hn, "address", an, LABELS_END);
	add_tls(m, dn, hn, an, s);
}

static void add_address(struct report_metrics *m, const struct model_domain *d,
                        const struct checklist *c, size_t hi, size_t ai)
{
	const struct model_host *h = &d->hosts[hi];
	const struct model_address *a = &h->addrs[ai];
	const char *dn = d->target.domain;
	size_t counts[VERDICT__COUNT] = { 0 }, k;
	const struct check_item *it;
	struct summary_host sh;
	int v;

	summary_host(d, c, (long)hi, (long)ai, &sh);
	for (k = 0; k < c->n; k++)
		if (c->items[k].host == (long)hi && c->items[k].addr == (long)ai)
			counts[c->items[k].verdict]++;
	for (v = 0; v < VERDICT__COUNT; v++) {
		const char *vn = verdict_name((enum verdict)v);

		sample(m, FAM_HOST_VERDICT, sh.verdict == (enum verdict)v ? 1 : 0, "domain", dn,
		       "host", h->name, "address", a->addr, "verdict", vn, LABELS_END);
		sample(m, FAM_HOST_CHECKS, (double)counts[v], "domain", dn, "host", h->name,
		       "address", a->addr, "verdict", vn, LABELS_END);
	}
	it = checklist_find(c, "host.mta-sts", (long)hi, (long)ai);
	if (it != NULL && (it->verdict == V_PASS || it->verdict == V_WARN || it->verdict == V_FAIL))
		sample(m, FAM_HOST_STS, it->verdict == V_PASS ? 1 : 0, "domain", dn,
		       "host", h->name, "address", a->addr, LABELS_END);
	it = checklist_find(c, "host.dane", (long)hi, (long)ai);
	if (it != NULL && (it->verdict == V_PASS || it->verdict == V_WARN || it->verdict == V_FAIL))
		sample(m, FAM_HOST_DANE, it->verdict == V_PASS ? 1 : 0, "domain", dn,
		       "host", h->name, "address", a->addr, LABELS_END);
	if (a->session != NULL)
		add_session(m, dn, h->name, a->addr, a->session);
}

void report_metrics_add(struct report_metrics *m, const struct model_domain *d,
                        const struct checklist *c, const struct report_options *o)
{
	const char *dn = d->target.domain;
	size_t counts[VERDICT__COUNT], i, j;
	int status = o != NULL ? o->exit_status : checklist_exit_status(d, c), v;

	checklist_count(c, counts);
	sample(m, FAM_UP, status == 2 ? 0 : 1, "domain", dn, LABELS_END);
	sample(m, FAM_EXIT, status, "domain", dn, LABELS_END);
	for (v = 0; v < VERDICT__COUNT; v++)
		sample(m, FAM_CHECKS, (double)counts[v], "domain", dn,
		       "verdict", verdict_name((enum verdict)v), LABELS_END);
	sample(m, FAM_DNS, (double)d->dns_ms / 1000.0, "domain", dn, LABELS_END);
	sample(m, FAM_MXHOSTS, (double)d->nhosts, "domain", dn, LABELS_END);
	sample(m, FAM_RUN, (double)time(NULL), "domain", dn, LABELS_END);
	if (d->sts.state == MODEL_STS_FETCHED && d->sts.parsed) {
		const struct check_item *it = checklist_find(c, "dns.mta-sts", -1, -1);

		sample(m, FAM_STS_POLICY, it != NULL && it->verdict != V_FAIL ? 1 : 0,
		       "domain", dn, "mode", sts_mode_name(d->sts.policy.mode), LABELS_END);
	}
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++)
			add_address(m, d, c, i, j);
}

void report_metrics_write(const struct report_metrics *m, FILE *out)
{
	size_t i;

	for (i = 0; i < FAM__COUNT; i++) {
		if (m->fam[i].len == 0)
			continue;
		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", families[i].name, families[i].help,
		        families[i].name);
		fwrite(m->fam[i].p, 1, m->fam[i].len, out);
	}
}

/* ---- Nagios ---------------------------------------------------------------- */

struct report_nagios {
	struct buf perf;        /* the perfdata of every domain */
	struct buf lines;       /* the long text: one sentence a domain */
	size_t ndomains, by_status[4];
	char first[1024];       /* the first domain's sentence */
};

struct report_nagios *report_nagios_new(void)
{
	return xcalloc(1, sizeof(struct report_nagios));
}

void report_nagios_free(struct report_nagios *n)
{
	if (n == NULL)
		return;
	free(n->perf.p);
	free(n->lines.p);
	free(n);
}

static const char *const nagios_names[4] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* Plugin output is one line of text: sanitized, '|' (the perfdata mark)
 * shown as '/'. */
static void nagios_text(struct buf *b, const char *s)
{
	char clean[2048];
	size_t i, n = text_sanitize(s, strlen(s), clean, sizeof clean);

	for (i = 0; i < n; i++)
		buf_add(b, "%c", clean[i] == '|' ? '/' : clean[i]);
}

/* One perfdata value: 'prefix_label'=value[unit];;;min. The label is
 * quoted; ' and = (reserved) become _. */
static void nagios_perf(struct buf *b, const char *prefix, const char *label,
                        double value, const char *unit)
{
	char clean[LABEL_MAX];
	size_t i, n;

	buf_add(b, " '");
	if (prefix != NULL) {
		n = text_sanitize(prefix, strlen(prefix), clean, sizeof clean);
		for (i = 0; i < n; i++)
			buf_add(b, "%c", clean[i] == '\'' || clean[i] == '=' || clean[i] == ' '
			        ? '_' : clean[i]);
		buf_add(b, "_");
	}
	buf_add(b, "%s'=%.6g%s;;;0", label, value, unit);
}

void report_nagios_add(struct report_nagios *n, const struct model_domain *d,
                       const struct checklist *c, const struct report_options *o)
{
	int status = o != NULL ? o->exit_status : checklist_exit_status_as(d, c, EXIT_STYLE_NAGIOS);
	const char *prefix = NULL;
	size_t counts[VERDICT__COUNT], i, j, up = 0;
	char sentence[1024];
	int v;

	if (status < 0 || status > 3)
		status = 3;
	n->by_status[status]++;
	summary_domain_text(d, c, sentence, sizeof sentence);
	if (n->ndomains++ == 0)
		snprintf(n->first, sizeof n->first, "%s", sentence);
	buf_add(&n->lines, "%s: ", nagios_names[status]);
	nagios_text(&n->lines, sentence);
	buf_add(&n->lines, "\n");
	/* The domain names the values only in a list: one domain's graphs keep
	 * their names when a second domain is added elsewhere. */
	if (o != NULL && o->many)
		prefix = d->target.domain;
	checklist_count(c, counts);
	for (v = 0; v < VERDICT__COUNT; v++)
		nagios_perf(&n->perf, prefix, verdict_name((enum verdict)v), (double)counts[v], "");
	nagios_perf(&n->perf, prefix, "dns", (double)d->dns_ms / 1000.0, "s");
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++) {
			const struct model_session *s = d->hosts[i].addrs[j].session;

			if (s != NULL && s->steps[STEP_CONNECT].state == STEP_OK &&
			    s->steps[STEP_BANNER].state == STEP_OK)
				up++;
		}
	nagios_perf(&n->perf, prefix, "addresses", (double)model_address_count(d), "");
	nagios_perf(&n->perf, prefix, "addresses_up", (double)up, "");
}

void report_nagios_invalid(struct report_nagios *n, const char *input, const char *error)
{
	n->by_status[3]++;
	if (n->ndomains++ == 0)
		snprintf(n->first, sizeof n->first, "%s: %s", input, error);
	buf_add(&n->lines, "UNKNOWN: ");
	nagios_text(&n->lines, input);
	buf_add(&n->lines, ": ");
	nagios_text(&n->lines, error);
	buf_add(&n->lines, "\n");
}

void report_nagios_write(const struct report_nagios *n, FILE *out, int status)
{
	struct buf head = { 0 };

	if (status < 0 || status > 3)
		status = 3;
	if (n->ndomains == 1)
		nagios_text(&head, n->first);
	else
		buf_add(&head, "%zu domains: %zu critical, %zu warning, %zu unknown, %zu ok",
		        n->ndomains, n->by_status[2], n->by_status[1], n->by_status[3],
		        n->by_status[0]);
	fprintf(out, "MAILFLOW %s - %s |%s\n", nagios_names[status], head.p ? head.p : "",
	        n->perf.p ? n->perf.p : "");
	/* The long text (one line a domain) when there are several. */
	if (n->ndomains > 1 && n->lines.p != NULL)
		fputs(n->lines.p, out);
	free(head.p);
}
