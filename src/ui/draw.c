/*
 * draw.c — the screen: header, hosts table, transcript and checklist side
 * by side, the explanation, the key bar; the help and explanation windows.
 *
 * Everything is drawn into stdscr from the model on each redraw (ncurses
 * sends only the difference). Every string from the network passes
 * text_sanitize() and is cut by display width (wcwidth), so no server byte
 * reaches the terminal raw and wide characters never break the layout.
 */
#include "ui_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "mailflow/codes.h"
#include "mailflow/loop.h"
#include "mailflow/text.h"

#define MIN_COLS 80
#define MIN_LINES 24

/* ---- text ------------------------------------------------------------- */

/* Puts UTF-8 text (already safe) at y,x within width columns; returns the
 * columns used. */
int ui_put(int y, int x, int width, const char *s, attr_t a)
{
	wchar_t w[512];
	int used = 0;
	size_t n = 0;
	mbstate_t st;

	if (width <= 0)
		return 0;
	memset(&st, 0, sizeof st);
	while (*s != '\0' && n < sizeof w / sizeof w[0] - 1) {
		wchar_t wc;
		size_t l = mbrtowc(&wc, s, strlen(s), &st);
		int cw;

		if (l == (size_t)-1 || l == (size_t)-2 || l == 0) {
			wc = L'?';
			l = 1;
			memset(&st, 0, sizeof st);
		}
		cw = wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > width)
			break;
		w[n++] = wc;
		used += cw;
		s += l;
	}
	w[n] = L'\0';
	attron(a);
	mvaddnwstr(y, x, w, (int)n);
	attroff(a);
	return used;
}

#define put ui_put

/* The same for network bytes: sanitized first. */
int ui_put_raw(int y, int x, int width, const char *bytes, size_t len, attr_t a)
{
	char buf[2048];

	text_sanitize(bytes, len, buf, sizeof buf);
	return put(y, x, width, buf, a);
}

#define put_raw ui_put_raw

static int putf(int y, int x, int width, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int putf(int y, int x, int width, attr_t a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return put(y, x, width, buf, a);
}

void ui_fill(int y, int x, int width, attr_t a)
{
	attron(a);
	mvhline(y, x, ' ', width);
	attroff(a);
}

#define fill ui_fill

/* Word-wraps text into at most maxrows rows of width; returns rows used. */
int ui_put_wrapped(int y, int x, int width, int maxrows, const char *s, attr_t a)
{
	int row = 0;
	char line[1024];

	while (*s != '\0' && row < maxrows) {
		size_t n = strlen(s), cut = n, i;

		/* A rough cut by bytes, then back to a space; put() trims by
		 * display width anyway. */
		if (n > (size_t)width) {
			cut = (size_t)width;
			for (i = cut; i > (size_t)width / 2; i--)
				if (s[i] == ' ') {
					cut = i;
					break;
				}
		}
		if (cut >= sizeof line)
			cut = sizeof line - 1;
		memcpy(line, s, cut);
		line[cut] = '\0';
		if (row == maxrows - 1 && cut < n && width > 1) {
			put(y + row, x, width - 1, line, a);
			put(y + row, x + width - 1, 1, "…", a);
			return row + 1;
		}
		put(y + row, x, width, line, a);
		row++;
		s += cut;
		while (*s == ' ')
			s++;
	}
	return row;
}

/* ---- rows and items ---------------------------------------------------- */

void ui_rows_rebuild(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);
	size_t i, j, n = 1;

	for (i = 0; i < d->nhosts; i++)
		n += d->hosts[i].naddrs ? d->hosts[i].naddrs : 1;
	free(ui->rows);
	ui->rows = calloc(n, sizeof *ui->rows);
	ui->nrows = 0;
	if (ui->rows == NULL)
		return;
	ui->rows[ui->nrows++] = (struct ui_row){ -1, -1 };
	for (i = 0; i < d->nhosts; i++) {
		if (d->hosts[i].naddrs == 0)
			ui->rows[ui->nrows++] = (struct ui_row){ (long)i, -1 };
		for (j = 0; j < d->hosts[i].naddrs; j++)
			ui->rows[ui->nrows++] = (struct ui_row){ (long)i, (long)j };
	}
	if (ui->sel >= ui->nrows)
		ui->sel = ui->nrows - 1;
}

