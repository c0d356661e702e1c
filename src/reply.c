/*
 * reply.c — the SMTP reply parser and the EHLO extension parser (see
 * include/mailflow/reply.h).
 *
 * The parser is a byte-at-a-time state machine, so any chunking of the
 * input gives the same replies: nothing depends on where a read() ended.
 * Its memory is bounded by the limits alone: the current line lives in a
 * fixed buffer of REPLY_LINE_HARD bytes (what does not fit is counted and
 * dropped), and at most REPLY_LINES_MAX lines are stored per reply. A line
 * without a valid code ends the reply at once, like OpenSMTPD's reader
 * rejecting it, so a server that sends garbage never leaves the session
 * waiting for a final line that will not come.
 */
#include "mailflow/reply.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct reply_parser {
	/* The line being received: its first REPLY_LINE_HARD bytes. */
	char line[REPLY_LINE_HARD];
	size_t line_len;
	/* Bytes of the line seen, kept or not; saturates past the hard limit,
	 * which is all the limit checks need to know. */
	size_t line_total;
	/* A CR was the last byte: whether it ends the line or is a stray
	 * control byte depends on the next byte, which may come in the next
	 * feed. */
	bool cr;

	/* The reply being assembled; the lines array moves to the reply. */
	struct reply_line *lines;
	size_t nlines, caplines;
	size_t nseen;           /* lines seen, stored or dropped */
	int first_code;
	int code;
	unsigned flags;
	char enhanced[16];      /* from the first line, checked at the end */
	size_t held;            /* stored lines' bytes, with their line ends */
	size_t raw;             /* every byte of this reply so far */
};

/*
 * The code of a line, or -1 when it is not "DDD", "DDD " or "DDD-";
 * *more says whether the reply goes on after it.
 */
static int line_code(const char *s, size_t len, bool *more)
{
	const unsigned char *u = (const unsigned char *)s;

	if (len < 3 || !text_ascii_isdigit(u[0]) || !text_ascii_isdigit(u[1]) ||
	    !text_ascii_isdigit(u[2]))
		return -1;
	if (len > 3 && u[3] != ' ' && u[3] != '-')
		return -1;
	*more = len > 3 && u[3] == '-';
	return (u[0] - '0') * 100 + (u[1] - '0') * 10 + (u[2] - '0');
}

/* Where the text of a line starts: after the code and its separator. */
static size_t text_offset(const char *s, size_t len)
{
	bool more;

	if (line_code(s, len, &more) < 0)
		return 0;
	return len > 3 ? 4 : 3;
}

/* One numeric sub-code: 1-3 digits, no leading zero (RFC 3463 section 2:
 * "expressed without leading zero digits"). Its length, or 0. */
static size_t subcode_len(const unsigned char *u, size_t len)
{
	size_t n = 0;

	while (n < len && n < 4 && text_ascii_isdigit(u[n]))
		n++;
	if (n == 0 || n > 3 || (u[0] == '0' && n > 1))
		return 0;
	return n;
}

size_t reply_enhanced_parse(const char *s, size_t len, unsigned flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 2, n, part;

	if (s == NULL || len < 5 || u[1] != '.')
		return 0;
	if (u[0] != '2' && u[0] != '4' && u[0] != '5' &&
	    !((flags & REPLY_ENHANCED_ANY_CLASS) && u[0] == 'X'))
		return 0;
	for (part = 0; part < 2; part++) {
		if ((n = subcode_len(u + i, len - i)) == 0)
			return 0;
		i += n;
		if (part == 0) {
			if (i >= len || u[i] != '.')
				return 0;
			i++;
		}
	}
	return i == len || u[i] == ' ' ? i : 0;
}

/*
 * The enhanced code at the start of a reply's text. The class is checked
 * against the reply's code only when the reply is complete, since the
 * final line's code is the one that counts.
 */
static void enhanced_take(const char *s, size_t len, char out[16])
{
	size_t n = reply_enhanced_parse(s, len, 0);

	/* At most "5.999.999": always fits. */
	memcpy(out, s, n);
	out[n] = '\0';
}

