/*
 * fixture_domain.h — the constructed model that test_summary and test_cell
 * start from: a domain whose DNS is all answered, and hosts whose one
 * address passed every step with valid TLS (each test then breaks what it
 * checks). Included by one test file each: its functions are static.
 */
#ifndef MAILFLOW_TEST_FIXTURE_DOMAIN_H
#define MAILFLOW_TEST_FIXTURE_DOMAIN_H

#include <stdio.h>
#include <stdlib.h>

#include "mailflow/model.h"
#include "mailflow/target.h"

static struct model_domain dom;

static void domain_init(const char *domain)
{
	struct target t;

	assert_int_equal(target_parse(domain, &t, NULL), 0);
	model_domain_init(&dom, &t);
	dom.mx.done = 1;
	dom.mx.status = DNS_OK;
	dom.complete = 1;
	dom.spf.lookup.done = dom.dmarc.lookup.done = 1;
	dom.mta_sts.lookup.done = dom.tls_rpt.lookup.done = 1;
	dom.spf.lookup.status = dom.dmarc.lookup.status = DNS_NODATA;
	dom.mta_sts.lookup.status = dom.tls_rpt.lookup.status = DNS_NXDOMAIN;
}

/* A host with one address whose session passed every step with valid TLS. */
static struct model_session *host_add(const char *name, uint16_t pref, const char *addr)
{
	size_t hi = model_host_add(&dom, name, pref);
	struct model_host *h = &dom.hosts[hi];
	size_t ai = model_address_add(h, addr, 4);
	struct model_session *s = calloc(1, sizeof *s);
	int st;

	assert_non_null(s);
	h->a.done = h->aaaa.done = 1;
	h->addrs[ai].session = s;
	h->addrs[ai].ptr.done = 1;
	h->addrs[ai].ptr.status = DNS_OK;
	h->addrs[ai].fcrdns = 1;
	h->addrs[ai].nptr = 1;
	snprintf(h->addrs[ai].ptr_names[0], DNS_NAME_MAX, "%s", name);
	snprintf(s->host, sizeof s->host, "%s", name);
	snprintf(s->addr, sizeof s->addr, "%s", addr);
	s->port = 25;
	s->done = 1;
	for (st = 0; st < STEP__COUNT; st++) {
		s->steps[st].state = STEP_OK;
		s->steps[st].code = 250;
	}
	s->steps[STEP_BANNER].code = 220;
	snprintf(s->steps[STEP_BANNER].text, sizeof s->steps[0].text, "%s ESMTP", name);
	s->steps[STEP_RELAY].state = STEP_REJECTED;
	s->steps[STEP_RELAY].reason = REASON_REFUSED;
	s->steps[STEP_RELAY].code = 550;
	snprintf(s->steps[STEP_RELAY].enhanced, 16, "5.7.1");
	s->steps[STEP_AUTH].state = STEP_SKIPPED;
	s->steps[STEP_AUTH].reason = REASON_BY_OPTION;
	s->steps[STEP_QUIT].code = 221;
	s->tls_active = 1;
	s->starttls_offered = 1;
	s->tls.handshake_done = 1;
	s->tls.chain_ok = s->tls.name_ok = 1;
	s->tls.days_left = 60;
	snprintf(s->tls.version, sizeof s->tls.version, "TLSv1.3");
	return s;
}

#endif
