/*
 * The pure parts of dns.c: the raw answer parser on crafted and hostile
 * messages, the server list check, PTR names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mailflow/dns.h"

struct msg {
	unsigned char b[8192];
	size_t n;
	size_t ancount_at;
	unsigned an;
};

static void put8(struct msg *m, unsigned v) { m->b[m->n++] = (unsigned char)v; }
static void put16(struct msg *m, unsigned v) { put8(m, v >> 8); put8(m, v & 0xff); }
static void put32(struct msg *m, uint32_t v) { put16(m, v >> 16); put16(m, v & 0xffff); }

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (unsigned)l);
		memcpy(m->b + m->n, name, l);
		m->n += l;
		name += l + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void msg_start(struct msg *m, unsigned rcode, const char *qname,
                      unsigned qtype)
{
	memset(m, 0, sizeof *m);
	put16(m, 0x1234);
	put16(m, 0x8180 | rcode);       /* response, RD, RA */
	put16(m, 1);
	m->ancount_at = m->n;
	put16(m, 0);
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, 1);
}

static void rr_start(struct msg *m, const char *owner, unsigned type)
{
	put_name(m, owner);
	put16(m, type);
	put16(m, 1);
	put32(m, 300);
	m->an++;
	m->b[m->ancount_at] = (unsigned char)(m->an >> 8);
	m->b[m->ancount_at + 1] = (unsigned char)(m->an & 0xff);
}

static void rr_rdata(struct msg *m, const void *data, size_t len)
{
	put16(m, (unsigned)len);
	memcpy(m->b + m->n, data, len);
	m->n += len;
}

static void rr_name_rdata(struct msg *m, int pref, const char *name)
{
	size_t at = m->n;

	put16(m, 0);
	if (pref >= 0)
		put16(m, (unsigned)pref);
	put_name(m, name);
	m->b[at] = (unsigned char)((m->n - at - 2) >> 8);
	m->b[at + 1] = (unsigned char)((m->n - at - 2) & 0xff);
}

static void test_parse_mx(void **state)
{
	struct msg m;
	struct dns_result r;

	(void)state;
	msg_start(&m, 0, "example.test", DNS_MX);
	rr_start(&m, "example.test", DNS_MX);
	rr_name_rdata(&m, 20, "mx2.example.test");
	rr_start(&m, "example.test", DNS_MX);
	rr_name_rdata(&m, 10, "mx1.example.test");
	assert_int_equal(dns_answer_parse(m.b, m.n, "example.test", DNS_MX, &r), 0);
	assert_int_equal(r.status, DNS_OK);
	assert_int_equal(r.nrecords, 2);
	assert_int_equal(r.records[0].pref, 20);
	assert_string_equal(r.records[0].name, "mx2.example.test");
	assert_int_equal(r.records[1].pref, 10);
	assert_int_equal(r.records[1].ttl, 300);
	dns_result_clear(&r);

	/* The null MX: target is the root, which comes back as "". */
	msg_start(&m, 0, "null.test", DNS_MX);
	rr_start(&m, "null.test", DNS_MX);
	rr_name_rdata(&m, 0, "");
	assert_int_equal(dns_answer_parse(m.b, m.n, "null.test", DNS_MX, &r), 0);
	assert_int_equal(r.nrecords, 1);
	assert_int_equal(r.records[0].pref, 0);
	assert_string_equal(r.records[0].name, "");
	dns_result_clear(&r);
}

static void test_parse_rcodes_and_nodata(void **state)
{
	static const struct { unsigned rcode; enum dns_status want; } cases[] = {
		{ 2, DNS_SERVFAIL }, { 3, DNS_NXDOMAIN }, { 5, DNS_REFUSED },
		{ 4, DNS_ERROR }, { 0, DNS_NODATA },
	};
	struct msg m;
	struct dns_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		msg_start(&m, cases[i].rcode, "x.test", DNS_A);
		assert_int_equal(dns_answer_parse(m.b, m.n, "x.test", DNS_A, &r), 0);
		assert_int_equal(r.status, cases[i].want);
		dns_result_clear(&r);
	}
	/* Records of another type only: still NODATA for the asked type. */
	msg_start(&m, 0, "x.test", DNS_AAAA);
	rr_start(&m, "x.test", DNS_A);
	rr_rdata(&m, "\x7f\x00\x00\x01", 4);
	assert_int_equal(dns_answer_parse(m.b, m.n, "x.test", DNS_AAAA, &r), 0);
	assert_int_equal(r.status, DNS_NODATA);
	dns_result_clear(&r);
}

