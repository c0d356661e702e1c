/*
 * report_md.c — the run as Markdown for a helpdesk ticket: the verdict in
 * words first, the hosts table, the failures and warnings with their
 * explanation, next step and evidence, the compact rest of the checklist,
 * and the transcripts.
 *
 * Every byte from the network passes text_sanitize() (no control bytes, no
 * newlines, valid UTF-8, bounded) and then a Markdown layer:
 *  - inline text (titles, explanations, table cells, headings) gets a
 *    backslash before each character that could start markup, '|' included,
 *    and URL-looking text is broken up so it does not turn into a link;
 *  - evidence goes into indented code blocks, where nothing is markup;
 *  - transcripts go into fenced code blocks whose every line starts with a
 *    time offset and whose fence is longer than any run of backticks in
 *    them, so no line can close the fence.
 * Server text never starts a line: each line begins with text of ours.
 */
#include "mailflow/cell.h"
#include "mailflow/report.h"
#include "mailflow/report_explain.h"
#include "mailflow/summary.h"
#include "mailflow/text.h"

#include <string.h>
#include <time.h>

#define MD_TEXT_MAX 2048        /* a title, explanation, fact, cell (sanitized) */
#define MD_LINE_MAX 8192        /* a transcript line (sanitized), as report.c */
#define MD_EVIDENCE_LINES 12    /* transcript lines shown under an item */

/* ---- escaping -------------------------------------------------------------- */

/* Characters that can start inline markup in CommonMark / GFM (and '|' for
 * table cells, '$' for the math some renderers do, '#' for headings). */
static int md_special(char c)
{
	return c != '\0' && strchr("\\`*_[]<>|~&$#", c) != NULL;
}

/* b[i] starts "www." at the start of a word (a GFM autolink). */
static int md_www_at(const char *b, size_t i)
{
	return strncmp(b + i, "www.", 4) == 0 &&
	       (i == 0 || strchr(" \t(\"'", b[i - 1]) != NULL);
}

/* Sanitized, then escaped for inline Markdown. */
static void md_inline(FILE *out, const char *s, size_t len)
{
	char buf[MD_TEXT_MAX];
	size_t i, n = text_sanitize(s, len, buf, sizeof buf);

	for (i = 0; i < n; i++) {
		if (md_special(buf[i]) ||
		    /* "scheme://" and "www." would become links: escape the
		     * ':' and the '.', which breaks the pattern and shows the
		     * same characters. */
		    (buf[i] == ':' && buf[i + 1] == '/' && buf[i + 2] == '/') ||
		    (buf[i] == '.' && i >= 3 && md_www_at(buf, i - 3)))
			fputc('\\', out);
		fputc(buf[i], out);
	}
}

static void md_text(FILE *out, const char *s)
{
	md_inline(out, s, strlen(s));
}

/* Sanitized only: the inside of a code block. */
static void md_code(FILE *out, const char *s, size_t len)
{
	char buf[MD_LINE_MAX];

	text_sanitize(s, len, buf, sizeof buf);
	fputs(buf, out);
}

