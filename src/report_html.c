/*
 * report_html.c — the run as one self-contained HTML page for a ticket or
 * a manager's browser (report.h): the domain's sentence, the hosts table
 * with each address's verdict in its colour, the timing picture, the
 * failing and warning items with why / next / evidence, the other items,
 * and the transcripts.
 *
 * Self-contained and inert: the CSS is inline, there is no script and no
 * URL anywhere (no font, image or style sheet is fetched), and a
 * Content-Security-Policy of default-src 'none' makes a browser refuse
 * any request or script even if one got in. Every byte from the network
 * passes text_sanitize() (printable, valid UTF-8, bounded) and then the
 * HTML escape of & < > " ', in element text and in attribute values.
 *
 * The timing picture is inline SVG drawn here: one row for the DNS plan,
 * then one bar per address with the steps of its session (connect,
 * banner, EHLO, STARTTLS, ... QUIT) placed on one time axis from the
 * start of the run, as a browser's network waterfall shows requests.
 */
#include "mailflow/cell.h"
#include "mailflow/report.h"

#include <string.h>
#include <time.h>

#include "mailflow/summary.h"
#include "mailflow/text.h"

#define HTML_TEXT_MAX 2048      /* a title, explanation, fact (sanitized) */
#define HTML_LINE_MAX 8192      /* a transcript line (sanitized), as report.c */
#define HTML_EVIDENCE_LINES 12  /* transcript lines shown under an item */

/* The picture's geometry, in SVG user units (it scales to the page). */
#define SVG_W           960
#define SVG_LABEL_W     300     /* the names on the left */
#define SVG_ROW_H       22
#define SVG_BAR_H       14
#define SVG_TOP         26      /* room for the axis labels */

/* ---- escaping ------------------------------------------------------------- */

/* Sanitized, then escaped for element text and attribute values. */
static void html_n(FILE *out, const char *s, size_t len)
{
	char buf[HTML_LINE_MAX];
	size_t i, n = text_sanitize(s, len, buf, sizeof buf);

	for (i = 0; i < n; i++) {
		switch (buf[i]) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(buf[i], out);
		}
	}
}

static void html(FILE *out, const char *s)
{
	html_n(out, s, strnlen(s, HTML_TEXT_MAX));
}

/* ---- the page ---------------------------------------------------------------- */

static const char style[] =
	":root{color-scheme:light;--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--info:#0969da;"
	"--skip:#6e7781;--pending:#8250df}\n"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;"
	"max-width:72rem;padding:1rem;color:#1f2328;background:#fff}\n"
	"h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;"
	"border-bottom:1px solid #d0d7de}h3{font-size:1rem;margin:.8rem 0 .3rem}\n"
	".sentence{font-size:1.1rem;padding:.6rem .8rem;border-left:.35rem solid var(--skip);"
	"background:#f6f8fa}\n"
	".sentence.v-fail{border-color:var(--fail)}.sentence.v-warn{border-color:var(--warn)}"
	".sentence.v-pass{border-color:var(--pass)}\n"
	".wide{overflow-x:auto}table{border-collapse:collapse;width:100%}"
	"th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d0d7de;"
	"vertical-align:top;white-space:nowrap}td.words{white-space:normal;min-width:12rem}\n"
	".verdict{font-weight:600;border-radius:.3rem;padding:0 .4rem;color:#fff;"
	"display:inline-block}\n"
	".v-pass .verdict,.verdict.v-pass{background:var(--pass)}"
	".v-warn .verdict,.verdict.v-warn{background:var(--warn)}"
	".v-fail .verdict,.verdict.v-fail{background:var(--fail)}"
	"td.v-fail{color:var(--fail)}td.v-warn{color:var(--warn)}"
	".v-info .verdict,.verdict.v-info{background:var(--info)}"
	".v-skip .verdict,.verdict.v-skip{background:var(--skip)}"
	".v-pending .verdict,.verdict.v-pending{background:var(--pending)}\n"
	"tr.v-fail td{background:#ffebe9}tr.v-warn td{background:#fff8c5}\n"
	".item{border:1px solid #d0d7de;border-left:.35rem solid var(--skip);border-radius:.3rem;"
	"padding:.2rem .8rem;margin:.6rem 0}.item.v-fail{border-left-color:var(--fail)}"
	".item.v-warn{border-left-color:var(--warn)}\n"
	"pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.85rem;"
	"white-space:pre-wrap;word-break:break-all}code{font-size:.9em}\n"
	"ul.short{padding-left:1.2rem}svg{width:100%;height:auto;font:11px sans-serif}\n"
	".legend span{display:inline-block;margin-right:.8rem}.legend i{display:inline-block;"
	"width:.8rem;height:.8rem;margin-right:.25rem;vertical-align:middle}\n"
	"@media print{details{display:block}tr.v-fail td,tr.v-warn td{-webkit-print-color-adjust:"
	"exact;print-color-adjust:exact}}\n";