size_t ui_items_of_row(const struct ui *ui, size_t row, const struct check_item **out,
                       size_t max)
{
	const struct ui_row *r = &ui->rows[row];
	size_t i, n = 0;

	for (i = 0; i < ui->list.n && n < max; i++) {
		const struct check_item *it = &ui->list.items[i];

		if (r->hi == -1 ? it->host == -1
		    : (it->host == r->hi && it->addr == r->ai && r->ai != -1))
			out[n++] = it;
	}
	return n;
}

const struct model_session *ui_session_of_row(const struct ui *ui, size_t row)
{
	const struct model_domain *d = probe_model(ui->probe);
	const struct ui_row *r;

	if (row >= ui->nrows)
		return NULL;
	r = &ui->rows[row];
	if (r->hi < 0 || r->ai < 0)
		return NULL;
	return d->hosts[r->hi].addrs[r->ai].session;
}

#define put_wrapped ui_put_wrapped

static const char *mark(const struct ui *ui, enum verdict v)
{
	static const char *const u[] = { "✓", "!", "✗", "i", "–", "…" };
	static const char *const a[] = { "+", "!", "x", "i", "-", "*" };
	static const char *const spin_u[] = { "◐", "◓", "◑", "◒" };
	static const char *const spin_a[] = { "|", "/", "-", "\\" };

	if (v == V_PENDING)
		return ui->utf8 ? spin_u[ui->spin % 4] : spin_a[ui->spin % 4];
	return ui->utf8 ? u[v] : a[v];
}

static const struct check_item *find_item(const struct ui *ui, const char *id,
                                          long hi, long ai)
{
	return checklist_find(&ui->list, id, hi, ai);
}

/* ---- header and table --------------------------------------------------- */

static void draw_header(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);
	uint64_t now = ui->done_ms ? ui->done_ms : loop_clock_ms();
	size_t counts[6];
	char right[64];
	int x, rw;

	checklist_count(&ui->list, counts);
	fill(0, 0, COLS, ui->attr[THEME_HEADER]);
	rw = snprintf(right, sizeof right, "%zu fail %zu warn %zu pass ",
	              counts[V_FAIL], counts[V_WARN], counts[V_PASS]);
	put(0, COLS - rw, rw, right, ui->attr[THEME_HEADER]);
	x = put(0, 1, 10, "mailflow", ui->attr[THEME_HEADER] | A_BOLD) + 3;
	x += put_raw(0, x, COLS / 3, d->target.domain, strlen(d->target.domain),
	             ui->attr[THEME_HEADER] | A_BOLD);
	putf(0, x, COLS - rw - x - 1, ui->attr[THEME_HEADER], "  %zu MX  %.1f s  %s",
	     d->nhosts, (double)(now - ui->started_ms) / 1000.0,
	     ui->done_ms ? "done" : d->complete ? "probing" : "resolving");
}

/* The text and verdict of one table cell. */
static void cell(const struct ui *ui, const struct model_session *s, long hi, long ai,
                 const char *id, enum model_step_id step, char *buf, size_t sz,
                 enum verdict *v)
{
	const struct check_item *it = find_item(ui, id, hi, ai);
	const struct model_step *st = &s->steps[step];

	*v = it ? it->verdict : V_PENDING;
	switch (st->state) {
	case STEP_NOT_RUN:
		snprintf(buf, sz, "%s", s->done ? "—" : "");
		if (!s->done)
			*v = V_PENDING;
		break;
	case STEP_RUNNING:
		snprintf(buf, sz, "%s %.1fs", mark(ui, V_PENDING),
		         (double)(loop_clock_ms() - s->started_ms - st->at_ms) / 1000.0);
		*v = V_PENDING;
		break;
	case STEP_SKIPPED:
		snprintf(buf, sz, "skip");
		break;
	case STEP_FAILED:
		snprintf(buf, sz, "%s", st->fail == FAIL_TIMEOUT ? "timeout"
		         : st->fail == FAIL_CONNECT ? conn_error_name(s->conn_error)
		         : model_fail_name(st->fail));
		break;
	default:
		if (step == STEP_CONNECT)
			snprintf(buf, sz, "%llu ms", (unsigned long long)st->ms);
		else if (step == STEP_STARTTLS)
			snprintf(buf, sz, "%s", strncmp(s->tls.version, "TLSv", 4) == 0
			         ? s->tls.version + 4 : s->tls.version[0] ? s->tls.version : "ok");
		else
			snprintf(buf, sz, "%d", st->code);
		break;
	}
}

