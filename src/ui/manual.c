/*
 * manual.c — manual mode: an interactive SMTP session that is a better
 * telnet, a mode that covers the hosts screen. The session is the probe's
 * (probe_manual_open: the same options, port and TLS rule as the run);
 * here: the input line (edit.c) with history (history.c) and completion,
 * the ':' helpers, the password prompt and the DATA editor.
 */
#include "ui_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailflow/codes.h"
#include "mailflow/report.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#define KEY_ESC 27
#define EXPLAIN_ROWS 3

static const char *const verbs[] = {
	"EHLO ", "HELO ", "MAIL FROM:<", "RCPT TO:<", "DATA", "RSET", "NOOP", "QUIT",
	"VRFY ", "EXPN ", "HELP", "STARTTLS", "AUTH ", ":starttls", ":auth login ",
	":auth plain ", ":data", ":rset", ":quit", ":reconnect", ":save ", ":help", ":back",
};

static void say(struct ui *ui, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->man.msg, sizeof ui->man.msg, fmt, ap);
	va_end(ap);
	ui->dirty = true;
}

/* ---- the session ----------------------------------------------------------- */

/*
 * Where the session stands after the server answered cmd with a reply of
 * class cls (2 to 5): the status line
 * follows the conversation (the explanation below says what the reply
 * means). One row per command and outcome; NULL keeps the message (a 334
 * asks for the next AUTH line, which the password prompt handles).
 */
static const char *state_after(enum codes_cmd cmd, int cls)
{
	static const struct {
		enum codes_cmd cmd;
		const char *ok;         /* 2xx, or 3xx where the command wants one */
		const char *refused;    /* 4xx, 5xx */
	} states[] = {
		{ CODES_CMD_GREETING, "Greeted: EHLO next.",
		  "Refused at the greeting: the explanation below says why; :quit ends." },
		{ CODES_CMD_EHLO, "EHLO answered: MAIL FROM:<...> next, or :starttls first.",
		  "EHLO refused: try HELO, or :quit." },
		{ CODES_CMD_HELO, "HELO answered: MAIL FROM:<...> next.",
		  "HELO refused: the explanation below says why; :quit ends." },
		{ CODES_CMD_STARTTLS, "STARTTLS accepted: once the header shows TLS, EHLO again "
		  "(the server forgets the first).",
		  "STARTTLS refused: the session goes on in plaintext." },
		{ CODES_CMD_AUTH, "Authenticated: MAIL FROM:<...> next.",
		  "Authentication refused: the explanation below says why." },
		{ CODES_CMD_MAIL, "Sender accepted: RCPT TO:<...> next.",
		  "Sender refused: the explanation below says why; RSET, then MAIL FROM again." },
		{ CODES_CMD_RCPT, "Recipient accepted: another RCPT TO, or :data for the message.",
		  "Recipient refused: the explanation below says why; another RCPT TO, or RSET." },
		{ CODES_CMD_DATA, "354: the message is on its way; its answer follows.",
		  "DATA refused: no recipient was accepted, or the server will take no message." },
		{ CODES_CMD_END_OF_DATA, "Message accepted (queued): MAIL FROM for another, "
		  "or :quit.", "Message refused: the server did not take it; the explanation "
		  "below says why." },
		{ CODES_CMD_RSET, "Reset: MAIL FROM starts a new message.",
		  "RSET refused: :quit ends the session." },
		{ CODES_CMD_QUIT, "QUIT answered: the server closes the connection.",
		  "QUIT refused: the server closes the connection anyway." },
	};
	size_t i;

	if (cmd == CODES_CMD_AUTH && cls == 3)
		return NULL;
	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		if (states[i].cmd == cmd)
			return cls <= 3 ? states[i].ok : states[i].refused;
	return "";
}

