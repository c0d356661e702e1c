/*
 * manual.c — manual mode: an interactive SMTP session that is a better
 * telnet. The same transport, transcript and explanations as the automatic
 * probe (smtp.c's manual mode); here: the input line with editing, history
 * and completion, the ':' helpers, the password prompt and the DATA editor.
 */
#include "ui_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mailflow/codes.h"
#include "mailflow/loop.h"
#include "mailflow/report.h"
#include "mailflow/text.h"

#define CTRL(c) ((c) & 0x1f)

static const char *const verbs[] = {
	"EHLO ", "HELO ", "MAIL FROM:<", "RCPT TO:<", "DATA", "RSET", "NOOP", "QUIT",
	"VRFY ", "EXPN ", "HELP", "STARTTLS", "AUTH ", ":starttls", ":auth login ",
	":auth plain ", ":data", ":rset", ":quit", ":save ", ":help", ":back",
};

/* ---- history ---------------------------------------------------------- */

static void history_path(struct ui_manual *mm)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[1024];

	mm->hist_path[0] = '\0';
	if (state != NULL && state[0] == '/')
		snprintf(dir, sizeof dir, "%.1000s/mailflow", state);
	else if (home != NULL)
		snprintf(dir, sizeof dir, "%.990s/.local/state/mailflow", home);
	else
		return;
	snprintf(mm->hist_path, sizeof mm->hist_path, "%s/history", dir);
}

static void history_push(struct ui_manual *mm, const char *line)
{
	char *copy;

	if (mm->nhist > 0 && strcmp(mm->hist[mm->nhist - 1], line) == 0)
		return;
	copy = strdup(line);
	if (copy == NULL)
		return;
	if (mm->nhist == UI_HISTORY_MAX) {
		free(mm->hist[0]);
		memmove(mm->hist, mm->hist + 1, (mm->nhist - 1) * sizeof *mm->hist);
		mm->nhist--;
	}
	mm->hist[mm->nhist++] = copy;
}

static void history_load(struct ui_manual *mm)
{
	char line[UI_INPUT_MAX];
	FILE *f;

	mm->hist = calloc(UI_HISTORY_MAX, sizeof *mm->hist);
	history_path(mm);
	if (mm->hist == NULL || mm->hist_path[0] == '\0')
		return;
	f = fopen(mm->hist_path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0')
			history_push(mm, line);
	}
	fclose(f);
}

/* Credentials never reach the history: AUTH lines and their answers stay
 * out, and the password is never typed on the command line. */
static bool history_worthy(const char *line)
{
	return strncasecmp(line, "AUTH", 4) != 0 && strncasecmp(line, ":auth", 5) != 0;
}