static void draw_domain_row(struct ui *ui, int y, bool selected)
{
	static const struct { const char *id, *label; } cols[] = {
		{ "dns.mx", "MX" }, { "dns.spf", "SPF" }, { "dns.dmarc", "DMARC" },
		{ "dns.mta-sts", "MTA-STS" }, { "dns.tls-rpt", "TLS-RPT" },
		{ "dns.tlsa", "TLSA" }, { "compare", "compare" },
	};
	attr_t base = selected ? ui->attr[THEME_SELECTION] : ui->attr[THEME_NORMAL];
	size_t i;
	int x;

	fill(y, 0, COLS, base);
	x = put(y, 0, 3, selected ? ">" : " ", base);
	x += putf(y, x, 12, base | A_BOLD, "DNS ");
	for (i = 0; i < sizeof cols / sizeof cols[0] && x < COLS - 12; i++) {
		const struct check_item *it = find_item(ui, cols[i].id, -1, -1);
		enum verdict v = it ? it->verdict : V_PENDING;

		x += put(y, x, COLS - x, cols[i].label, base);
		x += put(y, x, COLS - x, " ", base);
		x += put(y, x, COLS - x, mark(ui, v), selected ? base : ui_verdict_attr(ui, v));
		x += put(y, x, COLS - x, "  ", base);
	}
}

static void draw_table(struct ui *ui, int y0, int rows)
{
	const struct model_domain *d = probe_model(ui->probe);
	/* column widths at 80: # 3, pref 5, host, address 16, 8 x 5 */
	int hostw = COLS - 3 - 5 - 16 - 9 - 9 - 9 - 6 - 8;
	size_t r;
	int y;

	if (hostw < 12)
		hostw = 12;
	fill(y0, 0, COLS, ui->attr[THEME_TABLE_HEADER]);
	putf(y0, 0, COLS, ui->attr[THEME_TABLE_HEADER], " #  pref %-*s %-15s %-8s %-8s %-8s %-5s %s",
	     hostw, "host", "address", "connect", "banner", "TLS", "RCPT", "relay");
	ui->tbl_y0 = y0 + 1;
	ui->tbl_rows = rows;
	if (ui->sel < ui->tbl_top)
		ui->tbl_top = ui->sel;
	if (ui->sel >= ui->tbl_top + (size_t)rows)
		ui->tbl_top = ui->sel - (size_t)rows + 1;
	for (y = 0, r = ui->tbl_top; y < rows && r < ui->nrows; y++, r++) {
		const struct ui_row *row = &ui->rows[r];
		bool selected = r == ui->sel;
		attr_t base = selected ? ui->attr[THEME_SELECTION] : ui->attr[THEME_NORMAL];
		const struct model_host *h;
		const struct model_session *s;
		int x;

		if (row->hi < 0) {
			draw_domain_row(ui, y0 + 1 + y, selected);
			continue;
		}
		h = &d->hosts[row->hi];
		fill(y0 + 1 + y, 0, COLS, base);
		x = putf(y0 + 1 + y, 0, 9, base, "%s%-2ld %-4u ", selected ? ">" : " ",
		         row->hi + 1, h->pref);
		put_raw(y0 + 1 + y, x, hostw, h->name, strlen(h->name), base);
		x += hostw + 1;
		if (row->ai < 0) {
			put(y0 + 1 + y, x, COLS - x, h->a.done && h->aaaa.done ? "no address"
			    : "resolving…", base);
			continue;
		}
		put(y0 + 1 + y, x, 15, h->addrs[row->ai].addr, base);
		x += 16;
		s = h->addrs[row->ai].session;
		if (s == NULL) {
			put(y0 + 1 + y, x, COLS - x, "not probed", base);
			continue;
		}
		{
			static const struct { const char *id; enum model_step_id step; int w; } cols[] = {
				{ "host.connect", STEP_CONNECT, 9 }, { "host.banner", STEP_BANNER, 9 },
				{ "host.starttls", STEP_STARTTLS, 9 }, { "host.rcpt", STEP_RCPT, 6 },
				{ "host.relay", STEP_RELAY, 6 },
			};
			size_t c;

			for (c = 0; c < sizeof cols / sizeof cols[0]; c++) {
				char buf[32];
				enum verdict v;

				cell(ui, s, row->hi, row->ai, cols[c].id, cols[c].step, buf, sizeof buf, &v);
				put(y0 + 1 + y, x, cols[c].w - 1, buf,
				    selected ? base : ui_verdict_attr(ui, v));
				x += cols[c].w;
			}
		}
	}
}

