/*
 * table.c — the hosts screen's top: the header line and the hosts table
 * (the DNS row with the domain's verdicts, then one row per address with
 * the cells of its steps, written by the core's checklist_step_cell so
 * the table says what the reports say).
 */
#include "ui_internal.h"

#include "mailflow/summary.h"

#include <stdio.h>
#include <string.h>

#include "mailflow/loop.h"

/* Column widths at 80: # 3, pref 5, host, address 16, the step cells. */
#define ADDR_W 16

static const struct {
	const char *id;
	enum model_step_id step;
	int w;
} step_cols[] = {
	{ "host.connect", STEP_CONNECT, 9 }, { "host.banner", STEP_BANNER, 9 },
	{ "host.starttls", STEP_STARTTLS, 9 }, { "host.rcpt", STEP_RCPT, 6 },
	{ "host.relay", STEP_RELAY, 6 },
};

void ui_table_draw_header(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);
	attr_t a = ui->paint.attr[THEME_HEADER];
	uint64_t now = ui->done_ms ? ui->done_ms : loop_clock_ms();
	char right[128], verdicts[120];
	int x, rw;

	paint_fill(0, 0, COLS, a);
	/* Every class, so the counts add up to the checklist. */
	rw = snprintf(right, sizeof right, "%s ",
	              checklist_verdict_line(&ui->list, verdicts, sizeof verdicts));
	if (rw > COLS - 24)             /* "mailflow" and the domain stay */
		rw = COLS - 24 > 0 ? COLS - 24 : 0;
	paint_put(0, COLS - rw, rw, right, a);
	x = paint_put(0, 1, 10, "mailflow", a | A_BOLD) + 3;
	x += paint_put_raw(0, x, COLS / 3, d->target.domain, strlen(d->target.domain),
	                   a | A_BOLD);
	paint_putf(0, x, COLS - rw - x - 1, a, "  %zu MX  %.1f s  %s",
	           d->nhosts, (double)(now - ui->started_ms) / 1000.0,
	           ui->done_ms ? "done" : d->complete ? "probing" : "resolving");
}

static int host_width(void)
{
	int w = COLS - 3 - 5 - ADDR_W - 9 - 9 - 9 - 6 - 8;

	return w < 12 ? 12 : w;
}

static void draw_domain_row(struct ui *ui, int y, bool selected)
{
	static const struct { const char *id, *label; } cols[] = {
		{ "dns.mx", "MX" }, { "dns.spf", "SPF" }, { "dns.dmarc", "DMARC" },
		{ "dns.mta-sts", "MTA-STS" }, { "dns.tls-rpt", "TLS-RPT" },
		{ "dns.tlsa", "TLSA" }, { "compare", "compare" },
	};
	const struct paint *p = &ui->paint;
	attr_t base = selected ? p->attr[THEME_SELECTION] : p->attr[THEME_NORMAL];
	size_t i;
	int x;

	paint_fill(y, 0, COLS, base);
	x = paint_put(y, 0, 3, selected ? ">" : " ", base);
	x += paint_putf(y, x, 12, base | A_BOLD, "DNS ");
	for (i = 0; i < sizeof cols / sizeof cols[0] && x < COLS - 12; i++) {
		const struct check_item *it = checklist_find(&ui->list, cols[i].id, -1, -1);
		enum verdict v = it ? it->verdict : V_PENDING;

		x += paint_put(y, x, COLS - x, cols[i].label, base);
		x += paint_put(y, x, COLS - x, " ", base);
		x += paint_put(y, x, COLS - x, paint_mark(p, v),
		               selected ? base : paint_verdict_attr(p, v));
		x += paint_put(y, x, COLS - x, "  ", base);
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

/* A step's cell colour: its checklist item's verdict; pending while the
 * step has still to run or is running. */
static enum verdict cell_verdict(const struct ui *ui, const struct model_session *s,
                                 const struct ui_row *row, size_t c)
{
	const struct check_item *it = checklist_find(&ui->list, step_cols[c].id, row->hi,
	                                             row->ai);
	enum model_step_state state = s->steps[step_cols[c].step].state;

	if (state == STEP_RUNNING || (state == STEP_NOT_RUN && !s->done))
		return V_PENDING;
	return it ? it->verdict : V_PENDING;
}

static void draw_cells(struct ui *ui, const struct model_session *s,
                       const struct ui_row *row, int y, int x, attr_t base, bool selected)
{
	unsigned flags = ui->paint.utf8 ? CELL_UTF8 : 0;
	uint64_t now = loop_clock_ms();
	size_t c;

	for (c = 0; c < sizeof step_cols / sizeof step_cols[0]; c++) {
		char buf[32];
		enum verdict v = cell_verdict(ui, s, row, c);

		checklist_step_cell(s, step_cols[c].step, flags, now, buf, sizeof buf);
		paint_put(y, x, step_cols[c].w - 1, buf,
		          selected ? base : paint_verdict_attr(&ui->paint, v));
		x += step_cols[c].w;
	}
}

static void draw_address_row(struct ui *ui, const struct ui_row *row, int y, bool selected)
{
	const struct model_host *h = &probe_model(ui->probe)->hosts[row->hi];
	attr_t base = selected ? ui->paint.attr[THEME_SELECTION] : ui->paint.attr[THEME_NORMAL];
	int hostw = host_width(), x;

	paint_fill(y, 0, COLS, base);
	x = paint_putf(y, 0, 9, base, "%s%-2ld %-4u ", selected ? ">" : " ", row->hi + 1,
	               h->pref);
	paint_put_raw(y, x, hostw, h->name, strlen(h->name), base);
	x += hostw + 1;
	if (row->ai < 0) {
		paint_put(y, x, COLS - x, h->a.done && h->aaaa.done ? "no address"
		          : "resolving…", base);
		return;
	}
	paint_put(y, x, ADDR_W - 1, h->addrs[row->ai].addr, base);
	x += ADDR_W;
	if (h->addrs[row->ai].session == NULL) {
		paint_put(y, x, COLS - x, "not probed", base);
		return;
	}
	draw_cells(ui, h->addrs[row->ai].session, row, y, x, base, selected);
}

void ui_table_draw(struct ui *ui, int y0, int rows)
{
	attr_t head = ui->paint.attr[THEME_TABLE_HEADER];
	size_t r;
	int y;

	paint_fill(y0, 0, COLS, head);
	paint_putf(y0, 0, COLS, head, " #  pref %-*s %-15s %-8s %-8s %-8s %-5s %s",
	           host_width(), "host", "address", "connect", "banner", "TLS", "RCPT", "relay");
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
			draw_domain_row(ui, y0 + 1 + y, r == ui->sel);
		else
			draw_address_row(ui, &ui->rows[r], y0 + 1 + y, r == ui->sel);
	}
}