static void on_line(struct smtp_session *ss, const struct model_line *l, void *arg)
{
	struct ui *ui = arg;
	const struct model_session *s = ui->man.m;
	const char *st;

	(void)ss;
	/* The last line of a reply to what the user sent (the line's code is
	 * not parsed yet: smtp.c records the bytes first). */
	if (l->dir == 'S' && l->len >= 3 && l->bytes[0] >= '2' && l->bytes[0] <= '5' &&
	    l->bytes[1] >= '0' && l->bytes[1] <= '9' && l->bytes[2] >= '0' &&
	    l->bytes[2] <= '9' && (l->len == 3 || l->bytes[3] != '-') && ui->man.ready &&
	    ui->man.input == INPUT_COMMAND && s != NULL && s->nlines > 0 &&
	    (st = state_after(lines_reply_command(s, s->nlines - 1),
	                      l->bytes[0] - '0')) != NULL)
		say(ui, "%s", st);
	ui->dirty = true;
}

static void on_done(struct smtp_session *ss, void *arg)
{
	struct ui *ui = arg;

	(void)ss;
	ui->man.ready = false;
	say(ui, "Connection closed. :reconnect opens a new one, :save FILE keeps the "
	    "transcript, Esc goes back.");
}

static void on_manual(struct smtp_session *ss, void *arg)
{
	struct ui *ui = arg;

	(void)ss;
	ui->man.ready = true;
	say(ui, "Your turn: type SMTP commands. :help lists the helpers.");
}

int ui_manual_open(struct ui *ui, size_t hi, size_t ai, enum smtp_quit_after handover)
{
	static const struct smtp_callbacks cb = { on_line, NULL, on_done, on_manual, NULL };
	struct ui_manual *mm = &ui->man;
	char *cause = NULL;
	struct smtp_session *ss;

	if (ui_mode_top(ui) == &ui_mode_manual) {
		ui_mode_pop(ui);        /* :reconnect: a new session, not the parked one */
		ui_manual_forget(ui);
	} else if (mm->parked && mm->hi == hi && mm->ai == ai) {
		return ui_manual_resume(ui);
	}
	ui_manual_forget(ui);           /* probe_manual_open ends the parked one */
	ss = probe_manual_open(ui->probe, hi, ai, handover, &cb, ui, &cause);
	if (ss == NULL) {
		ui_set_status(ui, "m: %s", cause ? cause : "cannot open a session");
		free(cause);
		return -1;
	}
	memset(mm, 0, sizeof *mm);
	mm->hi = hi;
	mm->ai = ai;
	mm->handover = handover;
	mm->ss = ss;
	mm->m = smtp_session_data(ss);
	mm->view.follow = true;
	history_load(&mm->hist);
	say(ui, "Connecting; the routine runs up to %s, then it is yours.",
	    smtp_quit_after_name(handover == SMTP_QUIT_NEVER ? SMTP_QUIT_BANNER : handover));
	ui_mode_push(ui, &ui_mode_manual);
	return 0;
}

static void data_reset(struct ui_manual *mm)
{
	free(mm->data);
	mm->data = NULL;
	mm->data_len = mm->data_lines = 0;
}

/* The parked session back on screen, as it was left. */
int ui_manual_resume(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;

	if (!mm->parked)
		return -1;
	mm->parked = false;
	mm->view.follow = true;
	if (mm->m->done)
		say(ui, "Back to the parked session, closed: :reconnect opens a new one, "
		    "Esc goes back.");
	else if (mm->ready)
		say(ui, "Back to the parked session: your turn, type on (Esc parks it again).");
	else
		say(ui, "Back to the parked session: the routine still runs up to the hand-over.");
	ui_mode_push(ui, &ui_mode_manual);
	return 0;
}

/* What the UI holds of a session; the probe's own end (probe_free,
 * probe_manual_open) frees the session itself. */
void ui_manual_forget(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;

	if (!mm->parked)
		return;
	history_free(&mm->hist);
	edit_clear(&mm->edit);
	free(mm->data);
	memset(mm, 0, sizeof *mm);
}

/* Does the address have a session of its own, besides the one typed? */
static bool address_has_session(const struct ui *ui, size_t hi, size_t ai)
{
	const struct model_domain *d = probe_model(ui->probe);

	return hi < d->nhosts && ai < d->hosts[hi].naddrs && d->hosts[hi].addrs[ai].session != NULL;
}

