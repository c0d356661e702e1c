/*
 * report.c — text renderings of the model.
 */
#include "mailflow/report.h"
#include "mailflow/cell.h"
#include "mailflow/dnssec.h"
#include "mailflow/report_explain.h"
#include "mailflow/summary.h"
#include "mailflow/text.h"

#include <string.h>

/* A transcript line shown in full up to this (sanitized) size. */
#define REPORT_LINE_MAX 8192

static void put_safe(FILE *out, const char *s)
{
	char buf[1024];

	text_sanitize(s, strlen(s), buf, sizeof buf);
	fputs(buf, out);
}

/*
 * A lookup without its answer: "pending" while the plan runs, but
 * "not-asked" once it is complete, when every query sent has its answer:
 * the plan never sent this one (-s HOST sends no MX or policy lookup,
 * -s ADDRESS none at all).
 */
static const char *lookup_unanswered(int complete)
{
	return complete ? "not-asked" : "pending";
}

static void put_lookup(FILE *out, const struct model_lookup *l, int complete)
{
	if (!l->done)
		fputs(lookup_unanswered(complete), out);
	else
		fprintf(out, "%s, %llu ms", dns_status_name(l->status),
		        (unsigned long long)l->ms);
}

static void put_policy(FILE *out, const char *label,
                       const struct model_policy *p, int complete)
{
	size_t i;

	fprintf(out, "  %-8s ", label);
	if (p->nrecords == 0 && !p->lookup.done) {
		fprintf(out, "%s\n", lookup_unanswered(complete));
		return;
	}
	if (p->nrecords == 0) {
		fputs("none (", out);
		put_lookup(out, &p->lookup, complete);
		fputs(")\n", out);
		return;
	}
	for (i = 0; i < p->nrecords; i++) {
		if (i > 0)
			fputs("\n           ", out);
		fputc('"', out);
		put_safe(out, p->records[i]);
		fputc('"', out);
	}
	fputc('\n', out);
}

/* The MTA-STS policy as fetched (nothing when none was announced). */
static void put_sts(FILE *out, const struct model_sts *m)
{
	const struct sts_fetch_result *f = &m->fetch;
	size_t i;

	if (m->state == MODEL_STS_NOT_TRIED)
		return;
	fputs("  policy   ", out);
	if (m->state != MODEL_STS_FETCHED) {
		fprintf(out, "%s: %s\n", m->host, m->state == MODEL_STS_NO_ADDRESS ? "no address" :
		        m->state == MODEL_STS_NO_START ? "could not fetch" : "pending");
		return;
	}
	put_safe(out, f->url);
	fprintf(out, " from %s: %s, HTTP %ld ", f->addr, sts_fetch_status_name(f->status),
	        f->http_code);
	put_safe(out, f->content_type);
	fprintf(out, ", %llu ms", (unsigned long long)f->ms);
	if (m->parsed) {
		fprintf(out, "; mode %s, max_age %ld, mx:", sts_mode_name(m->policy.mode),
		        m->policy.max_age);
		for (i = 0; i < m->policy.nmx && i < 8; i++) {
			fputc(' ', out);
			put_safe(out, m->policy.mx[i]);
		}
		if (m->policy.nmx > 8)
			fprintf(out, " (and %zu more)", m->policy.nmx - 8);
	}
	fputc('\n', out);
}

void report_plan_text(FILE *out, const struct model_domain *d)
{
	size_t i, j, k;

	fputs("Domain   ", out);
	put_safe(out, d->target.domain);
	if (d->target.is_idn) {
		fputs(" (", out);
		put_safe(out, d->target.unicode);
		fputc(')', out);
	}
	fprintf(out, "\nDNS plan %s in %llu ms\n",
	        d->complete ? "complete" : "incomplete",
	        (unsigned long long)d->dns_ms);
	fputs("MX       ", out);
	put_lookup(out, &d->mx, d->complete);
	if (d->null_mx)
		fputs(" - null MX: accepts no mail", out);
	if (d->implicit_mx)
		fputs(" - implicit MX: the domain itself", out);
	fputc('\n', out);

	for (i = 0; i < d->nhosts; i++) {
		const struct model_host *h = &d->hosts[i];

		fprintf(out, "  %2zu  pref %-5u ", i + 1, h->pref);
		put_safe(out, h->name);
		if (h->pref_shared)
			fputs("  (same preference as another MX)", out);
		if (h->cname[0]) {
			fputs("  (alias of ", out);
			put_safe(out, h->cname);
			fputc(')', out);
		}
		fputs("\n      A: ", out);
		put_lookup(out, &h->a, d->complete);
		fputs("  AAAA: ", out);
		put_lookup(out, &h->aaaa, d->complete);
		fputs("  TLSA: ", out);
		put_lookup(out, &h->tlsa, d->complete);
		fputc('\n', out);
		for (k = 0; k < h->ntlsa; k++)
			fprintf(out, "      TLSA %u %u %u %s\n", h->tlsa_records[k].usage,
			        h->tlsa_records[k].selector, h->tlsa_records[k].mtype,
			        h->tlsa_records[k].data_hex);
		for (j = 0; j < h->naddrs; j++) {
			const struct model_address *a = &h->addrs[j];

			fprintf(out, "      %-39s PTR ", a->addr);
			if (a->nptr == 0)
				put_lookup(out, &a->ptr, d->complete);
			for (k = 0; k < a->nptr; k++) {
				if (k)
					fputs(", ", out);
				put_safe(out, a->ptr_names[k]);
			}
			fputs(a->fcrdns == 1 ? "  (forward-confirmed)" :
			      a->fcrdns == 0 ? "  (NOT forward-confirmed)" : "", out);
			fputc('\n', out);
		}
	}
	fputs("Policies\n", out);
	put_policy(out, "SPF", &d->spf, d->complete);
	put_policy(out, "DMARC", &d->dmarc, d->complete);
	put_policy(out, "MTA-STS", &d->mta_sts, d->complete);
	put_policy(out, "TLS-RPT", &d->tls_rpt, d->complete);
	put_sts(out, &d->sts);
	fprintf(out, "Findings (%zu)\n", d->nfindings);
	for (i = 0; i < d->nfindings; i++) {
		fprintf(out, "  %-22s ", model_finding_id(d->findings[i].kind));
		put_safe(out, d->findings[i].detail);
		fputc('\n', out);
	}
}

