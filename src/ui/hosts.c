/*
 * hosts.c — the main screen as a mode: the header and hosts table on top,
 * transcript and checklist of the selected row side by side, the
 * explanation, the key bar. Its keys move in the three panes and open the
 * other modes (help, popup, search, manual) by pushing them.
 */
#include "ui_internal.h"

#include <string.h>

#define KEY_TAB 9
#define KEY_ESC 27
#define WHEEL_LINES 3
#define PANES_BELOW 6           /* explanation (rule + 3 rows), key bar, rule */

/* Below 100 columns the checklist wins width over the transcript when its
 * titles need it: from 45% of the screen up to 55%. Wider, 45% is room. */
static int split_at(const struct ui *ui)
{
	const struct check_item *items[UI_ITEMS_MAX];
	size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX), i, need = 0;
	int ck_min = COLS * 45 / 100, ck_max = COLS * 55 / 100, ck;

	if (COLS >= 100)
		return COLS * 55 / 100;

	for (i = 0; i < n; i++) {
		size_t w = strlen(items[i]->title) + 5;         /* mark, gaps, rule */

		if (w > need)
			need = w;
	}
	ck = (int)need < ck_min ? ck_min : (int)need > ck_max ? ck_max : (int)need;
	return COLS - ck;
}

static void hosts_draw(struct ui *ui)
{
	int table_rows, y, said;

	ui_table_draw_header(ui);
	/* The domain's sentence: two rows at most. */
	said = ui_table_draw_summary(ui, 1, 2);
	if (said < 1)
		said = 1;
	/* The table gets about a third of the screen, at least 3 rows. */
	table_rows = (int)ui->nrows;
	if (table_rows > LINES - 14 - said)
		table_rows = LINES - 14 - said;
	if (table_rows > LINES / 3)
		table_rows = LINES / 3 > 3 ? LINES / 3 : 3;
	ui_table_draw(ui, 1 + said, table_rows);
	y = 1 + said + 1 + table_rows;
	ui->panes_y0 = y + 1;
	ui->panes_h = LINES - y - PANES_BELOW;
	ui->split_x = split_at(ui);
	ui_panes_draw(ui, y, ui->panes_h);
	ui_panes_draw_explanation(ui, y + 1 + ui->panes_h, 4);
	ui_panes_draw_keybar(ui);
}

/* After a resize the panes are scrolled afresh from the selection. */
static void hosts_resize(struct ui *ui)
{
	ui->tbl_top = 0;
	ui->ck_top = 0;
	ui->tr.top = 0;
}

static size_t pane_count(const struct ui *ui)
{
	const struct check_item *items[UI_ITEMS_MAX];
	const struct model_session *s;

	switch (ui->focus) {
	case FOCUS_HOSTS:
		return ui->nrows;
	case FOCUS_TRANSCRIPT:
		s = ui_session_of_row(ui, ui->sel);
		return s ? s->nlines : 0;
	default:
		return ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX);
	}
}

static size_t *pane_cursor(struct ui *ui)
{
	switch (ui->focus) {
	case FOCUS_HOSTS: return &ui->sel;
	case FOCUS_TRANSCRIPT: return &ui->tr.sel;
	default: return &ui->ck_sel;
	}
}

/* Another row: its panes start at the top, its transcript follows. */
static void select_row(struct ui *ui, size_t row)
{
	if (row == ui->sel)
		return;
	ui->sel = row;
	ui->ck_sel = ui->ck_top = 0;
	ui->tr.top = 0;
	ui->tr.follow = true;
}

static void cursor_move(struct ui *ui, long delta)
{
	size_t n = pane_count(ui), *cur = pane_cursor(ui);
	long v;

	if (n == 0)
		return;
	v = (long)*cur + delta;
	if (v < 0)
		v = 0;
	if (v >= (long)n)
		v = (long)n - 1;
	if (ui->focus == FOCUS_HOSTS) {
		select_row(ui, (size_t)v);
		return;
	}
	if (ui->focus == FOCUS_TRANSCRIPT)
		ui->tr.follow = v == (long)n - 1;
	*cur = (size_t)v;
}

static void on_mouse(struct ui *ui)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		long d = (ev.bstate & BUTTON4_PRESSED) ? -WHEEL_LINES : WHEEL_LINES;

		/* The wheel scrolls the pane under the pointer. */
		if (ev.y >= ui->tbl_y0 && ev.y < ui->tbl_y0 + ui->tbl_rows)
			ui->focus = FOCUS_HOSTS;
		else if (ev.y >= ui->panes_y0 && ev.y < ui->panes_y0 + ui->panes_h)
			ui->focus = ev.x > ui->split_x ? FOCUS_CHECKLIST : FOCUS_TRANSCRIPT;
		cursor_move(ui, d);
		return;
	}
	if (ev.y >= ui->tbl_y0 && ev.y < ui->tbl_y0 + ui->tbl_rows) {
		size_t row = ui->tbl_top + (size_t)(ev.y - ui->tbl_y0);

		if (row < ui->nrows) {
			ui->focus = FOCUS_HOSTS;
			select_row(ui, row);
		}
	} else if (ev.y >= ui->panes_y0 && ev.y < ui->panes_y0 + ui->panes_h) {
		if (ev.x > ui->split_x) {
			ui->focus = FOCUS_CHECKLIST;
			ui->ck_sel = ui_checklist_item_at(ui, ev.y - ui->panes_y0);
		} else {
			const struct model_session *s = ui_session_of_row(ui, ui->sel);
			size_t line = ui->tr.top + (size_t)(ev.y - ui->panes_y0);

			ui->focus = FOCUS_TRANSCRIPT;
			ui->tr.follow = false;
			if (s != NULL && line < s->nlines)
				ui->tr.sel = line;      /* the line clicked */
		}
	}
}