static void test_parse_cname_chain(void **state)
{
	struct msg m;
	struct dns_result r;

	(void)state;
	msg_start(&m, 0, "mx.alias.test", DNS_A);
	rr_start(&m, "mx.alias.test", DNS_CNAME);
	rr_name_rdata(&m, -1, "mid.alias.test");
	rr_start(&m, "mid.alias.test", DNS_CNAME);
	rr_name_rdata(&m, -1, "real.test");
	rr_start(&m, "real.test", DNS_A);
	rr_rdata(&m, "\x7f\x00\x00\x0b", 4);
	rr_start(&m, "unrelated.test", DNS_A);      /* not ours: ignored */
	rr_rdata(&m, "\x0a\x00\x00\x01", 4);
	assert_int_equal(dns_answer_parse(m.b, m.n, "MX.Alias.test", DNS_A, &r), 0);
	assert_int_equal(r.status, DNS_OK);
	assert_string_equal(r.cname, "real.test");
	assert_int_equal(r.nrecords, 1);
	assert_string_equal(r.records[0].addr, "127.0.0.11");
	dns_result_clear(&r);

	/* A CNAME loop ends: no records, NODATA, no hang. */
	msg_start(&m, 0, "a.test", DNS_A);
	rr_start(&m, "a.test", DNS_CNAME);
	rr_name_rdata(&m, -1, "b.test");
	rr_start(&m, "b.test", DNS_CNAME);
	rr_name_rdata(&m, -1, "a.test");
	assert_int_equal(dns_answer_parse(m.b, m.n, "a.test", DNS_A, &r), 0);
	assert_int_equal(r.status, DNS_NODATA);
	dns_result_clear(&r);
}

