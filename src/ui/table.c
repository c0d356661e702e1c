/*
 * table.c — the hosts screen's top: the header line, the domain's
 * sentence (summary_domain_text) and the hosts table: the DNS row with the
 * domain's verdicts, then one row per address with its overall verdict
 * (summary_host) and the cells of its steps (cell_of), so the table says
 * what the checklist and the reports say. A running row shows its step
 * and that step's countdown; names lose the suffix all rows share when
 * they do not fit.
 */
#include "ui_internal.h"

#include "mailflow/summary.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include "mailflow/cell.h"
#include "mailflow/loop.h"

/* Columns at their widest (132) and narrowest (80) widths. */
static const int col_wide[CELL_COL__COUNT] = { 10, 10, 18, 7, 13 };
static const int col_medium[CELL_COL__COUNT] = { 10, 9, 17, 7, 12 };
static const int col_narrow[CELL_COL__COUNT] = { 10, 9, 14, 7, 12 };

struct layout {
	bool num;                       /* the # column */
	int pref_w, host_w, addr_w;
	int col_w[CELL_COL__COUNT];
	size_t strip;                   /* bytes of shared suffix dropped */
};

/* The suffix (whole labels, with its dot) every host name shares; with
 * one host, all but its first label. */
static size_t shared_suffix(const struct model_domain *d)
{
	const char *first, *dot;
	size_t i, n, fl;

	if (d->nhosts == 0)
		return 0;
	first = d->hosts[0].name;
	fl = strlen(first);
	/* An address literal (-s 192.0.2.1, IPv6) keeps all of itself. */
	if (strspn(first, "0123456789.") == fl || strchr(first, ':') != NULL)
		return 0;
	if (d->nhosts == 1) {
		dot = strchr(first, '.');
		return dot != NULL && dot[1] != '\0' ? strlen(dot) : 0;
	}
	n = fl;
	for (i = 1; i < d->nhosts; i++) {
		const char *o = d->hosts[i].name;
		size_t ol = strlen(o), k = 0;

		while (k < n && k < ol && tolower((unsigned char)first[fl - 1 - k]) ==
		       tolower((unsigned char)o[ol - 1 - k]))
			k++;
		n = k;
	}
	while (n > 0 && first[fl - n] != '.')
		n--;
	return n;
}

static void layout_compute(const struct ui *ui, struct layout *l)
{
	const struct model_domain *d = probe_model(ui->probe);
	size_t i, j, name_max = 4, addr_max = 7;
	int fixed, c, room;

	memset(l, 0, sizeof *l);
	l->num = COLS >= 100;
	l->pref_w = 5;                  /* "pref" and its gap */
	for (c = 0; c < CELL_COL__COUNT; c++)
		l->col_w[c] = COLS >= 132 ? col_wide[c] : COLS >= 100 ? col_medium[c]
		              : col_narrow[c];
	for (i = 0; i < d->nhosts; i++) {
		if (strlen(d->hosts[i].name) > name_max)
			name_max = strlen(d->hosts[i].name);
		for (j = 0; j < d->hosts[i].naddrs; j++)
			if (strlen(d->hosts[i].addrs[j].addr) > addr_max)
				addr_max = strlen(d->hosts[i].addrs[j].addr);
	}
	l->addr_w = (int)addr_max + 2 > 17 ? 17 : (int)addr_max + 2;
	fixed = 3 + (l->num ? 3 : 0) + l->pref_w + l->addr_w;
	for (c = 0; c < CELL_COL__COUNT; c++)
		fixed += l->col_w[c];
	room = COLS - fixed;
	if ((int)name_max + 1 > room) {
		l->strip = shared_suffix(d);
		name_max = name_max > l->strip ? name_max - l->strip : name_max;
	}
	l->host_w = (int)name_max + 1 < room ? (int)name_max + 1 : room;
	if (l->host_w < 6)
		l->host_w = 6;
}

