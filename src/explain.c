/*
 * explain.c — a reply, a bounce or a message's headers read (see
 * include/mailflow/explain.h). Pure: no output, no network.
 *
 * The input is first classified: empty, binary, a message (it starts with
 * a header field) or plain text (a pasted reply or bounce). A message is
 * parsed with GMime and its parts walked (bounded): message/delivery-status
 * parts give the recipients of RFC 3464, text parts are read as a
 * human-readable bounce, text/rfc822-headers and message/rfc822 give the
 * returned message's subject. Plain text is read as a human-readable
 * bounce, which a single reply line also is. Last, each recipient's
 * permanence and side are derived from its codes.
 */
#include "mailflow/explain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gmime/gmime.h>

#include "mailflow/defaults.h"
#include "mailflow/reply.h"
#include "mailflow/text.h"
#include "mailflow/validate.h"
#include "mailflow/xmalloc.h"

/* ---- small string helpers -------------------------------------------- */

/* dst = s[0..n), cut to fit, NUL-terminated; blanks trimmed both ends. */
static void copy_cut(char *dst, size_t size, const char *s, size_t n)
{
	while (n > 0 && (text_is_blank((unsigned char)*s) || *s == '\r' || *s == '\n')) {
		s++;
		n--;
	}
	while (n > 0 && (text_is_blank((unsigned char)s[n - 1]) || s[n - 1] == '\r' ||
	                 s[n - 1] == '\n'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Appends s[0..n) to the NUL-terminated dst with one space between. */
static void append_cut(char *dst, size_t size, const char *s, size_t n)
{
	size_t have = strlen(dst);

	while (n > 0 && text_is_blank((unsigned char)*s)) {
		s++;
		n--;
	}
	if (n == 0 || have + 2 >= size)
		return;
	if (have > 0)
		dst[have++] = ' ';
	copy_cut(dst + have, size - have, s, n);
}

/* Case-insensitive search of the NUL-terminated w in s[0..n). */
static const char *find_ci(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w), i;

	if (wl == 0 || wl > n)
		return wl == 0 ? s : NULL;
	for (i = 0; i + wl <= n; i++)
		if (text_ascii_lower((unsigned char)s[i]) == text_ascii_lower((unsigned char)w[0]) &&
		    text_equal_ci(s + i, wl, w))
			return s + i;
	return NULL;
}

static int starts_ci(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	return n >= wl && text_equal_ci(s, wl, w);
}

/* A character of an address as the bounces write them. */
static int addr_char(int c)
{
	return c > ' ' && c < 0x7f && c != '<' && c != '>' && c != '(' && c != ')' &&
	       c != ',' && c != ';' && c != '"' && c != '\'' && c != '[' && c != ']';
}

/*
 * The first mail address in s[0..n): in angle brackets if there is one
 * with an @, else the first word with an @ in it (trailing dots and
 * colons dropped). 1 when found.
 */
static int find_address(const char *s, size_t n, char *out, size_t size)
{
	size_t i, a, b;

	for (i = 0; i < n; i++) {
		if (s[i] != '@')
			continue;
		for (a = i; a > 0 && addr_char((unsigned char)s[a - 1]); a--)
			;
		for (b = i + 1; b < n && addr_char((unsigned char)s[b]); b++)
			;
		while (b > i + 1 && (s[b - 1] == '.' || s[b - 1] == ':'))
			b--;
		if (a == i || b == i + 1)
			continue;
		copy_cut(out, size, s + a, b - a);
		return 1;
	}
	return 0;
}

/* ---- replies in text ---------------------------------------------------- */

/*
 * A reply at the start of s[0..n): "DDD", then a space, '-' or the end,
 * then an optional enhanced code. 1 with *code and enh set.
 */
static int reply_at(const char *s, size_t n, int *code, char enh[16])
{
	size_t l;

	if (n < 3 || s[0] < '2' || s[0] > '5' || !text_ascii_isdigit((unsigned char)s[1]) ||
	    !text_ascii_isdigit((unsigned char)s[2]))
		return 0;
	if (n > 3 && s[3] != ' ' && s[3] != '-' && s[3] != '\t')
		return 0;
	*code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	enh[0] = '\0';
	if (n > 4 && (l = reply_enhanced_parse(s + 4, n - 4, 0)) > 0 && s[4] == s[0])
		copy_cut(enh, 16, s + 4, l);
	return 1;
}

/* The command a bounce says the reply answered; CODES_CMD_ANY if none. */
static enum codes_cmd cmd_from_text(const char *s, size_t n)
{
	static const struct { const char *w; enum codes_cmd cmd; } words[] = {
		{ "end of data", CODES_CMD_END_OF_DATA },
		{ "end of DATA", CODES_CMD_END_OF_DATA },
		{ "RCPT TO", CODES_CMD_RCPT },
		{ "RCPT", CODES_CMD_RCPT },
		{ "MAIL FROM", CODES_CMD_MAIL },
		{ "MAIL", CODES_CMD_MAIL },
		{ "DATA", CODES_CMD_DATA },
		{ "EHLO", CODES_CMD_EHLO },
		{ "HELO", CODES_CMD_HELO },
		{ "STARTTLS", CODES_CMD_STARTTLS },
		{ "AUTH", CODES_CMD_AUTH },
		{ "initial connection", CODES_CMD_GREETING },
		{ "greeting", CODES_CMD_GREETING },
	};
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (find_ci(s, n, words[i].w) != NULL)
			return words[i].cmd;
	return CODES_CMD_ANY;
}

/* ---- recipients ----------------------------------------------------------- */

/* The recipient with this address, a new one if there is none (or the
 * last one when the table is full: EXPLAIN_F_MORE_RCPTS). */
static struct explain_rcpt *rcpt_get(struct explain *ex, const char *address)
{
	struct explain_rcpt *r;
	size_t i;

	for (i = 0; i < ex->nrcpts; i++) {
		r = &ex->rcpts[i];
		if (strlen(r->address) == strlen(address) &&
		    text_equal_ci(r->address, strlen(address), address))
			return r;
		/* A reply seen before its address (a pasted line): the same one. */
		if (r->address[0] == '\0' && address[0] != '\0') {
			snprintf(r->address, sizeof r->address, "%s", address);
			return r;
		}
	}
	if (ex->nrcpts == EXPLAIN_RCPTS_MAX) {
		ex->flags |= EXPLAIN_F_MORE_RCPTS;
		return &ex->rcpts[EXPLAIN_RCPTS_MAX - 1];
	}
	r = &ex->rcpts[ex->nrcpts++];
	memset(r, 0, sizeof *r);
	snprintf(r->address, sizeof r->address, "%s", address);
	r->action = EXPLAIN_ACTION_FAILED;
	return r;
}

/* The reply text t[0..n) for r: code, enhanced code, the command named in
 * it ("(in reply to RCPT TO command)"), and an address when r has none. */
static void rcpt_set_reply(struct explain_rcpt *r, const char *t, size_t n)
{
	const char *p;
	enum codes_cmd cmd;

	while (n > 0 && text_is_blank((unsigned char)*t)) {
		t++;
		n--;
	}
	copy_cut(r->text, sizeof r->text, t, n);
	if (!reply_at(t, n, &r->code, r->enhanced))
		r->code = 0;
	if ((p = find_ci(t, n, "in reply to ")) != NULL &&
	    (cmd = cmd_from_text(p, n - (size_t)(p - t))) != CODES_CMD_ANY)
		r->cmd = cmd;
	if (r->address[0] == '\0')
		(void)find_address(t, n, r->address, sizeof r->address);
}

/* ---- lines ---------------------------------------------------------------- */

struct lines {
	const char *p, *end;
	unsigned *flags;
};

/* The next line (without CR LF), cut at DEFAULT_EXPLAIN_LINE_MAX. */
static int line_next(struct lines *ls, const char **s, size_t *n)
{
	const char *nl;

	if (ls->p >= ls->end)
		return 0;
	*s = ls->p;
	nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
	*n = (size_t)((nl != NULL ? nl : ls->end) - ls->p);
	ls->p = nl != NULL ? nl + 1 : ls->end;
	if (*n > 0 && (*s)[*n - 1] == '\r')
		(*n)--;
	if (*n > DEFAULT_EXPLAIN_LINE_MAX) {
		*n = DEFAULT_EXPLAIN_LINE_MAX;
		*ls->flags |= EXPLAIN_F_LONG_LINE;
	}
	return 1;
}

static int is_blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!text_is_blank((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A line that holds a single address, maybe in <>, maybe with a name:
 * Exim's and Sendmail's lists of failed addresses. */
static int address_only_line(const char *s, size_t n, char *out, size_t size)
{
	size_t i, words = 0;
	int in_word = 0;

	for (i = 0; i < n; i++) {
		if (text_is_blank((unsigned char)s[i])) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			words++;
		}
	}
	return words == 1 && find_address(s, n, out, size);
}

/* ---- the human-readable bounce ----------------------------------------- */

enum scan_want {
	WANT_NOTHING,
	WANT_REPLY,             /* the next lines are the reply (Exim, Gmail) */
	WANT_POSTFIX,           /* continuing a Postfix "<addr>: ..." paragraph */
	WANT_RCPT_LIST,         /* a list of addresses (Exim, Sendmail, Exchange) */
};

struct scan {
	struct explain *ex;
	struct explain_rcpt *cur;
	enum scan_want want;
	enum codes_cmd cmd;             /* named before the reply comes */
	enum explain_action action;     /* of the list being read */
	char host[EXPLAIN_HOST_MAX], ip[64];
	char para[EXPLAIN_TEXT_MAX];    /* a Postfix paragraph, joined */
	char sendmail_to[EXPLAIN_ADDR_MAX];     /* >>> RCPT To:<...> */
	int stop;                       /* the returned message starts */
};

static void scan_source(struct scan *sc, enum explain_source src)
{
	if (sc->ex->source == EXPLAIN_SRC_UNKNOWN)
		sc->ex->source = src;
}

/* "host mx.example.com[192.0.2.1]" or "host mx.example.com [192.0.2.1]". */
static void scan_host(struct scan *sc, const char *s, size_t n)
{
	const char *p = find_ci(s, n, "host "), *e, *lb, *rb;

	if (p == NULL)
		return;
	p += 5;
	n -= (size_t)(p - s);
	for (e = p; e < p + n && *e != '[' && *e != ' ' && *e != ':'; e++)
		;
	copy_cut(sc->host, sizeof sc->host, p, (size_t)(e - p));
	lb = memchr(p, '[', n);
	rb = lb != NULL ? memchr(lb, ']', n - (size_t)(lb - p)) : NULL;
	if (lb != NULL && rb != NULL && lb - e <= 1)
		copy_cut(sc->ip, sizeof sc->ip, lb + 1, (size_t)(rb - lb - 1));
	else
		sc->ip[0] = '\0';
}

static void scan_fill_host(struct scan *sc, struct explain_rcpt *r)
{
	if (r->remote_mta[0] == '\0' && sc->host[0] != '\0') {
		snprintf(r->remote_mta, sizeof r->remote_mta, "%s", sc->host);
		snprintf(r->remote_ip, sizeof r->remote_ip, "%s", sc->ip);
	}
}

/* The end of a Postfix "<addr>: text" paragraph: host, reply, command. */
static void scan_postfix_end(struct scan *sc)
{
	const char *t = sc->para, *said;
	size_t n = strlen(t);
	struct explain_rcpt *r = sc->cur;

	sc->want = WANT_NOTHING;
	if (r == NULL)
		return;
	if (find_ci(t, n, " said: ") != NULL || find_ci(t, n, "(in reply to ") != NULL)
		scan_source(sc, EXPLAIN_SRC_POSTFIX);
	if ((said = find_ci(t, n, " said: ")) != NULL ||
	    (said = find_ci(t, n, "refused to talk to me: ")) != NULL) {
		scan_host(sc, t, (size_t)(said - t));
		scan_fill_host(sc, r);
		if (find_ci(t, n, "refused to talk to me") != NULL && r->cmd == CODES_CMD_ANY)
			r->cmd = CODES_CMD_GREETING;
		said = strchr(said, ':') + 1;
		rcpt_set_reply(r, said, n - (size_t)(said - t));
	} else {
		if (find_ci(t, n, "host ") != NULL) {
			scan_host(sc, t, n);
			scan_fill_host(sc, r);
		}
		copy_cut(r->text, sizeof r->text, t, n);
	}
	if (find_ci(t, n, "temporarily") != NULL || find_ci(t, n, "deferred") != NULL)
		r->action = EXPLAIN_ACTION_DELAYED;
}

/* Lines that name who wrote the bounce, or start a section. 1 when the
 * line was such a marker. */
static int scan_marker(struct scan *sc, const char *s, size_t n)
{
	const char *p;

	if ((p = find_ci(s, n, "This is the mail system at host ")) != NULL) {
		scan_source(sc, EXPLAIN_SRC_POSTFIX);
		p += strlen("This is the mail system at host ");
		copy_cut(sc->ex->reporting_mta, sizeof sc->ex->reporting_mta, p,
		         n - (size_t)(p - s) - (s[n - 1] == '.'));
		return 1;
	}
	if (find_ci(s, n, "created automatically by mail delivery software") != NULL ||
	    find_ci(s, n, "address(es) failed:") != NULL) {
		scan_source(sc, EXPLAIN_SRC_EXIM);
		if (find_ci(s, n, "address(es) failed:") != NULL) {
			sc->want = WANT_RCPT_LIST;
			sc->action = EXPLAIN_ACTION_FAILED;
		}
		return 1;
	}
	if (find_ci(s, n, "Diagnostic information for administrators") != NULL ||
	    find_ci(s, n, "Delivery has failed to these recipients") != NULL) {
		scan_source(sc, EXPLAIN_SRC_EXCHANGE);
		sc->want = WANT_RCPT_LIST;
		sc->action = EXPLAIN_ACTION_FAILED;
		return 1;
	}
	if (find_ci(s, n, "----- The following addresses had") != NULL) {
		scan_source(sc, EXPLAIN_SRC_SENDMAIL);
		sc->want = WANT_RCPT_LIST;
		sc->action = find_ci(s, n, "transient") != NULL ? EXPLAIN_ACTION_DELAYED
		                                                : EXPLAIN_ACTION_FAILED;
		return 1;
	}
	/* Gmail's headline: "** Address not found **". */
	if (n > 6 && starts_ci(s, n, "** ") && s[n - 1] == '*' && s[n - 2] == '*') {
		scan_source(sc, EXPLAIN_SRC_GMAIL);
		return 1;
	}
	if (find_ci(s, n, "----- Transcript of session follows -----") != NULL) {
		scan_source(sc, EXPLAIN_SRC_SENDMAIL);
		sc->want = WANT_NOTHING;
		return 1;
	}
	if (find_ci(s, n, "Original message headers:") != NULL ||
	    find_ci(s, n, "----- Original message -----") != NULL ||
	    find_ci(s, n, "------ This is a copy of the message") != NULL) {
		sc->stop = 1;
		return 1;
	}
	return 0;
}

/* Gmail's "wasn't delivered to x@y", Exchange's "Your message to x@y
 * couldn't be delivered", ... a sentence that names the recipient. */
static int scan_sentence(struct scan *sc, const char *s, size_t n)
{
	static const struct { const char *w; enum explain_source src; } said[] = {
		{ "has not been delivered yet", EXPLAIN_SRC_GMAIL },
		{ "wasn't delivered to ", EXPLAIN_SRC_GMAIL },
		{ "was not delivered to ", EXPLAIN_SRC_GMAIL },
		{ "Your message to ", EXPLAIN_SRC_EXCHANGE },
		{ "Delivery to the following recipient failed", EXPLAIN_SRC_GMAIL },
		{ "Delivery to the following recipient has been delayed", EXPLAIN_SRC_GMAIL },
	};
	char addr[EXPLAIN_ADDR_MAX];
	const char *p;
	size_t i;

	for (i = 0; i < sizeof said / sizeof said[0]; i++) {
		if ((p = find_ci(s, n, said[i].w)) == NULL)
			continue;
		scan_source(sc, said[i].src);
		if (find_ci(s, n, "delayed") != NULL || find_ci(s, n, "not been delivered yet") != NULL)
			sc->action = EXPLAIN_ACTION_DELAYED;
		p = i == 0 ? s : p + strlen(said[i].w);
		if (find_address(p, n - (size_t)(p - s), addr, sizeof addr)) {
			sc->cur = rcpt_get(sc->ex, addr);
			sc->cur->action = sc->action;
		} else {
			sc->want = WANT_RCPT_LIST;
		}
		return 1;
	}
	return 0;
}

/* "The response from the remote server was:", "SMTP error from remote
 * mail server after RCPT TO:<x@y>:", "Remote Server returned '...'",
 * "Reported error: ...", "(reason: ...)", "<<< 550 ...". */
static int scan_reply_intro(struct scan *sc, const char *s, size_t n)
{
	const char *p, *q;
	char addr[EXPLAIN_ADDR_MAX];

	if (find_ci(s, n, "The response from the remote server was:") != NULL ||
	    find_ci(s, n, "The response was:") != NULL) {
		scan_source(sc, EXPLAIN_SRC_GMAIL);
		sc->want = WANT_REPLY;
		return 1;
	}
	if ((p = find_ci(s, n, "SMTP error from remote mail server after ")) != NULL) {
		scan_source(sc, EXPLAIN_SRC_EXIM);
		p += strlen("SMTP error from remote mail server after ");
		sc->cmd = cmd_from_text(p, n - (size_t)(p - s));
		if (sc->cur == NULL && find_address(p, n - (size_t)(p - s), addr, sizeof addr))
			sc->cur = rcpt_get(sc->ex, addr);
		sc->want = WANT_REPLY;
		if (sc->cur != NULL)
			sc->cur->text[0] = '\0';
		return 1;
	}
	if ((p = find_ci(s, n, "Remote Server returned '")) != NULL ||
	    (p = find_ci(s, n, "Remote server returned '")) != NULL) {
		scan_source(sc, EXPLAIN_SRC_EXCHANGE);
		p = strchr(p, '\'') + 1;
		q = memchr(p, '\'', n - (size_t)(p - s));
		if (sc->cur == NULL)
			sc->cur = rcpt_get(sc->ex, "");
		rcpt_set_reply(sc->cur, p, q != NULL ? (size_t)(q - p) : n - (size_t)(p - s));
		scan_fill_host(sc, sc->cur);
		return 1;
	}
	if ((p = find_ci(s, n, "Reported error:")) != NULL ||
	    (p = find_ci(s, n, "(reason: ")) != NULL) {
		if (*p == '(')
			scan_source(sc, EXPLAIN_SRC_SENDMAIL);
		else
			scan_source(sc, EXPLAIN_SRC_EXCHANGE);
		p = strchr(p, *p == '(' ? ' ' : ':') + 1;
		q = memchr(p, ')', n - (size_t)(p - s));
		if (sc->cur == NULL)
			sc->cur = rcpt_get(sc->ex, "");
		if (sc->cur->code == 0)
			rcpt_set_reply(sc->cur, p, q != NULL && *s != 'R' ? (size_t)(q - p)
			                                                  : n - (size_t)(p - s));
		return 1;
	}
	return 0;
}

/* Sendmail's transcript: "... while talking to H.:", ">>> RCPT To:<x>",
 * "<<< 550 5.1.1 <x>... User unknown". */
static int scan_transcript(struct scan *sc, const char *s, size_t n)
{
	const char *p;
	struct explain_rcpt *r;

	if ((p = find_ci(s, n, "while talking to ")) != NULL) {
		p += strlen("while talking to ");
		copy_cut(sc->host, sizeof sc->host, p, n - (size_t)(p - s));
		n = strlen(sc->host);
		while (n > 0 && (sc->host[n - 1] == ':' || sc->host[n - 1] == '.'))
			sc->host[--n] = '\0';
		sc->ip[0] = '\0';
		return 1;
	}
	if (starts_ci(s, n, ">>> ")) {
		sc->cmd = cmd_from_text(s + 4, n - 4);
		sc->sendmail_to[0] = '\0';
		if (sc->cmd == CODES_CMD_RCPT)
			(void)find_address(s, n, sc->sendmail_to, sizeof sc->sendmail_to);
		return 1;
	}
	if (starts_ci(s, n, "<<< ")) {
		int code;
		char enh[16];

		if (!reply_at(s + 4, n - 4, &code, enh) || code < 400)
			return 1;
		r = sc->sendmail_to[0] != '\0' ? rcpt_get(sc->ex, sc->sendmail_to)
		    : sc->cur != NULL ? sc->cur : rcpt_get(sc->ex, "");
		rcpt_set_reply(r, s + 4, n - 4);
		if (sc->cmd != CODES_CMD_ANY)
			r->cmd = sc->cmd;
		scan_fill_host(sc, r);
		return 1;
	}
	return 0;
}

/* A line of a WANT_REPLY block: the first one with a code starts it. */
static void scan_reply_line(struct scan *sc, const char *s, size_t n)
{
	if (sc->cur == NULL)
		sc->cur = rcpt_get(sc->ex, "");
	if (sc->cur->text[0] == '\0') {
		rcpt_set_reply(sc->cur, s, n);
		if (sc->cmd != CODES_CMD_ANY)
			sc->cur->cmd = sc->cmd;
		scan_fill_host(sc, sc->cur);
	} else {
		append_cut(sc->cur->text, sizeof sc->cur->text, s, n);
	}
}

/* One line of WANT_RCPT_LIST: an address starts a recipient, "host ..."
 * names its server (Exim). */
static int scan_list_line(struct scan *sc, const char *s, size_t n)
{
	char addr[EXPLAIN_ADDR_MAX], enh[16];
	const char *p = s, *q;
	int code;

	while (p < s + n && text_is_blank((unsigned char)*p))
		p++;
	if (starts_ci(p, n - (size_t)(p - s), "host ")) {
		scan_host(sc, p, n - (size_t)(p - s));
		if (sc->cur != NULL)
			scan_fill_host(sc, sc->cur);
		return 1;
	}
	/* Exchange: "mx1.example.com #550 5.1.1 RESOLVER...; not found ##". */
	if ((q = find_ci(p, n - (size_t)(p - s), " #")) != NULL && sc->cur != NULL &&
	    reply_at(q + 2, n - (size_t)(q + 2 - s), &code, enh)) {
		copy_cut(sc->host, sizeof sc->host, p, (size_t)(q - p));
		sc->ip[0] = '\0';
		scan_fill_host(sc, sc->cur);
		return 1;
	}
	if (address_only_line(s, n, addr, sizeof addr) ||
	    (p[0] != '<' && find_ci(s, n, " (") != NULL && find_address(s, n, addr, sizeof addr) &&
	     sc->ex->source == EXPLAIN_SRC_EXCHANGE)) {
		sc->cur = rcpt_get(sc->ex, addr);
		sc->cur->action = sc->action;
		sc->host[0] = sc->ip[0] = '\0';
		sc->cmd = CODES_CMD_ANY;
		return 1;
	}
	return 0;
}

/* One line of a bounce's text. */
static void scan_line(struct scan *sc, const char *s, size_t n)
{
	char addr[EXPLAIN_ADDR_MAX];
	int code;
	char enh[16];

	if (sc->want == WANT_POSTFIX) {
		if (n > 0 && text_is_blank((unsigned char)s[0])) {
			append_cut(sc->para, sizeof sc->para, s, n);
			return;
		}
		scan_postfix_end(sc);
	}
	if (is_blank_line(s, n)) {
		if (sc->want == WANT_REPLY && sc->cur != NULL && sc->cur->text[0] != '\0')
			sc->want = WANT_NOTHING;
		return;
	}
	if (scan_marker(sc, s, n) || scan_sentence(sc, s, n) || scan_reply_intro(sc, s, n) ||
	    scan_transcript(sc, s, n))
		return;
	if (sc->want == WANT_REPLY) {
		scan_reply_line(sc, s, n);
		return;
	}
	/* Postfix: "<x@y>: host mx[ip] said: ..." starts a paragraph. */
	if (s[0] == '<' && find_address(s, n, addr, sizeof addr) &&
	    find_ci(s, n, ">:") != NULL) {
		const char *colon = find_ci(s, n, ">:") + 2;

		sc->cur = rcpt_get(sc->ex, addr);
		copy_cut(sc->para, sizeof sc->para, colon, n - (size_t)(colon - s));
		sc->want = WANT_POSTFIX;
		return;
	}
	if (sc->want == WANT_RCPT_LIST && scan_list_line(sc, s, n))
		return;
	/* A reply line of its own (pasted, or in a bounce nobody wrote like
	 * this): a recipient when it is a refusal. */
	if (reply_at(s, n, &code, enh) && code >= 400) {
		struct explain_rcpt *r;

		/* The same recipient's reply again (Sendmail's summary line). */
		if (find_address(s, n, addr, sizeof addr)) {
			r = rcpt_get(sc->ex, addr);
			if (r->code != 0)
				return;
		} else {
			r = sc->cur != NULL && sc->cur->code == 0 ? sc->cur : rcpt_get(sc->ex, "");
		}

		if (r->code == 0 || r->address[0] == '\0') {
			rcpt_set_reply(r, s, n);
			if (r->code == 0 && r->text[0] == '\0')
				r->action = EXPLAIN_ACTION_FAILED;
		}
		sc->cur = r;
	}
}

static void dsn_parse(struct explain *ex, const char *t, size_t n);

/* Reads t[0..n) as the text of a bounce (or a pasted reply). The fields
 * of a delivery-status part met in it (pasted, or in a message too
 * nested to be parsed) are read as such, up to the next boundary. */
static void scan_text(struct explain *ex, const char *t, size_t n)
{
	struct scan sc;
	struct lines ls = { t, t + n, &ex->flags };
	const char *s;
	size_t len;

	memset(&sc, 0, sizeof sc);
	sc.ex = ex;
	sc.action = EXPLAIN_ACTION_FAILED;
	while (!sc.stop && line_next(&ls, &s, &len)) {
		if (starts_ci(s, len, "Reporting-MTA:") || starts_ci(s, len, "Final-Recipient:")) {
			dsn_parse(ex, s, (size_t)(t + n - s));
			break;
		}
		scan_line(&sc, s, len);
	}
	if (sc.want == WANT_POSTFIX)
		scan_postfix_end(&sc);
}

/* ---- RFC 3464 ------------------------------------------------------------ */

/* The value after "type;" of a DSN field ("rfc822; x@y", "smtp; 550 ..."). */
static const char *dsn_typed(const char *v, size_t *n)
{
	const char *semi = memchr(v, ';', *n);

	if (semi == NULL)
		return v;
	*n -= (size_t)(semi + 1 - v);
	return semi + 1;
}

static enum explain_action dsn_action(const char *v, size_t n)
{
	static const char *const names[EXPLAIN_ACTION__COUNT] = {
		"failed", "delayed", "delivered", "relayed", "expanded",
	};
	size_t i;

	while (n > 0 && text_is_blank((unsigned char)*v)) {
		v++;
		n--;
	}
	for (i = 0; i < EXPLAIN_ACTION__COUNT; i++)
		if (starts_ci(v, n, names[i]))
			return (enum explain_action)i;
	return EXPLAIN_ACTION_FAILED;
}

/* One field of a recipient's block; *r is made when its Final-Recipient
 * (or Original-Recipient) comes. */
static void dsn_field(struct explain *ex, struct explain_rcpt **r, const char *name,
                      size_t nl, const char *v, size_t n)
{
	char addr[EXPLAIN_ADDR_MAX];

	if (text_equal_ci(name, nl, "Reporting-MTA")) {
		v = dsn_typed(v, &n);
		copy_cut(ex->reporting_mta, sizeof ex->reporting_mta, v, n);
		return;
	}
	if (text_equal_ci(name, nl, "Final-Recipient") ||
	    (text_equal_ci(name, nl, "Original-Recipient") && *r == NULL)) {
		v = dsn_typed(v, &n);
		if (!find_address(v, n, addr, sizeof addr))
			copy_cut(addr, sizeof addr, v, n);
		*r = rcpt_get(ex, addr);
		return;
	}
	if (*r == NULL)
		return;
	if (text_equal_ci(name, nl, "Action")) {
		(*r)->action = dsn_action(v, n);
	} else if (text_equal_ci(name, nl, "Status")) {
		copy_cut((*r)->status, sizeof (*r)->status, v, n);
		if (strchr((*r)->status, ' ') != NULL)
			*strchr((*r)->status, ' ') = '\0';
	} else if (text_equal_ci(name, nl, "Remote-MTA")) {
		v = dsn_typed(v, &n);
		copy_cut((*r)->remote_mta, sizeof (*r)->remote_mta, v, n);
	} else if (text_equal_ci(name, nl, "Diagnostic-Code")) {
		enum codes_cmd cmd = (*r)->cmd;

		v = dsn_typed(v, &n);
		rcpt_set_reply(*r, v, n);
		if ((*r)->cmd == CODES_CMD_ANY)
			(*r)->cmd = cmd;
	} else if (text_equal_ci(name, nl, "Last-Attempt-Date")) {
		copy_cut((*r)->when, sizeof (*r)->when, v, n);
	}
}

/* The fields of a message/delivery-status body: unfolded, one at a time;
 * a blank line ends a recipient's block. */
/* The fields of one block, in any order (Exim writes Action before
 * Final-Recipient): the recipient first, then the rest. */
#define DSN_BLOCK_FIELDS 16

struct dsn_block {
	char field[DSN_BLOCK_FIELDS][EXPLAIN_TEXT_MAX];
	size_t n;
};

static int dsn_is_recipient(const char *f)
{
	return starts_ci(f, strlen(f), "Final-Recipient:") ||
	       starts_ci(f, strlen(f), "Original-Recipient:");
}

static void dsn_block_end(struct explain *ex, struct dsn_block *b)
{
	struct explain_rcpt *r = NULL;
	size_t i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < b->n; i++) {
			const char *f = b->field[i], *colon = strchr(f, ':');

			if (colon == NULL || dsn_is_recipient(f) != (pass == 0))
				continue;
			dsn_field(ex, &r, f, (size_t)(colon - f), colon + 1, strlen(colon + 1));
		}
	b->n = 0;
}

static void dsn_parse(struct explain *ex, const char *t, size_t n)
{
	struct lines ls = { t, t + n, &ex->flags };
	struct dsn_block *b = xcalloc(1, sizeof *b);
	const char *s;
	size_t len;

	while (line_next(&ls, &s, &len)) {
		if (len > 0 && text_is_blank((unsigned char)s[0]) && b->n > 0) {
			append_cut(b->field[b->n - 1], EXPLAIN_TEXT_MAX, s, len);
			continue;
		}
		if (len >= 2 && s[0] == '-' && s[1] == '-')
			break;
		if (is_blank_line(s, len))
			dsn_block_end(ex, b);
		else if (b->n < DSN_BLOCK_FIELDS)
			copy_cut(b->field[b->n++], EXPLAIN_TEXT_MAX, s, len);
	}
	dsn_block_end(ex, b);
	free(b);
}

/* ---- headers: Received, Authentication-Results ------------------------- */

/* The word after " key " in a Received: value (up to a space, ';' or '('). */
static void received_word(const char *v, size_t n, const char *key, char *out, size_t size)
{
	const char *p = v, *e;
	size_t kl = strlen(key);

	out[0] = '\0';
	for (;;) {
		p = find_ci(p, n - (size_t)(p - v), key);
		if (p == NULL)
			return;
		if ((p == v || text_is_blank((unsigned char)p[-1]) || p[-1] == '\n' || p[-1] == ')') &&
		    p + kl < v + n && text_is_blank((unsigned char)p[kl]))
			break;
		p += kl;
	}
	p += kl;
	while (p < v + n && text_is_blank((unsigned char)*p))
		p++;
	for (e = p; e < v + n && !text_is_blank((unsigned char)*e) && *e != ';' && *e != '(' &&
	            *e != '\r' && *e != '\n'; e++)
		;
	copy_cut(out, size, p, (size_t)(e - p));
}

/* v without its (comments), which may nest: "(using TLSv1.3 with
 * cipher ...)" must not read as the "with" clause. xmalloc'd. */
static char *strip_comments(const char *v, size_t *n)
{
	char *out = xmalloc(strlen(v) + 1);
	size_t o = 0;
	int depth = 0;

	for (; *v != '\0'; v++) {
		if (*v == '\\' && depth > 0 && v[1] != '\0') {
			v++;
			continue;
		}
		if (*v == '(')
			depth++;
		else if (*v == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			out[o++] = *v;
	}
	out[o] = '\0';
	*n = o;
	return out;
}

static void received_parse(struct explain *ex, const char *raw)
{
	struct explain_hop *h;
	size_t n;
	char *v = strip_comments(raw, &n);
	const char *semi = strrchr(v, ';');
	GDateTime *dt;

	if (ex->nhops == EXPLAIN_HOPS_MAX) {
		ex->flags |= EXPLAIN_F_MORE_HOPS;
		free(v);
		return;
	}
	h = &ex->hops[ex->nhops++];
	memset(h, 0, sizeof *h);
	received_word(v, n, "from", h->from, sizeof h->from);
	received_word(v, n, "by", h->by, sizeof h->by);
	received_word(v, n, "with", h->with, sizeof h->with);
	h->tls = find_ci(v, n, "ESMTPS") != NULL || find_ci(v, n, "ESMTPSA") != NULL ||
	         find_ci(raw, strlen(raw), "TLS") != NULL;
	if (semi != NULL && (dt = g_mime_utils_header_decode_date(semi + 1)) != NULL) {
		h->has_time = 1;
		h->time = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	}
	free(v);
}

/* The hops in the order the message went (the last header first), with
 * the delay of each from the dated hop before it. */
static void hops_finish(struct explain *ex)
{
	size_t i, j;
	long last = -1, first = -1;
	int64_t longest = -1;
	struct explain_hop tmp;

	for (i = 0, j = ex->nhops; i + 1 < j; i++, j--) {
		tmp = ex->hops[i];
		ex->hops[i] = ex->hops[j - 1];
		ex->hops[j - 1] = tmp;
	}
	ex->slowest = -1;
	for (i = 0; i < ex->nhops; i++) {
		struct explain_hop *h = &ex->hops[i];

		if (!h->has_time)
			continue;
		if (first < 0)
			first = (long)i;
		if (last >= 0) {
			h->delay = h->time - ex->hops[last].time;
			h->skew = h->delay < 0;
			if (h->delay > longest) {
				longest = h->delay;
				ex->slowest = (long)i;
			}
		}
		last = (long)i;
	}
	if (first >= 0 && last > first)
		ex->total_delay = ex->hops[last].time - ex->hops[first].time;
}

/* RFC 8601: "authserv-id [version]; method=result [reason] props; ...". */
static void auth_parse(struct explain *ex, const char *v)
{
	const char *p = v, *semi, *eq, *e;
	size_t n;

	semi = strchr(p, ';');
	if (ex->authserv[0] == '\0')
		copy_cut(ex->authserv, sizeof ex->authserv, p,
		         semi != NULL ? (size_t)(semi - p) : strlen(p));
	while (semi != NULL && ex->nauth < EXPLAIN_AUTH_MAX) {
		struct explain_auth *a;

		p = semi + 1;
		semi = strchr(p, ';');
		n = semi != NULL ? (size_t)(semi - p) : strlen(p);
		eq = memchr(p, '=', n);
		if (eq == NULL)
			continue;
		a = &ex->auth[ex->nauth];
		copy_cut(a->method, sizeof a->method, p, (size_t)(eq - p));
		if (strchr(a->method, '/') != NULL)     /* "dkim/1": a version */
			*strchr(a->method, '/') = '\0';
		for (e = eq + 1; e < p + n && text_ascii_isalnum((unsigned char)*e); e++)
			;
		copy_cut(a->result, sizeof a->result, eq + 1, (size_t)(e - eq - 1));
		copy_cut(a->detail, sizeof a->detail, e, n - (size_t)(e - p));
		if (a->method[0] != '\0' && a->result[0] != '\0')
			ex->nauth++;
	}
}

static int auth_result_is(const struct explain *ex, const char *method, const char *result)
{
	size_t i;

	for (i = 0; i < ex->nauth; i++)
		if (strcmp(ex->auth[i].method, method) == 0 &&
		    (result == NULL || strcmp(ex->auth[i].result, result) == 0))
			return 1;
	return 0;
}

static void auth_finish(struct explain *ex)
{
	int dmarc = auth_result_is(ex, "dmarc", NULL);

	/* DMARC decides when it was checked; without it, DKIM's pass (and
	 * no SPF fail) is a pass, a fail of both with no pass a fail. */
	if (ex->nauth == 0)
		ex->auth_verdict = EXPLAIN_AUTH_NONE;
	else if (auth_result_is(ex, "dmarc", "pass") ||
	         (!dmarc && auth_result_is(ex, "dkim", "pass") &&
	          !auth_result_is(ex, "spf", "fail")))
		ex->auth_verdict = EXPLAIN_AUTH_PASS;
	else if (auth_result_is(ex, "dmarc", "fail") ||
	         (!dmarc && !auth_result_is(ex, "dkim", "pass") &&
	          !auth_result_is(ex, "spf", "pass") &&
	          (auth_result_is(ex, "dkim", "fail") || auth_result_is(ex, "spf", "fail"))))
		ex->auth_verdict = EXPLAIN_AUTH_FAIL;
	else
		ex->auth_verdict = EXPLAIN_AUTH_PARTIAL;
}

/* Lower case, in place (method and result names are case-insensitive). */
static void lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)text_ascii_lower((unsigned char)*s);
}

static void headers_read(struct explain *ex, GMimeObject *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(msg);
	int i, count = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	size_t k;

	for (i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h), *v = g_mime_header_get_value(h);

		if (name == NULL || v == NULL)
			continue;
		if (g_ascii_strcasecmp(name, "Received") == 0)
			received_parse(ex, v);
		else if (g_ascii_strcasecmp(name, "Authentication-Results") == 0 &&
		         (ex->authserv[0] == '\0' || ex->nauth == 0))
			auth_parse(ex, v);
	}
	for (k = 0; k < ex->nauth; k++) {
		lower(ex->auth[k].method);
		lower(ex->auth[k].result);
	}
	hops_finish(ex);
	auth_finish(ex);
}

