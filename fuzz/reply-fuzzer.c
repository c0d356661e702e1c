/*
 * reply-fuzzer — libFuzzer target for the SMTP reply parser (src/reply.c).
 *
 * The input is what a server sends. It is fed in chunks whose sizes come
 * from the input's own first bytes, because the parser must give the same
 * replies whatever the chunking (a read() may end anywhere); then every
 * reply's accessors run, and the parser's promises are checked: it holds no
 * more than its limits allow, and it consumes every byte it is given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the parser may hold: REPLY_LINES_MAX lines of REPLY_LINE_HARD bytes
 * with their line ends, and the line being received. */
#define HELD_MAX (((size_t)REPLY_LINES_MAX + 1) * (REPLY_LINE_HARD + 2))

static void reply_check(const struct reply *r)
{
	size_t i, len;

	if (r->nlines == 0 || r->nlines > REPLY_LINES_MAX)
		abort();
	if (memchr(r->enhanced, '\0', sizeof r->enhanced) == NULL)
		abort();
	if (r->enhanced[0] != '\0' &&
	    reply_enhanced_parse(r->enhanced, strlen(r->enhanced), 0) == 0)
		abort();
	if (r->code < 0 || r->code > 999)
		abort();
	for (i = 0; i < r->nlines; i++) {
		const char *t = reply_line_text(r, i, &len);

		if (r->lines[i].len > REPLY_LINE_HARD || len > r->lines[i].len)
			abort();
		if (r->lines[i].text[r->lines[i].len] != '\0')
			abort();
		(void)reply_enhanced_parse(t, len, 0);
		(void)reply_enhanced_parse(t, len, REPLY_ENHANCED_ANY_CLASS);
	}
	(void)reply_class(r);
}

/* FNV-1a over what a reply says, so two parses can be compared. */
static uint64_t hash_bytes(uint64_t h, const void *v, size_t n)
{
	const unsigned char *u = v;

	while (n-- > 0)
		h = (h ^ *u++) * 0x100000001b3u;
	return h;
}

static uint64_t reply_hash(uint64_t h, const struct reply *r)
{
	size_t i;

	h = hash_bytes(h, &r->code, sizeof r->code);
	h = hash_bytes(h, &r->flags, sizeof r->flags);
	h = hash_bytes(h, &r->raw_len, sizeof r->raw_len);
	h = hash_bytes(h, r->enhanced, strlen(r->enhanced));
	for (i = 0; i < r->nlines; i++) {
		h = hash_bytes(h, &r->lines[i].len, sizeof r->lines[i].len);
		h = hash_bytes(h, r->lines[i].text, r->lines[i].len);
	}
	return h;
}

/* Parses data in chunks of `chunk` bytes (0: sizes that vary), checking
 * every reply; returns the hash of the replies and of what stays held. */
static uint64_t parse_all(const uint8_t *data, size_t size, size_t chunk)
{
	struct reply_parser *p = reply_parser_new();
	const char *buf = (const char *)data;
	uint64_t h = 0xcbf29ce484222325u;
	size_t step = chunk ? chunk : 1 + (size > 0 ? data[0] % 64 : 0);
	size_t used, n, held;
	struct reply *r;

	while (size > 0) {
		n = step < size ? step : size;
		r = NULL;
		used = reply_parser_feed(p, buf, n, &r);
		if (used == 0 || used > n || (r == NULL && used != n))
			abort();
		if (reply_parser_buffered(p) > HELD_MAX)
			abort();
		if (r != NULL) {
			reply_check(r);
			h = reply_hash(h, r);
			reply_free(r);
		}
		buf += used;
		size -= used;
		/* Now and then another size, from the bytes seen. */
		if (chunk == 0)
			step = 1 + ((step * 31 + (unsigned char)buf[-1]) % 512);
	}
	held = reply_parser_buffered(p);
	h = hash_bytes(h, &held, sizeof held);
	reply_parser_reset(p);
	if (reply_parser_buffered(p) != 0)
		abort();
	reply_parser_free(p);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Any chunking gives the same replies: nothing may depend on where a
	 * read() ended. */
	if (parse_all(data, size, 0) != parse_all(data, size, size + 1))
		abort();
	return 0;
}
