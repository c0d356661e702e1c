/*
 * batch.c — many domains: the scheduler (see include/mailflow/batch.h).
 *
 * Inputs are jobs in one array, started in order while fewer than
 * `concurrency` run. A probe says it has ended from its own callback,
 * where it cannot be freed, so the end is handled by a zero-delay timer
 * (the reaper) that prints each ended job, frees its probe and starts the
 * next ones. The exit status of a domain is checklist_exit_status()'s;
 * the list's is decided in batch_status() alone.
 */
#include "mailflow/batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailflow/checklist.h"
#include "mailflow/debug.h"
#include "mailflow/defaults.h"
#include "mailflow/explain.h"
#include "mailflow/loop.h"
#include "mailflow/report.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#define LINE_MAX_BYTES 2048
#define LIST_MAX_BYTES (64 << 20)       /* a whole -f list */

enum job_state {
	JOB_WAITING,    /* not started yet */
	JOB_RUNNING,    /* its probe is running */
	JOB_ENDED,      /* the probe said it ended; the reaper prints it */
	JOB_DONE,       /* printed (or invalid, or could not start) */
};

struct job {
	struct batch *batch;
	char *input;            /* as typed */
	char *where;            /* "list.txt:12", "argument 2" */
	struct target target;
	char *error;            /* the input is invalid: why */
	struct probe *probe;
	enum job_state state;
	int status;             /* exit status, once JOB_DONE */
	/* --explain's follow-up: probe `server` alone, RCPT TO the input, once
	 * job `after` has ended and only if the host the bounce names (server,
	 * remote_ip) was not one of that domain's MX hosts. -1: none. */
	char *server;
	char *remote_ip;
	long after;
	int wanted;             /* the follow-up is to run */
	int decided;            /* wanted is known (its domain has ended) */
	int skipped;            /* it was not: neither printed nor counted */
};

struct batch {
	struct job *v;
	size_t n;
	int from_file;          /* an input came from a list file */
	/* While running. */
	struct loop *loop;
	const struct batch_options *o;
	struct probe_limiter *lim;
	/* One DNS channel and pacer for every domain in flight, and one
	 * DNSSEC validator (NULL: off, or each probe says why it is not). */
	struct dns_share *dns;
	struct dnssec *dnssec;
	size_t next, active, done, printed;
	FILE *md;               /* the --report file's stream (rf.f) */
	struct report_file rf;
	int html;               /* the --report file is HTML */
	struct report_metrics *metrics;
	struct report_nagios *nagios;
	int report_failed;
	int json_array;         /* --json: the documents are an array */
	struct loop_timer *reap;
};

struct batch *batch_new(void)
{
	return xcalloc(1, sizeof(struct batch));
}

void batch_free(struct batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		probe_free(b->v[i].probe);
		free(b->v[i].input);
		free(b->v[i].where);
		free(b->v[i].error);
		free(b->v[i].server);
		free(b->v[i].remote_ip);
	}
	free(b->v);
	free(b);
}

/* ---- inputs --------------------------------------------------------------- */

static struct job *job_add(struct batch *b, const char *input, const char *where)
{
	struct job *j;

	b->v = xreallocarray(b->v, b->n + 1, sizeof *b->v);
	j = &b->v[b->n++];
	memset(j, 0, sizeof *j);
	j->batch = b;
	j->after = -1;
	j->input = xstrdup(input);
	j->where = xstrdup(where);
	if (target_parse(input, &j->target, &j->error) < 0 && j->error == NULL)
		j->error = xstrdup("invalid");
	return j;
}

void batch_add_input(struct batch *b, const char *input, const char *where)
{
	job_add(b, input, where);
}

/* A follow-up of job `after` (see struct job). */
static void batch_add_remote(struct batch *b, const char *input, const char *host,
                             const char *ip, size_t after)
{
	struct job *j = job_add(b, input, "the host the bounce names");

	j->server = xstrdup(host);
	j->remote_ip = xstrdup(ip);
	j->after = (long)after;
}

