/*
 * model.c — the run's data (see include/mailflow/model.h).
 */
#include "mailflow/defaults.h"
#include "mailflow/model.h"
#include "mailflow/sender.h"
#include "mailflow/xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const finding_ids[] = {
#define MODEL_FINDING_ID(name, id) [FINDING_##name] = (id),
	MODEL_FINDINGS(MODEL_FINDING_ID)
#undef MODEL_FINDING_ID
};

/* Grows an array by one zeroed element and returns it. */
static void *array_push(void **array, size_t *n, size_t elem)
{
	char *p = xreallocarray(*array, *n + 1, elem);

	*array = p;
	memset(p + *n * elem, 0, elem);
	return p + (*n)++ * elem;
}

static const char *const step_ids[] = {
#define MODEL_STEP_ID(name, id) [STEP_##name] = (id),
	MODEL_STEPS(MODEL_STEP_ID)
#undef MODEL_STEP_ID
};

const char *model_step_id(enum model_step_id step)
{
	if ((size_t)step < STEP__COUNT)
		return step_ids[step];
	return "?";
}

const char *model_step_state_name(enum model_step_state state)
{
	static const char *const names[] = {
		[STEP_NOT_RUN] = "not run", [STEP_RUNNING] = "running",
		[STEP_OK] = "ok", [STEP_REJECTED] = "rejected",
		[STEP_FAILED] = "failed", [STEP_SKIPPED] = "skipped",
	};

	if ((size_t)state < sizeof names / sizeof names[0])
		return names[state];
	return "?";
}

const char *model_fail_name(enum model_fail fail)
{
	static const char *const names[] = {
		[FAIL_NONE] = "", [FAIL_CONNECT] = "connect",
		[FAIL_TIMEOUT] = "timeout", [FAIL_CLOSED] = "closed",
		[FAIL_PROTOCOL] = "protocol", [FAIL_TLS] = "tls",
		[FAIL_POLICY] = "policy",
	};

	if ((size_t)fail < sizeof names / sizeof names[0])
		return names[fail];
	return "?";
}

static const struct {
	const char *name;
	enum model_fail fail;
} reasons[] = {
#define MODEL_REASON_ROW(name, id, fail) [REASON_##name] = { id, fail },
	MODEL_REASONS(MODEL_REASON_ROW)
#undef MODEL_REASON_ROW
};

const char *model_reason_name(enum model_reason reason)
{
	if ((size_t)reason < REASON__COUNT)
		return reasons[reason].name;
	return "?";
}

enum model_fail model_reason_fail(enum model_reason reason)
{
	if ((size_t)reason < REASON__COUNT)
		return reasons[reason].fail;
	return FAIL_NONE;
}

struct model_line *model_session_add_line(struct model_session *s, char dir,
                                          uint64_t at_ms, const char *bytes,
                                          size_t len)
{
	size_t max = s->transcript_max ? s->transcript_max : DEFAULT_TRANSCRIPT_MAX;
	struct model_line *l;
	char *copy;

	if (s->transcript_bytes + len > max) {
		s->transcript_cut = 1;
		return NULL;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, bytes, len);
	copy[len] = '\0';
	l = array_push((void **)&s->lines, &s->nlines, sizeof *l);
	l->dir = dir;
	l->at_ms = at_ms;
	l->bytes = copy;
	l->len = len;
	s->transcript_bytes += len;
	return l;
}

void model_session_end(struct model_session *s, enum model_reason reason,
                       const char *why)
{
	int i;

	for (i = 0; i < STEP__COUNT; i++) {
		struct model_step *st = &s->steps[i];

		if (st->state != STEP_NOT_RUN && st->state != STEP_RUNNING)
			continue;
		st->state = STEP_SKIPPED;
		st->reason = reason;
		st->fail = model_reason_fail(reason);
		snprintf(st->detail, sizeof st->detail, "%s", why);
	}
	s->running = 0;
	s->done = 1;
}

void model_session_free(struct model_session *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nlines; i++)
		free(s->lines[i].bytes);
	free(s->lines);
	free(s->fallback.steps);
	free(s);
}

const char *model_finding_id(enum model_finding_kind kind)
{
	if ((size_t)kind < FINDING__COUNT)
		return finding_ids[kind];
	return "?";
}


