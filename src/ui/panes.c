/*
 * panes.c — the hosts screen below the table: the selected row's
 * transcript and checklist side by side, the explanation of the
 * selection, and the key bar (or the status line).
 */
#include "ui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/loop.h"
#include "mailflow/text.h"

static void pane_title(struct ui *ui, int y, int x, int w, const char *title,
                       const char *sub, bool focused)
{
	const struct paint *p = &ui->paint;
	int used;

	paint_hline(p, y, x, w, p->attr[THEME_BORDER]);
	used = paint_put(y, x + 1, w - 2, title,
	                 (focused ? A_REVERSE : 0) | p->attr[THEME_TITLE]);
	if (sub != NULL)
		paint_put_raw(y, x + used + 2, w - used - 3, sub, strlen(sub), p->attr[THEME_TITLE]);
}

/* The DNS row has no session: its transcript pane shows the plan's facts. */
static void draw_dns_facts(struct ui *ui, int y0, int x0, int w, int h)
{
	const struct model_domain *d = probe_model(ui->probe);
	const struct check_item *items[UI_ITEMS_MAX];
	size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX), i, k;
	attr_t a = ui->paint.attr[THEME_TRANSCRIPT_INFO];
	int y = 0;

	if (ui->rows[ui->sel].hi >= 0) {
		paint_put(y0, x0, w, "(no session: no address)", a);
		return;
	}
	for (i = 0; i < n && y < h; i++)
		for (k = 0; k < items[i]->nfacts && y < h; k++)
			paint_put_raw(y0 + y++, x0, w, items[i]->facts[k], strlen(items[i]->facts[k]), a);
	if (y < h)
		paint_putf(y0 + y, x0, w, a, "DNS plan %s in %llu ms",
		           d->complete ? "complete" : "running", (unsigned long long)d->dns_ms);
}

static void draw_transcript(struct ui *ui, int y0, int x0, int w, int h)
{
	const struct model_session *s = ui_session_of_row(ui, ui->sel);

	if (s == NULL) {
		draw_dns_facts(ui, y0, x0, w, h);
		return;
	}
	ui->tr.show_sel = ui->focus == FOCUS_TRANSCRIPT;
	lines_draw(&ui->paint, s, &ui->tr, ui->query, y0, x0, w, h);
}

/* A checklist title takes up to this many rows: a long one wraps at its
 * words rather than lose its end (an address, a reason) to "…". */
#define ITEM_ROWS_MAX 2
#define MARK_COLS 2

static int item_rows(const struct check_item *it, int w, char *buf, size_t sz)
{
	text_sanitize(it->title, strlen(it->title), buf, sz);
	return paint_wrapped_rows(buf, w - MARK_COLS, ITEM_ROWS_MAX);
}

/* The checklist's first item on screen, moved so that the selected one
 * shows whole in h rows. */
static void checklist_scroll(struct ui *ui, const struct check_item **items, size_t n,
                             int w, int h)
{
	char buf[2048];
	size_t i;
	int used;

	if (ui->ck_sel >= n)
		ui->ck_sel = n - 1;
	if (ui->ck_sel < ui->ck_top)
		ui->ck_top = ui->ck_sel;
	for (;;) {
		for (used = 0, i = ui->ck_top; i <= ui->ck_sel; i++)
			used += item_rows(items[i], w, buf, sizeof buf);
		if (used <= h || ui->ck_top == ui->ck_sel)
			return;
		ui->ck_top++;
	}
}

size_t ui_checklist_item_at(struct ui *ui, int row)
{
	const struct check_item *items[UI_ITEMS_MAX];
	size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX), i;
	int w = COLS - ui->split_x - 2, y = 0;
	char buf[2048];

	for (i = ui->ck_top; i < n; i++) {
		y += item_rows(items[i], w, buf, sizeof buf);
		if (row < y)
			return i;
	}
	return n > 0 ? n - 1 : 0;
}

static void draw_checklist(struct ui *ui, int y0, int x0, int w, int h)
{
	const struct paint *p = &ui->paint;
	const struct check_item *items[UI_ITEMS_MAX];
	size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX), i;
	char buf[2048];
	int y, rows;

	if (n == 0) {
		paint_put(y0, x0, w, "(waiting for results)", p->attr[THEME_VERDICT_PENDING]);
		return;
	}
	checklist_scroll(ui, items, n, w, h);
	for (y = 0, i = ui->ck_top; i < n && y < h; i++, y += rows) {
		bool sel = ui->focus == FOCUS_CHECKLIST && i == ui->ck_sel;
		attr_t base = sel ? p->attr[THEME_SELECTION] : p->attr[THEME_NORMAL];
		int r;

		rows = item_rows(items[i], w, buf, sizeof buf);
		if (rows > h - y)
			rows = h - y;
		for (r = 0; sel && r < rows; r++)
			paint_fill(y0 + y + r, x0, w, base);
		paint_put(y0 + y, x0, MARK_COLS, paint_mark(p, items[i]->verdict),
		          sel ? base : paint_verdict_attr(p, items[i]->verdict) | A_BOLD);
		paint_put_wrapped(y0 + y, x0 + MARK_COLS, w - MARK_COLS, rows, buf, base);
	}
}