static void history_add(struct ui_manual *mm, const char *line)
{
	char dir[1100], *slash;
	FILE *f;

	if (!history_worthy(line) || mm->hist == NULL)
		return;
	history_push(mm, line);
	if (mm->hist_path[0] == '\0')
		return;
	snprintf(dir, sizeof dir, "%s", mm->hist_path);
	/* mkdir -p of the state directory */
	for (slash = strchr(dir + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0700);
		*slash = '/';
	}
	f = fopen(mm->hist_path, "a");
	if (f != NULL) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

/* ---- the session -------------------------------------------------------- */

static void on_line(struct smtp_session *ss, const struct model_line *l, void *arg)
{
	struct ui *ui = arg;

	(void)ss;
	(void)l;
	ui->dirty = true;
}

static void on_done(struct smtp_session *ss, void *arg)
{
	struct ui *ui = arg;

	(void)ss;
	ui->man.ready = false;
	snprintf(ui->man.msg, sizeof ui->man.msg,
	         "The connection is closed. Esc goes back; :save FILE keeps the transcript.");
	ui->dirty = true;
}

static void on_manual(struct smtp_session *ss, void *arg)
{
	struct ui *ui = arg;

	(void)ss;
	ui->man.ready = true;
	snprintf(ui->man.msg, sizeof ui->man.msg,
	         "Your turn: type SMTP commands. :help lists the helpers.");
	ui->dirty = true;
}

int ui_manual_open(struct ui *ui, const char *host, const char *addr,
                   uint16_t port, enum smtp_quit_after handover)
{
	static const struct smtp_callbacks cb = { on_line, NULL, on_done, on_manual };
	struct ui_manual *mm = &ui->man;
	struct smtp_options so = ui->popt.session;

	ui_manual_close(ui);
	memset(mm, 0, sizeof *mm);
	mm->m = calloc(1, sizeof *mm->m);
	if (mm->m == NULL)
		return -1;
	snprintf(mm->m->host, sizeof mm->m->host, "%s", host);
	snprintf(mm->m->addr, sizeof mm->m->addr, "%s", addr);
	mm->m->port = port ? port : 25;
	if (so.rcpt_to == NULL)
		so.rcpt_to = ui->rcpt;
	so.handover = handover == SMTP_QUIT_NEVER ? SMTP_QUIT_BANNER : handover;
	so.quit_after = SMTP_QUIT_NEVER;
	if (mm->m->port == 465)
		so.tls_on_connect = 1;
	history_load(mm);
	mm->ss = smtp_session_start(ui->loop, mm->m, &so, &cb, ui);
	if (mm->ss == NULL) {
		model_session_free(mm->m);
		mm->m = NULL;
		return -1;
	}
	mm->active = true;
	snprintf(mm->msg, sizeof mm->msg, "Connecting; the routine runs up to %s, then it is yours.",
	         smtp_quit_after_name(so.handover));
	ui->dirty = true;
	return 0;
}

void ui_manual_close(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;
	size_t i;

	if (mm->ss != NULL)
		smtp_session_free(mm->ss);
	model_session_free(mm->m);
	for (i = 0; i < mm->nhist; i++)
		free(mm->hist[i]);
	free(mm->hist);
	free(mm->data);
	memset(mm->line, 0, sizeof mm->line);
	memset(mm, 0, sizeof *mm);
	ui->dirty = true;
}

/* ---- commands ------------------------------------------------------------- */

static void say(struct ui *ui, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->man.msg, sizeof ui->man.msg, fmt, ap);
	va_end(ap);
}

static void run_helper(struct ui *ui, char *cmd)
{
	struct ui_manual *mm = &ui->man;
	char *why = NULL;
	char *arg = cmd + strcspn(cmd, " ");

	while (*arg == ' ')
		arg++;
	if (strcmp(cmd, ":starttls") == 0) {
		if (smtp_manual_starttls(mm->ss, &why) < 0)
			say(ui, ":starttls: %s", why);
		else
			say(ui, "STARTTLS sent; the handshake follows the 220.");
	} else if (strncmp(cmd, ":auth ", 6) == 0) {
		char mech[16] = "", user[256] = "";

		if (sscanf(arg, "%15s %255s", mech, user) != 2 ||
		    (strcasecmp(mech, "login") != 0 && strcasecmp(mech, "plain") != 0)) {
			say(ui, "usage: :auth login USER  or  :auth plain USER");
			return;
		}
		snprintf(mm->auth_user, sizeof mm->auth_user, "%s", user);
		mm->auth_plain = strcasecmp(mech, "plain") == 0;
		mm->mode = INPUT_PASSWORD;
		say(ui, "Password for %s (not shown, not kept in the history):", user);
	} else if (strcmp(cmd, ":data") == 0) {
		free(mm->data);
		mm->data = NULL;
		mm->data_len = mm->data_lines = 0;
		mm->mode = INPUT_DATA;
		say(ui, "DATA editor: headers, an empty line, the body. A line with only . "
		    "sends (Date and Message-ID are added), Esc cancels.");
	} else if (strcmp(cmd, ":rset") == 0 || strcmp(cmd, ":quit") == 0) {
		if (smtp_manual_send(mm->ss, cmd[1] == 'r' ? "RSET" : "QUIT", &why) < 0)
			say(ui, "%s: %s", cmd, why);
	} else if (strncmp(cmd, ":save", 5) == 0) {
		FILE *f;

		if (*arg == '\0') {
			say(ui, "usage: :save FILE");
			return;
		}
		f = fopen(arg, "w");
		if (f == NULL) {
			say(ui, ":save %s: %s", arg, strerror(errno));
			return;
		}
		report_session_text(f, mm->m);
		if (fclose(f) != 0)
			say(ui, ":save %s: %s", arg, strerror(errno));
		else
			say(ui, "Saved the transcript to %s", arg);
	} else if (strcmp(cmd, ":back") == 0) {
		ui_manual_close(ui);
	} else {
		say(ui, ":starttls  :auth login|plain USER  :data  :rset  :quit  :save FILE  "
		    ":back   (Esc: back to the hosts)");
	}
	free(why);
}