/* ---- panes -------------------------------------------------------------- */

/* Lines are drawn as text, not with the alternate character set: the
 * same on every terminal, and what tmux's capture shows. */
void ui_hline(const struct ui *ui, int y, int x, int w, attr_t a)
{
	int i;

	for (i = 0; i < w; i++)
		put(y, x + i, 1, ui->utf8 ? "─" : "-", a);
}

static void pane_title(struct ui *ui, int y, int x, int w, const char *title,
                       const char *sub, bool focused)
{
	attr_t a = ui->attr[THEME_BORDER];
	int used;

	ui_hline(ui, y, x, w, a);
	used = put(y, x + 1, w - 2, title, (focused ? A_REVERSE : 0) | ui->attr[THEME_TITLE]);
	if (sub != NULL)
		put_raw(y, x + used + 2, w - used - 3, sub, strlen(sub), ui->attr[THEME_TITLE]);
}

static attr_t line_attr(const struct ui *ui, const struct model_line *l)
{
	if (l->dir == 'C')
		return ui->attr[THEME_TRANSCRIPT_CLIENT];
	if (l->dir == 'I')
		return ui->attr[THEME_TRANSCRIPT_INFO];
	return ui_reply_attr(ui, l->code);
}

bool ui_line_matches(const struct model_line *l, const char *q)
{
	size_t n = strlen(q), i, j;

	if (n == 0 || n > l->len)
		return false;
	for (i = 0; i + n <= l->len; i++) {
		for (j = 0; j < n; j++) {
			char a = l->bytes[i + j], b = q[j];

			if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
			if (a != b)
				break;
		}
		if (j == n)
			return true;
	}
	return false;
}

/* A transcript line as shown: its bytes made safe, then its note. */
static size_t line_text(const struct model_line *l, char *buf, size_t sz)
{
	size_t n = text_sanitize(l->bytes, l->len, buf, sz);

	if (l->note[0] != '\0' && n + 3 < sz) {
		memcpy(buf + n, "  ", 2);
		n += 2 + text_sanitize(l->note, strlen(l->note), buf + n + 2, sz - n - 2);
	}
	return n;
}

/* Rows a transcript line takes when wrapped to width (at most 8). */
static int line_rows(const struct model_line *l, int width)
{
	char buf[2048];
	size_t n = line_text(l, buf, sizeof buf);
	int text_w = width - 11, rows;

	if (text_w < 10)
		return 1;
	rows = (int)((n + (size_t)text_w - 1) / (size_t)text_w);
	if (rows < 1)
		rows = 1;
	return rows > 8 ? 8 : rows;
}

static void draw_transcript(struct ui *ui, int y0, int x0, int w, int h)
{
	const struct model_session *s = ui_session_of_row(ui, ui->sel);
	const struct model_domain *d = probe_model(ui->probe);
	int y = 0;
	size_t i;

	if (s == NULL) {
		/* The DNS row: the plan's facts. */
		const struct check_item *items[64];
		size_t n = ui_items_of_row(ui, ui->sel, items, 64), k;

		if (ui->rows[ui->sel].hi >= 0) {
			put(y0, x0, w, "(no session: no address)", ui->attr[THEME_TRANSCRIPT_INFO]);
			return;
		}
		for (i = 0; i < n && y < h; i++)
			for (k = 0; k < items[i]->nfacts && y < h; k++)
				put_raw(y0 + y++, x0, w, items[i]->facts[k], strlen(items[i]->facts[k]),
				        ui->attr[THEME_TRANSCRIPT_INFO]);
		if (y < h)
			putf(y0 + y, x0, w, ui->attr[THEME_TRANSCRIPT_INFO], "DNS plan %s in %llu ms",
			     d->complete ? "complete" : "running", (unsigned long long)d->dns_ms);
		return;
	}
	ui_draw_lines(ui, s, y0, x0, w, h, &ui->tr_sel, &ui->tr_top, ui->tr_follow,
	              ui->focus == FOCUS_TRANSCRIPT);
}

