/*
 * theme: colours, styles and elements; theme texts with good and bad lines;
 * inherit chains, loops and depth in a directory of files made here;
 * theme_load by name and path; the shipped themes; nearest colours; and a
 * loop of random hostile bytes (a unit test; fuzz/ holds the fuzzer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailflow/theme.h"

/* ---- helpers ------------------------------------------------------------ */

static void fmt(char *buf, size_t sz, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf that must not truncate. */
static void fmt(char *buf, size_t sz, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sz, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sz);
}

static int colour_eq(const struct theme_colour *a, const struct theme_colour *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == COLOUR_INDEX)
		return a->index == b->index;
	if (a->kind == COLOUR_RGB)
		return a->r == b->r && a->g == b->g && a->b == b->b;
	return 1;
}

static int style_eq(const struct theme_style *a, const struct theme_style *b)
{
	return colour_eq(&a->fg, &b->fg) && colour_eq(&a->bg, &b->bg) &&
	       a->attrs == b->attrs;
}

static void print_causes(const struct theme *t)
{
	size_t i;

	for (i = 0; i < t->ncauses; i++)
		print_message("# cause %zu: %s\n", i, t->causes[i]);
}

/* Asserts the causes are exactly want[0..n). */
static void expect_causes(const struct theme *t, const char *const *want,
                          size_t n)
{
	size_t i;

	if (t->ncauses != n)
		print_causes(t);
	assert_int_equal(t->ncauses, n);
	for (i = 0; i < n; i++)
		assert_string_equal(t->causes[i], want[i]);
}

static void parse_str(struct theme *t, const char *text, const char *file,
                      const char *const *dirs)
{
	theme_parse(t, text, strlen(text), file, dirs);
}

static struct theme_colour idx(int n)
{
	struct theme_colour c = { COLOUR_INDEX, n, 0, 0, 0 };

	return c;
}

static struct theme_colour dflt(void)
{
	struct theme_colour c = { COLOUR_DEFAULT, -1, 0, 0, 0 };

	return c;
}

static struct theme_colour rgb(uint8_t r, uint8_t g, uint8_t b)
{
	struct theme_colour c = { COLOUR_RGB, -1, r, g, b };

	return c;
}

static struct theme_style style(struct theme_colour fg, struct theme_colour bg,
                                unsigned attrs)
{
	struct theme_style s;

	s.fg = fg;
	s.bg = bg;
	s.attrs = attrs;
	return s;
}

/* A temporary directory of theme files, removed by the teardown. */
struct tmp {
	char dir[2][256];
};

static int tmp_setup(void **state)
{
	struct tmp *tmp = calloc(1, sizeof *tmp);
	const char *base = getenv("TMPDIR");
	int i;

	if (tmp == NULL)
		return -1;
	if (base == NULL || *base == '\0' || strlen(base) > 150)
		base = "/tmp";
	for (i = 0; i < 2; i++) {
		if (snprintf(tmp->dir[i], sizeof tmp->dir[i],
		             "%s/mailflow-theme-XXXXXX", base) < 0 ||
		    mkdtemp(tmp->dir[i]) == NULL) {
			free(tmp);
			return -1;
		}
	}
	*state = tmp;
	return 0;
}

static void rm_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) <
		    (int)sizeof path)
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int tmp_teardown(void **state)
{
	struct tmp *tmp = *state;

	rm_dir(tmp->dir[0]);
	rm_dir(tmp->dir[1]);
	free(tmp);
	return 0;
}

static void write_file(const char *dir, const char *name, const char *text,
                       size_t len)
{
	char path[512];
	FILE *f;

	assert_true(snprintf(path, sizeof path, "%s/%s", dir, name) <
	            (int)sizeof path);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_theme(const char *dir, const char *name, const char *text)
{
	char file[128];

	assert_true(snprintf(file, sizeof file, "%s.theme", name) <
	            (int)sizeof file);
	write_file(dir, file, text, strlen(text));
}

/* ---- colours, styles, elements ----------------------------------------- */

static void test_colour_parse(void **state)
{
	static const char *const names[] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan",
		"white"
	};
	static const char *const bad[] = {
		"", "purple", "colour", "color", "colour256", "colour-1",
		"colour1x", "colour 1", "colour0001", "#12345", "#1234567",
		"#gg0000", "#", "12", "bright", "brightdefault", "brightbright",
		" red", "red ", "rgb:ff/00/00", "default2", "colourff",
		"\x1b[31m", "red\xff",
	};
	struct theme_colour c, before = { COLOUR_INDEX, 77, 1, 2, 3 };
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++) {
		assert_int_equal(theme_colour_parse(names[i], &c), 0);
		assert_int_equal(c.kind, COLOUR_INDEX);
		assert_int_equal(c.index, (int)i);
		fmt(buf, sizeof buf, "bright%s", names[i]);
		assert_int_equal(theme_colour_parse(buf, &c), 0);
		assert_int_equal(c.kind, COLOUR_INDEX);
		assert_int_equal(c.index, (int)i + 8);
	}
	for (i = 0; i < 256; i++) {
		fmt(buf, sizeof buf, "colour%zu", i);
		assert_int_equal(theme_colour_parse(buf, &c), 0);
		assert_int_equal(c.kind, COLOUR_INDEX);
		assert_int_equal(c.index, (int)i);
		fmt(buf, sizeof buf, "color%zu", i);
		assert_int_equal(theme_colour_parse(buf, &c), 0);
		assert_int_equal(c.index, (int)i);
	}
	assert_int_equal(theme_colour_parse("colour007", &c), 0);
	assert_int_equal(c.index, 7);

	assert_int_equal(theme_colour_parse("#ff8800", &c), 0);
	assert_int_equal(c.kind, COLOUR_RGB);
	assert_int_equal(c.r, 0xff);
	assert_int_equal(c.g, 0x88);
	assert_int_equal(c.b, 0x00);
	assert_int_equal(theme_colour_parse("#A0b1C2", &c), 0);
	assert_int_equal(c.kind, COLOUR_RGB);
	assert_int_equal(c.r, 0xa0);
	assert_int_equal(c.g, 0xb1);
	assert_int_equal(c.b, 0xc2);

	assert_int_equal(theme_colour_parse("default", &c), 0);
	assert_int_equal(c.kind, COLOUR_DEFAULT);

	/* Case does not matter. */
	assert_int_equal(theme_colour_parse("BrightRed", &c), 0);
	assert_int_equal(c.index, 9);
	assert_int_equal(theme_colour_parse("COLOUR208", &c), 0);
	assert_int_equal(c.index, 208);
	assert_int_equal(theme_colour_parse("Color12", &c), 0);
	assert_int_equal(c.index, 12);
	assert_int_equal(theme_colour_parse("DEFAULT", &c), 0);
	assert_int_equal(c.kind, COLOUR_DEFAULT);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = before;
		if (theme_colour_parse(bad[i], &c) != -1)
			fail_msg("colour \"%s\" accepted", bad[i]);
		/* A refused colour leaves the output alone. */
		assert_true(colour_eq(&c, &before));
		assert_int_equal(c.index, 77);
	}
	assert_int_equal(theme_colour_parse(NULL, &c), -1);
}

