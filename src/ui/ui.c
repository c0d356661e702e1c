/*
 * ui.c — the TUI's life: the theme and curses set up, the probe started,
 * keys read on the event loop and handed to the mode stack (mode.c), the
 * screen drawn when something changed, the exit status at the end.
 *
 * Nothing here blocks. Keys are read from a loop watcher on stdin, drained
 * with getch() in no-delay mode until ERR (ncurses buffers, and KEY_RESIZE
 * arrives that way after SIGWINCH, which also wakes poll()). The screen is
 * redrawn from the loop's before-sleep hook, and only when something
 * changed: the model, a key, the clock of a running step.
 */
#include "ui_internal.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "mailflow/loop.h"
#include "mailflow/xmalloc.h"
#include "style.h"

#define TICK_MS 200

static void quit(struct ui *ui)
{
	ui->quit = true;
	loop_stop(ui->loop);
}

static void drain_keys(struct ui *ui)
{
	int ch;

	while (!ui->quit && (ch = getch()) != ERR) {
		if (ui_mode_key(ui, ch) & UI_KEY_QUIT)
			quit(ui);
		ui->dirty = true;
	}
}

static void on_stdin(struct loop_watch *w, int fd, unsigned events, void *arg)
{
	struct ui *ui = arg;

	(void)w;
	(void)fd;
	/* The terminal went away: nothing left to show. */
	if ((events & LOOP_ERROR) && !(events & LOOP_READ)) {
		quit(ui);
		return;
	}
	drain_keys(ui);
}

static void on_tick(struct loop_timer *t, void *arg)
{
	struct ui *ui = arg;

	(void)t;
	ui->paint.spin++;
	/* Running steps show their clock; a finished run stays still. */
	if (ui->done_ms == 0 || loop_clock_ms() < ui->status_until)
		ui->dirty = true;
}

/* --manual HOST: manual mode on the first address, once it is known. */
static void open_manual_when_known(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);

	if (d->nhosts > 0 && d->hosts[0].naddrs > 0) {
		ui->manual_opened = true;
		ui_manual_open(ui, 0, 0, SMTP_QUIT_BANNER);
	} else if (d->complete && d->nhosts > 0 && d->hosts[0].a.done && d->hosts[0].aaaa.done) {
		ui->manual_opened = true;
		ui_set_status(ui, "--manual: %s has no address", d->hosts[0].name);
	}
}

static void before_sleep(struct loop *loop, void *arg)
{
	struct ui *ui = arg;

	(void)loop;
	drain_keys(ui);         /* KEY_RESIZE after SIGWINCH comes this way */
	if (ui->uopt.manual && !ui->manual_opened)
		open_manual_when_known(ui);
	if (ui->quit || !ui->dirty)
		return;
	if (ui->model_changed)
		ui_run_rebuild(ui);
	ui_mode_draw(ui);
	ui->dirty = false;
}

static bool locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* The theme asked for, or the default; -1 after saying why. */
static int load_theme(struct ui *ui)
{
	char *cause = NULL;

	theme_init_default(&ui->theme);
	if (getenv("NO_COLOR") != NULL && ui->uopt.theme == NULL) {
		theme_free(&ui->theme);
		theme_init_mono(&ui->theme);
	} else if (ui->uopt.theme == NULL) {
		/* A user's own default.theme wins; without one the built-in
		 * default (the same as themes/default.theme) serves. */
		if (theme_load(&ui->theme, "default", ui->uopt.theme_dirs, &cause) < 0) {
			free(cause);
			theme_free(&ui->theme);
			theme_init_default(&ui->theme);
		}
	} else if (theme_load(&ui->theme, ui->uopt.theme, ui->uopt.theme_dirs, &cause) < 0) {
		fprintf(stderr, "mailflow: %s\n", cause);
		free(cause);
		theme_free(&ui->theme);
		return -1;
	}
	return 0;
}

int ui_check_terminal(char **why)
{
	const char *term = getenv("TERM");
	char *cup;
	int err = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cause_set(why, "%s is not a terminal",
		                 isatty(STDIN_FILENO) ? "standard output" : "standard input");
	if (term == NULL || term[0] == '\0')
		return cause_set(why, "TERM is not set");
	/* setupterm() says what initscr() would only say by exiting. */
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return cause_set(why, err == 0 ? "TERM=%.40s is not in the terminfo database"
		                               : "TERM=%.40s: no terminfo database", term);
	cup = tigetstr("cup");
	del_curterm(cur_term);
	if (cup == NULL || cup == (char *)-1)
		return cause_set(why, "TERM=%.40s cannot move the cursor", term);
	return 0;
}

/* curses in the modes the event loop needs; -1 after saying why. */
static int start_curses(struct ui *ui)
{
	char *why = NULL;

	/* newterm(), not initscr(): initscr() exits the program when the
	 * terminal will not do, without a word of mailflow's. */
	if (ui_check_terminal(&why) < 0 || newterm(NULL, stdout, stdin) == NULL) {
		fprintf(stderr, "mailflow: the terminal UI cannot start: %s\n",
		        why != NULL ? why : "newterm() failed");
		free(why);
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	style_setup(&ui->paint, &ui->theme);
	if (ui->theme.ncauses > 0)
		ui_set_status(ui, "theme: %s", ui->theme.causes[0]);
	return 0;
}

/* After the loop: the modes left, curses ended, the status decided. */
static int finish(struct ui *ui)
{
	size_t i;
	int rc;

	ui_mode_pop_all(ui);
	ui_manual_forget(ui);
	endwin();
	loop_watch_remove(ui->stdin_watch);
	loop_hook_remove(ui->hook);
	loop_timer_remove(ui->tick);
	for (i = 0; i < ui->theme.ncauses; i++)
		fprintf(stderr, "mailflow: theme: %s\n", ui->theme.causes[i]);
	ui_run_rebuild(ui);
	rc = checklist_exit_status(probe_model(ui->probe), &ui->list);
	checklist_free(&ui->list);
	ui_run_remote_free(ui);
	probe_free(ui->probe);
	free(ui->rows);
	free(ui->sum.row_verdict);
	theme_free(&ui->theme);
	return rc;
}

int ui_run(struct loop *loop, const struct target *target,
           const struct probe_options *popt, const struct ui_options *uopt)
{
	struct ui ui;
	int rc;

	memset(&ui, 0, sizeof ui);
	ui.loop = loop;
	ui.target = *target;
	ui.popt = *popt;
	ui.uopt = *uopt;
	ui.tr.follow = true;
	setlocale(LC_ALL, "");
	ui.paint.utf8 = locale_is_utf8();
	if (load_theme(&ui) < 0)
		return 2;
	if (start_curses(&ui) < 0 || ui_run_start(&ui) < 0) {
		theme_free(&ui.theme);
		return 2;
	}
	ui_run_rebuild(&ui);
	ui_mode_push(&ui, &ui_mode_hosts);
	if (ui.uopt.explain != NULL)
		ui_mode_push(&ui, &ui_mode_bounce);
	ui.stdin_watch = loop_watch_add(loop, STDIN_FILENO, LOOP_READ, on_stdin, &ui);
	ui.hook = loop_hook_add(loop, before_sleep, &ui);
	ui.tick = loop_timer_add(loop, TICK_MS, TICK_MS, on_tick, &ui);
	ui_mode_draw(&ui);
	/* Manual mode's ":auth" may read a password at any moment and its
	 * session keeps it: no core file of the TUI (xmalloc.h). */
	secret_hold();
	loop_run(loop);
	rc = finish(&ui);
	secret_release();
	return rc;
}
