/*
 * Checklist rules on constructed models: each verdict of DESIGN.md's ids
 * from the facts that should produce it, with explanation and next step.
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

#include "mailflow/checklist.h"

static struct model_domain dom;

/* Ends a step as smtp.c does: state, reason and the failure class that
 * goes with it. The detail is for people; tests give misleading ones to
 * show that no verdict reads it. */
static void step_set(struct model_step *st, enum model_step_state state,
                     enum model_reason reason, const char *detail)
{
	st->state = state;
	st->reason = reason;
	st->fail = model_reason_fail(reason);
	snprintf(st->detail, sizeof st->detail, "%s", detail);
}

static void domain_with_host(const char *domain)
{
	struct target t;
	size_t hi;

	assert_int_equal(target_parse(domain, &t, NULL), 0);
	model_domain_init(&dom, &t);
	dom.mx.done = 1;
	dom.mx.status = DNS_OK;
	dom.complete = 1;
	dom.spf.lookup.done = dom.dmarc.lookup.done = 1;
	dom.mta_sts.lookup.done = dom.tls_rpt.lookup.done = 1;
	dom.spf.lookup.status = dom.dmarc.lookup.status = DNS_NODATA;
	dom.mta_sts.lookup.status = dom.tls_rpt.lookup.status = DNS_NXDOMAIN;
	hi = model_host_add(&dom, "mx1.example.test", 10);
	assert_int_equal(hi, 0);
	dom.hosts[0].a.done = dom.hosts[0].aaaa.done = 1;
}

/* The domain publishes _mta-sts and a sender fetched a valid policy in
 * mode (covering the patterns given, NULL-ended). */
static void sts_fetched(enum sts_mode mode, const char *const *mx)
{
	char text[512];
	size_t n;

	dom.mta_sts.lookup.status = DNS_OK;
	if (dom.mta_sts.nrecords == 0)
		model_policy_add(&dom.mta_sts, "v=STSv1; id=1");
	n = (size_t)snprintf(text, sizeof text, "version: STSv1\nmode: %s\nmax_age: 600\n",
	                     sts_mode_name(mode));
	while (mx != NULL && *mx != NULL)
		n += (size_t)snprintf(text + n, sizeof text - n, "mx: %s\n", *mx++);
	sts_policy_clear(&dom.sts.policy);
	dom.sts.state = MODEL_STS_FETCHED;
	dom.sts.fetch.status = STS_FETCH_OK;
	dom.sts.fetch.http_code = 200;
	dom.sts.parsed = 1;
	assert_int_equal(sts_policy_parse(text, n, &dom.sts.policy), 0);
}

static const char *const covers_mx1[] = { "mx1.example.test", NULL };

/* An address with a session whose every step passed. */
static struct model_session *add_session(size_t host, const char *addr)
{
	struct model_host *h = &dom.hosts[host];
	size_t ai = model_address_add(h, addr, 4);
	struct model_session *s = calloc(1, sizeof *s);
	int st;

	assert_non_null(s);
	h->addrs[ai].session = s;
	h->addrs[ai].ptr.done = 1;
	h->addrs[ai].ptr.status = DNS_OK;
	h->addrs[ai].fcrdns = 1;
	h->addrs[ai].nptr = 1;
	snprintf(h->addrs[ai].ptr_names[0], DNS_NAME_MAX, "%s", h->name);
	snprintf(s->host, sizeof s->host, "%s", h->name);
	snprintf(s->addr, sizeof s->addr, "%s", addr);
	s->port = 25;
	s->done = 1;
	for (st = 0; st < STEP__COUNT; st++) {
		s->steps[st].state = STEP_OK;
		s->steps[st].code = 250;
	}
	s->steps[STEP_BANNER].code = 220;
	snprintf(s->steps[STEP_BANNER].text, sizeof s->steps[0].text, "%.200s ESMTP", h->name);
	s->steps[STEP_RELAY].state = STEP_REJECTED;
	s->steps[STEP_RELAY].code = 550;
	snprintf(s->steps[STEP_RELAY].enhanced, 16, "5.7.1");
	s->steps[STEP_AUTH].state = STEP_SKIPPED;
	s->steps[STEP_AUTH].reason = REASON_BY_OPTION;         /* no --auth-user */
	s->steps[STEP_QUIT].code = 221;
	s->tls_active = 1;
	s->tls.handshake_done = 1;
	s->tls.chain_ok = s->tls.name_ok = 1;
	s->tls.days_left = 60;
	snprintf(s->tls.version, sizeof s->tls.version, "TLSv1.3");
	return s;
}

static const struct check_item *item(struct checklist *c, const char *id, long h, long a)
{
	const struct check_item *it;

	checklist_free(c);
	checklist_build(&dom, c);
	it = checklist_find(c, id, h, a);
	if (it == NULL)
		fail_msg("no item %s (%ld,%ld)", id, h, a);
	return it;
}

static void expect(struct checklist *c, const char *id, long h, long a, enum verdict v)
{
	const struct check_item *it = item(c, id, h, a);

	if (it->verdict != v)
		fail_msg("%s: %s \"%s\", wanted %s", id, verdict_name(it->verdict),
		         it->title, verdict_name(v));
	assert_true(strlen(it->title) > 0);
	if (v == V_FAIL || v == V_WARN) {
		if (strlen(it->explanation) == 0 || strlen(it->next) == 0)
			fail_msg("%s %s \"%s\" lacks explanation or next step", id,
			         verdict_name(v), it->title);
	}
}

static void test_all_pass(void **state)
{
	struct checklist c = { 0 };
	size_t counts[6];
	static const char *const ids[] = {
		"host.ptr", "host.connect", "host.banner", "host.ehlo", "host.starttls",
		"host.cert", "host.mail", "host.rcpt", "host.relay", "host.data", "host.quit",
	};
	size_t i;

	(void)state;
	domain_with_host("example.test");
	add_session(0, "192.0.2.1");
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
		expect(&c, ids[i], 0, 0, V_PASS);
	expect(&c, "host.auth", 0, 0, V_SKIP);
	expect(&c, "dns.mx", -1, -1, V_PASS);
	expect(&c, "dns.mx.targets", -1, -1, V_PASS);
	expect(&c, "dns.spf", -1, -1, V_WARN);
	expect(&c, "dns.dmarc", -1, -1, V_WARN);
	expect(&c, "dns.mta-sts", -1, -1, V_INFO);
	expect(&c, "dns.tls-rpt", -1, -1, V_INFO);
	expect(&c, "dns.tlsa", -1, -1, V_INFO);
	expect(&c, "compare", -1, -1, V_SKIP);
	checklist_count(&c, counts);
	assert_int_equal(counts[V_FAIL], 0);
	checklist_free(&c);
	model_domain_free(&dom);
}

