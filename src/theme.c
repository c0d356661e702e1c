/*
 * theme.c — theme files → styles. No curses here: the UI maps the styles
 * onto colour pairs and attributes.
 *
 * Loading never fails on content: every bad line becomes a cause
 * ("FILE:LINE: what is wrong", bounded, hostile bytes made visible) and is
 * skipped. Only a theme that cannot be found or read fails theme_load.
 */
#include "mailflow/theme.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define THEME_LINE_MAX  1024            /* bytes of a line, without CR LF */
#define THEME_FILE_MAX  65536           /* bytes of a theme file */
#define THEME_DEPTH_MAX 8               /* inherit levels below the theme */
#define THEME_SHOW_MAX  64              /* shown bytes of a bad token */
#define THEME_FILE_SHOW 160             /* shown bytes of a file name */

static const char *const element_names[THEME__COUNT] = {
#define THEME_ELEMENT_NAME(name, str) [THEME_##name] = (str),
	THEME_ELEMENTS(THEME_ELEMENT_NAME)
#undef THEME_ELEMENT_NAME
};

/* The eight ANSI colour names, in index order. */
static const char *const colour_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

enum {
	C_BLACK, C_RED, C_GREEN, C_YELLOW, C_BLUE, C_MAGENTA, C_CYAN, C_WHITE,
	C_BRIGHT = 8
};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", THEME_ATTR_BOLD },
	{ "dim", THEME_ATTR_DIM },
	{ "underline", THEME_ATTR_UNDERLINE },
	{ "reverse", THEME_ATTR_REVERSE },
	{ "blink", THEME_ATTR_BLINK },
	{ "italic", THEME_ATTR_ITALIC },
};

#define CD      { COLOUR_DEFAULT, -1, 0, 0, 0 }
#define CI(n)   { COLOUR_INDEX, (n), 0, 0, 0 }
#define ST(fg, bg, attrs) { fg, bg, attrs }
/* The core's own attribute names, short for the tables below; the UI maps
 * THEME_ATTR_* onto curses attributes (src/ui/style.c). */
#define T_BOLD  THEME_ATTR_BOLD
#define T_DIM   THEME_ATTR_DIM
#define T_UL    THEME_ATTR_UNDERLINE
#define T_REV   THEME_ATTR_REVERSE

/* The built-in dark theme; themes/default.theme says the same. */
static const struct theme_style default_styles[THEME__COUNT] = {
	[THEME_NORMAL]            = ST(CD, CD, 0),
	[THEME_HEADER]            = ST(CI(C_BRIGHT + C_WHITE), CI(C_BLUE), T_BOLD),
	[THEME_KEYBAR]            = ST(CI(C_BLACK), CI(C_CYAN), 0),
	[THEME_BORDER]            = ST(CI(C_BLUE), CD, 0),
	[THEME_TITLE]             = ST(CI(C_BRIGHT + C_WHITE), CD, T_BOLD),
	[THEME_SELECTION]         = ST(CI(C_BLACK), CI(C_WHITE), 0),
	[THEME_TABLE_HEADER]      = ST(CI(C_BRIGHT + C_WHITE), CD, T_BOLD | T_UL),
	[THEME_TRANSCRIPT_TIME]   = ST(CI(C_BRIGHT + C_BLACK), CD, 0),
	[THEME_TRANSCRIPT_CLIENT] = ST(CI(C_CYAN), CD, 0),
	[THEME_TRANSCRIPT_SERVER] = ST(CD, CD, 0),
	[THEME_TRANSCRIPT_INFO]   = ST(CI(C_BRIGHT + C_BLUE), CD, 0),
	[THEME_TRANSCRIPT_ESCAPE] = ST(CI(C_BRIGHT + C_MAGENTA), CD, 0),
	[THEME_REPLY_2XX]         = ST(CI(C_GREEN), CD, 0),
	[THEME_REPLY_3XX]         = ST(CI(C_CYAN), CD, 0),
	[THEME_REPLY_4XX]         = ST(CI(C_YELLOW), CD, 0),
	[THEME_REPLY_5XX]         = ST(CI(C_BRIGHT + C_RED), CD, T_BOLD),
	[THEME_VERDICT_PASS]      = ST(CI(C_GREEN), CD, 0),
	[THEME_VERDICT_WARN]      = ST(CI(C_YELLOW), CD, 0),
	[THEME_VERDICT_FAIL]      = ST(CI(C_BRIGHT + C_RED), CD, T_BOLD),
	[THEME_VERDICT_INFO]      = ST(CI(C_BRIGHT + C_BLUE), CD, 0),
	[THEME_VERDICT_SKIP]      = ST(CI(C_BRIGHT + C_BLACK), CD, 0),
	[THEME_VERDICT_PENDING]   = ST(CI(C_MAGENTA), CD, 0),
	[THEME_EXPLAIN]           = ST(CD, CD, 0),
	[THEME_SEARCH_MATCH]      = ST(CI(C_BLACK), CI(C_YELLOW), 0),
	[THEME_ERROR]             = ST(CI(C_BRIGHT + C_WHITE), CI(C_RED), T_BOLD),
};

