/*
 * ui.c — the TUI's life: curses on the event loop, keys, mouse, resize,
 * re-runs, saving, search.
 *
 * Nothing here blocks. Keys are read from a loop watcher on stdin, drained
 * with getch() in no-delay mode until ERR (ncurses buffers, and KEY_RESIZE
 * arrives that way after SIGWINCH, which also wakes poll()). The screen is
 * redrawn from the loop's before-sleep hook, and only when something
 * changed: the model, a key, the clock of a running step.
 */
#include "ui_internal.h"

#include <errno.h>
#include <locale.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailflow/loop.h"
#include "mailflow/report.h"

#define KEY_ESC 27
#define KEY_TAB 9

void ui_set_status(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_until = loop_clock_ms() + 5000;
	ui->dirty = true;
}

static void on_probe_change(struct probe *p, void *arg)
{
	struct ui *ui = arg;

	(void)p;
	ui->model_changed = true;
	ui->dirty = true;
}

static void on_probe_done(struct probe *p, void *arg)
{
	struct ui *ui = arg;

	(void)p;
	ui->done_ms = loop_clock_ms();
	ui->model_changed = true;
	ui->dirty = true;
}

static int start_probe(struct ui *ui)
{
	struct probe_callbacks cb = { on_probe_change, NULL, on_probe_done, ui };
	char *cause = NULL;

	ui->probe = probe_new(ui->loop, &ui->target, &ui->popt, &cb, &cause);
	if (ui->probe == NULL) {
		endwin();
		fprintf(stderr, "mailflow: %s\n", cause ? cause : "cannot start");
		free(cause);
		return -1;
	}
	ui->started_ms = loop_clock_ms();
	ui->done_ms = 0;
	ui->model_changed = true;
	ui->dirty = true;
	return 0;
}

static void rebuild(struct ui *ui)
{
	checklist_free(&ui->list);
	checklist_build(probe_model(ui->probe), &ui->list);
	ui_rows_rebuild(ui);
	ui->model_changed = false;
}

/* ---- actions ------------------------------------------------------------ */

static void rerun(struct ui *ui, bool all)
{
	const struct ui_row *r = &ui->rows[ui->sel];

	if (!all && r->hi >= 0 && r->ai >= 0) {
		if (probe_rerun_address(ui->probe, (size_t)r->hi, (size_t)r->ai) < 0) {
			ui_set_status(ui, "That session is still running; r again when it ends.");
			return;
		}
		ui->done_ms = 0;
		ui->tr_follow = true;
		ui_set_status(ui, "Running %s again.", probe_model(ui->probe)->hosts[r->hi].addrs[r->ai].addr);
		return;
	}
	probe_free(ui->probe);
	ui->probe = NULL;
	checklist_free(&ui->list);
	if (start_probe(ui) < 0) {
		ui->quit = true;
		loop_stop(ui->loop);
		return;
	}
	rebuild(ui);
	ui->sel = 0;
	ui->tr_follow = true;
	ui_set_status(ui, "Running everything again.");
}

static void save(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);
	struct report_options ro = { 0, 1, ui->uopt.input, 0, &ui->popt };
	char base[300], path[320];
	size_t counts[6];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	size_t i;

	localtime_r(&now, &tm);
	snprintf(base, sizeof base, "mailflow-%s-", d->target.domain);
	/* The domain came from our own checks, but keep the name tame. */
	for (i = 0; base[i] != '\0'; i++)
		if (base[i] == '/' || base[i] == '[' || base[i] == ']' || base[i] == ':')
			base[i] = '_';
	strftime(base + strlen(base), sizeof base - strlen(base), "%Y%m%d-%H%M%S", &tm);
	checklist_count(&ui->list, counts);
	ro.exit_status = counts[V_FAIL] ? 1 : 0;
	snprintf(path, sizeof path, "%s.txt", base);
	f = fopen(path, "w");
	if (f == NULL) {
		ui_set_status(ui, "Cannot save %s: %s", path, strerror(errno));
		return;
	}
	report_batch_text(f, d, &ui->list, &ro);
	if (fclose(f) != 0) {
		ui_set_status(ui, "Cannot write %s: %s", path, strerror(errno));
		return;
	}
	snprintf(path, sizeof path, "%s.json", base);
	f = fopen(path, "w");
	if (f == NULL) {
		ui_set_status(ui, "Cannot save %s: %s", path, strerror(errno));
		return;
	}
	report_json(f, d, &ui->list, &ro);
	if (fclose(f) != 0) {
		ui_set_status(ui, "Cannot write %s: %s", path, strerror(errno));
		return;
	}
	ui_set_status(ui, "Saved %s.txt and %s.json", base, base);
}