/* Popped (Esc, :back, the TUI's end): the session is parked, open or
 * closed, transcript, input line and history kept, so m on the address
 * (or M) brings it back. Only a closed one the address has no other
 * session for (--manual) ends here: it becomes the address's, judged and
 * reported, and the hosts view shows its transcript. */
static void manual_leave(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;

	if (mm->m->done && !address_has_session(ui, mm->hi, mm->ai)) {
		probe_manual_close(ui->probe);
		history_free(&mm->hist);
		edit_clear(&mm->edit);
		free(mm->data);
		memset(mm, 0, sizeof *mm);
		return;
	}
	if (mm->input == INPUT_DATA)
		data_reset(mm);
	if (mm->input != INPUT_COMMAND)
		edit_clear(&mm->edit);  /* a password half typed is not kept */
	mm->input = INPUT_COMMAND;
	mm->parked = true;
}

/* ---- the ':' helpers ------------------------------------------------------- */

static void helper_starttls(struct ui *ui, const char *arg, char **cause)
{
	(void)arg;
	if (smtp_manual_starttls(ui->man.ss, cause) < 0)
		say(ui, ":starttls: %s", *cause);
	else
		say(ui, "STARTTLS sent; the handshake follows the 220.");
}

static void helper_auth(struct ui *ui, const char *arg, char **cause)
{
	struct ui_manual *mm = &ui->man;
	char mech[16] = "", user[256] = "";

	(void)cause;
	if (!mm->m->tls_active && !ui->popt.session.allow_plaintext_auth) {
		say(ui, ":auth refused before STARTTLS: the password would cross the "
		    "network in the clear. :starttls first (or --allow-plaintext-auth).");
		return;
	}
	if (sscanf(arg, "%15s %255s", mech, user) != 2 ||
	    (strcasecmp(mech, "login") != 0 && strcasecmp(mech, "plain") != 0)) {
		say(ui, "usage: :auth login USER  or  :auth plain USER");
		return;
	}
	snprintf(mm->auth_user, sizeof mm->auth_user, "%s", user);
	mm->auth_plain = strcasecmp(mech, "plain") == 0;
	mm->input = INPUT_PASSWORD;
	say(ui, "Password for %s (not shown, not kept in the history):", user);
}

static void helper_data(struct ui *ui, const char *arg, char **cause)
{
	(void)arg;
	(void)cause;
	data_reset(&ui->man);
	ui->man.input = INPUT_DATA;
	say(ui, "DATA editor: headers, an empty line, the body. A line with only . "
	    "sends (Date and Message-ID are added), Esc cancels.");
}

static void helper_rset(struct ui *ui, const char *arg, char **cause)
{
	(void)arg;
	if (smtp_manual_send(ui->man.ss, "RSET", cause) < 0)
		say(ui, ":rset: %s", *cause);
}

static void helper_quit(struct ui *ui, const char *arg, char **cause)
{
	(void)arg;
	if (smtp_manual_send(ui->man.ss, "QUIT", cause) < 0)
		say(ui, ":quit: %s", *cause);
}

static void helper_save(struct ui *ui, const char *arg, char **cause)
{
	FILE *f;

	(void)cause;
	if (*arg == '\0') {
		say(ui, "usage: :save FILE");
		return;
	}
	f = secret_fopen(arg, "w");
	if (f == NULL) {
		say(ui, ":save %s: %s", arg, strerror(errno));
		return;
	}
	report_session_text(f, ui->man.m);
	if (fclose(f) != 0)
		say(ui, ":save %s: %s", arg, strerror(errno));
	else
		say(ui, "Saved the transcript to %s", arg);
}

/* A new session with the same address and hand-over point. */
static void helper_reconnect(struct ui *ui, const char *arg, char **cause)
{
	struct ui_manual *mm = &ui->man;

	(void)arg;
	(void)cause;
	if (mm->ss != NULL && !mm->m->done) {
		say(ui, ":reconnect: still connected; :quit first");
		return;
	}
	ui_manual_open(ui, mm->hi, mm->ai, mm->handover);
}

static void helper_back(struct ui *ui, const char *arg, char **cause)
{
	(void)arg;
	(void)cause;
	ui_mode_pop(ui);
}

