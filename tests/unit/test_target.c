/*
 * target_parse: domains, addresses, internationalised names, and every
 * kind of invalid name refused with a reason before any query.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "mailflow/target.h"

static void test_plain_domain_and_address(void **state)
{
	struct target t;
	char *cause = NULL;

	(void)state;
	assert_int_equal(target_parse("Example.COM.", &t, &cause), 0);
	assert_string_equal(t.domain, "example.com");
	assert_string_equal(t.local, "");
	assert_int_equal(t.is_idn, 0);

	assert_int_equal(target_parse("jane.doe+tag@Healthy.Lab.Test", &t, &cause), 0);
	assert_string_equal(t.local, "jane.doe+tag");
	assert_string_equal(t.domain, "healthy.lab.test");
}

static void test_idn(void **state)
{
	struct target t;
	char *cause = NULL;

	(void)state;
	assert_int_equal(target_parse("bücher.example", &t, &cause), 0);
	assert_string_equal(t.domain, "xn--bcher-kva.example");
	assert_string_equal(t.unicode, "bücher.example");
	assert_int_equal(t.is_idn, 1);

	assert_int_equal(target_parse("info@Münich.example", &t, &cause), 0);
	assert_string_equal(t.domain, "xn--mnich-kva.example");
	assert_string_equal(t.local, "info");
}

static void expect_refused(const char *input, const char *words)
{
	struct target t;
	char *cause = NULL;

	if (target_parse(input, &t, &cause) != -1)
		fail_msg("\"%s\" was accepted as %s", input, t.domain);
	assert_non_null(cause);
	if (strstr(cause, words) == NULL)
		fail_msg("\"%s\": cause \"%s\" does not say \"%s\"", input, cause, words);
	free(cause);
}

static void test_invalid_names(void **state)
{
	char label64[80], long_name[300];
	size_t i;

	(void)state;
	memset(label64, 'a', 64);
	snprintf(label64 + 64, sizeof label64 - 64, ".test");
	for (i = 0; i < 26; i++)                /* 260 characters */
		memcpy(long_name + 10 * i, "abcdefghi.", 10);
	snprintf(long_name + 260, sizeof long_name - 260, "test");

	expect_refused("", "no domain");
	expect_refused("a..example", "empty label");
	expect_refused(".example.com", "empty label");
	expect_refused(label64, "at most 63");
	expect_refused(long_name, "at most 253");
	expect_refused("exa_mple.com", "contains '_'");
	expect_refused("exa mple.com", "space");
	expect_refused("bad\x1b[2J.com", "control character");
	expect_refused("-abc.com", "hyphen");
	expect_refused("abc-.com", "hyphen");
	expect_refused("user@", "no domain");
	expect_refused("@example.com", "nothing before the @");
	expect_refused("localhost", "no dot");
	expect_refused("192.0.2.1", "all-numeric");
	expect_refused("user@[192.0.2.1]", "address literal");
	expect_refused("a\"b@example.com", "quoting");
	expect_refused("\xff\xfe.example", "internationalised");
	{
		char local[100];

		memset(local, 'x', 70);
		snprintf(local + 70, sizeof local - 70, "@example.com");
		expect_refused(local, "at most 64");
	}
}

static void test_check_hostname(void **state)
{
	char *cause = NULL;

	(void)state;
	assert_int_equal(target_check_hostname("mx1.healthy.lab.test", &cause), 0);
	assert_int_equal(target_check_hostname("xn--bcher-kva.example", &cause), 0);
	assert_int_equal(target_check_hostname("mx1..test", &cause), -1);
	free(cause);
	/* ASCII whatever the locale: a Latin-1 letter is not a host name's. */
	cause = NULL;
	assert_int_equal(target_check_hostname("mx1.b\xe9" "cher.test", &cause), -1);
	assert_non_null(strstr(cause, "letters, digits"));
	free(cause);
	/* A caller that only wants the answer passes no cause. */
	assert_int_equal(target_check_hostname("-bad.test", NULL), -1);
	assert_int_equal(target_parse("", &(struct target){ 0 }, NULL), -1);
}

/* The cause quotes the input made safe: no ESC, no C1 control (raw or as
 * UTF-8), no invalid UTF-8, no bidi control reaches stderr. */
static void test_cause_is_safe(void **state)
{
	static const char *const inputs[] = {
		"ex\x1b[2Jample.com", "a\xc2\x9b" "31mb.com", "x\x9by.com", "x\xffy.com",
		"a\xe2\x80\xae" "moc.b", "a..b\x1b]0;t\x07", "\x1b[2J@x.test",
	};
	struct target t;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		char *cause = NULL;

		assert_int_equal(target_parse(inputs[i], &t, &cause), -1);
		assert_non_null(cause);
		for (j = 0; cause[j] != '\0'; j++) {
			unsigned char c = (unsigned char)cause[j];

			if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f && j > 0 &&
			                              (unsigned char)cause[j - 1] == 0xc2) ||
			    (c == 0xe2 && (unsigned char)cause[j + 1] == 0x80 &&
			     (unsigned char)cause[j + 2] == 0xae))
				fail_msg("input %zu: raw byte 0x%02x in \"%s\"", i, c, cause);
		}
		/* Valid UTF-8 throughout: an invalid byte became U+FFFD. */
		for (j = 0; cause[j] != '\0'; j++)
			if ((unsigned char)cause[j] == 0xff || (unsigned char)cause[j] == 0x9b)
				fail_msg("input %zu: invalid UTF-8 in \"%s\"", i, cause);
		free(cause);
	}
	assert_int_equal(target_check_hostname("a..b\x1b[2J", NULL), -1);
}

/* The cause is the whole message, however long the input it quotes. */
static void test_long_cause(void **state)
{
	char input[501];

	(void)state;
	memset(input, 'a', sizeof input - 1);
	input[sizeof input - 1] = '\0';
	input[250] = ' ';
	expect_refused(input, "a space or a control character");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_domain_and_address),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_check_hostname),
		cmocka_unit_test(test_long_cause),
		cmocka_unit_test(test_cause_is_safe),
	};

	return cmocka_run_group_tests_name("target", tests, NULL, NULL);
}
