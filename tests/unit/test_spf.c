/*
 * spf: the RFC 7208 parser (syntax errors with their column), macros
 * (RFC 7208 section 7.4's examples), and check_host() on a fake resolver
 * whose answers come later from the loop, as dns_query()'s do: results,
 * limits (10 lookups, 2 voids), include and redirect trees, DNS failures,
 * the deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/loop.h"
#include "mailflow/spf.h"

/* ---- the parser -------------------------------------------------------- */

static int parse(const char *rec, unsigned *pos, char *err, size_t errsz)
{
	struct spf_record r;
	int rc = spf_record_parse(rec, strlen(rec), &r, pos, err, errsz);

	spf_record_free(&r);
	return rc;
}

static void bad_at(const char *rec, unsigned want_pos)
{
	unsigned pos = 0;
	char err[160];

	assert_int_equal(parse(rec, &pos, err, sizeof err), -1);
	if (pos != want_pos)
		fail_msg("\"%s\": column %u, wanted %u (%s)", rec, pos, want_pos, err);
}

static void good(const char *rec)
{
	unsigned pos = 0;
	char err[160] = "";

	if (parse(rec, &pos, err, sizeof err) != 0)
		fail_msg("\"%s\" rejected at %u: %s", rec, pos, err);
}

static void test_parse_good(void **state)
{
	struct spf_record r;
	unsigned pos;
	char err[160];
	const char *rec = "v=spf1 a/24//64 -mx:example.com/26 ~ip4:192.0.2.0/24 "
	                  "?ip6:2001:db8::/32 include:_spf.example.com exists:%{ir}.x.example "
	                  "ptr redirect=other.example exp=why.%{d} foo=bar";

	(void)state;
	assert_int_equal(spf_record_parse(rec, strlen(rec), &r, &pos, err, sizeof err), 0);
	assert_int_equal(r.nterms, 10);
	assert_int_equal(r.terms[0].mech, SPF_A);
	assert_int_equal(r.terms[0].cidr4, 24);
	assert_int_equal(r.terms[0].cidr6, 64);
	assert_int_equal(r.terms[1].qual, '-');
	assert_string_equal(r.terms[1].spec, "example.com");
	assert_int_equal(r.terms[1].cidr4, 26);
	assert_int_equal(r.terms[2].qual, '~');
	assert_int_equal(r.terms[2].cidr4, 24);
	assert_int_equal(r.terms[3].cidr6, 32);
	assert_int_equal(r.redirect, 7);
	assert_int_equal(r.exp, 8);
	assert_int_equal(r.terms[9].mech, SPF_UNKNOWN_MOD);
	assert_int_equal(r.terms[4].pos, 8 + strlen("a/24//64 -mx:example.com/26 ~ip4:192.0.2.0/24 "
	                                          "?ip6:2001:db8::/32 "));
	spf_record_free(&r);
	good("v=spf1");
	good("V=SPF1 -ALL");
	good("v=spf1   ip4:10.0.0.1   -all  ");
	good("v=spf1 mx//0 a:example.com.");
}

static void test_parse_errors_with_column(void **state)
{
	(void)state;
	bad_at("v=spf1 ip4:192.0.2.1 mx:sender.test/33 -all", 36);
	bad_at("v=spf1 foo:bar", 8);
	bad_at("v=spf1 ip4:300.1.1.1", 12);
	bad_at("v=spf1 include", 15);
	bad_at("v=spf1 all:x", 11);
	bad_at("v=spf1 redirect=a.example redirect=b.example", 27);
	bad_at("v=spf1 a:caf\xc3\xa9.example", 13);
	bad_at("v=spf1 exists:%{q}.example", 15);
	bad_at("v=spf1 a:example.123", 18);
	bad_at("v=spf1 a/033", 9);
	bad_at("v=spf2 -all", 1);
	bad_at("v=spf1x", 1);
}