void ui_draw_lines(struct ui *ui, const struct model_session *s, int y0, int x0,
                   int w, int h, size_t *selp, size_t *topp, bool follow, bool show_sel)
{
	int y = 0, rows_needed = 0;
	size_t i, first;

	if (s->nlines == 0) {
		put(y0, x0, w, s->done ? "(nothing was said)" : "connecting…",
		    ui->attr[THEME_TRANSCRIPT_INFO]);
		return;
	}
	if (follow)
		*selp = s->nlines - 1;
	if (*selp >= s->nlines)
		*selp = s->nlines - 1;
	/* Scroll so the selected line is in view. */
	if (*selp < *topp)
		*topp = *selp;
	for (;;) {
		rows_needed = 0;
		for (i = *topp; i <= *selp; i++)
			rows_needed += line_rows(&s->lines[i], w);
		if (rows_needed <= h || *topp == *selp)
			break;
		(*topp)++;
	}
	first = *topp;
	for (i = first; i < s->nlines && y < h; i++) {
		const struct model_line *l = &s->lines[i];
		bool sel = show_sel && i == *selp;
		bool match = ui->qlen > 0 && ui_line_matches(l, ui->query);
		attr_t a = sel ? ui->attr[THEME_SELECTION]
		           : match ? ui->attr[THEME_SEARCH_MATCH] : line_attr(ui, l);
		char buf[2048];
		size_t n = line_text(l, buf, sizeof buf), off = 0;
		int rows = line_rows(l, w), r;
		int text_w = w - 11;

		if (sel)
			fill(y0 + y, x0, w, a);
		putf(y0 + y, x0, 11, sel ? a : ui->attr[THEME_TRANSCRIPT_TIME], "%+7.3f %c:",
		     (double)l->at_ms / 1000.0, l->dir);
		for (r = 0; r < rows && y < h; r++, y++) {
			char part[2048];
			size_t take = n - off;

			if (text_w >= 10 && take > (size_t)text_w)
				take = (size_t)text_w;
			/* Do not split a UTF-8 sequence. */
			while (take > 0 && off + take < n &&
			       ((unsigned char)buf[off + take] & 0xc0) == 0x80)
				take--;
			memcpy(part, buf + off, take);
			part[take] = '\0';
			if (sel && r > 0)
				fill(y0 + y, x0, w, a);
			put(y0 + y, x0 + 11, w - 11, part, a);
			off += take;
		}
	}
}

static void draw_checklist(struct ui *ui, int y0, int x0, int w, int h)
{
	const struct check_item *items[128];
	size_t n = ui_items_of_row(ui, ui->sel, items, 128), i;
	int y;

	if (n == 0) {
		put(y0, x0, w, "(waiting for results)", ui->attr[THEME_VERDICT_PENDING]);
		return;
	}
	if (ui->ck_sel >= n)
		ui->ck_sel = n - 1;
	if (ui->ck_sel < ui->ck_top)
		ui->ck_top = ui->ck_sel;
	if (ui->ck_sel >= ui->ck_top + (size_t)h)
		ui->ck_top = ui->ck_sel - (size_t)h + 1;
	for (y = 0, i = ui->ck_top; i < n && y < h; i++, y++) {
		bool sel = ui->focus == FOCUS_CHECKLIST && i == ui->ck_sel;
		attr_t base = sel ? ui->attr[THEME_SELECTION] : ui->attr[THEME_NORMAL];
		int x;

		if (sel)
			fill(y0 + y, x0, w, base);
		x = put(y0 + y, x0, 2, mark(ui, items[i]->verdict),
		        sel ? base : ui_verdict_attr(ui, items[i]->verdict) | A_BOLD);
		put_raw(y0 + y, x0 + x + 1, w - x - 1, items[i]->title, strlen(items[i]->title),
		        base);
	}
}