/* Without the shared suffix: the bytes of name the table shows. */
static size_t name_shown(const struct layout *l, const char *name)
{
	size_t n = strlen(name);

	return l->strip > 0 && n > l->strip ? n - l->strip : n;
}

/*
 * The name as the table shows it, in l->host_w - 1 columns: without the
 * shared suffix; too long, cut at its end with "…" — unless another host
 * would then read the same, when the middle goes instead, so that what
 * tells them apart (mx.server1.dc, mx.server2.dc) stays: "mx.s…r1.dc".
 * Host names are ASCII here (IDNs are shown as A-labels), so bytes are
 * columns.
 */
static void host_name(const struct layout *l, const struct model_domain *d,
                      const char *name, const char *dots, char *buf, size_t size)
{
	size_t n = name_shown(l, name), w = l->host_w > 1 ? (size_t)l->host_w - 1 : 1;
	size_t keep = w > 1 ? w - 1 : 0, i, head;

	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] >= 0x80)
			break;
	if (n <= w || keep < 3 || i < n) {
		snprintf(buf, size, "%.*s", (int)n, name);
		return;
	}
	for (i = 0; i < d->nhosts; i++) {
		const char *o = d->hosts[i].name;

		if (o != name && strcmp(o, name) != 0 && name_shown(l, o) > w &&
		    strncmp(o, name, keep) == 0)
			break;
	}
	if (i == d->nhosts) {
		snprintf(buf, size, "%.*s", (int)n, name);     /* paint_put adds "…" */
		return;
	}
	head = keep / 2;
	snprintf(buf, size, "%.*s%s%.*s", (int)head, name, dots, (int)(keep - head),
	         name + n - (keep - head));
}

static void header_state(struct ui *ui, char *buf, size_t size)
{
	const struct model_domain *d = probe_model(ui->probe);

	if (ui->done_ms) {
		snprintf(buf, size, "done");
		return;
	}
	if (!d->complete) {
		snprintf(buf, size, "resolving");
		return;
	}
	snprintf(buf, size, "%zu/%zu host%s done", ui->sum.done, ui->sum.all,
	         ui->sum.all == 1 ? "" : "s");
}

/* "mailflow  DOMAIN  3 MX  1.2 s  3/8 hosts done" first, then the
 * verdict counts at the right in what is left (cut with "…"). */
void ui_table_draw_header(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);
	attr_t a = ui->paint.attr[THEME_HEADER];
	uint64_t now = ui->done_ms ? ui->done_ms : loop_clock_ms();
	char verdicts[120], state[64], count[32];
	int x, rw;

	paint_fill(0, 0, COLS, a);
	header_state(ui, state, sizeof state);
	if (ui->popt.server != NULL)
		snprintf(count, sizeof count, "%zu host (-s)", d->nhosts);
	else
		snprintf(count, sizeof count, "%zu MX", d->nhosts);
	x = 1 + paint_put(0, 1, 10, "mailflow", a | A_BOLD) + 2;
	x += paint_put_raw(0, x, COLS / 3, d->target.domain, strlen(d->target.domain),
	                   a | A_BOLD);
	x += paint_putf(0, x, COLS - x - 1, a, "  %s  %.1f s  %s", count,
	                (double)(now - ui->started_ms) / 1000.0, state);
	/* Every class, so the counts add up to the checklist; by marks
	 * where the words do not fit ("✗2 !1 ✓9 i3 –4"). */
	checklist_verdict_line(&ui->list, verdicts, sizeof verdicts);
	rw = (int)strlen(verdicts);     /* ASCII: bytes are columns */
	if (rw > COLS - x - 4) {
		size_t n[VERDICT__COUNT];
		const struct paint *p = &ui->paint;

		checklist_count(&ui->list, n);
		rw = snprintf(verdicts, sizeof verdicts, "%s%zu %s%zu %s%zu %s%zu %s%zu",
		              paint_mark(p, V_FAIL), n[V_FAIL], paint_mark(p, V_WARN), n[V_WARN],
		              paint_mark(p, V_PASS), n[V_PASS], paint_mark(p, V_INFO), n[V_INFO],
		              paint_mark(p, V_SKIP), n[V_SKIP]);
		if (n[V_PENDING] > 0 && rw > 0 && (size_t)rw < sizeof verdicts)
			snprintf(verdicts + rw, sizeof verdicts - (size_t)rw, " %s%zu",
			         paint_pick(p, "…", "*"), n[V_PENDING]);
		rw = (int)mbstowcs(NULL, verdicts, 0);
		if (rw > COLS - x - 2)
			rw = COLS - x - 2;
	}
	if (rw > 0)
		paint_put(0, COLS - rw - 1, rw, verdicts, a);
}