/* takes_arg: the rest of the line is its argument; live: it talks to the
 * server, so only once the session is handed over (:save and :back also
 * serve a closed one). */
static const struct {
	const char *name;
	bool takes_arg, live;
	void (*run)(struct ui *ui, const char *arg, char **cause);
} helpers[] = {
	{ ":starttls", false, true, helper_starttls }, { ":auth", true, true, helper_auth },
	{ ":data", false, true, helper_data }, { ":rset", false, true, helper_rset },
	{ ":quit", false, true, helper_quit }, { ":save", true, false, helper_save },
	{ ":reconnect", false, false, helper_reconnect },
	{ ":back", false, false, helper_back },
};

static void say_not_ready(struct ui *ui)
{
	if (ui->man.m->done)
		say(ui, "Connection closed: :reconnect opens a new one, Esc goes back.");
	else
		say(ui, "Not your turn yet: the routine runs up to the hand-over (Esc: back).");
}

static void run_helper(struct ui *ui, const char *cmd)
{
	size_t n = strcspn(cmd, " "), i;
	const char *arg = cmd + n;
	char *cause = NULL;

	while (*arg == ' ')
		arg++;
	for (i = 0; i < sizeof helpers / sizeof helpers[0]; i++) {
		if (strlen(helpers[i].name) == n && strncmp(cmd, helpers[i].name, n) == 0 &&
		    (helpers[i].takes_arg || *arg == '\0')) {
			if (helpers[i].live && !ui->man.ready) {
				say_not_ready(ui);
				return;
			}
			helpers[i].run(ui, arg, &cause);
			free(cause);
			return;
		}
	}
	say(ui, ":starttls  :auth login|plain USER  :data  :rset  :quit  :reconnect  "
	    ":save FILE  :back   (Esc: back to the hosts)");
}

/* ---- what Enter does --------------------------------------------------------- */

static void submit_password(struct ui *ui, const char *password)
{
	struct ui_manual *mm = &ui->man;
	char *cause = NULL;

	mm->input = INPUT_COMMAND;
	if (smtp_manual_auth(mm->ss, mm->auth_plain, mm->auth_user, password, &cause) < 0)
		say(ui, ":auth: %s", cause);
	else
		say(ui, "AUTH %s sent for %s; the transcript shows it masked.",
		    mm->auth_plain ? "PLAIN" : "LOGIN", mm->auth_user);
	free(cause);
}

static void data_append(struct ui_manual *mm, const char *line)
{
	size_t n = strlen(line);

	mm->data = xreallocarray(mm->data, mm->data_len + n + 3, 1);
	memcpy(mm->data + mm->data_len, line, n);
	memcpy(mm->data + mm->data_len + n, "\r\n", 3);
	mm->data_len += n + 2;
	mm->data_lines++;
}

static void submit_data(struct ui *ui, const char *line)
{
	struct ui_manual *mm = &ui->man;
	char *cause = NULL;

	if (strcmp(line, ".") == 0) {
		mm->input = INPUT_COMMAND;
		if (smtp_manual_data(mm->ss, mm->data ? mm->data : "", &cause) < 0)
			say(ui, ":data: %s", cause);
		else
			say(ui, "DATA sent; the message follows the 354.");
		data_reset(mm);
	} else if (smtp_manual_check_line(line, &cause) < 0) {
		say(ui, "Refused: %s", cause);
	} else {
		data_append(mm, line);
		say(ui, "DATA editor: %zu line(s). A line with only . sends, Esc cancels.",
		    mm->data_lines);
	}
	free(cause);
}

static void submit_command(struct ui *ui, const char *line)
{
	struct ui_manual *mm = &ui->man;
	char *cause = NULL;

	if (line[0] == '\0')
		return;
	if (line[0] == ':') {
		history_add(&mm->hist, line);
		run_helper(ui, line);           /* may leave the mode */
		return;
	}
	if (!mm->ready) {
		say_not_ready(ui);
		return;
	}
	if (smtp_manual_send(mm->ss, line, &cause) < 0) {
		say(ui, "Refused: %s", cause);
		free(cause);
		return;
	}
	history_add(&mm->hist, line);
	mm->msg[0] = '\0';
}