static void test_style_parse(void **state)
{
	static const struct {
		const char *spec, *err;
	} bad[] = {
		{ "", "empty style" },
		{ " , ,", "empty style" },
		{ "fg=", "missing colour after \"fg=\"" },
		{ "bold,bg=", "missing colour after \"bg=\"" },
		{ "fg=purple", "bad colour \"purple\"" },
		{ "fg=red,bg=#12345", "bad colour \"#12345\"" },
		{ "xx=red", "unknown key \"xx\"" },
		{ "=red", "unknown key \"\"" },
		{ "fgx=red", "unknown key \"fgx\"" },
		{ "fg=red,blod", "unknown attribute \"blod\"" },
		{ "red", "unknown attribute \"red\"" },
		{ "fg=\x1b[31m", "bad colour \"\\e[31m\"" },
		{ "nobold", "unknown attribute \"nobold\"" },
	};
	struct theme_style s, before;
	char longspec[400], *cause = NULL;
	size_t i;

	(void)state;
	assert_int_equal(theme_style_parse("fg=cyan,bg=#102030,bold", &s, &cause), 0);
	assert_true(style_eq(&s, &(struct theme_style){ idx(6),
	            rgb(0x10, 0x20, 0x30), THEME_ATTR_BOLD }));

	assert_int_equal(theme_style_parse("bold,dim,underline,reverse,blink,"
	                                   "italic", &s, &cause), 0);
	assert_true(style_eq(&s, &(struct theme_style){ dflt(), dflt(),
	            THEME_ATTR_BOLD | THEME_ATTR_DIM | THEME_ATTR_UNDERLINE |
	            THEME_ATTR_REVERSE | THEME_ATTR_BLINK | THEME_ATTR_ITALIC }));

	/* none clears the attributes named before it. */
	assert_int_equal(theme_style_parse("bold,none,underline", &s, &cause), 0);
	assert_int_equal(s.attrs, THEME_ATTR_UNDERLINE);
	assert_int_equal(theme_style_parse("none", &s, &cause), 0);
	assert_true(style_eq(&s, &(struct theme_style){ dflt(), dflt(), 0 }));

	/* Blanks separate items too; case does not matter; last one wins. */
	assert_int_equal(theme_style_parse("  fg=red  bg=blue, bold ", &s, &cause), 0);
	assert_true(style_eq(&s, &(struct theme_style){ idx(1), idx(4),
	            THEME_ATTR_BOLD }));
	assert_int_equal(theme_style_parse("FG=BrightRed,BG=Colour17,BOLD", &s, &cause), 0);
	assert_true(style_eq(&s, &(struct theme_style){ idx(9), idx(17),
	            THEME_ATTR_BOLD }));
	assert_int_equal(theme_style_parse("fg=red,fg=green,bg=default", &s, &cause), 0);
	assert_true(style_eq(&s, &(struct theme_style){ idx(2), dflt(), 0 }));

	before = style(idx(3), idx(4), THEME_ATTR_DIM);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = before;
		cause = NULL;
		if (theme_style_parse(bad[i].spec, &s, &cause) != -1)
			fail_msg("style \"%s\" accepted", bad[i].spec);
		assert_non_null(cause);
		assert_string_equal(cause, bad[i].err);
		free(cause);
		assert_true(style_eq(&s, &before));
	}

	/* A long bad token is shown bounded; a NULL cause is safe. */
	memset(longspec, 'x', sizeof longspec - 1);
	longspec[sizeof longspec - 1] = '\0';
	assert_int_equal(theme_style_parse(longspec, &s, &cause), -1);
	assert_true(strncmp(cause, "unknown attribute \"xxx", 22) == 0);
	assert_true(strlen(cause) < 100);
	free(cause);
	assert_int_equal(theme_style_parse("fg=nope", &s, NULL), -1);
	cause = NULL;
	assert_int_equal(theme_style_parse(NULL, &s, &cause), -1);
	assert_string_equal(cause, "empty style");
	free(cause);
}

static void test_element_lookup(void **state)
{
	char upper[64];
	int i;
	size_t k;

	(void)state;
	for (i = 0; i < THEME__COUNT; i++) {
		const char *name = theme_element_name((enum theme_element)i);

		assert_non_null(name);
		assert_string_not_equal(name, "?");
		assert_int_equal(theme_element_lookup(name), i);
		for (k = 0; name[k] != '\0' && k < sizeof upper - 1; k++)
			upper[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ?
			                  name[k] - 'a' + 'A' : name[k]);
		upper[k] = '\0';
		assert_int_equal(theme_element_lookup(upper), i);
	}
	assert_string_equal(theme_element_name(THEME_NORMAL), "normal");
	assert_string_equal(theme_element_name(THEME_REPLY_5XX), "reply.5xx");
	assert_string_equal(theme_element_name(THEME_ERROR), "error");
	assert_string_equal(theme_element_name(THEME__COUNT), "?");
	assert_string_equal(theme_element_name((enum theme_element)-1), "?");
	assert_int_equal(theme_element_lookup(""), -1);
	assert_int_equal(theme_element_lookup("nosuch"), -1);
	assert_int_equal(theme_element_lookup("normal "), -1);
	assert_int_equal(theme_element_lookup("reply"), -1);
	assert_int_equal(theme_element_lookup("reply.5xxx"), -1);
	assert_int_equal(theme_element_lookup(NULL), -1);
}

/* ---- built-in themes ---------------------------------------------------- */