size_t batch_add_explained(struct batch *b, const struct explain *ex, int remote)
{
	size_t i, k, n = 0, first = b->n;
	size_t domain_job[DEFAULT_EXPLAIN_PROBES_MAX];
	size_t of_rcpt[DEFAULT_EXPLAIN_PROBES_MAX];

	/* The failed (or delayed) recipients with a domain, one per domain. */
	for (i = 0; i < ex->nrcpts && n < DEFAULT_EXPLAIN_PROBES_MAX; i++) {
		const struct explain_rcpt *r = &ex->rcpts[i];
		const char *dom = explain_rcpt_domain(r);

		if (dom == NULL || r->permanence == EXPLAIN_PERM_NONE)
			continue;
		for (k = first; k < b->n; k++)
			if (strcasecmp(b->v[k].target.domain, dom) == 0)
				break;
		if (k < b->n)
			continue;
		domain_job[n] = b->n;
		of_rcpt[n] = i;
		batch_add_input(b, r->address, "the explained input");
		n++;
	}
	/* Then the hosts their bounces name, each alone, run only once the
	 * domain's own run says the host is not one of its MX hosts: after
	 * every domain, so that none waits behind a follow-up. */
	for (k = 0; remote && k < n; k++) {
		const struct explain_rcpt *r = &ex->rcpts[of_rcpt[k]];
		const char *host = explain_rcpt_remote_host(r);

		if (host != NULL && b->v[domain_job[k]].error == NULL)
			batch_add_remote(b, r->address, host, r->remote_ip, domain_job[k]);
	}
	return n;
}

void batch_add_server(struct batch *b, const char *host)
{
	struct job *j = job_add(b, host, "--server");

	if (j->error != NULL) {
		/* Not a domain name: an address literal, probed without DNS. */
		free(j->error);
		j->error = NULL;
		memset(&j->target, 0, sizeof j->target);
		snprintf(j->target.domain, sizeof j->target.domain, "[%.200s]", host);
	}
}


/* What list_line() read. */
enum list_read { LIST_EOF, LIST_LINE, LIST_LONG, LIST_NUL, LIST_TOO_BIG };

/*
 * One line of f into buf[0..size) without its newline. Not fgets(): a NUL
 * byte would end fgets()'s string early, so the line would look unfinished
 * and the next one be skipped in its place (and every line number after it
 * shifted). Bounded: a line longer than buf is read to its end and said to
 * be long; *total counts every byte, and past LIST_MAX_BYTES reading stops
 * (-f /dev/zero would otherwise never end).
 */
static enum list_read list_line(FILE *f, char *buf, size_t size, size_t *total)
{
	size_t n = 0;
	int ch, nul = 0, cut = 0;

	while ((ch = getc(f)) != EOF) {
		if (++*total > LIST_MAX_BYTES)
			return LIST_TOO_BIG;
		if (ch == '\n')
			break;
		if (ch == '\0')
			nul = 1;
		else if (n + 1 < size)
			buf[n++] = (char)ch;
		else
			cut = 1;
	}
	buf[n] = '\0';
	if (ch == EOF && n == 0 && !nul && !cut)
		return LIST_EOF;
	return cut ? LIST_LONG : nul ? LIST_NUL : LIST_LINE;
}

/* A line that cannot be an input: kept as an invalid one, with its place. */
static void list_invalid(struct batch *b, const char *what, const char *where, char *why)
{
	struct job *j = job_add(b, what, where);

	free(j->error);
	j->error = why;
}