void report_html_begin(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<meta name=\"generator\" content=\"mailflow ", out);
	fputs(MAILFLOW_VERSION "\">\n<title>mailflow: ", out);
	html(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
}

void report_html_end(FILE *out)
{
	char when[64] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(out, "<footer><p><small>mailflow %s, %s</small></p></footer>\n</body>\n</html>\n",
	        MAILFLOW_VERSION, when);
}

/* The worst verdict of the run, for the sentence's colour. */
static const char *domain_class(const size_t counts[VERDICT__COUNT])
{
	if (counts[V_FAIL] > 0)
		return "fail";
	if (counts[V_WARN] > 0)
		return "warn";
	if (counts[V_PENDING] > 0)
		return "pending";
	return "pass";
}

/* A hosts-table cell: the core's (cell.c), the checklist item's verdict
 * and words, as the TUI shows them; its class carries the verdict. */
static void put_cell(FILE *out, const struct model_domain *d, const struct checklist *c,
                     size_t i, size_t j, enum cell_col col)
{
	struct cell cl;
	char buf[80];

	cell_of(d, c, (long)i, (long)j, col, CELL_UTF8, &cl);
	cell_format(&cl, CELL_UTF8, buf, sizeof buf);
	if (cl.mark)
		fprintf(out, "<td class=\"v-%s\">", verdict_name(cl.verdict));
	else
		fputs("<td>", out);
	html(out, buf);
	fputs("</td>", out);
}

static void put_address_row(FILE *out, const struct model_domain *d, const struct checklist *c,
                            size_t i, size_t j)
{
	const struct model_host *h = &d->hosts[i];
	const struct model_address *a = &h->addrs[j];
	const struct model_session *s = a->session;
	struct summary_host sh;
	const char *v;

	summary_host(d, c, (long)i, (long)j, &sh);
	v = verdict_name(sh.verdict);
	fprintf(out, "<tr class=\"v-%s\" data-verdict=\"%s\"><td>%zu</td><td>%u</td><td>", v, v,
	        i + 1, h->pref);
	html(out, h->name);
	fputs("</td><td>", out);
	html(out, a->addr);
	fprintf(out, "</td><td><span class=\"verdict\">%s</span></td>", v);
	if (s == NULL) {
		fputs("<td colspan=\"5\">not probed</td>", out);
	} else {
		int col;

		for (col = 0; col < CELL_COL__COUNT; col++)
			put_cell(out, d, c, i, j, (enum cell_col)col);
	}
	fputs("<td class=\"words\">", out);
	html(out, sh.words);
	fputs("</td></tr>\n", out);
}

static void put_hosts_table(FILE *out, const struct model_domain *d, const struct checklist *c)
{
	size_t i, j;

	fputs("<h2>Hosts</h2>\n", out);
	if (d->nhosts == 0) {
		fputs("<p>No MX host to probe.</p>\n", out);
		return;
	}
	fputs("<div class=\"wide\"><table class=\"hosts\">\n<thead><tr><th>#</th><th>pref</th>"
	      "<th>host</th><th>address</th><th>verdict</th><th>connect</th><th>banner</th>"
	      "<th>TLS</th><th>RCPT</th><th>relay</th><th>what it does</th></tr></thead>\n"
	      "<tbody>\n", out);
	for (i = 0; i < d->nhosts; i++) {
		const struct model_host *h = &d->hosts[i];

		if (h->naddrs == 0) {
			fprintf(out, "<tr class=\"v-skip\" data-verdict=\"none\"><td>%zu</td><td>%u</td>"
			        "<td>", i + 1, h->pref);
			html(out, h->name);
			fputs("</td><td colspan=\"8\">(no address)</td></tr>\n", out);
			continue;
		}
		for (j = 0; j < h->naddrs; j++)
			put_address_row(out, d, c, i, j);
	}
	fputs("</tbody>\n</table></div>\n", out);
}

