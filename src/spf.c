/*
 * spf.c — RFC 7208 record parser, macro expander and check_host() (see
 * include/mailflow/spf.h).
 *
 * The evaluator is a stack of frames, one per record being evaluated (the
 * top domain, then each include: or redirect= below it). It asks one DNS
 * question at a time: a frame's term waits for its answer, an include
 * pushes a frame and the child's result comes back to the term that asked.
 * Counting is global, as §4.6.4 wants: lookups and void lookups over the
 * whole tree, each node also keeping its own.
 */
#include "mailflow/spf.h"
#include "mailflow/defaults.h"
#include "mailflow/loop.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const result_names[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
};

static const char *const mech_names[] = {
	"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists",
	"redirect", "exp", "modifier",
};

static const char *const why_names[] = {
	"match", "default", "no-record", "multiple", "syntax", "lookups",
	"voids", "names", "include-none", "dns", "timeout", "unreadable",
	"bad-domain",
};

const char *spf_result_name(enum spf_result r)
{
	return (size_t)r < sizeof result_names / sizeof result_names[0] ? result_names[r] : "?";
}

const char *spf_mech_name(enum spf_mech m)
{
	return (size_t)m < sizeof mech_names / sizeof mech_names[0] ? mech_names[m] : "?";
}

const char *spf_why_name(enum spf_why w)
{
	return (size_t)w < sizeof why_names / sizeof why_names[0] ? why_names[w] : "?";
}

/* ---- the parser ------------------------------------------------------- */

static void err_set(char *err, size_t errsz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
static void err_set(char *err, size_t errsz, const char *f, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, f);
	vsnprintf(err, errsz, f, ap);
	va_end(ap);
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_delim(int c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

bool spf_record_is_spf(const char *text, size_t len)
{
	return len >= 6 && text_equal_ci(text, 6, "v=spf1") && (len == 6 || text[6] == ' ');
}

/*
 * One macro-expand at s ("%{...}", "%%", "%_", "%-"): its length, or 0 if
 * it is not a valid one. letter, digits and reverse and the delimiters
 * (delims, NUL-ended) are filled when not NULL.
 */
static size_t macro_one(const char *s, size_t n, bool exp, char *letter, unsigned *digits,
                        bool *reverse, char *delims, size_t dsz)
{
	size_t i = 2, d = 0;
	unsigned num = 0;
	char l;

	if (n < 2 || s[0] != '%')
		return 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-') {
		if (letter != NULL)
			*letter = s[1];
		return 2;
	}
	if (s[1] != '{' || n < 4)
		return 0;
	l = (char)text_ascii_lower((unsigned char)s[2]);
	if (strchr("slodiphv", l) == NULL && !(exp && strchr("crt", l) != NULL))
		return 0;
	if (l == '\0')
		return 0;
	i = 3;
	while (i < n && text_ascii_isdigit((unsigned char)s[i]) && num < 1000)
		num = num * 10 + (unsigned)(s[i++] - '0');
	if (i > 3 && num == 0)
		return 0;       /* "%{d0}": zero labels is no name */
	if (i < n && (s[i] == 'r' || s[i] == 'R')) {
		if (reverse != NULL)
			*reverse = true;
		i++;
	} else if (reverse != NULL) {
		*reverse = false;
	}
	while (i < n && is_delim((unsigned char)s[i])) {
		if (delims != NULL && d + 1 < dsz)
			delims[d++] = s[i];
		i++;
	}
	if (delims != NULL && dsz > 0)
		delims[d] = '\0';
	if (i >= n || s[i] != '}')
		return 0;
	if (letter != NULL)
		*letter = s[2];
	if (digits != NULL)
		*digits = num;
	return i + 1;
}

/* A macro-string: macro-expands and literals %x21-24 / %x26-7E. 0, or -1
 * with *bad the offset of the first wrong byte. */
static int macro_string_check(const char *s, size_t n, bool exp, size_t *bad)
{
	size_t i = 0, m;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if ((m = macro_one(s + i, n - i, exp, NULL, NULL, NULL, NULL, 0)) == 0) {
				*bad = i;
				return -1;
			}
			i += m;
		} else if ((c >= 0x21 && c <= 0x7e) || (exp && c == ' ')) {
			i++;
		} else {
			*bad = i;
			return -1;
		}
	}
	return 0;
}

/* A toplabel (RFC 7208 §7.1): alphanumerics and hyphens, not all digits,
 * no hyphen at either end. */
static bool toplabel_ok(const char *s, size_t n)
{
	size_t i;
	bool alpha = false;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (is_alpha((unsigned char)s[i]))
			alpha = true;
		else if (!text_ascii_isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	}
	return alpha || memchr(s, '-', n) != NULL;
}

/* domain-spec = macro-string domain-end; domain-end = "." toplabel ["."]
 * or a macro-expand. */
static int domain_spec_check(const char *s, size_t n, size_t *bad)
{
	size_t end, dot;

	if (n == 0) {
		*bad = 0;
		return -1;
	}
	if (macro_string_check(s, n, false, bad) < 0)
		return -1;
	if (s[n - 1] == '}')
		return 0;       /* ends with a macro-expand (checked above) */
	end = n;
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0 || !toplabel_ok(s + dot, end - dot)) {
		*bad = dot;
		return -1;
	}
	return 0;
}

/* "/N" with N in 0..max, no leading zero; returns the bytes read or 0. */
static size_t cidr_read(const char *s, size_t n, int max, int *out)
{
	size_t i = 1;
	int v = 0;

	if (n < 2 || s[0] != '/' || !text_ascii_isdigit((unsigned char)s[1]))
		return 0;
	if (s[1] == '0' && n > 2 && text_ascii_isdigit((unsigned char)s[2]))
		return 0;
	while (i < n && text_ascii_isdigit((unsigned char)s[i]) && v <= max)
		v = v * 10 + (s[i++] - '0');
	if (v > max)
		return 0;
	*out = v;
	return i;
}