static const char *step_mark(enum model_step_state st)
{
	switch (st) {
	case STEP_OK: return "ok";
	case STEP_REJECTED: return "REJECTED";
	case STEP_FAILED: return "FAILED";
	case STEP_SKIPPED: return "skipped";
	case STEP_RUNNING: return "running";
	default: return "-";
	}
}

const char *report_dane_state_name(enum model_dane_state st)
{
	static const char *const names[] = {
		[DANE_STATE_NONE] = "none", [DANE_STATE_WAITING] = "waiting",
		[DANE_STATE_MATCH] = "match", [DANE_STATE_NO_MATCH] = "no-match",
		[DANE_STATE_ONLY_UNUSABLE] = "only-unusable",
		[DANE_STATE_NO_HANDSHAKE] = "no-handshake",
	};

	return (size_t)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

const char *report_dane_words(const struct model_dane *d, char *buf, size_t size)
{
	int n = 0;

	switch (d->state) {
	case DANE_STATE_NONE:
		snprintf(buf, size, "%s", d->why);
		return buf;
	case DANE_STATE_WAITING:
		snprintf(buf, size, "waiting for the DNSSEC validator");
		return buf;
	case DANE_STATE_MATCH:
		n = snprintf(buf, size, "match: TLSA %u %u %u, record %d, depth %d%s", d->usage,
		             d->selector, d->mtype, d->match_index + 1, d->match_depth,
		             d->name_checked ? ", name checked" : "");
		break;
	case DANE_STATE_NO_MATCH:
		n = snprintf(buf, size, "no match: %s", d->why);
		break;
	case DANE_STATE_ONLY_UNUSABLE:
		n = snprintf(buf, size, "only unusable records: %s", d->why);
		break;
	case DANE_STATE_NO_HANDSHAKE:
		n = snprintf(buf, size, "no TLS handshake to match");
		break;
	}
	if (n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "; %u usable, %u unusable", d->usable,
		         d->unusable);
	return buf;
}

void report_session_text(FILE *out, const struct model_session *s)
{
	char facts[512], dane[256];
	size_t i;
	int st;

	fprintf(out, "Session  ");
	put_safe(out, s->host);
	fprintf(out, " [%s]:%u", s->addr, s->port);
	if (s->local_addr[0])
		fprintf(out, " from %s", s->local_addr);
	fputc('\n', out);
	for (st = 0; st < STEP__COUNT; st++) {
		const struct model_step *p = &s->steps[st];

		if (p->state == STEP_NOT_RUN)
			continue;
		fprintf(out, "  %-9s %-9s %5llu ms", model_step_id((enum model_step_id)st),
		        step_mark(p->state), (unsigned long long)p->ms);
		if (p->code)
			fprintf(out, "  %d%s%s", p->code, p->enhanced[0] ? " " : "", p->enhanced);
		if (p->detail[0]) {
			fputs("  ", out);
			put_safe(out, p->detail);
		}
		fputc('\n', out);
	}
	if (checklist_ehlo_facts(s, true, facts, sizeof facts)[0] != '\0') {
		fputs("  EHLO     ", out);
		put_safe(out, facts);
		fputc('\n', out);
	}
	if (s->tls.handshake_done) {
		fprintf(out, "  TLS      %s %s (%d bits); chain %s; name %s; %s %s (%ld days%s)\n",
		        s->tls.version, s->tls.cipher, s->tls.cipher_bits,
		        s->tls.chain_ok ? "verified" : s->tls.verify_error,
		        s->tls.name_ok ? "matches" : "does not match",
		        s->tls.days_left < 0 ? "expired" : "expires", s->tls.not_after,
		        s->tls.days_left < 0 ? -s->tls.days_left : s->tls.days_left,
		        s->tls.days_left < 0 ? " ago" : "");
		fputs("           subject ", out);
		put_safe(out, s->tls.subject);
		fputs("; issuer ", out);
		put_safe(out, s->tls.issuer);
		fputs("\n           SANs ", out);
		put_safe(out, s->tls.sans);
		fprintf(out, "\n           sha256 %s\n           spki sha256 %s\n",
		        s->tls.sha256_cert, s->tls.sha256_spki);
	}
	if (report_dane_words(&s->dane, dane, sizeof dane)[0] != '\0') {
		fputs("  DANE     ", out);
		put_safe(out, dane);
		fputc('\n', out);
	}
	if (s->error[0]) {
		fputs("  end: ", out);
		put_safe(out, s->error);
		fputc('\n', out);
	}
	fputs("  Transcript\n", out);
	for (i = 0; i < s->nlines; i++) {
		const struct model_line *l = &s->lines[i];
		char buf[REPORT_LINE_MAX];

		text_sanitize(l->bytes, l->len, buf, sizeof buf);
		fprintf(out, "  %+8.3f %c: %s", (double)l->at_ms / 1000.0, l->dir, buf);
		if (l->note[0]) {
			fputs("  ", out);
			put_safe(out, l->note);
		}
		fputc('\n', out);
	}
	if (s->transcript_cut)
		fputs("  (transcript cut: it passed its size limit)\n", out);
}

/* ---- JSON ---------------------------------------------------------------- */

void report_json_string(FILE *out, const char *s, size_t len)
{
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t l = text_utf8_len(s + i, len - i);

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else if (l == 0) {
			fputs("\\ufffd", out);
			l = 1;
		} else if (text_invisible(s + i, l) != 0) {
			/* Bidi and zero-width characters: escaped in the
			 * document itself, so no viewer of it reorders a line. */
			fprintf(out, "\\u%04x", text_invisible(s + i, l));
		} else {
			fwrite(s + i, 1, l, out);
		}
		i += l ? l : 1;
	}
	fputc('"', out);
}

