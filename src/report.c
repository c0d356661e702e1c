/*
 * report.c — text renderings of the model.
 */
#include "mailflow/report.h"
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

static void put_lookup(FILE *out, const struct model_lookup *l)
{
	if (!l->done)
		fputs("pending", out);
	else
		fprintf(out, "%s, %llu ms", dns_status_name(l->status),
		        (unsigned long long)l->ms);
}

static void put_policy(FILE *out, const char *label,
                       const struct model_policy *p)
{
	size_t i;

	fprintf(out, "  %-8s ", label);
	if (p->nrecords == 0) {
		fputs("none (", out);
		put_lookup(out, &p->lookup);
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
	put_lookup(out, &d->mx);
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
		put_lookup(out, &h->a);
		fputs("  AAAA: ", out);
		put_lookup(out, &h->aaaa);
		fputs("  TLSA: ", out);
		put_lookup(out, &h->tlsa);
		fputc('\n', out);
		for (k = 0; k < h->ntlsa; k++)
			fprintf(out, "      TLSA %u %u %u %s\n", h->tlsa_records[k].usage,
			        h->tlsa_records[k].selector, h->tlsa_records[k].mtype,
			        h->tlsa_records[k].data_hex);
		for (j = 0; j < h->naddrs; j++) {
			const struct model_address *a = &h->addrs[j];

			fprintf(out, "      %-39s PTR ", a->addr);
			if (a->nptr == 0)
				put_lookup(out, &a->ptr);
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
	put_policy(out, "SPF", &d->spf);
	put_policy(out, "DMARC", &d->dmarc);
	put_policy(out, "MTA-STS", &d->mta_sts);
	put_policy(out, "TLS-RPT", &d->tls_rpt);
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

void report_session_text(FILE *out, const struct model_session *s)
{
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
	if (s->tls.handshake_done) {
		fprintf(out, "  TLS      %s %s (%d bits); chain %s; name %s; expires %s (%ld days)\n",
		        s->tls.version, s->tls.cipher, s->tls.cipher_bits,
		        s->tls.chain_ok ? "verified" : s->tls.verify_error,
		        s->tls.name_ok ? "matches" : "does not match",
		        s->tls.not_after, s->tls.days_left);
		fputs("           subject ", out);
		put_safe(out, s->tls.subject);
		fputs("; issuer ", out);
		put_safe(out, s->tls.issuer);
		fputs("\n           SANs ", out);
		put_safe(out, s->tls.sans);
		fprintf(out, "\n           sha256 %s\n           spki sha256 %s\n",
		        s->tls.sha256_cert, s->tls.sha256_spki);
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
