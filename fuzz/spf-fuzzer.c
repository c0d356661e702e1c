/*
 * spf-fuzzer — libFuzzer target for the SPF record parser and the macro
 * expander (src/spf.c), which read TXT records from any DNS server, and
 * the DMARC tag parser (src/sender.c).
 *
 * Whatever the bytes, the parser either succeeds with at most
 * SPF_TERMS_MAX terms, each spec NUL-ended within its buffer and each
 * column inside the record, or fails with a column inside the record (or
 * just past it) and a message; every term's spec then expands (or fails)
 * within the output buffer, NUL-ended.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/sender.h"
#include "mailflow/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expand_check(const char *spec)
{
	struct spf_macro_ctx c = { "local-part@sender.example", "sender.example",
		                   "2001:db8::1", "helo.example", "receiver.example", 12345 };
	char out[300], err[96];
	int exp;

	for (exp = 0; exp < 2; exp++) {
		memset(out, 'X', sizeof out);
		if (spf_macro_expand(spec, &c, exp, out, sizeof out, err, sizeof err) == 0 &&
		    memchr(out, '\0', sizeof out) == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_record rec;
	struct sender_dmarc d;
	unsigned pos = 0;
	char err[160], *text;
	size_t i;

	if (size > SPF_RECORD_MAX + 16)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (spf_record_parse(text, size, &rec, &pos, err, sizeof err) == 0) {
		if (rec.nterms > SPF_TERMS_MAX)
			abort();
		for (i = 0; i < rec.nterms; i++) {
			const struct spf_term *t = &rec.terms[i];

			if (memchr(t->spec, '\0', sizeof t->spec) == NULL ||
			    t->pos < 1 || t->pos > size || t->cidr4 > 32 || t->cidr6 > 128)
				abort();
			expand_check(t->spec);
		}
	} else if (pos < 1 || pos > (size > SPF_RECORD_MAX ? SPF_RECORD_MAX + 1 : size + 1) ||
	           err[0] == '\0') {
		abort();
	}
	spf_record_free(&rec);
	expand_check(text);
	memset(&d, 0, sizeof d);
	sender_dmarc_parse(text, &d);
	if (d.nuris > SENDER_URIS_MAX || d.pct < 0 || d.pct > 100)
		abort();
	free(text);
	return 0;
}