/* ---- GMime ---------------------------------------------------------------- */

/* The decoded content of a leaf part, in UTF-8 when its charset is known
 * (else as it is: EXPLAIN_F_CHARSET); g_free() it. */
static char *part_text(struct explain *ex, GMimePart *part, size_t *len)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *charset = ct != NULL ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	GMimeStream *mem, *filtered;
	GByteArray *ba;
	char *out;

	if (w == NULL) {
		*len = 0;
		return g_strdup("");
	}
	mem = g_mime_stream_mem_new();
	filtered = g_mime_stream_filter_new(mem);
	if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		GMimeFilter *f = g_mime_filter_charset_new(charset, "UTF-8");

		if (f != NULL) {
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
			g_object_unref(f);
		} else {
			ex->flags |= EXPLAIN_F_CHARSET;
		}
	}
	g_mime_data_wrapper_write_to_stream(w, filtered);
	g_mime_stream_flush(filtered);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*len = ba->len;
	out = g_malloc(ba->len + 1);
	if (ba->len > 0)
		memcpy(out, ba->data, ba->len);
	out[ba->len] = '\0';
	g_object_unref(filtered);
	g_object_unref(mem);
	return out;
}

/* Subject and To of a returned message's header block. */
static void original_headers(struct explain *ex, const char *t, size_t n)
{
	struct lines ls = { t, t + n, &ex->flags };
	const char *s;
	size_t len;
	char *dec, raw[512];

	while (line_next(&ls, &s, &len) && !is_blank_line(s, len)) {
		char *dst = starts_ci(s, len, "Subject:") ? ex->original_subject
		            : starts_ci(s, len, "To:") ? ex->original_to : NULL;

		if (dst == NULL || dst[0] != '\0')
			continue;
		copy_cut(raw, sizeof raw, strchr(s, ':') + 1, len - (size_t)(strchr(s, ':') + 1 - s));
		dec = g_mime_utils_header_decode_text(NULL, raw);
		snprintf(dst, 512, "%s", dec != NULL ? dec : raw);
		g_free(dec);
	}
}

