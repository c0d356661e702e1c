/*
 * history — manual mode's command history: the lines typed, walked with
 * Up/Down, kept in $XDG_STATE_HOME/mailflow/history (or
 * ~/.local/state/mailflow/history). Credentials never reach it: AUTH lines
 * and the :auth helper stay out, and a password is never a command line.
 */
#ifndef MAILFLOW_UI_HISTORY_H
#define MAILFLOW_UI_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#define HISTORY_MAX 500                 /* lines kept, oldest dropped */

struct history {
	char **v;                       /* oldest first */
	size_t n;
	size_t pos;                     /* while walking: n is "after the end" */
	bool walking;
	char path[1100];                /* "" when there is no home to keep it */
};

/* Reads the file (a missing one is an empty history). */
void history_load(struct history *h);
/* Adds a typed line (not a credential) and appends it to the file. */
void history_add(struct history *h, const char *line);
/* One step back (dir < 0) or forward in the walk; returns the line to show
 * ("" after the newest), or NULL when there is no history. */
const char *history_walk(struct history *h, int dir);
/* The next walk starts after the newest line again. */
void history_stop(struct history *h);
void history_free(struct history *h);

#endif