/* ---- the timing picture ---------------------------------------------------- */

/* A step's colour in the picture (the legend shows the same). */
static const char *step_colour(enum model_step_id id)
{
	static const char *const colours[STEP__COUNT] = {
		[STEP_CONNECT] = "#8c959f", [STEP_BANNER] = "#54aeff", [STEP_EHLO] = "#0969da",
		[STEP_STARTTLS] = "#8250df", [STEP_AUTH] = "#bf3989", [STEP_MAIL] = "#1a7f37",
		[STEP_RCPT] = "#2da44e", [STEP_RELAY] = "#bc4c00", [STEP_DATA] = "#9a6700",
		[STEP_RSET] = "#6e7781", [STEP_QUIT] = "#424a53",
	};
	return colours[id];
}

static int step_drawn(const struct model_step *st)
{
	return st->state == STEP_OK || st->state == STEP_REJECTED || st->state == STEP_FAILED;
}

/* Where a session starts on the run's axis, in ms. */
static uint64_t session_offset(const struct model_domain *d, const struct model_session *s)
{
	return s->started_ms > d->started_ms ? s->started_ms - d->started_ms : 0;
}

/* The end of the axis: the last step's end (and the DNS plan's). */
/* The end of a step on the run's axis, 0 for one not drawn. */
static uint64_t step_end(const struct model_domain *d, const struct model_session *s,
                         const struct model_step *st)
{
	return step_drawn(st) ? session_offset(d, s) + st->at_ms + st->ms : 0;
}

static uint64_t timing_span(const struct model_domain *d)
{
	uint64_t span = d->dns_ms;
	size_t i, j;
	int k;

	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++) {
			const struct model_session *s = d->hosts[i].addrs[j].session;

			if (s == NULL)
				continue;
			for (k = 0; k < STEP__COUNT; k++) {
				if (step_end(d, s, &s->steps[k]) > span)
					span = step_end(d, s, &s->steps[k]);
				if (s->fallback.tried && s->fallback.steps != NULL &&
				    step_end(d, s, &s->fallback.steps[k]) > span)
					span = step_end(d, s, &s->fallback.steps[k]);
			}
		}
	return span > 0 ? span : 1;
}

/* A tick step of 1, 2 or 5 times a power of ten giving at most 8 ticks. */
static uint64_t tick_step(uint64_t span)
{
	uint64_t p = 1;

	for (;;) {
		if (span / p <= 8)
			return p;
		if (span / (2 * p) <= 8)
			return 2 * p;
		if (span / (5 * p) <= 8)
			return 5 * p;
		p *= 10;
	}
}

static double x_of(uint64_t ms, uint64_t span)
{
	return SVG_LABEL_W + (double)ms * (SVG_W - SVG_LABEL_W - 30) / (double)span;
}

static void put_axis(FILE *out, uint64_t span, int height)
{
	uint64_t step = tick_step(span), t;

	for (t = 0; t <= span; t += step) {
		double x = x_of(t, span);

		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d0d7de\"/>"
		        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#57606a\">", x,
		        SVG_TOP - 6, x, height, x, SVG_TOP - 10);
		if (step >= 1000 && t % 1000 == 0)
			fprintf(out, "%llu s", (unsigned long long)(t / 1000));
		else if (span >= 2000)
			fprintf(out, "%.1f s", (double)t / 1000.0);
		else
			fprintf(out, "%llu ms", (unsigned long long)t);
		fputs("</text>\n", out);
	}
}