static void lines_free(struct reply_line *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}

/* Forgets the reply being assembled, but not a partial line. */
static void reply_state_clear(struct reply_parser *p)
{
	p->lines = NULL;
	p->nlines = 0;
	p->caplines = 0;
	p->nseen = 0;
	p->first_code = 0;
	p->code = 0;
	p->flags = 0;
	p->enhanced[0] = '\0';
	p->held = 0;
	p->raw = 0;
}

struct reply_parser *reply_parser_new(void)
{
	return xcalloc(1, sizeof(struct reply_parser));
}

void reply_parser_free(struct reply_parser *p)
{
	if (p == NULL)
		return;
	lines_free(p->lines, p->nlines);
	free(p);
}

size_t reply_parser_buffered(const struct reply_parser *p)
{
	return p->held + p->line_len + (p->cr ? 1 : 0);
}

void reply_parser_reset(struct reply_parser *p)
{
	lines_free(p->lines, p->nlines);
	reply_state_clear(p);
	p->line_len = 0;
	p->line_total = 0;
	p->cr = false;
}

void reply_free(struct reply *r)
{
	if (r == NULL)
		return;
	lines_free(r->lines, r->nlines);
	free(r);
}

static void line_put(struct reply_parser *p, unsigned char c)
{
	if (c < 0x20 || c == 0x7f)
		p->flags |= REPLY_F_CONTROL;
	else if (c >= 0x80)
		p->flags |= REPLY_F_NON_ASCII;
	if (p->line_len < sizeof p->line)
		p->line[p->line_len++] = (char)c;
	if (p->line_total <= REPLY_LINE_HARD)
		p->line_total++;
}

/* Keeps the current line in the reply (the caller keeps the count under
 * REPLY_LINES_MAX, so the array stays bounded). */
static void line_store(struct reply_parser *p, size_t ending)
{
	struct reply_line *l;

	if (p->nlines == p->caplines) {
		p->caplines = p->caplines ? p->caplines * 2 : 4;
		if (p->caplines > REPLY_LINES_MAX)
			p->caplines = REPLY_LINES_MAX;
		p->lines = xreallocarray(p->lines, p->caplines, sizeof *p->lines);
	}
	l = &p->lines[p->nlines++];
	l->text = xmalloc(p->line_len + 1);
	memcpy(l->text, p->line, p->line_len);
	l->text[p->line_len] = '\0';
	l->len = p->line_len;
	l->cut = p->line_total > REPLY_LINE_HARD;
	p->held += p->line_len + ending;
}

/* A line has ended (ending: 2 for CRLF, 1 for a bare LF); true when it
 * ends the reply. */
static bool line_end(struct reply_parser *p, size_t ending)
{
	bool more = false;
	int code;

	if (ending == 1)
		p->flags |= REPLY_F_BARE_LF;
	if (p->line_total > REPLY_LINE_MAX - 2)
		p->flags |= REPLY_F_LONG_LINE;
	if (p->line_total > REPLY_LINE_HARD)
		p->flags |= REPLY_F_CUT_LINE;

	if (p->nseen < REPLY_LINES_MAX && p->held + p->line_len <= REPLY_BYTES_MAX)
		line_store(p, ending);
	else
		p->flags |= REPLY_F_TOO_MANY_LINES;
	p->nseen++;

	code = line_code(p->line, p->line_len, &more);
	if (code < 0) {
		p->flags |= REPLY_F_BAD_SYNTAX;
		p->code = 0;
		more = false;
	} else {
		if (code < 200 || code > 599)
			p->flags |= REPLY_F_BAD_CODE;
		if (p->nseen == 1) {
			size_t off = text_offset(p->line, p->line_len);

			p->first_code = code;
			enhanced_take(p->line + off, p->line_len - off,
			              p->enhanced);
		} else if (code != p->first_code) {
			p->flags |= REPLY_F_CODE_MISMATCH;
		}
		p->code = code;
	}
	p->line_len = 0;
	p->line_total = 0;
	return !more;
}

