/*
 * style.c — the theme's styles onto what this terminal has: colour pairs
 * for 256, 16 or 8 colours (RGB brought down to the nearest), attributes
 * only for a mono terminal or NO_COLOR.
 */
#include "ui_internal.h"

#include <stdlib.h>

static short curses_colour(const struct theme_colour *c, attr_t *extra)
{
	int n = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
	int idx;

	switch (c->kind) {
	case COLOUR_INDEX:
		idx = c->index;
		break;
	case COLOUR_RGB:
		idx = theme_colour_nearest(c->r, c->g, c->b, n);
		break;
	default:
		return -1;
	}
	if (idx >= n && idx < 16 && n == 8) {
		/* brightX on an 8-colour terminal: the base colour, bold. */
		*extra |= A_BOLD;
		idx -= 8;
	} else if (idx >= n) {
		idx = theme_colour_nearest((uint8_t)(idx * 7 % 256), 128, 128, n);
	}
	return (short)idx;
}

static attr_t theme_attrs(unsigned a)
{
	attr_t r = 0;

	if (a & THEME_ATTR_BOLD) r |= A_BOLD;
	if (a & THEME_ATTR_DIM) r |= A_DIM;
	if (a & THEME_ATTR_UNDERLINE) r |= A_UNDERLINE;
	if (a & THEME_ATTR_REVERSE) r |= A_REVERSE;
	if (a & THEME_ATTR_BLINK) r |= A_BLINK;
#ifdef A_ITALIC
	if (a & THEME_ATTR_ITALIC) r |= A_ITALIC;
#endif
	return r;
}

void ui_style_setup(struct ui *ui)
{
	bool colour = has_colors() && getenv("NO_COLOR") == NULL && !ui->theme.mono;
	int e;

	if (colour) {
		start_color();
		use_default_colors();
	}
	for (e = 0; e < THEME__COUNT; e++) {
		const struct theme_style *st = &ui->theme.styles[e];
		attr_t a = theme_attrs(st->attrs);

		if (colour && e + 1 < COLOR_PAIRS) {
			short fg = curses_colour(&st->fg, &a), bg = curses_colour(&st->bg, &a);

			init_pair((short)(e + 1), fg, bg);
			a |= COLOR_PAIR(e + 1);
		} else if (!colour && e == THEME_SELECTION) {
			a |= A_REVERSE;         /* a selection must show without colour */
		}
		ui->attr[e] = a;
	}
}

attr_t ui_verdict_attr(const struct ui *ui, enum verdict v)
{
	static const enum theme_element map[] = {
		[V_PASS] = THEME_VERDICT_PASS, [V_WARN] = THEME_VERDICT_WARN,
		[V_FAIL] = THEME_VERDICT_FAIL, [V_INFO] = THEME_VERDICT_INFO,
		[V_SKIP] = THEME_VERDICT_SKIP, [V_PENDING] = THEME_VERDICT_PENDING,
	};

	return ui->attr[map[v]];
}

attr_t ui_reply_attr(const struct ui *ui, int code)
{
	switch (code / 100) {
	case 2: return ui->attr[THEME_REPLY_2XX];
	case 3: return ui->attr[THEME_REPLY_3XX];
	case 4: return ui->attr[THEME_REPLY_4XX];
	case 5: return ui->attr[THEME_REPLY_5XX];
	default: return ui->attr[THEME_TRANSCRIPT_SERVER];
	}
}