static void walk(struct explain *ex, GMimeObject *o, int depth, int *dsn);

static void walk_leaf(struct explain *ex, GMimePart *part, int *dsn)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *disp;
	char *t;
	size_t n;

	if (ct == NULL)
		return;
	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
		t = part_text(ex, part, &n);
		dsn_parse(ex, t, n);
		g_free(t);
		*dsn = 1;
	} else if (g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
	           g_mime_content_type_is_type(ct, "message", "global-headers")) {
		t = part_text(ex, part, &n);
		original_headers(ex, t, n);
		g_free(t);
	} else if (g_mime_content_type_is_type(ct, "text", "plain") ||
	           g_mime_content_type_is_type(ct, "text", "html")) {
		/* An attachment is not the bounce's text. */
		disp = g_mime_object_get_disposition(GMIME_OBJECT(part));
		if (disp != NULL && g_ascii_strcasecmp(disp, "attachment") == 0)
			return;
		t = part_text(ex, part, &n);
		scan_text(ex, t, n);
		g_free(t);
	}
}

static void walk(struct explain *ex, GMimeObject *o, int depth, int *dsn)
{
	int i, count;

	if (o == NULL)
		return;
	if (depth > DEFAULT_EXPLAIN_DEPTH_MAX) {
		ex->flags |= EXPLAIN_F_PARTS;
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		count = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < count; i++)
			walk(ex, g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1, dsn);
		return;
	}
	/* Past the limit only delivery-status parts are read (GMime has
	 * parsed them all already, within the input's bound). */
	if (ex->parts >= DEFAULT_EXPLAIN_PARTS_MAX) {
		GMimeContentType *ct = g_mime_object_get_content_type(o);

		ex->flags |= EXPLAIN_F_PARTS;
		if (!GMIME_IS_PART(o) || ct == NULL ||
		    !g_mime_content_type_is_type(ct, "message", "delivery-status"))
			return;
	}
	ex->parts++;
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		const char *subj = m != NULL ? g_mime_message_get_subject(m) : NULL;

		/* The returned message: its subject, not its text. */
		if (subj != NULL && ex->original_subject[0] == '\0')
			snprintf(ex->original_subject, sizeof ex->original_subject, "%s", subj);
	} else if (GMIME_IS_PART(o)) {
		walk_leaf(ex, GMIME_PART(o), dsn);
	}
}