void ui_panes_draw(struct ui *ui, int y, int h)
{
	const struct model_session *s = ui_session_of_row(ui, ui->sel);
	int split = ui->split_x;
	char sub[320] = "";

	if (s != NULL)
		snprintf(sub, sizeof sub, "%.200s [%.46s]", s->host, s->addr);
	else if (ui->rows[ui->sel].hi < 0)
		snprintf(sub, sizeof sub, "DNS plan");
	pane_title(ui, y, 0, split, "Transcript", sub, ui->focus == FOCUS_TRANSCRIPT);
	pane_title(ui, y, split, COLS - split, "Checklist", NULL, ui->focus == FOCUS_CHECKLIST);
	paint_vline(&ui->paint, y + 1, split, h, ui->paint.attr[THEME_BORDER]);
	draw_transcript(ui, y + 1, 0, split - 1, h);
	draw_checklist(ui, y + 1, split + 2, COLS - split - 2, h);
}

void ui_panes_draw_explanation(struct ui *ui, int y, int h)
{
	const struct paint *p = &ui->paint;
	char title[512], body[2048], safe[2048];
	enum verdict v;
	int x;

	/* The table's legend while the table has the focus. */
	pane_title(ui, y, 0, COLS, "Explanation", ui->focus != FOCUS_HOSTS ? NULL
	           : paint_pick(p, " first mark: the host's verdict; cells: each step, ✓ pass ! warn ✗ fail i info – not run ◐ running; ? help ",
	                        " first mark: the host's verdict; cells: each step, + pass ! warn x fail i info - not run | running; ? help "),
	           false);
	ui_explain_selection(ui, title, sizeof title, body, sizeof body, &v);
	if (title[0] == '\0') {
		paint_put(y + 1, 1, COLS - 2, "Select a host, a transcript line or a checklist item.",
		          p->attr[THEME_EXPLAIN]);
		return;
	}
	x = paint_put(y + 1, 1, 4, paint_mark(p, v), paint_verdict_attr(p, v) | A_BOLD);
	text_sanitize(title, strlen(title), safe, sizeof safe);
	paint_put(y + 1, 1 + x + 1, COLS - 4, safe, p->attr[THEME_EXPLAIN] | A_BOLD);
	text_sanitize(body, strlen(body), safe, sizeof safe);
	paint_put_wrapped(y + 2, 1, COLS - 2, h - 2, safe, p->attr[THEME_EXPLAIN]);
}

/* A bar as shown: with a parked manual session, "m manual" names M, the
 * way back to it. */
static const char *keybar_text(const struct ui *ui, const char *bar, char *buf, size_t size)
{
	const char *at = strstr(bar, "m manual");

	if (!ui->man.parked || at == NULL)
		return bar;
	snprintf(buf, size, "%.*sM back to manual%s", (int)(at - bar), bar,
	         at + strlen("m manual"));
	return buf;
}

/* The longest key bar that fits; every one keeps "? help". */
void ui_panes_draw_keybar(struct ui *ui)
{
	static const char *const bars[][2] = {
		{ "q quit  Tab pane  ↑↓ select  Enter explain  m manual  r rerun  s save  / search  y copy  ? help",
		  "q quit  Tab pane  up/down select  Enter explain  m manual  r rerun  s save  / search  y copy  ? help" },
		{ "q quit  Tab pane  ↑↓ select  Enter explain  m manual  r rerun  s save  / search  ? help",
		  "q quit  Tab pane  up/down select  Enter explain  m manual  r rerun  s save  / search  ? help" },
		{ "q quit  Tab pane  Enter explain  m manual  r rerun  s save  / search  ? help",
		  "q quit  Tab pane  Enter explain  m manual  r rerun  s save  / search  ? help" },
		{ "q quit  Tab pane  ⏎ explain  m manual  r rerun  s save  ? help",
		  "q quit  Tab pane  Enter explain  m manual  r rerun  s save  ? help" },
		{ "q quit  ? help", "q quit  ? help" },
	};
	attr_t a = ui->paint.attr[THEME_KEYBAR];
	int y = LINES - 1;
	size_t i, n = sizeof bars / sizeof bars[0];
	char buf[256];

	paint_fill(y, 0, COLS, a);
	if (ui->status[0] != '\0' && loop_clock_ms() < ui->status_until) {
		paint_put(y, 1, COLS - 2, ui->status, a | A_BOLD);
		return;
	}
	for (i = 0; i < n - 1; i++) {
		const char *bar = keybar_text(ui, paint_pick(&ui->paint, bars[i][0], bars[i][1]),
		                              buf, sizeof buf);
		size_t w = mbstowcs(NULL, bar, 0);

		if (w != (size_t)-1 && (int)w <= COLS - 2)
			break;
	}
	paint_put(y, 1, COLS - 2, keybar_text(ui, paint_pick(&ui->paint, bars[i][0], bars[i][1]),
	          buf, sizeof buf), a);
}
