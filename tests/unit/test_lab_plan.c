/*
 * The DNS plan against the test lab's NSD on 127.0.0.1:5353 (tests/lab):
 * every case of the plan, a server that never answers, SERVFAIL, REFUSED,
 * and 10 MX hosts x 2 addresses resolved concurrently through a relay that
 * adds 50 ms to every answer. Loopback only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mailflow/defaults.h"
#include "mailflow/loop.h"
#include "mailflow/probe.h"

#define LAB_DNS "127.0.0.1:5353"

struct run {
	struct loop *loop;
	struct probe *probe;
	int done;
	int guard_fired;
	int changes;
	uint64_t elapsed;
};

static void on_plan_done(struct probe *p, void *arg)
{
	struct run *r = arg;

	(void)p;
	r->done = 1;
	loop_stop(r->loop);
}

static void on_change(struct probe *p, void *arg)
{
	(void)p;
	((struct run *)arg)->changes++;
}

static void on_guard(struct loop_timer *t, void *arg)
{
	struct run *r = arg;

	(void)t;
	r->guard_fired = 1;
	loop_stop(r->loop);
}

/* Runs the plan of input to completion (or a 20 s guard). */
static const struct model_domain *plan(struct run *r, struct loop *loop,
                                       const char *input, const char *servers,
                                       int timeout_ms, int tries)
{
	struct probe_options opt = { .dns = { servers, timeout_ms, tries }, .smtp = 0 };
	struct probe_callbacks cb = { on_change, on_plan_done, NULL, r };
	struct loop_timer *guard;
	struct target t;
	char *cause = NULL;
	uint64_t t0;

	memset(r, 0, sizeof *r);
	r->loop = loop;
	if (target_parse(input, &t, &cause) != 0)
		fail_msg("target %s: %s", input, cause);
	t0 = loop_clock_ms();
	r->probe = probe_new(loop, &t, &opt, &cb, &cause);
	if (r->probe == NULL)
		fail_msg("probe_new: %s", cause);
	guard = loop_timer_add(loop, 20000, 0, on_guard, r);
	loop_run(loop);
	r->elapsed = loop_clock_ms() - t0;
	if (!r->guard_fired)
		loop_timer_remove(guard);
	assert_false(r->guard_fired);
	assert_true(r->done);
	assert_true(probe_model(r->probe)->complete);
	assert_int_equal(probe_plan_pending(r->probe), 0);
	return probe_model(r->probe);
}

static int count_findings(const struct model_domain *d)
{
	return (int)d->nfindings;
}

static void dump_findings(const struct model_domain *d)
{
	size_t i;

	for (i = 0; i < d->nfindings; i++)
		printf("# finding %s %s: %s\n", model_finding_id(d->findings[i].kind),
		       d->findings[i].subject, d->findings[i].detail);
}