static void test_parse_bounds(void **state)
{
	size_t cap = (size_t)SPF_RECORD_MAX * 2, n = 0;
	char *big = malloc(cap);
	unsigned pos;
	char err[160];
	struct spf_record r;

	(void)state;
	assert_non_null(big);
	/* A record of about 10 KB is read whole, as receivers read it. */
	n += (size_t)snprintf(big, cap, "v=spf1");
	while (n < 10000)
		n += (size_t)snprintf(big + n, cap - n, " ip4:192.0.2.1");
	assert_int_equal(spf_record_parse(big, n, &r, &pos, err, sizeof err), 0);
	spf_record_free(&r);
	/* One over the byte limit: said as the limit. */
	while (n <= SPF_RECORD_MAX)
		n += (size_t)snprintf(big + n, cap - n, " ip4:192.0.2.1");
	assert_int_equal(spf_record_parse(big, n, &r, &pos, err, sizeof err), -1);
	assert_non_null(strstr(err, "limit"));
	spf_record_free(&r);
	/* More terms than SPF_TERMS_MAX, within the byte limit: the term
	 * limit is said. */
	n = (size_t)snprintf(big, cap, "v=spf1");
	while (n < (size_t)(SPF_TERMS_MAX + 10) * 2)
		n += (size_t)snprintf(big + n, cap - n, " a");
	assert_true(n < SPF_RECORD_MAX);
	assert_int_equal(spf_record_parse(big, n, &r, &pos, err, sizeof err), -1);
	assert_non_null(strstr(err, "terms"));
	spf_record_free(&r);
	free(big);
}

/* ---- macros: RFC 7208 section 7.4 ------------------------------------- */

static void expand(const char *spec, const char *ip, const char *want)
{
	struct spf_macro_ctx c = { "strong-bad@email.example.com", "email.example.com", ip,
		                   "mx.example.org", NULL, 0 };
	char out[512], err[96];

	if (spf_macro_expand(spec, &c, true, out, sizeof out, err, sizeof err) < 0)
		fail_msg("%s: %s", spec, err);
	assert_string_equal(out, want);
}

static void test_macros(void **state)
{
	(void)state;
	expand("%{s}", "192.0.2.3", "strong-bad@email.example.com");
	expand("%{o}", "192.0.2.3", "email.example.com");
	expand("%{d}", "192.0.2.3", "email.example.com");
	expand("%{d4}", "192.0.2.3", "email.example.com");
	expand("%{d3}", "192.0.2.3", "email.example.com");
	expand("%{d2}", "192.0.2.3", "example.com");
	expand("%{d1}", "192.0.2.3", "com");
	expand("%{dr}", "192.0.2.3", "com.example.email");
	expand("%{d2r}", "192.0.2.3", "example.email");
	expand("%{l}", "192.0.2.3", "strong-bad");
	expand("%{l-}", "192.0.2.3", "strong.bad");
	expand("%{lr}", "192.0.2.3", "strong-bad");
	expand("%{lr-}", "192.0.2.3", "bad.strong");
	expand("%{l1r-}", "192.0.2.3", "strong");
	expand("%{ir}.%{v}._spf.%{d2}", "192.0.2.3", "3.2.0.192.in-addr._spf.example.com");
	expand("%{lr-}.lp._spf.%{d2}", "192.0.2.3", "bad.strong.lp._spf.example.com");
	expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "192.0.2.3",
	       "3.2.0.192.in-addr.strong.lp._spf.example.com");
	expand("%{d2}.trusted-domains.example.net", "192.0.2.3",
	       "example.com.trusted-domains.example.net");
	expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01",
	       "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
	expand("%%%_%-", "192.0.2.3", "% %20");
	expand("%{S}", "192.0.2.3", "strong-bad%40email.example.com");
	expand("%{h}", "192.0.2.3", "mx.example.org");
}

static void test_macro_errors(void **state)
{
	struct spf_macro_ctx c = { "a@b.example", "b.example", "192.0.2.1", NULL, NULL, 0 };
	char out[64], err[96];

	(void)state;
	assert_int_equal(spf_macro_expand("%{x}", &c, false, out, sizeof out, err, sizeof err), -1);
	assert_int_equal(spf_macro_expand("%{d0}", &c, false, out, sizeof out, err, sizeof err), -1);
	assert_int_equal(spf_macro_expand("%{c}", &c, false, out, sizeof out, err, sizeof err), -1);
	assert_int_equal(spf_macro_expand("100%", &c, false, out, sizeof out, err, sizeof err), -1);
	assert_int_equal(spf_macro_expand("%{s}%{s}%{s}%{s}%{s}%{s}", &c, false, out, 16, err,
	                                  sizeof err), -1);
}

/* ---- check_host() on a fake resolver ---------------------------------- */