/* The longest run of backticks in the sanitized form of s. */
static size_t backtick_run(const char *s, size_t len)
{
	char buf[MD_LINE_MAX];
	size_t i, run = 0, best = 0, n = text_sanitize(s, len, buf, sizeof buf);

	for (i = 0; i < n; i++) {
		run = buf[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void put_fence(FILE *out, size_t n)
{
	while (n-- > 0)
		fputc('`', out);
}

/* Sanitized, as an inline code span: delimited by one backtick more than
 * the longest run inside, padded with spaces when the text starts or ends
 * with a backtick (CommonMark strips one space on each side). */
static void md_code_span(FILE *out, const char *s)
{
	char buf[MD_TEXT_MAX];
	size_t i, run = 0, best = 0, n = text_sanitize(s, strlen(s), buf, sizeof buf);
	int pad;

	for (i = 0; i < n; i++) {
		run = buf[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	pad = n > 0 && (buf[0] == '`' || buf[n - 1] == '`' || buf[0] == ' ');
	put_fence(out, best + 1);
	if (pad)
		fputc(' ', out);
	fputs(buf, out);
	if (pad)
		fputc(' ', out);
	put_fence(out, best + 1);
}

/* Where an item is: "host [address]", or the domain. */
static void put_where(FILE *out, const struct model_domain *d,
                      const struct check_item *it)
{
	const struct model_host *h = checklist_item_host(d, it);
	const struct model_address *a = checklist_item_address(d, it);

	if (h == NULL) {
		md_text(out, d->target.domain);
		return;
	}
	md_text(out, h->name);
	if (a != NULL) {
		fputs(" [", out);
		md_text(out, a->addr);
		fputc(']', out);
	}
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static const struct check_item *first_of(const struct checklist *c, enum verdict v)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->items[i].verdict == v)
			return &c->items[i];
	return NULL;
}

/* "**1 failure, 3 warnings**: TITLE (WHERE)" */
static void put_headline(FILE *out, const struct model_domain *d,
                         const struct checklist *c, const size_t counts[VERDICT__COUNT])
{
	const struct check_item *worst = first_of(c, V_FAIL);
	size_t more;

	if (worst == NULL)
		worst = first_of(c, V_WARN);
	fputs("**", out);
	if (counts[V_FAIL] == 0 && counts[V_WARN] == 0) {
		if (counts[V_PENDING] > 0)
			fprintf(out, "No failures, no warnings so far**: %zu %s still pending\n",
			        counts[V_PENDING], plural(counts[V_PENDING], "check", "checks"));
		else
			fprintf(out, "No failures, no warnings**: %zu %s passed\n",
			        counts[V_PASS], plural(counts[V_PASS], "check", "checks"));
		return;
	}
	if (worst == NULL) {
		/* The counts and the list disagree: say what the counts say. */
		fprintf(out, "%zu failures, %zu warnings**\n", counts[V_FAIL], counts[V_WARN]);
		return;
	}
	if (counts[V_FAIL] > 0)
		fprintf(out, "%zu %s", counts[V_FAIL], plural(counts[V_FAIL], "failure", "failures"));
	else
		fputs("No failures", out);
	if (counts[V_WARN] > 0)
		fprintf(out, ", %zu %s", counts[V_WARN], plural(counts[V_WARN], "warning", "warnings"));
	else
		fputs(", no warnings", out);
	fputs("**: ", out);
	md_text(out, worst->title);
	fputs(" (", out);
	if (checklist_item_host(d, worst) != NULL)
		md_text(out, checklist_item_host(d, worst)->name);
	else
		md_text(out, d->target.domain);
	fputc(')', out);
	more = (worst->verdict == V_FAIL ? counts[V_FAIL] : counts[V_WARN]) - 1;
	if (more > 0)
		fprintf(out, ", and %zu more %s", more, worst->verdict == V_FAIL
		        ? plural(more, "failure", "failures") : plural(more, "warning", "warnings"));
	fputc('\n', out);
}

static void put_summary(FILE *out, const struct model_domain *d,
                        const struct checklist *c, const struct report_options *o)
{
	size_t naddr = model_address_count(d);
	char when[64] = "", verdicts[128];
	time_t now = time(NULL);
	struct tm tm;

	fprintf(out, "- Verdicts: %s", checklist_verdict_line(c, verdicts, sizeof verdicts));
	if (o != NULL)
		fprintf(out, " (exit status %d)", o->exit_status);
	fputs("\n- Input: ", out);
	md_code_span(out, o != NULL && o->input != NULL ? o->input : d->target.domain);
	fprintf(out, " (%zu MX %s, %zu %s; DNS plan %s in %llu ms)\n", d->nhosts,
	        plural(d->nhosts, "host", "hosts"), naddr, plural(naddr, "address", "addresses"),
	        d->complete ? "complete" : "incomplete", (unsigned long long)d->dns_ms);
	if (gmtime_r(&now, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(out, "- Report: mailflow %s, %s\n", MAILFLOW_VERSION, when[0] ? when : "unknown time");
}

/* A hosts-table cell: the core's (cell.c), the checklist item's verdict
 * and words, as the TUI shows it ("1.3 ✗ expired", "refused ✓"). */
static void put_cell(FILE *out, const struct model_domain *d, const struct checklist *c,
                     size_t i, size_t j, enum cell_col col)
{
	struct cell cl;
	char buf[80];

	cell_of(d, c, (long)i, (long)j, col, CELL_UTF8, &cl);
	cell_format(&cl, CELL_UTF8, buf, sizeof buf);
	md_text(out, buf);
}

static void put_hosts_table(FILE *out, const struct model_domain *d, const struct checklist *c)
{
	size_t i, j;
	int col;

	fputs("\n## Hosts\n", out);
	if (d->nhosts == 0) {
		fputs("\nNo MX host to probe.\n", out);
		return;
	}
	fputs("\n| # | pref | host | address | connect | banner | TLS | RCPT | relay |\n"
	      "| ---: | ---: | --- | --- | --- | --- | --- | --- | --- |\n", out);
	for (i = 0; i < d->nhosts; i++) {
		const struct model_host *h = &d->hosts[i];

		if (h->naddrs == 0) {
			fprintf(out, "| %zu | %u | ", i + 1, h->pref);
			md_text(out, h->name);
			fputs(" | no address ✗ | — | — | — | — | — |\n", out);
			continue;
		}
		for (j = 0; j < h->naddrs; j++) {
			const struct model_address *a = &h->addrs[j];
			const struct model_session *s = a->session;

			fprintf(out, "| %zu | %u | ", i + 1, h->pref);
			md_text(out, h->name);
			fputs(" | ", out);
			md_text(out, a->addr);
			fputs(" | ", out);
			if (s == NULL) {
				fputs("not probed | — | — | — | — |\n", out);
				continue;
			}
			for (col = 0; col < CELL_COL__COUNT; col++) {
				put_cell(out, d, c, i, j, (enum cell_col)col);
				fputs(col + 1 < CELL_COL__COUNT ? " | " : " |\n", out);
			}
		}
	}
}

static void md_evidence_line(FILE *out, const struct model_line *l)
{
	fprintf(out, "      %c: ", l->dir);
	md_code(out, l->bytes, l->len);
	fputc('\n', out);
}

/* A failing or warning item: id, where, title; why, next; the evidence in
 * an indented code block (list content is indented by 2, code by 4 more). */
static void put_item_full(FILE *out, const struct model_domain *d,
                          const struct check_item *it)
{
	const struct model_address *a = checklist_item_address(d, it);
	const struct model_session *s = a != NULL ? a->session : NULL;
	size_t k, head, nlines = 0;

	fprintf(out, "\n- `%s` ", it->id);
	put_where(out, d, it);
	fputs(": **", out);
	md_text(out, it->title);
	fputs("**\n", out);
	if (it->explanation[0]) {
		fputs("\n  **Why:** ", out);
		md_text(out, it->explanation);
		fputc('\n', out);
	}
	if (it->next[0]) {
		fputs("\n  **Next:** ", out);
		md_text(out, it->next);
		fputc('\n', out);
	}
	if (s != NULL && it->line_to > it->line_from && it->line_from < s->nlines)
		nlines = (it->line_to < s->nlines ? it->line_to : s->nlines) - it->line_from;
	if (it->nfacts == 0 && nlines == 0)
		return;
	fputs("\n  Evidence:\n\n", out);
	for (k = 0; k < it->nfacts && k < CHECK_EVIDENCE_MAX; k++) {
		fputs("      ", out);
		md_code(out, it->facts[k], strnlen(it->facts[k], sizeof it->facts[k]));
		fputc('\n', out);
	}
	/* Past the limit, the first lines, how many were left out, and always
	 * the last: the reply the verdict rests on (the 552 after a message). */
	head = nlines > MD_EVIDENCE_LINES ? MD_EVIDENCE_LINES - 1 : nlines;
	for (k = 0; k < head; k++)
		md_evidence_line(out, &s->lines[it->line_from + k]);
	if (nlines > MD_EVIDENCE_LINES) {
		fprintf(out, "      (%zu more lines in the transcript)\n", nlines - head - 1);
		md_evidence_line(out, &s->lines[it->line_from + nlines - 1]);
	}
}

static void put_full_section(FILE *out, const char *heading, enum verdict v,
                             const struct model_domain *d, const struct checklist *c)
{
	size_t i, n = 0;

	fprintf(out, "\n## %s\n", heading);
	for (i = 0; i < c->n; i++)
		if (c->items[i].verdict == v) {
			put_item_full(out, d, &c->items[i]);
			n++;
		}
	if (n == 0)
		fputs("\nNone.\n", out);
}

/* One line of a compact list: "`id` title", with the verdict when the
 * section mixes them. */
static void put_item_short(FILE *out, const char *indent, const struct check_item *it,
                           int with_verdict)
{
	size_t k;

	fputs(indent, out);
	fputs("- ", out);
	if (with_verdict)
		fprintf(out, "%s ", verdict_name(it->verdict));
	fprintf(out, "`%s` ", it->id);
	md_text(out, it->title);
	fputc('\n', out);
	for (k = 0; it->facts_always && k < it->nfacts && k < CHECK_EVIDENCE_MAX; k++) {
		fputs(indent, out);
		fputs("  - ", out);
		md_code_span(out, it->facts[k]);
		fputc('\n', out);
	}
}

/* The items whose verdict is in want[] (VERDICT__COUNT entries): the
 * domain's first, then one bullet per address with its items below. */
static void put_short_section(FILE *out, const char *heading, const int want[VERDICT__COUNT],
                              int with_verdict, const struct model_domain *d,
                              const struct checklist *c)
{
	size_t i, j, k, n = 0;

	for (k = 0; k < c->n; k++)
		if (want[c->items[k].verdict])
			n++;
	if (n == 0)
		return;
	fprintf(out, "\n## %s\n\n", heading);
	for (k = 0; k < c->n; k++)
		if (want[c->items[k].verdict] && c->items[k].host < 0)
			put_item_short(out, "", &c->items[k], with_verdict);
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++) {
			int head = 0;

			for (k = 0; k < c->n; k++) {
				const struct check_item *it = &c->items[k];

				if (!want[it->verdict] || it->host != (long)i || it->addr != (long)j)
					continue;
				if (!head) {
					fputs("- ", out);
					md_text(out, d->hosts[i].name);
					fputs(" [", out);
					md_text(out, d->hosts[i].addrs[j].addr);
					fputs("]\n", out);
					head = 1;
				}
				put_item_short(out, "  ", it, with_verdict);
			}
		}
}

static void put_transcript(FILE *out, const struct model_host *h,
                           const struct model_session *s)
{
	size_t i, fence = 3;
	char facts[512], dane[256];

	fputs("\n### ", out);
	md_text(out, h->name);
	fputs(" [", out);
	md_text(out, s->addr);
	fputs("]\n\n", out);

	fprintf(out, "Port %u", s->port);
	if (s->local_addr[0]) {
		fputs(", from ", out);
		md_text(out, s->local_addr);
	}
	if (s->tls.handshake_done) {
		fputs("; TLS: ", out);
		md_text(out, s->tls.version);
		fputc(' ', out);
		md_code_span(out, s->tls.cipher);
		fputs(s->tls.chain_ok ? ", chain verified" : ", chain NOT verified", out);
		fputs(s->tls.name_ok ? ", name matches" : ", name does NOT match", out);
		fputs(", expires ", out);
		md_text(out, s->tls.not_after);
		if (s->tls.days_left < 0)
			fprintf(out, " (expired %ld days ago)", -s->tls.days_left);
		else
			fprintf(out, " (%ld days)", s->tls.days_left);
	}
	if (report_dane_words(&s->dane, dane, sizeof dane)[0] != '\0') {
		fputs("; DANE: ", out);
		md_text(out, dane);
	}
	if (checklist_ehlo_facts(s, true, facts, sizeof facts)[0] != '\0') {
		fputs("; EHLO: ", out);
		md_text(out, facts);
	}
	if (s->error[0]) {
		fputs("; end: ", out);
		md_text(out, s->error);
	}
	fputs(".\n\n", out);

	/* A fence longer than any backtick run inside; every line starts with
	 * its time offset anyway, so none could close a fence. */
	for (i = 0; i < s->nlines; i++) {
		size_t run = backtick_run(s->lines[i].bytes, s->lines[i].len);
		size_t nrun = backtick_run(s->lines[i].note, strnlen(s->lines[i].note,
		                                                     sizeof s->lines[i].note));

		if (run >= fence)
			fence = run + 1;
		if (nrun >= fence)
			fence = nrun + 1;
	}
	put_fence(out, fence);
	fputs("text\n", out);
	for (i = 0; i < s->nlines; i++) {
		const struct model_line *l = &s->lines[i];

		fprintf(out, "%+.3f %c: ", (double)l->at_ms / 1000.0, l->dir);
		md_code(out, l->bytes, l->len);
		if (l->note[0]) {
			fputs("  (", out);
			md_code(out, l->note, strnlen(l->note, sizeof l->note));
			fputc(')', out);
		}
		fputc('\n', out);
	}
	if (s->nlines == 0)
		fputs("+0.000 I: (nothing was exchanged)\n", out);
	put_fence(out, fence);
	fputc('\n', out);
	if (s->transcript_cut)
		fputs("\nThe transcript was cut: it passed its size limit.\n", out);
}

void report_markdown(FILE *out, const struct model_domain *d, const struct checklist *c,
                     const struct report_options *o)
{
	static const int passed[VERDICT__COUNT] = { [V_PASS] = 1 };
	static const int other[VERDICT__COUNT] = { [V_INFO] = 1, [V_SKIP] = 1, [V_PENDING] = 1 };
	size_t counts[VERDICT__COUNT], i, j, nsessions = 0;
	char sentence[1024];

	checklist_count(c, counts);
	if (o != NULL && o->explain != NULL)
		report_explain_markdown(out, o->explain, d, c);
	fputs("# mailflow: ", out);
	md_text(out, d->target.domain);
	if (d->target.is_idn) {
		fputs(" (", out);
		md_text(out, d->target.unicode);
		fputc(')', out);
	}
	fputs("\n\n", out);
	md_text(out, summary_domain_text(d, c, sentence, sizeof sentence));
	fputs("\n\n", out);
	put_headline(out, d, c, counts);
	fputc('\n', out);
	put_summary(out, d, c, o);

	put_hosts_table(out, d, c);
	report_sender_markdown(out, d, c);
	put_full_section(out, "Failures", V_FAIL, d, c);
	put_full_section(out, "Warnings", V_WARN, d, c);
	put_short_section(out, "Passed", passed, 0, d, c);
	put_short_section(out, "Other checks", other, 1, d, c);

	if (o != NULL && !o->transcripts)
		return;
	fputs("\n## Transcripts\n", out);
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++)
			if (d->hosts[i].addrs[j].session != NULL) {
				put_transcript(out, &d->hosts[i], d->hosts[i].addrs[j].session);
				nsessions++;
			}
	if (nsessions == 0)
		fputs("\nNo SMTP session was made.\n", out);
}
