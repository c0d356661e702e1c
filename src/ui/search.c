/*
 * search.c — the transcript search: a mode for typing the query on the
 * key bar (Enter finds, Esc cancels and clears it), and the search itself,
 * which n and N repeat from the hosts screen. Matches are marked while
 * typing, and until Esc clears the search.
 */
#include "ui_internal.h"

#define KEY_ESC 27

void ui_search_next(struct ui *ui, bool from_current)
{
	size_t r, start = ui->sel, tries;

	if (ui->qlen == 0)
		return;
	/* This session first, from the line after the selection; then the
	 * other sessions in table order. */
	for (tries = 0; tries <= ui->nrows; tries++) {
		const struct model_session *s;
		size_t i;

		r = (start + tries) % ui->nrows;
		s = ui_session_of_row(ui, r);
		if (s == NULL)
			continue;
		i = tries == 0 ? ui->tr.sel + (from_current ? 0 : 1) : 0;
		for (; i < s->nlines; i++) {
			if (lines_match(&s->lines[i], ui->query)) {
				ui->sel = r;
				ui->tr.sel = i;
				ui->tr.follow = false;
				ui->focus = FOCUS_TRANSCRIPT;
				ui_set_status(ui, "/%s: line %zu of %s", ui->query, i + 1, s->host);
				return;
			}
		}
	}
	ui_set_status(ui, "/%s: not found", ui->query);
}

void ui_search_prev(struct ui *ui)
{
	size_t start = ui->sel, tries;

	if (ui->qlen == 0)
		return;
	/* This session first, from the line before the selection; then the
	 * other sessions in reverse table order, from their last line. */
	for (tries = 0; tries <= ui->nrows; tries++) {
		size_t r = (start + ui->nrows * 2 - tries) % ui->nrows, i;
		const struct model_session *s = ui_session_of_row(ui, r);

		if (s == NULL || s->nlines == 0)
			continue;
		i = tries == 0 ? (ui->tr.sel < s->nlines ? ui->tr.sel : s->nlines) : s->nlines;
		while (i-- > 0) {
			if (lines_match(&s->lines[i], ui->query)) {
				ui->sel = r;
				ui->tr.sel = i;
				ui->tr.follow = false;
				ui->focus = FOCUS_TRANSCRIPT;
				ui_set_status(ui, "?%s: line %zu of %s", ui->query, i + 1, s->host);
				return;
			}
		}
	}
	ui_set_status(ui, "/%s: not found", ui->query);
}

static void search_enter(struct ui *ui)
{
	ui->qlen = 0;
	ui->query[0] = '\0';
}

static void search_draw(struct ui *ui)
{
	attr_t a = ui->paint.attr[THEME_KEYBAR];

	paint_fill(LINES - 1, 0, COLS, a);
	paint_putf(LINES - 1, 0, COLS, a, " /%s_   (Enter: find, Esc: cancel)", ui->query);
}

static int search_key(struct ui *ui, int ch)
{
	if (ch == KEY_ESC) {
		/* Cancelled: nothing half-typed stays marked or for n to find. */
		ui->qlen = 0;
		ui->query[0] = '\0';
		ui_mode_pop(ui);
		ui_set_status(ui, "Search cleared.");
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		ui_mode_pop(ui);
		ui_search_next(ui, false);
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && ui->qlen > 0) {
		ui->query[--ui->qlen] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && ui->qlen + 1 < UI_SEARCH_MAX) {
		ui->query[ui->qlen++] = (char)ch;
		ui->query[ui->qlen] = '\0';
	} else {
		return UI_KEY_IGNORED;
	}
	return UI_KEY_HANDLED;
}

const struct ui_mode ui_mode_search = {
	.name = "search",
	.overlay = true,
	.enter = search_enter,
	.draw = search_draw,
	.key = search_key,
};
