/*
 * paint — the drawing primitives every mode of the TUI uses: text cut by
 * display width, network bytes made safe first, filled rows, rules, boxes,
 * the verdict marks and the attributes of verdicts and replies.
 *
 * A leaf of src/ui/: it knows curses and the theme's elements, not the
 * UI's state, so each mode draws with it and none draws with another.
 */
#ifndef MAILFLOW_UI_PAINT_H
#define MAILFLOW_UI_PAINT_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "mailflow/checklist.h"
#include "mailflow/theme.h"

/* What drawing needs to know of the terminal and the theme. */
struct paint {
	attr_t attr[THEME__COUNT];      /* each theme element as curses shows it */
	bool utf8;                      /* the locale is UTF-8: marks and rules */
	unsigned spin;                  /* frame of the pending mark */
};

/* UTF-8 text (already safe) at y,x within width columns; returns the
 * columns used. Wide characters count by wcwidth and are never split. */
int paint_put(int y, int x, int width, const char *s, attr_t a);
/* The display columns of the UTF-8 s[0..len), counted as paint_put()
 * counts them. */
int paint_columns(const char *s, size_t len);
/* The same for bytes from the network: text_sanitize() first. */
int paint_put_raw(int y, int x, int width, const char *bytes, size_t len, attr_t a);
int paint_putf(int y, int x, int width, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Word-wrapped into at most maxrows rows (the last cut with "…"); returns
 * the rows used. */
int paint_put_wrapped(int y, int x, int width, int maxrows, const char *s, attr_t a);
/* Where a row of width columns that starts at s ends (bytes): all of s
 * when it fits, else at a space in the row's second half, else at the
 * last whole character that fits. */
size_t paint_wrap_cut(const char *s, int width);
/* The rows paint_put_wrapped() would use, without painting. */
int paint_wrapped_rows(const char *s, int width, int maxrows);
void paint_fill(int y, int x, int width, attr_t a);

/* utf8 or ascii, as the terminal can show. */
const char *paint_pick(const struct paint *p, const char *utf8, const char *ascii);
/* Rules are drawn as text, not with the alternate character set: the same
 * on every terminal, and what tmux's capture shows. */
void paint_hline(const struct paint *p, int y, int x, int w, attr_t a);
void paint_vline(const struct paint *p, int y, int x, int h, attr_t a);
/* A framed window, cleared, with its title on the top rule. */
void paint_box(const struct paint *p, int y, int x, int h, int w, const char *title);

/* ✓ ! ✗ i – and the spinning pending mark (ASCII: + ! x i - |/-\). */
const char *paint_mark(const struct paint *p, enum verdict v);
attr_t paint_verdict_attr(const struct paint *p, enum verdict v);
/* A reply code's colour: 2xx, 3xx, 4xx, 5xx, else a server line's. */
attr_t paint_reply_attr(const struct paint *p, int code);

#endif
