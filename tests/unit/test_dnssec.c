/*
 * The validator's own parts (dnssec.c, issue 14): the trust anchor file,
 * the TLSA RRset as the validator hands it over, what an answer of
 * libunbound says of DNSSEC, the forwarders, and a validating context on
 * the loop against a server that never answers (bounded, a reason, never a
 * hang) and against cancellation. The answers of a real signed zone are
 * tests/scripts/test_dane.sh's, against the lab's NSD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unbound.h>

#include "mailflow/dnssec.h"
#include "mailflow/loop.h"

/* A DNSKEY in the form ldns-keygen writes (the lab's anchor). */
static const char ksk[] =
	"dane.test.\tIN\tDNSKEY\t257 3 13 eoR0HPTAcQxbunRUiUX7wqH6ty7CEPdSYnIgBADH3fFt"
	"QtifsBL3ADXTsOC1Uv+nDmalAyWrKdusQGpC5plENQ== ;{id = 60982 (ksk), size = 256b}\n";

static char path[64];

static const char *anchor_file(const char *text)
{
	FILE *f;

	snprintf(path, sizeof path, "/tmp/mailflow-test-anchor.%d", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* 0 or -1 from dnssec_anchor_read, the zones in z, the cause in *why. */
static int anchor(const char *text, char z[][DNS_NAME_MAX], size_t *n, char **why)
{
	int rc = dnssec_anchor_read(anchor_file(text), z, DNSSEC_ANCHOR_ZONES_MAX, n, why);

	unlink(path);
	return rc;
}

static void anchor_refused(const char *text, const char *words)
{
	char z[DNSSEC_ANCHOR_ZONES_MAX][DNS_NAME_MAX];
	size_t n;
	char *why = NULL;

	if (anchor(text, z, &n, &why) != -1)
		fail_msg("accepted: %s", text);
	assert_non_null(why);
	if (strstr(why, words) == NULL || strstr(why, "/tmp/mailflow-test-anchor.") == NULL)
		fail_msg("\"%s\" lacks \"%s\" or the file's name", why, words);
	free(why);
}

static void test_anchor_file(void **state)
{
	char z[DNSSEC_ANCHOR_ZONES_MAX][DNS_NAME_MAX];
	char big[5000];
	size_t n;
	char *why = NULL;

	(void)state;
	assert_int_equal(anchor(ksk, z, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_string_equal(z[0], "dane.test.");
	/* Debian's root.key: a DS, the owner ".", a TTL, comments. */
	assert_int_equal(anchor("; root\n.\t172800\tIN\tDS\t20326 8 2 "
	                        "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",
	                        z, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_string_equal(z[0], ".");

	anchor_refused("", "no DS or DNSKEY record");
	anchor_refused("; only a comment\n", "no DS or DNSKEY record");
	anchor_refused("dane.test. IN A 127.0.0.1\n", "line 1: not a DS or DNSKEY record");
	anchor_refused("\n\ndane.test. IN DNSKEY 257 3 13 not*base64\n", "line 3: the key is not base64");
	anchor_refused("dane.test. IN DNSKEY 257 2 13 AAAA\n", "protocol must be 3");
	anchor_refused(". IN DS 20326 8 2 XYZ\n", "not hexadecimal");
	anchor_refused(". IN DS 70000 8 2 ABCD\n", "not a number in range");
	anchor_refused(". IN DS 20326 8\n", "needs a key tag");
	anchor_refused("$ORIGIN .\n", "$ directives are not read");
	anchor_refused("bad..name. IN DS 1 8 2 AB\n", "not a domain name");
	memset(big, 'A', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	anchor_refused(big, "longer than");
	assert_int_equal(dnssec_anchor_read("/nonexistent/anchor", z, 8, &n, &why), -1);
	assert_non_null(strstr(why, "/nonexistent/anchor"));
	free(why);
}

/* One rdata of usage, selector, type and len bytes of data. */
static char *rdata(unsigned u, unsigned s, unsigned t, size_t len, int *outlen)
{
	unsigned char *p = calloc(1, 3 + len + 1);

	assert_non_null(p);
	p[0] = (unsigned char)u;
	p[1] = (unsigned char)s;
	p[2] = (unsigned char)t;
	memset(p + 3, 0xab, len);
	*outlen = (int)(3 + len);
	return (char *)p;
}

static void test_tlsa_parse(void **state)
{
	char *data[130];
	int len[130];
	struct model_tlsa *out;
	char problem[120];
	size_t n, i, dropped;

	(void)state;
	/* A good DANE-EE SHA-256 record: kept whole, no problem. */
	data[0] = rdata(3, 1, 1, 32, &len[0]);
	data[1] = NULL;
	dropped = dnssec_tlsa_parse(data, len, &out, &n, problem, sizeof problem);
	assert_int_equal(dropped, 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].usage, 3);
	assert_int_equal(strlen(out[0].data_hex), 64);
	assert_string_equal(problem, "");
	free(out);
	free(data[0]);

	/* A SHA-256 digest of the wrong length: kept (OpenSSL refuses it as
	 * unusable) and said. */
	data[0] = rdata(3, 1, 1, 31, &len[0]);
	dropped = dnssec_tlsa_parse(data, len, &out, &n, problem, sizeof problem);
	assert_int_equal(dropped, 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(problem, "31 bytes"));
	free(out);
	free(data[0]);

	/* Unknown usage, selector or matching type: said. */
	data[0] = rdata(4, 0, 0, 8, &len[0]);
	dnssec_tlsa_parse(data, len, &out, &n, problem, sizeof problem);
	assert_non_null(strstr(problem, "unknown usage, selector or matching type (4)"));
	free(out);
	free(data[0]);

	/* Shorter than its three fields, or no data: dropped. */
	data[0] = rdata(3, 1, 1, 0, &len[0]);
	len[0] = 2;
	data[1] = rdata(3, 1, 1, 0, &len[1]);
	data[2] = NULL;
	dropped = dnssec_tlsa_parse(data, len, &out, &n, problem, sizeof problem);
	assert_int_equal(dropped, 2);
	assert_int_equal(n, 0);
	assert_null(out);
	assert_non_null(strstr(problem, "record 1 is 2 bytes"));
	free(data[0]);
	free(data[1]);

	/* 100 records: the first DNS_MAX_RECORDS kept, the rest dropped and
	 * said; never more memory than the bound. */
	for (i = 0; i < 100; i++)
		data[i] = rdata(3, 1, 1, 32, &len[i]);
	data[100] = NULL;
	dropped = dnssec_tlsa_parse(data, len, &out, &n, problem, sizeof problem);
	assert_int_equal(n, DNS_MAX_RECORDS);
	assert_int_equal(dropped, 100 - DNS_MAX_RECORDS);
	assert_non_null(strstr(problem, "more than 64 records"));
	free(out);
	for (i = 0; i < 100; i++)
		free(data[i]);
}

static int fwd_seen(const char *fwd, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s ", fwd);
	return 0;
}

static void test_forwarders(void **state)
{
	char buf[256] = "";

	(void)state;
	assert_int_equal(dnssec_forwarders("127.0.0.1:5353,[::1]:53,192.0.2.1,2001:db8::1",
	                                   fwd_seen, buf), 0);
	assert_string_equal(buf, "127.0.0.1@5353 ::1@53 192.0.2.1 2001:db8::1 ");
	assert_int_equal(dnssec_forwarders("[::1:53", fwd_seen, buf), -1);
}

static void test_status_of(void **state)
{
	struct ub_result r;
	struct model_dnssec d;
	char why[] = "signature expired";

	(void)state;
	memset(&r, 0, sizeof r);
	r.secure = 1;
	dnssec_status_of(0, &r, &d);
	assert_int_equal(d.status, DNSSEC_SECURE);
	r.secure = 0;
	r.bogus = 1;
	r.why_bogus = why;
	dnssec_status_of(0, &r, &d);
	assert_int_equal(d.status, DNSSEC_BOGUS);
	assert_string_equal(d.why, "signature expired");
	r.bogus = 0;
	r.rcode = 2;                    /* SERVFAIL: nothing to judge */
	dnssec_status_of(0, &r, &d);
	assert_int_equal(d.status, DNSSEC_INDETERMINATE);
	r.rcode = 3;                    /* NXDOMAIN, unsigned: insecure */
	dnssec_status_of(0, &r, &d);
	assert_int_equal(d.status, DNSSEC_INSECURE);
	dnssec_status_of(UB_NOMEM, NULL, &d);
	assert_int_equal(d.status, DNSSEC_INDETERMINATE);
	assert_non_null(strstr(d.why, "the validator failed"));
}

/* ---- a context on the loop ---------------------------------------------- */

struct answer_seen {
	struct loop *loop;
	int calls;
	struct model_dnssec dnssec;
	uint64_t at;
};

static void on_answer(const struct dnssec_answer *a, void *arg)
{
	struct answer_seen *s = arg;

	s->calls++;
	s->dnssec = a->dnssec;
	s->at = loop_clock_ms();
	loop_stop(s->loop);
}

static void on_give_up(struct loop_timer *t, void *arg)
{
	(void)t;
	loop_stop(arg);
}

/* A UDP socket on loopback that never answers; its port. */
static int silent_server(int *fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* The validator's options for a silent server on port: the lab-form
 * anchor, that server named (so no recursion), this bound. */
static void silent_options(struct dnssec_options *o, char *servers, size_t size, int port,
                           int timeout_ms)
{
	memset(o, 0, sizeof *o);
	snprintf(servers, size, "127.0.0.1:%d", port);
	o->anchor_file = anchor_file(ksk);
	o->servers = servers;
	o->timeout_ms = timeout_ms;
	o->no_recursion = 1;
}

/*
 * The named resolver never answers: the forwarders' check gives up at
 * half the bound, no other server is asked (the user named this one), and
 * the answer comes within the bound, not validated, with the reason.
 */
static void test_validator_silent_server(void **state)
{
	struct loop *loop = loop_new();
	struct answer_seen seen = { loop, 0, { 0 }, 0 };
	char servers[64], *cause = NULL;
	struct dnssec_options o;
	struct dnssec *v;
	const char *why = NULL;
	uint64_t t0;
	int fd, port = silent_server(&fd);

	(void)state;
	silent_options(&o, servers, sizeof servers, port, 600);
	v = dnssec_new(loop, &o, &cause);
	assert_non_null(v);
	t0 = loop_clock_ms();
	assert_int_equal(dnssec_query(v, "ee.dane.test", DNS_MX, on_answer, &seen, &cause), 0);
	assert_int_equal(seen.calls, 0);        /* never from inside dnssec_query */
	loop_timer_add(loop, 5000, 0, on_give_up, loop);
	loop_run(loop);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.dnssec.status, DNSSEC_UNCHECKED);
	assert_non_null(strstr(seen.dnssec.why, "did not answer within 300 ms"));
	assert_true(seen.at - t0 <= 600 + 200);
	assert_int_equal(dnssec_mode(v, &why), DNSSEC_MODE_UNAVAILABLE);
	assert_non_null(strstr(why, "did not answer"));
	dnssec_free(v);
	unlink(path);
	close(fd);
	loop_free(loop);
}

/* A cancelled question is never answered, and freeing with questions in
 * flight calls nobody back. */
static void test_validator_cancel(void **state)
{
	struct loop *loop = loop_new();
	struct answer_seen a = { loop, 0, { 0 }, 0 }, b = { loop, 0, { 0 }, 0 };
	char servers[64], *cause = NULL;
	struct dnssec_options o;
	struct dnssec *v;
	int fd, port = silent_server(&fd);

	(void)state;
	silent_options(&o, servers, sizeof servers, port, 400);
	v = dnssec_new(loop, &o, &cause);
	assert_non_null(v);
	assert_int_equal(dnssec_query(v, "a.dane.test", DNS_A, on_answer, &a, &cause), 0);
	assert_int_equal(dnssec_query(v, "b.dane.test", DNS_A, on_answer, &b, &cause), 0);
	dnssec_cancel(v, &a);
	loop_timer_add(loop, 2000, 0, on_give_up, loop);
	loop_run(loop);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(dnssec_query(v, "c.dane.test", DNS_A, on_answer, &a, &cause), 0);
	dnssec_free(v);
	assert_int_equal(a.calls, 0);
	/* An empty or too long name is refused at once, with the cause. */
	v = dnssec_new(loop, &o, &cause);
	assert_int_equal(dnssec_query(v, "", DNS_A, on_answer, &a, &cause), -1);
	assert_non_null(strstr(cause, "empty or too long"));
	free(cause);
	dnssec_free(v);
	unlink(path);
	close(fd);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_file),
		cmocka_unit_test(test_tlsa_parse),
		cmocka_unit_test(test_forwarders),
		cmocka_unit_test(test_status_of),
		cmocka_unit_test(test_validator_silent_server),
		cmocka_unit_test(test_validator_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