static void test_parse_txt_tlsa_aaaa(void **state)
{
	struct msg m;
	struct dns_result r;
	unsigned char tlsa[3 + 32], bad_txt[] = { 5, 'v', '=', 's' };
	size_t i;

	(void)state;
	msg_start(&m, 0, "t.test", DNS_TXT);
	rr_start(&m, "t.test", DNS_TXT);
	/* Two character-strings join without a space (RFC 7208 §3.3). */
	rr_rdata(&m, "\x07v=spf1 \x04-all", 13);
	rr_start(&m, "t.test", DNS_TXT);
	rr_rdata(&m, bad_txt, sizeof bad_txt);      /* length past the end */
	assert_int_equal(dns_answer_parse(m.b, m.n, "t.test", DNS_TXT, &r), 0);
	assert_int_equal(r.nrecords, 1);
	assert_int_equal(r.nskipped, 1);
	assert_string_equal(r.records[0].text, "v=spf1 -all");
	assert_int_equal(r.records[0].text_len, 11);
	dns_result_clear(&r);

	tlsa[0] = 3; tlsa[1] = 1; tlsa[2] = 1;
	for (i = 0; i < 32; i++)
		tlsa[3 + i] = (unsigned char)i;
	msg_start(&m, 0, "_25._tcp.mx.test", DNS_TLSA);
	rr_start(&m, "_25._tcp.mx.test", DNS_TLSA);
	rr_rdata(&m, tlsa, sizeof tlsa);
	rr_start(&m, "_25._tcp.mx.test", DNS_TLSA);
	rr_rdata(&m, tlsa, 3);                      /* no data: skipped */
	assert_int_equal(dns_answer_parse(m.b, m.n, "_25._tcp.mx.test", DNS_TLSA, &r), 0);
	assert_int_equal(r.nrecords, 1);
	assert_int_equal(r.nskipped, 1);
	assert_int_equal(r.records[0].usage, 3);
	assert_int_equal(r.records[0].selector, 1);
	assert_int_equal(r.records[0].mtype, 1);
	assert_int_equal(r.records[0].data_len, 32);
	assert_int_equal(r.records[0].data[31], 31);
	dns_result_clear(&r);

	msg_start(&m, 0, "v6.test", DNS_AAAA);
	rr_start(&m, "v6.test", DNS_AAAA);
	rr_rdata(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	rr_start(&m, "v6.test", DNS_AAAA);
	rr_rdata(&m, "\x20\x01\x0d\xb8\0", 5);     /* wrong length: skipped */
	assert_int_equal(dns_answer_parse(m.b, m.n, "v6.test", DNS_AAAA, &r), 0);
	assert_int_equal(r.nrecords, 1);
	assert_int_equal(r.nskipped, 1);
	assert_string_equal(r.records[0].addr, "2001:db8::1");
	dns_result_clear(&r);
}

static void test_parse_limits_and_malformed(void **state)
{
	struct msg m;
	struct dns_result r;
	int i;

	(void)state;
	/* More records than the cap: kept up to the cap, the rest counted. */
	msg_start(&m, 0, "many.test", DNS_A);
	for (i = 0; i < DNS_MAX_RECORDS + 6; i++) {
		unsigned char a[4] = { 10, 0, (unsigned char)(i >> 8), (unsigned char)i };

		rr_start(&m, "many.test", DNS_A);
		rr_rdata(&m, a, 4);
	}
	assert_int_equal(dns_answer_parse(m.b, m.n, "many.test", DNS_A, &r), 0);
	assert_int_equal(r.nrecords, DNS_MAX_RECORDS);
	assert_int_equal(r.nskipped, 6);
	dns_result_clear(&r);

	/* rdlength past the end of the message. */
	msg_start(&m, 0, "cut.test", DNS_A);
	rr_start(&m, "cut.test", DNS_A);
	rr_rdata(&m, "\x7f\0\0\x01", 4);
	assert_int_equal(dns_answer_parse(m.b, m.n - 2, "cut.test", DNS_A, &r), -1);
	assert_int_equal(r.status, DNS_ERROR);
	dns_result_clear(&r);

	/* A compression pointer to itself. */
	msg_start(&m, 0, "loop.test", DNS_A);
	m.b[m.ancount_at + 1] = 1;
	put8(&m, 0xc0);
	put8(&m, (unsigned)m.n - 1);
	assert_int_equal(dns_answer_parse(m.b, m.n, "loop.test", DNS_A, &r), -1);
	dns_result_clear(&r);

	/* Shorter than a header. */
	assert_int_equal(dns_answer_parse(m.b, 5, "x", DNS_A, &r), -1);
	dns_result_clear(&r);
}

/* Random bytes and mutations of a good answer never crash the parser. */
static void test_parse_hostile_bytes(void **state)
{
	struct msg good, m;
	struct dns_result r;
	int i, j;

	(void)state;
	msg_start(&good, 0, "f.test", DNS_MX);
	rr_start(&good, "f.test", DNS_MX);
	rr_name_rdata(&good, 10, "mx.f.test");
	rr_start(&good, "f.test", DNS_MX);
	rr_name_rdata(&good, 20, "mx2.f.test");
	srand(7);
	for (i = 0; i < 20000; i++) {
		enum dns_type types[] = { DNS_A, DNS_AAAA, DNS_MX, DNS_TXT, DNS_PTR,
		                          DNS_CNAME, DNS_TLSA };

		m = good;
		for (j = 0; j < 1 + rand() % 6; j++)
			m.b[rand() % (int)m.n] = (unsigned char)rand();
		if (rand() % 4 == 0)
			m.n = (size_t)(rand() % (int)m.n);
		dns_answer_parse(m.b, m.n, "f.test", types[i % 7], &r);
		for (j = 0; j < (int)r.nrecords; j++)
			assert_true(strlen(r.records[j].name) < DNS_NAME_MAX);
		dns_result_clear(&r);
	}
}

static void test_servers_check(void **state)
{
	static const char *good[] = {
		"127.0.0.1", "127.0.0.1:5353", "127.0.0.1:5353,127.0.0.2",
		"::1", "[::1]:5353", "[2001:db8::1]", "127.0.0.1,[::1]:53",
	};
	static const char *bad[] = {
		"", "localhost", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:abc",
		"[::1", "[::1]x", "127.0.0.1,", "1.2.3", "[127.0.0.1]:53",
		"127.0.0.1:53:53",
	};
	size_t i;
	char *cause;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		cause = NULL;
		if (dns_servers_check(good[i], &cause) != 0)
			fail_msg("\"%s\" refused: %s", good[i], cause);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		if (dns_servers_check(bad[i], &cause) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(cause);
		assert_true(strlen(cause) > 10);
		free(cause);
	}
	/* The cause names what was wrong, for the caller to print. */
	cause = NULL;
	assert_int_equal(dns_servers_check("127.0.0.1,localhost", &cause), -1);
	assert_non_null(strstr(cause, "\"localhost\""));
	free(cause);
	cause = NULL;
	assert_int_equal(dns_servers_check("127.0.0.1:99999", &cause), -1);
	assert_non_null(strstr(cause, "99999"));
	free(cause);
	/* A caller that only wants the answer passes no cause. */
	assert_int_equal(dns_servers_check("localhost", NULL), -1);
	assert_int_equal(dns_servers_check("", NULL), -1);
}

static void test_ptr_name(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(dns_ptr_name("127.0.0.11", out, sizeof out), 0);
	assert_string_equal(out, "11.0.0.127.in-addr.arpa");
	assert_int_equal(dns_ptr_name("2001:db8::1", out, sizeof out), 0);
	assert_string_equal(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	                    "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(dns_ptr_name("mx.example", out, sizeof out), -1);
	assert_int_equal(dns_ptr_name("127.0.0.1", out, 10), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_mx),
		cmocka_unit_test(test_parse_rcodes_and_nodata),
		cmocka_unit_test(test_parse_cname_chain),
		cmocka_unit_test(test_parse_txt_tlsa_aaaa),
		cmocka_unit_test(test_parse_limits_and_malformed),
		cmocka_unit_test(test_parse_hostile_bytes),
		cmocka_unit_test(test_servers_check),
		cmocka_unit_test(test_ptr_name),
	};

	return cmocka_run_group_tests_name("dns_parse", tests, NULL, NULL);
}