struct fake_rr {
	const char *name;
	enum dns_type type;
	enum dns_status status; /* DNS_OK with no value: NODATA */
	const char *value;      /* TXT text or address or MX/PTR name */
};

static const struct fake_rr *zone;
static size_t nqueries;

struct pending {
	char name[DNS_NAME_MAX];
	enum dns_type type;
	dns_result_cb cb;
	void *arg;
};

static void deliver(struct loop_timer *t, void *arg)
{
	struct pending *p = arg;
	struct dns_result r;
	struct dns_record *recs = calloc(16, sizeof *recs);
	size_t i;
	bool seen = false;

	(void)t;
	assert_non_null(recs);
	memset(&r, 0, sizeof r);
	r.type = p->type;
	snprintf(r.qname, sizeof r.qname, "%s", p->name);
	r.status = DNS_NXDOMAIN;
	r.records = recs;
	for (i = 0; zone[i].name != NULL; i++) {
		if (strcmp(zone[i].name, p->name) != 0)
			continue;
		seen = true;
		if (zone[i].status != DNS_OK) {
			r.status = zone[i].status;
			break;
		}
		if (zone[i].type != p->type || zone[i].value == NULL || r.nrecords == 16)
			continue;
		if (p->type == DNS_TXT) {
			recs[r.nrecords].text = (char *)zone[i].value;
			recs[r.nrecords].text_len = strlen(zone[i].value);
		} else if (p->type == DNS_A || p->type == DNS_AAAA) {
			snprintf(recs[r.nrecords].addr, sizeof recs->addr, "%s", zone[i].value);
		} else {
			snprintf(recs[r.nrecords].name, sizeof recs->name, "%s", zone[i].value);
		}
		r.nrecords++;
	}
	if (seen && r.status == DNS_NXDOMAIN)
		r.status = r.nrecords > 0 ? DNS_OK : DNS_NODATA;
	if (seen && r.status == DNS_NODATA && r.nrecords > 0)
		r.status = DNS_OK;
	p->cb(&r, p->arg);
	free(recs);
	free(p);
}

static struct loop *test_loop;
static struct pending *hung;

static int fake_query(void *ctx, const char *name, enum dns_type type, dns_result_cb cb,
                      void *arg, char **cause)
{
	struct pending *p = calloc(1, sizeof *p);

	(void)ctx;
	(void)cause;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->type = type;
	p->cb = cb;
	p->arg = arg;
	nqueries++;
	/* A timeout never answers: the evaluation's deadline must end it;
	 * the query is cancelled at the end, as dns_free() does. */
	for (size_t i = 0; zone[i].name != NULL; i++)
		if (strcmp(zone[i].name, name) == 0 && zone[i].status == DNS_TIMEOUT) {
			hung = p;
			return 0;
		}
	loop_timer_add(test_loop, 1, 0, deliver, p);
	return 0;
}

static struct spf_eval got;
static bool done;

static void on_done(const struct spf_eval *e, void *arg)
{
	(void)arg;
	spf_eval_copy(&got, e);
	done = true;
	loop_stop(test_loop);
}

static enum spf_result run(const struct fake_rr *z, const char *ip, const char *domain)
{
	struct spf_params p = { ip, domain, NULL, NULL, 300, fake_query, NULL };
	struct spf_evaluation *e;
	char *cause = NULL;

	zone = z;
	nqueries = 0;
	done = false;
	spf_eval_clear(&got);
	memset(&got, 0, sizeof got);
	test_loop = loop_new();
	e = spf_eval_start(test_loop, &p, on_done, NULL, &cause);
	assert_non_null(e);
	loop_run(test_loop);
	assert_true(done);
	spf_eval_free(e);
	if (hung != NULL) {
		struct dns_result r;

		memset(&r, 0, sizeof r);
		r.status = DNS_CANCELLED;
		hung->cb(&r, hung->arg);
		free(hung);
		hung = NULL;
	}
	loop_free(test_loop);
	return got.result;
}

