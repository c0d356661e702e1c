/*
 * psl.c — the Public Suffix List algorithm (publicsuffix.org/list/):
 * rules are exact names, "*." wildcards and "!" exceptions; the longest
 * matching rule wins, an exception beats all, no match means "*".
 */
#include "mailflow/psl.h"
#include "mailflow/defaults.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* More than the list has (about 10,000 rules) with room to grow. */
#define PSL_RULES_MAX   50000
#define PSL_LINE_MAX    256

static char **rules;
static size_t nrules;
static int loaded;

static int rule_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static void psl_clear(void)
{
	size_t i;

	for (i = 0; i < nrules; i++)
		free(rules[i]);
	free(rules);
	rules = NULL;
	nrules = 0;
	loaded = 0;
}

int psl_load(const char *path, char **cause)
{
	char line[PSL_LINE_MAX];
	FILE *f;
	size_t cap = 0;

	psl_clear();
	if (path == NULL)
		path = DEFAULT_PSL_FILE;
	if ((f = fopen(path, "r")) == NULL) {
		loaded = -1;
		return cause_set(cause, "cannot read the public suffix list %s "
		                 "(Debian: apt-get install publicsuffix)", path);
	}
	while (fgets(line, sizeof line, f) != NULL && nrules < PSL_RULES_MAX) {
		/* A rule is the line's first word; comments start with "//". */
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0' || (line[0] == '/' && line[1] == '/'))
			continue;
		if (nrules == cap) {
			cap = cap ? cap * 2 : 4096;
			rules = xreallocarray(rules, cap, sizeof *rules);
		}
		rules[nrules++] = xstrdup(line);
	}
	fclose(f);
	if (rules != NULL)
		qsort(rules, nrules, sizeof *rules, rule_cmp);
	loaded = 1;
	return 0;
}

static int has_rule(const char *r)
{
	if (rules == NULL)
		return 0;
	return bsearch(&r, rules, nrules, sizeof *rules, rule_cmp) != NULL;
}

/* How many labels of name the public suffix has. */
static size_t suffix_labels(const char *name)
{
	const char *labels[128];
	size_t n = 0, i, best = 1;
	const char *p = name;
	char buf[PSL_LINE_MAX];

	labels[n++] = p;
	while ((p = strchr(p, '.')) != NULL && n < 128)
		labels[n++] = ++p;
	/* labels[i] is the suffix of n - i labels. */
	for (i = 0; i < n; i++) {
		size_t len = n - i;

		snprintf(buf, sizeof buf, "!%s", labels[i]);
		if (has_rule(buf))
			return len - 1;
		if (has_rule(labels[i]) && len > best)
			best = len;
		if (i + 1 < n) {
			snprintf(buf, sizeof buf, "*.%s", labels[i + 1]);
			if (has_rule(buf) && len > best)
				best = len;
		}
	}
	return best;
}

int psl_org_domain(const char *name, char *out, size_t size, char **cause)
{
	size_t labels = 1, want, skip;
	const char *p;
	int rc = 0;

	if (!loaded)
		psl_load(NULL, NULL);
	for (p = name; *p != '\0'; p++)
		if (*p == '.')
			labels++;
	if (loaded == 1) {
		want = suffix_labels(name) + 1;
	} else {
		want = 2;
		rc = cause_set(cause, "cannot read the public suffix list %s", DEFAULT_PSL_FILE);
	}
	p = name;
	for (skip = labels > want ? labels - want : 0; skip > 0; skip--)
		p = strchr(p, '.') + 1;
	snprintf(out, size, "%s", p);
	return rc;
}