static void test_builtin_themes(void **state)
{
	struct theme t;
	size_t i;

	(void)state;
	theme_init_default(&t);
	assert_string_equal(t.name, "default");
	assert_int_equal(t.mono, 0);
	assert_int_equal(t.ncauses, 0);
	assert_int_equal(t.styles[THEME_NORMAL].fg.kind, COLOUR_DEFAULT);
	assert_int_equal(t.styles[THEME_NORMAL].bg.kind, COLOUR_DEFAULT);
	/* Failures stand out from normal text, in colour and in weight. */
	assert_false(style_eq(&t.styles[THEME_VERDICT_FAIL],
	                      &t.styles[THEME_NORMAL]));
	assert_int_equal(t.styles[THEME_VERDICT_FAIL].fg.kind, COLOUR_INDEX);
	assert_true(t.styles[THEME_VERDICT_FAIL].attrs & THEME_ATTR_BOLD);
	assert_int_equal(t.styles[THEME_REPLY_5XX].fg.kind, COLOUR_INDEX);
	assert_false(style_eq(&t.styles[THEME_SELECTION],
	                      &t.styles[THEME_NORMAL]));
	assert_false(style_eq(&t.styles[THEME_VERDICT_PASS],
	                      &t.styles[THEME_VERDICT_WARN]));
	for (i = 0; i < THEME__COUNT; i++) {
		const struct theme_style *s = &t.styles[i];

		assert_true(s->fg.kind == COLOUR_DEFAULT ||
		            (s->fg.kind == COLOUR_INDEX && s->fg.index >= 0 &&
		             s->fg.index < 16));
		assert_true(s->bg.kind == COLOUR_DEFAULT ||
		            (s->bg.kind == COLOUR_INDEX && s->bg.index >= 0 &&
		             s->bg.index < 16));
	}
	theme_free(&t);

	theme_init_mono(&t);
	assert_string_equal(t.name, "mono");
	assert_int_equal(t.mono, 1);
	assert_int_equal(t.ncauses, 0);
	for (i = 0; i < THEME__COUNT; i++) {
		assert_int_equal(t.styles[i].fg.kind, COLOUR_DEFAULT);
		assert_int_equal(t.styles[i].bg.kind, COLOUR_DEFAULT);
	}
	assert_true(t.styles[THEME_SELECTION].attrs & THEME_ATTR_REVERSE);
	assert_true(t.styles[THEME_HEADER].attrs & THEME_ATTR_REVERSE);
	assert_true(t.styles[THEME_KEYBAR].attrs & THEME_ATTR_REVERSE);
	assert_true(t.styles[THEME_VERDICT_FAIL].attrs & THEME_ATTR_BOLD);
	assert_true(t.styles[THEME_REPLY_5XX].attrs & THEME_ATTR_BOLD);
	assert_true(t.styles[THEME_TRANSCRIPT_ESCAPE].attrs &
	            THEME_ATTR_UNDERLINE);
	assert_int_equal(t.styles[THEME_NORMAL].attrs, 0);
	theme_free(&t);
	theme_free(&t);         /* twice is harmless */
}

/* ---- theme texts -------------------------------------------------------- */

static void test_parse_good_and_bad_lines(void **state)
{
	static const char text[] =
		"# a comment\n"                                          /* 1 */
		"\n"                                                     /* 2 */
		"name \"Test theme\"\n"                                  /* 3 */
		"color reply.5xx fg=white,bg=red,bold\n"                 /* 4 */
		"colour verdict.pass  fg=#00ff00 \n"                     /* 5 */
		"  color\theader fg=colour208,bg=brightblue,underline,reverse"
		"  # trailing comment\n"                                 /* 6 */
		"frobnicate x\n"                                         /* 7 */
		"color nosuch fg=red\n"                                  /* 8 */
		"color reply.2xx fg=purple\n"                            /* 9 */
		"color reply.3xx fg=red,blod\n"                          /* 10 */
		"color reply.4xx\n"                                      /* 11 */
		"color\n"                                                /* 12 */
		"name\n"                                                 /* 13 */
		"color keybar xx=red\n"                                  /* 14 */
		"color keybar fg=\n"                                     /* 15 */
		"color title fg=#12345\n"                                /* 16 */
		"name \"unterminated\n"                                  /* 17 */
		"name two words\n"                                       /* 18 */
		"color selection fg=\x1b[31m\n"                          /* 19 */
		"color error fg=red\xff\n"                               /* 20 */
		"inherit default\n"                                      /* 21 */
		"COLOR Verdict.Fail FG=BrightRed,BOLD\n"                 /* 22 */
		"   # indented comment\n"                                /* 23 */
		"\t\n"                                                   /* 24 */
		"color explain fg=green # note, with bg=red\n"           /* 25 */
		"inherit\n"                                              /* 26 */
		"name \"x\"y\n"                                          /* 27 */
		"color border fg=red bold\n";                            /* 28, no LF */
	static const char *const want[] = {
		"t.theme:7: unknown command \"frobnicate\"",
		"t.theme:8: color: unknown element \"nosuch\"",
		"t.theme:9: color reply.2xx: bad colour \"purple\"",
		"t.theme:10: color reply.3xx: unknown attribute \"blod\"",
		"t.theme:11: color reply.4xx: missing style",
		"t.theme:12: color: missing element",
		"t.theme:13: name: missing argument",
		"t.theme:14: color keybar: unknown key \"xx\"",
		"t.theme:15: color keybar: missing colour after \"fg=\"",
		"t.theme:16: color title: bad colour \"#12345\"",
		"t.theme:17: name: missing closing quote",
		"t.theme:18: name: unexpected \"words\" (quote a value with " /* NOLINT(bugprone-suspicious-missing-comma): one message on two lines */
		"spaces)",
		"t.theme:19: control character \\e in line",
		"t.theme:20: invalid UTF-8 in line",
		"t.theme:21: inherit: \"default\": no theme directories to look "
		"in",
		"t.theme:26: inherit: missing argument",
		"t.theme:27: name: text after closing quote",
	};
	struct theme t, d;

	(void)state;
	theme_init_default(&d);
	theme_init_default(&t);
	parse_str(&t, text, "t.theme", NULL);
	expect_causes(&t, want, sizeof want / sizeof want[0]);

	/* The good lines are applied... */
	assert_string_equal(t.name, "Test theme");
	assert_true(style_eq(&t.styles[THEME_REPLY_5XX],
	            &(struct theme_style){ idx(7), idx(1), THEME_ATTR_BOLD }));
	assert_true(style_eq(&t.styles[THEME_VERDICT_PASS],
	            &(struct theme_style){ rgb(0, 0xff, 0), dflt(), 0 }));
	assert_true(style_eq(&t.styles[THEME_HEADER],
	            &(struct theme_style){ idx(208), idx(12),
	            THEME_ATTR_UNDERLINE | THEME_ATTR_REVERSE }));
	assert_true(style_eq(&t.styles[THEME_VERDICT_FAIL],
	            &(struct theme_style){ idx(9), dflt(), THEME_ATTR_BOLD }));
	assert_true(style_eq(&t.styles[THEME_EXPLAIN],
	            &(struct theme_style){ idx(2), dflt(), 0 }));
	assert_true(style_eq(&t.styles[THEME_BORDER],
	            &(struct theme_style){ idx(1), dflt(), THEME_ATTR_BOLD }));
	assert_int_equal(t.mono, 0);

	/* ...and the bad ones leave their element alone. */
	assert_true(style_eq(&t.styles[THEME_REPLY_2XX], &d.styles[THEME_REPLY_2XX]));
	assert_true(style_eq(&t.styles[THEME_REPLY_3XX], &d.styles[THEME_REPLY_3XX]));
	assert_true(style_eq(&t.styles[THEME_REPLY_4XX], &d.styles[THEME_REPLY_4XX]));
	assert_true(style_eq(&t.styles[THEME_KEYBAR], &d.styles[THEME_KEYBAR]));
	assert_true(style_eq(&t.styles[THEME_TITLE], &d.styles[THEME_TITLE]));
	assert_true(style_eq(&t.styles[THEME_SELECTION], &d.styles[THEME_SELECTION]));
	assert_true(style_eq(&t.styles[THEME_ERROR], &d.styles[THEME_ERROR]));
	theme_free(&t);
	assert_int_equal(t.ncauses, 0);

	/* Without a file name the causes still say where. */
	theme_init_default(&t);
	parse_str(&t, "bogus\n", NULL, NULL);
	assert_int_equal(t.ncauses, 1);
	assert_string_equal(t.causes[0], "(text):1: unknown command \"bogus\"");
	theme_free(&t);
}