static void data_append(struct ui_manual *mm, const char *line)
{
	size_t n = strlen(line);
	char *p = realloc(mm->data, mm->data_len + n + 3);

	if (p == NULL)
		return;
	mm->data = p;
	memcpy(mm->data + mm->data_len, line, n);
	memcpy(mm->data + mm->data_len + n, "\r\n", 3);
	mm->data_len += n + 2;
	mm->data_lines++;
}

static void submit(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;
	char line[UI_INPUT_MAX], *why = NULL;

	memcpy(line, mm->line, mm->len);
	line[mm->len] = '\0';
	memset(mm->line, 0, sizeof mm->line);
	mm->len = mm->cur = 0;
	mm->browsing = false;

	switch (mm->mode) {
	case INPUT_PASSWORD:
		mm->mode = INPUT_COMMAND;
		if (smtp_manual_auth(mm->ss, mm->auth_plain, mm->auth_user, line, &why) < 0)
			say(ui, ":auth: %s", why);
		else
			say(ui, "AUTH %s sent for %s; the transcript shows it masked.",
			    mm->auth_plain ? "PLAIN" : "LOGIN", mm->auth_user);
		memset(line, 0, sizeof line);
		free(why);
		return;
	case INPUT_DATA:
		if (strcmp(line, ".") == 0) {
			mm->mode = INPUT_COMMAND;
			if (smtp_manual_data(mm->ss, mm->data ? mm->data : "", &why) < 0)
				say(ui, ":data: %s", why);
			else
				say(ui, "DATA sent; the message follows the 354.");
			free(why);
			free(mm->data);
			mm->data = NULL;
			mm->data_len = mm->data_lines = 0;
			return;
		}
		if (smtp_manual_check_line(line, &why) < 0) {
			say(ui, "Refused: %s", why);
			free(why);
			return;
		}
		data_append(mm, line);
		say(ui, "DATA editor: %zu line(s). A line with only . sends, Esc cancels.",
		    mm->data_lines);
		return;
	default:
		break;
	}
	if (line[0] == '\0')
		return;
	if (!mm->ready) {
		say(ui, "Not connected (yet): wait for the handover, or Esc.");
		return;
	}
	if (line[0] == ':') {
		history_add(mm, line);
		run_helper(ui, line);
		return;
	}
	if (smtp_manual_send(mm->ss, line, &why) < 0) {
		say(ui, "Refused: %s", why);
		free(why);
		return;
	}
	history_add(mm, line);
	mm->msg[0] = '\0';
}

static void complete(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;
	const char *match = NULL;
	size_t i, found = 0;
	char list[256] = "";

	if (mm->mode != INPUT_COMMAND)
		return;
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (mm->len > 0 && strncasecmp(verbs[i], mm->line, mm->len) == 0) {
			match = verbs[i];
			found++;
			if (strlen(list) + strlen(verbs[i]) + 2 < sizeof list) {
				strcat(list, verbs[i]);
				strcat(list, "  ");
			}
		}
	if (found == 1) {
		size_t n = strlen(match);

		memcpy(mm->line, match, n);
		mm->len = mm->cur = n;
	} else if (found > 1) {
		say(ui, "%s", list);
	}
}