/* "multipart/" and "message/rfc822" declarations in the input: each may
 * nest, and GMime's parser recurses on nesting. */
static size_t count_nesting(const char *in, size_t len)
{
	size_t count = 0, i;

	for (i = 0; i + 10 <= len; i++)
		if ((in[i] == 'm' || in[i] == 'M') &&
		    (text_equal_ci(in + i, 10, "multipart/") ||
		     (i + 14 <= len && text_equal_ci(in + i, 14, "message/rfc822"))))
			count++;
	return count;
}

/* The length of the header block (up to the first empty line). */
static size_t header_block_len(const char *in, size_t len)
{
	const char *p = in, *nl;

	while ((nl = memchr(p, '\n', len - (size_t)(p - in))) != NULL) {
		if (nl + 1 < in + len && (nl[1] == '\n' || (nl[1] == '\r' && nl + 2 < in + len &&
		                                            nl[2] == '\n')))
			return (size_t)(nl + 1 - in);
		p = nl + 1;
	}
	return len;
}

static void message_top(struct explain *ex, GMimeMessage *m)
{
	const char *subj = g_mime_message_get_subject(m);
	InternetAddressList *from = g_mime_message_get_from(m);
	GDateTime *dt = g_mime_message_get_date(m);
	char *s;

	if (subj != NULL)
		snprintf(ex->subject, sizeof ex->subject, "%s", subj);
	if (from != NULL && internet_address_list_length(from) > 0) {
		s = internet_address_list_to_string(from, NULL, FALSE);
		snprintf(ex->from, sizeof ex->from, "%s", s != NULL ? s : "");
		g_free(s);
	}
	if (dt != NULL) {
		s = g_date_time_format(dt, "%a, %d %b %Y %H:%M:%S %z");
		snprintf(ex->date, sizeof ex->date, "%s", s != NULL ? s : "");
		g_free(s);
	}
}

