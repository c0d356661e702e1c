/*
 * report — renderings of a run for people and scripts. Every byte that
 * came from the network passes text_sanitize() on its way out.
 */
#ifndef MAILFLOW_REPORT_H
#define MAILFLOW_REPORT_H

#include <stdio.h>

#include "mailflow/checklist.h"
#include "mailflow/probe.h"
#include "mailflow/model.h"

/* The DNS plan as text: MX hosts, addresses, reverse DNS, TLSA, the
 * policy records and the findings. */
void report_plan_text(FILE *out, const struct model_domain *d);
/* One SMTP session: its steps, TLS facts and the whole transcript. */
void report_session_text(FILE *out, const struct model_session *s);

/* How a batch run is shown. */
struct report_options {
	int colour;                     /* ANSI colours (a terminal, no NO_COLOR) */
	int transcripts;                /* include the transcripts */
	const char *input;              /* what the user typed */
	int exit_status;                /* for the JSON document */
	const struct probe_options *options;    /* shown in JSON; may be NULL */
};

/* The checklist, a per-host summary and the transcripts, as text. */
void report_batch_text(FILE *out, const struct model_domain *d,
                       const struct checklist *c, const struct report_options *o);
/* The same run as one JSON document ("schema": 1); valid JSON whatever
 * bytes the servers sent. */
void report_json(FILE *out, const struct model_domain *d,
                 const struct checklist *c, const struct report_options *o);
/* The same run as Markdown for a ticket: verdict summary first, then the
 * hosts table, the failing and warning items with explanation and next
 * step, then the transcripts in code blocks (report_md.c). */
void report_markdown(FILE *out, const struct model_domain *d,
                     const struct checklist *c, const struct report_options *o);
/* A JSON string literal of any bytes: escapes, and U+FFFD for invalid
 * UTF-8. */
void report_json_string(FILE *out, const char *s, size_t len);
/* An input of a list that could not be run, as a JSON Lines object of its
 * own: {"schema":1,"input":...,"where":...,"error":...,"exit":N}. */
void report_json_invalid(FILE *out, const char *input, const char *where,
                         const char *error, int exit_status);
/* Several documents as one JSON array: call item before each document
 * (index from 0), end after the last (an empty array when count is 0). */
void report_json_array_item(FILE *out, size_t index);
void report_json_array_end(FILE *out, size_t count);

/* --sender's facts (report_sender.c); nothing when it was not asked. The
 * text section, a ,"sender":{...} member for the JSON document, and the
 * Markdown section. */
void report_sender_text(FILE *out, const struct model_domain *d, const struct checklist *c);
void report_sender_json(FILE *out, const struct model_domain *d, const struct checklist *c);
void report_sender_markdown(FILE *out, const struct model_domain *d,
                            const struct checklist *c);

#endif