int ui_table_draw_summary(struct ui *ui, int y, int maxrows)
{
	paint_fill(y, 0, COLS, ui->paint.attr[THEME_NORMAL]);
	return paint_put_wrapped(y, 1, COLS - 2, maxrows, ui->sum.sentence,
	                         ui->paint.attr[THEME_NORMAL] | A_BOLD);
}

/* ">✓ " : the selection and a verdict; returns the next x. */
static int put_verdict(struct ui *ui, int y, bool selected, enum verdict v, attr_t base)
{
	paint_put(y, 0, 1, selected ? ">" : " ", base);
	paint_put(y, 1, 1, paint_mark(&ui->paint, v),
	          (selected ? base : paint_verdict_attr(&ui->paint, v)) | A_BOLD);
	return 3;
}

static enum verdict row_verdict(const struct ui *ui, size_t row)
{
	return ui->sum.row_verdict != NULL && row < ui->nrows ? ui->sum.row_verdict[row]
	       : V_PENDING;
}

static void draw_domain_row(struct ui *ui, size_t row, int y, bool selected)
{
	static const struct { const char *id, *label; } cols[] = {
		{ "dns.mx", "MX" }, { "dns.mx.targets", "targets" }, { "dns.spf", "SPF" },
		{ "dns.dmarc", "DMARC" }, { "dns.mta-sts", "MTA-STS" },
		{ "dns.tls-rpt", "TLS-RPT" }, { "compare", "compare" }, { "dns.dnssec", "DNSSEC" },
		{ "dns.tlsa", "TLSA" },
	};
	const struct paint *p = &ui->paint;
	attr_t base = selected ? p->attr[THEME_SELECTION] : p->attr[THEME_NORMAL];
	size_t i;
	int x;

	int gap = 2, total, cells;

	paint_fill(y, 0, COLS, base);
	x = put_verdict(ui, y, selected, row_verdict(ui, row), base);
	/* Two columns between cells when they all fit so, else one; at 80
	 * columns the row's "DNS" label goes too, so that every cell fits
	 * (the cells, MX first, say what the row is). */
	for (cells = 0, total = x + 4 - gap, i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (checklist_find(&ui->list, cols[i].id, -1, -1) != NULL) {
			total += gap + (int)strlen(cols[i].label) + 2;
			cells++;
		}
	if (total > COLS) {
		gap = 1;
		total -= cells - 1;         /* one column less per gap */
	}
	if (total <= COLS)
		x += paint_putf(y, x, 12, base | A_BOLD, "DNS ");
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		const struct check_item *it = checklist_find(&ui->list, cols[i].id, -1, -1);
		enum verdict v = it ? it->verdict : V_PENDING;
		int need = (int)strlen(cols[i].label) + 2;

		if (it == NULL)
			continue;
		if (x + need > COLS) {
			paint_put(y, COLS - 1, 1, paint_pick(p, "…", "~"), base);
			break;
		}
		x += paint_put(y, x, COLS - x, cols[i].label, base);
		x += paint_put(y, x, COLS - x, " ", base);
		x += paint_put(y, x, COLS - x, paint_mark(p, v),
		               selected ? base : paint_verdict_attr(p, v));
		x += gap;               /* the gap (filled already) */
	}
}