static void submit(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;
	char line[EDIT_MAX];

	edit_take(&mm->edit, line);
	history_stop(&mm->hist);
	switch (mm->input) {
	case INPUT_PASSWORD: submit_password(ui, line); break;
	case INPUT_DATA: submit_data(ui, line); break;
	default: submit_command(ui, line); break;
	}
	secret_wipe(line, sizeof line);         /* it may have been a password */
}

/* ---- keys -------------------------------------------------------------------- */

static void complete(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;
	const char *match = NULL;
	size_t i, found = 0, used = 0;
	char list[256] = "";

	if (mm->input != INPUT_COMMAND || mm->edit.len == 0)
		return;
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strncasecmp(verbs[i], mm->edit.line, mm->edit.len) != 0)
			continue;
		match = verbs[i];
		found++;
		if (used + strlen(verbs[i]) + 3 < sizeof list)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s  ", verbs[i]);
	}
	if (found == 1)
		edit_set(&mm->edit, match);
	else if (found > 1)
		say(ui, "%s", list);
}

static void escape(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;

	if (mm->input == INPUT_COMMAND) {
		ui_mode_pop(ui);
		return;
	}
	mm->input = INPUT_COMMAND;
	edit_clear(&mm->edit);
	data_reset(mm);
	say(ui, "Cancelled.");
}

static void history_key(struct ui_manual *mm, int dir)
{
	const char *s;

	if (mm->input != INPUT_COMMAND || (s = history_walk(&mm->hist, dir)) == NULL)
		return;
	edit_set(&mm->edit, s);
}

/* Home/End: the transcript's start and end (the line's own start and end
 * while something is typed: ^A ^E always). */
static bool home_end(struct ui_manual *mm, int ch)
{
	if (mm->edit.len > 0 || mm->m->nlines == 0)
		return false;
	if (ch == KEY_HOME) {
		mm->view.follow = false;
		mm->view.sel = 0;
		mm->view.top = 0;
	} else {
		mm->view.follow = true;
	}
	return true;
}

static void page(struct ui_manual *mm, int dir)
{
	size_t n = mm->m->nlines, step = LINES > 12 ? (size_t)LINES - 10 : 2;

	if (n == 0)
		return;
	if (dir < 0) {
		mm->view.follow = false;
		mm->view.sel = mm->view.sel > step ? mm->view.sel - step : 0;
	} else if (mm->view.sel + step + 1 >= n) {
		mm->view.follow = true;         /* the end: new lines show again */
	} else {
		mm->view.sel += step;
	}
}

static int manual_key(struct ui *ui, int ch)
{
	struct ui_manual *mm = &ui->man;

	switch (ch) {
	case KEY_ESC: escape(ui); break;
	case '\r': case '\n': case KEY_ENTER: submit(ui); break;
	case KEY_UP: history_key(mm, -1); break;
	case KEY_DOWN: history_key(mm, 1); break;
	case '\t': complete(ui); break;
	case KEY_PPAGE: page(mm, -1); break;
	case KEY_NPAGE: page(mm, 1); break;
	case KEY_HOME: case KEY_END:
		if (!home_end(mm, ch) && !edit_key(&mm->edit, ch))
			return UI_KEY_IGNORED;
		break;
	case KEY_MOUSE: return UI_KEY_IGNORED;
	default:
		if (!edit_key(&mm->edit, ch))
			return UI_KEY_IGNORED;
		break;
	}
	return UI_KEY_HANDLED;
}

/* ---- drawing ------------------------------------------------------------------ */