void report_json_invalid(FILE *out, const char *input, const char *where,
                         const char *error, int exit_status)
{
	fputs("{\"schema\":1,\"input\":", out);
	report_json_string(out, input, strlen(input));
	fputs(",\"where\":", out);
	report_json_string(out, where, strlen(where));
	fputs(",\"error\":", out);
	report_json_string(out, error, strlen(error));
	fprintf(out, ",\"exit\":%d}\n", exit_status);
}

void report_json_array_item(FILE *out, size_t index)
{
	fputs(index == 0 ? "[\n" : ",\n", out);
}

void report_json_array_end(FILE *out, size_t count)
{
	fputs(count > 0 ? "\n]\n" : "[]\n", out);
}

static void js(FILE *out, const char *s)
{
	report_json_string(out, s, strlen(s));
}

static void json_lookup(FILE *out, const struct model_lookup *l, int complete)
{
	fputs("{\"status\":", out);
	js(out, l->done ? dns_status_name(l->status) : lookup_unanswered(complete));
	fprintf(out, ",\"ms\":%llu", (unsigned long long)l->ms);
	if (l->detail[0]) {
		fputs(",\"detail\":", out);
		js(out, l->detail);
	}
	fputc('}', out);
}

/* What the validator said of an answer (dnssec.c). */
static void json_dnssec(FILE *out, const struct model_dnssec *v)
{
	fputs("{\"status\":", out);
	js(out, dnssec_status_name(v->status));
	fputs(",\"why\":", out);
	js(out, v->why);
	fputc('}', out);
}

static void json_tlsa_records(FILE *out, const struct model_tlsa *t, size_t n)
{
	size_t j;

	fputc('[', out);
	for (j = 0; j < n; j++)
		fprintf(out, "%s{\"usage\":%u,\"selector\":%u,\"mtype\":%u,\"data\":\"%s\"}",
		        j ? "," : "", t[j].usage, t[j].selector, t[j].mtype, t[j].data_hex);
	fputc(']', out);
}

static void json_policy(FILE *out, const char *name, const struct model_policy *p,
                        int complete)
{
	size_t i;

	fprintf(out, "\"%s\":{\"lookup\":", name);
	json_lookup(out, &p->lookup, complete);
	fputs(",\"records\":[", out);
	for (i = 0; i < p->nrecords; i++) {
		if (i)
			fputc(',', out);
		js(out, p->records[i]);
	}
	fputs("]}", out);
}

static void json_item(FILE *out, const struct check_item *it,
                      const struct model_session *s)
{
	size_t k;

	fputs("{\"id\":", out);
	js(out, it->id);
	fputs(",\"verdict\":", out);
	js(out, verdict_name(it->verdict));
	fputs(",\"title\":", out);
	js(out, it->title);
	fputs(",\"explanation\":", out);
	js(out, it->explanation);
	fputs(",\"next\":", out);
	js(out, it->next);
	if (it->code) {
		fprintf(out, ",\"code\":%d,\"enhanced\":", it->code);
		js(out, it->enhanced);
	}
	fputs(",\"evidence\":{\"facts\":[", out);
	for (k = 0; k < it->nfacts; k++) {
		if (k)
			fputc(',', out);
		js(out, it->facts[k]);
	}
	fputs("],\"transcript\":[", out);
	if (s != NULL)
		for (k = it->line_from; k < it->line_to && k < s->nlines; k++) {
			if (k > it->line_from)
				fputc(',', out);
			fprintf(out, "{\"line\":%zu,\"dir\":\"%c\",\"text\":", k, s->lines[k].dir);
			report_json_string(out, s->lines[k].bytes, s->lines[k].len);
			fputc('}', out);
		}
	fputs("]}}", out);
}

