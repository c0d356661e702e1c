/*
 * theme-fuzzer — libFuzzer target for the theme parser (theme_parse in
 * src/theme.c: lines, quoting, "color ELEMENT STYLE", styles, colours).
 *
 * The input is a theme file. "inherit" looks in ./themes (the fuzzer runs
 * from the top of the tree, so the shipped themes are found), so loops and
 * depth are exercised too. Then the theme must be sane, as the UI relies
 * on it: bounded causes of printable text, colour indexes in range, known
 * attributes only; and each colour is brought down to 256, 16 and 8
 * colours as the UI does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void colour_check(const struct theme_colour *c)
{
	static const int depths[] = { 256, 16, 8 };
	size_t i;
	int n;

	for (i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		if (c->kind == COLOUR_INDEX) {
			if (c->index < 0 || c->index > 255)
				abort();
			n = theme_colour_index_nearest(c->index, depths[i]);
		} else if (c->kind == COLOUR_RGB) {
			n = theme_colour_nearest(c->r, c->g, c->b, depths[i]);
		} else {
			continue;
		}
		if (n < 0 || n >= depths[i])
			abort();
	}
}

static void theme_check(const struct theme *t)
{
	const unsigned char *c;
	size_t i;

	if (t->ncauses > THEME_CAUSES_MAX ||
	    memchr(t->name, '\0', sizeof t->name) == NULL)
		abort();
	for (i = 0; i < t->ncauses; i++)
		for (c = (const unsigned char *)t->causes[i]; *c != '\0'; c++)
			if (*c < 0x20 || *c == 0x7f)
				abort();
	for (c = (const unsigned char *)t->name; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			abort();
	for (i = 0; i < THEME__COUNT; i++) {
		if ((t->styles[i].attrs & ~0x3fu) != 0)
			abort();
		colour_check(&t->styles[i].fg);
		colour_check(&t->styles[i].bg);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dirs[] = { "themes", NULL };
	struct theme t;

	theme_init_default(&t);
	theme_parse(&t, (const char *)data, size, "fuzz.theme", dirs);
	theme_check(&t);
	theme_free(&t);
	return 0;
}
