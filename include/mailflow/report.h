/*
 * report — renderings of a run for people and scripts. Every byte that
 * came from the network passes text_sanitize() on its way out.
 */
#ifndef MAILFLOW_REPORT_H
#define MAILFLOW_REPORT_H

#include <stdio.h>

#include "mailflow/model.h"

/* The DNS plan as text: MX hosts, addresses, reverse DNS, TLSA, the
 * policy records and the findings. */
void report_plan_text(FILE *out, const struct model_domain *d);
/* One SMTP session: its steps, TLS facts and the whole transcript. */
void report_session_text(FILE *out, const struct model_session *s);

#endif