/* One rectangle with a tooltip (<title>: no script needed). */
static void put_bar(FILE *out, double x, double w, int y, const char *fill, const char *what,
                    const char *label, uint64_t at, uint64_t ms)
{
	if (w < 1.5)
		w = 1.5;        /* a step of 0 ms is still seen */
	fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
	        "data-step=\"%s\"><title>", x, y, w, SVG_BAR_H, fill, what);
	html(out, label);
	fprintf(out, ": %s at +%llu ms, %llu ms</title></rect>\n", what,
	        (unsigned long long)at, (unsigned long long)ms);
}

static void put_step_bar(FILE *out, const struct model_step *st, enum model_step_id id,
                         uint64_t off, int y, uint64_t span, const char *label)
{
	uint64_t at = off + st->at_ms;

	if (!step_drawn(st))
		return;
	put_bar(out, x_of(at, span), x_of(at + st->ms, span) - x_of(at, span), y,
	        step_colour(id), model_step_id(id), label, at, st->ms);
}

static void put_session_row(FILE *out, const struct model_domain *d, const struct model_host *h,
                            const struct model_address *a, int y, uint64_t span)
{
	const struct model_session *s = a->session;
	char label[DNS_NAME_MAX + 64];
	uint64_t off;
	int k;

	snprintf(label, sizeof label, "%s [%s]", h->name, a->addr);
	fprintf(out, "<text x=\"4\" y=\"%d\" data-host=\"", y + SVG_BAR_H - 3);
	html(out, h->name);
	fputs("\">", out);
	html(out, label);
	fputs("</text>\n", out);
	if (s == NULL) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#57606a\">not probed</text>\n",
		        SVG_LABEL_W, y + SVG_BAR_H - 3);
		return;
	}
	off = session_offset(d, s);
	for (k = 0; k < STEP__COUNT; k++)
		put_step_bar(out, &s->steps[k], (enum model_step_id)k, off, y, span, label);
	/* The plaintext retry after a TLS failure: its own connection, banner
	 * and EHLO (its later steps are the session's, drawn above). */
	if (s->fallback.tried && s->fallback.steps != NULL)
		for (k = STEP_CONNECT; k < STEP_AUTH; k++)
			put_step_bar(out, &s->fallback.steps[k], (enum model_step_id)k, off, y,
			             span, label);
}

static void put_timing(FILE *out, const struct model_domain *d)
{
	uint64_t span = timing_span(d);
	size_t i, j, rows = 1;
	int height, y, k;

	for (i = 0; i < d->nhosts; i++)
		rows += d->hosts[i].naddrs;
	height = SVG_TOP + (int)rows * SVG_ROW_H + 4;
	fputs("<h2>Timing</h2>\n<p class=\"legend\">", out);
	for (k = 0; k < STEP__COUNT; k++)
		fprintf(out, "<span><i style=\"background:%s\"></i>%s</span>",
		        step_colour((enum model_step_id)k), model_step_id((enum model_step_id)k));
	fprintf(out, "</p>\n<svg class=\"timing\" "
	        "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"When each step of each session "
	        "ran, from the start of the run\">\n", SVG_W, height);
	put_axis(out, span, height);
	y = SVG_TOP;
	fprintf(out, "<text x=\"4\" y=\"%d\">DNS plan</text>\n", y + SVG_BAR_H - 3);
	put_bar(out, x_of(0, span), x_of(d->dns_ms, span) - x_of(0, span), y, "#57606a", "dns",
	        d->target.domain, 0, d->dns_ms);
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++) {
			y += SVG_ROW_H;
			put_session_row(out, d, &d->hosts[i], &d->hosts[i].addrs[j], y, span);
		}
	fputs("</svg>\n", out);
}

/* ---- the items ---------------------------------------------------------------- */

static void put_where(FILE *out, const struct model_domain *d, const struct check_item *it)
{
	const struct model_host *h = checklist_item_host(d, it);
	const struct model_address *a = checklist_item_address(d, it);

	if (h == NULL) {
		html(out, d->target.domain);
		return;
	}
	html(out, h->name);
	if (a != NULL) {
		fputs(" [", out);
		html(out, a->addr);
		fputc(']', out);
	}
}