static void test_dns_verdicts(void **state)
{
	struct checklist c = { 0 };
	struct model_policy *spf;

	(void)state;
	domain_with_host("example.test");
	dom.mx.status = DNS_NXDOMAIN;
	expect(&c, "dns.mx", -1, -1, V_FAIL);
	dom.mx.status = DNS_SERVFAIL;
	expect(&c, "dns.mx", -1, -1, V_FAIL);
	assert_non_null(strstr(item(&c, "dns.mx", -1, -1)->explanation, "SERVFAIL"));
	dom.mx.status = DNS_TIMEOUT;
	assert_non_null(strstr(item(&c, "dns.mx", -1, -1)->explanation, "No DNS answer"));
	dom.mx.status = DNS_OK;
	dom.null_mx = 1;
	expect(&c, "dns.mx", -1, -1, V_WARN);
	dom.null_mx = 0;

	spf = &dom.spf;
	spf->lookup.status = DNS_OK;
	model_policy_add(spf, "v=spf1 mx -all");
	expect(&c, "dns.spf", -1, -1, V_PASS);
	model_policy_add(spf, "v=spf1 a -all");
	expect(&c, "dns.spf", -1, -1, V_FAIL);
	free(spf->records[1]);
	spf->nrecords = 1;
	free(spf->records[0]);
	spf->records[0] = strdup("v=spf1 +all");
	expect(&c, "dns.spf", -1, -1, V_WARN);

	dom.dmarc.lookup.status = DNS_OK;
	model_policy_add(&dom.dmarc, "v=DMARC1; p=none");
	expect(&c, "dns.dmarc", -1, -1, V_INFO);

	model_finding_add(&dom, FINDING_MX_TARGET_CNAME, "mx1.example.test", "alias");
	expect(&c, "dns.mx.targets", -1, -1, V_WARN);
	model_finding_add(&dom, FINDING_MX_TARGET_IP_LITERAL, "mx1.example.test", "ip");
	expect(&c, "dns.mx.targets", -1, -1, V_FAIL);
	checklist_free(&c);
	model_domain_free(&dom);
}

static void test_connect_and_banner(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	int st;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	for (st = STEP_BANNER; st < STEP__COUNT; st++)
		s->steps[st].state = STEP_NOT_RUN;
	s->steps[STEP_CONNECT].state = STEP_FAILED;
	s->steps[STEP_CONNECT].fail = FAIL_CONNECT;
	s->conn_error = CONN_REFUSED;
	expect(&c, "host.connect", 0, 0, V_FAIL);
	assert_non_null(strstr(item(&c, "host.connect", 0, 0)->explanation, "refused"));
	s->conn_error = CONN_TIMEOUT;
	assert_non_null(strstr(item(&c, "host.connect", 0, 0)->explanation, "port 25"));
	expect(&c, "host.banner", 0, 0, V_SKIP);

	s->steps[STEP_CONNECT].state = STEP_OK;
	s->steps[STEP_BANNER].state = STEP_FAILED;
	s->steps[STEP_BANNER].fail = FAIL_TIMEOUT;
	expect(&c, "host.banner", 0, 0, V_FAIL);
	assert_non_null(strstr(item(&c, "host.banner", 0, 0)->explanation, "tarpit"));

	s->steps[STEP_BANNER].state = STEP_REJECTED;
	s->steps[STEP_BANNER].fail = FAIL_NONE;
	s->steps[STEP_BANNER].code = 421;
	/* Issue 12: a 4xx is temporary wherever it comes (was V_FAIL). */
	expect(&c, "host.banner", 0, 0, V_WARN);
	assert_non_null(strstr(item(&c, "host.banner", 0, 0)->explanation, "retry later"));
	s->steps[STEP_BANNER].code = 554;
	expect(&c, "host.banner", 0, 0, V_FAIL);
	s->steps[STEP_BANNER].code = 421;
	assert_int_equal(item(&c, "host.banner", 0, 0)->code, 421);

	s->steps[STEP_BANNER].state = STEP_OK;
	s->steps[STEP_BANNER].code = 220;
	snprintf(s->steps[STEP_BANNER].text, 256, "exchange01.corp.local Microsoft ESMTP");
	expect(&c, "host.banner", 0, 0, V_WARN);
	snprintf(s->steps[STEP_BANNER].text, 256, "mx1.example.test ESMTP");
	s->banner_ms = 21000;
	expect(&c, "host.banner", 0, 0, V_WARN);
	checklist_free(&c);
	model_domain_free(&dom);
}

static void test_tls_and_cert(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	s->tls.chain_ok = 0;
	snprintf(s->tls.verify_error, 128, "self-signed certificate");
	expect(&c, "host.cert", 0, 0, V_WARN);
	/* The _mta-sts record alone is no policy a sender applies (none was
	 * fetched): opportunistic TLS, a warn. */
	dom.mta_sts.lookup.status = DNS_OK;
	model_policy_add(&dom.mta_sts, "v=STSv1; id=1");
	dom.sts.state = MODEL_STS_NO_ADDRESS;
	expect(&c, "host.cert", 0, 0, V_WARN);
	/* A testing policy: still delivered, a warn. */
	sts_fetched(STS_MODE_TESTING, covers_mx1);
	expect(&c, "host.cert", 0, 0, V_WARN);
	/* Under an enforce policy, verifying senders will not deliver: fail. */
	sts_fetched(STS_MODE_ENFORCE, covers_mx1);
	expect(&c, "host.cert", 0, 0, V_FAIL);
	s->tls.chain_ok = 1;
	s->tls.name_ok = 0;
	expect(&c, "host.cert", 0, 0, V_FAIL);
	s->tls.name_ok = 1;
	s->tls.days_left = 5;
	expect(&c, "host.cert", 0, 0, V_WARN);
	s->tls.days_left = -2;
	expect(&c, "host.cert", 0, 0, V_FAIL);

	s->tls.handshake_done = 0;
	s->tls_active = 0;
	step_set(&s->steps[STEP_STARTTLS], STEP_SKIPPED, REASON_NOT_OFFERED,
	         "the server does not offer STARTTLS");
	expect(&c, "host.starttls", 0, 0, V_FAIL);          /* MTA-STS published */
	expect(&c, "host.cert", 0, 0, V_SKIP);
	checklist_free(&c);
	model_domain_free(&dom);

	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	s->tls_active = 0;
	s->tls.handshake_done = 0;
	s->steps[STEP_STARTTLS].state = STEP_SKIPPED;
	expect(&c, "host.starttls", 0, 0, V_WARN);
	s->steps[STEP_STARTTLS].state = STEP_FAILED;
	s->steps[STEP_STARTTLS].fail = FAIL_PROTOCOL;
	s->tls_injection = 1;
	expect(&c, "host.starttls", 0, 0, V_FAIL);
	assert_non_null(strstr(item(&c, "host.starttls", 0, 0)->title, "injected"));
	checklist_free(&c);
	model_domain_free(&dom);
}

