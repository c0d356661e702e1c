/*
 * The pure helpers of smtp.c: dot-stuffing, base64, --quit-after names,
 * the test message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mailflow/smtp.h"

static void stuff(const char *in, const char *want)
{
	size_t len;
	char *out = smtp_dot_stuff(in, strlen(in), &len);

	assert_non_null(out);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
}

static void test_dot_stuff(void **state)
{
	(void)state;
	stuff("hello\r\n", "hello\r\n.\r\n");
	stuff("hello", "hello\r\n.\r\n");                       /* CRLF added */
	stuff(".\r\n", "..\r\n.\r\n");                          /* a lone dot */
	stuff("a\n.b\n..c\n", "a\r\n..b\r\n...c\r\n.\r\n");     /* bare LF */
	stuff("x.\r\n.", "x.\r\n..\r\n.\r\n");                  /* only at line start */
	stuff("", ".\r\n");
}

static void test_base64(void **state)
{
	static const struct { const char *plain, *b64; } cases[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "Username:", "VXNlcm5hbWU6" }, { "Password:", "UGFzc3dvcmQ6" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *b = smtp_base64((const unsigned char *)cases[i].plain,
		                      strlen(cases[i].plain));

		assert_string_equal(b, cases[i].b64);
		free(b);
		assert_int_equal(smtp_base64_decode(cases[i].b64, strlen(cases[i].b64),
		                                    out, sizeof out),
		                 (int)strlen(cases[i].plain));
		assert_string_equal(out, cases[i].plain);
	}
	/* AUTH PLAIN's NULs survive. */
	{
		char *b = smtp_base64((const unsigned char *)"\0jane\0secret", 12);

		assert_string_equal(b, "AGphbmUAc2VjcmV0");
		free(b);
	}
	assert_int_equal(smtp_base64_decode("not base64!", 11, out, sizeof out), -1);
	assert_int_equal(smtp_base64_decode("VXNlcm5hbWU6", 12, out, 4), -1);
}

static void test_quit_after(void **state)
{
	(void)state;
	assert_int_equal(smtp_quit_after_parse("connect"), SMTP_QUIT_CONNECT);
	assert_int_equal(smtp_quit_after_parse("RCPT"), SMTP_QUIT_RCPT);
	assert_int_equal(smtp_quit_after_parse("starttls"), SMTP_QUIT_TLS);
	assert_int_equal(smtp_quit_after_parse("to"), SMTP_QUIT_RCPT);
	assert_int_equal(smtp_quit_after_parse("data"), -1);
	assert_string_equal(smtp_quit_after_name(SMTP_QUIT_EHLO), "ehlo");
}

static void test_message(void **state)
{
	char *m = smtp_test_message("a@example.test", "b@example.test", "probe.test");

	(void)state;
	assert_non_null(m);
	assert_non_null(strstr(m, "\r\nFrom: <a@example.test>\r\n"));
	assert_non_null(strstr(m, "\r\nTo: <b@example.test>\r\n"));
	assert_non_null(strstr(m, "\r\nSubject: mailflow test message\r\n"));
	assert_non_null(strstr(m, "\r\nMessage-ID: <mailflow."));
	assert_non_null(strstr(m, "@probe.test>\r\n"));
	assert_true(strncmp(m, "Date: ", 6) == 0);
	assert_non_null(strstr(m, "\r\n\r\n"));                 /* header/body */
	free(m);
}

static void test_manual_check_line(void **state)
{
	char *why = NULL, big[700];

	(void)state;
	assert_int_equal(smtp_manual_check_line("MAIL FROM:<a@b.test>", &why), 0);
	assert_int_equal(smtp_manual_check_line("", &why), 0);
	memset(big, 'x', 510);
	big[510] = '\0';
	assert_int_equal(smtp_manual_check_line(big, &why), 0);
	big[510] = 'x';
	big[511] = '\0';
	assert_int_equal(smtp_manual_check_line(big, &why), -1);
	assert_non_null(strstr(why, "511 bytes"));
	free(why);
	why = NULL;
	assert_int_equal(smtp_manual_check_line("RSET\rQUIT", &why), -1);
	assert_non_null(strstr(why, "bare CR"));
	free(why);
	why = NULL;
	assert_int_equal(smtp_manual_check_line("RSET\nQUIT", &why), -1);
	assert_non_null(strstr(why, "bare LF"));
	free(why);
	why = NULL;
	assert_int_equal(smtp_manual_check_line("RCPT TO:<j\xc3\xa9@b.test>", &why), -1);
	assert_non_null(strstr(why, "non-ASCII byte at position 11"));
	free(why);
	why = NULL;
	assert_int_equal(smtp_manual_check_line("NOOP\x1b[2J", &why), -1);
	assert_non_null(strstr(why, "control character (0x1b)"));
	free(why);
	why = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot_stuff),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_quit_after),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_manual_check_line),
	};

	return cmocka_run_group_tests_name("smtp_pure", tests, NULL, NULL);
}
