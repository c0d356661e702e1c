/*
 * help.c — the help window as a mode: the keys, then what each column of
 * the hosts table and each mark means. Drawn over the hosts screen inside
 * its border; ↑↓ PgUp PgDn scroll it when it is taller than the screen,
 * any other key closes it.
 */
#include "ui_internal.h"

static const char *const help_lines[] = {
	"Tab / ←→      next / previous pane (hosts, transcript, checklist)",
	"Up/Down, j/k  move in the pane       PgUp/PgDn  a page",
	"Home/End      first / last           Enter      explain the selection",
	"r             run the selected host again (on the DNS row: everything)",
	"R             run everything again (the selection stays)",
	"s             save the report (.txt with transcripts, .json, .md, .html)",
	"m             manual mode on the selected host (from a checklist step:",
	"              the routine runs up to that step, then you type)",
	"M             back to the manual session left with Esc (m on its",
	"              address too): the transcript kept, type on if open",
	"/  n  N       search the transcript, next / previous match",
	"y             copy the selected line or item (OSC 52 terminals)",
	"b             the bounce explained (mailflow --explain)",
	"Esc           close a window, clear the search",
	"mouse         click a host, a line or an item; the wheel scrolls",
	"q             quit                   ?          this help",
	"",
	"The hosts table: one row per address of each MX host.",
	"first mark    the host's verdict: the worst of its checklist items",
	"connect       time to the TCP connection, or why there is none",
	"banner        the greeting's code, or its delay when it came late",
	"TLS           the TLS version and the certificate's health",
	"RCPT          the answer to RCPT TO the recipient checked",
	"relay         an outside recipient: refused ✓ is good, open relay ✗",
	"DNS row       MX, MX targets, SPF, DMARC, MTA-STS, TLS-RPT, TLSA and",
	"              compare (the hosts disagree in a way that matters)",
	"A running row shows its step and its countdown: banner… 12 s of 30.",
	"",
	NULL,           /* the marks, as this terminal shows them */
	"",
	"Any other key closes this window.",
};

#define HELP_N ((int)(sizeof help_lines / sizeof help_lines[0]))

static int help_top;

static int help_rows(void)
{
	int h = HELP_N + 2;

	return h > LINES - 2 ? LINES - 2 : h;
}

static void help_draw(struct ui *ui)
{
	const struct paint *p = &ui->paint;
	int w = COLS - 4 > 80 ? 80 : COLS - 4, h = help_rows();
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2, i, shown = h - 2;

	if (help_top > HELP_N - shown)
		help_top = HELP_N - shown;
	if (help_top < 0)
		help_top = 0;
	paint_box(p, y0, x0, h, w, shown < HELP_N ? " Help (↑↓ scroll) " : " Help ");
	for (i = 0; i < shown && help_top + i < HELP_N; i++) {
		const char *l = help_lines[help_top + i];

		paint_put(y0 + 1 + i, x0 + 2, w - 4, l != NULL ? l
		          : paint_pick(p, "Marks: ✓ pass  ! warn  ✗ fail  i info  – skip  ◐ pending",
		                       "Marks: + pass  ! warn  x fail  i info  - skip  | pending"),
		          p->attr[THEME_NORMAL]);
	}
}

static void help_enter(struct ui *ui)
{
	(void)ui;
	help_top = 0;
}

static int help_key(struct ui *ui, int ch)
{
	int page = help_rows() - 3;

	switch (ch) {
	case KEY_MOUSE: return UI_KEY_IGNORED;
	case KEY_UP: case 'k': help_top--; return UI_KEY_HANDLED;
	case KEY_DOWN: case 'j': help_top++; return UI_KEY_HANDLED;
	case KEY_PPAGE: help_top -= page; return UI_KEY_HANDLED;
	case KEY_NPAGE: case ' ': help_top += page; return UI_KEY_HANDLED;
	default:
		ui_mode_pop(ui);
		return UI_KEY_HANDLED;
	}
}

const struct ui_mode ui_mode_help = {
	.name = "help",
	.overlay = true,
	.enter = help_enter,
	.draw = help_draw,
	.key = help_key,
};