int batch_read_file(struct batch *b, const char *path, char **cause)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[LINE_MAX_BYTES], where[300];
	int lineno = 0, rc = 0;
	enum list_read got;
	size_t total = 0;

	if (f == NULL) {
		*cause = xasprintf("-f %s: %s", path, strerror(errno));
		return -1;
	}
	b->from_file = 1;
	while ((got = list_line(f, line, sizeof line, &total)) != LIST_EOF) {
		if (got == LIST_TOO_BIG) {
			*cause = xasprintf("-f %s: more than %d MiB; a list is at most that "
			                   "(split it)", path, LIST_MAX_BYTES >> 20);
			rc = -1;
			break;
		}
		lineno++;
		snprintf(where, sizeof where, "%.280s:%d", path, lineno);
		if (got == LIST_LONG) {
			list_invalid(b, "(line too long)", where,
			             xasprintf("the line is longer than %d bytes", LINE_MAX_BYTES - 1));
			continue;
		}
		if (got == LIST_NUL) {
			list_invalid(b, "(line with a NUL byte)", where,
			             xstrdup("the line contains a NUL byte"));
			continue;
		}
		line[strcspn(line, "#")] = '\0';
		text_trim(line);
		if (line[0] != '\0')
			job_add(b, line, where);
	}
	if (rc == 0 && ferror(f)) {
		*cause = xasprintf("-f %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

size_t batch_count(const struct batch *b)
{
	return b->n;
}

const struct target *batch_target(const struct batch *b, size_t i, const char **input)
{
	if (i >= b->n || b->v[i].error != NULL)
		return NULL;
	if (input != NULL)
		*input = b->v[i].input;
	return &b->v[i].target;
}

size_t batch_print_invalid(const struct batch *b, FILE *log)
{
	int where = b->n > 1 || b->from_file;
	size_t i, bad = 0;

	for (i = 0; i < b->n; i++) {
		if (b->v[i].error == NULL)
			continue;
		fprintf(log, "mailflow: %s%s%s\n", where ? b->v[i].where : "", where ? ": " : "",
		        b->v[i].error);
		bad++;
	}
	return bad;
}

/* The exit-status convention of the run: the monitoring plugins' with --nagios. */
static enum exit_style batch_style(const struct batch *b)
{
	return b->o->format == BATCH_NAGIOS ? EXIT_STYLE_NAGIOS : EXIT_STYLE_MAILFLOW;
}

/* ---- running ---------------------------------------------------------------- */

static void batch_fill(struct batch *b);

/* The follow-ups of j run only when the host they probe is not one of
 * j's MX hosts (checklist_remote_find() decides from j's model). */
static void followups_decide(struct batch *b, const struct job *j, const struct model_domain *d)
{
	long self = (long)(j - b->v), host;
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct job *f = &b->v[i];
		enum checklist_remote rem;

		if (f->after != self)
			continue;
		rem = checklist_remote_find(d, f->server, f->remote_ip, &host);
		f->wanted = rem == CHECKLIST_REMOTE_NOT_MX || rem == CHECKLIST_REMOTE_NO_MX;
		f->decided = 1;
		debug_log("batch: %s names %s: %s of %s, %s", f->input, f->server,
		          checklist_remote_name(rem), d->target.domain,
		          f->wanted ? "probed alone next" : "not probed again");
	}
}

/* The documents the run may print: every input but the follow-ups
 * already known not to run. */
static size_t batch_documents(const struct batch *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->n; i++)
		n += !(b->v[i].after >= 0 && b->v[i].decided && !b->v[i].wanted);
	return n;
}

/* A domain that has ended: its documents, in the format asked. */
static void job_print(struct batch *b, struct job *j)
{
	const struct batch_options *o = b->o;
	const struct model_domain *d = probe_model(j->probe);
	struct report_options ro;
	struct checklist list;

	checklist_build(d, &list);
	j->status = checklist_exit_status_as(d, &list, batch_style(b));
	followups_decide(b, j, d);
	memset(&ro, 0, sizeof ro);
	ro.input = j->input;
	ro.exit_status = j->status;
	ro.transcripts = o->transcripts;
	ro.options = o->probe;
	ro.colour = o->colour;
	ro.explain = o->explain;
	ro.many = b->n > 1;
	if (o->format == BATCH_METRICS) {
		report_metrics_add(b->metrics, d, &list, &ro);
	} else if (o->format == BATCH_NAGIOS) {
		report_nagios_add(b->nagios, d, &list, &ro);
	} else if (o->format == BATCH_JSONL) {
		report_json(o->out, d, &list, &ro);
	} else if (o->format == BATCH_JSON) {
		/* Decided at the first document: a follow-up that will not run
		 * does not make an array of one domain. */
		if (b->printed == 0)
			b->json_array = batch_documents(b) > 1;
		if (b->json_array)
			report_json_array_item(o->out, b->printed);
		report_json(o->out, d, &list, &ro);
	} else if (!o->probe->smtp) {
		report_plan_text(o->out, d);
	} else {
		if (b->printed)
			fputs("\n\n", o->out);
		report_batch_text(o->out, d, &list, &ro);
	}
	if (b->md != NULL && b->html) {
		report_html_domain(b->md, d, &list, &ro);
	} else if (b->md != NULL) {
		if (b->printed)
			fputs("\n---\n\n", b->md);
		report_markdown(b->md, d, &list, &ro);
	}
	b->printed++;
	fflush(o->out);
	checklist_free(&list);
}