void model_domain_init(struct model_domain *d, const struct target *t)
{
	memset(d, 0, sizeof *d);
	d->dnssec_mode_why = "";
	if (t != NULL)
		d->target = *t;
}

static void policy_free(struct model_policy *p)
{
	size_t i;

	for (i = 0; i < p->nrecords; i++)
		free(p->records[i]);
	free(p->records);
}

void model_domain_free(struct model_domain *d)
{
	size_t i;

	for (i = 0; i < d->nhosts; i++) {
		size_t j;

		for (j = 0; j < d->hosts[i].naddrs; j++)
			model_session_free(d->hosts[i].addrs[j].session);
		free(d->hosts[i].addrs);
		free(d->hosts[i].tlsa_records);
		free(d->hosts[i].dane_tlsa);
	}
	free(d->hosts);
	policy_free(&d->spf);
	policy_free(&d->dmarc);
	policy_free(&d->mta_sts);
	policy_free(&d->tls_rpt);
	sts_policy_clear(&d->sts.policy);
	free(d->findings);
	sender_facts_free(d->sender);
	memset(d, 0, sizeof *d);
}

size_t model_host_add(struct model_domain *d, const char *name, uint16_t pref)
{
	struct model_host *h = array_push((void **)&d->hosts, &d->nhosts, sizeof *h);

	snprintf(h->name, sizeof h->name, "%s", name);
	h->pref = pref;
	return d->nhosts - 1;
}

size_t model_address_add(struct model_host *h, const char *addr, int family)
{
	struct model_address *a;
	size_t i;

	for (i = 0; i < h->naddrs; i++)
		if (strcmp(h->addrs[i].addr, addr) == 0)
			return i;
	a = array_push((void **)&h->addrs, &h->naddrs, sizeof *a);
	snprintf(a->addr, sizeof a->addr, "%s", addr);
	a->family = family;
	a->fcrdns = -1;
	return h->naddrs - 1;
}

void model_policy_add(struct model_policy *p, const char *text)
{
	char **slot = array_push((void **)&p->records, &p->nrecords, sizeof *slot);

	*slot = xstrdup(text);
}

void model_tlsa_add(struct model_host *h, const struct dns_record *rec)
{
	struct model_tlsa *t;
	size_t i;

	t = array_push((void **)&h->tlsa_records, &h->ntlsa, sizeof *t);
	t->usage = rec->usage;
	t->selector = rec->selector;
	t->mtype = rec->mtype;
	for (i = 0; i < rec->data_len && i < DNS_TLSA_DATA_MAX; i++)
		snprintf(t->data_hex + 2 * i, 3, "%02x", rec->data[i]);
}

struct model_finding *model_finding_add(struct model_domain *d,
                                        enum model_finding_kind kind,
                                        const char *subject, const char *fmt, ...)
{
	struct model_finding *f;
	va_list ap;

	f = array_push((void **)&d->findings, &d->nfindings, sizeof *f);
	f->kind = kind;
	snprintf(f->subject, sizeof f->subject, "%s", subject);
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof f->detail, fmt, ap);
	va_end(ap);
	return f;
}

void model_lookup_set(struct model_lookup *l, const struct dns_result *r)
{
	l->done = 1;
	l->type = r->type;
	snprintf(l->qname, sizeof l->qname, "%s", r->qname);
	l->status = r->status;
	l->ms = r->elapsed_ms;
	snprintf(l->detail, sizeof l->detail, "%s", r->detail ? r->detail : "");
}

const struct model_finding *model_finding_find(const struct model_domain *d,
                                               enum model_finding_kind kind,
                                               const char *subject)
{
	size_t i;

	for (i = 0; i < d->nfindings; i++)
		if (d->findings[i].kind == kind &&
		    (subject == NULL || strcmp(d->findings[i].subject, subject) == 0))
			return &d->findings[i];
	return NULL;
}

size_t model_address_count(const struct model_domain *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->nhosts; i++)
		n += d->hosts[i].naddrs;
	return n;
}

int model_host_dane_settled(const struct model_domain *d, const struct model_host *h)
{
	return d->mx_dnssec.status != DNSSEC_PENDING &&
	       h->tlsa_dnssec.status != DNSSEC_PENDING;
}
