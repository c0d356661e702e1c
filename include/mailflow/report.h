/*
 * report — renderings of a run for people and scripts. Every byte that
 * came from the network passes text_sanitize() on its way out.
 */
#ifndef MAILFLOW_REPORT_H
#define MAILFLOW_REPORT_H

#include <stdio.h>

#include "mailflow/checklist.h"
#include "mailflow/explain.h"
#include "mailflow/probe.h"
#include "mailflow/model.h"

/* The DNS plan as text: MX hosts, addresses, reverse DNS, TLSA, the
 * policy records and the findings. */
void report_plan_text(FILE *out, const struct model_domain *d);
/* One SMTP session: its steps, TLS facts and the whole transcript. */
void report_session_text(FILE *out, const struct model_session *s);
/* A session's DANE evidence in one line ("match: TLSA 3 1 1, record 1,
 * depth 0; 1 usable, 0 unusable"), "" when DANE was not in play; and
 * the JSON name of its state ("none", "waiting", "match", "no-match",
 * "only-unusable", "no-handshake"). */
const char *report_dane_words(const struct model_dane *d, char *buf, size_t size);
const char *report_dane_state_name(enum model_dane_state st);

/* How a batch run is shown. */
struct report_options {
	int colour;                     /* ANSI colours (a terminal, no NO_COLOR) */
	int transcripts;                /* include the transcripts */
	const char *input;              /* what the user typed */
	int exit_status;                /* for the JSON document */
	const struct probe_options *options;    /* shown in JSON; may be NULL */
	const struct explain *explain;  /* --explain: what was read; NULL: none */
	int many;                       /* one of several domains (--nagios) */
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
/*
 * --metrics (report_metrics.c): the Prometheus text exposition format
 * (0.0.4) for node_exporter's textfile collector. Every domain of a list
 * is added, then the whole is written once, each metric family together.
 */
struct report_metrics;
struct report_metrics *report_metrics_new(void);
void report_metrics_add(struct report_metrics *m, const struct model_domain *d,
                        const struct checklist *c, const struct report_options *o);
void report_metrics_write(const struct report_metrics *m, FILE *out);
void report_metrics_free(struct report_metrics *m);

/*
 * --nagios (report_metrics.c): the monitoring-plugins output, one status
 * line "MAILFLOW CRITICAL - <the domain's sentence> | perfdata" (and one
 * line a domain after it for a list). o->exit_status is the domain's
 * status in the Nagios convention (checklist_exit_status_as); write gets
 * the list's.
 */
struct report_nagios;
struct report_nagios *report_nagios_new(void);
void report_nagios_add(struct report_nagios *n, const struct model_domain *d,
                       const struct checklist *c, const struct report_options *o);
void report_nagios_invalid(struct report_nagios *n, const char *input, const char *error);
void report_nagios_write(const struct report_nagios *n, FILE *out, int status);
void report_nagios_free(struct report_nagios *n);

/*
 * A report file (report_file.c), written whole or not at all: open makes a
 * 0600 temporary file beside path after checking that path is no directory
 * and its directory is writable (-1 with *cause set: say it before any
 * probing); the report is written to rf->f; commit renames it over path
 * (an existing report is replaced atomically); abort removes it.
 */
struct report_file {
	FILE *f;
	char *path, *tmp;
};
int report_file_open(struct report_file *rf, const char *path, char **cause);
int report_file_commit(struct report_file *rf, char **cause);
void report_file_abort(struct report_file *rf);
/* The report at path is HTML (".html", ".htm"), else Markdown. */
int report_path_is_html(const char *path);

/*
 * The run as one self-contained HTML page (report_html.c): inline CSS, no
 * script, nothing fetched; the domain's sentence, the hosts table with the
 * verdicts' colours, a timing picture (inline SVG: one bar per address
 * with its steps on a common time axis), each failing and warning item
 * with why, next and evidence, the transcripts. begin once, one domain
 * per domain of the run, end once.
 */
void report_html_begin(FILE *out, const char *title);
void report_html_domain(FILE *out, const struct model_domain *d,
                        const struct checklist *c, const struct report_options *o);
void report_html_end(FILE *out);
/* A page of one domain: begin, domain, end. */
void report_html(FILE *out, const struct model_domain *d, const struct checklist *c,
                 const struct report_options *o);

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