/* Hands the assembled reply over. */
static struct reply *reply_take(struct reply_parser *p)
{
	struct reply *r = xcalloc(1, sizeof *r);

	r->code = p->code;
	r->lines = p->lines;
	r->nlines = p->nlines;
	r->flags = p->flags;
	r->raw_len = p->raw;
	if (p->enhanced[0] != '\0' && p->code >= 200 && p->code <= 599 &&
	    p->enhanced[0] - '0' == p->code / 100)
		memcpy(r->enhanced, p->enhanced, sizeof r->enhanced);
	reply_state_clear(p);
	return r;
}

size_t reply_parser_feed(struct reply_parser *p, const char *buf, size_t len,
                         struct reply **out)
{
	const unsigned char *u = (const unsigned char *)buf;
	struct reply *r;
	size_t i, ending;

	if (out != NULL)
		*out = NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = u[i];

		p->raw++;
		if (c != '\n') {
			/* A CR not followed by LF is a stray control byte. */
			if (p->cr)
				line_put(p, '\r');
			p->cr = c == '\r';
			if (!p->cr)
				line_put(p, c);
			continue;
		}
		ending = p->cr ? 2 : 1;
		p->cr = false;
		if (!line_end(p, ending))
			continue;
		r = reply_take(p);
		if (out != NULL)
			*out = r;
		else
			reply_free(r);
		return i + 1;
	}
	return len;
}

const char *reply_line_text(const struct reply *r, size_t i, size_t *len)
{
	size_t off;

	if (r == NULL || i >= r->nlines) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	off = text_offset(r->lines[i].text, r->lines[i].len);
	if (len != NULL)
		*len = r->lines[i].len - off;
	return r->lines[i].text + off;
}

int reply_class(const struct reply *r)
{
	if (r == NULL || r->code < 200 || r->code > 599)
		return 0;
	return r->code / 100;
}

/* ---- EHLO ---------------------------------------------------------------- */

static const struct {
	const char *keyword;
	unsigned bit;
} ehlo_table[] = {
	{ "SIZE", EHLO_SIZE },
	{ "PIPELINING", EHLO_PIPELINING },
	{ "8BITMIME", EHLO_8BITMIME },
	{ "STARTTLS", EHLO_STARTTLS },
	{ "AUTH", EHLO_AUTH },
	{ "DSN", EHLO_DSN },
	{ "SMTPUTF8", EHLO_SMTPUTF8 },
	{ "CHUNKING", EHLO_CHUNKING },
	{ "ENHANCEDSTATUSCODES", EHLO_ENHANCEDSTATUSCODES },
	{ "REQUIRETLS", EHLO_REQUIRETLS },
	{ "BINARYMIME", EHLO_BINARYMIME },
	{ "VRFY", EHLO_VRFY },
	{ "ETRN", EHLO_ETRN },
};

static const struct {
	const char *name;
	unsigned bit;
} auth_table[] = {
	{ "PLAIN", AUTH_PLAIN },
	{ "LOGIN", AUTH_LOGIN },
	{ "CRAM-MD5", AUTH_CRAM_MD5 },
	{ "XOAUTH2", AUTH_XOAUTH2 },
};

/* The next space-separated word of s[*pos..len), or false at the end. */
static bool next_word(const char *s, size_t len, size_t *pos,
                      const char **word, size_t *wlen)
{
	size_t i = *pos, start;

	while (i < len && text_is_blank((unsigned char)s[i]))
		i++;
	if (i == len)
		return false;
	start = i;
	while (i < len && !text_is_blank((unsigned char)s[i]))
		i++;
	*word = s + start;
	*wlen = i - start;
	*pos = i;
	return true;
}

static unsigned auth_mechanism(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof auth_table / sizeof auth_table[0]; i++)
		if (text_equal_ci(s, len, auth_table[i].name))
			return auth_table[i].bit;
	return AUTH_OTHER;
}

static void auth_parse(const char *s, size_t len, size_t pos, unsigned *auth)
{
	const char *w;
	size_t wl;

	while (next_word(s, len, &pos, &w, &wl))
		*auth |= auth_mechanism(w, wl);
}

