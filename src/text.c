/*
 * text.c — bytes from the network made safe to show.
 */
#include "mailflow/text.h"

#include <stdio.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) { need = 2; cp = s[0] & 0x1f; }
	else if (s[0] >= 0xe0 && s[0] <= 0xef) { need = 3; cp = s[0] & 0x0f; }
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) { need = 4; cp = s[0] & 0x07; }
	else return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* No overlongs, no surrogates, nothing past U+10FFFF, and no C1
	 * controls (U+0080-U+009F), which some terminals obey. */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return need;
}

size_t text_utf8_len(const char *s, size_t n)
{
	return n == 0 ? 0 : utf8_valid_len((const unsigned char *)s, n);
}

/* Characters that print as nothing or reorder what follows: bidi embedding,
 * override and isolate controls (Trojan Source), the marks, zero-width
 * characters, line and paragraph separators, the BOM. */
static int is_invisible(unsigned cp)
{
	return cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

unsigned text_invisible(const char *in, size_t l)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned cp;

	if (l == 2)
		cp = (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	else if (l == 3)
		cp = (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	else
		return 0;
	return is_invisible(cp) ? cp : 0;
}

size_t text_sanitize(const char *in, size_t len, char *out, size_t outsz)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;
	char tmp[16];

	while (i < len) {
		size_t l = utf8_valid_len(s + i, len - i), tl;
		unsigned cp;

		if (l == 1 && s[i] == '\\') {
			/* Escaped too, so that a literal "\e[2J" from a server
			 * reads "\\e[2J", never like an escaped real ESC. */
			memcpy(tmp, "\\\\", 3);
			tl = 2;
		} else if (l == 1 && s[i] >= 0x20 && s[i] != 0x7f) {
			tmp[0] = (char)s[i];
			tl = 1;
		} else if (l == 1) {
			switch (s[i]) {
			case '\r': memcpy(tmp, "\\r", 3); break;
			case '\n': memcpy(tmp, "\\n", 3); break;
			case '\t': memcpy(tmp, "\\t", 3); break;
			case 0x1b: memcpy(tmp, "\\e", 3); break;
			default: snprintf(tmp, sizeof tmp, "\\x%02x", s[i]); break;
			}
			tl = strlen(tmp);
		} else if (l > 1 && (cp = text_invisible(in + i, l)) != 0) {
			snprintf(tmp, sizeof tmp, "\\u%04x", cp);
			tl = strlen(tmp);
		} else if (l > 1) {
			memcpy(tmp, s + i, l);
			tl = l;
		} else {
			memcpy(tmp, "\xef\xbf\xbd", 3);         /* U+FFFD */
			tl = 3;
			l = 1;
		}
		/* Keep room for the ellipsis and the NUL. */
		if (o + tl + sizeof ellipsis > outsz) {
			memcpy(out + o, ellipsis, sizeof ellipsis);
			return o + sizeof ellipsis - 1;
		}
		memcpy(out + o, tmp, tl);
		o += tl;
		i += l;
	}
	out[o] = '\0';
	return o;
}

const char *text_show(const char *s, char *buf, size_t size)
{
	text_sanitize(s, strlen(s), buf, size);
	return buf;
}

int text_ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int text_ascii_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

int text_ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

int text_ascii_isalnum(int c)
{
	return text_ascii_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int text_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

int text_equal_ci(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' ||
		    text_ascii_lower((unsigned char)s[i]) != text_ascii_lower((unsigned char)w[i]))
			return 0;
	return w[n] == '\0';
}

void text_trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                 s[n - 1] == '\n'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}