/* Splits "[spec][/N][//M]" off the end of arg: the spec's length, or
 * (size_t)-1 on a bad length. */
static size_t dual_cidr_split(const char *arg, size_t n, bool v4, bool v6, struct spf_term *t)
{
	const char *slash = memchr(arg, '/', n);
	size_t spec_len, i, m;

	if (slash == NULL)
		return n;
	spec_len = (size_t)(slash - arg);
	i = spec_len;
	if (v4 && i < n && !(i + 1 < n && arg[i + 1] == '/')) {
		if ((m = cidr_read(arg + i, n - i, 32, &t->cidr4)) == 0)
			return (size_t)-1;
		i += m;
	}
	if (v6 && i + 1 < n && arg[i] == '/' && arg[i + 1] == '/') {
		if ((m = cidr_read(arg + i + 1, n - i - 1, 128, &t->cidr6)) == 0)
			return (size_t)-1;
		i += m + 1;
	}
	return i == n ? spec_len : (size_t)-1;
}

/* The network of ip4: / ip6: (arg after the colon); *bad is the offset
 * in arg of what is wrong. */
static int parse_ip(struct spf_term *t, const char *arg, size_t n, size_t *bad, char *err,
                    size_t errsz)
{
	bool v6 = t->mech == SPF_IP6;
	const char *slash = memchr(arg, '/', n);
	size_t alen = slash != NULL ? (size_t)(slash - arg) : n;
	char buf[64];

	if (alen == 0 || alen >= sizeof buf) {
		err_set(err, errsz, "%s needs an address", v6 ? "ip6" : "ip4");
		return -1;
	}
	memcpy(buf, arg, alen);
	buf[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, t->net) != 1) {
		err_set(err, errsz, "\"%s\" is not an IPv%c address", buf, v6 ? '6' : '4');
		return -1;
	}
	if (slash != NULL &&
	    cidr_read(slash, n - alen, v6 ? 128 : 32, v6 ? &t->cidr6 : &t->cidr4) != n - alen) {
		*bad = alen;
		err_set(err, errsz, "bad prefix length");
		return -1;
	}
	snprintf(t->spec, sizeof t->spec, "%.*s", (int)n, arg);
	return 0;
}

struct mech_def {
	const char *name;
	enum spf_mech mech;
	int arg;                /* 0 none, 1 optional domain, 2 required domain, 3 ip */
	bool v4, v6;            /* cidr lengths allowed */
};

static const struct mech_def mech_defs[] = {
	{ "all", SPF_ALL, 0, false, false },
	{ "include", SPF_INCLUDE, 2, false, false },
	{ "a", SPF_A, 1, true, true },
	{ "mx", SPF_MX, 1, true, true },
	{ "ptr", SPF_PTR, 1, false, false },
	{ "ip4", SPF_IP4, 3, false, false },
	{ "ip6", SPF_IP6, 3, false, false },
	{ "exists", SPF_EXISTS, 2, false, false },
};

/* A directive [qualifier] mechanism of n bytes at s. */
static int parse_directive(const char *s, size_t n, struct spf_term *t, size_t *bad,
                           char *err, size_t errsz)
{
	size_t i = 0, k, nl, spec_len;
	const struct mech_def *md = NULL;
	const char *arg;
	size_t alen;

	t->qual = '+';
	if (n > 0 && strchr("+-~?", s[0]) != NULL)
		t->qual = s[i++];
	for (nl = i; nl < n && s[nl] != ':' && s[nl] != '/'; nl++)
		;
	for (k = 0; k < sizeof mech_defs / sizeof mech_defs[0]; k++)
		if (text_equal_ci(s + i, nl - i, mech_defs[k].name))
			md = &mech_defs[k];
	if (md == NULL) {
		*bad = i;
		err_set(err, errsz, "unknown mechanism \"%.*s\"", (int)(nl - i > 40 ? 40 : nl - i),
		        s + i);
		return -1;
	}
	t->mech = md->mech;
	arg = s + nl;
	alen = n - nl;
	if (md->arg == 0) {
		if (alen != 0) {
			*bad = nl;
			err_set(err, errsz, "\"%s\" takes no argument", md->name);
			return -1;
		}
		return 0;
	}
	if (md->arg == 3) {
		size_t ibad = 0;

		if (alen == 0 || arg[0] != ':') {
			err_set(err, errsz, "%s needs \":address\"", md->name);
			*bad = nl;
			return -1;
		}
		if (parse_ip(t, arg + 1, alen - 1, &ibad, err, errsz) < 0) {
			*bad = nl + 1 + ibad;
			return -1;
		}
		return 0;
	}
	if (alen > 0 && arg[0] == ':') {
		arg++;
		alen--;
		spec_len = dual_cidr_split(arg, alen, md->v4, md->v6, t);
		if (spec_len == (size_t)-1 || spec_len == 0) {
			const char *sl = memchr(arg, '/', alen);

			/* At the prefix length that is wrong, or the empty domain. */
			*bad = nl + 1 + (spec_len == 0 || sl == NULL ? 0 : (size_t)(sl - arg));
			err_set(err, errsz, "%s: %s", md->name,
			        spec_len == 0 ? "empty domain" : "bad prefix length");
			return -1;
		}
		if (spec_len >= sizeof t->spec || domain_spec_check(arg, spec_len, bad) < 0) {
			if (spec_len >= sizeof t->spec)
				*bad = 0;
			*bad += nl + 1;
			err_set(err, errsz, "%s: \"%.*s\" is not a valid domain-spec", md->name,
			        (int)(spec_len > 60 ? 60 : spec_len), arg);
			return -1;
		}
		memcpy(t->spec, arg, spec_len);
		t->spec[spec_len] = '\0';
		return 0;
	}
	if (md->arg == 2) {
		*bad = nl;
		err_set(err, errsz, "\"%s\" needs \":domain\"", md->name);
		return -1;
	}
	if (dual_cidr_split(arg, alen, md->v4, md->v6, t) != 0) {
		*bad = nl;
		err_set(err, errsz, "%s: bad prefix length", md->name);
		return -1;
	}
	return 0;
}