/* A message: GMime, then its parts; only its header block when it nests
 * too deep to be parsed safely (its body then read as text). */
static void message_parse(struct explain *ex, const char *in, size_t len)
{
	size_t hlen = header_block_len(in, len);
	int nested = count_nesting(in, len) > DEFAULT_EXPLAIN_NESTING_MAX, dsn = 0;
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *m;
	static int inited;

	if (!inited) {
		g_mime_init();
		inited = 1;
	}
	if (nested)
		ex->flags |= EXPLAIN_F_NESTED;
	st = g_mime_stream_mem_new_with_buffer(in, nested ? hlen : len);
	parser = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(parser, NULL);
	if (m != NULL) {
		message_top(ex, m);
		headers_read(ex, GMIME_OBJECT(m));
		if (!nested)
			walk(ex, g_mime_message_get_mime_part(m), 0, &dsn);
		g_object_unref(m);
	}
	g_object_unref(parser);
	g_object_unref(st);
	if (nested && hlen < len)
		scan_text(ex, in + hlen, len - hlen);
	if (ex->nrcpts > 0)
		ex->kind = dsn ? EXPLAIN_KIND_DSN : EXPLAIN_KIND_BOUNCE;
	else
		ex->kind = EXPLAIN_KIND_HEADERS;
}

