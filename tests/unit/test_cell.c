/*
 * The hosts-table cells on constructed models: each cell has the verdict
 * of the checklist item behind it (TLS: the worse of STARTTLS and the
 * certificate) and says it in words from the same facts; a running
 * session's row says its step and the step's countdown.
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

#include "mailflow/cell.h"

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

static void cell(enum cell_col col, struct cell *out)
{
	struct checklist c;

	checklist_build(&dom, &c);
	cell_of(&dom, &c, 0, 0, col, CELL_UTF8, out);
	checklist_free(&c);
}

static void test_healthy_cells(void **state)
{
	struct cell c;

	(void)state;
	domain_init("multi.lab.test");
	host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	cell(CELL_COL_TLS, &c);
	assert_int_equal(c.verdict, V_PASS);
	assert_true(c.mark);
	assert_string_equal(c.lead, "1.3");
	assert_string_equal(c.note, "");
	cell(CELL_COL_RELAY, &c);
	assert_int_equal(c.verdict, V_PASS);      /* a refused relay is good */
	assert_string_equal(c.lead, "refused");
	cell(CELL_COL_RCPT, &c);
	assert_int_equal(c.verdict, V_PASS);
	assert_string_equal(c.lead, "250");
	model_domain_free(&dom);
}

/* badtls: a green "1.3" once; now the certificate's verdict and word. */
static void test_expired_certificate(void **state)
{
	struct model_session *s;
	struct cell c;

	(void)state;
	domain_init("multi.lab.test");
	s = host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	s->tls.days_left = -3;
	cell(CELL_COL_TLS, &c);
	assert_int_equal(c.verdict, V_FAIL);
	assert_string_equal(c.lead, "1.3");
	assert_string_equal(c.note, "expired");
	s->tls.days_left = 60;
	s->tls.name_ok = 0;
	cell(CELL_COL_TLS, &c);
	assert_int_equal(c.verdict, V_WARN);
	assert_string_equal(c.note, "wrong name");
	s->tls.name_ok = 1;
	s->tls.chain_ok = 0;
	cell(CELL_COL_TLS, &c);
	assert_int_equal(c.verdict, V_WARN);
	assert_string_equal(c.note, "untrusted");
	model_domain_free(&dom);
}

static void test_open_relay_and_refusal(void **state)
{
	struct model_session *s;
	struct cell c;

	(void)state;
	domain_init("multi.lab.test");
	s = host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	s->steps[STEP_RELAY].state = STEP_OK;
	s->steps[STEP_RELAY].reason = REASON_NONE;
	s->steps[STEP_RELAY].code = 250;
	cell(CELL_COL_RELAY, &c);
	assert_int_equal(c.verdict, V_FAIL);
	assert_string_equal(c.lead, "open relay");
	s->steps[STEP_RCPT].state = STEP_REJECTED;
	s->steps[STEP_RCPT].reason = REASON_REFUSED;
	s->steps[STEP_RCPT].code = 550;
	cell(CELL_COL_RCPT, &c);
	assert_int_equal(c.verdict, V_FAIL);
	assert_string_equal(c.lead, "550");
	model_domain_free(&dom);
}

/* slow: a late greeting shows its delay with the banner item's verdict. */
static void test_banner_delay(void **state)
{
	struct model_session *s;
	struct checklist cl;
	const struct check_item *it;
	struct cell c;

	(void)state;
	domain_init("multi.lab.test");
	s = host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	s->banner_ms = 3000;
	cell(CELL_COL_BANNER, &c);
	assert_string_equal(c.lead, "3.0 s");
	checklist_build(&dom, &cl);
	it = checklist_find(&cl, "host.banner", 0, 0);
	assert_non_null(it);
	assert_int_equal(c.verdict, it->verdict);
	checklist_free(&cl);
	s->banner_ms = 12000;
	cell(CELL_COL_BANNER, &c);
	assert_int_equal(c.verdict, V_WARN);
	assert_string_equal(c.lead, "12.0 s");
	model_domain_free(&dom);
}

/* A refused connection: the cell says so; later steps are not run. */
static void test_refused_connection(void **state)
{
	struct model_session *s;
	struct cell c;

	(void)state;
	domain_init("multi.lab.test");
	s = host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	steps_not_run_from(s, STEP_BANNER, REASON_EARLIER_STEP);
	s->steps[STEP_CONNECT].state = STEP_FAILED;
	s->steps[STEP_CONNECT].reason = REASON_CONNECT;
	s->steps[STEP_CONNECT].fail = FAIL_CONNECT;
	s->conn_error = CONN_REFUSED;
	s->tls_active = 0;
	s->tls.handshake_done = 0;
	cell(CELL_COL_CONNECT, &c);
	assert_int_equal(c.verdict, V_FAIL);
	assert_string_equal(c.lead, "refused");
	cell(CELL_COL_TLS, &c);
	assert_false(c.mark);
	assert_string_equal(c.lead, "—");
	model_domain_free(&dom);
}

/* Running: steps to come are empty; the row says the step and its clock. */
static void test_running_words(void **state)
{
	struct model_session *s;
	struct smtp_options so;
	struct cell c;
	char buf[64];

	(void)state;
	domain_init("multi.lab.test");
	s = host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	steps_not_run_from(s, STEP_BANNER, REASON_NONE);
	s->done = 0;
	s->started_ms = 1000;
	s->steps[STEP_BANNER].state = STEP_RUNNING;
	s->steps[STEP_BANNER].at_ms = 5;
	cell(CELL_COL_BANNER, &c);
	assert_string_equal(c.lead, "");
	memset(&so, 0, sizeof so);
	so.timeout_ms = 30000;
	assert_true(cell_running_words(s, &so, CELL_UTF8, 1000 + 5 + 12400, buf, sizeof buf));
	assert_string_equal(buf, "banner… 12 s of 30");
	so.banner_timeout_ms = 5000;
	assert_true(cell_running_words(s, &so, 0, 1000 + 5 + 2000, buf, sizeof buf));
	assert_string_equal(buf, "banner... 2 s of 5");
	s->done = 1;
	assert_false(cell_running_words(s, &so, 0, 0, buf, sizeof buf));
	model_domain_free(&dom);
}

