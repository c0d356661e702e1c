/*
 * report_explain — renderings of what --explain read (explain.h): text,
 * JSON and Markdown, and each recipient's state now when its domain was
 * probed (checklist_rcpt_now()). Every byte from the input passes
 * text_sanitize() (or the JSON string escaper) on its way out.
 */
#ifndef MAILFLOW_REPORT_EXPLAIN_H
#define MAILFLOW_REPORT_EXPLAIN_H

#include <stdio.h>

#include "mailflow/checklist.h"
#include "mailflow/explain.h"
#include "mailflow/model.h"

/* The explanation: what the input is, each recipient with what its reply
 * means, whether it is temporary or permanent, whose side acts and the
 * next step; the hops and the authentication of a message's headers. */
void report_explain_text(FILE *out, const struct explain *ex, int colour);
/* The recipients the run on d tested (their address is d's target), each
 * with what the probe found now, as text: "Now: ...". */
void report_explain_now_text(FILE *out, const struct explain *ex,
                             const struct model_domain *d, const struct checklist *c);
/* The "explain" object (README "JSON"); d and c NULL: nothing probed. */
void report_explain_json(FILE *out, const struct explain *ex,
                         const struct model_domain *d, const struct checklist *c);
/* A document of its own, {"schema":1,...,"explain":{...}}, for --no-probe
 * or when nothing could be probed. */
void report_explain_json_document(FILE *out, const struct explain *ex, const char *input);
/* The explanation for a ticket; d and c as for report_explain_json(). */
void report_explain_markdown(FILE *out, const struct explain *ex,
                             const struct model_domain *d, const struct checklist *c);

/* The address r is probed as: d's target is that recipient. */
int report_explain_rcpt_is(const struct explain_rcpt *r, const struct model_domain *d);

#endif