static void json_items(FILE *out, const struct checklist *c, long host, long addr,
                       const struct model_session *s)
{
	size_t i;
	int first = 1;

	fputc('[', out);
	for (i = 0; i < c->n; i++) {
		if (c->items[i].host != host || c->items[i].addr != addr)
			continue;
		if (!first)
			fputc(',', out);
		first = 0;
		json_item(out, &c->items[i], s);
	}
	fputc(']', out);
}

static void json_steps(FILE *out, const struct model_step *steps)
{
	int st;

	fputc('[', out);
	for (st = 0; st < STEP__COUNT; st++) {
		const struct model_step *p = &steps[st];

		if (st)
			fputc(',', out);
		fputs("{\"step\":", out);
		js(out, model_step_id((enum model_step_id)st));
		fputs(",\"state\":", out);
		js(out, model_step_state_name(p->state));
		fprintf(out, ",\"code\":%d,\"enhanced\":", p->code);
		js(out, p->enhanced);
		fputs(",\"text\":", out);
		js(out, p->text);
		fprintf(out, ",\"ms\":%llu,\"at_ms\":%llu,\"fail\":", (unsigned long long)p->ms,
		        (unsigned long long)p->at_ms);
		js(out, model_fail_name(p->fail));
		fputs(",\"reason\":", out);
		js(out, model_reason_name(p->reason));
		fputs(",\"detail\":", out);
		js(out, p->detail);
		fputc('}', out);
	}
	fputc(']', out);
}

static void json_tls(FILE *out, const struct tls_facts *f)
{
	if (!f->handshake_done && !f->failure[0]) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"handshake\":%s,\"version\":", f->handshake_done ? "true" : "false");
	js(out, f->version);
	fputs(",\"cipher\":", out);
	js(out, f->cipher);
	fprintf(out, ",\"bits\":%d,\"subject\":", f->cipher_bits);
	js(out, f->subject);
	fputs(",\"issuer\":", out);
	js(out, f->issuer);
	fputs(",\"sans\":", out);
	js(out, f->sans);
	fputs(",\"not_before\":", out);
	js(out, f->not_before);
	fputs(",\"not_after\":", out);
	js(out, f->not_after);
	fprintf(out, ",\"days_left\":%ld,\"sha256\":", f->days_left);
	js(out, f->sha256_cert);
	fputs(",\"spki_sha256\":", out);
	js(out, f->sha256_spki);
	fprintf(out, ",\"chain_ok\":%s,\"name_ok\":%s,\"verify_error\":",
	        f->chain_ok ? "true" : "false", f->name_ok ? "true" : "false");
	js(out, f->verify_error);
	fputs(",\"failure\":", out);
	js(out, f->failure);
	fputc('}', out);
}

static void json_transcript(FILE *out, const struct model_session *s)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < s->nlines; i++) {
		const struct model_line *l = &s->lines[i];

		if (i)
			fputc(',', out);
		fprintf(out, "{\"dir\":\"%c\",\"ms\":%llu,\"text\":", l->dir,
		        (unsigned long long)l->at_ms);
		report_json_string(out, l->bytes, l->len);
		if (l->note[0]) {
			fputs(",\"note\":", out);
			js(out, l->note);
		}
		if (l->masked)
			fputs(",\"masked\":true", out);
		fputc('}', out);
	}
	fputc(']', out);
}

/* The plaintext retry after a failed TLS handshake; null when there was
 * no such failure (model.h, struct model_fallback). */
static void json_fallback(FILE *out, const struct model_fallback *f)
{
	if (!f->tried && f->why_not == REASON_NONE) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"tried\":%s,\"done\":%s,\"why_not\":", f->tried ? "true" : "false",
	        f->done ? "true" : "false");
	js(out, model_reason_name(f->why_not));
	fprintf(out, ",\"at_ms\":%llu,\"line_from\":%zu,\"error\":",
	        (unsigned long long)f->at_ms, f->line_from);
	js(out, f->error);
	fputs(",\"steps\":", out);
	if (f->tried && f->steps != NULL)
		json_steps(out, f->steps);
	else
		fputs("[]", out);
	fputc('}', out);
}

/* DANE's evidence (model_dane); match fields null without a match. */
static void json_dane(FILE *out, const struct model_dane *d)
{
	fputs("{\"state\":", out);
	js(out, report_dane_state_name(d->state));
	fprintf(out, ",\"usable\":%u,\"unusable\":%u", d->usable, d->unusable);
	if (d->state == DANE_STATE_MATCH)
		fprintf(out, ",\"match_index\":%d,\"match_depth\":%d,\"usage\":%u,"
		        "\"selector\":%u,\"mtype\":%u", d->match_index, d->match_depth,
		        d->usage, d->selector, d->mtype);
	else
		fputs(",\"match_index\":null,\"match_depth\":null,\"usage\":null,"
		      "\"selector\":null,\"mtype\":null", out);
	fprintf(out, ",\"name_checked\":%s,\"why\":", d->name_checked ? "true" : "false");
	js(out, d->why);
	fputc('}', out);
}

