/*
 * explain-fuzzer — libFuzzer target for --explain's reader (explain_parse
 * in src/explain.c: GMime, the DSN fields, the human-readable bounces,
 * Received and Authentication-Results) and its text and JSON renderings
 * (src/report_explain.c).
 *
 * The input is what a user forwarded: any bytes. The parser must succeed
 * or say why, keep every count within its table and every string
 * NUL-terminated inside its field, name only hops that exist; the text
 * rendering must hold no control character but the line ends (nothing
 * from the input reaches a terminal raw).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/explain.h"
#include "mailflow/report_explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(field) (memchr((field), '\0', sizeof (field)) != NULL)

static void result_check(const struct explain *ex)
{
	size_t i;

	if (ex->nrcpts > EXPLAIN_RCPTS_MAX || ex->nhops > EXPLAIN_HOPS_MAX ||
	    ex->nauth > EXPLAIN_AUTH_MAX || ex->slowest >= (long)ex->nhops ||
	    ex->slowest < -1 || (unsigned)ex->kind >= EXPLAIN_KIND__COUNT ||
	    (unsigned)ex->source >= EXPLAIN_SRC__COUNT ||
	    (unsigned)ex->auth_verdict >= EXPLAIN_AUTH__COUNT)
		abort();
	if (!TERMINATED(ex->subject) || !TERMINATED(ex->from) || !TERMINATED(ex->date) ||
	    !TERMINATED(ex->reporting_mta) || !TERMINATED(ex->original_subject) ||
	    !TERMINATED(ex->original_to) || !TERMINATED(ex->authserv))
		abort();
	for (i = 0; i < ex->nrcpts; i++) {
		const struct explain_rcpt *r = &ex->rcpts[i];

		if (!TERMINATED(r->address) || !TERMINATED(r->status) || !TERMINATED(r->enhanced) ||
		    !TERMINATED(r->text) || !TERMINATED(r->remote_mta) ||
		    !TERMINATED(r->remote_ip) || !TERMINATED(r->when))
			abort();
		if ((unsigned)r->permanence >= EXPLAIN_PERM__COUNT ||
		    (unsigned)r->side >= EXPLAIN_SIDE__COUNT ||
		    (unsigned)r->action >= EXPLAIN_ACTION__COUNT ||
		    (unsigned)r->cmd >= CODES_CMD__COUNT || r->code < 0 || r->code > 599)
			abort();
	}
	for (i = 0; i < ex->nhops; i++)
		if (!TERMINATED(ex->hops[i].from) || !TERMINATED(ex->hops[i].by) ||
		    !TERMINATED(ex->hops[i].with))
			abort();
	for (i = 0; i < ex->nauth; i++)
		if (!TERMINATED(ex->auth[i].method) || !TERMINATED(ex->auth[i].result) ||
		    !TERMINATED(ex->auth[i].detail))
			abort();
}

static void text_check(const struct explain *ex)
{
	char *buf = NULL;
	size_t size = 0, i;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return;
	report_explain_text(f, ex, 0);
	report_explain_json(f, ex, NULL, NULL);
	fclose(f);
	for (i = 0; i < size; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\n') || buf[i] == 0x7f)
			abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct explain *ex = explain_new();
	char *cause = NULL;

	if (explain_parse((const char *)data, size, ex, &cause) == 0) {
		result_check(ex);
		text_check(ex);
	} else if (cause == NULL || cause[0] == '\0') {
		abort();
	}
	free(cause);
	explain_free(ex);
	return 0;
}