/* Manual mode on the selected address. From the checklist, the routine
 * runs up to the selected step and hands over there ("continue by hand
 * from here"); otherwise it hands over after the banner. */
static void open_manual(struct ui *ui)
{
	static const struct { const char *id; enum smtp_quit_after at; } points[] = {
		{ "host.connect", SMTP_QUIT_CONNECT }, { "host.banner", SMTP_QUIT_BANNER },
		{ "host.ehlo", SMTP_QUIT_EHLO }, { "host.starttls", SMTP_QUIT_TLS },
		{ "host.cert", SMTP_QUIT_TLS }, { "host.dane", SMTP_QUIT_TLS },
		{ "host.auth", SMTP_QUIT_AUTH },
		{ "host.mail", SMTP_QUIT_MAIL }, { "host.rcpt", SMTP_QUIT_RCPT },
		{ "host.relay", SMTP_QUIT_RCPT },
	};
	const struct ui_row *r = &ui->rows[ui->sel];
	enum smtp_quit_after at = SMTP_QUIT_BANNER;
	size_t i;

	if (r->hi < 0 || r->ai < 0) {
		ui_set_status(ui, "m: select a host's address first");
		return;
	}
	if (ui->focus == FOCUS_CHECKLIST) {
		const struct check_item *items[UI_ITEMS_MAX];
		size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX);

		for (i = 0; ui->ck_sel < n && i < sizeof points / sizeof points[0]; i++)
			if (strcmp(items[ui->ck_sel]->id, points[i].id) == 0)
				at = points[i].at;
	}
	ui_manual_open(ui, (size_t)r->hi, (size_t)r->ai, at);
}

/* Keys that move in the focused pane; false if ch is not one. */
static bool move_key(struct ui *ui, int ch)
{
	int page = ui->panes_h > 2 ? ui->panes_h - 1 : 5;

	switch (ch) {
	case KEY_UP: case 'k': cursor_move(ui, -1); return true;
	case KEY_DOWN: case 'j': cursor_move(ui, 1); return true;
	case KEY_PPAGE: cursor_move(ui, -page); return true;
	case KEY_NPAGE: case ' ': cursor_move(ui, page); return true;
	case KEY_HOME: case 'g': cursor_move(ui, -1000000); return true;
	case KEY_END: case 'G': cursor_move(ui, 1000000); return true;
	case KEY_TAB: case KEY_RIGHT:
		ui->focus = (enum ui_focus)((ui->focus + 1) % FOCUS__COUNT);
		return true;
	case KEY_BTAB: case KEY_LEFT:
		ui->focus = (enum ui_focus)((ui->focus + FOCUS__COUNT - 1) % FOCUS__COUNT);
		return true;
	case KEY_MOUSE:
		on_mouse(ui);
		return true;
	default:
		return false;
	}
}

static int hosts_key(struct ui *ui, int ch)
{
	if (move_key(ui, ch))
		return UI_KEY_HANDLED;
	switch (ch) {
	case 'q': case 'Q': return UI_KEY_QUIT;
	case '\n': case '\r': case KEY_ENTER: ui_mode_push(ui, &ui_mode_popup); break;
	case '?': case 'h': ui_mode_push(ui, &ui_mode_help); break;
	case '/': ui_mode_push(ui, &ui_mode_search); break;
	case 'n': ui_search_next(ui, false); break;
	case 'N': ui_search_prev(ui); break;
	case KEY_ESC:
		/* Esc clears a search (its marks and n/N). */
		if (ui->qlen > 0) {
			ui->qlen = 0;
			ui->query[0] = '\0';
			ui_set_status(ui, "Search cleared.");
		}
		break;
	case 'y': ui_copy_selection(ui); break;
	case 'm': open_manual(ui); break;
	case 'M':
		if (ui_manual_resume(ui) < 0)
			ui_set_status(ui, "M: no manual session was left with Esc; m opens one.");
		break;
	case 'r': ui_run_again(ui, ui->rows[ui->sel].hi < 0); break;
	case 'b':
		if (ui->uopt.explain != NULL)
			ui_mode_push(ui, &ui_mode_bounce);
		break;
	case 'R': ui_run_again(ui, true); break;
	case 's': ui_run_save(ui); break;
	default: return UI_KEY_IGNORED;
	}
	return UI_KEY_HANDLED;
}

const struct ui_mode ui_mode_hosts = {
	.name = "hosts",
	.overlay = false,
	.draw = hosts_draw,
	.key = hosts_key,
	.resize = hosts_resize,
};
