/*
 * ui_internal — what the TUI's files share: the state, the mode table
 * every screen implements, and each file's offer to the others.
 *
 * The TUI is a stack of modes, as tmux's window modes and ncdu's states:
 * the hosts screen at the bottom, and over it the help, the explanation
 * popup, the search prompt or manual mode. ui.c only dispatches to them
 * (mode.c); a mode draws with paint.c and lines.c, never with another
 * mode's code, and opens another mode only by pushing it.
 *
 *   ui.c        curses on the event loop, the run's life    (uses mode, run)
 *   mode.c      the mode stack: push, pop, draw, keys, status line
 *   run.c       the probe behind the screen: start, rebuild, re-run, save
 *   rows.c      the hosts table's rows, their items and sessions
 *   explain.c   the explanation of what is selected
 *   hosts.c     mode: the main screen (layout, keys, mouse)
 *   table.c       its header and hosts table
 *   panes.c       its transcript, checklist, explanation and key bar
 *   help.c      mode: the help window
 *   popup.c     mode: the big explanation window
 *   search.c    mode: typing a transcript search; the search itself
 *   copy.c      y: the selection to the clipboard (OSC 52)
 *   manual.c    mode: a session typed by hand (edit.c, history.c)
 *   paint.c lines.c style.c edit.c history.c   leaves: no UI state
 */
#ifndef MAILFLOW_UI_INTERNAL_H
#define MAILFLOW_UI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paint.h"              /* first: it sets up curses */
#include "edit.h"
#include "history.h"
#include "lines.h"
#include "mailflow/checklist.h"
#include "mailflow/probe.h"
#include "mailflow/theme.h"
#include "ui.h"

struct ui;

/* ---- modes --------------------------------------------------------------- */

/* What a key handler tells the dispatcher (htop's handler results). */
#define UI_KEY_IGNORED  0x0     /* not this mode's key: nothing changed */
#define UI_KEY_HANDLED  0x1     /* done: the screen is drawn again */
#define UI_KEY_QUIT     0x2     /* leave the TUI */

struct ui_mode {
	const char *name;
	bool overlay;                   /* drawn over the mode beneath it */
	void (*enter)(struct ui *ui);   /* pushed (may be NULL) */
	void (*leave)(struct ui *ui);   /* popped (may be NULL) */
	void (*draw)(struct ui *ui);
	int (*key)(struct ui *ui, int ch);      /* UI_KEY_* flags */
	void (*resize)(struct ui *ui);  /* the terminal changed size (may be NULL) */
};

#define UI_MODES_MAX 4

extern const struct ui_mode ui_mode_hosts;
extern const struct ui_mode ui_mode_help;
extern const struct ui_mode ui_mode_popup;
extern const struct ui_mode ui_mode_search;
extern const struct ui_mode ui_mode_manual;
extern const struct ui_mode ui_mode_bounce;     /* bounce.c: --explain's pane */

/* ---- state --------------------------------------------------------------- */

enum ui_focus { FOCUS_HOSTS, FOCUS_TRANSCRIPT, FOCUS_CHECKLIST, FOCUS__COUNT };

/* A row of the hosts table: the domain (hi == -1) or one address. */
struct ui_row {
	long hi, ai;
};
/* The Sender row's hi (--sender; the DNS row's is -1): like the DNS row
 * wherever hi < 0, with the sender.* items. */
#define UI_ROW_SENDER (-2L)

/* What the table shows of the run as a whole, made once per model change
 * (ui_run_rebuild), not per redraw: the domain's sentence, the hosts with
 * a verdict, and each row's verdict. */
struct ui_summary {
	char sentence[2048];
	size_t done, all;
	enum verdict *row_verdict;      /* one per row */
};

#define UI_SEARCH_MAX 128
#define UI_ITEMS_MAX 128        /* checklist items of one row */

enum ui_input { INPUT_COMMAND, INPUT_PASSWORD, INPUT_DATA };

/* Manual mode: one hand-driven session (the probe's), its input line and
 * history. */
struct ui_manual {
	struct smtp_session *ss;        /* owned by the probe */
	const struct model_session *m;  /* its transcript */
	bool ready;                     /* handed over: the user may type */
	bool parked;                    /* left with Esc, still the probe's: m or M resumes */
	struct edit edit;
	struct history hist;
	enum ui_input input;
	char auth_user[256];
	int auth_plain;
	char *data;                     /* the :data editor's text */
	size_t data_len, data_lines;
	struct lines_view view;
	char msg[300];
	/* Where it was opened, for :reconnect. */
	size_t hi, ai;
	enum smtp_quit_after handover;
};

struct ui {
	struct loop *loop;
	struct probe *probe;
	struct target target;
	struct probe_options popt;
	struct ui_options uopt;
	struct checklist list;
	/* --explain: the host the bounce names, probed alone once the
	 * domain's run says it is none of the domain's MX hosts (as batch
	 * does: batch_add_explained); its checklist once it has ended. */
	struct probe *remote;
	struct checklist remote_list;

