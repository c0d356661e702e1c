/*
 * text_sanitize: hostile bytes become visible and bounded, never raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mailflow/text.h"

static void expect(const char *in, size_t len, const char *want)
{
	char out[256];

	text_sanitize(in, len, out, sizeof out);
	assert_string_equal(out, want);
}

static void test_controls_made_visible(void **state)
{
	(void)state;
	expect("250 ok", 6, "250 ok");
	expect("\x1b[2J\x1b]0;pwned\x07", 14, "\\e[2J\\e]0;pwned\\x07");
	expect("a\r\nb\tc", 6, "a\\r\\nb\\tc");
	expect("nul\0byte", 8, "nul\\x00byte");
	expect("del\x7f", 4, "del\\x7f");
}

static void test_utf8(void **state)
{
	(void)state;
	expect("gr\xc3\xbc\xc3\x9f", 6, "gr\xc3\xbc\xc3\x9f");               /* grüß */
	expect("bad\xff", 4, "bad\xef\xbf\xbd");                          /* invalid */
	expect("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");                /* overlong */
	expect("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	expect("\xc2\x9b" "31m", 5, "\xef\xbf\xbd\xef\xbf\xbd" "31m");    /* C1 CSI */
	expect("cut\xe2\x82", 5, "cut\xef\xbf\xbd\xef\xbf\xbd");          /* truncated */
}

/* A literal "\e[2J" sent by a server must not read like a real ESC made
 * visible: the backslash is escaped too. */
static void test_backslash_unambiguous(void **state)
{
	(void)state;
	expect("\\e[2J", 5, "\\\\e[2J");
	expect("\x1b[2J", 4, "\\e[2J");
	expect("C:\\dir", 6, "C:\\\\dir");
}

/* Characters that print as nothing or reorder the line. */
static void test_invisible_escaped(void **state)
{
	(void)state;
	expect("abc\xe2\x80\xae" "dcba", 10, "abc\\u202edcba");       /* RLO */
	expect("\xe2\x80\xaa\xe2\x80\xac", 6, "\\u202a\\u202c");     /* LRE PDF */
	expect("\xe2\x81\xa6x\xe2\x81\xa9", 7, "\\u2066x\\u2069");    /* isolates */
	expect("pay\xe2\x80\x8bpal", 9, "pay\\u200bpal");          /* zero width */
	expect("a\xe2\x80\xa8" "b\xe2\x80\xa9", 8, "a\\u2028b\\u2029");
	expect("\xef\xbb\xbfx", 4, "\\ufeffx");                    /* BOM */
	expect("\xe2\x80\x94", 3, "\xe2\x80\x94");                  /* an em dash stays */
	assert_int_equal(text_invisible("\xe2\x80\xae", 3), 0x202e);
	assert_int_equal(text_invisible("\xe2\x80\x94", 3), 0);
	assert_int_equal(text_invisible("\xc3\xbc", 2), 0);
}

/* Local input in a message: made safe the same way. */
static void test_show(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(text_show("a\x1b[31m\xc2\x9b\xff", buf, sizeof buf),
	                    "a\\e[31m\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_bounded(void **state)
{
	char in[1000], out[32];
	size_t n;
	int i;

	(void)state;
	memset(in, 'x', sizeof in);
	n = text_sanitize(in, sizeof in, out, sizeof out);
	assert_true(n < sizeof out);
	assert_int_equal(strlen(out), n);
	assert_non_null(strstr(out, "\xe2\x80\xa6"));
	/* Random bytes: output always fits, never holds a raw control. */
	srand(3);
	for (i = 0; i < 5000; i++) {
		size_t j;

		for (j = 0; j < 64; j++)
			in[j] = (char)rand();
		n = text_sanitize(in, 64, out, sizeof out);
		assert_true(n < sizeof out);
		for (j = 0; j < n; j++)
			assert_true((unsigned char)out[j] >= 0x20 && out[j] != 0x7f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_made_visible),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_backslash_unambiguous),
		cmocka_unit_test(test_invisible_escaped),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
