/*
 * text — making hostile bytes safe to show.
 *
 * Everything a server or a DNS answer sends goes through here before it
 * reaches a terminal or a text report: control characters and escape
 * sequences become visible (\e, \r, \xHH), invalid UTF-8 becomes U+FFFD,
 * characters that print as nothing or reorder the line (bidi controls,
 * zero-width characters, U+2028/2029) become \uXXXX, a backslash becomes
 * \\ (so every escape is unambiguous), and the output is bounded by the
 * buffer (truncation is marked with "…").
 */
#ifndef MAILFLOW_TEXT_H
#define MAILFLOW_TEXT_H

#include <stddef.h>

/* Writes a NUL-terminated, printable form of in[0..len) into out. Returns
 * the number of bytes written (without the NUL). outsz must be >= 8. */
size_t text_sanitize(const char *in, size_t len, char *out, size_t outsz);
/* The NUL-terminated s made safe for a message (text_sanitize()): local
 * input (an argument, a list line, an option value) is shown as safely as
 * server text. Returns buf. */
const char *text_show(const char *s, char *buf, size_t size);
/* Length of the valid UTF-8 sequence at s (at most n bytes): 1 for ASCII,
 * 2-4 for a valid multi-byte character, 0 for an invalid byte (overlongs,
 * surrogates and C1 controls count as invalid). */
size_t text_utf8_len(const char *s, size_t n);
/* The valid UTF-8 sequence s[0..l) (text_utf8_len()) when it is a bidi
 * control, a zero-width character, a line or paragraph separator or the
 * BOM: its code point, for the caller to escape; else 0. */
unsigned text_invisible(const char *s, size_t l);

/* ASCII-only helpers, independent of the locale (protocol text is ASCII,
 * and a Turkish locale must not turn "i" into a dotted capital). */
int text_ascii_lower(int c);
int text_ascii_upper(int c);
int text_ascii_isdigit(int c);
int text_ascii_isalnum(int c);
int text_is_blank(int c);               /* space or tab */
/* s[0..n) equals the NUL-terminated word w, ignoring ASCII case. */
int text_equal_ci(const char *s, size_t n, const char *w);

/* Cuts blanks, CR and LF off the end of s, and blanks off its start, in
 * place (a line of a list or of the config file). */
void text_trim(char *s);

#endif