static void test_parse_crlf_and_names(void **state)
{
	static const char text[] =
		"# made on Windows\r\n"
		"name \"CRLF\"\r\n"
		"color reply.2xx fg=green,bold\r\n"
		"\r\n"
		"color reply.4xx fg=yellow\r\n"
		"nope\r\n"
		"color reply.5xx fg=red\r";
	static const char *const want[] = {
		"crlf.theme:6: unknown command \"nope\"",
	};
	struct theme t;

	(void)state;
	theme_init_default(&t);
	parse_str(&t, text, "crlf.theme", NULL);
	expect_causes(&t, want, 1);
	assert_string_equal(t.name, "CRLF");
	assert_true(style_eq(&t.styles[THEME_REPLY_2XX],
	            &(struct theme_style){ idx(2), dflt(), THEME_ATTR_BOLD }));
	assert_true(style_eq(&t.styles[THEME_REPLY_4XX],
	            &(struct theme_style){ idx(3), dflt(), 0 }));
	assert_true(style_eq(&t.styles[THEME_REPLY_5XX],
	            &(struct theme_style){ idx(1), dflt(), 0 }));
	theme_free(&t);

	/* Bare names, UTF-8 names, names at the size limit. */
	theme_init_default(&t);
	parse_str(&t, "name Midnight\n", "n", NULL);
	assert_string_equal(t.name, "Midnight");
	parse_str(&t, "name \"Caf\xc3\xa9 cr\xc3\xa8me\"\n", "n", NULL);
	assert_string_equal(t.name, "Caf\xc3\xa9 cr\xc3\xa8me");
	parse_str(&t, "name \"123456789012345678901234567890123456789012345"
	          "678901234567890123\"\n", "n", NULL);
	assert_int_equal(strlen(t.name), 63);
	assert_int_equal(t.ncauses, 0);
	parse_str(&t, "name \"1234567890123456789012345678901234567890123456"
	          "7890123456789012345\"\n", "n", NULL);
	assert_int_equal(t.ncauses, 1);
	assert_string_equal(t.causes[0], "n:1: name: too long (at most 63 bytes)");
	assert_int_equal(strlen(t.name), 63);
	/* C1 controls (CSI as UTF-8) never reach the name. */
	parse_str(&t, "name \"\xc2\x9b" "31m\"\n", "n", NULL);
	assert_int_equal(t.ncauses, 2);
	assert_string_equal(t.causes[1], "n:1: invalid UTF-8 in line");
	/* Nor a tab, which a line may hold between words (found by
	 * fuzz/theme-fuzzer: fuzz/corpus/theme/crash-tab-in-name). */
	parse_str(&t, "name \"Li\tght\"\n", "n", NULL);
	assert_int_equal(t.ncauses, 3);
	assert_string_equal(t.causes[2], "n:1: name: a tab in the name (use spaces)");
	assert_int_equal(strlen(t.name), 63);
	theme_free(&t);
}

static void test_parse_limits(void **state)
{
	static const char nul_text[] =
		"color normal\0 fg=red\ncolor explain fg=red\n";
	char line[1100], *big, want[64];
	struct theme t;
	size_t i;

	(void)state;
	/* Exactly 1024 bytes (CR LF not counted) is fine; 1025 is not. */
	memset(line, ' ', sizeof line);
	memcpy(line, "color normal fg=red", 19);
	memcpy(line + 1024, "\r\n", 2);
	theme_init_default(&t);
	theme_parse(&t, line, 1026, "long", NULL);
	assert_int_equal(t.ncauses, 0);
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 1);
	memcpy(line, "color normal fg=grn", 19);
	line[1024] = ' ';
	line[1025] = '\n';
	theme_parse(&t, line, 1026, "long", NULL);
	assert_int_equal(t.ncauses, 1);
	assert_string_equal(t.causes[0],
	                    "long:1: line too long (1025 bytes, at most 1024)");
	theme_free(&t);

	/* A NUL inside the text is a bad line, not the end of the text. */
	theme_init_default(&t);
	theme_parse(&t, nul_text, sizeof nul_text - 1, "nul", NULL);
	assert_int_equal(t.ncauses, 1);
	assert_string_equal(t.causes[0], "nul:1: control character \\x00 in line");
	assert_int_equal(t.styles[THEME_NORMAL].fg.kind, COLOUR_DEFAULT);
	assert_int_equal(t.styles[THEME_EXPLAIN].fg.index, 1);
	theme_free(&t);

	/* At most THEME_CAUSES_MAX causes, the last one saying there is more. */
	big = malloc((size_t)100 * 16);
	assert_non_null(big);
	for (i = 0; i < 100; i++)
		memcpy(big + (size_t)11 * i, "bogus line\n", 11);
	big[(size_t)11 * 100] = '\0';
	theme_init_default(&t);
	parse_str(&t, big, "many", NULL);
	assert_int_equal(t.ncauses, THEME_CAUSES_MAX);
	assert_string_equal(t.causes[0], "many:1: unknown command \"bogus\"");
	fmt(want, sizeof want, "many:%d: unknown command \"bogus\"",
	         THEME_CAUSES_MAX - 1);
	assert_string_equal(t.causes[THEME_CAUSES_MAX - 2], want);
	assert_string_equal(t.causes[THEME_CAUSES_MAX - 1], "... more problems");
	/* Parsing more adds nothing. */
	parse_str(&t, big, "many", NULL);
	assert_int_equal(t.ncauses, THEME_CAUSES_MAX);
	theme_free(&t);
	free(big);

	/* Texts over 64 KiB are refused whole. */
	big = malloc(70000);
	assert_non_null(big);
	memset(big, '\n', 70000);
	memcpy(big, "color normal fg=red\n", 20);
	theme_init_default(&t);
	theme_parse(&t, big, 65537, "huge", NULL);
	assert_int_equal(t.ncauses, 1);
	assert_string_equal(t.causes[0],
	                    "huge: too large (65537 bytes, at most 65536)");
	assert_int_equal(t.styles[THEME_NORMAL].fg.kind, COLOUR_DEFAULT);
	theme_free(&t);
	theme_init_default(&t);
	theme_parse(&t, big, 65536, "huge", NULL);
	assert_int_equal(t.ncauses, 0);
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 1);
	theme_free(&t);
	free(big);

	/* Hostile file names and tokens are shown safely and bounded. */
	theme_init_default(&t);
	memset(line, 'A', 300);
	line[300] = '\0';
	parse_str(&t, line, "\x1b]0;evil\x07", NULL);
	assert_int_equal(t.ncauses, 1);
	assert_true(strncmp(t.causes[0], "\\e]0;evil\\x07:1: unknown command "
	                    "\"AAAA", 38) == 0);
	assert_true(strlen(t.causes[0]) < 120);
	theme_free(&t);

	/* Empty and NULL texts. */
	theme_init_default(&t);
	theme_parse(&t, "", 0, "empty", NULL);
	theme_parse(&t, NULL, 0, "empty", NULL);
	assert_int_equal(t.ncauses, 0);
	theme_free(&t);
}