/* The colourless theme: attributes only; themes/mono.theme says the same. */
static const unsigned mono_attrs[THEME__COUNT] = {
	[THEME_NORMAL]            = 0,
	[THEME_HEADER]            = T_REV,
	[THEME_KEYBAR]            = T_REV,
	[THEME_BORDER]            = 0,
	[THEME_TITLE]             = T_BOLD,
	[THEME_SELECTION]         = T_REV,
	[THEME_TABLE_HEADER]      = T_BOLD | T_UL,
	[THEME_TRANSCRIPT_TIME]   = T_DIM,
	[THEME_TRANSCRIPT_CLIENT] = T_BOLD,
	[THEME_TRANSCRIPT_SERVER] = 0,
	[THEME_TRANSCRIPT_INFO]   = T_DIM,
	[THEME_TRANSCRIPT_ESCAPE] = T_UL,
	[THEME_REPLY_2XX]         = 0,
	[THEME_REPLY_3XX]         = 0,
	[THEME_REPLY_4XX]         = T_UL,
	[THEME_REPLY_5XX]         = T_BOLD,
	[THEME_VERDICT_PASS]      = 0,
	[THEME_VERDICT_WARN]      = T_UL,
	[THEME_VERDICT_FAIL]      = T_BOLD,
	[THEME_VERDICT_INFO]      = 0,
	[THEME_VERDICT_SKIP]      = T_DIM,
	[THEME_VERDICT_PENDING]   = T_DIM,
	[THEME_EXPLAIN]           = 0,
	[THEME_SEARCH_MATCH]      = T_BOLD | T_UL,
	[THEME_ERROR]             = T_BOLD | T_REV,
};

/* One theme being loaded, with the files above it (for loops). */
struct load_ctx {
	const char *const *dirs;
	int depth;                      /* 0 for the theme itself */
	size_t nstack;
	struct {
		dev_t dev;
		ino_t ino;
	} stack[THEME_DEPTH_MAX + 1];
};

/* One text being parsed. */
struct parse {
	struct theme *t;
	struct load_ctx *ctx;
	char file[THEME_FILE_SHOW];     /* sanitised, for causes */
	size_t line;
};

static int load_any(struct theme *, struct load_ctx *, const char *, char **);

/* ---- small helpers ------------------------------------------------------ */

/* A printable, bounded form of s[0..n) (in buf). */
static const char *show(const char *s, size_t n, char *buf, size_t bufsz)
{
	text_sanitize(s, n, buf, bufsz);
	return buf;
}