static void search_next(struct ui *ui, bool from_current)
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
		i = tries == 0 ? ui->tr_sel + (from_current ? 0 : 1) : 0;
		for (; i < s->nlines; i++) {
			if (ui_line_matches(&s->lines[i], ui->query)) {
				ui->sel = r;
				ui->tr_sel = i;
				ui->tr_follow = false;
				ui->focus = FOCUS_TRANSCRIPT;
				ui_set_status(ui, "/%s: line %zu of %s", ui->query, i + 1, s->host);
				return;
			}
		}
	}
	ui_set_status(ui, "/%s: not found", ui->query);
}

/* Manual mode on the selected address. From the checklist, the routine
 * runs up to the selected step and hands over there ("continue by hand
 * from here"); otherwise it hands over after the banner. */
static void open_manual(struct ui *ui)
{
	static const struct { const char *id; enum smtp_quit_after at; } points[] = {
		{ "host.connect", SMTP_QUIT_CONNECT }, { "host.banner", SMTP_QUIT_BANNER },
		{ "host.ehlo", SMTP_QUIT_EHLO }, { "host.starttls", SMTP_QUIT_TLS },
		{ "host.cert", SMTP_QUIT_TLS }, { "host.auth", SMTP_QUIT_AUTH },
		{ "host.mail", SMTP_QUIT_MAIL }, { "host.rcpt", SMTP_QUIT_RCPT },
		{ "host.relay", SMTP_QUIT_RCPT },
	};
	const struct model_domain *d = probe_model(ui->probe);
	const struct ui_row *r = &ui->rows[ui->sel];
	enum smtp_quit_after at = SMTP_QUIT_BANNER;
	const struct model_address *a;

	if (r->hi < 0 || r->ai < 0) {
		ui_set_status(ui, "m: select a host's address first");
		return;
	}
	a = &d->hosts[r->hi].addrs[r->ai];
	if (ui->focus == FOCUS_CHECKLIST) {
		const struct check_item *items[128];
		size_t n = ui_items_of_row(ui, ui->sel, items, 128), i;

		for (i = 0; ui->ck_sel < n && i < sizeof points / sizeof points[0]; i++)
			if (strcmp(items[ui->ck_sel]->id, points[i].id) == 0)
				at = points[i].at;
	}
	if (ui_manual_open(ui, d->hosts[r->hi].name, a->addr, ui->popt.port, at) < 0)
		ui_set_status(ui, "m: cannot open a session");
}

/* ---- keys --------------------------------------------------------------- */

static size_t pane_count(const struct ui *ui)
{
	const struct check_item *items[128];
	const struct model_session *s;

	switch (ui->focus) {
	case FOCUS_HOSTS:
		return ui->nrows;
	case FOCUS_TRANSCRIPT:
		s = ui_session_of_row(ui, ui->sel);
		return s ? s->nlines : 0;
	default:
		return ui_items_of_row(ui, ui->sel, items, 128);
	}
}

static size_t *pane_cursor(struct ui *ui)
{
	switch (ui->focus) {
	case FOCUS_HOSTS: return &ui->sel;
	case FOCUS_TRANSCRIPT: return &ui->tr_sel;
	default: return &ui->ck_sel;
	}
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
	if (ui->focus == FOCUS_TRANSCRIPT)
		ui->tr_follow = v == (long)n - 1;
	if (ui->focus == FOCUS_HOSTS && (size_t)v != ui->sel) {
		ui->ck_sel = ui->ck_top = 0;
		ui->tr_top = 0;
		ui->tr_follow = true;
	}
	*cur = (size_t)v;
}

