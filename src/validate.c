/*
 * validate.c — user values for the wire, checked against RFC 5321's
 * grammar (see include/mailflow/validate.h).
 */
#include "mailflow/validate.h"

#include <arpa/inet.h>
#include <string.h>

#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#define SHOWN 96        /* a value shown in a message: enough to recognise */

/* RFC 5321 atext (RFC 5322 §3.2.3). */
static int is_atext(int c)
{
	return text_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

int validate_no_controls(const char *s, char **cause)
{
	const unsigned char *p = (const unsigned char *)s;
	char shown[SHOWN];
	size_t i;

	for (i = 0; p[i] != '\0'; i++) {
		/* C0, DEL, a raw C1 byte, and C1 as UTF-8 (C2 80..C2 9F). */
		if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && p[i] <= 0x9f) ||
		    (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f))
			return cause_set(cause, "\"%s\" contains a control character (CR, LF, "
			                 "ESC...); refused", text_show(s, shown, sizeof shown));
	}
	return 0;
}

/* One sub-domain s[0..n): Let-dig [Ldh-str]. */
static int check_label(const char *s, size_t n, const char *all, char **cause)
{
	char shown[SHOWN];
	size_t i;

	if (n == 0)
		return cause_set(cause, "\"%s\" has an empty label (two dots in a row, or a "
		                 "dot at an end)", text_show(all, shown, sizeof shown));
	if (n > 63)
		return cause_set(cause, "\"%s\" has a label of %zu characters; at most 63",
		                 text_show(all, shown, sizeof shown), n);
	for (i = 0; i < n; i++) {
		if (!text_ascii_isalnum((unsigned char)s[i]) && s[i] != '-')
			return cause_set(cause, "\"%s\" is not a domain name: only letters, "
			                 "digits, hyphens and dots",
			                 text_show(all, shown, sizeof shown));
	}
	if (s[0] == '-' || s[n - 1] == '-')
		return cause_set(cause, "\"%s\" has a label that starts or ends with a hyphen",
		                 text_show(all, shown, sizeof shown));
	return 0;
}

int validate_domain(const char *s, char **cause)
{
	size_t len = strlen(s);
	const char *p = s, *dot;
	char shown[SHOWN];

	if (validate_no_controls(s, cause) < 0)
		return -1;
	if (len == 0)
		return cause_set(cause, "the domain is empty");
	if (len > VALIDATE_DOMAIN_MAX)
		return cause_set(cause, "\"%s\" is %zu characters long; a domain has at most %d",
		                 text_show(s, shown, sizeof shown), len, VALIDATE_DOMAIN_MAX);
	for (;;) {
		dot = strchr(p, '.');
		if (check_label(p, dot != NULL ? (size_t)(dot - p) : strlen(p), s, cause) < 0)
			return -1;
		if (dot == NULL)
			return 0;
		p = dot + 1;
	}
}

int validate_address_literal(const char *s, char **cause)
{
	size_t len = strlen(s);
	char addr[64], shown[SHOWN];
	unsigned char bin[16];

	if (validate_no_controls(s, cause) < 0)
		return -1;
	if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 >= sizeof addr)
		goto bad;
	memcpy(addr, s + 1, len - 2);
	addr[len - 2] = '\0';
	if (strncmp(addr, "IPv6:", 5) == 0 && inet_pton(AF_INET6, addr + 5, bin) == 1)
		return 0;
	if (inet_pton(AF_INET, addr, bin) == 1)
		return 0;
bad:
	return cause_set(cause, "\"%s\" is not an address literal ([192.0.2.1] or "
	                 "[IPv6:2001:db8::1])", text_show(s, shown, sizeof shown));
}

/* Quoted-string s[0..n), the quotes included: qtextSMTP / quoted-pairSMTP. */
static int quoted_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return 0;
	for (i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' && i + 1 < n - 1 && s[i + 1] >= 32 && s[i + 1] <= 126)
			i++;
		else if (c < 32 || c > 126 || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* Dot-string s[0..n): Atom *("." Atom). */
static int dotted_ok(const char *s, size_t n)
{
	size_t i, atom = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (atom == 0)
				return 0;
			atom = 0;
		} else if (is_atext((unsigned char)s[i])) {
			atom++;
		} else {
			return 0;
		}
	}
	return atom > 0;
}

int validate_mailbox(const char *s, char **cause)
{
	const char *at = strrchr(s, '@');
	size_t len = strlen(s), local;
	char shown[SHOWN];

	if (validate_no_controls(s, cause) < 0)
		return -1;
	if (len + 2 > VALIDATE_PATH_MAX)
		return cause_set(cause, "\"%s\" is %zu characters long; an address has at most %d",
		                 text_show(s, shown, sizeof shown), len, VALIDATE_PATH_MAX - 2);
	if (at == NULL)
		return cause_set(cause, "\"%s\" is not an address (local-part@domain)",
		                 text_show(s, shown, sizeof shown));
	local = (size_t)(at - s);
	if (local > VALIDATE_LOCAL_MAX)
		return cause_set(cause, "the local part of \"%s\" is %zu characters; at most %d",
		                 text_show(s, shown, sizeof shown), local, VALIDATE_LOCAL_MAX);
	if (!dotted_ok(s, local) && !quoted_ok(s, local))
		return cause_set(cause, "\"%s\" has a local part RFC 5321 does not allow "
		                 "(letters, digits, !#$%%&'*+-/=?^_`{|}~ and single dots, "
		                 "or a quoted string)", text_show(s, shown, sizeof shown));
	if (at[1] == '[')
		return validate_address_literal(at + 1, cause);
	return validate_domain(at + 1, cause);
}

int validate_helo(const char *s, char **cause)
{
	if (s[0] == '[')
		return validate_address_literal(s, cause);
	return validate_domain(s, cause);
}

int validate_server(const char *s, char **cause)
{
	unsigned char bin[16];
	char name[VALIDATE_DOMAIN_MAX + 2];
	size_t len = strlen(s);

	if (validate_no_controls(s, cause) < 0)
		return -1;
	if (inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1)
		return 0;
	/* An absolute name ("mx.example.com.") is a host name too. */
	if (len > 1 && len <= VALIDATE_DOMAIN_MAX + 1 && s[len - 1] == '.') {
		memcpy(name, s, len - 1);
		name[len - 1] = '\0';
		return validate_domain(name, cause);
	}
	return validate_domain(s, cause);
}