static void cause_add(struct theme *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Keeps THEME_CAUSES_MAX - 1 causes, then one "... more problems". */
static void cause_add(struct theme *t, const char *fmt, ...)
{
	char buf[640];
	va_list ap;
	char *s;

	if (t->ncauses >= THEME_CAUSES_MAX)
		return;
	if (t->ncauses == THEME_CAUSES_MAX - 1) {
		s = xstrdup("... more problems");
	} else {
		/* Bounded: a cause is one line on a screen. */
		va_start(ap, fmt);
		if (vsnprintf(buf, sizeof buf, fmt, ap) < 0)
			buf[0] = '\0';
		va_end(ap);
		s = xstrdup(buf);
	}
	t->causes[t->ncauses++] = s;
}

static void line_cause(struct parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line_cause(struct parse *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	cause_add(p->t, "%s:%zu: %s", p->file, p->line, msg);
}

/* ---- colours, styles, elements ----------------------------------------- */

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = text_ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int colour_parse_n(const char *s, size_t n, struct theme_colour *out)
{
	struct theme_colour c = { COLOUR_INDEX, -1, 0, 0, 0 };
	size_t i, skip = 0;
	int v;

	if (n == 0)
		return -1;
	if (text_equal_ci(s, n, "default")) {
		c.kind = COLOUR_DEFAULT;
		*out = c;
		return 0;
	}
	if (s[0] == '#') {
		int d[6];

		if (n != 7)
			return -1;
		for (i = 0; i < 6; i++) {
			if ((d[i] = hex_digit((unsigned char)s[i + 1])) < 0)
				return -1;
		}
		c.kind = COLOUR_RGB;
		c.r = (uint8_t)(d[0] << 4 | d[1]);
		c.g = (uint8_t)(d[2] << 4 | d[3]);
		c.b = (uint8_t)(d[4] << 4 | d[5]);
		*out = c;
		return 0;
	}
	if (n > 6 && text_equal_ci(s, 6, "colour"))
		skip = 6;
	else if (n > 5 && text_equal_ci(s, 5, "color"))
		skip = 5;
	if (skip != 0) {
		if (n - skip > 3)
			return -1;
		v = 0;
		for (i = skip; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		if (v > 255)
			return -1;
		c.index = v;
		*out = c;
		return 0;
	}
	v = 0;
	if (n > 6 && text_equal_ci(s, 6, "bright")) {
		s += 6;
		n -= 6;
		v = C_BRIGHT;
	}
	for (i = 0; i < 8; i++) {
		if (text_equal_ci(s, n, colour_names[i])) {
			c.index = v + (int)i;
			*out = c;
			return 0;
		}
	}
	return -1;
}

int theme_colour_parse(const char *s, struct theme_colour *out)
{
	struct theme_colour c;

	if (s == NULL || out == NULL || colour_parse_n(s, strlen(s), &c) != 0)
		return -1;
	*out = c;
	return 0;
}

static int is_style_sep(int c)
{
	return c == ',' || text_is_blank(c);
}

/* Items of s[0..n) separated by commas or blanks: fg=C, bg=C, an attribute
 * or none. Unnamed parts stay default. */
static int style_parse_n(const char *s, size_t n, struct theme_style *out,
                         char **cause)
{
	struct theme_style st = { { COLOUR_DEFAULT, -1, 0, 0, 0 },
	                          { COLOUR_DEFAULT, -1, 0, 0, 0 }, 0 };
	char shown[THEME_SHOW_MAX];
	size_t i = 0, items = 0;

	while (i < n) {
		const char *tok, *eq;
		size_t tl, k;

		while (i < n && is_style_sep((unsigned char)s[i]))
			i++;
		if (i == n)
			break;
		tok = s + i;
		while (i < n && !is_style_sep((unsigned char)s[i]))
			i++;
		tl = (size_t)(s + i - tok);
		items++;
		eq = memchr(tok, '=', tl);
		if (eq != NULL) {
			size_t kl = (size_t)(eq - tok), vl = tl - kl - 1;
			struct theme_colour *dst;

			if (text_equal_ci(tok, kl, "fg"))
				dst = &st.fg;
			else if (text_equal_ci(tok, kl, "bg"))
				dst = &st.bg;
			else {
				cause_set(cause, "unknown key \"%s\"",
				        show(tok, kl, shown, sizeof shown));
				return -1;
			}
			if (vl == 0) {
				cause_set(cause, "missing colour after \"%s\"",
				        show(tok, kl + 1, shown, sizeof shown));
				return -1;
			}
			if (colour_parse_n(eq + 1, vl, dst) != 0) {
				cause_set(cause, "bad colour \"%s\"",
				        show(eq + 1, vl, shown, sizeof shown));
				return -1;
			}
			continue;
		}
		if (text_equal_ci(tok, tl, "none")) {
			st.attrs = 0;
			continue;
		}
		for (k = 0; k < sizeof attr_names / sizeof attr_names[0]; k++) {
			if (text_equal_ci(tok, tl, attr_names[k].name))
				break;
		}
		if (k == sizeof attr_names / sizeof attr_names[0]) {
			cause_set(cause, "unknown attribute \"%s\"",
			        show(tok, tl, shown, sizeof shown));
			return -1;
		}
		st.attrs |= attr_names[k].bit;
	}
	if (items == 0) {
		cause_set(cause, "empty style");
		return -1;
	}
	*out = st;
	return 0;
}

int theme_style_parse(const char *spec, struct theme_style *out, char **cause)
{
	struct theme_style st;

	if (spec == NULL || out == NULL) {
		cause_set(cause, "empty style");
		return -1;
	}
	if (style_parse_n(spec, strlen(spec), &st, cause) != 0)
		return -1;
	*out = st;
	return 0;
}

const char *theme_element_name(enum theme_element e)
{
	if ((size_t)e < THEME__COUNT)
		return element_names[e];
	return "?";
}

static int element_lookup_n(const char *s, size_t n)
{
	int i;

	for (i = 0; i < THEME__COUNT; i++) {
		if (text_equal_ci(s, n, element_names[i]))
			return i;
	}
	return -1;
}

int theme_element_lookup(const char *name)
{
	if (name == NULL)
		return -1;
	return element_lookup_n(name, strlen(name));
}

/* ---- nearest colour ----------------------------------------------------- */

/* xterm's default RGB for the sixteen ANSI colours. */
static const uint8_t ansi_rgb[16][3] = {
	{ 0x00, 0x00, 0x00 }, { 0xcd, 0x00, 0x00 }, { 0x00, 0xcd, 0x00 },
	{ 0xcd, 0xcd, 0x00 }, { 0x00, 0x00, 0xee }, { 0xcd, 0x00, 0xcd },
	{ 0x00, 0xcd, 0xcd }, { 0xe5, 0xe5, 0xe5 }, { 0x7f, 0x7f, 0x7f },
	{ 0xff, 0x00, 0x00 }, { 0x00, 0xff, 0x00 }, { 0xff, 0xff, 0x00 },
	{ 0x5c, 0x5c, 0xff }, { 0xff, 0x00, 0xff }, { 0x00, 0xff, 0xff },
	{ 0xff, 0xff, 0xff },
};

/* The six levels of each axis of the 6x6x6 cube (colours 16-231). */
static const int cube_level[6] = { 0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff };

static long dist_sq(int r1, int g1, int b1, int r2, int g2, int b2)
{
	long dr = r1 - r2, dg = g1 - g2, db = b1 - b2;

	return dr * dr + dg * dg + db * db;
}

static int cube_axis(int v)
{
	int i, best = 0;

	for (i = 1; i < 6; i++) {
		if (abs(v - cube_level[i]) < abs(v - cube_level[best]))
			best = i;
	}
	return best;
}

static int ansi_nearest_of(uint8_t r, uint8_t g, uint8_t b, const int *cand,
                           size_t n)
{
	size_t i;
	int best = cand[0];

	for (i = 1; i < n; i++) {
		if (dist_sq(r, g, b, ansi_rgb[cand[i]][0], ansi_rgb[cand[i]][1],
		            ansi_rgb[cand[i]][2]) <
		    dist_sq(r, g, b, ansi_rgb[best][0], ansi_rgb[best][1],
		            ansi_rgb[best][2]))
			best = cand[i];
	}
	return best;
}

/* The ANSI colours are far apart, and the plain nearest one often has the
 * wrong hue (mid grey is nearer yellow than white). So the hue is chosen
 * first — grey, or the channels that stand out — and distance only picks
 * the shade: black or white (or their bright forms) for a grey, the normal
 * or the bright colour of a hue. */
static int ansi_nearest(uint8_t r, uint8_t g, uint8_t b, int bright)
{
	int max = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int min = r < g ? (r < b ? r : b) : (g < b ? g : b);
	int chroma = max - min, hue, cand[4];
	size_t n = 0;

	if (chroma < 0x20 || chroma * 4 < max) {
		cand[n++] = C_BLACK;
		cand[n++] = C_WHITE;
		if (bright) {
			cand[n++] = C_BRIGHT + C_BLACK;
			cand[n++] = C_BRIGHT + C_WHITE;
		}
		return ansi_nearest_of(r, g, b, cand, n);
	}
	hue = ((r - min) * 2 >= chroma ? 1 : 0) |
	      ((g - min) * 2 >= chroma ? 2 : 0) |
	      ((b - min) * 2 >= chroma ? 4 : 0);
	cand[n++] = hue;
	if (bright)
		cand[n++] = C_BRIGHT + hue;
	return ansi_nearest_of(r, g, b, cand, n);
}

int theme_colour_nearest(uint8_t r, uint8_t g, uint8_t b, int ncolours)
{
	int qr, qg, qb, cr, cg, cb, grey_i, grey_v, avg;

	if (ncolours < 256)
		return ansi_nearest(r, g, b, ncolours >= 16);

	/* The nearest point of the cube, axis by axis. */
	qr = cube_axis(r);
	qg = cube_axis(g);
	qb = cube_axis(b);
	cr = cube_level[qr];
	cg = cube_level[qg];
	cb = cube_level[qb];
	if (cr == r && cg == g && cb == b)
		return 16 + 36 * qr + 6 * qg + qb;

	/* The nearest of the grey ramp (232-255: 8, 18, ... 238). */
	avg = (r + g + b) / 3;
	grey_i = avg <= 8 ? 0 : avg >= 238 ? 23 : (avg - 8 + 5) / 10;
	grey_v = 8 + 10 * grey_i;

	if (dist_sq(grey_v, grey_v, grey_v, r, g, b) <
	    dist_sq(cr, cg, cb, r, g, b))
		return 232 + grey_i;
	return 16 + 36 * qr + 6 * qg + qb;
}

void theme_colour_index_rgb(int index, uint8_t *r, uint8_t *g, uint8_t *b)
{
	int i;

	if (index < 0)
		index = 0;
	if (index > 255)
		index = 255;
	if (index < 16) {
		*r = ansi_rgb[index][0];
		*g = ansi_rgb[index][1];
		*b = ansi_rgb[index][2];
	} else if (index < 232) {
		i = index - 16;
		*r = (uint8_t)cube_level[i / 36];
		*g = (uint8_t)cube_level[i / 6 % 6];
		*b = (uint8_t)cube_level[i % 6];
	} else {
		*r = *g = *b = (uint8_t)(8 + 10 * (index - 232));
	}
}

int theme_colour_index_nearest(int index, int ncolours)
{
	uint8_t r, g, b;

	if (index < 0)
		index = 0;
	if (index > 255)
		index = 255;
	/* A system colour stays itself; on 8 colours a bright one gives its
	 * base colour (the UI adds bold). */
	if (index < 16)
		return ncolours >= 16 ? index : index & 7;
	if (ncolours >= 256)
		return index;
	theme_colour_index_rgb(index, &r, &g, &b);
	return theme_colour_nearest(r, g, b, ncolours);
}

/* ---- the line parser ---------------------------------------------------- */

/* The next argument of a command line: a bare word or a "quoted string".
 * Returns 1 with the argument in *arg and *len, 0 at the end of the line, -1
 * for a bad quote (with *cause). */
static int next_arg(char **cur, char **arg, size_t *len, char **cause)
{
	char *s = *cur, *e;

	while (text_is_blank((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*cur = s;
		return 0;
	}
	if (*s == '"') {
		e = strchr(s + 1, '"');
		if (e == NULL) {
			cause_set(cause, "missing closing quote");
			return -1;
		}
		if (e[1] != '\0' && !text_is_blank((unsigned char)e[1])) {
			cause_set(cause, "text after closing quote");
			return -1;
		}
		*arg = s + 1;
		*len = (size_t)(e - s - 1);
		*cur = e + 1;
		return 1;
	}
	e = s;
	while (*e != '\0' && !text_is_blank((unsigned char)*e))
		e++;
	*arg = s;
	*len = (size_t)(e - s);
	*cur = e;
	return 1;
}

/* The single argument of "name" or "inherit"; 0, or -1 after a cause. */
static int one_arg(struct parse *p, const char *cmd, char **cur, char **arg,
                   size_t *len)
{
	char shown[THEME_SHOW_MAX], *extra, *why = NULL;
	size_t extralen;
	int rc;

	rc = next_arg(cur, arg, len, &why);
	if (rc < 0) {
		line_cause(p, "%s: %s", cmd, why);
		free(why);
		return -1;
	}
	if (rc == 0 || *len == 0) {
		line_cause(p, "%s: missing argument", cmd);
		return -1;
	}
	rc = next_arg(cur, &extra, &extralen, &why);
	if (rc != 0) {
		if (rc > 0)
			line_cause(p, "%s: unexpected \"%s\" (quote a value "
			           "with spaces)", cmd,
			           show(extra, extralen, shown, sizeof shown));
		else
			line_cause(p, "%s: %s", cmd, why);
		free(why);
		return -1;
	}
	return 0;
}

static void cmd_name(struct parse *p, char *cur)
{
	char *arg;
	size_t len;

	if (one_arg(p, "name", &cur, &arg, &len) != 0)
		return;
	if (len >= sizeof p->t->name) {
		line_cause(p, "name: too long (at most %zu bytes)",
		           sizeof p->t->name - 1);
		return;
	}
	/* A line may hold tabs (they separate words), but a quoted name is
	 * shown as it is: a tab there would move the TUI's cursor. */
	if (memchr(arg, '\t', len) != NULL) {
		line_cause(p, "name: a tab in the name (use spaces)");
		return;
	}
	/* An inherited theme's name is not this theme's name. */
	if (p->ctx != NULL && p->ctx->depth > 0)
		return;
	memcpy(p->t->name, arg, len);
	p->t->name[len] = '\0';
}

static void cmd_inherit(struct parse *p, char *cur)
{
	char shown[THEME_SHOW_MAX], *why = NULL;
	char *arg;
	size_t len;

	if (one_arg(p, "inherit", &cur, &arg, &len) != 0)
		return;
	arg[len] = '\0';
	show(arg, len, shown, sizeof shown);
	if (p->ctx == NULL || p->ctx->dirs == NULL) {
		line_cause(p, "inherit: \"%s\": no theme directories to look in",
		           shown);
		return;
	}
	if (strchr(arg, '/') != NULL) {
		line_cause(p, "inherit: \"%s\" is not a theme name", shown);
		return;
	}
	if (p->ctx->depth >= THEME_DEPTH_MAX) {
		line_cause(p, "inherit: \"%s\" nested too deep (at most %d levels)",
		           shown, THEME_DEPTH_MAX);
		return;
	}
	p->ctx->depth++;
	if (load_any(p->t, p->ctx, arg, &why) != 0) {
		line_cause(p, "inherit: %s", why);
		free(why);
	}
	p->ctx->depth--;
}

static void cmd_color(struct parse *p, char *cur)
{
	char shown[THEME_SHOW_MAX], *why = NULL;
	struct theme_style st;
	char *el, *e;
	size_t ellen;
	int which;

	while (text_is_blank((unsigned char)*cur))
		cur++;
	if (*cur == '\0') {
		line_cause(p, "color: missing element");
		return;
	}
	el = cur;
	while (*cur != '\0' && !text_is_blank((unsigned char)*cur))
		cur++;
	ellen = (size_t)(cur - el);
	which = element_lookup_n(el, ellen);
	if (which < 0) {
		line_cause(p, "color: unknown element \"%s\"",
		           show(el, ellen, shown, sizeof shown));
		return;
	}
	while (text_is_blank((unsigned char)*cur))
		cur++;
	e = cur + strlen(cur);
	while (e > cur && text_is_blank((unsigned char)e[-1]))
		e--;
	if (e == cur) {
		line_cause(p, "color %s: missing style", element_names[which]);
		return;
	}
	if (style_parse_n(cur, (size_t)(e - cur), &st, &why) != 0) {
		line_cause(p, "color %s: %s", element_names[which], why);
		free(why);
		return;
	}
	p->t->styles[which] = st;
}

/* Checks the bytes of a line: no control characters, valid UTF-8. */
static int line_bytes_ok(struct parse *p, const char *s, size_t n)
{
	char shown[16];
	size_t i = 0, l;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				line_cause(p, "control character %s in line",
				           show(s + i, 1, shown, sizeof shown));
				return 0;
			}
			i++;
			continue;
		}
		l = text_utf8_len(s + i, n - i);
		if (l == 0) {
			line_cause(p, "invalid UTF-8 in line");
			return 0;
		}
		i += l;
	}
	return 1;
}

static void parse_line(struct parse *p, const char *s, size_t n)
{
	char buf[THEME_LINE_MAX + 1], shown[THEME_SHOW_MAX];
	char *cur, *cmd;
	size_t i, cmdlen;
	int inq = 0;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > THEME_LINE_MAX) {
		line_cause(p, "line too long (%zu bytes, at most %d)", n,
		           THEME_LINE_MAX);
		return;
	}
	for (i = 0; i < n && text_is_blank((unsigned char)s[i]); i++)
		;
	if (i == n || s[i] == '#')
		return;
	if (!line_bytes_ok(p, s, n))
		return;
	memcpy(buf, s, n);
	buf[n] = '\0';

	/* A '#' that starts a word outside quotes starts a comment. */
	for (i = 0; i < n; i++) {
		if (buf[i] == '"')
			inq = !inq;
		else if (buf[i] == '#' && !inq && i > 0 &&
		         text_is_blank((unsigned char)buf[i - 1])) {
			buf[i] = '\0';
			break;
		}
	}

	cur = buf;
	while (text_is_blank((unsigned char)*cur))
		cur++;
	cmd = cur;
	while (*cur != '\0' && !text_is_blank((unsigned char)*cur))
		cur++;
	cmdlen = (size_t)(cur - cmd);

	if (text_equal_ci(cmd, cmdlen, "color") || text_equal_ci(cmd, cmdlen, "colour"))
		cmd_color(p, cur);
	else if (text_equal_ci(cmd, cmdlen, "name"))
		cmd_name(p, cur);
	else if (text_equal_ci(cmd, cmdlen, "inherit"))
		cmd_inherit(p, cur);
	else
		line_cause(p, "unknown command \"%s\"",
		           show(cmd, cmdlen, shown, sizeof shown));
}

static void parse_text(struct theme *t, const char *text, size_t len,
                       const char *file, struct load_ctx *ctx)
{
	struct parse p;
	const char *s, *end, *nl;

	memset(&p, 0, sizeof p);
	p.t = t;
	p.ctx = ctx;
	if (file == NULL)
		file = "(text)";
	show(file, strlen(file), p.file, sizeof p.file);
	if (len > THEME_FILE_MAX) {
		cause_add(t, "%s: too large (%zu bytes, at most %d)", p.file,
		          len, THEME_FILE_MAX);
		return;
	}
	if (text == NULL)
		return;
	s = text;
	end = text + len;
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		p.line++;
		parse_line(&p, s, (size_t)((nl != NULL ? nl : end) - s));
		s = nl != NULL ? nl + 1 : end;
	}
}

