/*
 * summary — the run in words a helpdesk reads first: each host's verdict
 * (the worst of its checklist items, so the two never disagree) with a few
 * words on what it does with mail, and one sentence for the domain. The
 * TUI and every report print these; none writes its own.
 */
#ifndef MAILFLOW_SUMMARY_H
#define MAILFLOW_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "mailflow/checklist.h"
#include "mailflow/model.h"

/* What one address of an MX host does with mail, from its session. */
enum summary_outcome {
	OUTCOME_NOT_PROBED,     /* no session: not probed, or no address */
	OUTCOME_RUNNING,
	OUTCOME_ACCEPTS,        /* RCPT accepted (or the message queued) */
	OUTCOME_ANSWERS,        /* greeted, stopped before RCPT on purpose */
	OUTCOME_REFUSES,        /* a 4xx/5xx reply ended the routine */
	OUTCOME_UNREACHABLE,    /* no connection, no greeting, no reply */
	OUTCOME_OPEN_RELAY,     /* accepts mail for anywhere */
};

struct summary_host {
	enum verdict verdict;           /* worst of the address's items */
	enum summary_outcome outcome;
	bool temporary;                 /* REFUSES with a 4xx: retry later */
	char words[160];                /* "accepts it with valid TLS" */
};

/* The verdict and words of address ai of host hi. */
void summary_host(const struct model_domain *d, const struct checklist *c,
                  long hi, long ai, struct summary_host *out);

/* The domain's sentence: "Mail to multi.lab.test can be delivered: mx1
 * (preferred) accepts it with valid TLS. mx3 refuses connections; ...".
 * Returns buf. */
const char *summary_domain_text(const struct model_domain *d,
                                const struct checklist *c,
                                char *buf, size_t size);

/* --sender's sentence: "Mail from example.com sent from 192.0.2.10: SPF
 * pass, DMARC p=reject with reports to example.com; a receiver would
 * accept it if DKIM also signs." "" without --sender. Returns buf. */
const char *summary_sender_text(const struct model_domain *d, const struct checklist *c,
                                char *buf, size_t size);

#endif
