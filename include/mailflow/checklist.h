/*
 * checklist — the model turned into verdicts, a pure function: each item
 * has a stable id (DESIGN.md "Checklist ids and verdicts"), a verdict, a
 * title, the evidence it rests on (transcript lines or DNS facts), what it
 * means and the next thing to try. Reports, the TUI and the tests all read
 * the same items.
 */
#ifndef MAILFLOW_CHECKLIST_H
#define MAILFLOW_CHECKLIST_H

#include <stddef.h>

#include "mailflow/model.h"

enum verdict { V_PASS, V_WARN, V_FAIL, V_INFO, V_SKIP, V_PENDING };

#define CHECK_EVIDENCE_MAX 8

struct check_item {
	const char *id;                 /* "dns.mx", "host.relay", ... */
	enum verdict verdict;
	char title[160];
	char explanation[768];
	char next[384];
	/* Where: domain items have host == -1; host items name the host
	 * and address (indices into the model). */
	long host, addr;
	/* Evidence: transcript lines (indices into the session's lines) ... */
	size_t line_from, line_to;
	/* ... and/or facts in words (DNS records, TLS facts). */
	char facts[CHECK_EVIDENCE_MAX][256];
	size_t nfacts;
	int code;                       /* the reply the verdict rests on */
	char enhanced[16];
};

struct checklist {
	struct check_item *items;
	size_t n;
};

/* Builds the checklist of d; 0, or -1 when out of memory. */
int checklist_build(const struct model_domain *d, struct checklist *out);
void checklist_free(struct checklist *c);

const char *verdict_name(enum verdict v);
/* Counts of each verdict, and the worst one (fail > warn > pending > ...). */
void checklist_count(const struct checklist *c, size_t counts[6]);
const struct check_item *checklist_find(const struct checklist *c,
                                        const char *id, long host, long addr);

#endif