/* ---- files ------------------------------------------------------------- */

/* Reads and parses an open theme file; closes fd. 0, or -1 with *cause. */
static int load_fd(struct theme *t, struct load_ctx *ctx, int fd,
                   const char *path, const char *name, char **cause)
{
	char file[THEME_FILE_SHOW], shown[THEME_SHOW_MAX];
	struct stat sb;
	char *buf;
	size_t got = 0, i;
	ssize_t r;

	show(path, strlen(path), file, sizeof file);
	if (fstat(fd, &sb) != 0) {
		cause_set(cause, "%s: %s", file, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		cause_set(cause, "%s: not a regular file", file);
		close(fd);
		return -1;
	}
	if (sb.st_size > THEME_FILE_MAX) {
		cause_set(cause, "%s: too large (%lld bytes, at most %d)",
		        file, (long long)sb.st_size, THEME_FILE_MAX);
		close(fd);
		return -1;
	}
	for (i = 0; i < ctx->nstack; i++) {
		if (ctx->stack[i].dev == sb.st_dev &&
		    ctx->stack[i].ino == sb.st_ino) {
			cause_set(cause, "theme \"%s\" is already being "
			        "loaded (inherit loop)",
			        show(name, strlen(name), shown, sizeof shown));
			close(fd);
			return -1;
		}
	}
	if (ctx->nstack >= sizeof ctx->stack / sizeof ctx->stack[0]) {
		cause_set(cause, "%s: nested too deep", file);
		close(fd);
		return -1;
	}
	buf = xmalloc(THEME_FILE_MAX + 1);
	while (got < THEME_FILE_MAX + 1) {
		r = read(fd, buf + got, THEME_FILE_MAX + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cause_set(cause, "%s: %s", file, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got > THEME_FILE_MAX) {
		cause_set(cause, "%s: too large (more than %d bytes)", file,
		        THEME_FILE_MAX);
		free(buf);
		return -1;
	}
	ctx->stack[ctx->nstack].dev = sb.st_dev;
	ctx->stack[ctx->nstack].ino = sb.st_ino;
	ctx->nstack++;
	parse_text(t, buf, got, path, ctx);
	ctx->nstack--;
	free(buf);
	return 0;
}

static int open_theme(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

/* Appends s to buf (of size sz, used *at) as far as it fits. */
static void append(char *buf, size_t sz, size_t *at, const char *s)
{
	size_t l = strlen(s);

	if (*at + 1 >= sz)
		return;
	if (l > sz - 1 - *at)
		l = sz - 1 - *at;
	memcpy(buf + *at, s, l);
	*at += l;
	buf[*at] = '\0';
}

static int load_any(struct theme *t, struct load_ctx *ctx,
                    const char *name_or_path, char **cause)
{
	char path[4096], shown[THEME_SHOW_MAX], dshown[THEME_SHOW_MAX];
	char list[512];
	size_t i, at = 0;
	int fd, n;

	show(name_or_path, strlen(name_or_path), shown, sizeof shown);
	if (strchr(name_or_path, '/') != NULL) {
		if ((fd = open_theme(name_or_path)) < 0) {
			cause_set(cause, "%s: %s", shown, strerror(errno));
			return -1;
		}
		return load_fd(t, ctx, fd, name_or_path, name_or_path, cause);
	}
	if (*name_or_path == '\0') {
		cause_set(cause, "no theme name given");
		return -1;
	}
	list[0] = '\0';
	for (i = 0; ctx->dirs != NULL && ctx->dirs[i] != NULL; i++) {
		const char *dir = ctx->dirs[i];

		append(list, sizeof list, &at, i > 0 ? ", " : "");
		append(list, sizeof list, &at,
		       show(dir, strlen(dir), dshown, sizeof dshown));
		n = snprintf(path, sizeof path, "%s/%s.theme", dir,
		             name_or_path);
		if (n < 0 || (size_t)n >= sizeof path)
			continue;
		if ((fd = open_theme(path)) >= 0)
			return load_fd(t, ctx, fd, path, name_or_path, cause);
		if (errno != ENOENT && errno != ENOTDIR) {
			char pshown[THEME_FILE_SHOW];

			cause_set(cause, "%s: %s",
			        show(path, strlen(path), pshown, sizeof pshown),
			        strerror(errno));
			return -1;
		}
	}
	if (at == 0)
		cause_set(cause, "theme \"%s\" not found (no theme "
		        "directories)", shown);
	else
		cause_set(cause, "theme \"%s\" not found in: %s", shown, list);
	return -1;
}

/* ---- the module's face ------------------------------------------------- */

static void theme_set_mono_flag(struct theme *t)
{
	size_t i;

	t->mono = 1;
	for (i = 0; i < THEME__COUNT; i++) {
		if (t->styles[i].fg.kind != COLOUR_DEFAULT ||
		    t->styles[i].bg.kind != COLOUR_DEFAULT)
			t->mono = 0;
	}
}

void theme_init_default(struct theme *t)
{
	memset(t, 0, sizeof *t);
	memcpy(t->name, "default", sizeof "default");
	memcpy(t->styles, default_styles, sizeof t->styles);
	t->mono = 0;
}

void theme_init_mono(struct theme *t)
{
	static const struct theme_colour none = { COLOUR_DEFAULT, -1, 0, 0, 0 };
	size_t i;

	memset(t, 0, sizeof *t);
	memcpy(t->name, "mono", sizeof "mono");
	for (i = 0; i < THEME__COUNT; i++) {
		t->styles[i].fg = none;
		t->styles[i].bg = none;
		t->styles[i].attrs = mono_attrs[i];
	}
	t->mono = 1;
}

void theme_free(struct theme *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncauses && i < THEME_CAUSES_MAX; i++) {
		free(t->causes[i]);
		t->causes[i] = NULL;
	}
	t->ncauses = 0;
}

void theme_parse(struct theme *t, const char *text, size_t len,
                 const char *file, const char *const *dirs)
{
	struct load_ctx ctx;

	memset(&ctx, 0, sizeof ctx);
	ctx.dirs = dirs;
	parse_text(t, text, len, file, &ctx);
	theme_set_mono_flag(t);
}

int theme_load(struct theme *t, const char *name_or_path,
               const char *const *dirs, char **cause)
{
	struct load_ctx ctx;
	const char *base, *dot;
	size_t len;

	if (cause != NULL)
		*cause = NULL;
	theme_free(t);
	theme_init_default(t);
	if (name_or_path == NULL) {
		cause_set(cause, "no theme name given");
		return -1;
	}

	/* Until the file says otherwise, the theme is called as asked. */
	base = strrchr(name_or_path, '/');
	base = base != NULL ? base + 1 : name_or_path;
	len = strlen(base);
	dot = len > 6 ? base + len - 6 : NULL;
	if (dot != NULL && strcmp(dot, ".theme") == 0)
		len -= 6;
	if (len > 0)
		show(base, len, t->name, sizeof t->name);

	memset(&ctx, 0, sizeof ctx);
	ctx.dirs = dirs;
	if (load_any(t, &ctx, name_or_path, cause) != 0) {
		theme_free(t);
		theme_init_default(t);
		return -1;
	}
	theme_set_mono_flag(t);
	return 0;
}

/* ---- the themes there are (--list-themes) ------------------------------------ */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t theme_list(const char *const *dirs, FILE *out)
{
	char **names = NULL;
	size_t n = 0, i, k, printed = 0;
	struct dirent *e;
	DIR *dir;

	for (i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		if ((dir = opendir(dirs[i])) == NULL)
			continue;
		while ((e = readdir(dir)) != NULL) {
			size_t len = strlen(e->d_name);

			/* NAME.theme, a name one can type: no hidden files. */
			if (len <= 6 || e->d_name[0] == '.' ||
			    strcmp(e->d_name + len - 6, ".theme") != 0)
				continue;
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xasprintf("%.*s", (int)(len - 6), e->d_name);
		}
		closedir(dir);
	}
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (k = 0; k < n; k++) {
		if (k == 0 || strcmp(names[k], names[k - 1]) != 0) {
			fprintf(out, "%s\n", names[k]);
			printed++;
		}
	}
	for (k = 0; k < n; k++)
		free(names[k]);
	free(names);
	return printed;
}