/* A modifier name=value, eq the offset of the "=". */
static int parse_modifier(const char *s, size_t n, size_t eq, struct spf_term *t,
                          struct spf_record *rec, size_t *bad, char *err, size_t errsz)
{
	const char *v = s + eq + 1;
	size_t vn = n - eq - 1, i;

	if (eq == 0 || !is_alpha((unsigned char)s[0])) {
		*bad = 0;
		err_set(err, errsz, "a modifier's name must start with a letter");
		return -1;
	}
	for (i = 1; i < eq; i++)
		if (!text_ascii_isalnum((unsigned char)s[i]) && strchr("-_.", s[i]) == NULL) {
			*bad = i;
			err_set(err, errsz, "bad character in a modifier's name");
			return -1;
		}
	if (vn >= sizeof t->spec) {
		*bad = eq + 1;
		err_set(err, errsz, "modifier value too long");
		return -1;
	}
	if (text_equal_ci(s, eq, "redirect") || text_equal_ci(s, eq, "exp")) {
		bool redir = text_equal_ci(s, eq, "redirect");

		t->mech = redir ? SPF_REDIRECT : SPF_EXP;
		if ((redir ? rec->redirect : rec->exp) >= 0) {
			*bad = 0;
			err_set(err, errsz, "a second \"%s=\"", redir ? "redirect" : "exp");
			return -1;
		}
		if (domain_spec_check(v, vn, bad) < 0) {
			*bad += eq + 1;
			err_set(err, errsz, "%s=: \"%.*s\" is not a valid domain-spec",
			        redir ? "redirect" : "exp", (int)(vn > 60 ? 60 : vn), v);
			return -1;
		}
	} else {
		t->mech = SPF_UNKNOWN_MOD;
		snprintf(t->name, sizeof t->name, "%.*s", (int)(eq > 31 ? 31 : eq), s);
		if (macro_string_check(v, vn, false, bad) < 0) {
			*bad += eq + 1;
			err_set(err, errsz, "bad macro in modifier \"%s\"", t->name);
			return -1;
		}
	}
	memcpy(t->spec, v, vn);
	t->spec[vn] = '\0';
	return 0;
}

void spf_record_free(struct spf_record *rec)
{
	free(rec->terms);
	rec->terms = NULL;
	rec->nterms = 0;
}

/* One term of n bytes at s (column col). */
static int parse_term(const char *s, size_t n, struct spf_record *rec, unsigned col,
                      unsigned *pos, char *err, size_t errsz)
{
	struct spf_term *t = &rec->terms[rec->nterms];
	size_t eq, bad = 0, k;
	int rc;

	memset(t, 0, sizeof *t);
	t->cidr4 = t->cidr6 = -1;
	t->pos = col;
	for (k = 0; k < n; k++)
		if ((unsigned char)s[k] < 0x21 || (unsigned char)s[k] > 0x7e) {
			*pos = col + (unsigned)k;
			err_set(err, errsz, "a byte that is not printable ASCII (0x%02x)",
			        (unsigned char)s[k]);
			return -1;
		}
	for (eq = 0; eq < n && s[eq] != '=' && s[eq] != ':' && s[eq] != '/'; eq++)
		;
	if (eq < n && s[eq] == '=')
		rc = parse_modifier(s, n, eq, t, rec, &bad, err, errsz);
	else
		rc = parse_directive(s, n, t, &bad, err, errsz);
	if (rc < 0) {
		*pos = col + (unsigned)bad;
		return -1;
	}
	if (t->mech == SPF_REDIRECT)
		rec->redirect = (int)rec->nterms;
	else if (t->mech == SPF_EXP)
		rec->exp = (int)rec->nterms;
	rec->nterms++;
	return 0;
}

int spf_record_parse(const char *text, size_t len, struct spf_record *rec,
                     unsigned *pos, char *err, size_t errsz)
{
	size_t i = 6, start;

	memset(rec, 0, sizeof *rec);
	rec->redirect = rec->exp = -1;
	*pos = 0;
	if (len > SPF_RECORD_MAX) {
		*pos = SPF_RECORD_MAX + 1;
		err_set(err, errsz, "record of %zu bytes, over mailflow's limit of %d", len,
		        SPF_RECORD_MAX);
		return -1;
	}
	if (!spf_record_is_spf(text, len)) {
		*pos = 1;
		err_set(err, errsz, "not a v=spf1 record");
		return -1;
	}
	rec->terms = xcalloc(SPF_TERMS_MAX, sizeof *rec->terms);
	for (;;) {
		while (i < len && text[i] == ' ')
			i++;
		if (i >= len)
			return 0;
		start = i;
		while (i < len && text[i] != ' ')
			i++;
		if (rec->nterms == SPF_TERMS_MAX) {
			*pos = (unsigned)start + 1;
			err_set(err, errsz, "more than %d terms", SPF_TERMS_MAX);
			return -1;
		}
		if (parse_term(text + start, i - start, rec, (unsigned)start + 1, pos, err,
		               errsz) < 0)
			return -1;
	}
}

/* ---- macros ----------------------------------------------------------- */

struct outbuf {
	char *p;
	size_t n, size;
	bool over;
};

