/*
 * paint.c — the drawing primitives of every mode (see paint.h).
 *
 * Every string from the network passes text_sanitize() before it is put,
 * and text is cut by display width (wcwidth), so no server byte reaches
 * the terminal raw and wide characters never break the layout.
 */
#include "paint.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "mailflow/cell.h"
#include "mailflow/text.h"

/* Text wider than its room ends in "…" ("~" where the locale cannot
 * show it): nothing is cut without saying so. */
int paint_put(int y, int x, int width, const char *s, attr_t a)
{
	wchar_t w[512];
	int used = 0, cw;
	size_t n = 0, len = strlen(s);
	mbstate_t st;
	bool cut = false;

	if (width <= 0)
		return 0;
	memset(&st, 0, sizeof st);
	while (*s != '\0' && n < sizeof w / sizeof w[0] - 2) {
		wchar_t wc;
		size_t l = mbrtowc(&wc, s, len, &st);

		if (l == (size_t)-1 || l == (size_t)-2 || l == 0) {
			wc = L'?';
			l = 1;
			memset(&st, 0, sizeof st);
		}
		cw = wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > width) {
			cut = true;
			break;
		}
		w[n++] = wc;
		used += cw;
		s += l;
		len -= l;
	}
	if (cut) {
		wchar_t dots = wcwidth(0x2026) == 1 ? (wchar_t)0x2026 : L'~';

		while (n > 0 && used + 1 > width) {
			cw = wcwidth(w[--n]);
			used -= cw > 0 ? cw : 1;
		}
		w[n++] = dots;
		used++;
	}
	w[n] = L'\0';
	attron(a);
	mvaddnwstr(y, x, w, (int)n);
	attroff(a);
	return used;
}

/* Walks the UTF-8 s[0..len) (to a NUL) as paint_put() counts columns: a
 * byte that is no character counts one. Stops before the character that
 * would pass width columns (width < 0: no bound); returns the bytes
 * walked, *cols the columns they take. */
static size_t walk_columns(const char *s, size_t len, int width, int *cols)
{
	mbstate_t st;
	size_t off = 0;
	int used = 0;

	memset(&st, 0, sizeof st);
	while (off < len && s[off] != '\0') {
		wchar_t wc;
		size_t l = mbrtowc(&wc, s + off, len - off, &st);
		int cw;

		if (l == (size_t)-1 || l == (size_t)-2 || l == 0) {
			l = 1;
			cw = 1;
			memset(&st, 0, sizeof st);
		} else {
			cw = wcwidth(wc);
			cw = cw < 0 ? 1 : cw;
		}
		if (width >= 0 && used + cw > width)
			break;
		used += cw;
		off += l;
	}
	*cols = used;
	return off;
}

int paint_columns(const char *s, size_t len)
{
	int cols;

	walk_columns(s, len, -1, &cols);
	return cols;
}

int paint_put_raw(int y, int x, int width, const char *bytes, size_t len, attr_t a)
{
	char buf[2048];

	text_sanitize(bytes, len, buf, sizeof buf);
	return paint_put(y, x, width, buf, a);
}

int paint_putf(int y, int x, int width, attr_t a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return paint_put(y, x, width, buf, a);
}

void paint_fill(int y, int x, int width, attr_t a)
{
	attron(a);
	mvhline(y, x, ' ', width);
	attroff(a);
}

/* Where the row that starts at s ends: all of s when it fits, else the
 * last space in the row's second half (words stay whole), else the last
 * whole character that fits. */
size_t paint_wrap_cut(const char *s, int width)
{
	int cols;
	size_t fit = walk_columns(s, strlen(s), width, &cols), i;

	if (s[fit] == '\0' || s[fit] == ' ')
		return fit;
	for (i = fit; i > fit / 2; i--)
		if (s[i - 1] == ' ')
			return i - 1;
	return fit;
}

