/*
 * ui — the terminal UI (ncursesw). The only module that includes curses,
 * with src/main.c. It shows the same model and checklist the reports do.
 */
#ifndef MAILFLOW_UI_H
#define MAILFLOW_UI_H

#include "mailflow/explain.h"
#include "mailflow/probe.h"
#include "mailflow/target.h"

struct loop;

struct ui_options {
	const char *input;              /* what the user typed, for the header */
	const char *theme;              /* NAME or PATH; NULL: "default" */
	const char *const *theme_dirs;  /* where theme names are looked up */
	/* Open manual mode on the first address of the probe's -s server
	 * as soon as it is known (mailflow --manual HOST). */
	int manual;
	/* --explain: the bounce explained, in a pane over the screen (b). */
	const struct explain *explain;
};

/* 0 when the TUI can start here: stdin and stdout are a terminal whose
 * TERM terminfo knows and can move the cursor (not TERM=dumb); else -1
 * with *why set (the caller falls back to the report). */
int ui_check_terminal(char **why);

/*
 * Runs the TUI until the user quits: starts the probe, draws it live,
 * handles keys. Returns the exit status of DESIGN.md (0 no fail, 1 a
 * fail, 2 the run could not be made).
 */
int ui_run(struct loop *loop, const struct target *target,
           const struct probe_options *popt, const struct ui_options *uopt);

/*
 * mailflow --bench-ui N (make bench): N made-up finished hosts drawn into
 * the terminal TERM names, no network; prints the CPU per full redraw and
 * the time to the first painted screen on stderr. 0, or 2 when curses
 * cannot start.
 */
int ui_bench(struct loop *loop, size_t nhosts);

#endif