static void json_session(FILE *out, const struct model_session *s)
{
	size_t i;

	fprintf(out, "{\"port\":%u,\"local\":", s->port);
	js(out, s->local_addr);
	fprintf(out, ",\"done\":%s,\"banner_ms\":%llu,\"error\":", s->done ? "true" : "false",
	        (unsigned long long)s->banner_ms);
	js(out, s->error);
	fputs(",\"steps\":", out);
	json_steps(out, s->steps);
	fputs(",\"ehlo\":[", out);
	for (i = 0; i < s->ehlo.nitems; i++) {
		if (i)
			fputc(',', out);
		fputs("{\"keyword\":", out);
		js(out, s->ehlo.items[i].keyword);
		fputs(",\"params\":", out);
		js(out, s->ehlo.items[i].params);
		fputc('}', out);
	}
	fputs("],\"tls\":", out);
	json_tls(out, &s->tls);
	fputs(",\"dane\":", out);
	json_dane(out, &s->dane);
	fputs(",\"tls_fallback\":", out);
	json_fallback(out, &s->fallback);
	fputs(",\"transcript\":", out);
	json_transcript(out, s);
	fprintf(out, ",\"transcript_cut\":%s}", s->transcript_cut ? "true" : "false");
}

static const char *const sts_state_names[] = {
	[MODEL_STS_NOT_TRIED] = "not-tried", [MODEL_STS_RESOLVING] = "resolving",
	[MODEL_STS_FETCHING] = "fetching", [MODEL_STS_NO_ADDRESS] = "no-address",
	[MODEL_STS_NO_START] = "no-start", [MODEL_STS_FETCHED] = "fetched",
};

static void json_sts_policy(FILE *out, const struct sts_policy *p)
{
	static const struct { unsigned bit; const char *name; } pr[] = {
		{ STS_P_NO_VERSION, "no-version" }, { STS_P_BAD_VERSION, "bad-version" },
		{ STS_P_NO_MODE, "no-mode" }, { STS_P_BAD_MODE, "bad-mode" },
		{ STS_P_NO_MX, "no-mx" }, { STS_P_BAD_MX, "bad-mx" },
		{ STS_P_NO_MAX_AGE, "no-max-age" }, { STS_P_BAD_MAX_AGE, "bad-max-age" },
		{ STS_P_DUPLICATE, "duplicate" }, { STS_P_BAD_LINE, "bad-line" },
		{ STS_P_LONG_LINE, "long-line" },
	};
	size_t i, n = 0;

	fprintf(out, "{\"valid\":%s,\"mode\":\"%s\",\"max_age\":%ld,\"mx\":[",
	        (p->problems & STS_P_FATAL) ? "false" : "true", sts_mode_name(p->mode),
	        p->max_age);
	for (i = 0; i < p->nmx; i++) {
		if (i)
			fputc(',', out);
		js(out, p->mx[i]);
	}
	fputs("],\"problems\":[", out);
	for (i = 0; i < sizeof pr / sizeof pr[0]; i++)
		if (p->problems & pr[i].bit)
			fprintf(out, "%s\"%s\"", n++ ? "," : "", pr[i].name);
	fprintf(out, "],\"bad_line\":%zu,\"lines\":%zu}", p->bad_line, p->nlines);
}

/* The policy fetch, as RFC 8461 section 3.3 has a sender do it. */
static void json_sts(FILE *out, const struct model_sts *m)
{
	const struct sts_fetch_result *f = &m->fetch;

	fprintf(out, "\"sts\":{\"state\":\"%s\",\"host\":", sts_state_names[m->state]);
	js(out, m->host);
	if (m->state == MODEL_STS_FETCHED) {
		fputs(",\"url\":", out);
		js(out, f->url);
		fputs(",\"address\":", out);
		js(out, f->addr);
		fprintf(out, ",\"status\":\"%s\",\"http_code\":%ld,\"content_type\":",
		        sts_fetch_status_name(f->status), f->http_code);
		js(out, f->content_type);
		fputs(",\"location\":", out);
		js(out, f->location);
		fprintf(out, ",\"ms\":%llu,\"error\":", (unsigned long long)f->ms);
		js(out, f->error);
		fputs(",\"certificate\":{\"subject\":", out);
		js(out, f->cert_subject);
		fputs(",\"issuer\":", out);
		js(out, f->cert_issuer);
		fputs(",\"expires\":", out);
		js(out, f->cert_expire);
		fputs(",\"names\":", out);
		js(out, f->cert_names);
		fputs("},\"policy\":", out);
		if (m->parsed)
			json_sts_policy(out, &m->policy);
		else
			fputs("null", out);
	} else if (m->error[0]) {
		fputs(",\"error\":", out);
		js(out, m->error);
	}
	fputc('}', out);
}