/* The explanation of what is selected: a checklist item, a reply, a host. */
static void explanation_of_selection(struct ui *ui, char *title, size_t tsz,
                                     char *body, size_t bsz, enum verdict *v)
{
	const struct check_item *items[128];
	size_t n = ui_items_of_row(ui, ui->sel, items, 128), i;
	const struct model_session *s = ui_session_of_row(ui, ui->sel);

	*v = V_INFO;
	title[0] = body[0] = '\0';
	if (ui->focus == FOCUS_TRANSCRIPT && s != NULL && ui->tr_sel < s->nlines) {
		const struct model_line *l = &s->lines[ui->tr_sel];
		struct code_explanation ex;
		const struct code_info *best;
		char text[600];

		if (l->dir != 'S' || l->code == 0) {
			snprintf(title, tsz, "%s line", l->dir == 'C' ? "Client" : l->dir == 'I' ?
			         "mailflow's" : "Server");
			text_sanitize(l->bytes, l->len, text, sizeof text);
			snprintf(body, bsz, "%s%s%s", text, l->note[0] ? "  " : "", l->note);
			return;
		}
		text_sanitize(l->bytes, l->len, text, sizeof text);
		codes_explain(l->code, NULL, text, &ex);
		best = ex.text ? ex.text : ex.enhanced ? ex.enhanced : ex.basic ? ex.basic : ex.cls;
		*v = l->code / 100 == 2 || l->code / 100 == 3 ? V_PASS
		     : l->code / 100 == 4 ? V_WARN : V_FAIL;
		snprintf(title, tsz, "%d%s%s: %s", l->code, ex.enhanced ? " " : "",
		         ex.enhanced ? ex.enhanced->code : "", best ? best->meaning : "");
		if (best != NULL)
			snprintf(body, bsz, "%s Likely: %s Next: %s", best->explanation,
			         best->causes, best->next);
		return;
	}
	if (n == 0)
		return;
	if (ui->focus != FOCUS_CHECKLIST) {
		/* The hosts table: the worst item of the row. */
		const struct check_item *worst = items[0];
		static const int rank[] = { [V_FAIL] = 5, [V_WARN] = 4, [V_PENDING] = 3,
		                            [V_INFO] = 2, [V_PASS] = 1, [V_SKIP] = 0 };

		for (i = 1; i < n; i++)
			if (rank[items[i]->verdict] > rank[worst->verdict])
				worst = items[i];
		*v = worst->verdict;
		snprintf(title, tsz, "%s", worst->title);
		snprintf(body, bsz, "%s%s%s", worst->explanation,
		         worst->next[0] ? " Next: " : "", worst->next);
		return;
	}
	if (ui->ck_sel >= n)
		return;
	*v = items[ui->ck_sel]->verdict;
	snprintf(title, tsz, "%s", items[ui->ck_sel]->title);
	snprintf(body, bsz, "%s%s%s", items[ui->ck_sel]->explanation,
	         items[ui->ck_sel]->next[0] ? " Next: " : "", items[ui->ck_sel]->next);
}

static void draw_explanation(struct ui *ui, int y0, int h)
{
	char title[512], body[2048], safe[2048];
	enum verdict v;
	int x;

	explanation_of_selection(ui, title, sizeof title, body, sizeof body, &v);
	if (title[0] == '\0') {
		put(y0, 1, COLS - 2, "Select a host, a transcript line or a checklist item.",
		    ui->attr[THEME_EXPLAIN]);
		return;
	}
	x = put(y0, 1, 4, mark(ui, v), ui_verdict_attr(ui, v) | A_BOLD);
	text_sanitize(title, strlen(title), safe, sizeof safe);
	put(y0, 1 + x + 1, COLS - 4, safe, ui->attr[THEME_EXPLAIN] | A_BOLD);
	text_sanitize(body, strlen(body), safe, sizeof safe);
	put_wrapped(y0 + 1, 1, COLS - 2, h - 1, safe, ui->attr[THEME_EXPLAIN]);
}

