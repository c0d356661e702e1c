/*
 * validate: the values that go onto the wire (--helo, --from, -t,
 * --relay-to, -s) against RFC 5321's grammar; control bytes and over-long
 * values refused with a reason that shows the value made safe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/validate.h"

/* fn(s) refuses s, and its cause contains want. */
static void refused(int (*fn)(const char *, char **), const char *s, const char *want)
{
	char *cause = NULL;

	assert_int_equal(fn(s, &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want);
	/* The value never comes back raw. */
	assert_null(strpbrk(cause, "\r\n\x1b"));
	free(cause);
}

static void accepted(int (*fn)(const char *, char **), const char *s)
{
	char *cause = NULL;

	if (fn(s, &cause) != 0)
		fail_msg("\"%s\" refused: %s", s, cause);
	assert_null(cause);
}

static void test_crlf_injection(void **state)
{
	(void)state;
	refused(validate_mailbox, "a@b.test>\r\nRCPT TO:<injected@victim.test",
	        "control character");
	refused(validate_mailbox, "a@b.test\nRCPT TO:<x@y.test>", "\\n");
	refused(validate_helo, "me.test\r\nMAIL FROM:<x@y.test>", "\\r\\n");
	refused(validate_domain, "a.test\x1b[2J", "\\e[2J");
	refused(validate_server, "mx.test\r\n", "control character");
	refused(validate_no_controls, "x\xc2\x9b" "31m", "control character");
	refused(validate_no_controls, "x\x9b", "control character");
	refused(validate_no_controls, "tab\there", "\\t");
	accepted(validate_no_controls, "bücher.example /tmp/a b");
}

static void test_domain(void **state)
{
	char long_name[2001];

	(void)state;
	accepted(validate_domain, "mail.example.com");
	accepted(validate_domain, "localhost");
	accepted(validate_domain, "xn--bcher-kva.example");
	accepted(validate_domain, "1host.example");
	refused(validate_domain, "", "empty");
	refused(validate_domain, "a..b", "empty label");
	refused(validate_domain, "a.b.", "empty label");
	refused(validate_domain, "-a.b", "hyphen");
	refused(validate_domain, "a_b.example", "only letters");
	refused(validate_domain, "a b.example", "only letters");
	refused(validate_domain, "bücher.example", "only letters");
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	refused(validate_domain, long_name, "2000 characters long");
	memset(long_name, 'a', 64);
	snprintf(long_name + 64, sizeof long_name - 64, ".example");
	refused(validate_domain, long_name, "label of 64");
}

static void test_helo(void **state)
{
	char long_helo[2001];

	(void)state;
	accepted(validate_helo, "probe.example.net");
	accepted(validate_helo, "[192.0.2.1]");
	accepted(validate_helo, "[IPv6:2001:db8::1]");
	refused(validate_helo, "[2001:db8::1]", "address literal");
	refused(validate_helo, "[192.0.2.300]", "address literal");
	refused(validate_helo, "[192.0.2.1", "address literal");
	/* 2,000 characters: refused, never silently cut to fit a line. */
	memset(long_helo, 'h', sizeof long_helo - 1);
	long_helo[sizeof long_helo - 1] = '\0';
	refused(validate_helo, long_helo, "at most 255");
}

static void test_mailbox(void **state)
{
	char local[80];

	(void)state;
	accepted(validate_mailbox, "postmaster@example.com");
	accepted(validate_mailbox, "jane.doe+tag@mail.example.com");
	accepted(validate_mailbox, "!#$%&'*+-/=?^_`{|}~@example.com");
	accepted(validate_mailbox, "\"john doe\"@example.com");
	accepted(validate_mailbox, "\"a\\\"b\"@example.com");
	accepted(validate_mailbox, "user@[192.0.2.1]");
	refused(validate_mailbox, "example.com", "not an address");
	refused(validate_mailbox, "@example.com", "local part");
	refused(validate_mailbox, "a..b@example.com", "local part");
	refused(validate_mailbox, ".a@example.com", "local part");
	refused(validate_mailbox, "a b@example.com", "local part");
	refused(validate_mailbox, "a<b@example.com", "local part");
	refused(validate_mailbox, "\"a\"b\"@example.com", "local part");
	refused(validate_mailbox, "a@", "empty");
	refused(validate_mailbox, "a@exa mple.com", "only letters");
	refused(validate_mailbox, "a@[nope]", "address literal");
	memset(local, 'l', 65);
	snprintf(local + 65, sizeof local - 65, "@x.test");
	refused(validate_mailbox, local, "at most 64");
}

static void test_server(void **state)
{
	(void)state;
	accepted(validate_server, "mx1.example.com");
	accepted(validate_server, "mx1.example.com.");
	accepted(validate_server, "192.0.2.1");
	accepted(validate_server, "2001:db8::1");
	accepted(validate_server, "localhost");
	refused(validate_server, "mx1 example.com", "only letters");
	refused(validate_server, ".", "empty");
	refused(validate_server, "mx;rm -rf", "only letters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crlf_injection),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_helo),
		cmocka_unit_test(test_mailbox),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