/* ---- classification and the derived facts -------------------------------- */

/* A header field at the start: "Name:" with a field name of RFC 5322
 * (printable, no space or colon), or an mbox "From " line. */
static int looks_like_message(const char *in, size_t len)
{
	size_t i;

	if (len >= 5 && memcmp(in, "From ", 5) == 0)
		return 1;
	for (i = 0; i < len && i < 128; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == ':')
			return i > 0 && !text_ascii_isdigit((unsigned char)in[0]);
		if (!text_ascii_isalnum(c) && c != '-' && c != '_')
			return 0;
	}
	return 0;
}

/* NUL bytes, or many control bytes, in the first 8 KB: not text. */
static int looks_binary(const char *in, size_t len)
{
	size_t i, ctl = 0;

	for (i = 0; i < len && i < 8192; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == 0)
			return 1;
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
			ctl++;
	}
	return ctl * 10 > i;
}

/* The knowledge base's side (codes.h) as the explanation's: a temporary
 * failure that clears by itself, or needs nobody (greylisting), is the
 * sending server's to retry before anyone else acts. */
static enum explain_side side_of(const struct explain_rcpt *r, const char *enh)
{
	const struct code_info *from = NULL;
	enum codes_side cs = codes_failure_side(r->cmd, r->code, enh[0] != '\0' ? enh : NULL,
	                                        r->text, &from);
	int temporary = r->permanence == EXPLAIN_PERM_TEMPORARY;