static const struct fake_rr basic[] = {
	{ "ex.test", DNS_TXT, DNS_OK, "v=spf1 ip4:192.0.2.0/24 mx a:host.ex.test include:inc.ex.test ~all" },
	{ "ex.test", DNS_TXT, DNS_OK, "google-site-verification=x" },
	{ "ex.test", DNS_MX, DNS_OK, "mx.ex.test" },
	{ "mx.ex.test", DNS_A, DNS_OK, "198.51.100.1" },
	{ "host.ex.test", DNS_A, DNS_OK, "198.51.100.2" },
	{ "inc.ex.test", DNS_TXT, DNS_OK, "v=spf1 ip6:2001:db8::/32 ip4:203.0.113.9 -all" },
	{ NULL, DNS_TXT, DNS_OK, NULL },
};

static void test_eval_results(void **state)
{
	(void)state;
	assert_int_equal(run(basic, "192.0.2.77", "ex.test"), SPF_PASS);
	assert_string_equal(got.matched, "ip4:192.0.2.0/24");
	assert_int_equal(got.lookups, 0);
	assert_int_equal(run(basic, "198.51.100.1", "ex.test"), SPF_PASS);
	assert_string_equal(got.matched, "mx");
	assert_int_equal(run(basic, "198.51.100.2", "ex.test"), SPF_PASS);
	assert_int_equal(run(basic, "203.0.113.9", "ex.test"), SPF_PASS);
	assert_int_equal(got.nnodes, 2);
	assert_int_equal(got.nodes[1].via, SPF_INCLUDE);
	assert_int_equal(got.nodes[1].parent, 0);
	assert_int_equal(got.lookups, 3);       /* mx, a, include */
	assert_int_equal(got.nodes[0].lookups_tree, 3);
	assert_int_equal(run(basic, "2001:db8::1", "ex.test"), SPF_PASS);
	/* include's fail is no match: the record goes on to ~all. */
	assert_int_equal(run(basic, "203.0.113.10", "ex.test"), SPF_SOFTFAIL);
	assert_int_equal(got.why, SPF_WHY_MATCH);
	assert_int_equal(run(basic, "192.0.2.1", "nothing.test"), SPF_NONE);
	assert_int_equal(got.why, SPF_WHY_NO_RECORD);
}

static const struct fake_rr limits[] = {
	{ "many.test", DNS_TXT, DNS_OK,
	  "v=spf1 include:a.test include:a.test include:a.test include:a.test include:a.test "
	  "include:a.test include:a.test include:a.test include:a.test include:a.test "
	  "include:a.test -all" },
	{ "a.test", DNS_TXT, DNS_OK, "v=spf1 -all" },
	{ "loop.test", DNS_TXT, DNS_OK, "v=spf1 include:loop.test -all" },
	{ "voids.test", DNS_TXT, DNS_OK, "v=spf1 a:n1.test mx:n2.test exists:n3.test -all" },
	{ "two.test", DNS_TXT, DNS_OK, "v=spf1 -all" },
	{ "two.test", DNS_TXT, DNS_OK, "v=spf1 +all" },
	{ "syn.test", DNS_TXT, DNS_OK, "v=spf1 +all ip4:1.2.3.4/40" },
	{ "none.test", DNS_TXT, DNS_OK, "v=spf1 include:nx.test -all" },
	{ "redir.test", DNS_TXT, DNS_OK, "v=spf1 redirect=nx.test" },
	{ "redir2.test", DNS_TXT, DNS_OK, "v=spf1 redirect=a.test" },
	{ "sf.test", DNS_TXT, DNS_SERVFAIL, NULL },
	{ "incsf.test", DNS_TXT, DNS_OK, "v=spf1 include:sf.test -all" },
	{ "slow.test", DNS_TXT, DNS_TIMEOUT, NULL },
	{ "bigmx.test", DNS_TXT, DNS_OK, "v=spf1 mx -all" },
	{ "bigmx.test", DNS_MX, DNS_OK, "m1.test" }, { "bigmx.test", DNS_MX, DNS_OK, "m2.test" },
	{ "bigmx.test", DNS_MX, DNS_OK, "m3.test" }, { "bigmx.test", DNS_MX, DNS_OK, "m4.test" },
	{ "bigmx.test", DNS_MX, DNS_OK, "m5.test" }, { "bigmx.test", DNS_MX, DNS_OK, "m6.test" },
	{ "bigmx.test", DNS_MX, DNS_OK, "m7.test" }, { "bigmx.test", DNS_MX, DNS_OK, "m8.test" },
	{ "bigmx.test", DNS_MX, DNS_OK, "m9.test" }, { "bigmx.test", DNS_MX, DNS_OK, "m10.test" },
	{ "bigmx.test", DNS_MX, DNS_OK, "m11.test" },
	{ NULL, DNS_TXT, DNS_OK, NULL },
};