/* ---- inherit and theme_load -------------------------------------------- */

static void test_inherit(void **state)
{
	struct tmp *tmp = *state;
	const char *dirs[] = { tmp->dir[0], NULL };
	char want[512], name[16], text[64];
	struct theme t;
	char *cause = (char *)"untouched";
	int i;

	write_theme(tmp->dir[0], "a",
	            "name \"A\"\ncolor reply.2xx fg=red\ncolor reply.3xx fg=red\n");
	write_theme(tmp->dir[0], "b",
	            "name \"B\"\ninherit a\ncolor reply.3xx fg=blue\n");
	write_theme(tmp->dir[0], "c",
	            "inherit b\ncolor reply.4xx fg=green\n");

	/* A chain: c over b over a; inherited names are not the name. */
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "c", dirs, &cause), 0);
	assert_null(cause);
	expect_causes(&t, NULL, 0);
	assert_string_equal(t.name, "c");
	assert_int_equal(t.styles[THEME_REPLY_2XX].fg.index, 1);
	assert_int_equal(t.styles[THEME_REPLY_3XX].fg.index, 4);
	assert_int_equal(t.styles[THEME_REPLY_4XX].fg.index, 2);
	theme_free(&t);
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "b", dirs, &cause), 0);
	assert_string_equal(t.name, "B");
	theme_free(&t);

	/* Loops are refused with a cause, the rest of the lines still apply. */
	write_theme(tmp->dir[0], "loop1", "inherit loop2\ncolor explain fg=cyan\n");
	write_theme(tmp->dir[0], "loop2", "inherit loop1\ncolor normal fg=red\n");
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "loop1", dirs, &cause), 0);
	fmt(want, sizeof want, "%s/loop2.theme:1: inherit: theme \"loop1\" "
	         "is already being loaded (inherit loop)", tmp->dir[0]);
	expect_causes(&t, (const char *const[]){ want }, 1);
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 1);
	assert_int_equal(t.styles[THEME_EXPLAIN].fg.index, 6);
	theme_free(&t);

	write_theme(tmp->dir[0], "self", "inherit self\n");
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "self", dirs, &cause), 0);
	fmt(want, sizeof want, "%s/self.theme:1: inherit: theme \"self\" "
	         "is already being loaded (inherit loop)", tmp->dir[0]);
	expect_causes(&t, (const char *const[]){ want }, 1);
	theme_free(&t);

	/* A loop through a path: the same file is found however it is named. */
	fmt(want, sizeof want, "%s/self.theme", tmp->dir[0]);
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, want, dirs, &cause), 0);
	assert_int_equal(t.ncauses, 1);
	theme_free(&t);

	/* Depth: d0 → d1 → ... → d9; eight levels below a theme are fine. */
	for (i = 0; i < 10; i++) {
		fmt(name, sizeof name, "d%d", i);
		if (i < 9)
			fmt(text, sizeof text, "inherit d%d\n", i + 1);
		else
			fmt(text, sizeof text, "color normal fg=red\n");
		write_theme(tmp->dir[0], name, text);
	}
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "d1", dirs, &cause), 0);
	expect_causes(&t, NULL, 0);
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 1);
	theme_free(&t);
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "d0", dirs, &cause), 0);
	fmt(want, sizeof want, "%s/d8.theme:1: inherit: \"d9\" nested too "
	         "deep (at most 8 levels)", tmp->dir[0]);
	expect_causes(&t, (const char *const[]){ want }, 1);
	assert_int_equal(t.styles[THEME_NORMAL].fg.kind, COLOUR_DEFAULT);
	theme_free(&t);

	/* A missing inherited theme is a cause, not a failure. */
	write_theme(tmp->dir[0], "m", "inherit nosuch\ncolor normal fg=green\n"
	            "inherit ../a\n");
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "m", dirs, &cause), 0);
	{
		char w0[512], w1[512];

		fmt(w0, sizeof w0, "%s/m.theme:1: inherit: theme \"nosuch\" "
		         "not found in: %s", tmp->dir[0], tmp->dir[0]);
		fmt(w1, sizeof w1, "%s/m.theme:3: inherit: \"../a\" is not a "
		         "theme name", tmp->dir[0]);
		expect_causes(&t, (const char *const[]){ w0, w1 }, 2);
	}
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 2);
	theme_free(&t);

	/* theme_parse with directories can inherit too. */
	theme_init_default(&t);
	parse_str(&t, "inherit c\ncolor reply.2xx fg=cyan\n", "text", dirs);
	expect_causes(&t, NULL, 0);
	assert_int_equal(t.styles[THEME_REPLY_2XX].fg.index, 6);
	assert_int_equal(t.styles[THEME_REPLY_3XX].fg.index, 4);
	theme_free(&t);
}