static void draw_keybar(struct ui *ui)
{
	int y = LINES - 1;

	fill(y, 0, COLS, ui->attr[THEME_KEYBAR]);
	if (ui->searching) {
		putf(y, 0, COLS, ui->attr[THEME_KEYBAR], " /%s_   (Enter: find, Esc: cancel)",
		     ui->query);
		return;
	}
	if (ui->status[0] != '\0' && loop_clock_ms() < ui->status_until) {
		put(y, 1, COLS - 2, ui->status, ui->attr[THEME_KEYBAR] | A_BOLD);
		return;
	}
	put(y, 1, COLS - 2, ui->utf8
	    ? "q quit  Tab pane  ↑↓ select  Enter explain  m manual  r rerun  s save  / search  ? help"
	    : "q quit  Tab pane  up/down select  Enter explain  m manual  r rerun  s save  / search  ? help",
	    ui->attr[THEME_KEYBAR]);
}

/* ---- windows over the screen ------------------------------------------- */

static void draw_box(struct ui *ui, int y, int x, int h, int w, const char *title)
{
	int i;

	for (i = 0; i < h; i++)
		fill(y + i, x, w, ui->attr[THEME_NORMAL]);
	ui_hline(ui, y, x, w, ui->attr[THEME_BORDER]);
	ui_hline(ui, y + h - 1, x, w, ui->attr[THEME_BORDER]);
	for (i = 0; i < h; i++) {
		put(y + i, x, 1, ui->utf8 ? "│" : "|", ui->attr[THEME_BORDER]);
		put(y + i, x + w - 1, 1, ui->utf8 ? "│" : "|", ui->attr[THEME_BORDER]);
	}
	put(y, x, 1, ui->utf8 ? "┌" : "+", ui->attr[THEME_BORDER]);
	put(y, x + w - 1, 1, ui->utf8 ? "┐" : "+", ui->attr[THEME_BORDER]);
	put(y + h - 1, x, 1, ui->utf8 ? "└" : "+", ui->attr[THEME_BORDER]);
	put(y + h - 1, x + w - 1, 1, ui->utf8 ? "┘" : "+", ui->attr[THEME_BORDER]);
	put(y, x + 2, w - 4, title, ui->attr[THEME_TITLE] | A_BOLD);
}

static void draw_help(struct ui *ui)
{
	static const char *const lines[] = {
		"Tab / Shift-Tab   next / previous pane (hosts, transcript, checklist)",
		"Up/Down, j/k      move in the pane       PgUp/PgDn  a page",
		"Home/End          first / last           Enter      explain the selection",
		"r                 run the selected host again (on the DNS row: everything)",
		"R                 run everything again",
		"s                 save the report (.txt with transcripts, and .json)",
		"m                 manual mode on the selected host (from a checklist step:",
		"                  the routine runs up to that step, then you type)",
		"/  n              search the transcript, next match",
		"mouse             click a host, a line or an item to select it",
		"q                 quit                   ?          this help",
		"",
		"Marks: ✓ pass  ! warn  ✗ fail  i info  – skip  ◐ pending",
		"Any key closes this window.",
	};
	int w = COLS - 6 > 78 ? 78 : COLS - 6, h = (int)(sizeof lines / sizeof lines[0]) + 2;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	size_t i;

	draw_box(ui, y0, x0, h, w, " Help ");
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		put(y0 + 1 + (int)i, x0 + 2, w - 4, ui->utf8 || i != 12 ? lines[i]
		    : "Marks: + pass  ! warn  x fail  i info  - skip  * pending",
		    ui->attr[THEME_NORMAL]);
}