static void put_evidence_line(FILE *out, const struct model_line *l)
{
	fprintf(out, "%c: ", l->dir);
	html_n(out, l->bytes, l->len);
	fputc('\n', out);
}

static void put_evidence(FILE *out, const struct model_domain *d, const struct check_item *it)
{
	const struct model_address *a = checklist_item_address(d, it);
	const struct model_session *s = a != NULL ? a->session : NULL;
	size_t k, head, nlines = 0;

	if (s != NULL && it->line_to > it->line_from && it->line_from < s->nlines)
		nlines = (it->line_to < s->nlines ? it->line_to : s->nlines) - it->line_from;
	if (it->nfacts == 0 && nlines == 0)
		return;
	fputs("<pre class=\"evidence\">", out);
	for (k = 0; k < it->nfacts && k < CHECK_EVIDENCE_MAX; k++) {
		html_n(out, it->facts[k], strnlen(it->facts[k], sizeof it->facts[k]));
		fputc('\n', out);
	}
	/* Past the limit, the first lines, how many were left out, and always
	 * the last: the reply the verdict rests on. */
	head = nlines > HTML_EVIDENCE_LINES ? HTML_EVIDENCE_LINES - 1 : nlines;
	for (k = 0; k < head; k++)
		put_evidence_line(out, &s->lines[it->line_from + k]);
	if (nlines > HTML_EVIDENCE_LINES) {
		fprintf(out, "(%zu more lines in the transcript)\n", nlines - head - 1);
		put_evidence_line(out, &s->lines[it->line_from + nlines - 1]);
	}
	fputs("</pre>\n", out);
}

static void put_item_full(FILE *out, const struct model_domain *d, const struct check_item *it)
{
	const char *v = verdict_name(it->verdict);

	fprintf(out, "<div class=\"item v-%s\" data-id=\"%s\" data-verdict=\"%s\">\n<h3>"
	        "<span class=\"verdict\">%s</span> <code>%s</code> ", v, it->id, v, v, it->id);
	put_where(out, d, it);
	fputs(": ", out);
	html(out, it->title);
	fputs("</h3>\n", out);
	if (it->explanation[0]) {
		fputs("<p><b>Why:</b> ", out);
		html(out, it->explanation);
		fputs("</p>\n", out);
	}
	if (it->next[0]) {
		fputs("<p><b>Next:</b> ", out);
		html(out, it->next);
		fputs("</p>\n", out);
	}
	put_evidence(out, d, it);
	fputs("</div>\n", out);
}

static void put_full_section(FILE *out, const char *heading, enum verdict v,
                             const struct model_domain *d, const struct checklist *c)
{
	size_t i, n = 0;

	fprintf(out, "<h2>%s</h2>\n", heading);
	for (i = 0; i < c->n; i++)
		if (c->items[i].verdict == v) {
			put_item_full(out, d, &c->items[i]);
			n++;
		}
	if (n == 0)
		fputs("<p>None.</p>\n", out);
}

/* The passing, informational and skipped items, one line each. */
static void put_other_items(FILE *out, const struct model_domain *d, const struct checklist *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		if (c->items[i].verdict != V_FAIL && c->items[i].verdict != V_WARN)
			n++;
	if (n == 0)
		return;
	fprintf(out, "<h2>Other checks</h2>\n<details open><summary>%zu passed, informational "
	        "or skipped</summary>\n<ul class=\"short\">\n", n);
	for (i = 0; i < c->n; i++) {
		const struct check_item *it = &c->items[i];
		const char *v = verdict_name(it->verdict);

		if (it->verdict == V_FAIL || it->verdict == V_WARN)
			continue;
		fprintf(out, "<li class=\"v-%s\" data-id=\"%s\" data-verdict=\"%s\"><span "
		        "class=\"verdict\">%s</span> <code>%s</code> ", v, it->id, v, v, it->id);
		put_where(out, d, it);
		fputs(": ", out);
		html(out, it->title);
		fputs("</li>\n", out);
	}
	fputs("</ul>\n</details>\n", out);
}

