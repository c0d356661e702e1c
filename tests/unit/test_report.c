/*
 * The reports on constructed models (issue 12, point 5): a finished run
 * says "not-asked" for a lookup its plan never sent, never "pending" or
 * "none"; the verdict line counts every class, so its numbers add up to
 * the checklist's items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/report.h"

/* What a report function wrote, as one string (free it). */
static char *render(void (*fn)(FILE *, const struct model_domain *,
                               const struct checklist *, const struct report_options *),
                    const struct model_domain *d, const struct checklist *c)
{
	struct report_options o = { .transcripts = 1, .input = "192.0.2.1" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, d, c, &o);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *render_plan(const struct model_domain *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_plan_text(f, d);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* -s ADDRESS: a plan of no lookup at all, complete at once. */
static void domain_ip_literal(struct model_domain *d)
{
	struct target t;

	assert_int_equal(target_parse("example.test", &t, NULL), 0);
	model_domain_init(d, &t);
	d->complete = 1;
	model_host_add(d, "192.0.2.1", 0);
	d->hosts[0].ip_literal = 1;
	model_address_add(&d->hosts[0], "192.0.2.1", 4);
}

static void test_not_asked(void **state)
{
	struct model_domain d;
	struct checklist c;
	char *out;

	(void)state;
	domain_ip_literal(&d);
	checklist_build(&d, &c);

	out = render_plan(&d);
	assert_null(strstr(out, "pending"));
	assert_non_null(strstr(out, "MX       not-asked"));
	assert_non_null(strstr(out, "TLSA: not-asked"));
	assert_non_null(strstr(out, "A: not-asked"));
	assert_non_null(strstr(out, "SPF      not-asked"));
	assert_null(strstr(out, "none ("));
	free(out);

	out = render(report_json, &d, &c);
	assert_null(strstr(out, ":\"pending\""));
	assert_non_null(strstr(out, "\"a\":{\"status\":\"not-asked\""));
	assert_non_null(strstr(out, "\"mx\":{\"status\":\"not-asked\""));
	free(out);

	/* While the plan runs, the same lookup is pending. */
	d.complete = 0;
	out = render_plan(&d);
	assert_non_null(strstr(out, "MX       pending"));
	free(out);
	checklist_free(&c);
	model_domain_free(&d);
}

/* The numbers of "Verdict: N fail, N warn, ..." add up to the items. */
static size_t line_sum(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);
	size_t sum = 0;
	char *end;

	assert_non_null(p);
	p += strlen(prefix);
	while (*p != '\n' && *p != '\0' && *p != '(') {
		if (*p >= '0' && *p <= '9') {
			sum += strtoul(p, &end, 10);
			p = end;
		} else {
			p++;
		}
	}
	return sum;
}

static void test_verdict_line(void **state)
{
	struct model_domain d;
	struct checklist c;
	char *out, buf[128];

	(void)state;
	domain_ip_literal(&d);
	/* A session still running: some items are pending, and counted. */
	d.hosts[0].addrs[0].session = calloc(1, sizeof *d.hosts[0].addrs[0].session);
	assert_non_null(d.hosts[0].addrs[0].session);
	d.hosts[0].addrs[0].session->running = 1;
	checklist_build(&d, &c);

	checklist_verdict_line(&c, buf, sizeof buf);
	assert_non_null(strstr(buf, "pending"));
	assert_int_equal(line_sum(buf, ""), c.n);
	out = render(report_batch_text, &d, &c);
	assert_int_equal(line_sum(out, "Verdict: "), c.n);
	free(out);
	out = render(report_markdown, &d, &c);
	assert_int_equal(line_sum(out, "- Verdicts: "), c.n);
	free(out);
	checklist_free(&c);
	model_domain_free(&d);
}

/* A refused message: past the evidence limit, the Markdown report still
 * ends the DATA item's evidence with the reply it rests on (issue 12,
 * point 7), as the text report does. */
static void test_md_evidence_ends_with_reply(void **state)
{
	struct model_domain d;
	struct model_session *m;
	struct checklist c;
	char *out, line[64];
	int st, i;

	(void)state;
	domain_ip_literal(&d);
	m = calloc(1, sizeof *m);
	assert_non_null(m);
	d.hosts[0].addrs[0].session = m;
	snprintf(m->host, sizeof m->host, "192.0.2.1");
	snprintf(m->addr, sizeof m->addr, "192.0.2.1");
	m->done = 1;
	for (st = 0; st < STEP__COUNT; st++) {
		m->steps[st].state = STEP_OK;
		m->steps[st].code = 250;
	}
	m->steps[STEP_BANNER].code = 220;
	m->steps[STEP_STARTTLS].state = STEP_SKIPPED;
	m->steps[STEP_STARTTLS].reason = REASON_BY_OPTION;
	m->steps[STEP_AUTH].state = STEP_SKIPPED;
	m->steps[STEP_AUTH].reason = REASON_BY_OPTION;
	m->steps[STEP_DATA].line_from = m->nlines;
	model_session_add_line(m, 'C', 10, "DATA", 4);
	model_session_add_line(m, 'S', 11, "354 go ahead", 12);
	for (i = 0; i < 30; i++) {
		snprintf(line, sizeof line, "body line %d", i);
		model_session_add_line(m, 'C', 12, line, strlen(line));
	}
	model_session_add_line(m, 'C', 13, ".", 1);
	model_session_add_line(m, 'S', 14, "552 5.3.4 Message size exceeds fixed limit", 42);
	m->steps[STEP_DATA].line_to = m->nlines;
	m->steps[STEP_DATA].state = STEP_REJECTED;
	m->steps[STEP_DATA].reason = REASON_REFUSED;
	m->steps[STEP_DATA].code = 552;
	snprintf(m->steps[STEP_DATA].enhanced, 16, "5.3.4");
	snprintf(m->steps[STEP_DATA].text, sizeof m->steps[0].text,
	         "Message size exceeds fixed limit");
	checklist_build(&d, &c);
	/* The summary's sentence opens every report (issue 13, point 2). */
	out = render(report_json, &d, &c);
	assert_non_null(strstr(out, ",\"text\":\"Mail to example.test cannot be delivered: "
	                            "192.0.2.1 refuses the message (552 5.3.4).\"}"));
	free(out);
	out = render(report_batch_text, &d, &c);
	assert_non_null(strstr(out, " ms\nMail to example.test cannot be delivered: 192.0.2.1"));
	free(out);
	out = render(report_markdown, &d, &c);
	assert_non_null(strstr(out, "\n\nMail to example.test cannot be delivered: 192.0.2.1"));
	assert_non_null(strstr(out, "more lines in the transcript)\n      S: "
	                            "552 5.3.4 Message size exceeds fixed limit\n"));
	free(out);
	checklist_free(&c);
	model_domain_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_asked),
		cmocka_unit_test(test_verdict_line),
		cmocka_unit_test(test_md_evidence_ends_with_reply),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