static void test_recipient_and_relay(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	const struct check_item *it;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	s->steps[STEP_RCPT].state = STEP_REJECTED;
	s->steps[STEP_RCPT].code = 550;
	snprintf(s->steps[STEP_RCPT].enhanced, 16, "5.1.1");
	snprintf(s->steps[STEP_RCPT].text, 256, "5.1.1 <x@example.test>: Recipient address "
	         "rejected: User unknown in local recipient table");
	expect(&c, "host.rcpt", 0, 0, V_FAIL);
	it = item(&c, "host.rcpt", 0, 0);
	assert_non_null(strstr(it->explanation, "550 5.1.1"));
	assert_string_equal(it->enhanced, "5.1.1");

	s->steps[STEP_RCPT].code = 450;
	snprintf(s->steps[STEP_RCPT].enhanced, 16, "4.2.0");
	snprintf(s->steps[STEP_RCPT].text, 256, "4.2.0 <x@example.test>: Recipient address "
	         "rejected: Greylisted");
	expect(&c, "host.rcpt", 0, 0, V_WARN);

	s->steps[STEP_RELAY].state = STEP_OK;
	s->steps[STEP_RELAY].code = 250;
	expect(&c, "host.relay", 0, 0, V_FAIL);
	assert_non_null(strstr(item(&c, "host.relay", 0, 0)->title, "Open relay"));
	s->authenticated = 1;
	expect(&c, "host.relay", 0, 0, V_INFO);
	checklist_free(&c);
	model_domain_free(&dom);
}

static void test_compare_and_tlsa(void **state)
{
	struct checklist c = { 0 };
	struct model_session *b;
	struct dns_record rec = { 0 };
	unsigned char key[32];

	(void)state;
	domain_with_host("example.test");
	model_host_add(&dom, "mx2.example.test", 20);
	dom.hosts[1].a.done = dom.hosts[1].aaaa.done = 1;
	add_session(0, "192.0.2.1");
	b = add_session(1, "192.0.2.2");
	expect(&c, "compare", -1, -1, V_PASS);
	/* Their certificates fare otherwise: the explanation counts the
	 * classes there are, and names no other (none is expired here). */
	b->tls.name_ok = 0;
	expect(&c, "compare", -1, -1, V_WARN);
	assert_non_null(strstr(item(&c, "compare", -1, -1)->explanation,
	                       "differ in health (1 valid, 1 for another name)"));
	assert_null(strstr(item(&c, "compare", -1, -1)->explanation, "expired"));
	b->tls.name_ok = 1;
	/* The backup MX has no TLS. */
	b->tls_active = 0;
	b->steps[STEP_STARTTLS].state = STEP_SKIPPED;
	expect(&c, "compare", -1, -1, V_WARN);
	/* ... and relays for anyone. */
	b->steps[STEP_RELAY].state = STEP_OK;
	b->steps[STEP_RELAY].code = 250;
	expect(&c, "compare", -1, -1, V_FAIL);

	/* TLSA from the user's resolver, DNSSEC not validated: dns.tlsa
	 * reads the records and judges no match of its own. */
	memset(key, 0xab, sizeof key);
	rec.usage = 3;
	rec.selector = 1;
	rec.mtype = 1;
	rec.data = key;
	rec.data_len = sizeof key;
	model_tlsa_add(&dom.hosts[0], &rec);
	expect(&c, "dns.tlsa", -1, -1, V_INFO);
	assert_non_null(strstr(item(&c, "dns.tlsa", -1, -1)->title, "DNSSEC not checked"));
	assert_non_null(strstr(item(&c, "dns.tlsa", -1, -1)->facts[1], "3 1 1 abababab"));
	checklist_free(&c);
	model_domain_free(&dom);
}

/* A validated TLSA record (the validator's RRset, dane_tlsa) of host hi,
 * and the same record as c-ares saw it. */
static void dane_record(size_t hi, uint8_t u, uint8_t sel, uint8_t mt, size_t len)
{
	struct model_host *h = &dom.hosts[hi];
	struct dns_record rec = { 0 };
	unsigned char data[64];
	struct model_tlsa *t;
	size_t i;

	memset(data, 0xab, sizeof data);
	rec.usage = u;
	rec.selector = sel;
	rec.mtype = mt;
	rec.data = data;
	rec.data_len = len;
	model_tlsa_add(h, &rec);
	h->dane_tlsa = realloc(h->dane_tlsa, (h->ndane_tlsa + 1) * sizeof *h->dane_tlsa);
	assert_non_null(h->dane_tlsa);
	t = &h->dane_tlsa[h->ndane_tlsa++];
	memset(t, 0, sizeof *t);
	t->usage = u;
	t->selector = sel;
	t->mtype = mt;
	for (i = 0; i < len; i++)
		snprintf(t->data_hex + 2 * i, 3, "%02x", data[i]);
}

static void dnssec(enum model_dnssec_status mx, enum model_dnssec_status tlsa)
{
	dom.mx_dnssec.status = mx;
	dom.hosts[0].tlsa_dnssec.status = tlsa;
	dom.hosts[0].tlsa.done = 1;
}

static void title_is(struct checklist *c, const char *id, const char *words)
{
	const struct check_item *it = item(c, id, 0, 0);

	if (strstr(it->title, words) == NULL)
		fail_msg("%s: title \"%s\" lacks \"%s\"", id, it->title, words);
}

/* The domain-level title, where title_is() reads an address's. */
static void dom_title_is(struct checklist *c, const char *id, const char *words)
{
	const struct check_item *it = item(c, id, -1, -1);

	if (strstr(it->title, words) == NULL)
		fail_msg("%s: title \"%s\" lacks \"%s\"", id, it->title, words);
}

static void host_dnssec(enum model_dnssec_status a, enum model_dnssec_status aaaa,
                        enum model_dnssec_status tlsa)
{
	dom.hosts[0].a_dnssec.status = a;
	dom.hosts[0].aaaa_dnssec.status = aaaa;
	dom.hosts[0].tlsa_dnssec.status = tlsa;
}

/*
 * dns.dnssec from the validator's statuses (never its words): every
 * answer secure passes; any bogus answer fails and names it; an answer
 * not decided warns; an unsigned domain is info; nothing validated is a
 * skip that says why; no MX lookup (-s) is a skip.
 */