/* Both below walk the rows alike, so a count is what a draw paints. */
int paint_wrapped_rows(const char *s, int width, int maxrows)
{
	int row = 0;

	if (width <= 0)
		return maxrows > 0 ? 1 : 0;
	while (*s != '\0' && row < maxrows) {
		size_t cut = paint_wrap_cut(s, width);

		row++;
		if (cut == 0)
			break;
		s += cut;
		while (*s == ' ')
			s++;
	}
	return row > 0 ? row : (maxrows > 0);
}

int paint_put_wrapped(int y, int x, int width, int maxrows, const char *s, attr_t a)
{
	int row = 0;
	char line[1024];

	if (width <= 0)
		return 0;
	while (*s != '\0' && row < maxrows) {
		size_t cut = paint_wrap_cut(s, width);

		if (cut >= sizeof line)
			cut = sizeof line - 1;
		if (cut == 0 || (row == maxrows - 1 && s[cut] != '\0')) {
			paint_put(y + row, x, width, s, a);     /* cut with "…" */
			return row + 1;
		}
		memcpy(line, s, cut);
		line[cut] = '\0';
		paint_put(y + row, x, width, line, a);
		row++;
		s += cut;
		while (*s == ' ')
			s++;
	}
	return row;
}

const char *paint_pick(const struct paint *p, const char *utf8, const char *ascii)
{
	return p->utf8 ? utf8 : ascii;
}

void paint_hline(const struct paint *p, int y, int x, int w, attr_t a)
{
	int i;

	for (i = 0; i < w; i++)
		paint_put(y, x + i, 1, paint_pick(p, "─", "-"), a);
}

void paint_vline(const struct paint *p, int y, int x, int h, attr_t a)
{
	int i;

	for (i = 0; i < h; i++)
		paint_put(y + i, x, 1, paint_pick(p, "│", "|"), a);
}

void paint_box(const struct paint *p, int y, int x, int h, int w, const char *title)
{
	attr_t border = p->attr[THEME_BORDER];
	int i;

	for (i = 0; i < h; i++)
		paint_fill(y + i, x, w, p->attr[THEME_NORMAL]);
	paint_hline(p, y, x, w, border);
	paint_hline(p, y + h - 1, x, w, border);
	paint_vline(p, y, x, h, border);
	paint_vline(p, y, x + w - 1, h, border);
	paint_put(y, x, 1, paint_pick(p, "┌", "+"), border);
	paint_put(y, x + w - 1, 1, paint_pick(p, "┐", "+"), border);
	paint_put(y + h - 1, x, 1, paint_pick(p, "└", "+"), border);
	paint_put(y + h - 1, x + w - 1, 1, paint_pick(p, "┘", "+"), border);
	paint_put(y, x + 2, w - 4, title, p->attr[THEME_TITLE] | A_BOLD);
}

const char *paint_mark(const struct paint *p, enum verdict v)
{
	static const char *const spin_u[] = { "◐", "◓", "◑", "◒" };
	static const char *const spin_a[] = { "|", "/", "-", "\\" };

	if (v == V_PENDING)
		return paint_pick(p, spin_u[p->spin % 4], spin_a[p->spin % 4]);
	return cell_mark(v, p->utf8 ? CELL_UTF8 : 0);
}

attr_t paint_verdict_attr(const struct paint *p, enum verdict v)
{
	static const enum theme_element map[VERDICT__COUNT] = {
		[V_PASS] = THEME_VERDICT_PASS, [V_WARN] = THEME_VERDICT_WARN,
		[V_FAIL] = THEME_VERDICT_FAIL, [V_INFO] = THEME_VERDICT_INFO,
		[V_SKIP] = THEME_VERDICT_SKIP, [V_PENDING] = THEME_VERDICT_PENDING,
	};

	if ((unsigned)v >= VERDICT__COUNT)
		return p->attr[THEME_NORMAL];
	return p->attr[map[v]];
}

attr_t paint_reply_attr(const struct paint *p, int code)
{
	switch (code / 100) {
	case 2: return p->attr[THEME_REPLY_2XX];
	case 3: return p->attr[THEME_REPLY_3XX];
	case 4: return p->attr[THEME_REPLY_4XX];
	case 5: return p->attr[THEME_REPLY_5XX];
	default: return p->attr[THEME_TRANSCRIPT_SERVER];
	}
}
