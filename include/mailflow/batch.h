/*
 * batch — many domains without the TUI: the scheduler behind a list of
 * inputs (arguments, -f FILE) and --batch/--json/--jsonl/--report. Each
 * valid input becomes one probe; at most `concurrency` probes run at once
 * and their SMTP sessions share one limiter of as many; each domain is
 * printed (by the report module) as soon as it has ended.
 *
 * Call protocol: batch_new(); batch_add_input(), batch_read_file() or
 * batch_add_server() for every input; batch_run() once; batch_free(). An
 * invalid input is kept with its reason: batch_print_invalid() says it,
 * batch_run() counts it (exit status 1) and, in JSON Lines, writes an
 * object for it.
 */
#ifndef MAILFLOW_BATCH_H
#define MAILFLOW_BATCH_H

#include <stddef.h>
#include <stdio.h>

#include "mailflow/probe.h"
#include "mailflow/target.h"

struct batch;
struct loop;

enum batch_format {
	BATCH_TEXT,     /* the text report (the DNS plan only with smtp 0) */
	BATCH_JSON,     /* one JSON document; several domains: an array */
	BATCH_JSONL,    /* one JSON document a line, invalid inputs too */
	BATCH_METRICS,  /* --metrics: one Prometheus exposition at the end */
	BATCH_NAGIOS,   /* --nagios: one plugin status line at the end; exit
	                   statuses in the Nagios convention */
};

struct batch_options {
	const struct probe_options *probe;      /* every input's run */
	enum batch_format format;
	int transcripts;        /* text report: include the transcripts */
	int colour;             /* text report: ANSI colours */
	const char *report;     /* also Markdown (or HTML: *.html) into this
	                           file; NULL: none */
	size_t concurrency;     /* domains, and SMTP sessions, at once */
	int progress;           /* a "n/m done" line on log while running */
	FILE *out;              /* the documents */
	FILE *log;              /* messages, progress and the final count */
	const struct explain *explain;  /* --explain: in every document; NULL: none */
};

struct batch *batch_new(void);
void batch_free(struct batch *b);

/* A domain or address; where names it in messages ("argument 2"). */
void batch_add_input(struct batch *b, const char *input, const char *where);
/* One domain or address a line, # comments; "-" is stdin. A line that is
 * too long is an invalid input. -1 with *cause set when the file cannot
 * be read. */
int batch_read_file(struct batch *b, const char *path, char **cause);
/* -s HOST with no input: the host itself is the target, or the address
 * literal [HOST] when it is not a domain name. */
void batch_add_server(struct batch *b, const char *host);

/*
 * --explain: the inputs a bounce gives. Each failed (or delayed) recipient
 * with a domain, one per domain (at most DEFAULT_EXPLAIN_PROBES_MAX): RCPT
 * TO it at the domain's MX hosts. With remote, also the host the bounce
 * names for it (Remote-MTA, "host X[ip] said:"), probed alone with RCPT TO
 * the same recipient after every domain, and only if the domain's run
 * found it is not one of its MX hosts now (or found no MX hosts): a
 * follow-up that is not wanted is neither run, printed nor counted.
 * Returns how many domains.
 */
struct explain;
size_t batch_add_explained(struct batch *b, const struct explain *ex, int remote);

size_t batch_count(const struct batch *b);
/* Input i's target and text; NULL when i is invalid or out of range. */
const struct target *batch_target(const struct batch *b, size_t i, const char **input);
/* "mailflow: [where: ]reason" on log for each invalid input (where when
 * there are several inputs or a list file); returns how many. */
size_t batch_print_invalid(const struct batch *b, FILE *log);

/*
 * Runs every input on loop and prints each domain as it ends. Returns the
 * exit status of the whole list (README "Exit status": the worst of its
 * domains, 1 for an invalid input, 2 when the Markdown report could not
 * be written), or -1 with *cause set when nothing could be run.
 */
int batch_run(struct batch *b, struct loop *loop, const struct batch_options *o,
              char **cause);

#endif
