/*
 * ehlo-fuzzer — libFuzzer target for the EHLO extension parser
 * (reply_parse_ehlo in src/reply.c).
 *
 * The input is the text of an EHLO reply, one line per LF; each line gets
 * its "250-" (the last "250 ") so the fuzzer spends its time on what a
 * server writes after the code: the host name, keywords, SIZE and AUTH
 * parameters. The reply goes through the real reply parser first, so the
 * EHLO parser sees only what a session could hand it. The results must be
 * bounded and NUL-terminated whatever came.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ehlo_check(const struct ehlo *e)
{
	size_t i;

	if (memchr(e->host, '\0', sizeof e->host) == NULL || e->nitems > EHLO_ITEMS_MAX)
		abort();
	for (i = 0; i < e->nitems; i++) {
		if (memchr(e->items[i].keyword, '\0', sizeof e->items[i].keyword) == NULL ||
		    memchr(e->items[i].params, '\0', sizeof e->items[i].params) == NULL)
			abort();
	}
	if ((e->exts & EHLO_SIZE) == 0 && e->size != 0)
		abort();
}

/* "250-" line "\r\n" for each LF-ended piece of data, "250 " for the last:
 * at most 6 bytes for each byte in (a lone LF), and 6 for the last line. */
static char *ehlo_wire(const uint8_t *data, size_t size, size_t *len)
{
	char *w = malloc(size * 6 + 6), *o = w;
	const uint8_t *line = data, *end = data + size, *nl;

	if (w == NULL)
		abort();
	do {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		memcpy(o, nl == end ? "250 " : "250-", 4);
		memcpy(o + 4, line, (size_t)(nl - line));
		o += 4 + (nl - line);
		memcpy(o, "\r\n", 2);
		o += 2;
		line = nl + 1;
	} while (nl < end);
	*len = (size_t)(o - w);
	return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply_parser *p = reply_parser_new();
	size_t len, off = 0;
	char *wire = ehlo_wire(data, size, &len);
	struct ehlo e;

	while (off < len) {
		struct reply *r = NULL;

		off += reply_parser_feed(p, wire + off, len - off, &r);
		if (r == NULL)
			continue;
		if (reply_parse_ehlo(r, &e) == 0)
			ehlo_check(&e);
		else if (reply_class(r) == 2)
			abort();
		reply_free(r);
	}
	reply_parser_free(p);
	free(wire);
	return 0;
}
