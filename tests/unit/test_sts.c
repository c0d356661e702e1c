/*
 * sts: the MTA-STS TXT record, the policy file, the mx pattern match
 * (RFC 8461) and the TLS-RPT record (RFC 8460): the pure parsers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/sts.h"

static int parse(const char *text, struct sts_policy *p)
{
	return sts_policy_parse(text, strlen(text), p);
}

static void test_policy_valid(void **state)
{
	struct sts_policy p;

	(void)state;
	assert_int_equal(parse("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n"
	                       "mx: *.Example.NET\r\nmax_age: 604800\r\n", &p), 0);
	assert_int_equal(p.mode, STS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[0], "mx1.example.com");
	assert_string_equal(p.mx[1], "*.example.net");  /* lowercase */
	assert_int_equal(p.problems, 0);
	sts_policy_clear(&p);
	/* LF lines, no final newline, blanks around values, unknown keys. */
	assert_int_equal(parse("version:STSv1\nmode:  testing \nmx: a.example\nfoo_bar: x\n"
	                       "max_age: 86400", &p), 0);
	assert_int_equal(p.mode, STS_MODE_TESTING);
	assert_int_equal(p.nmx, 1);
	sts_policy_clear(&p);
	/* mode none needs no mx. */
	assert_int_equal(parse("version: STSv1\nmode: none\nmax_age: 1\n", &p), 0);
	assert_int_equal(p.mode, STS_MODE_NONE);
	sts_policy_clear(&p);
}

static void test_policy_missing_and_bad(void **state)
{
	struct sts_policy p;

	(void)state;
	assert_int_equal(parse("mode: enforce\nmx: a.example\n", &p), -1);
	assert_true(p.problems & STS_P_NO_VERSION);
	assert_true(p.problems & STS_P_NO_MAX_AGE);
	sts_policy_clear(&p);
	assert_int_equal(parse("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", &p), -1);
	assert_true(p.problems & STS_P_BAD_VERSION);
	sts_policy_clear(&p);
	assert_int_equal(parse("version: STSv1\nmode: enforce\nmax_age: 1\n", &p), -1);
	assert_true(p.problems & STS_P_NO_MX);
	sts_policy_clear(&p);
	assert_int_equal(parse("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n", &p), -1);
	assert_true(p.problems & STS_P_BAD_MODE);
	sts_policy_clear(&p);
	/* max_age at most 31557600, digits only. */
	assert_int_equal(parse("version: STSv1\nmode: none\nmax_age: 31557601\n", &p), -1);
	assert_true(p.problems & STS_P_BAD_MAX_AGE);
	sts_policy_clear(&p);
	assert_int_equal(parse("version: STSv1\nmode: none\nmax_age: 31557600\n", &p), 0);
	sts_policy_clear(&p);
	assert_int_equal(parse("version: STSv1\nmode: none\nmax_age: -5\n", &p), -1);
	sts_policy_clear(&p);
	assert_int_equal(parse("version: STSv1\nmode: none\nmax_age: 99999999999999999999\n", &p), -1);
	assert_true(p.problems & STS_P_BAD_MAX_AGE);
	sts_policy_clear(&p);
	/* A line that is no "key: value": the HTML of a wrong server. */
	assert_int_equal(parse("<html>\nversion: STSv1\nmode: none\nmax_age: 1\n", &p), -1);
	assert_true(p.problems & STS_P_BAD_LINE);
	assert_int_equal(p.bad_line, 1);
	sts_policy_clear(&p);
}

static void test_policy_duplicates_warn(void **state)
{
	struct sts_policy p;

	(void)state;
	/* Usable (the first value counts) but reported. */
	assert_int_equal(parse("version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\n"
	                       "mx: bad..name\nmax_age: 1\n", &p), 0);
	assert_int_equal(p.mode, STS_MODE_TESTING);
	assert_true(p.problems & STS_P_DUPLICATE);
	assert_true(p.problems & STS_P_BAD_MX);
	assert_int_equal(p.nmx, 1);
	assert_int_equal(p.bad_line, 3);
	sts_policy_clear(&p);
}

