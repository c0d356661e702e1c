/*
 * target — what the user typed, checked and made ready for DNS.
 *
 * Accepts "domain", "user@domain" and internationalised names (converted
 * to their A-label form with libidn2, IDNA 2008 with UTS #46 mapping). A
 * name that cannot be a mail domain is refused here, with the reason,
 * before any query is sent: empty label, label over 63 octets, name over
 * 253, characters other than letters, digits and hyphens, a label that
 * starts or ends with a hyphen, an all-numeric top label.
 */
#ifndef MAILFLOW_TARGET_H
#define MAILFLOW_TARGET_H

#include "mailflow/dns.h"

#define TARGET_LOCAL_MAX 65     /* RFC 5321 §4.5.3.1.1: 64 octets */

struct target {
	char local[TARGET_LOCAL_MAX];   /* "" when only a domain was given */
	char domain[DNS_NAME_MAX];      /* A-label form, lower case, no dot */
	char unicode[DNS_NAME_MAX * 4]; /* as typed, for display */
	int is_idn;                     /* the domain had non-ASCII labels */
};

/* 0, or -1 with *cause set (the caller frees it). */
int target_parse(const char *input, struct target *target, char **cause);
/* Checks an ASCII host name as DNS and SMTP want it; 0 or -1 + cause. */
int target_check_hostname(const char *name, char **cause);

#endif