/* --sender's row: SPF, DMARC and DKIM marks, then the sentence. */
static void draw_sender_row(struct ui *ui, int y, bool selected)
{
	static const struct { const char *id, *label; } cols[] = {
		{ "sender.spf", "SPF" }, { "sender.dmarc", "DMARC" }, { "sender.dkim", "DKIM" },
	};
	const struct paint *p = &ui->paint;
	attr_t base = selected ? p->attr[THEME_SELECTION] : p->attr[THEME_NORMAL];
	char sentence[1024];
	size_t i;
	int x;

	paint_fill(y, 0, COLS, base);
	x = paint_put(y, 0, 3, selected ? ">" : " ", base);
	x += paint_putf(y, x, 12, base | A_BOLD, "Sender ");
	for (i = 0; i < sizeof cols / sizeof cols[0] && x < COLS - 12; i++) {
		const struct check_item *it = checklist_find(&ui->list, cols[i].id, -1, -1);
		enum verdict v = it ? it->verdict : V_PENDING;

		x += paint_put(y, x, COLS - x, cols[i].label, base);
		x += paint_put(y, x, COLS - x, " ", base);
		x += paint_put(y, x, COLS - x, paint_mark(p, v),
		               selected ? base : paint_verdict_attr(p, v));
		x += paint_put(y, x, COLS - x, "  ", base);
	}
	summary_sender_text(probe_model(ui->probe), &ui->list, sentence, sizeof sentence);
	if (x < COLS - 1)
		paint_put_raw(y, x, COLS - x - 1, sentence, strlen(sentence), base);
}

/* One cell: lead, mark, note; cut with "…" to w. A DANE mark after them
 * takes host.dane's colour (dane_a); the note gives way to it. */
static void put_cell(struct ui *ui, int y, int x, int w, const struct cell *c, attr_t a,
                     attr_t dane_a)
{
	const char *note = c->note;
	char buf[80];
	int n;

	if (c->dane && (int)(strlen(c->lead) + strlen(note) + 10) > w)
		note = "";
	if (c->mark)
		snprintf(buf, sizeof buf, "%s %s%s%s", c->lead, paint_mark(&ui->paint, c->verdict),
		         note[0] ? " " : "", note);
	else
		snprintf(buf, sizeof buf, "%s", c->lead);
	n = paint_put(y, x, w, buf, a);
	if (c->dane && n + 7 <= w) {
		snprintf(buf, sizeof buf, " DANE %s", paint_mark(&ui->paint, c->dane_verdict));
		paint_put(y, x + n, w - n, buf, dane_a);
	}
}

static void draw_cells(struct ui *ui, const struct layout *l, const struct ui_row *row,
                       int y, int x, attr_t base, bool selected)
{
	const struct model_domain *d = probe_model(ui->probe);
	const struct model_session *s = d->hosts[row->hi].addrs[row->ai].session;
	unsigned flags = ui->paint.utf8 ? CELL_UTF8 : 0;
	int c;

	for (c = 0; c < CELL_COL__COUNT && x < COLS; c++) {
		struct cell cell;
		bool last = c == CELL_COL__COUNT - 1;
		int w = last ? COLS - x : l->col_w[c] - 1;

		cell_of(d, &ui->list, row->hi, row->ai, (enum cell_col)c, flags, &cell);
		if (cell.lead[0] == '\0' && !s->done) {
			char run[96];

			/* The step that runs, with its clock, over the rest. */
			if (cell_running_words(s, &ui->popt.session, flags, loop_clock_ms(),
			                       run, sizeof run))
				paint_put(y, x, COLS - x, run, selected ? base
				          : paint_verdict_attr(&ui->paint, V_PENDING));
			return;
		}
		put_cell(ui, y, x, w, &cell, selected ? base
		         : paint_verdict_attr(&ui->paint, cell.verdict), selected ? base
		         : paint_verdict_attr(&ui->paint, cell.dane_verdict));
		x += l->col_w[c];
	}
}

