/*
 * --metrics, --nagios and --report FILE.html on constructed models: the
 * Nagios exit status (checklist_exit_status_as) for every kind of run,
 * the worst of a list in the plugins' order; the exposition's families
 * grouped over several domains and its label values escaped; the status
 * line with its perfdata; the HTML page escaped, with no script and no
 * URL, and a timing bar per step that ran.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/report.h"
#include "mailflow/xmalloc.h"
#include "mailflow/summary.h"

static struct model_domain dom;

static void domain_init(const char *domain)
{
	struct target t;

	assert_int_equal(target_parse(domain, &t, NULL), 0);
	model_domain_init(&dom, &t);
	dom.mx.done = 1;
	dom.mx.status = DNS_OK;
	dom.complete = 1;
	dom.dns_ms = 12;
	dom.spf.lookup.done = dom.dmarc.lookup.done = 1;
	dom.mta_sts.lookup.done = dom.tls_rpt.lookup.done = 1;
	dom.spf.lookup.status = dom.dmarc.lookup.status = DNS_NODATA;
	dom.mta_sts.lookup.status = dom.tls_rpt.lookup.status = DNS_NXDOMAIN;
}

/* One address whose session passed every step with valid TLS. */
static struct model_session *host_add(const char *name, uint16_t pref, const char *addr)
{
	size_t hi = model_host_add(&dom, name, pref);
	struct model_host *h = &dom.hosts[hi];
	size_t ai = model_address_add(h, addr, 4);
	struct model_session *s = calloc(1, sizeof *s);
	int st;

	assert_non_null(s);
	h->a.done = h->aaaa.done = 1;
	h->addrs[ai].session = s;
	h->addrs[ai].ptr.done = 1;
	h->addrs[ai].ptr.status = DNS_OK;
	h->addrs[ai].fcrdns = 1;
	h->addrs[ai].nptr = 1;
	snprintf(h->addrs[ai].ptr_names[0], DNS_NAME_MAX, "%s", name);
	snprintf(s->host, sizeof s->host, "%s", name);
	snprintf(s->addr, sizeof s->addr, "%s", addr);
	s->port = 25;
	s->done = 1;
	s->started_ms = dom.started_ms + 10;
	s->ended_ms = s->started_ms + 110;
	for (st = 0; st < STEP__COUNT; st++) {
		s->steps[st].state = STEP_OK;
		s->steps[st].code = 250;
		s->steps[st].at_ms = (uint64_t)st * 10;
		s->steps[st].ms = 10;
	}
	s->steps[STEP_CONNECT].code = 0;
	s->steps[STEP_BANNER].code = 220;
	s->steps[STEP_RELAY].state = STEP_REJECTED;
	s->steps[STEP_RELAY].reason = REASON_REFUSED;
	s->steps[STEP_RELAY].code = 550;
	snprintf(s->steps[STEP_RELAY].enhanced, 16, "5.7.1");
	s->steps[STEP_AUTH].state = STEP_SKIPPED;
	s->steps[STEP_AUTH].reason = REASON_BY_OPTION;
	s->steps[STEP_DATA].state = STEP_SKIPPED;
	s->steps[STEP_DATA].reason = REASON_BY_OPTION;
	s->steps[STEP_QUIT].code = 221;
	s->tls_active = 1;
	s->starttls_offered = 1;
	s->tls.handshake_done = 1;
	s->tls.chain_ok = s->tls.name_ok = 1;
	s->tls.days_left = 60;
	snprintf(s->tls.version, sizeof s->tls.version, "TLSv1.3");
	snprintf(s->tls.cipher, sizeof s->tls.cipher, "TLS_AES_256_GCM_SHA384");
	snprintf(s->tls.not_after, sizeof s->tls.not_after, "2026-12-22 17:56:13 UTC");
	return s;
}

/* RCPT refused with 550 5.1.1: a fail. */
static void refuse_rcpt(struct model_session *s)
{
	s->steps[STEP_RCPT].state = STEP_REJECTED;
	s->steps[STEP_RCPT].reason = REASON_REFUSED;
	s->steps[STEP_RCPT].code = 550;
	snprintf(s->steps[STEP_RCPT].enhanced, 16, "5.1.1");
}

/* What a rendering wrote, as a string (free it). */
struct capture {
	char *p;
	size_t n;
	FILE *f;
};

