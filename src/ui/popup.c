/*
 * popup.c — the big explanation window as a mode (Enter): the selection
 * explained in full, and for a checklist item its facts and the transcript
 * lines that are its evidence. It fits in its border and scrolls (↑↓ PgUp
 * PgDn) when the text is longer; any other key closes it.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

#include "mailflow/text.h"

#define POPUP_ROWS_MAX 256

struct popup_row {
	char text[512];
	attr_t attr;
};

static struct popup_row popup_rows[POPUP_ROWS_MAX];
static int popup_n, popup_top;

static void row_add(const char *s, size_t len, attr_t a)
{
	if (popup_n >= POPUP_ROWS_MAX)
		return;
	if (len >= sizeof popup_rows[0].text)
		len = sizeof popup_rows[0].text - 1;
	memcpy(popup_rows[popup_n].text, s, len);
	popup_rows[popup_n].text[len] = '\0';
	popup_rows[popup_n++].attr = a;
}

/* Safe text, wrapped at its words to w columns (as paint_put_wrapped
 * does); rows after the first start with indent spaces. */
static void rows_wrapped(const char *s, int w, attr_t a, int indent)
{
	char row[sizeof popup_rows[0].text];
	int lead = 0;

	while (*s != '\0' && w > 10 + indent) {
		size_t cut = paint_wrap_cut(s, w - lead);

		if (cut == 0)
			break;
		if ((size_t)lead + cut >= sizeof row)
			cut = sizeof row - 1 - (size_t)lead;
		memset(row, ' ', (size_t)lead);
		memcpy(row + lead, s, cut);
		row_add(row, (size_t)lead + cut, a);
		s += cut;
		while (*s == ' ')
			s++;
		lead = indent;
	}
}

/* What the window shows, as rows: the body, then a checklist item's facts
 * and evidence lines. */
static void rows_build(struct ui *ui, int w, char *title, size_t tsz, enum verdict *v)
{
	const struct paint *p = &ui->paint;
	const struct check_item *items[UI_ITEMS_MAX];
	const struct model_session *s = ui_session_of_row(ui, ui->sel);
	size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX), k;
	char body[2048], safe[2048];

	popup_n = 0;
	ui_explain_selection(ui, title, tsz, body, sizeof body, v);
	text_sanitize(body, strlen(body), safe, sizeof safe);
	rows_wrapped(safe, w, p->attr[THEME_NORMAL], 0);
	if (ui->focus != FOCUS_CHECKLIST || ui->ck_sel >= n)
		return;
	row_add("", 0, p->attr[THEME_NORMAL]);
	for (k = 0; k < items[ui->ck_sel]->nfacts; k++) {
		text_sanitize(items[ui->ck_sel]->facts[k], strlen(items[ui->ck_sel]->facts[k]),
		              safe, sizeof safe);
		rows_wrapped(safe, w, p->attr[THEME_TRANSCRIPT_INFO], 2);
	}
	for (k = items[ui->ck_sel]->line_from; s != NULL && k < items[ui->ck_sel]->line_to &&
	     k < s->nlines; k++) {
		const struct model_line *l = &s->lines[k];

		safe[0] = l->dir;
		safe[1] = ':';
		safe[2] = ' ';
		text_sanitize(l->bytes, l->len, safe + 3, sizeof safe - 3);
		rows_wrapped(safe, w, lines_attr(p, l), 3);
	}
}

/* The item's title heads the window, wrapped at its words onto a second
 * row when it is long; the rows below scroll. */
#define HEAD_ROWS_MAX 2

static void popup_draw(struct ui *ui)
{
	const struct paint *p = &ui->paint;
	char title[512], safe[512];
	enum verdict v;
	int w = COLS - 4, h = LINES - 4, y0 = 2, x0 = 2, head, shown, i;

	rows_build(ui, w - 4, title, sizeof title, &v);
	text_sanitize(title, strlen(title), safe, sizeof safe);
	head = paint_wrapped_rows(safe, w - 7, HEAD_ROWS_MAX);
	shown = h - 2 - head;
	if (popup_top > popup_n - shown)
		popup_top = popup_n - shown;
	if (popup_top < 0)
		popup_top = 0;
	paint_box(p, y0, x0, h, w, popup_n > shown ? " Explanation (↑↓ scroll, any other key closes) "
	          : " Explanation (any key closes) ");
	paint_put(y0 + 1, x0 + 2, 3, paint_mark(p, v), paint_verdict_attr(p, v) | A_BOLD);
	paint_put_wrapped(y0 + 1, x0 + 5, w - 7, head, safe, A_BOLD | p->attr[THEME_NORMAL]);
	for (i = 0; i < shown && popup_top + i < popup_n; i++)
		paint_put(y0 + 1 + head + i, x0 + 2, w - 4, popup_rows[popup_top + i].text,
		          popup_rows[popup_top + i].attr);
}

static void popup_enter(struct ui *ui)
{
	(void)ui;
	popup_top = 0;
}

static int popup_key(struct ui *ui, int ch)
{
	int page = LINES - 8 > 1 ? LINES - 8 : 1;

	switch (ch) {
	case KEY_MOUSE: return UI_KEY_IGNORED;
	case KEY_UP: case 'k': popup_top--; return UI_KEY_HANDLED;
	case KEY_DOWN: case 'j': popup_top++; return UI_KEY_HANDLED;
	case KEY_PPAGE: popup_top -= page; return UI_KEY_HANDLED;
	case KEY_NPAGE: case ' ': popup_top += page; return UI_KEY_HANDLED;
	default:
		ui_mode_pop(ui);
		return UI_KEY_HANDLED;
	}
}

const struct ui_mode ui_mode_popup = {
	.name = "popup",
	.overlay = true,
	.enter = popup_enter,
	.draw = popup_draw,
	.key = popup_key,
};