/* The newest server reply, explained. */
static void draw_last_reply(struct ui *ui, int y0, int h)
{
	const struct model_session *s = ui->man.m;
	size_t i;

	for (i = s->nlines; i > 0; i--) {
		const struct model_line *l = &s->lines[i - 1];
		struct code_explanation ex;
		const struct code_info *best;
		char buf[1200];

		if (l->dir != 'S' || l->code == 0)
			continue;
		if ((best = lines_reply_info(s, i - 1, &ex)) == NULL)
			return;
		snprintf(buf, sizeof buf, "%d%s%s %s: %s Next: %s%s%s%s", l->code,
		         ex.enhanced ? " " : "", ex.enhanced ? ex.enhanced->code : "",
		         best->meaning, best->explanation, best->next,
		         ex.unusual[0] ? " Unusual: " : "", ex.unusual,
		         ex.unusual[0] ? "." : "");
		paint_put_wrapped(y0, 1, COLS - 2, h, buf, paint_reply_attr(&ui->paint, l->code));
		return;
	}
}

/* The prompt and the line typed, the cursor on it; a password never shows. */
static void draw_input(struct ui *ui, int y)
{
	const struct ui_manual *mm = &ui->man;
	const struct paint *p = &ui->paint;
	char shown[EDIT_MAX * 4];
	const char *prompt = mm->input == INPUT_PASSWORD ? "password: "
	                     : mm->input == INPUT_DATA ? "data> " : "> ";
	int prompt_w = paint_put(y, 0, COLS, prompt, A_BOLD | p->attr[THEME_NORMAL]), x;

	if (mm->input == INPUT_PASSWORD) {
		paint_put(y, prompt_w, COLS - prompt_w, "(hidden)", p->attr[THEME_VERDICT_SKIP]);
		return;
	}
	text_sanitize(mm->edit.line, mm->edit.len, shown, sizeof shown);
	paint_put(y, prompt_w, COLS - prompt_w - 1, shown, p->attr[THEME_NORMAL]);
	/* The cursor: the column of the bytes before it. */
	text_sanitize(mm->edit.line, mm->edit.cur, shown, sizeof shown);
	x = prompt_w + (int)strlen(shown);
	mvchgat(y, x < COLS ? x : COLS - 1, 1, A_REVERSE, 0, NULL);
}

static void manual_draw(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;
	const struct model_session *s = mm->m;
	const struct paint *p = &ui->paint;
	char head[400];
	/* header, 2 rules, the explanation, message, input, key bar */
	int h = LINES - 6 - EXPLAIN_ROWS, y = 2 + h;

	paint_fill(0, 0, COLS, p->attr[THEME_HEADER]);
	snprintf(head, sizeof head, " mailflow manual  %.200s [%s]:%u  %s  %s", s->host, s->addr,
	         s->port, s->tls_active ? s->tls.version : "plaintext",
	         s->done ? "closed" : mm->ready ? "your turn" : "connecting");
	paint_put(0, 0, COLS, head, p->attr[THEME_HEADER] | A_BOLD);
	paint_hline(p, 1, 0, COLS, p->attr[THEME_BORDER]);
	paint_put(1, 1, 20, "Transcript", p->attr[THEME_TITLE]);
	lines_draw(p, s, &mm->view, NULL, 2, 0, COLS, h);
	paint_hline(p, y, 0, COLS, p->attr[THEME_BORDER]);
	paint_put(y, 1, 20, "Explanation", p->attr[THEME_TITLE]);
	draw_last_reply(ui, y + 1, EXPLAIN_ROWS);
	y += 1 + EXPLAIN_ROWS;
	paint_fill(y, 0, COLS, p->attr[THEME_EXPLAIN]);
	paint_put_raw(y, 1, COLS - 2, mm->msg, strlen(mm->msg), p->attr[THEME_EXPLAIN] | A_BOLD);
	draw_input(ui, y + 1);
	paint_fill(LINES - 1, 0, COLS, p->attr[THEME_KEYBAR]);
	paint_put(LINES - 1, 1, COLS - 2, paint_pick(p,
	          "Enter send  ↑↓ history  Tab complete  ←→ ^A ^E ^U ^W edit  :help helpers  Esc back",
	          "Enter send  up/down history  Tab complete  ^A ^E ^U ^W edit  :help helpers  Esc back"),
	          p->attr[THEME_KEYBAR]);
}

const struct ui_mode ui_mode_manual = {
	.name = "manual",
	.overlay = false,
	.leave = manual_leave,
	.draw = manual_draw,
	.key = manual_key,
};