static void test_load(void **state)
{
	struct tmp *tmp = *state;
	const char *dirs[] = { tmp->dir[0], "/nonexistent/mailflow", tmp->dir[1],
	                       NULL };
	const char *nodirs[] = { NULL };
	char path[512], want[1024], *cause, *big;
	struct theme t, d;

	theme_init_default(&d);
	write_theme(tmp->dir[0], "x", "color normal fg=red\n");
	write_theme(tmp->dir[1], "x", "color normal fg=blue\n");
	write_theme(tmp->dir[1], "y", "name \"Why\"\ncolor normal fg=green\n"
	            "bad line\n");

	/* The first directory wins; later ones are still searched. */
	theme_init_default(&t);
	cause = NULL;
	assert_int_equal(theme_load(&t, "x", dirs, &cause), 0);
	assert_null(cause);
	assert_string_equal(t.name, "x");
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 1);
	assert_int_equal(theme_load(&t, "y", dirs, &cause), 0);
	assert_string_equal(t.name, "Why");
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 2);
	fmt(want, sizeof want, "%s/y.theme:3: unknown command \"bad\"",
	         tmp->dir[1]);
	expect_causes(&t, (const char *const[]){ want }, 1);

	/* Loading again starts from the built-in default. */
	assert_int_equal(theme_load(&t, "x", dirs, &cause), 0);
	assert_int_equal(t.ncauses, 0);
	assert_true(style_eq(&t.styles[THEME_REPLY_5XX], &d.styles[THEME_REPLY_5XX]));
	theme_free(&t);

	/* A path is a path, whatever the directories say. */
	fmt(path, sizeof path, "%s/x.theme", tmp->dir[1]);
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, path, dirs, &cause), 0);
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 4);
	assert_string_equal(t.name, "x");
	assert_int_equal(theme_load(&t, path, NULL, &cause), 0);
	assert_int_equal(t.styles[THEME_NORMAL].fg.index, 4);
	theme_free(&t);

	/* Not found: -1, the cause lists the directories, t is the default. */
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "zzz", dirs, &cause), -1);
	assert_non_null(cause);
	fmt(want, sizeof want, "theme \"zzz\" not found in: %s, "
	         "/nonexistent/mailflow, %s", tmp->dir[0], tmp->dir[1]);
	assert_string_equal(cause, want);
	free(cause);
	assert_string_equal(t.name, "default");
	assert_int_equal(t.ncauses, 0);
	assert_true(style_eq(&t.styles[THEME_NORMAL], &d.styles[THEME_NORMAL]));

	assert_int_equal(theme_load(&t, "x", nodirs, &cause), -1);
	assert_string_equal(cause, "theme \"x\" not found (no theme directories)");
	free(cause);
	assert_int_equal(theme_load(&t, "x", NULL, &cause), -1);
	assert_string_equal(cause, "theme \"x\" not found (no theme directories)");
	free(cause);
	assert_int_equal(theme_load(&t, "", dirs, &cause), -1);
	assert_string_equal(cause, "no theme name given");
	free(cause);
	assert_int_equal(theme_load(&t, NULL, dirs, &cause), -1);
	assert_string_equal(cause, "no theme name given");
	free(cause);
	assert_int_equal(theme_load(&t, "zzz", dirs, NULL), -1);

	fmt(path, sizeof path, "%s/nope.theme", tmp->dir[0]);
	assert_int_equal(theme_load(&t, path, dirs, &cause), -1);
	fmt(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(cause, want);
	free(cause);

	/* Not a regular file. */
	fmt(path, sizeof path, "%s/", tmp->dir[0]);
	assert_int_equal(theme_load(&t, path, dirs, &cause), -1);
	fmt(want, sizeof want, "%s: not a regular file", path);
	assert_string_equal(cause, want);
	free(cause);
	assert_int_equal(theme_load(&t, "/dev/null", dirs, &cause), -1);
	assert_string_equal(cause, "/dev/null: not a regular file");
	free(cause);

	/* Files over 64 KiB are refused. */
	big = malloc(70000);
	assert_non_null(big);
	memset(big, '#', 70000);
	write_file(tmp->dir[0], "big.theme", big, 70000);
	free(big);
	assert_int_equal(theme_load(&t, "big", dirs, &cause), -1);
	fmt(want, sizeof want, "%s/big.theme: too large (70000 bytes, at "
	         "most 65536)", tmp->dir[0]);
	assert_string_equal(cause, want);
	free(cause);
	write_theme(tmp->dir[0], "inherits-big", "inherit big\n");
	assert_int_equal(theme_load(&t, "inherits-big", dirs, &cause), 0);
	fmt(want, sizeof want, "%s/inherits-big.theme:1: inherit: %s/"
	         "big.theme: too large (70000 bytes, at most 65536)",
	         tmp->dir[0], tmp->dir[0]);
	expect_causes(&t, (const char *const[]){ want }, 1);
	theme_free(&t);
}

/* ---- the shipped themes ------------------------------------------------- */

/* Marks each element named by a color line of path; checks mono lines. */
static void scan_theme_file(const char *path, int seen[THEME__COUNT],
                            int mono)
{
	char line[1100], el[64];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		int e;

		if (sscanf(line, " color %63s", el) != 1)
			continue;
		e = theme_element_lookup(el);
		assert_true(e >= 0);
		seen[e] = 1;
		if (mono && strstr(line, "fg=default,bg=default") == NULL)
			fail_msg("%s: colour in a mono line: %s", path, line);
	}
	fclose(f);
}

static void test_shipped_themes(void **state)
{
	const char *dirs[] = { "themes", NULL };
	int seen[THEME__COUNT], i, files = 0;
	struct theme t, builtin;
	struct dirent *de;
	char path[512], *cause = NULL;
	DIR *d;

	(void)state;
	d = opendir("themes");
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 7 || strcmp(de->d_name + l - 6, ".theme") != 0)
			continue;
		fmt(path, sizeof path, "themes/%s", de->d_name);
		theme_init_default(&t);
		if (theme_load(&t, path, dirs, &cause) != 0)
			fail_msg("%s: %s", path, cause);
		if (t.ncauses != 0) {
			print_causes(&t);
			fail_msg("%s: %zu problems", path, t.ncauses);
		}
		assert_true(strlen(t.name) > 0);
		theme_free(&t);
		/* And by name. */
		fmt(path, sizeof path, "%.*s", (int)(l - 6), de->d_name);
		theme_init_default(&t);
		assert_int_equal(theme_load(&t, path, dirs, &cause), 0);
		assert_int_equal(t.ncauses, 0);
		theme_free(&t);
		files++;
	}
	closedir(d);
	assert_true(files >= 4);

	/* default.theme is the built-in default and names every element. */
	theme_init_default(&builtin);
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "default", dirs, &cause), 0);
	for (i = 0; i < THEME__COUNT; i++) {
		if (!style_eq(&t.styles[i], &builtin.styles[i]))
			fail_msg("default.theme and the built-in default differ "
			         "for %s", theme_element_name((enum theme_element)i));
	}
	assert_int_equal(t.mono, 0);
	theme_free(&t);
	memset(seen, 0, sizeof seen);
	scan_theme_file("themes/default.theme", seen, 0);
	for (i = 0; i < THEME__COUNT; i++) {
		if (!seen[i])
			fail_msg("default.theme lacks %s",
			         theme_element_name((enum theme_element)i));
	}

	/* mono.theme is the built-in mono theme: no colour anywhere. */
	theme_init_mono(&builtin);
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "mono", dirs, &cause), 0);
	assert_int_equal(t.mono, 1);
	for (i = 0; i < THEME__COUNT; i++) {
		assert_int_equal(t.styles[i].fg.kind, COLOUR_DEFAULT);
		assert_int_equal(t.styles[i].bg.kind, COLOUR_DEFAULT);
		if (!style_eq(&t.styles[i], &builtin.styles[i]))
			fail_msg("mono.theme and the built-in mono differ for %s",
			         theme_element_name((enum theme_element)i));
	}
	theme_free(&t);
	memset(seen, 0, sizeof seen);
	scan_theme_file("themes/mono.theme", seen, 1);
	for (i = 0; i < THEME__COUNT; i++)
		assert_true(seen[i]);

	/* light inherits default and changes it; high-contrast is loud. */
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "light", dirs, &cause), 0);
	assert_int_equal(t.ncauses, 0);
	assert_int_equal(t.mono, 0);
	assert_string_equal(t.name, "Light");
	theme_init_default(&builtin);
	assert_true(style_eq(&t.styles[THEME_HEADER], &builtin.styles[THEME_HEADER]));
	assert_false(style_eq(&t.styles[THEME_TRANSCRIPT_CLIENT],
	                      &builtin.styles[THEME_TRANSCRIPT_CLIENT]));
	theme_free(&t);
	theme_init_default(&t);
	assert_int_equal(theme_load(&t, "high-contrast", dirs, &cause), 0);
	assert_int_equal(t.ncauses, 0);
	assert_true(t.styles[THEME_VERDICT_FAIL].attrs & THEME_ATTR_BOLD);
	assert_int_not_equal(t.styles[THEME_VERDICT_FAIL].bg.kind, COLOUR_DEFAULT);
	assert_int_not_equal(t.styles[THEME_VERDICT_WARN].bg.kind, COLOUR_DEFAULT);
	theme_free(&t);
}

