/*
 * sender: the DMARC and DKIM record parsers, and the organisational
 * domain from Debian's public suffix list (tests/deps installs it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailflow/defaults.h"
#include "mailflow/psl.h"
#include "mailflow/sender.h"

/* The public halves of the lab's 1024- and 512-bit test keys. */
static const char k1024[] = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCs7VY7nSDDb6Jr2txekUT25kktIuhNGG/B7DdOyHxb673y61Zk6Lw1nlikeY5BfPdkJszf0Z1bE0axtYoDlBjWKRHktaVWXGpEvov+b5LkVi2fzRzeiLczp7M7C02XUvzZS2qwxNYbL6EdjRImdmRWx/l3CZUe7Yc5fCS/2GlK4QIDAQAB";
static const char k512[] = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL9JoS31/kydTPCKkISRG32uOKMjUGdYqUR6CLkZ2SdrTKwFKy17aUHVEmLQY9Yyqazh4kLUWkaL/jsSLd+49VMCAwEAAQ==";

static void test_dmarc_parse(void **state)
{
	struct sender_dmarc d;

	(void)state;
	memset(&d, 0, sizeof d);
	assert_int_equal(sender_dmarc_parse("v=DMARC1; p=reject; sp=none; pct=50; adkim=s; "
	                                    "rua=mailto:a@example.com!10m, mailto:b@rep.example.net;"
	                                    " ruf=https://x.example", &d), 0);
	assert_int_equal(d.p, DMARC_P_REJECT);
	assert_int_equal(d.sp, DMARC_P_NONE);
	assert_int_equal(d.pct, 50);
	assert_int_equal(d.adkim, 's');
	assert_int_equal(d.aspf, 'r');
	assert_int_equal(d.nuris, 3);
	assert_string_equal(d.uris[0].domain, "example.com");
	assert_string_equal(d.uris[1].domain, "rep.example.net");
	assert_false(d.uris[1].ruf);
	assert_true(d.uris[2].ruf);
	assert_int_equal(d.uris[2].dest, DEST_NOT_MAILTO);
	/* sp defaults to p */
	assert_int_equal(sender_dmarc_parse("v=DMARC1;p=quarantine", &d), 0);
	assert_int_equal(d.sp, DMARC_P_QUARANTINE);
	assert_int_equal(d.pct, 100);
	assert_int_equal(sender_dmarc_parse("v=DMARC1; rua=mailto:a@b.example", &d), -1);
	assert_non_null(strstr(d.error, "p="));
	assert_int_equal(sender_dmarc_parse("p=reject; v=DMARC1", &d), -1);
	assert_int_equal(sender_dmarc_parse("v=DMARC1; p=maybe", &d), -1);
	assert_int_equal(sender_dmarc_parse("v=DMARC1; p=none; pct=101", &d), -1);
	assert_int_equal(sender_dmarc_parse("v=DMARC1; p=none; aspf=x", &d), -1);
}

static void dkim(const char *rec, enum dkim_state want, int bits)
{
	struct sender_dkim k;

	memset(&k, 0, sizeof k);
	sender_dkim_parse(rec, strlen(rec), &k);
	if (k.state != want || k.bits != bits)
		fail_msg("\"%.60s\": state %d bits %d (%s), wanted %d, %d", rec, k.state, k.bits,
		         k.error, want, bits);
}

static void test_dkim_parse(void **state)
{
	char rec[1024];
	struct sender_dkim k;

	(void)state;
	snprintf(rec, sizeof rec, "v=DKIM1; k=rsa; p=%s", k1024);
	dkim(rec, DKIM_KEY, 1024);
	snprintf(rec, sizeof rec, "p=%s", k512);
	dkim(rec, DKIM_KEY, 512);
	/* Spaces inside p= (a TXT split where it was copied) are FWS. */
	snprintf(rec, sizeof rec, "v=DKIM1; p=%.40s %s", k1024, k1024 + 40);
	dkim(rec, DKIM_KEY, 1024);
	dkim("v=DKIM1; k=rsa; p=", DKIM_REVOKED, 0);
	dkim("v=DKIM1; k=rsa", DKIM_BAD, 0);
	dkim("v=DKIM1; p=bm90IGEga2V5", DKIM_BAD, 0);
	dkim("k=rsa; v=DKIM1; p=", DKIM_BAD, 0);
	dkim("v=DKIM1; k=dsa; p=AAAA", DKIM_BAD, 0);
	memset(&k, 0, sizeof k);
	snprintf(rec, sizeof rec, "v=DKIM1; t=s:y; p=%s", k1024);
	sender_dkim_parse(rec, strlen(rec), &k);
	assert_true(k.testing);
}

static void org(const char *name, const char *want)
{
	char out[256];

	assert_int_equal(psl_org_domain(name, out, sizeof out, NULL), 0);
	assert_string_equal(out, want);
}

static void test_org_domain(void **state)
{
	(void)state;
	if (access(DEFAULT_PSL_FILE, R_OK) != 0)
		skip();
	org("mail.example.com", "example.com");
	org("example.com", "example.com");
	org("a.b.example.co.uk", "example.co.uk");
	org("co.uk", "co.uk");
	org("x.sender.test", "sender.test");
	/* A wildcard rule (*.ck) and its exception (!www.ck). */
	org("a.b.foo.ck", "b.foo.ck");
	org("www.ck", "www.ck");
	org("a.www.ck", "www.ck");
}

static void test_org_domain_without_list(void **state)
{
	char out[256], *cause = NULL;

	(void)state;
	assert_int_equal(psl_load("/nonexistent/psl.dat", &cause), -1);
	free(cause);
	cause = NULL;
	/* Said, and the usual guess (the last two labels) given. */
	assert_int_equal(psl_org_domain("a.b.example.co.uk", out, sizeof out, &cause), -1);
	assert_string_equal(out, "co.uk");
	assert_non_null(cause);
	free(cause);
	psl_load(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmarc_parse),
		cmocka_unit_test(test_dkim_parse),
		cmocka_unit_test(test_org_domain),
		cmocka_unit_test(test_org_domain_without_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