static void capture_start(struct capture *c)
{
	c->p = NULL;
	c->n = 0;
	c->f = open_memstream(&c->p, &c->n);
	assert_non_null(c->f);
}

static char *capture_end(struct capture *c)
{
	fclose(c->f);
	return c->p;
}

static int nagios_status(void)
{
	struct checklist c;
	int rc;

	checklist_build(&dom, &c);
	rc = checklist_exit_status_as(&dom, &c, EXIT_STYLE_NAGIOS);
	checklist_free(&c);
	return rc;
}

static void test_nagios_exit_status(void **state)
{
	struct model_session *s;
	struct checklist c;

	(void)state;
	domain_init("ok.example");
	s = host_add("mx.ok.example", 10, "192.0.2.1");
	dom.dmarc.lookup.status = DNS_OK;
	checklist_build(&dom, &c);
	/* The mailflow convention is unchanged beside it. */
	assert_int_equal(checklist_exit_status(&dom, &c), checklist_exit_status_as(&dom, &c,
	                 EXIT_STYLE_MAILFLOW));
	checklist_free(&c);
	/* No DMARC record is a warn in this checklist: WARNING. */
	dom.dmarc.lookup.status = DNS_NODATA;
	assert_int_equal(nagios_status(), 1);
	refuse_rcpt(s);
	assert_int_equal(nagios_status(), 2);
	/* No answer for the MX: UNKNOWN (mailflow: 2). */
	dom.mx.status = DNS_TIMEOUT;
	assert_int_equal(nagios_status(), 3);
	model_domain_free(&dom);
	/* No run at all. */
	assert_int_equal(checklist_exit_status_as(NULL, NULL, EXIT_STYLE_NAGIOS), 3);
	assert_int_equal(checklist_exit_status_as(NULL, NULL, EXIT_STYLE_MAILFLOW), 2);
}

static void test_exit_worst(void **state)
{
	(void)state;
	/* Nagios: CRITICAL > UNKNOWN > WARNING > OK. */
	assert_int_equal(checklist_exit_worst(3, 2, EXIT_STYLE_NAGIOS), 2);
	assert_int_equal(checklist_exit_worst(2, 3, EXIT_STYLE_NAGIOS), 2);
	assert_int_equal(checklist_exit_worst(1, 3, EXIT_STYLE_NAGIOS), 3);
	assert_int_equal(checklist_exit_worst(0, 1, EXIT_STYLE_NAGIOS), 1);
	/* mailflow: the larger number. */
	assert_int_equal(checklist_exit_worst(1, 2, EXIT_STYLE_MAILFLOW), 2);
}

/* The lines of text that start with prefix. */
static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	const char *p = text;

	while (p != NULL && *p) {
		if (strncmp(p, prefix, len) == 0)
			n++;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return n;
}

static void test_metrics_grouped_and_escaped(void **state)
{
	struct report_metrics *m = report_metrics_new();
	struct report_options ro = { 0 };
	struct model_domain first;
	struct capture cap;
	struct checklist c;
	char *text;

	(void)state;
	domain_init("one.example");
	host_add("mx.one.example", 10, "192.0.2.1");
	checklist_build(&dom, &c);
	report_metrics_add(m, &dom, &c, &ro);
	checklist_free(&c);
	first = dom;
	domain_init("two.example");
	/* A host name with characters an exposition must escape. */
	host_add("mx\"two\\.example", 10, "192.0.2.2");
	checklist_build(&dom, &c);
	ro.exit_status = 1;
	report_metrics_add(m, &dom, &c, &ro);
	checklist_free(&c);
	capture_start(&cap);
	report_metrics_write(m, cap.f);
	text = capture_end(&cap);
	/* One HELP and TYPE per family, then both domains' samples. */
	assert_int_equal(count_lines(text, "# TYPE mailflow_domain_up gauge"), 1);
	assert_int_equal(count_lines(text, "mailflow_domain_up{"), 2);
	assert_non_null(strstr(text, "# TYPE mailflow_domain_up gauge\n"
	                       "mailflow_domain_up{domain=\"one.example\"} 1\n"
	                       "mailflow_domain_up{domain=\"two.example\"} 1\n"));
	assert_non_null(strstr(text, "mailflow_domain_exit_status{domain=\"two.example\"} 1\n"));
	/* text_sanitize shows a backslash as \\ ; the exposition escapes both
	 * and the quote. */
	assert_non_null(strstr(text, "host=\"mx\\\"two\\\\\\\\.example\""));
	assert_non_null(strstr(text, "mailflow_host_step_duration_seconds{domain=\"one.example\","
	                       "host=\"mx.one.example\",address=\"192.0.2.1\",step=\"ehlo\"} 0.01\n"));
	assert_non_null(strstr(text, "mailflow_host_tls_version{domain=\"one.example\","
	                       "host=\"mx.one.example\",address=\"192.0.2.1\"} 1.3\n"));
	/* date -d '2026-12-22 17:56:13Z' +%s */
	assert_non_null(strstr(text, "mailflow_host_certificate_expiry_timestamp_seconds{domain="
	                       "\"one.example\",host=\"mx.one.example\",address=\"192.0.2.1\"} "
	                       "1797962173\n"));
	/* Skipped steps have no duration. */
	assert_null(strstr(text, "step=\"auth\""));
	free(text);
	report_metrics_free(m);
	model_domain_free(&dom);
	model_domain_free(&first);
}