/* ---- nearest colour ----------------------------------------------------- */

static void test_nearest(void **state)
{
	int i, n;

	(void)state;
	assert_int_equal(theme_colour_nearest(255, 0, 0, 256), 196);
	assert_int_equal(theme_colour_nearest(255, 0, 0, 16), 9);
	assert_int_equal(theme_colour_nearest(255, 0, 0, 8), 1);
	assert_int_equal(theme_colour_nearest(250, 10, 5, 256), 196);
	assert_int_equal(theme_colour_nearest(0, 0, 0, 256), 16);
	assert_int_equal(theme_colour_nearest(255, 255, 255, 256), 231);
	assert_int_equal(theme_colour_nearest(0x87, 0xaf, 0xd7, 256), 110);
	assert_int_equal(theme_colour_nearest(0xff, 0x87, 0x00, 256), 208);

	/* Greys go to the grey ramp. */
	n = theme_colour_nearest(128, 128, 128, 256);
	assert_int_equal(n, 244);
	assert_int_equal(theme_colour_nearest(8, 8, 8, 256), 232);
	assert_int_equal(theme_colour_nearest(0x30, 0x30, 0x30, 256), 236);
	assert_int_equal(theme_colour_nearest(238, 238, 238, 256), 255);
	assert_int_equal(theme_colour_nearest(128, 128, 128, 16), 8);
	assert_int_equal(theme_colour_nearest(128, 128, 128, 8), 7);
	assert_int_equal(theme_colour_nearest(20, 20, 20, 8), 0);
	assert_int_equal(theme_colour_nearest(250, 250, 250, 16), 15);
	assert_int_equal(theme_colour_nearest(220, 220, 220, 8), 7);

	/* In 8 or 16 colours the hue is kept: xterm's own values map back. */
	for (i = 1; i < 7; i++) {
		static const uint8_t v[16][3] = {
			{ 0, 0, 0 }, { 0xcd, 0, 0 }, { 0, 0xcd, 0 },
			{ 0xcd, 0xcd, 0 }, { 0, 0, 0xee }, { 0xcd, 0, 0xcd },
			{ 0, 0xcd, 0xcd }, { 0xe5, 0xe5, 0xe5 }, { 0x7f, 0x7f, 0x7f },
			{ 0xff, 0, 0 }, { 0, 0xff, 0 }, { 0xff, 0xff, 0 },
			{ 0x5c, 0x5c, 0xff }, { 0xff, 0, 0xff }, { 0, 0xff, 0xff },
			{ 0xff, 0xff, 0xff },
		};

		assert_int_equal(theme_colour_nearest(v[i][0], v[i][1], v[i][2],
		                                      16), i);
		assert_int_equal(theme_colour_nearest(v[i][0], v[i][1], v[i][2],
		                                      8), i);
		assert_int_equal(theme_colour_nearest(v[i + 8][0], v[i + 8][1],
		                                      v[i + 8][2], 16), i + 8);
		assert_int_equal(theme_colour_nearest(v[i + 8][0], v[i + 8][1],
		                                      v[i + 8][2], 8), i);
	}
	assert_int_equal(theme_colour_nearest(0x80, 0, 0, 16), 1);      /* maroon */
	assert_int_equal(theme_colour_nearest(0, 0x80, 0x80, 8), 6);    /* teal */
	assert_int_equal(theme_colour_nearest(0xff, 0x80, 0x80, 16), 9); /* pink */
	assert_int_equal(theme_colour_nearest(0xff, 0x87, 0, 8), 3);    /* orange */

	/* Other counts round down to what the terminal surely has. */
	assert_int_equal(theme_colour_nearest(255, 0, 0, 88), 9);
	assert_int_equal(theme_colour_nearest(255, 0, 0, 0), 1);
	assert_int_equal(theme_colour_nearest(255, 0, 0, 16777216), 196);

	for (i = 0; i < 4096; i++) {
		uint8_t r = (uint8_t)(i * 37), g = (uint8_t)(i * 91),
		        b = (uint8_t)(i * 13);

		n = theme_colour_nearest(r, g, b, 256);
		assert_true(n >= 16 && n <= 255);
		assert_in_range(theme_colour_nearest(r, g, b, 16), 0, 15);
		assert_in_range(theme_colour_nearest(r, g, b, 8), 0, 7);
	}
}

/* colourN on a terminal with fewer colours: the index's own RGB (system
 * colour, cube or grey ramp) brought to the nearest the terminal has. */
