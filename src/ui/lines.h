/*
 * lines — a session's transcript as the TUI shows it: time, direction,
 * the line made safe and wrapped, its note; scrolling that keeps the
 * selected line in view; search matches; the explanation of a reply.
 * Used by the hosts screen and by manual mode alike.
 */
#ifndef MAILFLOW_UI_LINES_H
#define MAILFLOW_UI_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "mailflow/codes.h"
#include "mailflow/model.h"
#include "paint.h"

/* Where a transcript view is. */
struct lines_view {
	size_t sel;                     /* the selected line */
	size_t top;                     /* the first line shown */
	bool follow;                    /* keep the newest line selected */
	bool show_sel;                  /* draw the selection */
};

/* Draws s into the h rows of w columns at y0,x0; each occurrence of query
 * (may be NULL or "") is marked, on the selected line too. Adjusts v so
 * the selection shows. */
void lines_draw(const struct paint *p, const struct model_session *s,
                struct lines_view *v, const char *query, int y0, int x0, int w, int h);
/* The line holds q, ASCII case ignored (the transcript search). */
bool lines_match(const struct model_line *l, const char *q);
/* A line's colour: client, mailflow's own, or by its reply code. */
attr_t lines_attr(const struct paint *p, const struct model_line *l);
/* The command the server line s->lines[i] answers: the verb of the last
 * client line before it, the greeting when there is none. */
enum codes_cmd lines_reply_command(const struct model_session *s, size_t i);
/* The explanation of the server reply line s->lines[i] in answer to that
 * command (ex->best; NULL if none); ex is filled, ex->unusual included. */
const struct code_info *lines_reply_info(const struct model_session *s, size_t i,
                                         struct code_explanation *ex);

#endif
