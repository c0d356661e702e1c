/*
 * The summary on constructed models: each host's verdict is the worst of
 * its checklist items, its words follow its session, and the domain's
 * sentence names the host that takes mail first and then what is wrong
 * with the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/summary.h"

#include "fixture_domain.h"

static void steps_not_run_from(struct model_session *s, int from, enum model_reason why)
{
	int st;

	for (st = from; st < STEP__COUNT; st++) {
		s->steps[st].state = STEP_NOT_RUN;
		s->steps[st].reason = why;
		s->steps[st].code = 0;
	}
}

static void sentence(char *buf, size_t size)
{
	struct checklist c;

	checklist_build(&dom, &c);
	summary_domain_text(&dom, &c, buf, size);
	checklist_free(&c);
}

static void host_verdict(long hi, struct summary_host *sh, enum verdict *worst_item)
{
	struct checklist c;
	size_t i;

	checklist_build(&dom, &c);
	summary_host(&dom, &c, hi, 0, sh);
	*worst_item = V_SKIP;
	for (i = 0; i < c.n; i++)
		if (c.items[i].host == hi && c.items[i].verdict == V_FAIL)
			*worst_item = V_FAIL;
	checklist_free(&c);
}

static void test_multi_sentence(void **state)
{
	struct model_session *s;
	char buf[1024];

	(void)state;
	domain_init("multi.lab.test");
	host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	s = host_add("mx2.multi.lab.test", 20, "127.0.0.22");
	s->tls_active = 0;
	s->starttls_offered = 0;
	s->steps[STEP_STARTTLS].state = STEP_SKIPPED;
	s->steps[STEP_STARTTLS].reason = REASON_NOT_OFFERED;
	s->tls.handshake_done = 0;
	s = host_add("mx3.multi.lab.test", 30, "127.0.0.23");
	s->steps[STEP_CONNECT].state = STEP_FAILED;
	s->steps[STEP_CONNECT].reason = REASON_CONNECT;
	s->conn_error = CONN_REFUSED;
	s->tls_active = 0;
	steps_not_run_from(s, STEP_BANNER, REASON_EARLIER_STEP);
	s = host_add("mx4.multi.lab.test", 40, "127.0.0.24");
	s->steps[STEP_BANNER].state = STEP_REJECTED;
	s->steps[STEP_BANNER].reason = REASON_REFUSED;
	s->steps[STEP_BANNER].code = 554;
	snprintf(s->steps[STEP_BANNER].enhanced, 16, "5.7.1");
	s->tls_active = 0;
	steps_not_run_from(s, STEP_EHLO, REASON_EARLIER_STEP);
	sentence(buf, sizeof buf);
	assert_string_equal(buf,
	        "Mail to multi.lab.test can be delivered: mx1 (preferred) accepts it with "
	        "valid TLS; mx2 accepts it without TLS (STARTTLS not offered). mx3 refuses "
	        "connections; mx4 refuses mail at the greeting (554 5.7.1).");
	model_domain_free(&dom);
}

static void test_host_verdict_is_worst_item(void **state)
{
	struct model_session *s;
	struct summary_host sh;
	enum verdict worst;

	(void)state;
	domain_init("badtls.lab.test");
	s = host_add("mx.badtls.lab.test", 10, "127.0.0.30");
	s->tls.chain_ok = 0;
	s->tls.verify_expired = 1;
	s->tls.days_left = -640;
	host_verdict(0, &sh, &worst);
	assert_int_equal(worst, V_FAIL);
	assert_int_equal(sh.verdict, V_FAIL);
	assert_int_equal(sh.outcome, OUTCOME_ACCEPTS);
	assert_non_null(strstr(sh.words, "expired"));
	model_domain_free(&dom);
}

static void test_temporary_is_delayed(void **state)
{
	struct model_session *s;
	char buf[512];

	(void)state;
	domain_init("busy.lab.test");
	s = host_add("mx.busy.lab.test", 10, "127.0.0.31");
	s->steps[STEP_BANNER].state = STEP_REJECTED;
	s->steps[STEP_BANNER].reason = REASON_REFUSED;
	s->steps[STEP_BANNER].code = 421;
	snprintf(s->steps[STEP_BANNER].enhanced, 16, "4.7.0");
	s->tls_active = 0;
	steps_not_run_from(s, STEP_EHLO, REASON_EARLIER_STEP);
	sentence(buf, sizeof buf);
	assert_string_equal(buf, "Mail to busy.lab.test is delayed for now: mx defers "
	                    "mail at the greeting (421 4.7.0): retry later.");
	model_domain_free(&dom);
}

static void test_running_and_dns(void **state)
{
	struct model_session *s;
	char buf[512];

	(void)state;
	domain_init("eight.lab.test");
	host_add("mx1.eight.lab.test", 10, "127.0.0.51");
	s = host_add("mx2.eight.lab.test", 10, "127.0.0.52");
	s->done = 0;
	s->running = 1;
	sentence(buf, sizeof buf);
	assert_string_equal(buf, "Checking mail to eight.lab.test: 1/2 hosts done.");
	model_domain_free(&dom);

	domain_init("nowhere.lab.test");
	dom.mx.status = DNS_NXDOMAIN;
	sentence(buf, sizeof buf);
	assert_non_null(strstr(buf, "cannot be delivered: the domain does not exist"));
	model_domain_free(&dom);

	domain_init("null.lab.test");
	dom.null_mx = 1;
	sentence(buf, sizeof buf);
	assert_non_null(strstr(buf, "accepts no mail"));
	model_domain_free(&dom);
}

static void test_quit_after_answers(void **state)
{
	struct model_session *s;
	char buf[512];

	(void)state;
	domain_init("example.test");
	s = host_add("mail.example.test", 10, "192.0.2.1");
	steps_not_run_from(s, STEP_AUTH, REASON_QUIT_AFTER);
	s->steps[STEP_QUIT].state = STEP_OK;
	s->steps[STEP_QUIT].code = 221;
	sentence(buf, sizeof buf);
	assert_non_null(strstr(buf, "The mail servers of example.test answer: mail "
	                            "answers with valid TLS"));
	assert_null(strstr(buf, "can be delivered"));
	model_domain_free(&dom);
}

static void test_small_buffer(void **state)
{
	char buf[24];

	(void)state;
	domain_init("multi.lab.test");
	host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	sentence(buf, sizeof buf);
	assert_int_equal(strlen(buf), sizeof buf - 1);
	model_domain_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_sentence),
		cmocka_unit_test(test_host_verdict_is_worst_item),
		cmocka_unit_test(test_temporary_is_delayed),
		cmocka_unit_test(test_running_and_dns),
		cmocka_unit_test(test_quit_after_answers),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