static void test_eval_limits(void **state)
{
	(void)state;
	assert_int_equal(run(limits, "192.0.2.1", "many.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_LOOKUPS);
	assert_int_equal(got.lookups, 11);
	/* The 11th include is never asked: 1 + 10 TXT queries. */
	assert_int_equal(nqueries, 11);
	assert_int_equal(run(limits, "192.0.2.1", "loop.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_LOOKUPS);
	assert_true(got.nnodes <= SPF_NODES_MAX);
	assert_int_equal(run(limits, "192.0.2.1", "voids.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_VOIDS);
	assert_int_equal(got.voids, 3);
	assert_int_equal(run(limits, "192.0.2.1", "two.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_MULTIPLE);
	/* The syntax error after a matching +all still ends it all. */
	assert_int_equal(run(limits, "192.0.2.1", "syn.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_SYNTAX);
	assert_int_equal(got.nodes[0].error_pos, 24);
	assert_int_equal(run(limits, "192.0.2.1", "none.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_INCLUDE_NONE);
	assert_int_equal(run(limits, "192.0.2.1", "redir.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_INCLUDE_NONE);
	assert_int_equal(run(limits, "192.0.2.1", "redir2.test"), SPF_FAIL);
	assert_int_equal(got.nodes[1].via, SPF_REDIRECT);
	assert_int_equal(run(limits, "192.0.2.1", "sf.test"), SPF_TEMPERROR);
	assert_int_equal(run(limits, "192.0.2.1", "incsf.test"), SPF_TEMPERROR);
	assert_int_equal(got.why, SPF_WHY_DNS);
	assert_int_equal(run(limits, "192.0.2.1", "slow.test"), SPF_TEMPERROR);
	assert_int_equal(got.why, SPF_WHY_TIMEOUT);
	assert_int_equal(run(limits, "192.0.2.1", "bigmx.test"), SPF_PERMERROR);
	assert_int_equal(got.why, SPF_WHY_NAMES);
}

static const struct fake_rr exp_zone[] = {
	{ "e.test", DNS_TXT, DNS_OK, "v=spf1 -all exp=why.%{d}" },
	{ "why.e.test", DNS_TXT, DNS_OK, "%{i} may not send for %{d} (%{c})" },
	{ "p.test", DNS_TXT, DNS_OK, "v=spf1 ptr:ok.test -all" },
	{ "1.2.0.192.in-addr.arpa", DNS_PTR, DNS_OK, "h.ok.test" },
	{ "1.2.0.192.in-addr.arpa", DNS_PTR, DNS_OK, "h.other.test" },
	{ "h.ok.test", DNS_A, DNS_OK, "192.0.2.1" },
	{ "2.2.0.192.in-addr.arpa", DNS_PTR, DNS_OK, "forged.ok.test" },
	{ "forged.ok.test", DNS_A, DNS_OK, "203.0.113.1" },
	{ NULL, DNS_TXT, DNS_OK, NULL },
};

static void test_eval_exp_and_ptr(void **state)
{
	(void)state;
	assert_int_equal(run(exp_zone, "192.0.2.1", "e.test"), SPF_FAIL);
	assert_string_equal(got.explanation, "192.0.2.1 may not send for e.test (192.0.2.1)");
	assert_int_equal(run(exp_zone, "192.0.2.1", "p.test"), SPF_PASS);
	/* A PTR name whose address is not the client's is not validated. */
	assert_int_equal(run(exp_zone, "192.0.2.2", "p.test"), SPF_FAIL);
}

static void test_eval_bad_params(void **state)
{
	struct spf_params p = { "not-an-ip", "ex.test", NULL, NULL, 0, fake_query, NULL };
	char *cause = NULL;
	struct loop *l = loop_new();

	(void)state;
	assert_null(spf_eval_start(l, &p, on_done, NULL, &cause));
	assert_non_null(cause);
	free(cause);
	loop_free(l);
	spf_eval_clear(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors_with_column),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_macro_errors),
		cmocka_unit_test(test_eval_results),
		cmocka_unit_test(test_eval_limits),
		cmocka_unit_test(test_eval_exp_and_ptr),
		cmocka_unit_test(test_eval_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