/* MTA-STS in the metrics: the policy's mode and each host's verdict, as
 * the checklist gives them. */
static void test_metrics_mta_sts(void **state)
{
	static const char *const mx[] = { "mx.sts.example" };
	struct report_metrics *m = report_metrics_new();
	struct report_options ro = { 0 };
	struct capture cap;
	struct checklist c;
	char *text;

	(void)state;
	domain_init("sts.example");
	host_add("mx.sts.example", 10, "192.0.2.1");
	host_add("mx.other.example", 20, "192.0.2.2");
	dom.mta_sts.lookup.status = DNS_OK;
	model_policy_add(&dom.mta_sts, "v=STSv1; id=1");
	dom.sts.state = MODEL_STS_FETCHED;
	dom.sts.fetch.status = STS_FETCH_OK;
	dom.sts.parsed = 1;
	dom.sts.policy.mode = STS_MODE_ENFORCE;
	dom.sts.policy.max_age = 604800;
	dom.sts.policy.mx = xcalloc(1, sizeof *dom.sts.policy.mx);
	dom.sts.policy.mx[0] = xstrdup(mx[0]);
	dom.sts.policy.nmx = 1;
	checklist_build(&dom, &c);
	report_metrics_add(m, &dom, &c, &ro);
	checklist_free(&c);
	capture_start(&cap);
	report_metrics_write(m, cap.f);
	text = capture_end(&cap);
	assert_non_null(strstr(text, "mailflow_domain_mta_sts_policy{domain=\"sts.example\","
	                       "mode=\"enforce\"} 1\n"));
	assert_non_null(strstr(text, "mailflow_host_mta_sts_ok{domain=\"sts.example\","
	                       "host=\"mx.sts.example\",address=\"192.0.2.1\"} 1\n"));
	/* Not covered by the policy's mx: a sender does not deliver there. */
	assert_non_null(strstr(text, "mailflow_host_mta_sts_ok{domain=\"sts.example\","
	                       "host=\"mx.other.example\",address=\"192.0.2.2\"} 0\n"));
	free(text);
	report_metrics_free(m);
	model_domain_free(&dom);
}

/* DANE in the metrics: host.dane's verdict per address, none where DANE
 * was not judged. */
static void test_metrics_dane(void **state)
{
	struct report_metrics *m = report_metrics_new();
	struct report_options ro = { 0 };
	struct model_session *s;
	struct model_host *h;
	struct capture cap;
	struct checklist c;
	char *text;

	(void)state;
	domain_init("dane.example");
	s = host_add("mx.dane.example", 10, "192.0.2.1");
	host_add("mx2.dane.example", 20, "192.0.2.2");
	h = &dom.hosts[0];
	h->tlsa.done = 1;
	dom.mx_dnssec.status = h->tlsa_dnssec.status = DNSSEC_SECURE;
	h->dane_tlsa = xcalloc(1, sizeof *h->dane_tlsa);
	h->ndane_tlsa = 1;
	h->dane_tlsa[0].usage = 3;
	h->dane_tlsa[0].selector = 1;
	h->dane_tlsa[0].mtype = 1;
	memset(h->dane_tlsa[0].data_hex, 'a', 64);
	s->dane.state = DANE_STATE_NO_MATCH;
	checklist_build(&dom, &c);
	report_metrics_add(m, &dom, &c, &ro);
	checklist_free(&c);
	capture_start(&cap);
	report_metrics_write(m, cap.f);
	text = capture_end(&cap);
	assert_non_null(strstr(text, "mailflow_host_dane_ok{domain=\"dane.example\","
	                       "host=\"mx.dane.example\",address=\"192.0.2.1\"} 0\n"));
	/* The second host's zone is signed and has no TLSA: not judged. */
	assert_null(strstr(text, "mailflow_host_dane_ok{domain=\"dane.example\","
	                   "host=\"mx2.dane.example\""));
	free(text);
	report_metrics_free(m);
	model_domain_free(&dom);
}