static void on_mouse(struct ui *ui)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return;
	if (ev.y >= ui->tbl_y0 && ev.y < ui->tbl_y0 + ui->tbl_rows) {
		size_t row = ui->tbl_top + (size_t)(ev.y - ui->tbl_y0);

		if (row < ui->nrows) {
			ui->focus = FOCUS_HOSTS;
			if (row != ui->sel) {
				ui->sel = row;
				ui->ck_sel = ui->ck_top = ui->tr_top = 0;
				ui->tr_follow = true;
			}
		}
	} else if (ev.y >= ui->panes_y0 && ev.y < ui->panes_y0 + ui->panes_h) {
		if (ev.x > ui->split_x) {
			ui->focus = FOCUS_CHECKLIST;
			ui->ck_sel = ui->ck_top + (size_t)(ev.y - ui->panes_y0);
		} else {
			ui->focus = FOCUS_TRANSCRIPT;
			ui->tr_follow = false;
		}
	}
}

static void on_key(struct ui *ui, int ch)
{
	int page = ui->panes_h > 2 ? ui->panes_h - 1 : 5;

	if (ui->searching) {
		if (ch == KEY_ESC) {
			ui->searching = false;
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			ui->searching = false;
			search_next(ui, false);
		} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && ui->qlen > 0) {
			ui->query[--ui->qlen] = '\0';
		} else if (ch >= 0x20 && ch < 0x7f && ui->qlen + 1 < UI_SEARCH_MAX) {
			ui->query[ui->qlen++] = (char)ch;
			ui->query[ui->qlen] = '\0';
		}
		return;
	}
	if (ui->man.active) {
		ui_manual_key(ui, ch);
		return;
	}
	if (ui->help_open || ui->explain_open) {
		if (ch != KEY_RESIZE && ch != KEY_MOUSE)
			ui->help_open = ui->explain_open = false;
		return;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		ui->quit = true;
		loop_stop(ui->loop);
		break;
	case KEY_TAB:
		ui->focus = (enum ui_focus)((ui->focus + 1) % FOCUS__COUNT);
		break;
	case KEY_BTAB:
		ui->focus = (enum ui_focus)((ui->focus + FOCUS__COUNT - 1) % FOCUS__COUNT);
		break;
	case KEY_UP: case 'k': cursor_move(ui, -1); break;
	case KEY_DOWN: case 'j': cursor_move(ui, 1); break;
	case KEY_PPAGE: cursor_move(ui, -page); break;
	case KEY_NPAGE: case ' ': cursor_move(ui, page); break;
	case KEY_HOME: case 'g': cursor_move(ui, -1000000); break;
	case KEY_END: case 'G': cursor_move(ui, 1000000); break;
	case '\n': case '\r': case KEY_ENTER:
		ui->explain_open = true;
		break;
	case 'r': rerun(ui, ui->rows[ui->sel].hi < 0); break;
	case 'R': rerun(ui, true); break;
	case 's': save(ui); break;
	case '/':
		ui->searching = true;
		ui->qlen = 0;
		ui->query[0] = '\0';
		break;
	case 'n': search_next(ui, false); break;
	case 'm': open_manual(ui); break;
	case '?': case 'h': ui->help_open = true; break;
	case KEY_MOUSE: on_mouse(ui); break;
	case KEY_RESIZE: break;
	default:
		return;
	}
}

static void drain_keys(struct ui *ui)
{
	int ch;

	while (!ui->quit && (ch = getch()) != ERR) {
		on_key(ui, ch);
		ui->dirty = true;
	}
}

static void on_stdin(struct loop_watch *w, int fd, unsigned events, void *arg)
{
	struct ui *ui = arg;

	(void)w;
	(void)fd;
	if (events & LOOP_ERROR) {
		/* The terminal went away: nothing left to show. */
		if (!(events & LOOP_READ)) {
			ui->quit = true;
			loop_stop(ui->loop);
			return;
		}
	}
	drain_keys(ui);
}

static void on_tick(struct loop_timer *t, void *arg)
{
	struct ui *ui = arg;

	(void)t;
	ui->spin++;
	/* Running steps show their clock; a finished run stays still. */
	if (ui->done_ms == 0 || loop_clock_ms() < ui->status_until)
		ui->dirty = true;
}