static void test_dnssec_verdicts(void **state)
{
	struct checklist c = { 0 };

	(void)state;
	domain_with_host("example.test");
	/* Not validated: --no-dnssec or no validator (probe.c's words). */
	snprintf(dom.mx_dnssec.why, sizeof dom.mx_dnssec.why, "DNSSEC not validated: --no-dnssec");
	expect(&c, "dns.dnssec", -1, -1, V_SKIP);
	dom_title_is(&c, "dns.dnssec", "--no-dnssec");

	dom.mx_dnssec.why[0] = '\0';
	dom.mx_dnssec.status = DNSSEC_SECURE;
	host_dnssec(DNSSEC_SECURE, DNSSEC_PENDING, DNSSEC_PENDING);
	expect(&c, "dns.dnssec", -1, -1, V_PENDING);

	host_dnssec(DNSSEC_SECURE, DNSSEC_SECURE, DNSSEC_SECURE);
	expect(&c, "dns.dnssec", -1, -1, V_PASS);
	dom_title_is(&c, "dns.dnssec", "signed and valid");

	/* The host lives in an unsigned zone: the MX still passes. */
	host_dnssec(DNSSEC_INSECURE, DNSSEC_INSECURE, DNSSEC_INSECURE);
	expect(&c, "dns.dnssec", -1, -1, V_PASS);
	dom_title_is(&c, "dns.dnssec", "3 host answers are not signed");

	/* A bogus TLSA under a secure MX: a fail that names the answer and
	 * quotes the validator's reason in the explanation. */
	host_dnssec(DNSSEC_SECURE, DNSSEC_SECURE, DNSSEC_BOGUS);
	snprintf(dom.hosts[0].tlsa_dnssec.why, sizeof dom.hosts[0].tlsa_dnssec.why,
	         "signature expired");
	expect(&c, "dns.dnssec", -1, -1, V_FAIL);
	dom_title_is(&c, "dns.dnssec", "TLSA _25._tcp.mx1.example.test");
	assert_non_null(strstr(item(&c, "dns.dnssec", -1, -1)->explanation,
	                       "signature expired"));
	/* Bogus outranks indeterminate, wherever each is. */
	dom.mx_dnssec.status = DNSSEC_INDETERMINATE;
	expect(&c, "dns.dnssec", -1, -1, V_FAIL);
	host_dnssec(DNSSEC_SECURE, DNSSEC_SECURE, DNSSEC_SECURE);
	snprintf(dom.mx_dnssec.why, sizeof dom.mx_dnssec.why,
	         "the validator did not answer within 4000 ms");
	expect(&c, "dns.dnssec", -1, -1, V_WARN);
	dom_title_is(&c, "dns.dnssec", "did not answer within 4000 ms");

	dom.mx_dnssec.status = DNSSEC_BOGUS;
	expect(&c, "dns.dnssec", -1, -1, V_FAIL);
	dom_title_is(&c, "dns.dnssec", "MX example.test");

	dom.mx_dnssec.status = DNSSEC_INSECURE;
	host_dnssec(DNSSEC_INSECURE, DNSSEC_INSECURE, DNSSEC_INSECURE);
	expect(&c, "dns.dnssec", -1, -1, V_INFO);
	dom_title_is(&c, "dns.dnssec", "not signed");

	/* -s: no MX lookup, so nothing for DNSSEC to start from. */
	dom.mx.done = 0;
	expect(&c, "dns.dnssec", -1, -1, V_SKIP);
	dom_title_is(&c, "dns.dnssec", "-s");
	/* The validator's RRset had records that could not be kept: dns.tlsa
	 * says how many and why. */
	dom.mx.done = 1;
	dnssec(DNSSEC_SECURE, DNSSEC_SECURE);
	dom.hosts[0].dane_tlsa_dropped = 36;
	snprintf(dom.hosts[0].dane_tlsa_problem, sizeof dom.hosts[0].dane_tlsa_problem,
	         "record 65 and later are left out: more than 64 records");
	{
		const struct check_item *it = item(&c, "dns.tlsa", -1, -1);
		size_t k;
		bool seen = false;

		for (k = 0; k < it->nfacts; k++)
			seen = seen || (strstr(it->facts[k], "36 records dropped") != NULL &&
			                strstr(it->facts[k], "more than 64") != NULL);
		assert_true(seen);
	}
	checklist_free(&c);
	model_domain_free(&dom);
}

/*
 * host.dane from typed facts only: the validator's status of the MX and
 * TLSA RRsets, the validated records, and what OpenSSL's DANE code made
 * of them in the handshake (model_dane).
 */