	if (temporary && (cs == CODES_SIDE_NONE ||
	                  (cs != CODES_SIDE_SENDER && from != NULL && from->clears)))
		return EXPLAIN_SIDE_WAIT;
	switch (cs) {
	case CODES_SIDE_SENDER: return EXPLAIN_SIDE_SENDER;
	case CODES_SIDE_RECIPIENT: return EXPLAIN_SIDE_RECIPIENT;
	case CODES_SIDE_EITHER: return EXPLAIN_SIDE_EITHER;
	default: return EXPLAIN_SIDE_UNKNOWN;
	}
}

static void rcpt_finish(struct explain_rcpt *r)
{
	const char *enh = r->enhanced[0] != '\0' ? r->enhanced : r->status;
	int cls = r->code / 100;

	if (r->enhanced[0] == '\0' && r->status[0] != '\0' &&
	    reply_enhanced_parse(r->status, strlen(r->status), 0) > 0 &&
	    (r->code == 0 || r->status[0] - '0' == cls))
		snprintf(r->enhanced, sizeof r->enhanced, "%s", r->status);
	if (cls == 0 && enh[0] != '\0')
		cls = enh[0] - '0';
	if (r->action == EXPLAIN_ACTION_DELIVERED || r->action == EXPLAIN_ACTION_RELAYED ||
	    r->action == EXPLAIN_ACTION_EXPANDED)
		r->permanence = EXPLAIN_PERM_NONE;
	else if (cls == 5)
		r->permanence = EXPLAIN_PERM_PERMANENT;
	else if (cls == 4 || r->action == EXPLAIN_ACTION_DELAYED)
		r->permanence = EXPLAIN_PERM_TEMPORARY;
	else
		r->permanence = EXPLAIN_PERM_UNKNOWN;
	r->side = r->permanence == EXPLAIN_PERM_NONE ? EXPLAIN_SIDE_NONE : side_of(r, enh);
}

