/*
 * report_sender.c — the --sender facts in the text, JSON and Markdown
 * reports: the sentence (summary.c), the SPF tree with each record's
 * lookups, the DMARC record and its report destinations, the DKIM keys.
 * Verdicts are the checklist's (sender.*), shown with the other items;
 * this only renders the facts behind them.
 */
#include "mailflow/report.h"
#include "mailflow/sender.h"
#include "mailflow/summary.h"
#include "mailflow/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_safe(FILE *out, const char *s)
{
	char buf[1200];

	text_sanitize(s, strlen(s), buf, sizeof buf);
	fputs(buf, out);
}

static const char *via_word(enum spf_mech via)
{
	return via == SPF_INCLUDE ? "include:" : via == SPF_REDIRECT ? "redirect=" : "";
}

static const char *dkim_state_name(enum dkim_state s)
{
	static const char *const names[] = {
		"pending", "no-key", "dns-failed", "key", "revoked", "invalid",
	};

	return (size_t)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static const char *dest_name(enum dmarc_dest d)
{
	static const char *const names[] = {
		"same-organisation", "verified", "unverified", "dns-failed", "pending",
		"not-mailto",
	};

	return (size_t)d < sizeof names / sizeof names[0] ? names[d] : "?";
}

static const char *source_name(enum sender_ip_source s)
{
	return s == SENDER_IP_GIVEN ? "given" : s == SENDER_IP_SESSION ? "session" : "route";
}

static void text_spf(FILE *out, const struct sender_facts *s)
{
	const struct spf_eval *e = &s->spf;
	size_t i;

	fprintf(out, "  SPF %s for %s (%s): %u of %d lookups, %u of %d void\n",
	        spf_result_name(e->result), s->ip,
	        s->ip_source == SENDER_IP_GIVEN ? "--sender-ip"
	        : "not given: may not be your outbound server's address",
	        e->lookups, SPF_LOOKUPS_MAX, e->voids, SPF_VOIDS_MAX);
	if (e->reason[0] != '\0') {
		fputs("    ", out);
		put_safe(out, e->reason);
		fputc('\n', out);
	}
	for (i = 0; i < e->nnodes; i++) {
		const struct spf_node *n = &e->nodes[i];

		fprintf(out, "    %*s%s", (int)n->depth * 2, "", via_word(n->via));
		put_safe(out, n->domain);
		fprintf(out, "  %s, %u lookups (%u here)", spf_result_name(n->result),
		        n->lookups_tree, n->lookups);
		if (n->matched[0] != '\0') {
			fputs(", matched ", out);
			put_safe(out, n->matched);
		}
		fputc('\n', out);
		fprintf(out, "    %*s  ", (int)n->depth * 2, "");
		if (n->record != NULL) {
			fputc('"', out);
			put_safe(out, n->record);
			fputc('"', out);
		} else {
			fputs("(no SPF record)", out);
		}
		fputc('\n', out);
		if (n->error[0] != '\0') {
			fprintf(out, "    %*s  error at column %u: ", (int)n->depth * 2, "",
			        n->error_pos);
			put_safe(out, n->error);
			fputc('\n', out);
		}
	}
	if (e->explanation[0] != '\0') {
		fputs("    explanation: ", out);
		put_safe(out, e->explanation);
		fputc('\n', out);
	}
}

static void text_dmarc_dkim(FILE *out, const struct sender_facts *s)
{
	const struct sender_dmarc *d = &s->dmarc;
	size_t i;

	fputs("  DMARC at ", out);
	put_safe(out, d->name);
	fprintf(out, ": %s%s (organisational domain ", d->found ? "found" : "none",
	        d->at_org ? " at the organisational domain" : "");
	put_safe(out, s->org_domain);
	fputs(")\n", out);
	if (d->found) {
		fputs("    \"", out);
		put_safe(out, d->record);
		fputs("\"\n", out);
	}
	for (i = 0; i < d->nuris; i++) {
		fprintf(out, "    %s ", d->uris[i].ruf ? "ruf" : "rua");
		put_safe(out, d->uris[i].uri);
		fprintf(out, ": %s", dest_name(d->uris[i].dest));
		if (d->uris[i].check_name[0] != '\0') {
			fputs(" (", out);
			put_safe(out, d->uris[i].check_name);
			fputc(')', out);
		}
		fputc('\n', out);
	}
	fprintf(out, "  DKIM%s:\n", s->selectors_guessed ? " (common selectors tried)" : "");
	for (i = 0; i < s->ndkim; i++) {
		const struct sender_dkim *k = &s->dkim[i];

		fputs("    ", out);
		put_safe(out, k->name);
		fprintf(out, ": %s", dkim_state_name(k->state));
		if (k->state == DKIM_KEY)
			fprintf(out, ", k=%s, %d bits%s", k->k, k->bits, k->testing ? ", t=y" : "");
		if (k->error[0] != '\0') {
			fputs(", ", out);
			put_safe(out, k->error);
		}
		fputc('\n', out);
	}
}

void report_sender_text(FILE *out, const struct model_domain *d, const struct checklist *c)
{
	char sentence[1024];

	if (d->sender == NULL)
		return;
	fputs("\nSender\n  ", out);
	put_safe(out, summary_sender_text(d, c, sentence, sizeof sentence));
	fputc('\n', out);
	if (!d->sender->done)
		return;
	text_spf(out, d->sender);
	text_dmarc_dkim(out, d->sender);
}

static void js(FILE *out, const char *s)
{
	report_json_string(out, s, strlen(s));
}

static void json_spf(FILE *out, const struct spf_eval *e)
{
	size_t i;

	fputs("\"spf\":{\"result\":", out);
	js(out, spf_result_name(e->result));
	fputs(",\"why\":", out);
	js(out, spf_why_name(e->why));
	fputs(",\"reason\":", out);
	js(out, e->reason);
	fputs(",\"matched\":", out);
	js(out, e->matched);
	fprintf(out, ",\"lookups\":%u,\"voids\":%u,\"ms\":%llu,\"explanation\":", e->lookups,
	        e->voids, (unsigned long long)e->ms);
	js(out, e->explanation);
	fputs(",\"tree\":[", out);
	for (i = 0; i < e->nnodes; i++) {
		const struct spf_node *n = &e->nodes[i];

		fprintf(out, "%s{\"domain\":", i ? "," : "");
		js(out, n->domain);
		fprintf(out, ",\"parent\":%d,\"via\":", n->parent);
		js(out, n->via == SPF_ALL ? "" : spf_mech_name(n->via));
		fputs(",\"record\":", out);
		if (n->record != NULL)
			js(out, n->record);
		else
			fputs("null", out);
		fputs(",\"result\":", out);
		js(out, spf_result_name(n->result));
		fprintf(out, ",\"lookups\":%u,\"lookups_tree\":%u,\"voids\":%u,\"matched\":",
		        n->lookups, n->lookups_tree, n->voids);
		js(out, n->matched);
		fputs(",\"error\":", out);
		js(out, n->error);
		fprintf(out, ",\"error_column\":%u}", n->error_pos);
	}
	fputs("]}", out);
}

static void json_dmarc(FILE *out, const struct sender_facts *s)
{
	const struct sender_dmarc *d = &s->dmarc;
	size_t i;

	fputs("\"dmarc\":{\"name\":", out);
	js(out, d->name);
	fputs(",\"status\":", out);
	js(out, dns_status_name(d->status));
	fprintf(out, ",\"found\":%s,\"at_org\":%s,\"records\":%zu,\"record\":",
	        d->found ? "true" : "false", d->at_org ? "true" : "false", d->nrecords);
	js(out, d->record);
	fprintf(out, ",\"valid\":%s,\"error\":", d->syntax_ok ? "true" : "false");
	js(out, d->error);
	fputs(",\"p\":", out);
	js(out, dmarc_policy_name(d->p));
	fputs(",\"sp\":", out);
	js(out, dmarc_policy_name(d->sp));
	fprintf(out, ",\"pct\":%d,\"adkim\":\"%c\",\"aspf\":\"%c\",\"uris\":[", d->pct,
	        d->adkim ? d->adkim : 'r', d->aspf ? d->aspf : 'r');
	for (i = 0; i < d->nuris; i++) {
		fprintf(out, "%s{\"tag\":\"%s\",\"uri\":", i ? "," : "", d->uris[i].ruf ? "ruf" : "rua");
		js(out, d->uris[i].uri);
		fputs(",\"domain\":", out);
		js(out, d->uris[i].domain);
		fputs(",\"destination\":", out);
		js(out, dest_name(d->uris[i].dest));
		fputs(",\"checked_at\":", out);
		js(out, d->uris[i].check_name);
		fputc('}', out);
	}
	fputs("]}", out);
}

static void json_dkim(FILE *out, const struct sender_facts *s)
{
	size_t i;

	fprintf(out, "\"dkim\":{\"selectors_guessed\":%s,\"keys\":[",
	        s->selectors_guessed ? "true" : "false");
	for (i = 0; i < s->ndkim; i++) {
		const struct sender_dkim *k = &s->dkim[i];

		fprintf(out, "%s{\"selector\":", i ? "," : "");
		js(out, k->selector);
		fputs(",\"name\":", out);
		js(out, k->name);
		fputs(",\"state\":", out);
		js(out, dkim_state_name(k->state));
		fputs(",\"k\":", out);
		js(out, k->k);
		fprintf(out, ",\"bits\":%d,\"testing\":%s,\"record\":", k->bits,
		        k->testing ? "true" : "false");
		js(out, k->record);
		fputs(",\"error\":", out);
		js(out, k->error);
		fputc('}', out);
	}
	fputs("]}", out);
}

void report_sender_json(FILE *out, const struct model_domain *d, const struct checklist *c)
{
	const struct sender_facts *s = d->sender;
	char sentence[1024];

	if (s == NULL)
		return;
	fputs(",\"sender\":{\"domain\":", out);
	js(out, s->domain);
	fputs(",\"org_domain\":", out);
	js(out, s->org_domain);
	fputs(",\"ip\":", out);
	js(out, s->ip);
	fputs(",\"ip_source\":", out);
	js(out, source_name(s->ip_source));
	fputs(",\"text\":", out);
	js(out, summary_sender_text(d, c, sentence, sizeof sentence));
	fprintf(out, ",\"done\":%s,", s->done ? "true" : "false");
	json_spf(out, &s->spf);
	fputc(',', out);
	json_dmarc(out, s);
	fputc(',', out);
	json_dkim(out, s);
	fputc('}', out);
}

void report_sender_markdown(FILE *out, const struct model_domain *d,
                            const struct checklist *c)
{
	char *text = NULL;
	size_t len = 0, i, run = 0, best = 0;
	FILE *mem;

	if (d->sender == NULL || (mem = open_memstream(&text, &len)) == NULL)
		return;
	report_sender_text(mem, d, c);
	fclose(mem);
	/* A fence longer than any run of backticks in the (sanitised) text. */
	for (i = 0; i < len; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	fputs("\n## Sender\n\n", out);
	for (i = 0; i < (best < 3 ? 3 : best + 1); i++)
		fputc('`', out);
	fputs("text\n", out);
	/* report_sender_text starts with "\nSender\n": the fence's own line. */
	fputs(text + (len > 8 ? 8 : len), out);
	for (i = 0; i < (best < 3 ? 3 : best + 1); i++)
		fputc('`', out);
	fputc('\n', out);
	free(text);
}
