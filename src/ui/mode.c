/*
 * mode.c — the stack of modes and the dispatch to them (ui_internal.h).
 *
 * The bottom mode is the hosts screen; help, the explanation popup and
 * the search prompt are overlays drawn over it; manual mode covers it.
 * Keys go to the top mode only; a resize reaches every mode. Below the
 * minimum size no mode is drawn, only a message that says so (keys still
 * reach the top mode: q quits).
 */
#include "ui_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/loop.h"

#define MIN_COLS 80
#define MIN_LINES 24
#define STATUS_MS 5000

void ui_mode_push(struct ui *ui, const struct ui_mode *mode)
{
	if (ui->nmodes == UI_MODES_MAX)
		return;
	ui->modes[ui->nmodes++] = mode;
	if (mode->enter != NULL)
		mode->enter(ui);
	ui->dirty = true;
}

void ui_mode_pop(struct ui *ui)
{
	const struct ui_mode *mode;

	if (ui->nmodes <= 1)
		return;
	mode = ui->modes[--ui->nmodes];
	if (mode->leave != NULL)
		mode->leave(ui);
	ui->dirty = true;
}

void ui_mode_pop_all(struct ui *ui)
{
	while (ui->nmodes > 0) {
		const struct ui_mode *mode = ui->modes[--ui->nmodes];

		if (mode->leave != NULL)
			mode->leave(ui);
	}
}

const struct ui_mode *ui_mode_top(const struct ui *ui)
{
	return ui->nmodes > 0 ? ui->modes[ui->nmodes - 1] : NULL;
}

/* The x that centres s (display columns, not bytes). */
static int centred(const char *s)
{
	size_t cols = mbstowcs(NULL, s, 0);
	int x = (COLS - (int)(cols == (size_t)-1 ? strlen(s) : cols)) / 2;

	return x > 0 ? x : 0;
}

/* Centred, and back to the screen as soon as it is big enough again
 * (KEY_RESIZE redraws). */
static void draw_too_small(const struct ui *ui)
{
	char m1[64], m2[64];
	const char *times = paint_pick(&ui->paint, "×", "x");

	snprintf(m1, sizeof m1, "terminal too small: %d%s%d needed", MIN_COLS, times, MIN_LINES);
	snprintf(m2, sizeof m2, "this one is %d%s%d", COLS, times, LINES);
	paint_put(LINES / 2 - 1, centred(m1), COLS, m1, A_BOLD | ui->paint.attr[THEME_ERROR]);
	paint_put(LINES / 2, centred(m2), COLS, m2, ui->paint.attr[THEME_NORMAL]);
	paint_put(LINES / 2 + 1, centred("q quits"), COLS, "q quits",
	          ui->paint.attr[THEME_NORMAL]);
}

void ui_mode_draw(struct ui *ui)
{
	size_t first, i;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		draw_too_small(ui);
	} else if (ui->nmodes > 0) {
		/* From the highest mode that is not an overlay up. */
		for (first = ui->nmodes - 1; first > 0 && ui->modes[first]->overlay; first--)
			;
		for (i = first; i < ui->nmodes; i++)
			ui->modes[i]->draw(ui);
	}
	refresh();
}

int ui_mode_key(struct ui *ui, int ch)
{
	size_t i;

	if (ch == KEY_RESIZE) {
		for (i = 0; i < ui->nmodes; i++)
			if (ui->modes[i]->resize != NULL)
				ui->modes[i]->resize(ui);
		return UI_KEY_HANDLED;
	}
	if (ui->nmodes == 0)
		return UI_KEY_IGNORED;
	return ui->modes[ui->nmodes - 1]->key(ui, ch);
}

void ui_set_status(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_until = loop_clock_ms() + STATUS_MS;
	ui->dirty = true;
}