void ui_manual_key(struct ui *ui, int ch)
{
	struct ui_manual *mm = &ui->man;
	const struct model_session *s = mm->m;
	int page = LINES > 12 ? LINES - 10 : 2;

	switch (ch) {
	case 27:                /* Esc */
		if (mm->mode != INPUT_COMMAND) {
			mm->mode = INPUT_COMMAND;
			memset(mm->line, 0, sizeof mm->line);
			mm->len = mm->cur = 0;
			say(ui, "Cancelled.");
		} else {
			ui_manual_close(ui);
		}
		return;
	case '\r': case '\n': case KEY_ENTER:
		submit(ui);
		return;
	case KEY_LEFT: if (mm->cur > 0) mm->cur--; return;
	case KEY_RIGHT: if (mm->cur < mm->len) mm->cur++; return;
	case KEY_HOME: case CTRL('a'): mm->cur = 0; return;
	case KEY_END: case CTRL('e'): mm->cur = mm->len; return;
	case KEY_BACKSPACE: case 127: case 8:
		if (mm->cur > 0) {
			memmove(mm->line + mm->cur - 1, mm->line + mm->cur, mm->len - mm->cur);
			mm->len--;
			mm->cur--;
		}
		return;
	case KEY_DC:
		if (mm->cur < mm->len) {
			memmove(mm->line + mm->cur, mm->line + mm->cur + 1, mm->len - mm->cur - 1);
			mm->len--;
		}
		return;
	case CTRL('u'):
		memmove(mm->line, mm->line + mm->cur, mm->len - mm->cur);
		mm->len -= mm->cur;
		mm->cur = 0;
		return;
	case CTRL('w'): {
		size_t start = mm->cur;

		while (start > 0 && mm->line[start - 1] == ' ')
			start--;
		while (start > 0 && mm->line[start - 1] != ' ')
			start--;
		memmove(mm->line + start, mm->line + mm->cur, mm->len - mm->cur);
		mm->len -= mm->cur - start;
		mm->cur = start;
		return;
	}
	case KEY_UP:
	case KEY_DOWN:
		if (mm->mode != INPUT_COMMAND || mm->nhist == 0)
			return;
		if (!mm->browsing) {
			/* A new walk through the history starts after its end. */
			mm->hist_pos = mm->nhist;
			mm->browsing = true;
		}
		if (ch == KEY_UP && mm->hist_pos > 0)
			mm->hist_pos--;
		else if (ch == KEY_DOWN && mm->hist_pos < mm->nhist)
			mm->hist_pos++;
		if (mm->hist_pos == mm->nhist) {
			mm->len = mm->cur = 0;
		} else {
			size_t n = strlen(mm->hist[mm->hist_pos]);

			if (n >= sizeof mm->line)
				n = sizeof mm->line - 1;
			memcpy(mm->line, mm->hist[mm->hist_pos], n);
			mm->len = mm->cur = n;
		}
		return;
	case '\t':
		complete(ui);
		return;
	case KEY_PPAGE:
		mm->sel = mm->sel > (size_t)page ? mm->sel - (size_t)page : 0;
		return;
	case KEY_NPAGE:
		mm->sel += (size_t)page;
		if (s != NULL && mm->sel + 1 >= s->nlines)
			mm->sel = s->nlines ? s->nlines - 1 : 0;
		return;
	case KEY_RESIZE:
	case KEY_MOUSE:
		return;
	default:
		/* Bytes as typed (UTF-8 included): the check before sending
		 * refuses what SMTP cannot carry, with the reason. */
		if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && mm->len + 1 < sizeof mm->line) {
			memmove(mm->line + mm->cur + 1, mm->line + mm->cur, mm->len - mm->cur);
			mm->line[mm->cur++] = (char)ch;
			mm->len++;
		}
		return;
	}
}

/* ---- drawing ------------------------------------------------------------- */