static void test_healthy(void **state)
{
	struct loop *loop = *state;
	struct run r;
	const struct model_domain *d = plan(&r, loop, "postmaster@healthy.lab.test",
	                                    LAB_DNS, 1000, 2);
	size_t i;

	dump_findings(d);
	assert_int_equal(d->mx.status, DNS_OK);
	assert_int_equal(d->nhosts, 2);
	assert_string_equal(d->hosts[0].name, "mx1.healthy.lab.test");
	assert_int_equal(d->hosts[0].pref, 10);
	assert_string_equal(d->hosts[1].name, "mx2.healthy.lab.test");
	assert_int_equal(d->hosts[1].pref, 20);
	assert_false(d->hosts[0].pref_shared);
	for (i = 0; i < 2; i++) {
		const struct model_host *h = &d->hosts[i];
		char want[32];

		assert_int_equal(h->a.status, DNS_OK);
		assert_int_equal(h->aaaa.status, DNS_NODATA);
		assert_int_equal(h->naddrs, 1);
		snprintf(want, sizeof want, "127.0.0.%zu", 11 + i);
		assert_string_equal(h->addrs[0].addr, want);
		assert_int_equal(h->addrs[0].ptr.status, DNS_OK);
		assert_string_equal(h->addrs[0].ptr_names[0], h->name);
		assert_int_equal(h->addrs[0].fcrdns, 1);
		assert_string_equal(h->addrs[0].fcrdns_name, h->name);
		assert_string_equal(h->cname, "");
	}
	assert_int_equal(d->hosts[0].tlsa.status, DNS_OK);
	assert_int_equal(d->hosts[0].ntlsa, 1);
	assert_int_equal(d->hosts[0].tlsa_records[0].usage, 3);
	assert_int_equal(d->hosts[0].tlsa_records[0].selector, 1);
	assert_int_equal(d->hosts[0].tlsa_records[0].mtype, 1);
	assert_int_equal(strlen(d->hosts[0].tlsa_records[0].data_hex), 64);
	assert_int_equal(d->hosts[1].tlsa.status, DNS_NXDOMAIN);

	assert_int_equal(d->spf.nrecords, 1);
	assert_string_equal(d->spf.records[0], "v=spf1 mx -all");
	assert_int_equal(d->dmarc.nrecords, 1);
	assert_non_null(strstr(d->dmarc.records[0], "p=none"));
	assert_int_equal(d->mta_sts.nrecords, 1);
	assert_int_equal(d->tls_rpt.nrecords, 1);
	assert_int_equal(count_findings(d), 0);
	assert_true(r.changes > 5);
	assert_true(d->dns_ms <= r.elapsed + 1);
	probe_free(r.probe);
}

