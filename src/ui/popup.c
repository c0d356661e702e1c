/*
 * popup.c — the big explanation window as a mode (Enter): the selection
 * explained in full, and for a checklist item its facts and the transcript
 * lines that are its evidence. Any key closes it.
 */
#include "ui_internal.h"

#include <string.h>

#include "mailflow/text.h"

/* A checklist item's facts and evidence lines from row *y on. */
static void draw_evidence(struct ui *ui, const struct check_item *it, int *y, int x0,
                          int w, int ymax)
{
	const struct paint *p = &ui->paint;
	const struct model_session *s = ui_session_of_row(ui, ui->sel);
	size_t k;

	for (k = 0; k < it->nfacts && *y < ymax; k++)
		paint_put_raw((*y)++, x0, w, it->facts[k], strlen(it->facts[k]),
		              p->attr[THEME_TRANSCRIPT_INFO]);
	if (s == NULL)
		return;
	for (k = it->line_from; k < it->line_to && k < s->nlines && *y < ymax; k++) {
		const struct model_line *l = &s->lines[k];
		int x = paint_putf(*y, x0, 4, p->attr[THEME_TRANSCRIPT_TIME], "%c: ", l->dir);

		paint_put_raw((*y)++, x0 + x, w - x, l->bytes, l->len, lines_attr(p, l));
	}
}

static void popup_draw(struct ui *ui)
{
	const struct paint *p = &ui->paint;
	const struct check_item *items[UI_ITEMS_MAX];
	size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX);
	char title[512], body[2048], safe[2048];
	enum verdict v;
	int w = COLS - 4, h = LINES - 4, y0 = 2, x0 = 2, y;

	ui_explain_selection(ui, title, sizeof title, body, sizeof body, &v);
	paint_box(p, y0, x0, h, w, " Explanation (any key closes) ");
	text_sanitize(title, strlen(title), safe, sizeof safe);
	y = y0 + 1;
	paint_put(y, x0 + 2, 3, paint_mark(p, v), paint_verdict_attr(p, v) | A_BOLD);
	paint_put(y++, x0 + 5, w - 7, safe, A_BOLD | p->attr[THEME_NORMAL]);
	text_sanitize(body, strlen(body), safe, sizeof safe);
	y += paint_put_wrapped(y, x0 + 2, w - 4, h / 2, safe, p->attr[THEME_NORMAL]);
	if (ui->focus == FOCUS_CHECKLIST && ui->ck_sel < n) {
		y++;
		draw_evidence(ui, items[ui->ck_sel], &y, x0 + 2, w - 4, y0 + h - 1);
	}
}

static int popup_key(struct ui *ui, int ch)
{
	if (ch == KEY_MOUSE)
		return UI_KEY_IGNORED;
	ui_mode_pop(ui);
	return UI_KEY_HANDLED;
}

const struct ui_mode ui_mode_popup = {
	.name = "popup",
	.overlay = true,
	.draw = popup_draw,
	.key = popup_key,
};
