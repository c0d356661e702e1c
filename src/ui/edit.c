/*
 * edit.c — an input line and its editing keys (edit.h).
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>

#include "edit.h"
#include <string.h>

#include "mailflow/xmalloc.h"

#define CTRL(c) ((c) & 0x1f)

static void kill_range(struct edit *e, size_t from, size_t to)
{
	memmove(e->line + from, e->line + to, e->len - to);
	e->len -= to - from;
	e->cur = from;
	secret_wipe(e->line + e->len, to - from);
}

static size_t word_start(const struct edit *e)
{
	size_t start = e->cur;

	while (start > 0 && e->line[start - 1] == ' ')
		start--;
	while (start > 0 && e->line[start - 1] != ' ')
		start--;
	return start;
}

static bool insert(struct edit *e, int ch)
{
	/* Bytes as typed (UTF-8 included): the check before sending
	 * refuses what SMTP cannot carry, with the reason. */
	if (ch < 0x20 || ch >= 0x100 || ch == 0x7f)
		return false;
	if (e->len + 1 < sizeof e->line) {
		memmove(e->line + e->cur + 1, e->line + e->cur, e->len - e->cur);
		e->line[e->cur++] = (char)ch;
		e->len++;
	}
	return true;
}

bool edit_key(struct edit *e, int ch)
{
	switch (ch) {
	case KEY_LEFT: if (e->cur > 0) e->cur--; return true;
	case KEY_RIGHT: if (e->cur < e->len) e->cur++; return true;
	case KEY_HOME: case CTRL('a'): e->cur = 0; return true;
	case KEY_END: case CTRL('e'): e->cur = e->len; return true;
	case KEY_BACKSPACE: case 127: case 8:
		if (e->cur > 0)
			kill_range(e, e->cur - 1, e->cur);
		return true;
	case KEY_DC:
		if (e->cur < e->len) {
			size_t at = e->cur;

			kill_range(e, at, at + 1);
		}
		return true;
	case CTRL('u'):
		kill_range(e, 0, e->cur);
		return true;
	case CTRL('w'):
		kill_range(e, word_start(e), e->cur);
		return true;
	default:
		return insert(e, ch);
	}
}

void edit_set(struct edit *e, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof e->line)
		n = sizeof e->line - 1;
	edit_clear(e);
	memcpy(e->line, s, n);
	e->len = e->cur = n;
}

void edit_take(struct edit *e, char *out)
{
	memcpy(out, e->line, e->len);
	out[e->len] = '\0';
	edit_clear(e);
}

void edit_clear(struct edit *e)
{
	secret_wipe(e->line, sizeof e->line);
	e->len = e->cur = 0;
}