static void draw_explain_window(struct ui *ui)
{
	const struct check_item *items[128];
	size_t n = ui_items_of_row(ui, ui->sel, items, 128), k;
	const struct model_session *s = ui_session_of_row(ui, ui->sel);
	char title[512], body[2048], safe[2048];
	enum verdict v;
	int w = COLS - 4, h = LINES - 4, y0 = 2, x0 = 2, y;

	explanation_of_selection(ui, title, sizeof title, body, sizeof body, &v);
	draw_box(ui, y0, x0, h, w, " Explanation (any key closes) ");
	text_sanitize(title, strlen(title), safe, sizeof safe);
	y = y0 + 1;
	put(y, x0 + 2, 3, mark(ui, v), ui_verdict_attr(ui, v) | A_BOLD);
	put(y++, x0 + 5, w - 7, safe, A_BOLD | ui->attr[THEME_NORMAL]);
	text_sanitize(body, strlen(body), safe, sizeof safe);
	y += put_wrapped(y, x0 + 2, w - 4, h / 2, safe, ui->attr[THEME_NORMAL]);
	if (ui->focus == FOCUS_CHECKLIST && ui->ck_sel < n) {
		const struct check_item *it = items[ui->ck_sel];

		y++;
		for (k = 0; k < it->nfacts && y < y0 + h - 1; k++)
			put_raw(y++, x0 + 2, w - 4, it->facts[k], strlen(it->facts[k]),
			        ui->attr[THEME_TRANSCRIPT_INFO]);
		if (s != NULL)
			for (k = it->line_from; k < it->line_to && k < s->nlines && y < y0 + h - 1; k++) {
				int x = putf(y, x0 + 2, 4, ui->attr[THEME_TRANSCRIPT_TIME], "%c: ",
				             s->lines[k].dir);
				put_raw(y++, x0 + 2 + x, w - 4 - x, s->lines[k].bytes, s->lines[k].len,
				        line_attr(ui, &s->lines[k]));
			}
	}
}

/* ---- the whole screen --------------------------------------------------- */

void ui_draw(struct ui *ui)
{
	int table_rows, y, panes_h, split, i;

	erase();
	if (ui->man.active && COLS >= MIN_COLS && LINES >= MIN_LINES) {
		ui_manual_draw(ui);
		refresh();
		return;
	}
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		const char *m1 = "terminal too small";
		char m2[64];

		snprintf(m2, sizeof m2, "mailflow needs %dx%d, this is %dx%d", MIN_COLS,
		         MIN_LINES, COLS, LINES);
		put(LINES / 2 - 1, (COLS - (int)strlen(m1)) / 2 > 0 ? (COLS - (int)strlen(m1)) / 2 : 0,
		    COLS, m1, A_BOLD | ui->attr[THEME_ERROR]);
		put(LINES / 2, (COLS - (int)strlen(m2)) / 2 > 0 ? (COLS - (int)strlen(m2)) / 2 : 0,
		    COLS, m2, ui->attr[THEME_NORMAL]);
		put(LINES / 2 + 1, 0, COLS, "q quits", ui->attr[THEME_NORMAL]);
		refresh();
		return;
	}
	draw_header(ui);
	/* The table gets about a quarter of the screen, at least 3 rows. */
	table_rows = (int)ui->nrows;
	if (table_rows > (LINES - 14))
		table_rows = LINES - 14;
	if (table_rows > LINES / 3)
		table_rows = LINES / 3 > 3 ? LINES / 3 : 3;
	draw_table(ui, 1, table_rows);
	y = 1 + 1 + table_rows;
	panes_h = LINES - y - 1 - 4 - 1;
	split = COLS * 55 / 100;
	ui->panes_y0 = y + 1;
	ui->panes_h = panes_h;
	ui->split_x = split;
	{
		const struct model_session *s = ui_session_of_row(ui, ui->sel);
		char sub[320] = "";

		if (s != NULL)
			snprintf(sub, sizeof sub, "%.200s [%.46s]", s->host, s->addr);
		else if (ui->rows[ui->sel].hi < 0)
			snprintf(sub, sizeof sub, "DNS plan");
		pane_title(ui, y, 0, split, "Transcript", sub, ui->focus == FOCUS_TRANSCRIPT);
		pane_title(ui, y, split, COLS - split, "Checklist", NULL,
		           ui->focus == FOCUS_CHECKLIST);
	}
	for (i = 0; i < panes_h; i++)
		put(y + 1 + i, split, 1, ui->utf8 ? "│" : "|", ui->attr[THEME_BORDER]);
	draw_transcript(ui, y + 1, 0, split - 1, panes_h);
	draw_checklist(ui, y + 1, split + 2, COLS - split - 2, panes_h);
	y += 1 + panes_h;
	pane_title(ui, y, 0, COLS, "Explanation", NULL, false);
	draw_explanation(ui, y + 1, 3);
	draw_keybar(ui);
	if (ui->help_open)
		draw_help(ui);
	else if (ui->explain_open)
		draw_explain_window(ui);
	refresh();
}
