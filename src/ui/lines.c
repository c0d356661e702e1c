/*
 * lines.c — a transcript as the TUI shows it (lines.h).
 */
#include "lines.h"

#include <string.h>

#include "mailflow/conn.h"
#include "mailflow/text.h"

#define TIME_W 11                       /* "+12.345 S:" and a space */
#define LINE_ROWS_MAX 8                 /* rows one wrapped line may take */

attr_t lines_attr(const struct paint *p, const struct model_line *l)
{
	if (l->dir == 'C')
		return p->attr[THEME_TRANSCRIPT_CLIENT];
	if (l->dir == 'I')
		return p->attr[THEME_TRANSCRIPT_INFO];
	return paint_reply_attr(p, l->code);
}

bool lines_match(const struct model_line *l, const char *q)
{
	size_t n = q != NULL ? strlen(q) : 0, i, j;

	if (n == 0 || n > l->len)
		return false;
	for (i = 0; i + n <= l->len; i++) {
		for (j = 0; j < n; j++)
			if (text_ascii_lower((unsigned char)l->bytes[i + j]) !=
			    text_ascii_lower((unsigned char)q[j]))
				break;
		if (j == n)
			return true;
	}
	return false;
}

/* A client line's command, by its verb; AUTH's continuation lines are
 * masked (credentials), the message's end is the lone dot. */
static enum codes_cmd line_command(const struct model_line *l)
{
	static const struct { const char *verb; enum codes_cmd cmd; } verbs[] = {
		{ "EHLO", CODES_CMD_EHLO }, { "HELO", CODES_CMD_HELO },
		{ "STARTTLS", CODES_CMD_STARTTLS }, { "AUTH", CODES_CMD_AUTH },
		{ "MAIL", CODES_CMD_MAIL }, { "RCPT", CODES_CMD_RCPT },
		{ "DATA", CODES_CMD_DATA }, { "RSET", CODES_CMD_RSET },
		{ "QUIT", CODES_CMD_QUIT },
	};
	size_t i, n;

	if (l->masked)
		return CODES_CMD_AUTH;
	if (l->len == 1 && l->bytes[0] == '.')
		return CODES_CMD_END_OF_DATA;
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		n = strlen(verbs[i].verb);
		if (l->len >= n && text_equal_ci(l->bytes, n, verbs[i].verb) &&
		    (l->len == n || l->bytes[n] == ' ' || l->bytes[n] == ':'))
			return verbs[i].cmd;
	}
	return CODES_CMD_ANY;
}

enum codes_cmd lines_reply_command(const struct model_session *s, size_t i)
{
	while (i-- > 0)
		if (s->lines[i].dir == 'C')
			return line_command(&s->lines[i]);
	return CODES_CMD_GREETING;
}

const struct code_info *lines_reply_info(const struct model_session *s, size_t i,
                                         struct code_explanation *ex)
{
	const struct model_line *l = &s->lines[i];
	char text[600];

	memset(ex, 0, sizeof *ex);
	if (l->dir != 'S' || l->code == 0)
		return NULL;
	text_sanitize(l->bytes, l->len, text, sizeof text);
	codes_explain_cmd(lines_reply_command(s, i), l->code, NULL, text, ex);
	return ex->best;
}

/* A transcript line as shown: its bytes made safe, then its note. */
static size_t line_text(const struct model_line *l, char *buf, size_t sz)
{
	size_t n = text_sanitize(l->bytes, l->len, buf, sz);

	if (l->note[0] != '\0' && n + 3 < sz) {
		memcpy(buf + n, "  ", 2);
		n += 2 + text_sanitize(l->note, strlen(l->note), buf + n + 2, sz - n - 2);
	}
	return n;
}

/* The bytes of buf[off..n) that go on one row of text_w columns: cut at
 * a space when there is one in the row's second half (words stay whole),
 * never inside a UTF-8 sequence. */
static size_t wrap_take(const char *buf, size_t off, size_t n, int text_w)
{
	size_t take = n - off, i;

	if (text_w < 10 || take <= (size_t)text_w)
		return take;
	take = (size_t)text_w;
	for (i = take; i > (size_t)text_w / 2; i--)
		if (buf[off + i - 1] == ' ')
			return i;
	while (take > 1 && ((unsigned char)buf[off + take] & 0xc0) == 0x80)
		take--;
	return take;
}