static void draw_address_row(struct ui *ui, const struct layout *l, size_t r,
                             int y, bool selected)
{
	const struct model_domain *d = probe_model(ui->probe);
	const struct ui_row *row = &ui->rows[r];
	const struct model_host *h = &d->hosts[row->hi];
	attr_t base = selected ? ui->paint.attr[THEME_SELECTION] : ui->paint.attr[THEME_NORMAL];
	char name[DNS_NAME_MAX];
	int x;

	paint_fill(y, 0, COLS, base);
	x = put_verdict(ui, y, selected, row_verdict(ui, r), base);
	if (l->num)
		x += paint_putf(y, x, 3, base, "%-2ld ", row->hi + 1);
	x += paint_putf(y, x, l->pref_w, base, "%-*u", l->pref_w, h->pref);
	host_name(l, d, h->name, paint_pick(&ui->paint, "…", "~"), name, sizeof name);
	paint_put_raw(y, x, l->host_w - 1, name, strlen(name), base);
	x += l->host_w;
	if (row->ai < 0) {
		bool none = h->a.done && h->aaaa.done;
		struct cell c = { none ? V_FAIL : V_PENDING, none, "", "", false, V_PENDING };

		snprintf(c.lead, sizeof c.lead, "%s", none ? "no address" : "resolving…");
		put_cell(ui, y, x, COLS - x, &c, selected ? base
		         : paint_verdict_attr(&ui->paint, c.verdict), base);
		return;
	}
	paint_put(y, x, l->addr_w - 1, h->addrs[row->ai].addr, base);
	x += l->addr_w;
	if (h->addrs[row->ai].session == NULL) {
		paint_put(y, x, COLS - x, "not probed", base);
		return;
	}
	draw_cells(ui, l, row, y, x, base, selected);
}

static void draw_table_header(struct ui *ui, const struct layout *l, int y)
{
	attr_t head = ui->paint.attr[THEME_TABLE_HEADER];
	int x = 3, c;

	paint_fill(y, 0, COLS, head);
	if (l->num)
		x += paint_put(y, x, 3, "#  ", head);
	paint_put(y, x, l->pref_w, "pref", head);
	x += l->pref_w;
	paint_put(y, x, l->host_w - 1, "host", head);
	x += l->host_w;
	paint_put(y, x, l->addr_w - 1, "address", head);
	x += l->addr_w;
	for (c = 0; c < CELL_COL__COUNT && x < COLS; c++) {
		paint_put(y, x, COLS - x, cell_col_name((enum cell_col)c), head);
		x += l->col_w[c];
	}
}

void ui_table_draw(struct ui *ui, int y0, int rows)
{
	struct layout l;
	size_t r;
	int y;

	layout_compute(ui, &l);
	draw_table_header(ui, &l, y0);
	ui->tbl_y0 = y0 + 1;
	ui->tbl_rows = rows;
	if (ui->sel < ui->tbl_top)
		ui->tbl_top = ui->sel;
	if (ui->sel >= ui->tbl_top + (size_t)rows)
		ui->tbl_top = ui->sel - (size_t)rows + 1;
	for (y = 0, r = ui->tbl_top; y < rows && r < ui->nrows; y++, r++) {
		if (ui->rows[r].hi == UI_ROW_SENDER)
			draw_sender_row(ui, y0 + 1 + y, r == ui->sel);
		else if (ui->rows[r].hi < 0)
			draw_domain_row(ui, r, y0 + 1 + y, r == ui->sel);
		else
			draw_address_row(ui, &l, r, y0 + 1 + y, r == ui->sel);
	}
}