static void json_options(FILE *out, const struct probe_options *po)
{
	const struct smtp_options *so = &po->session;
	static const char *const tls_modes[] = { "auto", "require", "off" };

	fputs("\"options\":{\"dns\":", out);
	js(out, po->dns.servers ? po->dns.servers : "system");
	fprintf(out, ",\"dns_timeout_ms\":%d,\"dns_tries\":%d,\"smtp\":%s,\"server\":",
	        po->dns.timeout_ms, po->dns.tries, po->smtp ? "true" : "false");
	js(out, po->server ? po->server : "");
	fprintf(out, ",\"port\":%u,\"family\":%d,\"helo\":", po->port, po->family);
	js(out, so->helo ? so->helo : "");
	fputs(",\"from\":", out);
	js(out, so->mail_from ? so->mail_from : "");
	fputs(",\"to\":", out);
	js(out, so->rcpt_to ? so->rcpt_to : "");
	fputs(",\"relay_to\":", out);
	js(out, so->relay_to ? so->relay_to : "");
	fprintf(out, ",\"tls\":\"%s\",\"tls_on_connect\":%s,\"auth_user\":",
	        tls_modes[so->tls], so->tls_on_connect ? "true" : "false");
	js(out, so->auth_user ? so->auth_user : "");
	fprintf(out, ",\"send\":%s,\"dsn\":%s,\"quit_after\":\"%s\",\"timeout_ms\":%d,"
	        "\"banner_timeout_ms\":%d,\"session_timeout_ms\":%d},",
	        so->send ? "true" : "false", so->dsn ? "true" : "false",
	        smtp_quit_after_name(so->quit_after), so->timeout_ms,
	        so->banner_timeout_ms ? so->banner_timeout_ms : so->timeout_ms,
	        so->session_timeout_ms);
}

static void json_domain(FILE *out, const struct model_domain *d, const struct checklist *c)
{
	size_t i;

	fputs("\"domain\":{\"name\":", out);
	js(out, d->target.domain);
	fputs(",\"unicode\":", out);
	js(out, d->target.unicode);
	fputs(",\"local\":", out);
	js(out, d->target.local);
	fprintf(out, ",\"dns_ms\":%llu,\"null_mx\":%s,\"implicit_mx\":%s,\"mx\":",
	        (unsigned long long)d->dns_ms, d->null_mx ? "true" : "false",
	        d->implicit_mx ? "true" : "false");
	json_lookup(out, &d->mx, d->complete);
	fputs(",\"mx_dnssec\":", out);
	json_dnssec(out, &d->mx_dnssec);
	fputs(",\"dnssec\":{\"resolver\":", out);
	js(out, dnssec_mode_name(d->dnssec_mode));
	fputs(",\"why\":", out);
	js(out, d->dnssec_mode_why != NULL ? d->dnssec_mode_why : "");
	fputs(",\"anchor\":", out);
	js(out, d->dnssec_anchor != NULL ? d->dnssec_anchor : "");
	fputs("},", out);
	json_policy(out, "spf", &d->spf, d->complete);
	fputc(',', out);
	json_policy(out, "dmarc", &d->dmarc, d->complete);
	fputc(',', out);
	json_policy(out, "mta_sts", &d->mta_sts, d->complete);
	fputc(',', out);
	json_policy(out, "tls_rpt", &d->tls_rpt, d->complete);
	fputc(',', out);
	json_sts(out, &d->sts);
	fputs(",\"findings\":[", out);
	for (i = 0; i < d->nfindings; i++) {
		if (i)
			fputc(',', out);
		fputs("{\"id\":", out);
		js(out, model_finding_id(d->findings[i].kind));
		fputs(",\"subject\":", out);
		js(out, d->findings[i].subject);
		fputs(",\"detail\":", out);
		js(out, d->findings[i].detail);
		fputc('}', out);
	}
	fputs("],\"checklist\":", out);
	json_items(out, c, -1, -1, NULL);
	fputc('}', out);
}

/* The hosts-table cells of an address, as every view writes them. */
static void json_cells(FILE *out, const struct model_domain *d, const struct checklist *c,
                       long hi, long ai)
{
	int col;

	fputc('{', out);
	for (col = 0; col < CELL_COL__COUNT; col++) {
		struct cell cl;
		char buf[80];

		cell_of(d, c, hi, ai, (enum cell_col)col, CELL_UTF8, &cl);
		cell_format(&cl, CELL_UTF8, buf, sizeof buf);
		fprintf(out, "%s\"%s\":{\"words\":", col ? "," : "",
		        cell_col_name((enum cell_col)col));
		js(out, buf);
		fprintf(out, ",\"verdict\":\"%s\"}", cl.mark ? verdict_name(cl.verdict) : "none");
	}
	fputc('}', out);
}

static void json_address(FILE *out, const struct model_domain *d, const struct model_address *a,
                         const struct checklist *c, long hi, long ai)
{
	size_t k;

	fputs("{\"address\":", out);
	js(out, a->addr);
	fprintf(out, ",\"family\":%d,\"ptr\":[", a->family);
	for (k = 0; k < a->nptr; k++) {
		if (k)
			fputc(',', out);
		js(out, a->ptr_names[k]);
	}
	fprintf(out, "],\"fcrdns\":%s,\"session\":",
	        a->fcrdns == 1 ? "true" : a->fcrdns == 0 ? "false" : "null");
	if (a->session != NULL)
		json_session(out, a->session);
	else
		fputs("null", out);
	fputs(",\"checklist\":", out);
	json_items(out, c, hi, ai, a->session);
	if (a->session != NULL) {
		fputs(",\"cells\":", out);
		json_cells(out, d, c, hi, ai);
	}
	fputc('}', out);
}