static void test_nagios_line(void **state)
{
	struct report_nagios *n = report_nagios_new();
	struct report_options ro = { 0 };
	struct capture cap;
	struct checklist c;
	char *text;

	(void)state;
	domain_init("one.example");
	refuse_rcpt(host_add("mx.one.example", 10, "192.0.2.1"));
	checklist_build(&dom, &c);
	ro.exit_status = checklist_exit_status_as(&dom, &c, EXIT_STYLE_NAGIOS);
	report_nagios_add(n, &dom, &c, &ro);
	checklist_free(&c);
	capture_start(&cap);
	report_nagios_write(n, cap.f, ro.exit_status);
	text = capture_end(&cap);
	assert_int_equal(ro.exit_status, 2);
	assert_non_null(strstr(text, "MAILFLOW CRITICAL - Mail to one.example cannot be "
	                       "delivered"));
	assert_non_null(strstr(text, " | 'pass'="));
	assert_non_null(strstr(text, " 'fail'=1;;;0 "));
	assert_non_null(strstr(text, " 'dns'=0.012s;;;0"));
	assert_non_null(strstr(text, " 'addresses_up'=1;;;0\n"));
	/* One line: no '|' in the text part, nothing after the newline. */
	assert_ptr_equal(strchr(text, '|'), strrchr(text, '|'));
	assert_int_equal(strchr(text, '\n')[1], '\0');
	free(text);
	report_nagios_free(n);
	model_domain_free(&dom);
}

static void test_html_escaped_inert(void **state)
{
	struct report_options ro = { 0 };
	struct model_session *s;
	struct capture cap;
	struct checklist c;
	char *text;
	static const char hostile[] = "220 <script>alert(1)</script> \"x\" 'y' & \x1b[2J";

	(void)state;
	domain_init("one.example");
	s = host_add("mx.one.example", 10, "192.0.2.1");
	model_session_add_line(s, 'S', 0, hostile, sizeof hostile - 1);
	s->steps[STEP_BANNER].line_from = 0;
	s->steps[STEP_BANNER].line_to = 1;
	refuse_rcpt(s);
	checklist_build(&dom, &c);
	ro.transcripts = 1;
	capture_start(&cap);
	report_html_begin(cap.f, "one.example");
	report_html_domain(cap.f, &dom, &c, &ro);
	report_html_end(cap.f);
	text = capture_end(&cap);
	checklist_free(&c);
	assert_null(strstr(text, "<script"));
	assert_null(strstr(text, "\x1b"));
	assert_null(strstr(text, "http:"));
	assert_null(strstr(text, "https:"));
	assert_non_null(strstr(text, "220 &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot; "
	                       "&#39;y&#39; &amp; \\e[2J"));
	assert_non_null(strstr(text, "default-src 'none'"));
	assert_non_null(strstr(text, "<tr class=\"v-fail\" data-verdict=\"fail\"><td>1</td>"
	                       "<td>10</td><td>mx.one.example</td><td>192.0.2.1</td>"));
	assert_non_null(strstr(text, "data-id=\"host.rcpt\""));
	/* A bar for each step that ran (9 of 11: auth and data skipped). */
	assert_int_equal(count_lines(text, "<rect ") - 1 /* the DNS plan */, 9);
	assert_null(strstr(text, "data-step=\"auth\""));
	free(text);
	model_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nagios_exit_status),
		cmocka_unit_test(test_exit_worst),
		cmocka_unit_test(test_metrics_grouped_and_escaped),
		cmocka_unit_test(test_metrics_mta_sts),
		cmocka_unit_test(test_metrics_dane),
		cmocka_unit_test(test_nagios_line),
		cmocka_unit_test(test_html_escaped_inert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