static void test_implicit_null_nxdomain(void **state)
{
	struct loop *loop = *state;
	struct run r;
	const struct model_domain *d;

	d = plan(&r, loop, "implicit.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->mx.status, DNS_NODATA);
	assert_true(d->implicit_mx);
	assert_int_equal(d->nhosts, 1);
	assert_true(d->hosts[0].implicit);
	assert_string_equal(d->hosts[0].name, "implicit.lab.test");
	assert_int_equal(d->hosts[0].naddrs, 1);
	assert_string_equal(d->hosts[0].addrs[0].addr, "127.0.0.13");
	assert_non_null(model_finding_find(d, FINDING_IMPLICIT_MX, NULL));
	assert_int_equal(d->spf.lookup.status, DNS_NODATA);
	assert_int_equal(d->dmarc.lookup.status, DNS_NXDOMAIN);
	probe_free(r.probe);

	d = plan(&r, loop, "nullmx.lab.test", LAB_DNS, 1000, 2);
	assert_true(d->null_mx);
	assert_int_equal(d->nhosts, 0);
	assert_non_null(model_finding_find(d, FINDING_NULL_MX, "nullmx.lab.test"));
	assert_null(model_finding_find(d, FINDING_IMPLICIT_MX, NULL));
	probe_free(r.probe);

	d = plan(&r, loop, "nxdomain.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->mx.status, DNS_NXDOMAIN);
	assert_int_equal(d->nhosts, 0);
	assert_non_null(model_finding_find(d, FINDING_DOMAIN_NXDOMAIN, NULL));
	assert_null(model_finding_find(d, FINDING_DNS_FAILURE, NULL));
	probe_free(r.probe);
}

static void test_mx_target_findings(void **state)
{
	struct loop *loop = *state;
	struct run r;
	const struct model_domain *d;
	const struct model_finding *f;

	d = plan(&r, loop, "cname.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->nhosts, 1);
	assert_string_equal(d->hosts[0].cname, "mx1.healthy.lab.test");
	assert_int_equal(d->hosts[0].naddrs, 1);
	assert_string_equal(d->hosts[0].addrs[0].addr, "127.0.0.11");
	assert_non_null(model_finding_find(d, FINDING_MX_TARGET_CNAME, "mx.cname.lab.test"));
	probe_free(r.probe);

	d = plan(&r, loop, "iplit.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->nhosts, 1);
	assert_true(d->hosts[0].ip_literal);
	assert_non_null(model_finding_find(d, FINDING_MX_TARGET_IP_LITERAL, "127.0.0.11"));
	assert_non_null(model_finding_find(d, FINDING_MX_TARGET_NO_ADDRESS, "127.0.0.11"));
	probe_free(r.probe);

	d = plan(&r, loop, "noaddr.lab.test", LAB_DNS, 1000, 2);
	dump_findings(d);
	assert_true(d->nhosts >= 1);
	f = model_finding_find(d, FINDING_MX_TARGET_NO_ADDRESS, d->hosts[0].name);
	assert_non_null(f);
	assert_int_equal(d->hosts[0].naddrs, 0);
	assert_non_null(strstr(f->detail, "nodata"));
	probe_free(r.probe);

	d = plan(&r, loop, "twospf.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->spf.nrecords, 2);
	assert_non_null(model_finding_find(d, FINDING_SPF_MULTIPLE, NULL));
	probe_free(r.probe);

	d = plan(&r, loop, "equal.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->nhosts, 2);
	assert_int_equal(d->hosts[0].pref, d->hosts[1].pref);
	assert_true(d->hosts[0].pref_shared);
	assert_true(d->hosts[1].pref_shared);
	probe_free(r.probe);
}

/* A run has a size limit: hosts and addresses past the caps are left out,
 * and the plan says how many (issue 17, point 5). */
static void test_caps(void **state)
{
	struct loop *loop = *state;
	struct run r;
	const struct model_domain *d;
	const struct model_finding *f;

	d = plan(&r, loop, "manymx.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->nhosts, DEFAULT_MX_HOSTS_MAX);
	assert_string_equal(d->hosts[0].name, "m1.manymx.lab.test");
	assert_int_equal(d->hosts[DEFAULT_MX_HOSTS_MAX - 1].pref, DEFAULT_MX_HOSTS_MAX * 10);
	f = model_finding_find(d, FINDING_MX_HOSTS_CAPPED, NULL);
	assert_non_null(f);
	assert_non_null(strstr(f->detail, "20 MX hosts"));
	assert_non_null(strstr(f->detail, "leaves 4 out"));
	probe_free(r.probe);

	d = plan(&r, loop, "manyaddr.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->nhosts, 1);
	assert_int_equal(d->hosts[0].naddrs, DEFAULT_HOST_ADDRS_MAX);
	assert_int_equal(d->hosts[0].addrs_left_out, 12 - DEFAULT_HOST_ADDRS_MAX);
	f = model_finding_find(d, FINDING_HOST_ADDRS_CAPPED, "mx.manyaddr.lab.test");
	assert_non_null(f);
	assert_non_null(strstr(f->detail, "12 addresses"));
	assert_null(model_finding_find(d, FINDING_MX_HOSTS_CAPPED, NULL));
	probe_free(r.probe);
}

static void test_reverse_dns_findings(void **state)
{
	struct loop *loop = *state;
	struct run r;
	const struct model_domain *d;

	d = plan(&r, loop, "badptr.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->nhosts, 1);
	assert_int_equal(d->hosts[0].naddrs, 1);
	assert_int_equal(d->hosts[0].addrs[0].fcrdns, 0);
	assert_int_equal(d->hosts[0].addrs[0].nptr, 1);
	assert_non_null(model_finding_find(d, FINDING_FCRDNS_MISMATCH,
	                                   d->hosts[0].addrs[0].addr));
	probe_free(r.probe);

	d = plan(&r, loop, "noptr.lab.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->nhosts, 1);
	assert_int_equal(d->hosts[0].naddrs, 1);
	assert_int_equal(d->hosts[0].addrs[0].ptr.status, DNS_NXDOMAIN);
	assert_non_null(model_finding_find(d, FINDING_PTR_MISSING,
	                                   d->hosts[0].addrs[0].addr));
	probe_free(r.probe);
}

static void test_servfail_and_refused(void **state)
{
	struct loop *loop = *state;
	struct run r;
	const struct model_domain *d;
	const struct model_finding *f;

	d = plan(&r, loop, "servfail.test", LAB_DNS, 1000, 2);
	assert_int_equal(d->mx.status, DNS_SERVFAIL);
	f = model_finding_find(d, FINDING_DNS_FAILURE, "servfail.test");
	assert_non_null(f);
	assert_int_equal(f->status, DNS_SERVFAIL);
	assert_int_equal(f->qtype, DNS_MX);
	probe_free(r.probe);

	/* The lab server is authoritative only: any other name is refused. */
	d = plan(&r, loop, "outside.example", LAB_DNS, 1000, 2);
	assert_int_equal(d->mx.status, DNS_REFUSED);
	f = model_finding_find(d, FINDING_DNS_FAILURE, "outside.example");
	assert_non_null(f);
	assert_int_equal(f->status, DNS_REFUSED);
	probe_free(r.probe);
}

/* A DNS "server" that never answers: a bound UDP socket nobody reads. */
static void test_server_never_answers(void **state)
{
	struct loop *loop = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof sin;
	char servers[64];
	struct run r;
	const struct model_domain *d;
	const struct model_finding *f;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &slen), 0);
	snprintf(servers, sizeof servers, "127.0.0.1:%u", ntohs(sin.sin_port));

	/* timeout 300 ms, 2 tries: c-ares waits 300 then 600 ms. */
	d = plan(&r, loop, "healthy.lab.test", servers, 300, 2);
	assert_int_equal(d->mx.status, DNS_TIMEOUT);
	f = model_finding_find(d, FINDING_DNS_FAILURE, "healthy.lab.test");
	assert_non_null(f);
	assert_int_equal(f->status, DNS_TIMEOUT);
	assert_int_equal(d->spf.lookup.status, DNS_TIMEOUT);
	assert_true(r.elapsed >= 800);
	assert_true(r.elapsed <= 900 + 400);
	printf("# bench: silent DNS server, timeout 300 ms x 2 tries (limit 900 ms): "
	       "plan ended with a timeout finding after %llu ms\n",
	       (unsigned long long)r.elapsed);
	probe_free(r.probe);
	close(s);
}

/* ---- a relay that delays every answer, to make concurrency visible ---- */

#define RELAY_DELAY_MS 50

struct relay {
	struct loop *loop;
	int sock;
	struct loop_watch *watch;
	int queries;
};

struct relayed {
	struct relay *relay;
	int up;
	struct loop_watch *watch;
	struct sockaddr_storage client;
	socklen_t clen;
	unsigned char buf[4096];
	ssize_t n;
};

static void on_delay_over(struct loop_timer *t, void *arg)
{
	struct relayed *q = arg;

	(void)t;
	sendto(q->relay->sock, q->buf, (size_t)q->n, 0,
	       (struct sockaddr *)&q->client, q->clen);
	free(q);
}

static void on_upstream(struct loop_watch *w, int fd, unsigned ev, void *arg)
{
	struct relayed *q = arg;

	(void)ev;
	q->n = recv(fd, q->buf, sizeof q->buf, 0);
	loop_watch_remove(w);
	close(fd);
	if (q->n <= 0) {
		free(q);
		return;
	}
	loop_timer_add(q->relay->loop, RELAY_DELAY_MS, 0, on_delay_over, q);
}

static void on_client(struct loop_watch *w, int fd, unsigned ev, void *arg)
{
	struct relay *rl = arg;
	struct sockaddr_in up = { .sin_family = AF_INET, .sin_port = htons(5353) };
	struct relayed *q = calloc(1, sizeof *q);

	(void)w; (void)ev;
	assert_non_null(q);
	q->relay = rl;
	q->clen = sizeof q->client;
	q->n = recvfrom(fd, q->buf, sizeof q->buf, 0,
	                (struct sockaddr *)&q->client, &q->clen);
	if (q->n <= 0) {
		free(q);
		return;
	}
	rl->queries++;
	up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	q->up = socket(AF_INET, SOCK_DGRAM, 0);
	(void)connect(q->up, (struct sockaddr *)&up, sizeof up);
	send(q->up, q->buf, (size_t)q->n, 0);
	q->watch = loop_watch_add(rl->loop, q->up, LOOP_READ, on_upstream, q);
}

static uint64_t lookup_sum(const struct model_domain *d, int *n)
{
	uint64_t sum = d->mx.ms + d->spf.lookup.ms + d->dmarc.lookup.ms +
	               d->mta_sts.lookup.ms + d->tls_rpt.lookup.ms;
	size_t i, j;

	*n = 5;
	for (i = 0; i < d->nhosts; i++) {
		const struct model_host *h = &d->hosts[i];

		sum += h->a.ms + h->aaaa.ms + h->tlsa.ms;
		*n += 3;
		for (j = 0; j < h->naddrs; j++) {
			sum += h->addrs[j].ptr.ms;
			(*n)++;
		}
	}
	return sum;
}

static void test_ten_mx_two_addresses_concurrently(void **state)
{
	struct loop *loop = *state;
	struct relay rl = { .loop = loop };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof sin;
	char servers[64];
	struct run r;
	const struct model_domain *d;
	uint64_t sum;
	size_t i;
	int n;

	rl.sock = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(rl.sock, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(rl.sock, (struct sockaddr *)&sin, &slen), 0);
	snprintf(servers, sizeof servers, "127.0.0.1:%u", ntohs(sin.sin_port));
	rl.watch = loop_watch_add(loop, rl.sock, LOOP_READ, on_client, &rl);

	d = plan(&r, loop, "big.lab.test", servers, 2000, 2);
	dump_findings(d);
	assert_int_equal(d->nhosts, 10);
	for (i = 0; i < d->nhosts; i++) {
		assert_int_equal(d->hosts[i].pref, 10 * (i + 1));
		assert_int_equal(d->hosts[i].naddrs, 2);
		assert_int_equal(d->hosts[i].addrs[0].fcrdns, 1);
		assert_int_equal(d->hosts[i].addrs[1].fcrdns, 1);
	}
	assert_int_equal(model_address_count(d), 20);
	assert_int_equal(count_findings(d), 0);
	sum = lookup_sum(d, &n);
	/* Four dependent steps (MX, address, PTR, forward) of 50 ms each is
	 * the floor; sequential would be the sum of every lookup. */
	assert_true(sum >= (uint64_t)n * RELAY_DELAY_MS);
	assert_true(d->dns_ms * 5 < sum);
	assert_true(d->dns_ms < 1000);
	printf("# bench: big.lab.test 10 MX x 2 addresses, %d queries through the "
	       "relay (+%d ms each; %d relayed incl. forward checks): plan %llu ms, "
	       "sum of the single lookups %llu ms\n", n, RELAY_DELAY_MS, rl.queries,
	       (unsigned long long)d->dns_ms, (unsigned long long)sum);
	probe_free(r.probe);
	loop_watch_remove(rl.watch);
	close(rl.sock);
}

/* Freeing a probe with queries in flight cancels them cleanly. */
static void test_free_while_in_flight(void **state)
{
	struct loop *loop = *state;
	struct probe_options opt = { .dns = { LAB_DNS, 1000, 2 } };
	struct target t;
	char *cause = NULL;
	struct probe *p;

	assert_int_equal(target_parse("healthy.lab.test", &t, &cause), 0);
	p = probe_new(loop, &t, &opt, NULL, &cause);
	assert_non_null(p);
	assert_true(probe_plan_pending(p) >= 5);
	loop_run_once(loop, 0);
	probe_free(p);
	/* Nothing of it is left on the loop. */
	assert_int_equal(loop_run(loop), 0);
}

static int setup(void **state)
{
	*state = loop_new();
	return *state == NULL;
}

static int teardown(void **state)
{
	loop_free(*state);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_implicit_null_nxdomain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mx_target_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_dns_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_servfail_and_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_never_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ten_mx_two_addresses_concurrently, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_while_in_flight, setup, teardown),
	};

	/* "test_lab_plan NAME" runs one test (used for the valgrind run). */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("lab_plan", tests, NULL, NULL);
}