static void before_sleep(struct loop *loop, void *arg)
{
	struct ui *ui = arg;

	(void)loop;
	drain_keys(ui);         /* KEY_RESIZE after SIGWINCH comes this way */
	if (ui->uopt.manual && !ui->manual_opened) {
		const struct model_domain *d = probe_model(ui->probe);

		if (d->nhosts > 0 && d->hosts[0].naddrs > 0) {
			ui->manual_opened = true;
			ui_manual_open(ui, d->hosts[0].name, d->hosts[0].addrs[0].addr,
			               ui->popt.port, SMTP_QUIT_BANNER);
		} else if (d->complete && d->nhosts > 0 && d->hosts[0].a.done &&
		           d->hosts[0].aaaa.done) {
			ui->manual_opened = true;
			ui_set_status(ui, "--manual: %s has no address", d->hosts[0].name);
		}
	}
	if (ui->quit || !ui->dirty)
		return;
	if (ui->model_changed)
		rebuild(ui);
	ui_draw(ui);
	ui->dirty = false;
}

static bool locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int ui_run(struct loop *loop, const struct target *target,
           const struct probe_options *popt, const struct ui_options *uopt)
{
	struct ui ui;
	char *cause = NULL;
	size_t counts[6], i;
	int rc;

	memset(&ui, 0, sizeof ui);
	ui.loop = loop;
	ui.target = *target;
	ui.popt = *popt;
	ui.uopt = *uopt;
	ui.tr_follow = true;
	snprintf(ui.rcpt, sizeof ui.rcpt, "%s@%s",
	         target->local[0] ? target->local : "postmaster", target->domain);
	setlocale(LC_ALL, "");
	ui.utf8 = locale_is_utf8();

	theme_init_default(&ui.theme);
	if (getenv("NO_COLOR") != NULL && uopt->theme == NULL) {
		theme_free(&ui.theme);
		theme_init_mono(&ui.theme);
	} else if (uopt->theme == NULL) {
		/* A user's own default.theme wins; without one the built-in
		 * default (the same as themes/default.theme) serves. */
		if (theme_load(&ui.theme, "default", uopt->theme_dirs, &cause) < 0) {
			free(cause);
			theme_free(&ui.theme);
			theme_init_default(&ui.theme);
		}
	} else if (theme_load(&ui.theme, uopt->theme, uopt->theme_dirs, &cause) < 0) {
		fprintf(stderr, "mailflow: %s\n", cause);
		free(cause);
		theme_free(&ui.theme);
		return 2;
	}

	if (initscr() == NULL) {
		fputs("mailflow: cannot start the terminal UI (TERM?)\n", stderr);
		theme_free(&ui.theme);
		return 2;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	ui_style_setup(&ui);
	if (ui.theme.ncauses > 0)
		ui_set_status(&ui, "theme: %s", ui.theme.causes[0]);

	if (start_probe(&ui) < 0) {
		theme_free(&ui.theme);
		return 2;
	}
	rebuild(&ui);
	ui.stdin_watch = loop_watch_add(loop, STDIN_FILENO, LOOP_READ, on_stdin, &ui);
	ui.hook = loop_hook_add(loop, before_sleep, &ui);
	ui.tick = loop_timer_add(loop, 200, 200, on_tick, &ui);
	ui_draw(&ui);
	loop_run(loop);

	ui_manual_close(&ui);
	endwin();
	loop_watch_remove(ui.stdin_watch);
	loop_hook_remove(ui.hook);
	loop_timer_remove(ui.tick);
	for (i = 0; i < ui.theme.ncauses; i++)
		fprintf(stderr, "mailflow: theme: %s\n", ui.theme.causes[i]);
	rebuild(&ui);
	checklist_count(&ui.list, counts);
	{
		const struct model_domain *d = probe_model(ui.probe);

		rc = d->mx.done && d->mx.status != DNS_OK && d->mx.status != DNS_NODATA &&
		     d->mx.status != DNS_NXDOMAIN && ui.popt.server == NULL ? 2
		     : counts[V_FAIL] > 0 ? 1 : 0;
	}
	checklist_free(&ui.list);
	probe_free(ui.probe);
	free(ui.rows);
	theme_free(&ui.theme);
	return rc;
}