/* compare: two hosts with TLS, one certificate expired, the other valid:
 * they disagree (it said "The hosts agree" on badtls). */
static void test_compare_certificates(void **state)
{
	struct model_session *s;
	struct checklist c;
	const struct check_item *it;

	(void)state;
	domain_init("multi.lab.test");
	host_add("mx1.multi.lab.test", 10, "127.0.0.21");
	s = host_add("mx2.multi.lab.test", 20, "127.0.0.22");
	checklist_build(&dom, &c);
	it = checklist_find(&c, "compare", -1, -1);
	assert_non_null(it);
	assert_int_equal(it->verdict, V_PASS);
	checklist_free(&c);
	s->tls.days_left = -1;
	checklist_build(&dom, &c);
	it = checklist_find(&c, "compare", -1, -1);
	assert_non_null(it);
	assert_int_equal(it->verdict, V_WARN);
	assert_non_null(strstr(it->explanation, "certificates differ"));
	checklist_free(&c);
	model_domain_free(&dom);
}

/* The TLS cell carries host.dane's verdict as its own mark: none without
 * DNSSEC, pass for a match (and a self-signed certificate DANE matched is
 * no "untrusted"), fail when nothing matches. */
static void test_dane_mark(void **state)
{
	struct model_session *s;
	struct model_host *h;
	struct cell c;

	(void)state;
	domain_init("dane.lab.test");
	s = host_add("mx1.dane.lab.test", 10, "127.0.0.21");
	cell(CELL_COL_TLS, &c);
	assert_false(c.dane);
	h = &dom.hosts[0];
	h->tlsa.done = 1;
	dom.mx_dnssec.status = h->tlsa_dnssec.status = DNSSEC_SECURE;
	h->dane_tlsa = calloc(1, sizeof *h->dane_tlsa);
	assert_non_null(h->dane_tlsa);
	h->ndane_tlsa = 1;
	h->dane_tlsa[0].usage = 3;
	h->dane_tlsa[0].selector = 1;
	h->dane_tlsa[0].mtype = 1;
	memset(h->dane_tlsa[0].data_hex, 'a', 64);
	s->tls.chain_ok = 0;
	s->dane.state = DANE_STATE_MATCH;
	s->dane.usage = 3;
	s->dane.selector = 1;
	s->dane.mtype = 1;
	cell(CELL_COL_TLS, &c);
	assert_true(c.dane);
	assert_int_equal(c.dane_verdict, V_PASS);
	assert_int_equal(c.verdict, V_PASS);
	assert_string_equal(c.note, "");
	s->dane.state = DANE_STATE_NO_MATCH;
	cell(CELL_COL_TLS, &c);
	assert_true(c.dane);
	assert_int_equal(c.dane_verdict, V_FAIL);
	assert_string_equal(c.note, "untrusted");
	model_domain_free(&dom);
}

/* The words every report writes: lead, mark, note, DANE mark; ASCII
 * marks without CELL_UTF8 (the text report), no mark for a step not run. */
static void test_cell_format(void **state)
{
	struct cell c = { V_FAIL, true, "1.3", "expired", false, V_PENDING };
	char buf[80];

	(void)state;
	assert_int_equal(cell_format(&c, CELL_UTF8, buf, sizeof buf), strlen("1.3 ✗ expired"));
	assert_string_equal(buf, "1.3 ✗ expired");
	cell_format(&c, 0, buf, sizeof buf);
	assert_string_equal(buf, "1.3 x expired");
	c.dane = true;
	c.dane_verdict = V_PASS;
	c.verdict = V_PASS;
	c.note[0] = '\0';
	cell_format(&c, CELL_UTF8, buf, sizeof buf);
	assert_string_equal(buf, "1.3 ✓ DANE ✓");
	cell_format(&c, 0, buf, sizeof buf);
	assert_string_equal(buf, "1.3 + DANE +");
	c.mark = false;
	c.dane = false;
	snprintf(c.lead, sizeof c.lead, "—");
	cell_format(&c, CELL_UTF8, buf, sizeof buf);
	assert_string_equal(buf, "—");
	/* Bounded: a short buffer is cut, still a string. */
	c.mark = true;
	snprintf(c.lead, sizeof c.lead, "refused");
	assert_int_equal(cell_format(&c, 0, buf, 5), 4);
	assert_string_equal(buf, "refu");
	assert_string_equal(cell_mark(V_WARN, CELL_UTF8), "!");
	assert_string_equal(cell_mark(V_SKIP, CELL_UTF8), "–");
	assert_string_equal(cell_mark(V_SKIP, 0), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_cells),
		cmocka_unit_test(test_expired_certificate),
		cmocka_unit_test(test_open_relay_and_refusal),
		cmocka_unit_test(test_banner_delay),
		cmocka_unit_test(test_refused_connection),
		cmocka_unit_test(test_running_words),
		cmocka_unit_test(test_compare_certificates),
		cmocka_unit_test(test_dane_mark),
		cmocka_unit_test(test_cell_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
