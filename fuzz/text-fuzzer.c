/*
 * text-fuzzer — libFuzzer target for the text sanitiser (text_sanitize in
 * src/text.c), which stands between every hostile byte and the terminal.
 *
 * The first input byte picks an output buffer size (8 up to 263 bytes, so
 * the cut with "…" is reached often); the rest is the text. Whatever it
 * is, the output must fit, hold no C0 control or DEL, be valid UTF-8 with
 * no C1 control, and be left as it is when sanitised again. text_trim and
 * text_equal_ci, which read list and config lines, run on it too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void output_check(const char *out, size_t n, size_t outsz)
{
	const unsigned char *u = (const unsigned char *)out;
	size_t i = 0, l;

	if (n >= outsz || strlen(out) != n)
		abort();
	while (i < n) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			abort();
		if ((l = text_utf8_len(out + i, n - i)) == 0)
			abort();
		/* No bidi control, zero-width space or line separator passes. */
		if (l == 3 && u[i] == 0xe2 &&
		    ((u[i + 1] == 0x80 && (u[i + 2] == 0x8b ||
		                           (u[i + 2] >= 0xa8 && u[i + 2] <= 0xae))) ||
		     (u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9)))
			abort();
		i += l;
	}
}

static void trim_check(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t n;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	text_trim(s);
	n = strlen(s);
	if (n > 0 && (text_is_blank(s[0]) || text_is_blank(s[n - 1]) ||
	              s[n - 1] == '\r' || s[n - 1] == '\n'))
		abort();
	if (!text_equal_ci(s, n, s))
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t outsz, bigsz, n, m;
	char *out, *again;

	if (size < 1)
		return 0;
	outsz = 8 + data[0];
	data++;
	size--;
	/* The worst case is 4 bytes out ("\xHH") for each byte in. */
	bigsz = size * 4 + 8;
	out = malloc(outsz);
	again = malloc(bigsz);
	if (out == NULL || again == NULL)
		abort();
	n = text_sanitize((const char *)data, size, out, outsz);
	output_check(out, n, outsz);
	/* What came out is already safe: a second pass only escapes its
	 * backslashes again (a backslash is always "\\", so "\e" from a
	 * server never reads as an escaped ESC); nothing else changes. */
	free(again);
	again = malloc(2 * n + 8);
	if (again == NULL)
		abort();
	m = text_sanitize(out, n, again, 2 * n + 8);
	{
		size_t i, j = 0;

		for (i = 0; i < n; i++) {
			if (j >= m || again[j] != out[i])
				abort();
			j++;
			if (out[i] == '\\' && (j >= m || again[j++] != '\\'))
				abort();
		}
		if (j != m)
			abort();
	}
	free(out);
	out = malloc(bigsz);
	if (out == NULL)
		abort();
	n = text_sanitize((const char *)data, size, out, bigsz);
	output_check(out, n, bigsz);
	trim_check(data, size);
	free(out);
	free(again);
	return 0;
}
