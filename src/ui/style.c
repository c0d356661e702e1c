/*
 * style.c — the theme's styles onto what this terminal has (style.h).
 *
 * Colours the terminal lacks are brought down by the core's nearest-colour
 * functions: an RGB to the nearest of 256 / 16 / 8, a colourN by its own
 * xterm RGB. On 8 colours a bright system colour is its base colour in
 * bold, as terminals of that kind show brightness.
 */
#include "style.h"

#include <stdlib.h>

static int terminal_colours(void)
{
	return COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
}

static short curses_colour(const struct theme_colour *c, attr_t *extra)
{
	int n = terminal_colours();

	switch (c->kind) {
	case COLOUR_INDEX:
		if (n == 8 && c->index >= 8 && c->index < 16)
			*extra |= A_BOLD;
		return (short)theme_colour_index_nearest(c->index, n);
	case COLOUR_RGB:
		return (short)theme_colour_nearest(c->r, c->g, c->b, n);
	default:
		return -1;
	}
}

static attr_t curses_attrs(unsigned a)
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

void style_setup(struct paint *p, const struct theme *theme)
{
	bool colour = has_colors() && getenv("NO_COLOR") == NULL && !theme->mono;
	int e;

	if (colour) {
		start_color();
		use_default_colors();
	}
	for (e = 0; e < THEME__COUNT; e++) {
		const struct theme_style *st = &theme->styles[e];
		attr_t a = curses_attrs(st->attrs);

		if (colour && e + 1 < COLOR_PAIRS) {
			short fg = curses_colour(&st->fg, &a), bg = curses_colour(&st->bg, &a);

			init_pair((short)(e + 1), fg, bg);
			a |= COLOR_PAIR(e + 1);
		} else if (!colour && e == THEME_SELECTION) {
			a |= A_REVERSE;         /* a selection must show without colour */
		}
		p->attr[e] = a;
	}
}
