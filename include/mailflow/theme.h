/*
 * theme — colour theme files → styles. No curses here: the UI maps the
 * resulting styles onto colour pairs and attributes.
 *
 * A theme file has one command per line, in the manner of mutt and tmux:
 *
 *     # comment
 *     name    "Midnight"
 *     inherit default
 *     color   transcript.client  fg=cyan
 *     color   reply.5xx          fg=white,bg=red,bold
 *
 * Colours: the eight names (black red green yellow blue magenta cyan white),
 * brightNAME, colourN / colorN (0-255), #rrggbb (kept as RGB; the UI brings
 * it down to what the terminal has) and default. Attributes: bold, dim,
 * underline, reverse, blink, italic, none. A bad line is reported with its
 * file and line number and skipped; loading never fails on content, only
 * when the named theme cannot be found or read.
 */
#ifndef MAILFLOW_THEME_H
#define MAILFLOW_THEME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Every element a theme can style: one table (X-macro) makes the enum, the
 * names used in theme files, and the built-in defaults. */
#define THEME_ELEMENTS(X) \
	X(NORMAL,            "normal") \
	X(HEADER,            "header") \
	X(KEYBAR,            "keybar") \
	X(BORDER,            "border") \
	X(TITLE,             "title") \
	X(SELECTION,         "selection") \
	X(TABLE_HEADER,      "table.header") \
	X(TRANSCRIPT_TIME,   "transcript.time") \
	X(TRANSCRIPT_CLIENT, "transcript.client") \
	X(TRANSCRIPT_SERVER, "transcript.server") \
	X(TRANSCRIPT_INFO,   "transcript.info") \
	X(TRANSCRIPT_ESCAPE, "transcript.escape") \
	X(REPLY_2XX,         "reply.2xx") \
	X(REPLY_3XX,         "reply.3xx") \
	X(REPLY_4XX,         "reply.4xx") \
	X(REPLY_5XX,         "reply.5xx") \
	X(VERDICT_PASS,      "verdict.pass") \
	X(VERDICT_WARN,      "verdict.warn") \
	X(VERDICT_FAIL,      "verdict.fail") \
	X(VERDICT_INFO,      "verdict.info") \
	X(VERDICT_SKIP,      "verdict.skip") \
	X(VERDICT_PENDING,   "verdict.pending") \
	X(EXPLAIN,           "explain") \
	X(SEARCH_MATCH,      "search.match") \
	X(ERROR,             "error")

enum theme_element {
#define THEME_ELEMENT_ENUM(name, str) THEME_##name,
	THEME_ELEMENTS(THEME_ELEMENT_ENUM)
#undef THEME_ELEMENT_ENUM
	THEME__COUNT
};

enum theme_colour_kind { COLOUR_DEFAULT, COLOUR_INDEX, COLOUR_RGB };

struct theme_colour {
	enum theme_colour_kind kind;
	int index;                      /* 0-255 for COLOUR_INDEX (8-15 bright) */
	uint8_t r, g, b;                /* COLOUR_RGB */
};

#define THEME_ATTR_BOLD      0x01u
#define THEME_ATTR_DIM       0x02u
#define THEME_ATTR_UNDERLINE 0x04u
#define THEME_ATTR_REVERSE   0x08u
#define THEME_ATTR_BLINK     0x10u
#define THEME_ATTR_ITALIC    0x20u

struct theme_style {
	struct theme_colour fg, bg;
	unsigned attrs;
};

#define THEME_CAUSES_MAX 32

struct theme {
	char name[64];
	struct theme_style styles[THEME__COUNT];
	int mono;                       /* the theme uses no colour at all */
	/* Problems found while loading: "FILE:LINE: what is wrong". */
	char *causes[THEME_CAUSES_MAX];
	size_t ncauses;
};

/* The built-in default (dark) theme. */
void theme_init_default(struct theme *t);
/* A colourless theme: attributes only (for NO_COLOR and mono terminals). */
void theme_init_mono(struct theme *t);

/*
 * Loads NAME or PATH into t (which starts as the built-in default). A name
 * is looked up as NAME.theme in each directory of dirs (NULL-terminated),
 * first match wins; a value containing '/' is a path. "inherit" loads
 * another theme first (by name, same directories; at most 8 deep, loops
 * refused). Returns 0, or -1 with *cause set when the theme cannot be
 * found or read; bad lines do not fail the load, they land in t->causes.
 */
int theme_load(struct theme *t, const char *name_or_path,
               const char *const *dirs, char **cause);
/* Parses one theme text (for tests and fuzzing); file names the source in
 * causes. Lines of "inherit" need dirs; NULL refuses them. */
void theme_parse(struct theme *t, const char *text, size_t len,
                 const char *file, const char *const *dirs);
void theme_free(struct theme *t);
/* The names of the themes in dirs (NAME.theme files), sorted, each once,
 * one a line on out (--list-themes, the shell completion). How many. */
size_t theme_list(const char *const *dirs, FILE *out);

/* "fg=cyan,bg=#102030,bold" → style; 0, or -1 with *cause set to a
 * message the caller frees (cause may be NULL). */
int theme_style_parse(const char *spec, struct theme_style *out, char **cause);
/* "brightred", "colour208", "#ff8800", "default" → colour; 0 or -1. */
int theme_colour_parse(const char *s, struct theme_colour *out);
const char *theme_element_name(enum theme_element e);
/* -1 if unknown. */
int theme_element_lookup(const char *name);
/* The nearest of the 256 xterm colours (or of the first 8 / 16 when
 * ncolours is 8 or 16) to an RGB colour. */
int theme_colour_nearest(uint8_t r, uint8_t g, uint8_t b, int ncolours);
/* The RGB of an xterm 256-colour index: 0-15 the system colours (xterm's
 * defaults), 16-231 the 6x6x6 cube, 232-255 the grey ramp. */
void theme_colour_index_rgb(int index, uint8_t *r, uint8_t *g, uint8_t *b);
/*
 * A colourN index for a terminal of ncolours: itself when the terminal has
 * it; a cube or grey colour becomes the nearest of the 16 (or 8) system
 * colours by its RGB. On 8 colours a bright system colour (8-15) gives its
 * base colour (index - 8): the caller shows brightness another way (bold).
 */
int theme_colour_index_nearest(int index, int ncolours);

#endif
