/*
 * ui_internal — what the UI's files share: the state, and the functions
 * each file offers the others (ui.c: input and the loop; draw.c: the
 * screen; style.c: theme → curses).
 */
#ifndef MAILFLOW_UI_INTERNAL_H
#define MAILFLOW_UI_INTERNAL_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailflow/checklist.h"
#include "mailflow/probe.h"
#include "mailflow/theme.h"
#include "ui.h"

enum ui_focus { FOCUS_HOSTS, FOCUS_TRANSCRIPT, FOCUS_CHECKLIST, FOCUS__COUNT };

/* A row of the hosts table: the domain (hi == -1) or one address. */
struct ui_row {
	long hi, ai;
};

#define UI_SEARCH_MAX 128
#define UI_INPUT_MAX 1024
#define UI_HISTORY_MAX 500

enum ui_input_mode { INPUT_COMMAND, INPUT_PASSWORD, INPUT_DATA };

/* Manual mode: one hand-driven session, its input line and history. */
struct ui_manual {
	bool active;
	struct model_session *m;        /* owned */
	struct smtp_session *ss;
	bool ready;                     /* handed over: the user may type */
	char line[UI_INPUT_MAX];
	size_t len, cur;
	char **hist;
	size_t nhist, hist_pos;
	bool browsing;                  /* walking the history with Up/Down */
	char hist_path[1100];
	enum ui_input_mode mode;
	char auth_user[256];
	int auth_plain;
	char *data;                     /* the :data editor's text */
	size_t data_len;
	size_t data_lines;
	size_t sel, top;
	char msg[300];
};

struct ui {
	struct loop *loop;
	struct probe *probe;
	struct target target;
	struct probe_options popt;
	struct ui_options uopt;
	struct checklist list;

	struct loop_watch *stdin_watch;
	struct loop_hook *hook;
	struct loop_timer *tick;
	bool dirty;
	bool model_changed;
	bool quit;
	uint64_t started_ms;
	uint64_t done_ms;               /* when the run ended, 0 while running */
	unsigned spin;

	struct ui_row *rows;
	size_t nrows;
	size_t sel;                     /* selected row */
	size_t tbl_top;
	enum ui_focus focus;
	size_t tr_sel;                  /* selected transcript line */
	size_t tr_top;
	bool tr_follow;                 /* keep the newest line in view */
	size_t ck_sel;
	size_t ck_top;
	bool explain_open;              /* Enter: the big explanation window */
	bool help_open;
	bool searching;                 /* typing a search */
	char query[UI_SEARCH_MAX];
	size_t qlen;
	char status[256];
	uint64_t status_until;

	struct ui_manual man;
	bool manual_opened;             /* --manual: done once */
	char rcpt[TARGET_LOCAL_MAX + DNS_NAME_MAX + 2];  /* RCPT TO the probe uses */

	struct theme theme;
	attr_t attr[THEME__COUNT];
	bool utf8;
	/* Geometry of the last draw, for the mouse. */
	int tbl_y0, tbl_rows, panes_y0, panes_h, split_x;
};

/* draw.c */
void ui_draw(struct ui *ui);
/* The checklist items of the selected row, in order; n in *n. */
size_t ui_items_of_row(const struct ui *ui, size_t row, const struct check_item **out,
                       size_t max);
const struct model_session *ui_session_of_row(const struct ui *ui, size_t row);
void ui_rows_rebuild(struct ui *ui);
/* The line holds q, ASCII case ignored (the transcript search). */
bool ui_line_matches(const struct model_line *l, const char *q);

/* Drawing helpers draw.c offers manual.c. */
int ui_put(int y, int x, int width, const char *s, attr_t a);
int ui_put_raw(int y, int x, int width, const char *bytes, size_t len, attr_t a);
int ui_put_wrapped(int y, int x, int width, int maxrows, const char *s, attr_t a);
void ui_fill(int y, int x, int width, attr_t a);
void ui_hline(const struct ui *ui, int y, int x, int w, attr_t a);
void ui_draw_lines(struct ui *ui, const struct model_session *s, int y0, int x0,
                   int w, int h, size_t *sel, size_t *top, bool follow, bool show_sel);

/* manual.c */
/* Opens manual mode on an address: the routine runs up to handover, then
 * the user types. */
int ui_manual_open(struct ui *ui, const char *host, const char *addr,
                   uint16_t port, enum smtp_quit_after handover);
void ui_manual_close(struct ui *ui);
void ui_manual_key(struct ui *ui, int ch);
void ui_manual_draw(struct ui *ui);

/* style.c */
void ui_style_setup(struct ui *ui);
attr_t ui_verdict_attr(const struct ui *ui, enum verdict v);
attr_t ui_reply_attr(const struct ui *ui, int code);

/* ui.c */
void ui_set_status(struct ui *ui, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