/* "SIZE 35882577": decimal digits only (strtoull alone would take "-1"
 * and leading blanks); 0 when absent, invalid or out of range. */
static uint64_t size_parse(const char *s, size_t len, size_t pos)
{
	char digits[24];
	const char *w;
	size_t wl, i;
	unsigned long long v;
	char *end;

	if (!next_word(s, len, &pos, &w, &wl) || wl >= sizeof digits)
		return 0;
	for (i = 0; i < wl; i++)
		if (!text_ascii_isdigit((unsigned char)w[i]))
			return 0;
	memcpy(digits, w, wl);
	digits[wl] = '\0';
	errno = 0;
	v = strtoull(digits, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return (uint64_t)v;
}

/* Copies at most size - 1 bytes of s[0..len) and terminates. */
static void copy_bounded(char *dst, size_t size, const char *s, size_t len)
{
	if (len > size - 1)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static void ehlo_line(struct ehlo *e, const char *s, size_t len, int cut)
{
	struct ehlo_item *item;
	const char *kw;
	char upper[sizeof item->keyword];
	size_t kwlen, pos = 0, rest, i;

	if (!next_word(s, len, &pos, &kw, &kwlen))
		return;
	rest = pos;
	while (rest < len && text_is_blank((unsigned char)s[rest]))
		rest++;

	for (i = 0; i < sizeof ehlo_table / sizeof ehlo_table[0]; i++) {
		if (text_equal_ci(kw, kwlen, ehlo_table[i].keyword)) {
			e->exts |= ehlo_table[i].bit;
			break;
		}
	}
	if (text_equal_ci(kw, kwlen, "SIZE"))
		e->size = size_parse(s, len, pos);
	if (text_equal_ci(kw, kwlen, "AUTH")) {
		auth_parse(s, len, pos, &e->auth);
		e->auth_cut |= cut;
	}
	/* The pre-RFC 2554 form that old Outlook clients look for:
	 * "AUTH=PLAIN LOGIN", the first mechanism glued to the keyword. */
	if (kwlen > 5 && text_equal_ci(kw, 5, "AUTH=")) {
		e->exts |= EHLO_AUTH;
		e->auth |= auth_mechanism(kw + 5, kwlen - 5);
		auth_parse(s, len, pos, &e->auth);
		e->auth_cut |= cut;
	}

	if (e->nitems == EHLO_ITEMS_MAX)
		return;
	item = &e->items[e->nitems++];
	/* Escaped, not copied: "STARTTLS\0" copied as a C string would read
	 * "STARTTLS" in the reports while the extension is not offered. */
	if (kwlen > sizeof upper)
		kwlen = sizeof upper;
	for (i = 0; i < kwlen; i++)
		upper[i] = (char)text_ascii_upper((unsigned char)kw[i]);
	text_sanitize(upper, kwlen, item->keyword, sizeof item->keyword);
	copy_bounded(item->params, sizeof item->params, s + rest, len - rest);
}

int reply_parse_ehlo(const struct reply *r, struct ehlo *out)
{
	const char *s, *w;
	size_t len, pos = 0, wl, i;

	if (reply_class(r) != 2)
		return -1;
	memset(out, 0, sizeof *out);
	if (r->nlines == 0)
		return 0;
	s = reply_line_text(r, 0, &len);
	if (next_word(s, len, &pos, &w, &wl)) {
		/* A NUL or other control byte ends the name: it is shown. */
		for (i = 0; i < wl; i++)
			if ((unsigned char)w[i] < 0x20 ||
			    (unsigned char)w[i] == 0x7f)
				break;
		copy_bounded(out->host, sizeof out->host, w, i);
	}
	for (i = 1; i < r->nlines; i++) {
		s = reply_line_text(r, i, &len);
		ehlo_line(out, s, len, r->lines[i].cut);
	}
	out->cut = (r->flags & REPLY_F_TOO_MANY_LINES) != 0;
	return 0;
}