static void test_policy_hostile(void **state)
{
	struct sts_policy p;
	size_t n = (size_t)100 * 1024, i;
	char *big = malloc(n + 64);
	char bin[] = "version: STSv1\nmode: enf\0rce\nmx: a\x01.example\nmax_age: 1\n";

	(void)state;
	assert_non_null(big);
	/* A 100 KB line. */
	memset(big, 'x', n);
	memcpy(big, "mx: ", 4);
	assert_int_equal(sts_policy_parse(big, n, &p), -1);
	assert_true(p.problems & STS_P_LONG_LINE);
	assert_int_equal(p.nmx, 0);
	sts_policy_clear(&p);
	/* Binary bytes, a NUL among them. */
	assert_int_equal(sts_policy_parse(bin, sizeof bin - 1, &p), -1);
	assert_true(p.problems & STS_P_BAD_LINE);
	sts_policy_clear(&p);
	free(big);
	/* 1,000 mx: lines: all kept, the last one matches. */
	big = malloc(1000 * 32 + 64);
	assert_non_null(big);
	n = (size_t)sprintf(big, "version: STSv1\nmode: enforce\nmax_age: 60\n");
	for (i = 0; i < 1000; i++)
		n += (size_t)sprintf(big + n, "mx: mx%zu.example.org\n", i);
	assert_int_equal(sts_policy_parse(big, n, &p), 0);
	assert_int_equal(p.nmx, 1000);
	assert_int_equal(sts_policy_covers(&p, "mx999.example.org"), 999);
	assert_int_equal(sts_policy_covers(&p, "mx1000.example.org"), -1);
	sts_policy_clear(&p);
	free(big);
}

static void test_mx_match(void **state)
{
	(void)state;
	assert_true(sts_mx_match("mx.example.com", "MX.Example.COM."));
	assert_true(sts_mx_match("mx.example.com.", "mx.example.com"));
	assert_false(sts_mx_match("mx.example.com", "mx2.example.com"));
	/* "*." stands for exactly one label. */
	assert_true(sts_mx_match("*.example.net", "mx1.example.net"));
	assert_false(sts_mx_match("*.example.net", "example.net"));
	assert_false(sts_mx_match("*.example.net", "a.b.example.net"));
	assert_false(sts_mx_match("*.example.net", ".example.net"));
	assert_false(sts_mx_match("*.example.net", "mx1.example.network"));
	assert_false(sts_mx_match("mx*.example.net", "mx1.example.net"));
	assert_false(sts_mx_match("", "a"));
}

static void test_txt(void **state)
{
	char id[STS_ID_MAX + 1];

	(void)state;
	assert_int_equal(sts_txt_parse("v=STSv1; id=20160831085700Z;", id), 0);
	assert_string_equal(id, "20160831085700Z");
	assert_int_equal(sts_txt_parse("v=STSv1;id=abc", id), 0);
	assert_int_equal(sts_txt_parse("v=STSv1;", id), STS_TXT_NO_ID);
	assert_int_equal(sts_txt_parse("id=abc; v=STSv1", id) & STS_TXT_BAD_VERSION,
	                 STS_TXT_BAD_VERSION);
	assert_int_equal(sts_txt_parse("v=STSv1; id=no-dashes", id), STS_TXT_BAD_ID);
	assert_int_equal(sts_txt_parse("v=STSv1; id=123456789012345678901234567890123", id),
	                 STS_TXT_BAD_ID);
	assert_int_equal(sts_txt_parse("v=STSv1; id=1; junk", id), STS_TXT_SYNTAX);
	assert_int_equal(sts_txt_parse("", id), STS_TXT_BAD_VERSION | STS_TXT_NO_ID);
}

static void test_tlsrpt(void **state)
{
	struct sts_tlsrpt r;

	(void)state;
	assert_int_equal(sts_tlsrpt_parse("v=TLSRPTv1; rua=mailto:tls@example.com", &r), 0);
	assert_int_equal(r.nrua, 1);
	assert_string_equal(r.rua[0], "mailto:tls@example.com");
	assert_int_equal(sts_tlsrpt_parse("v=TLSRPTv1;rua=mailto:a@example.com, "
	                                  "https://reports.example.com/tlsrpt", &r), 0);
	assert_int_equal(r.nrua, 2);
	assert_string_equal(r.rua[1], "https://reports.example.com/tlsrpt");
	assert_int_equal(sts_tlsrpt_parse("v=TLSRPTv1; rua=http://example.com/x", &r), -1);
	assert_true(r.problems & RPT_P_BAD_URI);
	assert_int_equal(sts_tlsrpt_parse("v=TLSRPTv1; rua=mailto:nobody", &r), -1);
	assert_true(r.problems & RPT_P_BAD_URI);
	assert_int_equal(sts_tlsrpt_parse("v=TLSRPTv1", &r), -1);
	assert_true(r.problems & RPT_P_NO_RUA);
	assert_int_equal(sts_tlsrpt_parse("rua=mailto:a@b.example; v=TLSRPTv1", &r), -1);
	assert_true(r.problems & RPT_P_BAD_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_valid),
		cmocka_unit_test(test_policy_missing_and_bad),
		cmocka_unit_test(test_policy_duplicates_warn),
		cmocka_unit_test(test_policy_hostile),
		cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_tlsrpt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