static void job_finish(struct batch *b, struct job *j, int status)
{
	j->state = JOB_DONE;
	j->status = status;
	b->done++;
	debug_log("batch: %s (%s) done, exit %d; %zu/%zu done", j->input, j->where,
	          j->status, b->done, b->n);
}

static void batch_reap(struct loop_timer *t, void *arg)
{
	struct batch *b = arg;
	size_t i;

	(void)t;
	b->reap = NULL;
	for (i = 0; i < b->n; i++) {
		struct job *j = &b->v[i];

		if (j->state != JOB_ENDED || !probe_model(j->probe)->complete ||
		    probe_plan_pending(j->probe) > 0 || probe_sessions_running(j->probe) > 0)
			continue;
		job_print(b, j);
		probe_free(j->probe);
		j->probe = NULL;
		b->active--;
		job_finish(b, j, j->status);
		if (b->o->progress)
			fprintf(b->o->log, "\rmailflow: %zu/%zu done, %zu running   ", b->done,
			        b->n, b->active);
	}
	batch_fill(b);
}

/* The probe's on_done: it cannot be freed here, so the reaper does it. */
static void job_ended(struct probe *p, void *arg)
{
	struct job *j = arg;
	struct batch *b = j->batch;

	(void)p;
	j->state = JOB_ENDED;
	if (b->reap == NULL)
		b->reap = loop_timer_add(b->loop, 0, 0, batch_reap, b);
}

static void job_start(struct batch *b, struct job *j)
{
	struct probe_callbacks cb = { NULL, NULL, job_ended, j };
	struct probe_options po = *b->o->probe;
	char *cause = NULL;

	if (j->error != NULL) {
		/* Said when read; in JSON Lines also an object of its own. */
		if (b->o->format == BATCH_JSONL)
			report_json_invalid(b->o->out, j->input, j->where, j->error, 1);
		if (b->o->format == BATCH_NAGIOS) {
			report_nagios_invalid(b->nagios, j->input, j->error);
			job_finish(b, j, checklist_exit_status_as(NULL, NULL, EXIT_STYLE_NAGIOS));
			return;
		}
		job_finish(b, j, 1);
		return;
	}
	po.limiter = b->lim;
	po.dns.share = b->dns;
	po.dnssec_share = b->dnssec;
	if (j->server != NULL)
		po.server = j->server;
	j->probe = probe_new(b->loop, &j->target, &po, &cb, &cause);
	if (j->probe == NULL) {
		fprintf(b->o->log, "mailflow: %s: %s\n", j->input, cause ? cause : "cannot start");
		if (b->o->format == BATCH_NAGIOS)
			report_nagios_invalid(b->nagios, j->input, cause ? cause : "cannot start");
		free(cause);
		job_finish(b, j, checklist_exit_status_as(NULL, NULL, batch_style(b)));
		return;
	}
	debug_log("batch: %s (%s) started", j->input, j->where);
	j->state = JOB_RUNNING;
	b->active++;
}

static void batch_fill(struct batch *b)
{
	while (b->active < b->o->concurrency && b->next < b->n) {
		struct job *j = &b->v[b->next];

		if (j->after >= 0 && b->v[j->after].state != JOB_DONE)
			break;  /* a follow-up waits for its domain's verdict */
		b->next++;
		if (j->after >= 0 && !j->wanted) {
			j->skipped = 1;
			job_finish(b, j, 0);
			continue;
		}
		job_start(b, j);
	}
	if (b->active == 0 && b->next >= b->n)
		loop_stop(b->loop);
}