static void out_put(struct outbuf *o, const char *s, size_t n)
{
	if (o->n + n >= o->size) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

/* The IP for %{i}: dotted IPv4, or dotted nibbles of IPv6. */
static void macro_ip(const char *ip, char *buf, size_t size)
{
	uint8_t b[16];
	size_t i, n = 0;

	if (inet_pton(AF_INET6, ip, b) == 1) {
		for (i = 0; i < 16 && n + 4 < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%x.%x", i ? "." : "",
			                      b[i] >> 4, b[i] & 15);
		return;
	}
	snprintf(buf, size, "%s", ip);
}

static const char *macro_value(char letter, const struct spf_macro_ctx *c, char *tmp,
                               size_t tsz)
{
	const char *at = c->sender != NULL ? strrchr(c->sender, '@') : NULL;

	switch (text_ascii_lower((unsigned char)letter)) {
	case 's': return c->sender != NULL ? c->sender : "";
	case 'l':
		if (at == NULL || at == c->sender)
			return "postmaster";
		snprintf(tmp, tsz, "%.*s", (int)(at - c->sender), c->sender);
		return tmp;
	case 'o': return at != NULL ? at + 1 : c->domain;
	case 'd': return c->domain;
	case 'i': macro_ip(c->ip, tmp, tsz); return tmp;
	case 'c': return c->ip;
	case 'p': return "unknown";     /* §7.3: SHOULD NOT be used; no lookup */
	case 'v': return strchr(c->ip, ':') != NULL ? "ip6" : "in-addr";
	case 'h': return c->helo != NULL ? c->helo : c->domain;
	case 'r': return c->receiver != NULL ? c->receiver : "unknown";
	case 't': snprintf(tmp, tsz, "%llu", (unsigned long long)c->now); return tmp;
	default: return "";
	}
}

/* Splits value at the delimiters, reverses and keeps the rightmost
 * digits parts, joined with dots (RFC 7208 §7.3). */
static void macro_transform(const char *value, const char *delims, unsigned digits,
                            bool reverse, bool upper, struct outbuf *o)
{
	const char *parts[128];
	size_t lens[128], np = 0, i, first;
	const char *p = value, *d = delims[0] != '\0' ? delims : ".";

	for (;;) {
		size_t l = strcspn(p, d);

		if (np < 128) {
			parts[np] = p;
			lens[np++] = l;
		}
		if (p[l] == '\0')
			break;
		p += l + 1;
	}
	if (reverse)
		for (i = 0; i < np / 2; i++) {
			const char *tp = parts[i];
			size_t tl = lens[i];

			parts[i] = parts[np - 1 - i];
			lens[i] = lens[np - 1 - i];
			parts[np - 1 - i] = tp;
			lens[np - 1 - i] = tl;
		}
	first = digits > 0 && digits < np ? np - digits : 0;
	for (i = first; i < np; i++) {
		if (i > first)
			out_put(o, ".", 1);
		if (!upper) {
			out_put(o, parts[i], lens[i]);
			continue;
		}
		for (size_t k = 0; k < lens[i]; k++) {
			unsigned char c = (unsigned char)parts[i][k];
			char hex[4];

			if (text_ascii_isalnum(c) || strchr("-._~", c) != NULL) {
				out_put(o, (const char *)&parts[i][k], 1);
			} else {
				snprintf(hex, sizeof hex, "%%%02X", c);
				out_put(o, hex, 3);
			}
		}
	}
}

int spf_macro_expand(const char *spec, const struct spf_macro_ctx *ctx, bool exp,
                     char *out, size_t outsz, char *err, size_t errsz)
{
	struct outbuf o = { out, 0, outsz, false };
	size_t n = strlen(spec), i = 0, m;
	char letter, delims[16], tmp[DNS_NAME_MAX + 64];
	unsigned digits;
	bool reverse;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	while (i < n) {
		if (spec[i] != '%') {
			out_put(&o, spec + i, 1);
			i++;
			continue;
		}
		m = macro_one(spec + i, n - i, exp, &letter, &digits, &reverse, delims,
		              sizeof delims);
		if (m == 0) {
			err_set(err, errsz, "bad macro at \"%.12s\"", spec + i);
			return -1;
		}
		if (m == 2) {
			out_put(&o, letter == '%' ? "%" : letter == '_' ? " " : "%20",
			        letter == '-' ? 3 : 1);
		} else {
			const char *v = macro_value(letter, ctx, tmp, sizeof tmp);
			char copy[DNS_NAME_MAX + 64];

			snprintf(copy, sizeof copy, "%s", v);
			macro_transform(copy, delims, digits, reverse,
			                letter >= 'A' && letter <= 'Z', &o);
		}
		i += m;
	}
	if (o.over) {
		err_set(err, errsz, "the expansion does not fit in %zu bytes", outsz);
		return -1;
	}
	return 0;
}

/* ---- the evaluator ---------------------------------------------------- */

enum wait {
	W_NONE, W_TXT, W_A, W_MX, W_MX_ADDR, W_PTR, W_PTR_ADDR, W_EXISTS, W_EXP,
};

struct frame {
	size_t node;
	struct spf_record rec;
	char domain[DNS_NAME_MAX];
	size_t term;            /* the term being evaluated */
	char names[SPF_NAMES_MAX][DNS_NAME_MAX];
	size_t nnames, name_i;
	char target[DNS_NAME_MAX];      /* the expanded domain of the term */
	bool in_include;        /* this record or one above came by include: */
};

struct spf_evaluation {
	struct loop *loop;
	struct spf_params p;
	char ip[64], domain[DNS_NAME_MAX], sender[DNS_NAME_MAX + 72], helo[DNS_NAME_MAX];
	uint8_t addr[16];
	bool v6;
	spf_done_cb done;
	void *arg;
	struct frame frames[SPF_NODES_MAX];
	size_t depth;
	struct spf_eval r;
	enum wait wait;
	bool inflight, freed, finished;
	unsigned gen;
	struct loop_timer *deadline, *finish;
	uint64_t started;
	/* The exp= of the record whose mechanism failed the message (not
	 * one reached by include:, §6.2), and that record's domain. */
	char exp_spec[SPF_SPEC_MAX], exp_domain[DNS_NAME_MAX];
};

struct qctx {
	struct spf_evaluation *e;
	unsigned gen;
};

static void step(struct spf_evaluation *e);
static void on_answer(const struct dns_result *r, void *arg);

static void on_finish(struct loop_timer *t, void *arg)
{
	struct spf_evaluation *e = arg;

	(void)t;
	e->finish = NULL;
	e->r.ms = loop_clock_ms() - e->started;
	loop_timer_remove(e->deadline);
	e->deadline = NULL;
	if (e->done != NULL)
		e->done(&e->r, e->arg);
}

/* The end of the evaluation: the result reaches done from the loop. */
static void finish(struct spf_evaluation *e, enum spf_result res, enum spf_why why,
                   const char *f, ...) __attribute__((format(printf, 4, 5)));
static void finish(struct spf_evaluation *e, enum spf_result res, enum spf_why why,
                   const char *f, ...)
{
	va_list ap;
	size_t i;

	if (e->finished)
		return;
	e->finished = true;
	e->gen++;               /* an answer still in flight is stale now */
	e->r.result = res;
	e->r.why = why;
	va_start(ap, f);
	vsnprintf(e->r.reason, sizeof e->r.reason, f, ap);
	va_end(ap);
	/* Every record still open ends with the error that ended all. */
	for (i = 0; i < e->depth; i++) {
		struct spf_node *n = &e->r.nodes[e->frames[i].node];

		if (res == SPF_TEMPERROR || res == SPF_PERMERROR || i == 0) {
			n->result = res;
			n->why = why;
		}
	}
	e->finish = loop_timer_add(e->loop, 0, 0, on_finish, e);
}

/* The end, with the reason already in e->r.reason. */
static void finish_top(struct spf_evaluation *e, enum spf_result res, enum spf_why why)
{
	char reason[sizeof e->r.reason];

	snprintf(reason, sizeof reason, "%s", e->r.reason);
	finish(e, res, why, "%s", reason);
}

static void on_deadline(struct loop_timer *t, void *arg)
{
	struct spf_evaluation *e = arg;

	(void)t;
	e->deadline = NULL;
	finish(e, SPF_TEMPERROR, SPF_WHY_TIMEOUT,
	       "the evaluation took longer than %d ms (DNS too slow)", e->p.timeout_ms);
}

static struct frame *top(struct spf_evaluation *e)
{
	return &e->frames[e->depth - 1];
}

static struct spf_node *node_of(struct spf_evaluation *e, const struct frame *f)
{
	return &e->r.nodes[f->node];
}

static void ask(struct spf_evaluation *e, enum wait w, const char *name, enum dns_type type)
{
	struct qctx *q = xcalloc(1, sizeof *q);
	char *cause = NULL;

	q->e = e;
	q->gen = e->gen;
	e->wait = w;
	e->inflight = true;
	if (e->p.query(e->p.query_ctx, name, type, on_answer, q, &cause) < 0) {
		e->inflight = false;
		free(q);
		finish(e, SPF_PERMERROR, SPF_WHY_BAD_DOMAIN, "cannot ask DNS for \"%s\": %s",
		       name, cause != NULL ? cause : "bad name");
		free(cause);
	}
}

/* One DNS-querying term more (§4.6.4); false when that breaks the limit. */
static bool count_lookup(struct spf_evaluation *e)
{
	size_t i;

	e->r.lookups++;
	node_of(e, top(e))->lookups++;
	for (i = 0; i < e->depth; i++)
		node_of(e, &e->frames[i])->lookups_tree++;
	if (e->r.lookups > SPF_LOOKUPS_MAX) {
		finish(e, SPF_PERMERROR, SPF_WHY_LOOKUPS,
		       "more than %d DNS-querying terms (include, a, mx, ptr, exists, "
		       "redirect): the %uth is in the record of %s",
		       SPF_LOOKUPS_MAX, e->r.lookups, top(e)->domain);
		return false;
	}
	return true;
}

/* A lookup that found nothing (NXDOMAIN or NODATA); false past the limit. */
static bool count_void(struct spf_evaluation *e, const char *name)
{
	e->r.voids++;
	node_of(e, top(e))->voids++;
	if (e->r.voids > SPF_VOIDS_MAX) {
		finish(e, SPF_PERMERROR, SPF_WHY_VOIDS,
		       "more than %d lookups found nothing (the last: %s)", SPF_VOIDS_MAX, name);
		return false;
	}
	return true;
}

static bool dns_failed(enum dns_status s)
{
	return s != DNS_OK && s != DNS_NODATA && s != DNS_NXDOMAIN;
}

/* Expands a term's domain-spec (or the current domain) into f->target,
 * cut from the left to 253 bytes (§7.3). false: finished with an error. */
static bool target_of(struct spf_evaluation *e, struct frame *f, const char *spec)
{
	struct spf_macro_ctx c = { e->sender, f->domain, e->ip, e->helo, NULL, 0 };
	char buf[1024], err[128];
	const char *p = buf;
	size_t n;

	if (spec[0] == '\0') {
		snprintf(f->target, sizeof f->target, "%s", f->domain);
		return true;
	}
	if (spf_macro_expand(spec, &c, false, buf, sizeof buf, err, sizeof err) < 0) {
		finish(e, SPF_PERMERROR, SPF_WHY_BAD_DOMAIN, "%s: %s", f->domain, err);
		return false;
	}
	/* The trailing dot of a fully qualified name goes (p reads buf). */
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	while (n > DNS_NAME_MAX - 1 && strchr(p, '.') != NULL) {
		p = strchr(p, '.') + 1;
		n = strlen(p);
	}
	if (n == 0 || n > DNS_NAME_MAX - 1 || strstr(p, "..") != NULL || p[0] == '.') {
		finish(e, SPF_PERMERROR, SPF_WHY_BAD_DOMAIN,
		       "%s: \"%s\" expands to \"%.60s\", which is not a domain name",
		       f->domain, spec, p);
		return false;
	}
	memcpy(f->target, p, n + 1);     /* n < DNS_NAME_MAX, checked above */
	return true;
}

static bool cidr_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

static bool addr_match(const struct spf_evaluation *e, const char *addr, int c4, int c6)
{
	uint8_t b[16];

	if (inet_pton(e->v6 ? AF_INET6 : AF_INET, addr, b) != 1)
		return false;
	if (e->v6)
		return cidr_match(e->addr, b, c6 < 0 ? 128 : c6);
	return cidr_match(e->addr, b, c4 < 0 ? 32 : c4);
}

static enum spf_result qual_result(char q)
{
	switch (q) {
	case '-': return SPF_FAIL;
	case '~': return SPF_SOFTFAIL;
	case '?': return SPF_NEUTRAL;
	default: return SPF_PASS;
	}
}

static void term_text(const struct spf_term *t, char *buf, size_t size)
{
	char q[2] = { '\0', '\0' };

	if (t->qual != '+')
		q[0] = t->qual;

	if (t->spec[0] != '\0')
		snprintf(buf, size, "%s%s:%s", q, spf_mech_name(t->mech), t->spec);
	else
		snprintf(buf, size, "%s%s", q, spf_mech_name(t->mech));
	if (t->mech != SPF_IP4 && t->mech != SPF_IP6) {
		size_t n = strlen(buf);

		if (t->cidr4 >= 0)
			n += (size_t)snprintf(buf + n, size > n ? size - n : 0, "/%d", t->cidr4);
		if (t->cidr6 >= 0 && n < size)
			snprintf(buf + n, size - n, "//%d", t->cidr6);
	}
}

static void frame_pop(struct spf_evaluation *e, enum spf_result res, enum spf_why why);

/* The current term matched: the record's result is its qualifier's. */
static void matched(struct spf_evaluation *e)
{
	struct frame *f = top(e);
	const struct spf_term *t = &f->rec.terms[f->term];
	struct spf_node *n = node_of(e, f);

	term_text(t, n->matched, sizeof n->matched);
	if (qual_result(t->qual) == SPF_FAIL && !f->in_include && f->rec.exp >= 0) {
		snprintf(e->exp_spec, sizeof e->exp_spec, "%s", f->rec.terms[f->rec.exp].spec);
		snprintf(e->exp_domain, sizeof e->exp_domain, "%s", f->domain);
	}
	frame_pop(e, qual_result(t->qual), SPF_WHY_MATCH);
}

static void next_term(struct spf_evaluation *e)
{
	top(e)->term++;
	step(e);
}

static void frame_push(struct spf_evaluation *e, const char *domain, enum spf_mech via)
{
	struct frame *f;
	struct spf_node *n;
	int parent = e->depth > 0 ? (int)top(e)->node : -1;

	if (e->r.nnodes == SPF_NODES_MAX || e->depth == SPF_NODES_MAX) {
		finish(e, SPF_PERMERROR, SPF_WHY_LOOKUPS, "more than %d records in the tree",
		       SPF_NODES_MAX);
		return;
	}
	f = &e->frames[e->depth++];
	memset(f, 0, sizeof *f);
	f->node = e->r.nnodes++;
	snprintf(f->domain, sizeof f->domain, "%s", domain);
	n = &e->r.nodes[f->node];
	memset(n, 0, sizeof *n);
	snprintf(n->domain, sizeof n->domain, "%s", domain);
	n->parent = parent;
	n->via = via;
	n->depth = (unsigned)e->depth - 1;
	n->result = SPF_NONE;
	f->in_include = via == SPF_INCLUDE || (e->depth > 1 && e->frames[e->depth - 2].in_include);
	ask(e, W_TXT, domain, DNS_TXT);
}

/* The record of the top frame, from its TXT answer. */
static void on_txt(struct spf_evaluation *e, const struct dns_result *r)
{
	struct frame *f = top(e);
	struct spf_node *n = node_of(e, f);
	const struct dns_record *rec = NULL;
	size_t i, count = 0;

	if (dns_failed(r->status)) {
		finish(e, SPF_TEMPERROR, SPF_WHY_DNS, "TXT %s: %s", f->domain,
		       dns_status_name(r->status));
		return;
	}
	for (i = 0; i < r->nrecords; i++)
		if (spf_record_is_spf(r->records[i].text, r->records[i].text_len)) {
			rec = &r->records[i];
			count++;
		}
	if (count == 0 && e->depth > 1 && !count_void(e, f->domain))
		return;
	if (count == 0) {
		if (r->nskipped > 0) {
			finish(e, SPF_PERMERROR, SPF_WHY_UNREADABLE,
			       "TXT %s: a record over mailflow's limits (%d bytes) was dropped",
			       f->domain, DNS_TXT_MAX);
			return;
		}
		frame_pop(e, SPF_NONE, SPF_WHY_NO_RECORD);
		return;
	}
	n->record = xstrndup(rec->text, rec->text_len);
	if (count > 1) {
		finish(e, SPF_PERMERROR, SPF_WHY_MULTIPLE, "%s has %zu v=spf1 records", f->domain,
		       count);
		return;
	}
	if (spf_record_parse(rec->text, rec->text_len, &f->rec, &n->error_pos, n->error,
	                     sizeof n->error) < 0) {
		finish(e, SPF_PERMERROR, SPF_WHY_SYNTAX, "%s: syntax error at column %u: %s",
		       f->domain, n->error_pos, n->error);
		return;
	}
	f->term = 0;
	step(e);
}

/* A child record's result, back in the include: or redirect= that asked. */
static void frame_pop(struct spf_evaluation *e, enum spf_result res, enum spf_why why)
{
	struct frame *f = top(e), *pf;
	struct spf_node *n = node_of(e, f);
	const struct spf_term *t;

	n->result = res;
	n->why = why;
	if (e->depth == 1) {
		snprintf(e->r.matched, sizeof e->r.matched, "%s", n->matched);
		snprintf(e->r.matched_domain, sizeof e->r.matched_domain, "%s", f->domain);
		e->r.result = res;
		e->r.why = why;
		if (why == SPF_WHY_MATCH)
			snprintf(e->r.reason, sizeof e->r.reason, "%.100s matched in the record of %.180s",
			         e->r.matched, e->r.matched_domain);
		else if (why == SPF_WHY_DEFAULT)
			snprintf(e->r.reason, sizeof e->r.reason, "no mechanism matched %s", e->ip);
		if (res == SPF_FAIL && e->exp_spec[0] != '\0') {
			/* The explanation is looked up with exp='s record as
			 * <domain> (its target is expanded there). */
			snprintf(f->domain, sizeof f->domain, "%s", e->exp_domain);
			if (target_of(e, f, e->exp_spec))
				ask(e, W_EXP, f->target, DNS_TXT);
			return;
		}
		finish_top(e, res, why);
		return;
	}
	pf = &e->frames[e->depth - 2];
	t = &pf->rec.terms[pf->term];
	if (t->mech == SPF_REDIRECT) {
		/* The redirect's result is the record's (§6.1); none is an error. */
		if (res == SPF_NONE) {
			finish(e, SPF_PERMERROR, SPF_WHY_INCLUDE_NONE,
			       "redirect=%s: that domain has no SPF record", f->domain);
			return;
		}
		char via[DNS_NAME_MAX + 16];

		snprintf(via, sizeof via, "redirect=%s", f->domain);
		spf_record_free(&f->rec);
		e->depth--;
		snprintf(node_of(e, pf)->matched, sizeof node_of(e, pf)->matched, "%s", via);
		frame_pop(e, res, why);
		return;
	}
	/* include: (§5.2) */
	if (res == SPF_NONE) {
		finish(e, SPF_PERMERROR, SPF_WHY_INCLUDE_NONE,
		       "include:%s: that domain has no SPF record", f->domain);
		return;
	}
	spf_record_free(&f->rec);
	e->depth--;
	if (res == SPF_PASS)
		matched(e);
	else
		next_term(e);
}

/* Evaluates terms from the top frame's current one until one needs DNS. */
static void step(struct spf_evaluation *e)
{
	struct frame *f = top(e);
	const struct spf_term *t;

	for (; f->term < f->rec.nterms; f->term++) {
		t = &f->rec.terms[f->term];
		switch (t->mech) {
		case SPF_ALL:
			matched(e);
			return;
		case SPF_IP4:
		case SPF_IP6:
			if ((t->mech == SPF_IP6) == e->v6 &&
			    cidr_match(e->addr, t->net, t->mech == SPF_IP6
			               ? (t->cidr6 < 0 ? 128 : t->cidr6)
			               : (t->cidr4 < 0 ? 32 : t->cidr4))) {
				matched(e);
				return;
			}
			continue;
		case SPF_REDIRECT:
		case SPF_EXP:
		case SPF_UNKNOWN_MOD:
			continue;
		default:
			break;
		}
		if (!count_lookup(e) || !target_of(e, f, t->spec))
			return;
		switch (t->mech) {
		case SPF_INCLUDE: frame_push(e, f->target, SPF_INCLUDE); return;
		case SPF_A: ask(e, W_A, f->target, e->v6 ? DNS_AAAA : DNS_A); return;
		case SPF_MX: ask(e, W_MX, f->target, DNS_MX); return;
		case SPF_EXISTS: ask(e, W_EXISTS, f->target, DNS_A); return;
		case SPF_PTR: {
			char name[DNS_NAME_MAX];

			if (dns_ptr_name(e->ip, name, sizeof name) < 0) {
				finish(e, SPF_PERMERROR, SPF_WHY_BAD_DOMAIN, "no PTR name for %s",
				       e->ip);
				return;
			}
			ask(e, W_PTR, name, DNS_PTR);
			return;
		}
		default: return;
		}
	}
	/* No mechanism matched: redirect= if there is one (§6.1). */
	if (f->rec.redirect >= 0) {
		f->term = (size_t)f->rec.redirect;
		t = &f->rec.terms[f->term];
		if (!count_lookup(e) || !target_of(e, f, t->spec))
			return;
		frame_push(e, f->target, SPF_REDIRECT);
		return;
	}
	frame_pop(e, SPF_NEUTRAL, SPF_WHY_DEFAULT);
}

/* The next MX or PTR name's address lookup, or the term's end. */
static void names_next(struct spf_evaluation *e, enum wait w)
{
	struct frame *f = top(e);

	if (f->name_i >= f->nnames) {
		next_term(e);
		return;
	}
	ask(e, w, f->names[f->name_i++], e->v6 ? DNS_AAAA : DNS_A);
}

static bool any_match(const struct spf_evaluation *e, const struct dns_result *r, int c4,
                      int c6)
{
	size_t i;

	for (i = 0; i < r->nrecords; i++)
		if (addr_match(e, r->records[i].addr, c4, c6))
			return true;
	return false;
}

/* Does name equal target or end in ".target"? (§5.5) */
static bool name_under(const char *name, const char *target)
{
	size_t n = strlen(name), t = strlen(target);

	if (n == t)
		return strcasecmp(name, target) == 0;
	return n > t && name[n - t - 1] == '.' && strcasecmp(name + n - t, target) == 0;
}

static void on_exp(struct spf_evaluation *e, const struct dns_result *r)
{
	struct spf_macro_ctx c = { e->sender, e->exp_domain, e->ip, e->helo, NULL,
		                   (uint64_t)time(NULL) };
	char err[96];

	if (r->status == DNS_OK && r->nrecords == 1 && r->records[0].text_len < 512 &&
	    spf_macro_expand(r->records[0].text, &c, true, e->r.explanation,
	                     sizeof e->r.explanation, err, sizeof err) < 0)
		e->r.explanation[0] = '\0';
	finish_top(e, e->r.result, e->r.why);
}

static void on_term_answer(struct spf_evaluation *e, const struct dns_result *r)
{
	struct frame *f = top(e);
	const struct spf_term *t = &f->rec.terms[f->term];
	size_t i;

	switch (e->wait) {
	case W_A:
	case W_EXISTS:
		if (dns_failed(r->status)) {
			finish(e, SPF_TEMPERROR, SPF_WHY_DNS, "%s %s: %s", dns_type_name(r->type),
			       r->qname, dns_status_name(r->status));
			return;
		}
		if (r->nrecords == 0) {
			if (count_void(e, r->qname))
				next_term(e);
			return;
		}
		if (e->wait == W_EXISTS || any_match(e, r, t->cidr4, t->cidr6))
			matched(e);
		else
			next_term(e);
		return;
	case W_MX:
		if (dns_failed(r->status)) {
			finish(e, SPF_TEMPERROR, SPF_WHY_DNS, "MX %s: %s", r->qname,
			       dns_status_name(r->status));
			return;
		}
		if (r->nrecords > SPF_NAMES_MAX) {
			finish(e, SPF_PERMERROR, SPF_WHY_NAMES,
			       "mx:%s has %zu MX records, more than the %d allowed", r->qname,
			       r->nrecords, SPF_NAMES_MAX);
			return;
		}
		if (r->nrecords == 0 && !count_void(e, r->qname))
			return;
		f->nnames = f->name_i = 0;
		for (i = 0; i < r->nrecords; i++)
			if (r->records[i].name[0] != '\0')
				snprintf(f->names[f->nnames++], DNS_NAME_MAX, "%s",
				         r->records[i].name);
		names_next(e, W_MX_ADDR);
		return;
	case W_MX_ADDR:
		if (dns_failed(r->status)) {
			finish(e, SPF_TEMPERROR, SPF_WHY_DNS, "%s %s: %s", dns_type_name(r->type),
			       r->qname, dns_status_name(r->status));
			return;
		}
		if (any_match(e, r, t->cidr4, t->cidr6))
			matched(e);
		else
			names_next(e, W_MX_ADDR);
		return;
	case W_PTR:
		/* §5.5: a PTR failure is no match, not an error. */
		if (r->status != DNS_OK) {
			if ((r->status == DNS_NXDOMAIN || r->status == DNS_NODATA) &&
			    !count_void(e, r->qname))
				return;
			next_term(e);
			return;
		}
		f->nnames = f->name_i = 0;
		for (i = 0; i < r->nrecords && f->nnames < SPF_NAMES_MAX; i++)
			snprintf(f->names[f->nnames++], DNS_NAME_MAX, "%s", r->records[i].name);
		names_next(e, W_PTR_ADDR);
		return;
	case W_PTR_ADDR:
		if (r->status == DNS_OK && any_match(e, r, -1, -1) &&
		    name_under(r->qname, f->target)) {
			matched(e);
			return;
		}
		names_next(e, W_PTR_ADDR);
		return;
	default:
		return;
	}
}

static void on_answer(const struct dns_result *r, void *arg)
{
	struct qctx *q = arg;
	struct spf_evaluation *e = q->e;
	bool stale = q->gen != e->gen;

	free(q);
	e->inflight = false;
	if (e->freed) {
		free(e);
		return;
	}
	if (stale || e->finished)
		return;
	if (r->status == DNS_CANCELLED) {
		finish(e, SPF_TEMPERROR, SPF_WHY_DNS, "the lookups were cancelled");
		return;
	}
	switch (e->wait) {
	case W_TXT: on_txt(e, r); break;
	case W_EXP: on_exp(e, r); break;
	default: on_term_answer(e, r); break;
	}
}

struct spf_evaluation *spf_eval_start(struct loop *loop, const struct spf_params *p,
                                      spf_done_cb done, void *arg, char **cause)
{
	struct spf_evaluation *e;
	uint8_t b[16];
	bool v6;

	if (p->ip == NULL || strlen(p->ip) >= 64) {
		cause_set(cause, "no sender IP address");
		return NULL;
	}
	v6 = inet_pton(AF_INET6, p->ip, b) == 1;
	if (!v6 && inet_pton(AF_INET, p->ip, b) != 1) {
		cause_set(cause, "\"%s\" is not an IP address", p->ip);
		return NULL;
	}
	if (p->domain == NULL || p->domain[0] == '\0' || strlen(p->domain) >= DNS_NAME_MAX) {
		cause_set(cause, "no sender domain");
		return NULL;
	}
	e = xcalloc(1, sizeof *e);
	e->loop = loop;
	e->p = *p;
	if (e->p.timeout_ms <= 0)
		e->p.timeout_ms = DEFAULT_SPF_TIMEOUT_MS;
	memcpy(e->addr, b, sizeof b);
	e->v6 = v6;
	snprintf(e->ip, sizeof e->ip, "%s", p->ip);
	snprintf(e->domain, sizeof e->domain, "%s", p->domain);
	if (p->sender != NULL)
		snprintf(e->sender, sizeof e->sender, "%s", p->sender);
	else
		snprintf(e->sender, sizeof e->sender, "postmaster@%s", p->domain);
	snprintf(e->helo, sizeof e->helo, "%s", p->helo != NULL ? p->helo : p->domain);
	e->done = done;
	e->arg = arg;
	e->started = loop_clock_ms();
	e->deadline = loop_timer_add(loop, (uint64_t)e->p.timeout_ms, 0, on_deadline, e);
	frame_push(e, e->domain, SPF_ALL);
	return e;
}

void spf_eval_free(struct spf_evaluation *e)
{
	size_t i;

	if (e == NULL)
		return;
	loop_timer_remove(e->deadline);
	loop_timer_remove(e->finish);
	for (i = 0; i < e->depth; i++)
		spf_record_free(&e->frames[i].rec);
	spf_eval_clear(&e->r);
	if (e->inflight) {
		/* The answer's callback frees it (it holds e). */
		e->freed = true;
		e->done = NULL;
		return;
	}
	free(e);
}

void spf_eval_copy(struct spf_eval *dst, const struct spf_eval *src)
{
	size_t i;

	*dst = *src;
	for (i = 0; i < dst->nnodes; i++)
		if (src->nodes[i].record != NULL)
			dst->nodes[i].record = xstrdup(src->nodes[i].record);
}

void spf_eval_clear(struct spf_eval *e)
{
	size_t i;

	for (i = 0; i < e->nnodes; i++) {
		free(e->nodes[i].record);
		e->nodes[i].record = NULL;
	}
}