static void json_host(FILE *out, const struct model_domain *d, const struct model_host *h,
                      const struct checklist *c,
                      long hi, int complete)
{
	size_t j;

	fputs("{\"name\":", out);
	js(out, h->name);
	fprintf(out, ",\"pref\":%u,\"pref_shared\":%s,\"implicit\":%s,\"ip_literal\":%s,"
	        "\"cname\":", h->pref, h->pref_shared ? "true" : "false",
	        h->implicit ? "true" : "false", h->ip_literal ? "true" : "false");
	js(out, h->cname);
	fputs(",\"a\":", out);
	json_lookup(out, &h->a, complete);
	fputs(",\"aaaa\":", out);
	json_lookup(out, &h->aaaa, complete);
	fputs(",\"a_dnssec\":", out);
	json_dnssec(out, &h->a_dnssec);
	fputs(",\"aaaa_dnssec\":", out);
	json_dnssec(out, &h->aaaa_dnssec);
	fputs(",\"tlsa\":", out);
	json_tlsa_records(out, h->tlsa_records, h->ntlsa);
	/* The validator's TLSA RRset: what DANE used (RFC 7672 section 2.2). */
	fputs(",\"tlsa_dnssec\":", out);
	json_dnssec(out, &h->tlsa_dnssec);
	fputs(",\"dane_tlsa\":{\"base\":", out);
	js(out, h->dane_base[0] != '\0' ? h->dane_base : h->name);
	fputs(",\"records\":", out);
	json_tlsa_records(out, h->dane_tlsa, h->ndane_tlsa);
	fprintf(out, ",\"dropped\":%zu,\"problem\":", h->dane_tlsa_dropped);
	js(out, h->dane_tlsa_problem);
	fputs("},\"addresses\":[", out);
	for (j = 0; j < h->naddrs; j++) {
		if (j)
			fputc(',', out);
		json_address(out, d, &h->addrs[j], c, hi, (long)j);
	}
	fputs("]}", out);
}

void report_json(FILE *out, const struct model_domain *d, const struct checklist *c,
                 const struct report_options *o)
{
	size_t counts[VERDICT__COUNT], i;
	char sentence[1024];
	int v;

	checklist_count(c, counts);
	fprintf(out, "{\"schema\":1,\"tool\":\"mailflow\",\"version\":\"%s\",\"input\":",
	        MAILFLOW_VERSION);
	js(out, o->input ? o->input : "");
	fputs(",\"summary\":{", out);
	for (v = 0; v < VERDICT__COUNT; v++)
		fprintf(out, "%s\"%s\":%zu", v ? "," : "", verdict_name((enum verdict)v), counts[v]);
	fputs(",\"text\":", out);
	js(out, summary_domain_text(d, c, sentence, sizeof sentence));
	fprintf(out, "},\"exit\":%d,", o->exit_status);
	if (o->options != NULL)
		json_options(out, o->options);
	json_domain(out, d, c);
	report_sender_json(out, d, c);
	fputs(",\"hosts\":[", out);
	for (i = 0; i < d->nhosts; i++) {
		if (i)
			fputc(',', out);
		json_host(out, d, &d->hosts[i], c, (long)i, d->complete);
	}
	fputc(']', out);
	if (o->explain != NULL) {
		fputs(",\"explain\":", out);
		report_explain_json(out, o->explain, d, c);
	}
	fputs("}\n", out);
}

/* ---- batch text ---------------------------------------------------------- */

static const char *verdict_word(enum verdict v, int colour)
{
	static const char *const plain[] = { "pass", "WARN", "FAIL", "info", "skip", "...." };
	static const char *const ansi[] = {
		"\x1b[32mpass\x1b[0m", "\x1b[33mWARN\x1b[0m", "\x1b[1;31mFAIL\x1b[0m",
		"\x1b[34minfo\x1b[0m", "\x1b[2mskip\x1b[0m", "\x1b[35m....\x1b[0m",
	};

	return colour ? ansi[v] : plain[v];
}

static void text_line(FILE *out, const struct model_line *l)
{
	char buf[512];

	text_sanitize(l->bytes, l->len, buf, sizeof buf);
	fprintf(out, "        %c: %s\n", l->dir, buf);
}

/* An item's transcript lines, at most TEXT_EVIDENCE_LINES of them: the
 * first ones, and always the last, the reply the verdict rests on (after
 * a message, the end-of-data reply would be cut off otherwise). */
#define TEXT_EVIDENCE_LINES 12

