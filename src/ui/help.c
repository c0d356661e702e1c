/*
 * help.c — the help window, a mode over the hosts screen: the keys and
 * the marks. Any key closes it.
 */
#include "ui_internal.h"

static const char *const help_lines[] = {
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
	NULL,                           /* the marks, as the terminal shows them */
	"Any key closes this window.",
};

#define HELP_NLINES (sizeof help_lines / sizeof help_lines[0])

static void help_draw(struct ui *ui)
{
	const struct paint *p = &ui->paint;
	int w = COLS - 6 > 78 ? 78 : COLS - 6, h = (int)HELP_NLINES + 2;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	size_t i;

	paint_box(p, y0, x0, h, w, " Help ");
	for (i = 0; i < HELP_NLINES; i++) {
		const char *s = help_lines[i] != NULL ? help_lines[i]
		                : paint_pick(p, "Marks: ✓ pass  ! warn  ✗ fail  i info  – skip  ◐ pending",
		                             "Marks: + pass  ! warn  x fail  i info  - skip  * pending");

		paint_put(y0 + 1 + (int)i, x0 + 2, w - 4, s, p->attr[THEME_NORMAL]);
	}
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