/*
 * A failed recipient whose bounce quotes a reply but names no server that
 * gave it (no Remote-MTA, no "host X said"): the server that wrote the
 * bounce is the one that refused (Microsoft 365's "Generating server"), so
 * it is the host to test. Not without a reply code: "Host or domain name
 * not found" is the sender's own server saying it found nowhere to go,
 * and probing that server would test nothing about the failure.
 */
static void rcpt_take_reporter(const struct explain *ex, struct explain_rcpt *r)
{
	char *cause = NULL;

	if (r->remote_mta[0] != '\0' || r->remote_ip[0] != '\0' || r->code == 0 ||
	    r->permanence == EXPLAIN_PERM_NONE || ex->reporting_mta[0] == '\0')
		return;
	if (validate_server(ex->reporting_mta, &cause) < 0) {
		free(cause);
		return;
	}
	snprintf(r->remote_mta, sizeof r->remote_mta, "%s", ex->reporting_mta);
	r->remote_is_reporter = 1;
}

struct explain *explain_new(void)
{
	return xcalloc(1, sizeof(struct explain));
}

void explain_free(struct explain *ex)
{
	free(ex);
}

int explain_parse(const char *in, size_t len, struct explain *ex, char **cause)
{
	size_t i, start = 0;

	memset(ex, 0, sizeof *ex);
	ex->input_len = len;
	ex->slowest = -1;
	if (len > DEFAULT_EXPLAIN_INPUT_MAX) {
		len = DEFAULT_EXPLAIN_INPUT_MAX;
		ex->flags |= EXPLAIN_F_CUT;
	}
	while (start < len && (in[start] == '\n' || in[start] == '\r' ||
	                       text_is_blank((unsigned char)in[start])))
		start++;
	if (start == len)
		return cause_set(cause, "the input is empty: give a bounce, a message's "
		                 "headers or a reply line");
	if (looks_binary(in + start, len - start))
		return cause_set(cause, "the input is binary, not a message or a reply: give a "
		                 "bounce as text (.eml), its headers or a reply line");
	in += start;
	len -= start;
	if (looks_like_message(in, len)) {
		message_parse(ex, in, len);
	} else {
		scan_text(ex, in, len);
		ex->kind = ex->source != EXPLAIN_SRC_UNKNOWN ? EXPLAIN_KIND_BOUNCE : EXPLAIN_KIND_REPLY;
	}
	for (i = 0; i < ex->nrcpts; i++) {
		rcpt_finish(&ex->rcpts[i]);
		rcpt_take_reporter(ex, &ex->rcpts[i]);
	}
	if (ex->nrcpts == 0 && ex->nhops == 0 && ex->nauth == 0)
		return cause_set(cause, "nothing to explain: no reply code, no failed recipient "
		                 "and no Received or Authentication-Results header was found");
	return 0;
}

/* ---- the input ---------------------------------------------------------- */

static int read_stream(FILE *f, const char *what, char **buf, size_t *len, size_t *total,
                       int *cut, char **cause)
{
	size_t cap = DEFAULT_EXPLAIN_INPUT_MAX, n = 0, got;
	char *b = xmalloc(cap + 1), sink[65536];

	*cut = 0;
	while ((got = fread(b + n, 1, cap - n, f)) > 0)
		n += got;
	*total = n;
	if (n == cap) {
		/* Only count the rest, up to a bound, for the message. */
		while (*total < 4 * (size_t)DEFAULT_EXPLAIN_INPUT_MAX &&
		       (got = fread(sink, 1, sizeof sink, f)) > 0) {
			*total += got;
			*cut = 1;
		}
	}
	if (ferror(f)) {
		free(b);
		return cause_set(cause, "%s: %s", what, strerror(errno));
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int explain_read_input(const char *arg, char **buf, size_t *len, size_t *total, int *cut,
                       char **cause)
{
	struct stat st;
	char shown[256];
	FILE *f;
	int rc;

	*cut = 0;
	if (strcmp(arg, "-") == 0)
		return read_stream(stdin, "standard input", buf, len, total, cut, cause);
	if (strchr(arg, '\n') == NULL && stat(arg, &st) == 0) {
		text_show(arg, shown, sizeof shown);
		if (!S_ISREG(st.st_mode))
			return cause_set(cause, "%s: not a regular file", shown);
		if ((f = fopen(arg, "rb")) == NULL)
			return cause_set(cause, "%s: %s", shown, strerror(errno));
		rc = read_stream(f, shown, buf, len, total, cut, cause);
		fclose(f);
		return rc;
	}
	*len = *total = strlen(arg);
	if (*len > DEFAULT_EXPLAIN_INPUT_MAX) {
		*len = DEFAULT_EXPLAIN_INPUT_MAX;
		*cut = 1;
	}
	*buf = xstrndup(arg, *len);
	return 0;
}

/* The host to connect to for r's bounce: its name, else its address,
 * whichever is a host name or an IP address (the bounce is hostile
 * input: "mx [internal]" or a control byte is no host); NULL: none. */
const char *explain_rcpt_remote_host(const struct explain_rcpt *r)
{
	char *cause = NULL;

	if (r->remote_mta[0] != '\0' && validate_server(r->remote_mta, &cause) == 0)
		return r->remote_mta;
	free(cause);
	cause = NULL;
	if (r->remote_ip[0] != '\0' && validate_server(r->remote_ip, &cause) == 0)
		return r->remote_ip;
	free(cause);
	return NULL;
}

const char *explain_rcpt_domain(const struct explain_rcpt *r)
{
	const char *at = strrchr(r->address, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* ---- names -------------------------------------------------------------- */

const char *explain_kind_name(enum explain_kind k)
{
	static const char *const names[EXPLAIN_KIND__COUNT] = {
		"reply", "dsn", "bounce", "headers",
	};
	return (unsigned)k < EXPLAIN_KIND__COUNT ? names[k] : "?";
}

const char *explain_source_name(enum explain_source s)
{
	static const char *const names[EXPLAIN_SRC__COUNT] = {
		"unknown", "postfix", "exim", "exchange", "gmail", "sendmail",
	};
	return (unsigned)s < EXPLAIN_SRC__COUNT ? names[s] : "?";
}

const char *explain_action_name(enum explain_action a)
{
	static const char *const names[EXPLAIN_ACTION__COUNT] = {
		"failed", "delayed", "delivered", "relayed", "expanded",
	};
	return (unsigned)a < EXPLAIN_ACTION__COUNT ? names[a] : "?";
}

const char *explain_permanence_name(enum explain_permanence p)
{
	static const char *const names[EXPLAIN_PERM__COUNT] = {
		"unknown", "temporary", "permanent", "none",
	};
	return (unsigned)p < EXPLAIN_PERM__COUNT ? names[p] : "?";
}

const char *explain_side_name(enum explain_side s)
{
	static const char *const names[EXPLAIN_SIDE__COUNT] = {
		"unknown", "sender", "recipient", "either", "wait", "none",
	};
	return (unsigned)s < EXPLAIN_SIDE__COUNT ? names[s] : "?";
}

const char *explain_auth_verdict_name(enum explain_auth_verdict v)
{
	static const char *const names[EXPLAIN_AUTH__COUNT] = {
		"none", "pass", "fail", "partial",
	};
	return (unsigned)v < EXPLAIN_AUTH__COUNT ? names[v] : "?";
}