/* The newest server reply, explained. */
static void draw_last_reply(struct ui *ui, int y0, int h)
{
	const struct model_session *s = ui->man.m;
	size_t i;

	for (i = s->nlines; i > 0; i--) {
		const struct model_line *l = &s->lines[i - 1];
		struct code_explanation ex;
		const struct code_info *best;
		char text[600], buf[1200];

		if (l->dir != 'S' || l->code == 0)
			continue;
		text_sanitize(l->bytes, l->len, text, sizeof text);
		codes_explain(l->code, NULL, text, &ex);
		best = ex.text ? ex.text : ex.enhanced ? ex.enhanced : ex.basic ? ex.basic : ex.cls;
		if (best == NULL)
			return;
		snprintf(buf, sizeof buf, "%d%s%s %s: %s Next: %s", l->code,
		         ex.enhanced ? " " : "", ex.enhanced ? ex.enhanced->code : "",
		         best->meaning, best->explanation, best->next);
		ui_put_wrapped(y0, 1, COLS - 2, h, buf, ui_reply_attr(ui, l->code));
		return;
	}
}

void ui_manual_draw(struct ui *ui)
{
	struct ui_manual *mm = &ui->man;
	const struct model_session *s = mm->m;
	char head[400], shown[UI_INPUT_MAX * 4];
	int y, h, x, prompt_w;
	const char *prompt;

	ui_fill(0, 0, COLS, ui->attr[THEME_HEADER]);
	snprintf(head, sizeof head, " mailflow manual  %.200s [%s]:%u  %s  %s", s->host, s->addr,
	         s->port, s->tls_active ? s->tls.version : "plaintext",
	         s->done ? "closed" : mm->ready ? "your turn" : "connecting");
	ui_put(0, 0, COLS, head, ui->attr[THEME_HEADER] | A_BOLD);
	h = LINES - 9;      /* header, 2 rules, explanation 3, message, input, key bar */
	ui_hline(ui, 1, 0, COLS, ui->attr[THEME_BORDER]);
	ui_put(1, 1, 20, "Transcript", ui->attr[THEME_TITLE]);
	ui_draw_lines(ui, s, 2, 0, COLS, h, &mm->sel, &mm->top, true, false);
	y = 2 + h;
	ui_hline(ui, y, 0, COLS, ui->attr[THEME_BORDER]);
	ui_put(y, 1, 20, "Explanation", ui->attr[THEME_TITLE]);
	draw_last_reply(ui, y + 1, 3);
	y += 4;
	ui_fill(y, 0, COLS, ui->attr[THEME_EXPLAIN]);
	ui_put_raw(y, 1, COLS - 2, mm->msg, strlen(mm->msg), ui->attr[THEME_EXPLAIN] | A_BOLD);
	y++;
	prompt = mm->mode == INPUT_PASSWORD ? "password: " : mm->mode == INPUT_DATA ? "data> " : "> ";
	prompt_w = ui_put(y, 0, COLS, prompt, A_BOLD | ui->attr[THEME_NORMAL]);
	if (mm->mode == INPUT_PASSWORD) {
		ui_put(y, prompt_w, COLS - prompt_w, "(hidden)", ui->attr[THEME_VERDICT_SKIP]);
		x = prompt_w;
	} else {
		text_sanitize(mm->line, mm->len, shown, sizeof shown);
		ui_put(y, prompt_w, COLS - prompt_w - 1, shown, ui->attr[THEME_NORMAL]);
		/* The cursor: the column of the bytes before it. */
		text_sanitize(mm->line, mm->cur, shown, sizeof shown);
		x = prompt_w + (int)strlen(shown);
		if (x >= COLS)
			x = COLS - 1;
		mvchgat(y, x, 1, A_REVERSE, 0, NULL);
	}
	ui_fill(LINES - 1, 0, COLS, ui->attr[THEME_KEYBAR]);
	ui_put(LINES - 1, 1, COLS - 2, ui->utf8
	       ? "Enter send  ↑↓ history  Tab complete  ←→ ^A ^E ^U ^W edit  :help helpers  Esc back"
	       : "Enter send  up/down history  Tab complete  ^A ^E ^U ^W edit  :help helpers  Esc back",
	       ui->attr[THEME_KEYBAR]);
}