static void test_colour_index(void **state)
{
	uint8_t r, g, b;
	int i;

	(void)state;
	theme_colour_index_rgb(196, &r, &g, &b);
	assert_true(r == 0xff && g == 0 && b == 0);
	theme_colour_index_rgb(16, &r, &g, &b);
	assert_true(r == 0 && g == 0 && b == 0);
	theme_colour_index_rgb(110, &r, &g, &b);        /* 16 + 36*2 + 6*3 + 4 */
	assert_true(r == 0x87 && g == 0xaf && b == 0xd7);
	theme_colour_index_rgb(244, &r, &g, &b);
	assert_true(r == 128 && g == 128 && b == 128);
	theme_colour_index_rgb(9, &r, &g, &b);
	assert_true(r == 0xff && g == 0 && b == 0);

	/* The cube's pure red: bright red on 16 colours, red on 8. */
	assert_int_equal(theme_colour_index_nearest(196, 16), 9);
	assert_int_equal(theme_colour_index_nearest(196, 8), 1);
	assert_int_equal(theme_colour_index_nearest(196, 256), 196);
	/* The cube's black and white. */
	assert_int_equal(theme_colour_index_nearest(16, 16), 0);
	assert_int_equal(theme_colour_index_nearest(16, 8), 0);
	assert_int_equal(theme_colour_index_nearest(231, 16), 15);
	assert_int_equal(theme_colour_index_nearest(231, 8), 7);
	/* Mid grey of the ramp: a grey, never a hue. */
	assert_int_equal(theme_colour_index_nearest(244, 16), 8);
	assert_int_equal(theme_colour_index_nearest(244, 8), 7);
	assert_int_equal(theme_colour_index_nearest(232, 16), 0);
	assert_int_equal(theme_colour_index_nearest(255, 16), 7);     /* eeeeee: e5e5e5 */
	/* Hues of the cube keep their hue. */
	assert_int_equal(theme_colour_index_nearest(46, 16), 10);      /* 00ff00 */
	assert_int_equal(theme_colour_index_nearest(21, 8), 4);        /* 0000ff */
	assert_int_equal(theme_colour_index_nearest(208, 8), 3);       /* orange */
	assert_int_equal(theme_colour_index_nearest(51, 16), 14);      /* 00ffff */
	/* System colours stay; bright ones lose the bright on 8. */
	for (i = 0; i < 16; i++) {
		assert_int_equal(theme_colour_index_nearest(i, 16), i);
		assert_int_equal(theme_colour_index_nearest(i, 256), i);
		assert_int_equal(theme_colour_index_nearest(i, 8), i % 8);
	}
	/* Every index lands inside the palette asked for. */
	for (i = 0; i < 256; i++) {
		assert_in_range(theme_colour_index_nearest(i, 16), 0, 15);
		assert_in_range(theme_colour_index_nearest(i, 8), 0, 7);
		assert_int_equal(theme_colour_index_nearest(i, 256), i);
	}
	/* Out of range is clamped, never read out of a table. */
	assert_int_equal(theme_colour_index_nearest(-3, 16), 0);
	assert_int_equal(theme_colour_index_nearest(999, 16), theme_colour_index_nearest(255, 16));
}

/* ---- random input: a unit test; the fuzzing is in fuzz/ ---------------- */

static const char *const corpus[] = {
	"name \"Midnight\"",
	"inherit default",
	"inherit light",
	"color transcript.client fg=cyan",
	"colour reply.5xx fg=white,bg=red,bold",
	"color header fg=#102030,bg=colour208,underline,reverse # hi",
	"color verdict.fail fg=brightred,bold,none,italic",
	"# comment",
	"name Bare",
};

static unsigned random_next(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void check_sane(const struct theme *t)
{
	size_t i, k;

	assert_true(t->ncauses <= THEME_CAUSES_MAX);
	for (i = 0; i < t->ncauses; i++) {
		const unsigned char *c = (const unsigned char *)t->causes[i];

		assert_non_null(c);
		assert_true(strlen(t->causes[i]) < 640);
		for (k = 0; c[k] != '\0'; k++)
			assert_true(c[k] >= 0x20 && c[k] != 0x7f);
	}
	assert_true(memchr(t->name, '\0', sizeof t->name) != NULL);
	for (k = 0; t->name[k] != '\0'; k++)
		assert_true((unsigned char)t->name[k] >= 0x20 &&
		            t->name[k] != 0x7f);
	for (i = 0; i < THEME__COUNT; i++) {
		const struct theme_style *s = &t->styles[i];

		assert_true(s->fg.kind != COLOUR_INDEX ||
		            (s->fg.index >= 0 && s->fg.index <= 255));
		assert_true(s->bg.kind != COLOUR_INDEX ||
		            (s->bg.index >= 0 && s->bg.index <= 255));
		assert_true((s->attrs & ~0x3fu) == 0);
	}
}

static void test_random_input(void **state)
{
	static const char *const dirs[] = { "themes", NULL };
	unsigned seed = 0x7e4e;
	char buf[2048], spec[64], *cause;
	struct theme_style st;
	struct theme_colour c;
	struct theme t;
	int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		size_t len = 0, lines, l, k;

		if (iter % 2 == 0) {
			/* Random bytes, a bias towards newlines and the syntax. */
			static const char alphabet[] = "\n\r\t \",=#colrfgb";

			len = random_next(&seed) % 600;
			for (k = 0; k < len; k++) {
				unsigned r = random_next(&seed);

				buf[k] = (char)(r % 4 == 0
				                ? (unsigned char)alphabet[r / 4 % (sizeof alphabet - 1)]
				                : (r & 0xff));
			}
		} else {
			/* Theme lines, mutated. */
			lines = 1 + random_next(&seed) % 8;
			for (l = 0; l < lines; l++) {
				const char *src = corpus[random_next(&seed) %
				                         (sizeof corpus / sizeof corpus[0])];
				size_t sl = strlen(src);

				if (len + sl + 2 >= sizeof buf)
					break;
				memcpy(buf + len, src, sl);
				len += sl;
				buf[len++] = random_next(&seed) % 5 == 0 ? '\r' : '\n';
				if (random_next(&seed) % 3 == 0)
					buf[len++] = '\n';
			}
			for (k = random_next(&seed) % 6; k > 0 && len > 0; k--) {
				size_t at = random_next(&seed) % len;

				switch (random_next(&seed) % 3) {
				case 0: buf[at] = (char)random_next(&seed); break;
				case 1: buf[at] = (char)(buf[at] ^ (1 << (random_next(&seed) % 8))); break;
				default: memmove(buf + at, buf + at + 1, len - at - 1); len--; break;
				}
			}
		}
		theme_init_default(&t);
		theme_parse(&t, buf, len, "random", iter % 16 == 1 ? dirs : NULL);
		check_sane(&t);
		theme_free(&t);

		/* The string parsers on the same bytes, NUL-terminated. */
		l = len < sizeof spec - 1 ? len : sizeof spec - 1;
		memcpy(spec, buf, l);
		spec[l] = '\0';
		cause = NULL;
		if (theme_style_parse(spec, &st, &cause) != 0) {
			assert_non_null(cause);
			assert_true(strlen(cause) < 200);
			free(cause);
		} else {
			assert_null(cause);
		}
		if (theme_colour_parse(spec, &c) == 0)
			assert_true(c.kind != COLOUR_INDEX ||
			            (c.index >= 0 && c.index <= 255));
		(void)theme_colour_nearest((uint8_t)len, (uint8_t)iter,
		                           (uint8_t)l, iter % 300);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colour_parse),
		cmocka_unit_test(test_style_parse),
		cmocka_unit_test(test_element_lookup),
		cmocka_unit_test(test_builtin_themes),
		cmocka_unit_test(test_parse_good_and_bad_lines),
		cmocka_unit_test(test_parse_crlf_and_names),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test_setup_teardown(test_inherit, tmp_setup,
		                                tmp_teardown),
		cmocka_unit_test_setup_teardown(test_load, tmp_setup,
		                                tmp_teardown),
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_colour_index),
		cmocka_unit_test(test_random_input),
	};

	return cmocka_run_group_tests_name("theme", tests, NULL, NULL);
}
