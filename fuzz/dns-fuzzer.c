/*
 * dns-fuzzer — libFuzzer target for the DNS answer parser
 * (dns_answer_parse in src/dns.c), which reads the raw message c-ares hands
 * over: header, question, answer records, name compression, an alias
 * chain, then the rdata of A, AAAA, MX, TXT, PTR, CNAME and TLSA.
 *
 * The first input byte picks the type asked for, the rest is the message
 * (the question name is "f.test", as in tests/unit/test_dns_parse.c). The
 * result must respect the limits dns.h promises; the PTR name of every
 * address is computed as the plan does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum dns_type types[] = {
	DNS_A, DNS_AAAA, DNS_MX, DNS_TXT, DNS_PTR, DNS_CNAME, DNS_TLSA,
};

static void record_check(const struct dns_record *rec, enum dns_type type)
{
	char ptr[DNS_NAME_MAX];

	if (memchr(rec->name, '\0', sizeof rec->name) == NULL ||
	    memchr(rec->addr, '\0', sizeof rec->addr) == NULL)
		abort();
	switch (type) {
	case DNS_A:
	case DNS_AAAA:
		if (dns_ptr_name(rec->addr, ptr, sizeof ptr) < 0)
			abort();
		break;
	case DNS_TXT:
		if (rec->text == NULL || rec->text_len > DNS_TXT_MAX ||
		    rec->text[rec->text_len] != '\0')
			abort();
		break;
	case DNS_TLSA:
		if (rec->data == NULL || rec->data_len > DNS_TLSA_DATA_MAX)
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_result res;
	enum dns_type type;
	size_t i;

	if (size < 1)
		return 0;
	type = types[data[0] % (sizeof types / sizeof types[0])];
	memset(&res, 0, sizeof res);
	res.type = type;
	snprintf(res.qname, sizeof res.qname, "%s", "f.test");
	if (dns_answer_parse(data + 1, size - 1, res.qname, type, &res) == 0) {
		if (res.nrecords > DNS_MAX_RECORDS ||
		    (res.status == DNS_OK) != (res.nrecords > 0))
			abort();
		for (i = 0; i < res.nrecords; i++)
			record_check(&res.records[i], type);
	} else if (res.status != DNS_ERROR || res.nrecords != 0) {
		abort();
	}
	if (memchr(res.cname, '\0', sizeof res.cname) == NULL)
		abort();
	(void)dns_status_name(res.status);
	dns_result_clear(&res);
	return 0;
}
