/*
 * target.c — the user's input → a checked A-label domain (and local part).
 */
#include "mailflow/target.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <idn2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Copies s for a message made safe (text_sanitize(): controls, C1, ESC,
 * invalid UTF-8 and bidi characters escaped): what the user typed may hold
 * anything, and it is echoed to a terminal. */
static void show(const char *s, char *out, size_t outsz)
{
	text_show(s, out, outsz);
}

int target_check_hostname(const char *name, char **cause)
{
	size_t len = strlen(name), label = 0, i;
	const char *start = name;
	int all_digits = 1;
	char safe[512];

	show(name, safe, sizeof safe);

	if (len == 0)
		return cause_set(cause, "the name is empty");
	if (len > 253)
		return cause_set(cause, "the name is %zu characters long; "
		            "a DNS name has at most 253", len);
	for (i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				return cause_set(cause, "\"%s\" has an empty label "
				            "(two dots in a row, or a dot at the start)", safe);
			if (label > 63)
				return cause_set(cause, "label \"%.*s\" is %zu characters long; "
				            "a label has at most 63", (int)label, start, label);
			if (start[0] == '-' || start[label - 1] == '-')
				return cause_set(cause, "label \"%.*s\" starts or ends with a hyphen",
				            (int)label, start);
			if (c == '\0')
				break;
			start = name + i + 1;
			label = 0;
			all_digits = 1;
			continue;
		}
		if (!text_ascii_isalnum((unsigned char)c) && c != '-') {
			char shown[64];
			char one[2] = { c, '\0' };

			show(one, shown, sizeof shown);
			return cause_set(cause, "\"%s\" contains '%s': a host name has only "
			            "letters, digits, hyphens and dots", safe, shown);
		}
		if (!text_ascii_isdigit((unsigned char)c))
			all_digits = 0;
		label++;
	}
	if (all_digits)
		return cause_set(cause, "\"%s\" ends in an all-numeric label: that is an "
		            "IP address or a typo, not a domain", safe);
	return 0;
}

/* The local part input[0..llen) of "user@domain", unquoted only. */
static int target_local(const char *input, size_t llen, const char *shown,
                        struct target *t, char **cause)
{
	size_t i;

	if (llen == 0)
		return cause_set(cause, "\"%s\" has nothing before the @", shown);
	if (llen >= TARGET_LOCAL_MAX)
		return cause_set(cause, "the local part of \"%s\" is %zu characters; "
		            "at most 64 are allowed", shown, llen);
	for (i = 0; i < llen; i++)
		if (strchr("<>()[]\\,;:\"", input[i]) != NULL)
			return cause_set(cause, "the local part of \"%s\" contains '%c', "
			            "which needs quoting; give the plain address", shown,
			            input[i]);
	memcpy(t->local, input, llen);
	t->local[llen] = '\0';
	return 0;
}

int target_parse(const char *input, struct target *t, char **cause)
{
	char shown[512], work[DNS_NAME_MAX * 4];
	const char *at, *domain;
	char *ascii = NULL;
	size_t n, i;
	int rc;

	memset(t, 0, sizeof *t);
	show(input, shown, sizeof shown);
	n = strlen(input);
	if (n == 0)
		return cause_set(cause, "no domain or address given");
	if (n >= sizeof work)
		return cause_set(cause, "the input is %zu bytes long; too long for a "
		            "domain or an address", n);
	for (i = 0; i < n; i++)
		if ((unsigned char)input[i] < 0x20 || input[i] == 0x7f || input[i] == ' ')
			return cause_set(cause, "\"%s\" contains a space or a control character",
			            shown);

	at = strrchr(input, '@');
	if (at != NULL && target_local(input, (size_t)(at - input), shown, t, cause) < 0)
		return -1;
	domain = at != NULL ? at + 1 : input;
	if (*domain == '[')
		return cause_set(cause, "\"%s\" is an address literal; give a domain, or "
		            "use -s HOST to test one server", shown);

	snprintf(work, sizeof work, "%s", domain);
	n = strlen(work);
	if (n > 0 && work[n - 1] == '.')        /* an absolute name is fine */
		work[--n] = '\0';
	if (n == 0)
		return cause_set(cause, "\"%s\" has no domain", shown);
	snprintf(t->unicode, sizeof t->unicode, "%s", work);

	for (i = 0; i < n; i++)
		if ((unsigned char)work[i] >= 0x80)
			t->is_idn = 1;
	if (t->is_idn) {
		rc = idn2_to_ascii_8z(work, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			show(work, shown, sizeof shown);
			return cause_set(cause, "\"%s\" is not a valid internationalised "
			            "domain name: %s", shown, idn2_strerror(rc));
		}
		snprintf(work, sizeof work, "%s", ascii);
		idn2_free(ascii);
	}
	for (i = 0; work[i] != '\0'; i++)
		work[i] = (char)text_ascii_lower((unsigned char)work[i]);
	if (target_check_hostname(work, cause) < 0)
		return -1;
	if (strchr(work, '.') == NULL)
		return cause_set(cause, "\"%s\" has no dot: give the full domain "
		            "(e.g. example.com)", work);
	/* target_check_hostname() bounded it to 253 characters. */
	n = strlen(work);
	memcpy(t->domain, work, n + 1);
	return 0;
}