static void test_dane_verdicts(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	/* No validator: skip, and no TLSA at all: info. */
	expect(&c, "host.dane", 0, 0, V_SKIP);
	title_is(&c, "host.dane", "DNSSEC was not validated");
	expect(&c, "dns.tlsa", -1, -1, V_INFO);
	/* Signed zone, no TLSA: info. */
	dnssec(DNSSEC_SECURE, DNSSEC_SECURE);
	expect(&c, "host.dane", 0, 0, V_INFO);
	/* The validator has not answered yet: pending while the session runs. */
	dnssec(DNSSEC_SECURE, DNSSEC_PENDING);
	s->done = 0;
	expect(&c, "host.dane", 0, 0, V_PENDING);
	expect(&c, "dns.tlsa", -1, -1, V_PENDING);
	s->done = 1;

	/* A usable record, and OpenSSL matched it. */
	dane_record(0, 3, 1, 1, 32);
	dnssec(DNSSEC_SECURE, DNSSEC_SECURE);
	s->dane.state = DANE_STATE_MATCH;
	s->dane.usable = 1;
	s->dane.match_index = 0;
	s->dane.match_depth = 0;
	s->dane.usage = 3;
	s->dane.selector = 1;
	s->dane.mtype = 1;
	expect(&c, "host.dane", 0, 0, V_PASS);
	title_is(&c, "host.dane", "the certificate matches TLSA 3 1 1 (record 1, depth 0)");
	expect(&c, "dns.tlsa", -1, -1, V_PASS);
	/* A self-signed certificate that DANE authenticates passes. */
	s->tls.chain_ok = 0;
	snprintf(s->tls.verify_error, sizeof s->tls.verify_error, "self-signed certificate");
	expect(&c, "host.cert", 0, 0, V_PASS);
	title_is(&c, "host.cert", "authenticated by DANE");
	/* ... and without DANE it would not. */
	s->dane.state = DANE_STATE_NO_MATCH;
	snprintf(s->dane.why, sizeof s->dane.why, "No matching DANE TLSA records");
	expect(&c, "host.cert", 0, 0, V_WARN);
	expect(&c, "host.dane", 0, 0, V_FAIL);
	assert_non_null(strstr(item(&c, "host.dane", 0, 0)->explanation,
	                       "senders that use DANE will not deliver to this host"));
	/* Usable records and a handshake that failed, or no STARTTLS. */
	s->dane.state = DANE_STATE_NO_HANDSHAKE;
	expect(&c, "host.dane", 0, 0, V_FAIL);
	s->dane.state = DANE_STATE_NONE;
	s->dane.why[0] = '\0';
	s->tls_active = 0;
	s->tls.handshake_done = 0;
	step_set(&s->steps[STEP_STARTTLS], STEP_SKIPPED, REASON_NOT_OFFERED, "--tls off");
	expect(&c, "host.dane", 0, 0, V_FAIL);
	title_is(&c, "host.dane", "no STARTTLS");
	/* Left out by the user: not a finding. */
	step_set(&s->steps[STEP_STARTTLS], STEP_SKIPPED, REASON_BY_OPTION, "not offered");
	expect(&c, "host.dane", 0, 0, V_SKIP);
	/* Another port: TLSA _25._tcp does not apply. */
	s->port = 587;
	expect(&c, "host.dane", 0, 0, V_SKIP);
	s->port = 25;

	/* Bogus TLSA: fail, with the validator's reason. */
	dnssec(DNSSEC_SECURE, DNSSEC_BOGUS);
	snprintf(dom.hosts[0].tlsa_dnssec.why, sizeof dom.hosts[0].tlsa_dnssec.why,
	         "signature expired");
	expect(&c, "host.dane", 0, 0, V_FAIL);
	assert_non_null(strstr(item(&c, "host.dane", 0, 0)->explanation, "signature expired"));
	expect(&c, "dns.tlsa", -1, -1, V_FAIL);
	/* TLSA in a zone that is not signed: ignored by senders. */
	dnssec(DNSSEC_SECURE, DNSSEC_INSECURE);
	expect(&c, "host.dane", 0, 0, V_WARN);
	title_is(&c, "host.dane", "ignored by senders: the zone is not signed");
	expect(&c, "dns.tlsa", -1, -1, V_WARN);
	/* An unsigned MX RRset: DANE is not used either. */
	dnssec(DNSSEC_INSECURE, DNSSEC_SECURE);
	expect(&c, "host.dane", 0, 0, V_WARN);
	dnssec(DNSSEC_INDETERMINATE, DNSSEC_SECURE);
	expect(&c, "host.dane", 0, 0, V_WARN);
	dnssec(DNSSEC_BOGUS, DNSSEC_SECURE);
	expect(&c, "host.dane", 0, 0, V_FAIL);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* Records SMTP DANE cannot use (RFC 7672 section 3.1.3): PKIX-TA/EE,
 * unknown parameters, a digest of the wrong length: warn, with why. */
static void test_dane_unusable(void **state)
{
	struct checklist c = { 0 };
	const struct check_item *it;

	(void)state;
	domain_with_host("example.test");
	add_session(0, "192.0.2.1");
	dane_record(0, 1, 1, 1, 32);
	dnssec(DNSSEC_SECURE, DNSSEC_SECURE);
	expect(&c, "host.dane", 0, 0, V_WARN);
	it = item(&c, "host.dane", 0, 0);
	assert_non_null(strstr(it->title, "only unusable"));
	assert_non_null(strstr(it->explanation, "PKIX-EE"));
	/* A SHA-256 record of 20 bytes, an unknown selector. */
	model_domain_free(&dom);
	domain_with_host("example.test");
	add_session(0, "192.0.2.1");
	dane_record(0, 3, 1, 1, 20);
	dane_record(0, 3, 7, 1, 32);
	dnssec(DNSSEC_SECURE, DNSSEC_SECURE);
	expect(&c, "host.dane", 0, 0, V_WARN);
	assert_non_null(strstr(item(&c, "host.dane", 0, 0)->explanation, "20 bytes"));
	/* One usable beside them: judged on the match. */
	dane_record(0, 3, 1, 1, 32);
	dom.hosts[0].addrs[0].session->dane.state = DANE_STATE_NO_MATCH;
	expect(&c, "host.dane", 0, 0, V_FAIL);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* The title of an item must (or must not) contain words. */
static void title_has(struct checklist *c, const char *id, const char *words, bool want)
{
	const struct check_item *it = item(c, id, 0, 0);

	if ((strstr(it->title, words) != NULL) != want)
		fail_msg("%s: title \"%s\" %s \"%s\"", id, it->title,
		         want ? "lacks" : "has", words);
}

/*
 * STARTTLS: left out by --tls off, not offered, or not offered while TLS
 * is required. Each detail says the opposite of the reason: only a
 * checklist that decides on the reason gets these right.
 */
static void test_starttls_reasons(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	struct model_step *st;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	s->tls_active = 0;
	s->tls.handshake_done = 0;
	st = &s->steps[STEP_STARTTLS];
	step_set(st, STEP_SKIPPED, REASON_BY_OPTION,
	         "the server does not offer STARTTLS: mail to it travels unencrypted");
	expect(&c, "host.starttls", 0, 0, V_SKIP);
	title_has(&c, "host.starttls", "--tls off", true);

	step_set(st, STEP_SKIPPED, REASON_NOT_OFFERED, "not tried (--tls off)");
	expect(&c, "host.starttls", 0, 0, V_WARN);
	title_has(&c, "host.starttls", "not offered", true);

	step_set(st, STEP_SKIPPED, REASON_QUIT_AFTER, "the server does not offer STARTTLS");
	expect(&c, "host.starttls", 0, 0, V_SKIP);

	step_set(st, STEP_FAILED, REASON_POLICY, "not tried (--tls off)");
	expect(&c, "host.starttls", 0, 0, V_FAIL);
	title_has(&c, "host.starttls", "TLS is required", true);

	/* Under an enforce MTA-STS policy, a server without STARTTLS fails;
	 * one probed with --tls off is still only skipped. */
	sts_fetched(STS_MODE_ENFORCE, covers_mx1);
	step_set(st, STEP_SKIPPED, REASON_NOT_OFFERED, "not tried (--tls off)");
	expect(&c, "host.starttls", 0, 0, V_FAIL);
	step_set(st, STEP_SKIPPED, REASON_BY_OPTION, "the server does not offer STARTTLS");
	expect(&c, "host.starttls", 0, 0, V_SKIP);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* AUTH: not asked (no --auth-user), refused by our no-plaintext rule, or
 * not offered by the server. */
static void test_auth_reasons(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	struct model_step *st;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	st = &s->steps[STEP_AUTH];
	step_set(st, STEP_SKIPPED, REASON_BY_OPTION,
	         "refused to send credentials without TLS");
	expect(&c, "host.auth", 0, 0, V_SKIP);
	title_has(&c, "host.auth", "not asked", true);

	step_set(st, STEP_SKIPPED, REASON_POLICY, "no AUTH asked (--auth-user)");
	expect(&c, "host.auth", 0, 0, V_WARN);
	title_has(&c, "host.auth", "no TLS", true);
	assert_non_null(strstr(item(&c, "host.auth", 0, 0)->next, "--tls require"));

	step_set(st, STEP_SKIPPED, REASON_NOT_OFFERED, "no AUTH asked (--auth-user)");
	expect(&c, "host.auth", 0, 0, V_WARN);
	title_has(&c, "host.auth", "not possible", true);

	step_set(st, STEP_SKIPPED, REASON_QUIT_AFTER, "the server does not offer AUTH here");
	expect(&c, "host.auth", 0, 0, V_SKIP);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* DATA: not sent because --send was not given, or because the recipient
 * was refused; RCPT: not tried because MAIL FROM was refused. */
static void test_data_reasons(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	step_set(&s->steps[STEP_DATA], STEP_SKIPPED, REASON_BY_OPTION,
	         "not sent: the recipient was not accepted");
	expect(&c, "host.data", 0, 0, V_SKIP);
	title_has(&c, "host.data", "--send", true);
	title_has(&c, "host.data", "recipient", false);

	step_set(&s->steps[STEP_DATA], STEP_SKIPPED, REASON_EARLIER_STEP,
	         "no message sent (--send sends one)");
	s->steps[STEP_RCPT].state = STEP_REJECTED;
	s->steps[STEP_RCPT].code = 550;
	expect(&c, "host.data", 0, 0, V_SKIP);
	title_has(&c, "host.data", "recipient was not accepted", true);
	title_has(&c, "host.data", "--send", false);

	s->steps[STEP_MAIL].state = STEP_REJECTED;
	s->steps[STEP_MAIL].code = 553;
	step_set(&s->steps[STEP_RCPT], STEP_SKIPPED, REASON_EARLIER_STEP,
	         "no message sent (--send sends one)");
	expect(&c, "host.mail", 0, 0, V_FAIL);
	expect(&c, "host.rcpt", 0, 0, V_SKIP);
	title_has(&c, "host.rcpt", "MAIL FROM was not accepted", true);
	title_has(&c, "host.rcpt", "--send", false);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* compare: a host probed with --tls off says nothing about its TLS; one
 * that does not offer STARTTLS (optional or required) is a backup without
 * encryption. */
static void test_compare_tls_off(void **state)
{
	struct checklist c = { 0 };
	struct model_session *b;

	(void)state;
	domain_with_host("example.test");
	model_host_add(&dom, "mx2.example.test", 20);
	dom.hosts[1].a.done = dom.hosts[1].aaaa.done = 1;
	add_session(0, "192.0.2.1");
	b = add_session(1, "192.0.2.2");
	b->tls_active = 0;
	b->tls.handshake_done = 0;
	step_set(&b->steps[STEP_STARTTLS], STEP_SKIPPED, REASON_BY_OPTION,
	         "the server does not offer STARTTLS: mail to it travels unencrypted");
	expect(&c, "compare", -1, -1, V_PASS);
	step_set(&b->steps[STEP_STARTTLS], STEP_SKIPPED, REASON_NOT_OFFERED,
	         "not tried (--tls off)");
	expect(&c, "compare", -1, -1, V_WARN);
	assert_non_null(strstr(item(&c, "compare", -1, -1)->explanation, "unencrypted"));
	step_set(&b->steps[STEP_STARTTLS], STEP_FAILED, REASON_POLICY,
	         "not tried (--tls off)");
	expect(&c, "compare", -1, -1, V_WARN);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* SPF and DMARC are read term by term and tag by tag, not as substrings. */
static void test_policy_terms(void **state)
{
	static const struct { const char *rec; enum verdict v; } spf[] = {
		{ "v=spf1 mx -all", V_PASS },
		{ "v=spf1 mx ~ALL", V_PASS },
		{ "v=spf1 mx ?all", V_PASS },
		{ "v=spf1 +all", V_WARN },
		{ "v=spf1 mx all", V_WARN },            /* no qualifier is + */
		{ "v=spf1 include:_spf.allmail.example", V_INFO },
		{ "v=spf1 mx", V_INFO },
		{ "v=spf1 redirect=_spf.example.test", V_PASS },
		{ "v=spf1 -all +all", V_PASS },         /* the first all counts */
	};
	static const struct { const char *rec; enum verdict v; } dmarc[] = {
		{ "v=DMARC1; p=none", V_INFO },
		{ "v=DMARC1;p = None ;rua=mailto:d@example.test", V_INFO },
		{ "v=DMARC1; p=reject; sp=none", V_PASS },
		{ "v=DMARC1; p=quarantine; rua=mailto:p=none@example.test", V_PASS },
	};
	struct checklist c = { 0 };
	size_t i;

	(void)state;
	domain_with_host("example.test");
	dom.spf.lookup.status = dom.dmarc.lookup.status = DNS_OK;
	model_policy_add(&dom.spf, "x");
	model_policy_add(&dom.dmarc, "x");
	for (i = 0; i < sizeof spf / sizeof spf[0]; i++) {
		free(dom.spf.records[0]);
		dom.spf.records[0] = strdup(spf[i].rec);
		if (item(&c, "dns.spf", -1, -1)->verdict != spf[i].v)
			fail_msg("SPF \"%s\": %s, wanted %s", spf[i].rec,
			         verdict_name(item(&c, "dns.spf", -1, -1)->verdict),
			         verdict_name(spf[i].v));
	}
	for (i = 0; i < sizeof dmarc / sizeof dmarc[0]; i++) {
		free(dom.dmarc.records[0]);
		dom.dmarc.records[0] = strdup(dmarc[i].rec);
		if (item(&c, "dns.dmarc", -1, -1)->verdict != dmarc[i].v)
			fail_msg("DMARC \"%s\": %s, wanted %s", dmarc[i].rec,
			         verdict_name(item(&c, "dns.dmarc", -1, -1)->verdict),
			         verdict_name(dmarc[i].v));
	}
	checklist_free(&c);
	model_domain_free(&dom);
}

static void test_evidence_lines(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	const struct check_item *it;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	model_session_add_line(s, 'C', 1, "RCPT TO:<a@example.test>", 24);
	model_session_add_line(s, 'S', 2, "250 2.1.5 Ok", 12);
	s->steps[STEP_RCPT].line_from = 0;
	s->steps[STEP_RCPT].line_to = 2;
	it = item(&c, "host.rcpt", 0, 0);
	assert_int_equal(it->line_from, 0);
	assert_int_equal(it->line_to, 2);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* Issue 12, point 10: a slow greeting is news, with the number and the
 * RFC's word that senders wait; a quick one stays a plain pass. */
static void test_greeting_delay(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	const struct check_item *it;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	s->banner_ms = 40;
	expect(&c, "host.banner", 0, 0, V_PASS);
	s->banner_ms = 3000;            /* the lab's slow host */
	expect(&c, "host.banner", 0, 0, V_INFO);
	it = item(&c, "host.banner", 0, 0);
	assert_non_null(strstr(it->title, "3.0 s"));
	assert_non_null(strstr(it->explanation, "RFC 5321"));
	assert_non_null(strstr(it->explanation, "tarpitting is deliberate"));
	assert_non_null(strstr(it->explanation, "5 minutes"));
	s->banner_ms = 1000;            /* the threshold itself: not yet news */
	expect(&c, "host.banner", 0, 0, V_PASS);
	s->banner_ms = 12500;
	expect(&c, "host.banner", 0, 0, V_WARN);
	it = item(&c, "host.banner", 0, 0);
	assert_non_null(strstr(it->title, "12.5 s"));
	assert_non_null(strstr(it->explanation, "RFC 5321"));
	/* An internal name keeps its warn and title; the delay is said too. */
	s->banner_ms = 3000;
	snprintf(s->steps[STEP_BANNER].text, 256, "exchange01.corp.local ESMTP");
	expect(&c, "host.banner", 0, 0, V_WARN);
	it = item(&c, "host.banner", 0, 0);
	assert_non_null(strstr(it->title, "internal host"));
	assert_non_null(strstr(it->explanation, "3.0 s"));
	checklist_free(&c);
	model_domain_free(&dom);
}

/* Issue 12, point 5: a session handed over after the banner and left
 * (Esc out of manual mode) is ended; what it never ran is skip with the
 * reason, nothing pending. */
static void test_manual_left(void **state)
{
	static const char *const skipped[] = {
		"host.ehlo", "host.starttls", "host.auth", "host.mail", "host.rcpt",
		"host.data",
	};
	struct checklist c = { 0 };
	struct model_session *s;
	size_t i, counts[VERDICT__COUNT];
	int st;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	s->done = 0;
	s->running = 1;
	s->tls_active = 0;
	s->tls.handshake_done = 0;
	for (st = STEP_EHLO; st < STEP__COUNT; st++)
		step_set(&s->steps[st], STEP_NOT_RUN, REASON_NONE, "");
	s->steps[STEP_EHLO].state = STEP_RUNNING;       /* typed, no reply yet */
	expect(&c, "host.mail", 0, 0, V_PENDING);
	model_session_end(s, REASON_QUIT_AFTER, "manual mode was left");
	assert_true(s->done);
	assert_false(s->running);
	checklist_free(&c);
	checklist_build(&dom, &c);
	checklist_count(&c, counts);
	assert_int_equal(counts[V_PENDING], 0);
	for (i = 0; i < sizeof skipped / sizeof skipped[0]; i++) {
		const struct check_item *it;

		expect(&c, skipped[i], 0, 0, V_SKIP);
		it = item(&c, skipped[i], 0, 0);
		if (strstr(it->title, "stopped before it") == NULL)
			fail_msg("%s: \"%s\" does not give the reason", skipped[i], it->title);
	}
	expect(&c, "host.banner", 0, 0, V_PASS);
	assert_int_equal(s->steps[STEP_MAIL].reason, REASON_QUIT_AFTER);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* Issue 12, points 3 and 5: advice from the EHLO facts; expiry in days
 * ago and which certificate; nothing pending after -s ADDRESS. */
static void test_issue12(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	const struct check_item *it;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	/* --tls off --allow-plaintext-auth, AUTH only after STARTTLS */
	s->tls_active = 0;
	s->starttls_offered = 1;
	s->ehlo.exts = EHLO_STARTTLS;
	step_set(&s->steps[STEP_STARTTLS], STEP_SKIPPED, REASON_BY_OPTION, "use port 587");
	step_set(&s->steps[STEP_AUTH], STEP_SKIPPED, REASON_NOT_OFFERED, "use port 587");
	it = item(&c, "host.auth", 0, 0);
	assert_non_null(strstr(it->title, "start TLS first"));
	assert_null(strstr(it->next, "587"));
	/* an expired server certificate, an expired intermediate */
	s->tls_active = 1;
	s->tls.days_left = -640;
	it = item(&c, "host.cert", 0, 0);
	assert_non_null(strstr(it->title, "expired 640 days ago"));
	assert_non_null(strstr(it->title, "server's certificate"));
	s->tls.days_left = 60;
	s->tls.chain_ok = 0;
	s->tls.verify_depth = 1;
	s->tls.verify_expired = 1;
	s->tls.verify_days = 12;
	it = item(&c, "host.cert", 0, 0);
	assert_non_null(strstr(it->title, "intermediate certificate expired 12 days ago"));
	checklist_free(&c);
	model_domain_free(&dom);

	/* -s ADDRESS: no lookup sent, the plan complete */
	{
		struct target t;
		size_t i, counts[VERDICT__COUNT];

		assert_int_equal(target_parse("example.test", &t, NULL), 0);
		model_domain_init(&dom, &t);
		dom.complete = 1;
		model_host_add(&dom, "192.0.2.1", 0);
		dom.hosts[0].ip_literal = 1;
		model_address_add(&dom.hosts[0], "192.0.2.1", 4);
		checklist_build(&dom, &c);
		checklist_count(&c, counts);
		assert_int_equal(counts[V_PENDING], 0);
		for (i = 0; i < c.n; i++)
			assert_null(strstr(c.items[i].title, "no TLSA records"));
		expect(&c, "dns.mx", -1, -1, V_SKIP);
		expect(&c, "dns.tlsa", -1, -1, V_SKIP);
		expect(&c, "host.ptr", 0, 0, V_SKIP);
		checklist_free(&c);
		model_domain_free(&dom);
	}
}

/* A 530 at MAIL: "give mailflow -a" only when -a was not given; with -a,
 * what stood in the login's way (found against Exim, test_servers). */
static void test_530_with_auth_user(void **state)
{
	struct checklist c = { 0 };
	struct model_session *s;
	const struct check_item *it;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	s->tls_active = 0;
	step_set(&s->steps[STEP_STARTTLS], STEP_SKIPPED, REASON_BY_OPTION, "--tls off");
	step_set(&s->steps[STEP_MAIL], STEP_REJECTED, REASON_REFUSED, "");
	s->steps[STEP_MAIL].code = 530;
	snprintf(s->steps[STEP_MAIL].enhanced, 16, "5.7.0");
	snprintf(s->steps[STEP_MAIL].text, sizeof s->steps[0].text, "Authentication required");
	it = item(&c, "host.mail", 0, 0);
	assert_int_equal(it->verdict, V_FAIL);
	assert_non_null(strstr(it->next, "-a USER"));
	step_set(&s->steps[STEP_AUTH], STEP_SKIPPED, REASON_NOT_OFFERED, "");
	it = item(&c, "host.mail", 0, 0);
	assert_null(strstr(it->next, "-a USER"));
	assert_non_null(strstr(it->next, "start TLS first"));
	step_set(&s->steps[STEP_AUTH], STEP_REJECTED, REASON_REFUSED, "");
	s->steps[STEP_AUTH].code = 535;
	it = item(&c, "host.mail", 0, 0);
	assert_non_null(strstr(it->next, "login with -a failed"));
	checklist_free(&c);
	model_domain_free(&dom);
}

/* dns.mta-sts from the policy fetched, host.mta-sts per address: covered
 * by an mx: pattern, with STARTTLS and a valid certificate; enforce fails
 * what testing only warns about. */
static void test_mta_sts_policy(void **state)
{
	static const char *const other[] = { "*.elsewhere.test", NULL };
	static const char *const wild[] = { "*.example.test", NULL };
	struct checklist c = { 0 };
	struct model_session *s;

	(void)state;
	domain_with_host("example.test");
	s = add_session(0, "192.0.2.1");
	/* No _mta-sts: no host.mta-sts at all. */
	expect(&c, "dns.mta-sts", -1, -1, V_INFO);
	assert_null(checklist_find(&c, "host.mta-sts", 0, 0));
	/* Announced, not fetched yet: pending; no address: fail. */
	dom.mta_sts.lookup.status = DNS_OK;
	model_policy_add(&dom.mta_sts, "v=STSv1; id=1");
	dom.sts.state = MODEL_STS_FETCHING;
	expect(&c, "dns.mta-sts", -1, -1, V_PENDING);
	expect(&c, "host.mta-sts", 0, 0, V_PENDING);
	dom.sts.state = MODEL_STS_NO_ADDRESS;
	expect(&c, "dns.mta-sts", -1, -1, V_FAIL);
	expect(&c, "host.mta-sts", 0, 0, V_SKIP);
	/* Fetched, but 404 / a redirect: fail, and no policy applies. */
	dom.sts.state = MODEL_STS_FETCHED;
	dom.sts.fetch.status = STS_FETCH_HTTP;
	dom.sts.fetch.http_code = 404;
	expect(&c, "dns.mta-sts", -1, -1, V_FAIL);
	assert_non_null(strstr(item(&c, "dns.mta-sts", -1, -1)->title, "HTTP 404"));
	dom.sts.fetch.status = STS_FETCH_REDIRECT;
	expect(&c, "dns.mta-sts", -1, -1, V_FAIL);
	assert_non_null(strstr(item(&c, "dns.mta-sts", -1, -1)->title, "redirects"));
	/* Enforce, covered: pass; not covered: fail; testing: warn. */
	sts_fetched(STS_MODE_ENFORCE, covers_mx1);
	expect(&c, "dns.mta-sts", -1, -1, V_PASS);
	expect(&c, "host.mta-sts", 0, 0, V_PASS);
	sts_fetched(STS_MODE_ENFORCE, other);
	expect(&c, "host.mta-sts", 0, 0, V_FAIL);
	sts_fetched(STS_MODE_ENFORCE, wild);
	expect(&c, "host.mta-sts", 0, 0, V_PASS);
	sts_fetched(STS_MODE_TESTING, other);
	expect(&c, "dns.mta-sts", -1, -1, V_INFO);
	expect(&c, "host.mta-sts", 0, 0, V_WARN);
	/* Covered, but the certificate does not name the host. */
	s->tls.name_ok = 0;
	sts_fetched(STS_MODE_ENFORCE, covers_mx1);
	expect(&c, "host.mta-sts", 0, 0, V_FAIL);
	sts_fetched(STS_MODE_TESTING, covers_mx1);
	expect(&c, "host.mta-sts", 0, 0, V_WARN);
	/* An unparsable policy: fail, nothing applies. */
	dom.sts.policy.problems |= STS_P_NO_MAX_AGE;
	expect(&c, "dns.mta-sts", -1, -1, V_FAIL);
	expect(&c, "host.mta-sts", 0, 0, V_SKIP);
	checklist_free(&c);
	model_domain_free(&dom);
}

/* TLS-RPT: where reports go, or why the record is broken. */
static void test_tls_rpt(void **state)
{
	struct checklist c = { 0 };

	(void)state;
	domain_with_host("example.test");
	dom.tls_rpt.lookup.status = DNS_OK;
	model_policy_add(&dom.tls_rpt, "v=TLSRPTv1; rua=mailto:tls@example.test");
	expect(&c, "dns.tls-rpt", -1, -1, V_PASS);
	model_domain_free(&dom);
	domain_with_host("example.test");
	dom.tls_rpt.lookup.status = DNS_OK;
	model_policy_add(&dom.tls_rpt, "v=TLSRPTv1; rua=ftp://example.test/");
	expect(&c, "dns.tls-rpt", -1, -1, V_FAIL);
	checklist_free(&c);
	model_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mta_sts_policy),
		cmocka_unit_test(test_tls_rpt),
		cmocka_unit_test(test_all_pass),
		cmocka_unit_test(test_dns_verdicts),
		cmocka_unit_test(test_connect_and_banner),
		cmocka_unit_test(test_tls_and_cert),
		cmocka_unit_test(test_recipient_and_relay),
		cmocka_unit_test(test_compare_and_tlsa),
		cmocka_unit_test(test_dane_verdicts),
		cmocka_unit_test(test_dane_unusable),
		cmocka_unit_test(test_starttls_reasons),
		cmocka_unit_test(test_auth_reasons),
		cmocka_unit_test(test_data_reasons),
		cmocka_unit_test(test_compare_tls_off),
		cmocka_unit_test(test_policy_terms),
		cmocka_unit_test(test_evidence_lines),
		cmocka_unit_test(test_issue12),
		cmocka_unit_test(test_greeting_delay),
		cmocka_unit_test(test_manual_left),
		cmocka_unit_test(test_530_with_auth_user),
		cmocka_unit_test(test_dnssec_verdicts),
	};

	return cmocka_run_group_tests_name("checklist", tests, NULL, NULL);
}