/* ---- transcripts ------------------------------------------------------------ */

static void put_transcript(FILE *out, const struct model_host *h, const struct model_session *s)
{
	size_t i;

	fputs("<details open class=\"transcript\"><summary>", out);
	html(out, h->name);
	fputs(" [", out);
	html(out, s->addr);
	fprintf(out, "]:%u", s->port);
	if (s->tls.handshake_done) {
		fputs(" — ", out);
		html(out, s->tls.version);
		fputc(' ', out);
		html(out, s->tls.cipher);
		fprintf(out, ", chain %s, name %s, %ld days left", s->tls.chain_ok ? "verified"
		        : "NOT verified", s->tls.name_ok ? "matches" : "does NOT match",
		        s->tls.days_left);
	}
	if (s->error[0]) {
		fputs("; end: ", out);
		html(out, s->error);
	}
	fputs("</summary>\n<pre>", out);
	for (i = 0; i < s->nlines; i++) {
		const struct model_line *l = &s->lines[i];

		fprintf(out, "%+.3f %c: ", (double)l->at_ms / 1000.0, l->dir);
		html_n(out, l->bytes, l->len);
		if (l->note[0]) {
			fputs("  (", out);
			html_n(out, l->note, strnlen(l->note, sizeof l->note));
			fputc(')', out);
		}
		fputc('\n', out);
	}
	if (s->nlines == 0)
		fputs("(nothing was exchanged)\n", out);
	fputs("</pre>\n", out);
	if (s->transcript_cut)
		fputs("<p>The transcript was cut: it passed its size limit.</p>\n", out);
	fputs("</details>\n", out);
}

static void put_transcripts(FILE *out, const struct model_domain *d)
{
	size_t i, j, n = 0;

	fputs("<h2>Transcripts</h2>\n", out);
	for (i = 0; i < d->nhosts; i++)
		for (j = 0; j < d->hosts[i].naddrs; j++)
			if (d->hosts[i].addrs[j].session != NULL) {
				put_transcript(out, &d->hosts[i], d->hosts[i].addrs[j].session);
				n++;
			}
	if (n == 0)
		fputs("<p>No SMTP session was made.</p>\n", out);
}

void report_html(FILE *out, const struct model_domain *d, const struct checklist *c,
                 const struct report_options *o)
{
	report_html_begin(out, o != NULL && o->input != NULL ? o->input : d->target.domain);
	report_html_domain(out, d, c, o);
	report_html_end(out);
}

void report_html_domain(FILE *out, const struct model_domain *d, const struct checklist *c,
                        const struct report_options *o)
{
	size_t counts[VERDICT__COUNT];
	char sentence[1024], verdicts[128];

	checklist_count(c, counts);
	fputs("<section class=\"domain\" data-domain=\"", out);
	html(out, d->target.domain);
	fputs("\">\n<h1>mailflow: ", out);
	html(out, d->target.domain);
	if (d->target.is_idn) {
		fputs(" (", out);
		html(out, d->target.unicode);
		fputc(')', out);
	}
	fprintf(out, "</h1>\n<p class=\"sentence v-%s\">", domain_class(counts));
	html(out, summary_domain_text(d, c, sentence, sizeof sentence));
	fprintf(out, "</p>\n<p class=\"counts\">Verdicts: %s",
	        checklist_verdict_line(c, verdicts, sizeof verdicts));
	if (o != NULL)
		fprintf(out, " (exit status %d)", o->exit_status);
	fprintf(out, "; %zu MX %s, DNS plan %s in %llu ms.</p>\n", d->nhosts,
	        d->nhosts == 1 ? "host" : "hosts", d->complete ? "complete" : "incomplete",
	        (unsigned long long)d->dns_ms);
	put_hosts_table(out, d, c);
	put_timing(out, d);
	put_full_section(out, "Failures", V_FAIL, d, c);
	put_full_section(out, "Warnings", V_WARN, d, c);
	put_other_items(out, d, c);
	if (o == NULL || o->transcripts)
		put_transcripts(out, d);
	fputs("</section>\n", out);
}
