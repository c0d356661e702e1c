/*
 * sts_parse.c — the pure half of sts (see include/mailflow/sts.h): the
 * _mta-sts TXT record, the policy file, the mx pattern match and the
 * TLS-RPT record. No I/O: bytes in, typed facts out.
 */
#include "mailflow/sts.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tag=value; records (the TXT records of both RFCs) --------------- */

struct tag {
	const char *name, *value;
	size_t nlen, vlen;
};

/* The next "name=value" of a ';'-separated record from *p, blanks around
 * both trimmed. 0 at the end, 1 for a field, -1 for a field without '='. */
static int tag_next(const char **p, struct tag *t)
{
	const char *s = *p, *e, *eq;

	while (*s == ';' || text_is_blank((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*p = s;
		return 0;
	}
	e = strchr(s, ';');
	if (e == NULL)
		e = s + strlen(s);
	*p = e;
	eq = memchr(s, '=', (size_t)(e - s));
	if (eq == NULL)
		return -1;
	t->name = s;
	t->nlen = (size_t)(eq - s);
	while (t->nlen > 0 && text_is_blank((unsigned char)s[t->nlen - 1]))
		t->nlen--;
	t->value = eq + 1;
	while (t->value < e && text_is_blank((unsigned char)*t->value))
		t->value++;
	t->vlen = (size_t)(e - t->value);
	while (t->vlen > 0 && text_is_blank((unsigned char)t->value[t->vlen - 1]))
		t->vlen--;
	return 1;
}

static bool tag_is(const struct tag *t, const char *name)
{
	return text_equal_ci(t->name, t->nlen, name);
}

unsigned sts_txt_parse(const char *record, char id[STS_ID_MAX + 1])
{
	const char *p = record;
	struct tag t;
	unsigned problems = 0;
	bool first = true, have_id = false;
	int rc;
	size_t i;

	id[0] = '\0';
	while ((rc = tag_next(&p, &t)) != 0) {
		if (rc < 0) {
			problems |= STS_TXT_SYNTAX;
			first = false;
			continue;
		}
		if (first && !(tag_is(&t, "v") && t.vlen == 5 && memcmp(t.value, "STSv1", 5) == 0))
			problems |= STS_TXT_BAD_VERSION;
		first = false;
		if (!tag_is(&t, "id"))
			continue;
		have_id = true;
		snprintf(id, STS_ID_MAX + 1, "%.*s", (int)(t.vlen < STS_ID_MAX ? t.vlen : STS_ID_MAX),
		         t.value);
		if (t.vlen == 0 || t.vlen > STS_ID_MAX)
			problems |= STS_TXT_BAD_ID;
		for (i = 0; i < t.vlen; i++)
			if (!text_ascii_isalnum((unsigned char)t.value[i]))
				problems |= STS_TXT_BAD_ID;
	}
	if (first)
		problems |= STS_TXT_BAD_VERSION;
	if (!have_id)
		problems |= STS_TXT_NO_ID;
	return problems;
}

/* ---- the policy file --------------------------------------------------- */

const char *sts_mode_name(enum sts_mode mode)
{
	switch (mode) {
	case STS_MODE_ENFORCE: return "enforce";
	case STS_MODE_TESTING: return "testing";
	case STS_MODE_NONE: return "none";
	default: return "unknown";
	}
}

/* A host name label run: letters, digits, '-', 1-63 each, 253 in all. */
static bool name_ok(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!text_ascii_isalnum(c) && c != '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

static bool pattern_ok(const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n > 2 && s[0] == '*' && s[1] == '.')
		return name_ok(s + 2, n - 2);
	return name_ok(s, n);
}

static void policy_problem(struct sts_policy *p, unsigned bit)
{
	p->problems |= bit;
	if (p->bad_line == 0)
		p->bad_line = p->nlines;
}

/* One "key: value" line (without its end). */
static void policy_line(struct sts_policy *p, const char *s, size_t n,
                        unsigned *seen)
{
	const char *colon = memchr(s, ':', n), *v;
	size_t klen, vlen, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			policy_problem(p, STS_P_BAD_LINE);
			return;
		}
	}
	if (colon == NULL || colon == s) {
		policy_problem(p, STS_P_BAD_LINE);
		return;
	}
	klen = (size_t)(colon - s);
	for (i = 0; i < klen; i++)
		if (!text_ascii_isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') {
			policy_problem(p, STS_P_BAD_LINE);
			return;
		}
	v = colon + 1;
	vlen = n - klen - 1;
	while (vlen > 0 && text_is_blank((unsigned char)*v)) {
		v++;
		vlen--;
	}
	while (vlen > 0 && text_is_blank((unsigned char)v[vlen - 1]))
		vlen--;
	if (text_equal_ci(s, klen, "version")) {
		if (*seen & 1u) {
			policy_problem(p, STS_P_DUPLICATE);     /* the first counts */
			return;
		}
		*seen |= 1u;
		if (!(vlen == 5 && memcmp(v, "STSv1", 5) == 0))
			policy_problem(p, STS_P_BAD_VERSION);
	} else if (text_equal_ci(s, klen, "mode")) {
		if (*seen & 2u) {
			policy_problem(p, STS_P_DUPLICATE);     /* the first counts */
			return;
		}
		*seen |= 2u;
		if (text_equal_ci(v, vlen, "enforce"))
			p->mode = STS_MODE_ENFORCE;
		else if (text_equal_ci(v, vlen, "testing"))
			p->mode = STS_MODE_TESTING;
		else if (text_equal_ci(v, vlen, "none"))
			p->mode = STS_MODE_NONE;
		else
			policy_problem(p, STS_P_BAD_MODE);
	} else if (text_equal_ci(s, klen, "max_age")) {
		long age = 0;

		if (*seen & 4u) {
			policy_problem(p, STS_P_DUPLICATE);     /* the first counts */
			return;
		}
		*seen |= 4u;
		for (i = 0; i < vlen && i < 11 && text_ascii_isdigit((unsigned char)v[i]); i++)
			age = age * 10 + (v[i] - '0');
		if (vlen == 0 || i != vlen || vlen > 10 || age > STS_MAX_AGE_MAX)
			policy_problem(p, STS_P_BAD_MAX_AGE);
		else
			p->max_age = age;
	} else if (text_equal_ci(s, klen, "mx")) {
		char *pat;

		if (!pattern_ok(v, vlen)) {
			policy_problem(p, STS_P_BAD_MX);
			return;
		}
		pat = xstrndup(v, vlen);
		for (i = 0; pat[i] != '\0'; i++)
			pat[i] = (char)text_ascii_lower((unsigned char)pat[i]);
		p->mx = xreallocarray(p->mx, p->nmx + 1, sizeof *p->mx);
		p->mx[p->nmx++] = pat;
	}
	/* Any other key: an extension, ignored (§3.2). */
}