static void text_evidence(FILE *out, const struct check_item *it,
                          const struct model_session *s)
{
	size_t end = it->line_to < s->nlines ? it->line_to : s->nlines, n, head, k;

	if (end <= it->line_from)
		return;
	n = end - it->line_from;
	head = n > TEXT_EVIDENCE_LINES ? TEXT_EVIDENCE_LINES - 1 : n;
	for (k = it->line_from; k < it->line_from + head; k++)
		text_line(out, &s->lines[k]);
	if (n > head) {
		fprintf(out, "        (%zu more lines in the transcript)\n", n - head - 1);
		text_line(out, &s->lines[end - 1]);
	}
}

static void text_item(FILE *out, const struct check_item *it,
                      const struct model_session *s, const struct report_options *o)
{
	size_t k;

	fprintf(out, "  %s  %-15s ", verdict_word(it->verdict, o->colour), it->id);
	put_safe(out, it->title);
	fputc('\n', out);
	if (it->verdict != V_WARN && it->verdict != V_FAIL) {
		for (k = 0; it->facts_always && k < it->nfacts; k++) {
			fputs("        seen: ", out);
			put_safe(out, it->facts[k]);
			fputc('\n', out);
		}
		return;
	}
	if (it->explanation[0]) {
		fputs("        why:  ", out);
		put_safe(out, it->explanation);
		fputc('\n', out);
	}
	if (it->next[0]) {
		fputs("        next: ", out);
		put_safe(out, it->next);
		fputc('\n', out);
	}
	for (k = 0; k < it->nfacts; k++) {
		fputs("        seen: ", out);
		put_safe(out, it->facts[k]);
		fputc('\n', out);
	}
	if (s != NULL)
		text_evidence(out, it, s);
}

/* The hosts table as the TUI shows it: each cell is the core's (cell.c),
 * the checklist item's verdict and words, with ASCII marks. */
static void text_hosts_table(FILE *out, const struct model_domain *d,
                             const struct checklist *c)
{
	static const int width[CELL_COL__COUNT] = { 11, 10, 22, 10, 0 };
	size_t i, j;
	int col;

	fputs("\nHosts (marks: + pass  ! warn  x fail  i info  - skip)\n"
	      "   #  pref  host                           address          ", out);
	for (col = 0; col < CELL_COL__COUNT; col++)
		if (width[col] == 0)
			fprintf(out, "%s\n", cell_col_name((enum cell_col)col));
		else
			fprintf(out, "%-*s", width[col], cell_col_name((enum cell_col)col));
	for (i = 0; i < d->nhosts; i++) {
		char name[64];

		text_sanitize(d->hosts[i].name, strlen(d->hosts[i].name), name, sizeof name);
		if (d->hosts[i].naddrs == 0) {
			fprintf(out, "  %2zu  %-4u  %-30.30s %-16s no address %s\n", i + 1,
			        d->hosts[i].pref, name, "", cell_mark(V_FAIL, 0));
			continue;
		}
		for (j = 0; j < d->hosts[i].naddrs; j++) {
			const struct model_address *a = &d->hosts[i].addrs[j];

			fprintf(out, "  %2zu  %-4u  %-30.30s %-16s ", i + 1, d->hosts[i].pref, name,
			        a->addr);
			if (a->session == NULL) {
				fputs("(not probed)\n", out);
				continue;
			}
			for (col = 0; col < CELL_COL__COUNT; col++) {
				struct cell cl;
				char buf[80];

				cell_of(d, c, (long)i, (long)j, (enum cell_col)col, 0, &cl);
				cell_format(&cl, 0, buf, sizeof buf);
				if (width[col] == 0)
					fprintf(out, "%s\n", buf);
				else
					fprintf(out, "%-*s ", width[col] - 1, buf);
			}
		}
	}
}

void report_batch_text(FILE *out, const struct model_domain *d, const struct checklist *c,
                       const struct report_options *o)
{
	char verdicts[128], sentence[1024];
	size_t i, j, k;

	if (o->explain != NULL)
		report_explain_now_text(out, o->explain, d, c);
	fputs("mailflow ", out);
	put_safe(out, d->target.domain);
	fprintf(out, "  %zu MX  DNS %llu ms\n", d->nhosts, (unsigned long long)d->dns_ms);
	put_safe(out, summary_domain_text(d, c, sentence, sizeof sentence));
	fputc('\n', out);
	fprintf(out, "Verdict: %s\n\n", checklist_verdict_line(c, verdicts, sizeof verdicts));
	fputs("Domain\n", out);
	for (k = 0; k < c->n; k++)
		if (c->items[k].host == -1)
			text_item(out, &c->items[k], NULL, o);
	report_sender_text(out, d, c);

	text_hosts_table(out, d, c);

	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++) {
			const struct model_session *s = d->hosts[i].addrs[j].session;

			fputc('\n', out);
			put_safe(out, d->hosts[i].name);
			fprintf(out, " [%s]\n", d->hosts[i].addrs[j].addr);
			for (k = 0; k < c->n; k++)
				if (c->items[k].host == (long)i && c->items[k].addr == (long)j)
					text_item(out, &c->items[k], s, o);
		}
	if (!o->transcripts)
		return;
	fputs("\nTranscripts\n", out);
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++)
			if (d->hosts[i].addrs[j].session != NULL) {
				fputc('\n', out);
				report_session_text(out, d->hosts[i].addrs[j].session);
			}
}