	struct loop_watch *stdin_watch;
	struct loop_hook *hook;
	struct loop_timer *tick;
	bool dirty;
	bool remote_tried, remote_done; /* of ui->remote */
	bool model_changed;
	bool quit;
	bool keep_set;
	uint64_t started_ms;
	uint64_t done_ms;               /* when the run ended, 0 while running */

	const struct ui_mode *modes[UI_MODES_MAX];
	size_t nmodes;

	/* The hosts screen. */
	struct ui_row *rows;
	size_t nrows;
	struct ui_summary sum;
	size_t sel;                     /* selected row */
	/* R: the row to select again once the new run has it (keep_set). */
	struct ui_row keep;
	size_t tbl_top;
	enum ui_focus focus;
	struct lines_view tr;           /* the selected row's transcript */
	size_t ck_sel;
	size_t ck_top;
	char query[UI_SEARCH_MAX];      /* the transcript search */
	size_t qlen;
	char status[256];
	uint64_t status_until;
	/* Geometry of the last draw, for the mouse. */
	int tbl_y0, tbl_rows, panes_y0, panes_h, split_x;

	struct ui_manual man;
	bool manual_opened;             /* --manual: done once */

	struct theme theme;
	struct paint paint;
};

/* ---- mode.c: the stack --------------------------------------------------- */

void ui_mode_push(struct ui *ui, const struct ui_mode *mode);
/* Leaves the top mode (never the bottom one). */
void ui_mode_pop(struct ui *ui);
/* Leaves every mode, the bottom one too (the TUI ends). */
void ui_mode_pop_all(struct ui *ui);
const struct ui_mode *ui_mode_top(const struct ui *ui);
/* The whole screen: the top mode over those it overlays. */
void ui_mode_draw(struct ui *ui);
/* A key to the top mode (a resize to every mode); UI_KEY_* flags. */
int ui_mode_key(struct ui *ui, int ch);
/* A message on the key bar for a few seconds. */
void ui_set_status(struct ui *ui, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- run.c: the probe behind the screen ---------------------------------- */

/* 0, or -1 after saying why on stderr (curses is ended then). */
int ui_run_start(struct ui *ui);
/* The checklist and the rows again, from the model. */
void ui_run_rebuild(struct ui *ui);
/* Ends the probe of the host a bounce names (ui->remote) and forgets it. */
void ui_run_remote_free(struct ui *ui);
/* The selected address again, or (all) the whole run. */
void ui_run_again(struct ui *ui, bool all);
/* The report as .txt and .json in the current directory. */
void ui_run_save(struct ui *ui);

/* ---- rows.c -------------------------------------------------------------- */

void ui_rows_rebuild(struct ui *ui);
/* The checklist items of a row, in order; returns how many. */
size_t ui_items_of_row(const struct ui *ui, size_t row, const struct check_item **out,
                       size_t max);
/* The session of a row; NULL for the DNS row or an address not probed. */
const struct model_session *ui_session_of_row(const struct ui *ui, size_t row);

/* ---- explain.c ----------------------------------------------------------- */

/* The explanation of what is selected (a checklist item, a transcript
 * line, a host's worst item): title "" when there is nothing. */
void ui_explain_selection(const struct ui *ui, char *title, size_t tsz,
                          char *body, size_t bsz, enum verdict *v);

/* ---- table.c, panes.c: the hosts screen's parts --------------------------- */

void ui_table_draw_header(struct ui *ui);
/* The domain's sentence from row y, wrapped in at most maxrows rows;
 * returns the rows used. */
int ui_table_draw_summary(struct ui *ui, int y, int maxrows);
void ui_table_draw(struct ui *ui, int y0, int rows);
/* Transcript and checklist side by side from row y (their title rule). */
void ui_panes_draw(struct ui *ui, int y, int h);
/* The checklist item drawn on the pane's row (0: its first), as drawn. */
size_t ui_checklist_item_at(struct ui *ui, int row);
void ui_panes_draw_explanation(struct ui *ui, int y, int h);
void ui_panes_draw_keybar(struct ui *ui);

/* ---- search.c, manual.c: entries besides their modes ---------------------- */

/* The next line that holds the query, from the selection on. */
void ui_search_next(struct ui *ui, bool from_current);
/* N: the match before the selection. */
void ui_search_prev(struct ui *ui);

/* ---- copy.c -------------------------------------------------------------- */

/* y: the selection to the terminal's clipboard (OSC 52). */
void ui_copy_selection(struct ui *ui);
/* Manual mode on one address of the plan: the routine runs up to handover,
 * then the user types. 0, or -1 with the reason on the status line. */
int ui_manual_open(struct ui *ui, size_t hi, size_t ai, enum smtp_quit_after handover);
/* The parked session back (-1: none); what the UI holds of it dropped,
 * before the probe that owns it is freed. */
int ui_manual_resume(struct ui *ui);
void ui_manual_forget(struct ui *ui);

#endif