int sts_policy_parse(const char *buf, size_t len, struct sts_policy *p)
{
	size_t off = 0;
	unsigned seen = 0;

	memset(p, 0, sizeof *p);
	p->max_age = -1;
	while (off < len) {
		const char *s = buf + off, *nl = memchr(s, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - off;

		off += n + (nl != NULL);
		p->nlines++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > STS_LINE_MAX) {
			policy_problem(p, STS_P_LONG_LINE);
			continue;
		}
		/* Blank lines (a final CRLF, an empty line between) carry nothing. */
		if (n == 0)
			continue;
		policy_line(p, s, n, &seen);
	}
	if (!(seen & 1u))
		p->problems |= STS_P_NO_VERSION;
	if (!(seen & 2u))
		p->problems |= STS_P_NO_MODE;
	if (!(seen & 4u))
		p->problems |= STS_P_NO_MAX_AGE;
	if ((p->mode == STS_MODE_ENFORCE || p->mode == STS_MODE_TESTING) && p->nmx == 0)
		p->problems |= STS_P_NO_MX;
	return (p->problems & STS_P_FATAL) ? -1 : 0;
}

void sts_policy_clear(struct sts_policy *p)
{
	size_t i;

	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	memset(p, 0, sizeof *p);
	p->max_age = -1;
}

/* The length without one final dot. */
static size_t undotted(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

bool sts_mx_match(const char *pattern, const char *host)
{
	size_t pn = undotted(pattern), hn = undotted(host);
	const char *dot;

	if (pn == 0 || hn == 0)
		return false;
	if (pn > 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* One label, then the rest exactly: "*.example.net" covers
		 * mx.example.net, not example.net nor a.b.example.net. */
		dot = memchr(host, '.', hn);
		if (dot == NULL || dot == host)
			return false;
		return (size_t)(host + hn - dot) == pn - 1 &&
		       strncasecmp(dot, pattern + 1, pn - 1) == 0;
	}
	return pn == hn && strncasecmp(pattern, host, pn) == 0;
}

long sts_policy_covers(const struct sts_policy *p, const char *host)
{
	size_t i;

	for (i = 0; i < p->nmx; i++)
		if (sts_mx_match(p->mx[i], host))
			return (long)i;
	return -1;
}

/* ---- TLS-RPT (RFC 8460 §3) -------------------------------------------- */

static bool rua_uri_ok(const char *u, size_t n)
{
	const char *at;

	if (n > 7 && strncasecmp(u, "mailto:", 7) == 0) {
		at = memchr(u + 7, '@', n - 7);
		return at != NULL && at > u + 7 && at < u + n - 1;
	}
	if (n > 8 && strncasecmp(u, "https://", 8) == 0)
		return u[8] != '/' && u[8] != '\0';
	return false;
}

static void rua_parse(struct sts_tlsrpt *r, const char *v, size_t vlen)
{
	size_t off = 0;

	while (off <= vlen) {
		const char *s = v + off, *comma = memchr(s, ',', vlen - off);
		size_t n = comma != NULL ? (size_t)(comma - s) : vlen - off;

		off += n + 1;
		while (n > 0 && text_is_blank((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n > 0 && text_is_blank((unsigned char)s[n - 1]))
			n--;
		r->nrua_all++;
		if (!rua_uri_ok(s, n) || n > RPT_URI_MAX)
			r->problems |= RPT_P_BAD_URI;
		else if (r->nrua < RPT_RUA_MAX)
			snprintf(r->rua[r->nrua++], RPT_URI_MAX + 1, "%.*s", (int)n, s);
		if (comma == NULL)
			break;
	}
}

int sts_tlsrpt_parse(const char *record, struct sts_tlsrpt *r)
{
	const char *p = record;
	struct tag t;
	bool first = true, have_rua = false;
	int rc;

	memset(r, 0, sizeof *r);
	while ((rc = tag_next(&p, &t)) != 0) {
		if (rc < 0) {
			r->problems |= RPT_P_SYNTAX;
			first = false;
			continue;
		}
		if (first && !(tag_is(&t, "v") && t.vlen == 8 && memcmp(t.value, "TLSRPTv1", 8) == 0))
			r->problems |= RPT_P_BAD_VERSION;
		first = false;
		if (!tag_is(&t, "rua"))
			continue;
		if (have_rua)
			r->problems |= RPT_P_SYNTAX;
		have_rua = true;
		rua_parse(r, t.value, t.vlen);
	}
	if (first)
		r->problems |= RPT_P_BAD_VERSION;
	if (!have_rua)
		r->problems |= RPT_P_NO_RUA;
	return r->problems ? -1 : 0;
}
