/*
 * style — a theme's styles onto what this terminal has: colour pairs for
 * 256, 16 or 8 colours, attributes only for a mono terminal or NO_COLOR.
 * The one place THEME_ATTR_* become curses attributes.
 */
#ifndef MAILFLOW_UI_STYLE_H
#define MAILFLOW_UI_STYLE_H

#include "paint.h"

/* Fills p->attr from the theme; curses must be started. */
void style_setup(struct paint *p, const struct theme *theme);

#endif