/* The exit status of the whole list: the worst of its inputs, and 2 when
 * the Markdown report was not written. The one place it is decided. */
static int batch_status(const struct batch *b)
{
	enum exit_style style = batch_style(b);
	int worst = b->report_failed ? checklist_exit_status_as(NULL, NULL, style) : 0;
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i].state == JOB_DONE && !b->v[i].skipped)
			worst = checklist_exit_worst(worst, b->v[i].status, style);
	return worst;
}

/* The inputs that were run (or invalid): not the follow-ups skipped. */
static size_t batch_ran(const struct batch *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->n; i++)
		n += !b->v[i].skipped;
	return n;
}

static void batch_summary(const struct batch *b)
{
	size_t i, ok = 0, failed = 0, invalid = 0;

	for (i = 0; i < b->n; i++) {
		if (b->v[i].skipped)
			continue;
		if (b->v[i].error != NULL)
			invalid++;
		else if (b->v[i].status == 0)
			ok++;
		else
			failed++;
	}
	if (b->o->progress)
		fputc('\n', b->o->log);
	fprintf(b->o->log, "mailflow: %zu domains: %zu without failures, %zu with failures, "
	        "%zu invalid; at most %zu sessions at once (limit %zu)\n", ok + failed + invalid,
	        ok, failed,
	        invalid, probe_limiter_peak(b->lim), b->o->concurrency);
}

int batch_run(struct batch *b, struct loop *loop, const struct batch_options *o,
              char **cause)
{
	char *why = NULL;
	int status;

	if (o->report != NULL) {
		if (report_file_open(&b->rf, o->report, cause) < 0)
			return -1;
		b->md = b->rf.f;
		b->html = report_path_is_html(o->report);
		if (b->html)
			report_html_begin(b->md, b->n == 1 ? b->v[0].input : "several domains");
	}
	if ((b->dns = dns_share_new(loop, &o->probe->dns, cause)) == NULL) {
		report_file_abort(&b->rf);
		b->md = NULL;
		return -1;
	}
	if (!o->probe->no_dnssec) {
		char *not_started = NULL;

		/* Not started until a probe asks (dnssec_query). */
		b->dnssec = probe_dnssec_new(loop, o->probe, &not_started);
		free(not_started);      /* each probe says it, in its model */
	}
	if (o->format == BATCH_METRICS)
		b->metrics = report_metrics_new();
	if (o->format == BATCH_NAGIOS)
		b->nagios = report_nagios_new();
	b->loop = loop;
	b->o = o;
	b->lim = probe_limiter_new(o->concurrency);
	debug_log("batch: %zu inputs, %zu at once", b->n, o->concurrency);
	batch_fill(b);
	if (b->active > 0)
		loop_run(loop);
	if (o->format == BATCH_JSON && (b->printed > 0 ? b->json_array : b->n > 1))
		report_json_array_end(o->out, b->printed);
	if (b->md != NULL && b->html)
		report_html_end(b->md);
	if (b->md != NULL && report_file_commit(&b->rf, &why) < 0) {
		fprintf(o->log, "mailflow: %s\n", why);
		free(why);
		b->report_failed = 1;
	}
	b->md = NULL;
	if (batch_ran(b) > 1 && o->format != BATCH_NAGIOS)
		batch_summary(b);
	status = batch_status(b);
	if (b->metrics != NULL)
		report_metrics_write(b->metrics, o->out);
	if (b->nagios != NULL)
		report_nagios_write(b->nagios, o->out, status);
	report_metrics_free(b->metrics);
	report_nagios_free(b->nagios);
	b->metrics = NULL;
	b->nagios = NULL;
	debug_log("batch: exit %d", status);
	probe_limiter_free(b->lim);
	b->lim = NULL;
	/* A probe cut short may still have questions in it. */
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].probe != NULL)
			probe_dnssec_detach(b->v[i].probe);
	dnssec_free(b->dnssec);
	b->dnssec = NULL;
	dns_share_free(b->dns);
	b->dns = NULL;
	b->loop = NULL;
	return status;
}