/* Rows a transcript line takes when wrapped to width. */
static int line_rows(const struct model_line *l, int width)
{
	char buf[2048];
	size_t n = line_text(l, buf, sizeof buf), off = 0;
	int text_w = width - TIME_W, rows = 0;

	if (text_w < 10)
		return 1;
	while (off < n && rows < LINE_ROWS_MAX) {
		off += wrap_take(buf, off, n, text_w);
		rows++;
	}
	return rows < 1 ? 1 : rows;
}

/* Scrolls so the selected line is in view. */
static void scroll_to_selection(const struct model_session *s, struct lines_view *v,
                                int w, int h)
{
	size_t i;
	int rows;

	if (v->follow || v->sel >= s->nlines)
		v->sel = s->nlines - 1;
	if (v->sel < v->top)
		v->top = v->sel;
	for (;;) {
		rows = 0;
		for (i = v->top; i <= v->sel; i++)
			rows += line_rows(&s->lines[i], w);
		if (rows <= h || v->top == v->sel)
			break;
		v->top++;
	}
}

/* Each occurrence of query in a row's text, drawn over it in the match
 * colour: the matched words stand out, on the selected line (the current
 * match of n/N) as on the others. The row's text is what is shown (made
 * safe), so what is marked is what the eye reads; a match that the wrap
 * splits is marked on neither row. */
static void mark_matches(const struct paint *p, const char *part, const char *query,
                         int y, int x, int width)
{
	size_t n = query != NULL ? strlen(query) : 0, len = strlen(part), i;
	char match[256];
	int room, col;

	if (n == 0 || n >= sizeof match || n > len)
		return;
	/* A row cut with "…" keeps its "…". */
	room = paint_columns(part, len) > width ? width - 1 : width;
	for (i = 0; i + n <= len; i++) {
		if (!text_equal_ci(part + i, n, query))
			continue;
		if ((col = paint_columns(part, i)) >= room)
			break;
		memcpy(match, part + i, n);
		match[n] = '\0';
		paint_put(y, x + col, room - col, match, p->attr[THEME_SEARCH_MATCH]);
		i += n - 1;
	}
}

/* One line from row *y on, wrapped, the query's matches marked; advances *y. */
static void draw_line(const struct paint *p, const struct model_line *l, attr_t a,
                      bool sel, const char *query, int y0, int *y, int x0, int w, int h)
{
	char buf[2048], part[2048];
	size_t n = line_text(l, buf, sizeof buf), off = 0, take;
	int rows = line_rows(l, w), r, text_w = w - TIME_W;

	if (sel)
		paint_fill(y0 + *y, x0, w, a);
	paint_putf(y0 + *y, x0, TIME_W, sel ? a : p->attr[THEME_TRANSCRIPT_TIME], "%+7.3f %c:",
	           (double)l->at_ms / 1000.0, l->dir);
	for (r = 0; r < rows && *y < h; r++, (*y)++) {
		take = wrap_take(buf, off, n, text_w);
		if (r == rows - 1)
			take = n - off;         /* the last row: the rest, cut with "…" */
		memcpy(part, buf + off, take);
		part[take] = '\0';
		if (sel && r > 0)
			paint_fill(y0 + *y, x0, w, a);
		paint_put(y0 + *y, x0 + TIME_W, w - TIME_W, part, a);
		mark_matches(p, part, query, y0 + *y, x0 + TIME_W, w - TIME_W);
		off += take;
	}
}

void lines_draw(const struct paint *p, const struct model_session *s,
                struct lines_view *v, const char *query, int y0, int x0, int w, int h)
{
	size_t i;
	int y = 0;

	if (s->nlines == 0) {
		char why[96];

		/* A connection that never came is not silence. */
		if (s->done && s->steps[STEP_CONNECT].state == STEP_FAILED)
			snprintf(why, sizeof why, "(no connection: %s)",
			         s->conn_error == CONN_REFUSED ? "refused"
			         : conn_error_name(s->conn_error));
		else if (s->done)
			snprintf(why, sizeof why, "(nothing was said)");
		else if (s->steps[STEP_CONNECT].state == STEP_OK)
			snprintf(why, sizeof why, "connected, waiting for the server's greeting…");
		else
			snprintf(why, sizeof why, "connecting…");
		paint_put(y0, x0, w, why, p->attr[THEME_TRANSCRIPT_INFO]);
		return;
	}
	scroll_to_selection(s, v, w, h);
	for (i = v->top; i < s->nlines && y < h; i++) {
		const struct model_line *l = &s->lines[i];
		bool sel = v->show_sel && i == v->sel;
		attr_t a = sel ? p->attr[THEME_SELECTION] : lines_attr(p, l);

		draw_line(p, l, a, sel, query, y0, &y, x0, w, h);
	}
}
