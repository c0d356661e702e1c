/*
 * help.c — the help window as a mode: drawn over the hosts screen, closed
 * by any key.
 */
#include "ui_internal.h"

static void help_draw(struct ui *ui)
{
	static const char *const lines[] = {
		"Tab / Shift-Tab   next / previous pane (hosts, transcript, checklist)",
		"Up/Down, j/k      move in the pane       PgUp/PgDn  a page",
		"Home/End          first / last           Enter      explain the selection",
		"r                 run the selected host again (on the DNS row: everything)",
		"R                 run everything again",
		"s                 save the report (.txt with transcripts, .json, .html)",
		"m                 manual mode on the selected host (from a checklist step:",
		"                  the routine runs up to that step, then you type)",
		"/  n              search the transcript, next match",
		"b                 the bounce explained (mailflow --explain)",
		"mouse             click a host, a line or an item to select it",
		"q                 quit                   ?          this help",
		"",
		NULL,           /* the marks, as this terminal shows them */
		"Any key closes this window.",
	};
	const struct paint *p = &ui->paint;
	int n = (int)(sizeof lines / sizeof lines[0]);
	int w = COLS - 6 > 78 ? 78 : COLS - 6, h = n + 2;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2, i;

	paint_box(p, y0, x0, h, w, " Help ");
	for (i = 0; i < n; i++)
		paint_put(y0 + 1 + i, x0 + 2, w - 4, lines[i] != NULL ? lines[i]
		          : paint_pick(p, "Marks: ✓ pass  ! warn  ✗ fail  i info  – skip  ◐ pending",
		                       "Marks: + pass  ! warn  x fail  i info  - skip  * pending"),
		          p->attr[THEME_NORMAL]);
}

static int help_key(struct ui *ui, int ch)
{
	if (ch == KEY_MOUSE)
		return UI_KEY_IGNORED;
	ui_mode_pop(ui);
	return UI_KEY_HANDLED;
}

const struct ui_mode ui_mode_help = {
	.name = "help",
	.overlay = true,
	.draw = help_draw,
	.key = help_key,
};
