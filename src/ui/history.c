/*
 * history.c — manual mode's command history and its file (history.h).
 */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mailflow/xmalloc.h"

#define HISTORY_LINE_MAX 1024

static void history_path(struct history *h)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	h->path[0] = '\0';
	if (state != NULL && state[0] == '/')
		snprintf(h->path, sizeof h->path, "%.1000s/mailflow/history", state);
	else if (home != NULL)
		snprintf(h->path, sizeof h->path, "%.990s/.local/state/mailflow/history", home);
}

static void history_push(struct history *h, const char *line)
{
	if (h->n > 0 && strcmp(h->v[h->n - 1], line) == 0)
		return;
	if (h->n == HISTORY_MAX) {
		free(h->v[0]);
		memmove(h->v, h->v + 1, (h->n - 1) * sizeof *h->v);
		h->n--;
	}
	h->v[h->n++] = xstrdup(line);
}

void history_load(struct history *h)
{
	char line[HISTORY_LINE_MAX];
	FILE *f;

	memset(h, 0, sizeof *h);
	h->v = xcalloc(HISTORY_MAX, sizeof *h->v);
	history_path(h);
	if (h->path[0] == '\0' || (f = fopen(h->path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0')
			history_push(h, line);
	}
	fclose(f);
}

/* Credentials never reach the history: AUTH lines and their answers stay
 * out, and the password is never typed on the command line. */
static bool history_worthy(const char *line)
{
	return strncasecmp(line, "AUTH", 4) != 0 && strncasecmp(line, ":auth", 5) != 0;
}

/* mkdir -p of the directories above path. */
static void make_parents(const char *path)
{
	char dir[1100], *slash;

	snprintf(dir, sizeof dir, "%s", path);
	for (slash = strchr(dir + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
}

void history_add(struct history *h, const char *line)
{
	FILE *f;

	if (!history_worthy(line) || h->v == NULL)
		return;
	history_push(h, line);
	if (h->path[0] == '\0')
		return;
	make_parents(h->path);
	f = secret_fopen(h->path, "a");
	if (f != NULL) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

const char *history_walk(struct history *h, int dir)
{
	if (h->n == 0)
		return NULL;
	if (!h->walking) {
		/* A new walk through the history starts after its end. */
		h->pos = h->n;
		h->walking = true;
	}
	if (dir < 0 && h->pos > 0)
		h->pos--;
	else if (dir > 0 && h->pos < h->n)
		h->pos++;
	return h->pos == h->n ? "" : h->v[h->pos];
}

void history_stop(struct history *h)
{
	h->walking = false;
}

void history_free(struct history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	memset(h, 0, sizeof *h);
}
