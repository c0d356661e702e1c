/*
 * report.c — text renderings of the model.
 */
#include "mailflow/report.h"
#include "mailflow/text.h"

#include <string.h>

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
