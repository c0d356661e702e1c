/*
 * sender.c — SPF, DMARC and DKIM of a sending domain (see
 * include/mailflow/sender.h). Three independent strands run at once: the
 * SPF evaluation (spf.c), the DMARC chain (the domain's record, else the
 * organisational domain's, then one check per external report
 * destination), and one TXT lookup per DKIM selector.
 */
#include "mailflow/sender.h"
#include "mailflow/defaults.h"
#include "mailflow/loop.h"
#include "mailflow/psl.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Selectors tried when none is given: a finding, never a verdict. */
static const char *const common_selectors[] = {
	"default", "selector1", "selector2", "google", "k1", "s1", "s2", "dkim", "mail",
};

enum qkind { Q_DMARC, Q_DMARC_ORG, Q_DEST, Q_DKIM };

struct sender_run {
	struct loop *loop;
	struct sender_facts *f;
	sender_query_fn query;
	void *qctx;
	struct spf_evaluation *spf;
	size_t pending;         /* our own queries in flight */
	bool spf_running, freed, reported;
	void (*done)(void *arg);
	void *arg;
};

struct sq {
	struct sender_run *r;
	enum qkind kind;
	size_t index;
};

const char *dmarc_policy_name(enum dmarc_policy p)
{
	static const char *const names[] = { "(none given)", "none", "quarantine", "reject",
		                             "(invalid)" };

	return (size_t)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

/* ---- pure parsers ----------------------------------------------------- */

/* The next "tag=value" of a tag list (RFC 6376 §3.2, RFC 7489 §6.4):
 * pointers into buf (modified), or 0 at its end. */
static int tag_next(char **cursor, char **tag, char **value)
{
	char *p = *cursor, *semi, *eq;

	while (*p != '\0') {
		semi = strchr(p, ';');
		if (semi != NULL)
			*semi = '\0';
		*cursor = semi != NULL ? semi + 1 : p + strlen(p);
		text_trim(p);
		if (*p == '\0') {
			p = *cursor;
			continue;
		}
		eq = strchr(p, '=');
		if (eq == NULL) {
			*tag = p;
			*value = NULL;
			return 1;
		}
		*eq = '\0';
		text_trim(p);
		*tag = p;
		*value = eq + 1;
		text_trim(*value);
		return 1;
	}
	return 0;
}

static enum dmarc_policy policy_of(const char *v)
{
	if (strcasecmp(v, "none") == 0)
		return DMARC_P_NONE;
	if (strcasecmp(v, "quarantine") == 0)
		return DMARC_P_QUARANTINE;
	if (strcasecmp(v, "reject") == 0)
		return DMARC_P_REJECT;
	return DMARC_P_BAD;
}

static void dmarc_uris(struct sender_dmarc *d, char *v, bool ruf)
{
	char *save = NULL, *u;

	for (u = strtok_r(v, ",", &save); u != NULL; u = strtok_r(NULL, ",", &save)) {
		struct sender_uri *s;
		char *at, *bang;

		text_trim(u);
		if (*u == '\0' || d->nuris == SENDER_URIS_MAX)
			continue;
		s = &d->uris[d->nuris++];
		memset(s, 0, sizeof *s);
		s->ruf = ruf;
		snprintf(s->uri, sizeof s->uri, "%s", u);
		if (strncasecmp(u, "mailto:", 7) != 0 || (at = strrchr(u, '@')) == NULL) {
			s->dest = DEST_NOT_MAILTO;
			continue;
		}
		if ((bang = strchr(at, '!')) != NULL)
			*bang = '\0';
		snprintf(s->domain, sizeof s->domain, "%s", at + 1);
		for (char *c = s->domain; *c != '\0'; c++)
			*c = (char)text_ascii_lower((unsigned char)*c);
		s->dest = DEST_PENDING;
	}
}

static void dmarc_error(struct sender_dmarc *d, const char *what)
{
	if (d->syntax_ok) {
		d->syntax_ok = false;
		snprintf(d->error, sizeof d->error, "%s", what);
	}
}

int sender_dmarc_parse(const char *text, struct sender_dmarc *d)
{
	char buf[1024], *cur = buf, *tag, *value;
	bool first = true, have_sp = false;

	snprintf(buf, sizeof buf, "%s", text);
	d->syntax_ok = true;
	d->error[0] = '\0';
	d->p = d->sp = DMARC_P_NONE_GIVEN;
	d->pct = 100;
	d->adkim = d->aspf = 'r';
	d->nuris = 0;
	while (tag_next(&cur, &tag, &value)) {
		if (value == NULL) {
			dmarc_error(d, "a tag without \"=\"");
			continue;
		}
		if (first) {
			first = false;
			if (strcmp(tag, "v") != 0 || strcmp(value, "DMARC1") != 0)
				dmarc_error(d, "the record must start with v=DMARC1");
			continue;
		}
		if (strcasecmp(tag, "p") == 0) {
			d->p = policy_of(value);
		} else if (strcasecmp(tag, "sp") == 0) {
			d->sp = policy_of(value);
			have_sp = true;
		} else if (strcasecmp(tag, "pct") == 0) {
			char *end;
			long n = strtol(value, &end, 10);

			if (*value == '\0' || *end != '\0' || n < 0 || n > 100)
				dmarc_error(d, "pct= must be 0 to 100");
			else
				d->pct = (int)n;
		} else if (strcasecmp(tag, "adkim") == 0 || strcasecmp(tag, "aspf") == 0) {
			char m = (char)text_ascii_lower((unsigned char)value[0]);

			if ((m != 'r' && m != 's') || value[1] != '\0')
				dmarc_error(d, "adkim= and aspf= are r or s");
			else if (strcasecmp(tag, "adkim") == 0)
				d->adkim = m;
			else
				d->aspf = m;
		} else if (strcasecmp(tag, "rua") == 0 || strcasecmp(tag, "ruf") == 0) {
			dmarc_uris(d, value, strcasecmp(tag, "ruf") == 0);
		}
	}
	if (d->p == DMARC_P_NONE_GIVEN)
		dmarc_error(d, "no p= tag (the policy)");
	else if (d->p == DMARC_P_BAD)
		dmarc_error(d, "p= must be none, quarantine or reject");
	if (!have_sp)
		d->sp = d->p;
	else if (d->sp == DMARC_P_BAD)
		dmarc_error(d, "sp= must be none, quarantine or reject");
	return d->syntax_ok ? 0 : -1;
}

/* The RSA key length of a base64 SubjectPublicKeyInfo (DKIM's p=). */
static int key_bits(const char *b64, char *k, size_t ksz)
{
	unsigned char raw[DNS_TXT_MAX];
	char clean[DNS_TXT_MAX + 4];
	size_t n = 0, i;
	int len, pad = 0, bits = 0;
	const unsigned char *pp = raw;
	EVP_PKEY *key;

	for (i = 0; b64[i] != '\0' && n + 1 < sizeof clean; i++)
		if (!text_is_blank((unsigned char)b64[i]))
			clean[n++] = b64[i];
	clean[n] = '\0';
	if (n == 0 || n % 4 != 0)
		return -1;
	if ((len = EVP_DecodeBlock(raw, (const unsigned char *)clean, (int)n)) < 0)
		return -1;
	pad = (clean[n - 1] == '=') + (n > 1 && clean[n - 2] == '=');
	key = d2i_PUBKEY(NULL, &pp, len - pad);
	if (key == NULL)
		return -1;
	bits = EVP_PKEY_get_bits(key);
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519)
		snprintf(k, ksz, "ed25519");
	EVP_PKEY_free(key);
	return bits;
}

int sender_dkim_parse(const char *text, size_t len, struct sender_dkim *k)
{
	/* An RSA key of 8192 bits is about 1,400 bytes of base64. */
	char buf[DNS_TXT_MAX + 1], *cur = buf, *tag, *value;
	bool first = true, have_p = false;

	snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), text);
	snprintf(k->k, sizeof k->k, "rsa");
	k->bits = 0;
	k->testing = false;
	k->error[0] = '\0';
	k->state = DKIM_KEY;
	while (tag_next(&cur, &tag, &value)) {
		bool was_first = first;

		first = false;
		if (value == NULL)
			continue;
		if (strcmp(tag, "v") == 0) {
			if (!was_first || strcmp(value, "DKIM1") != 0) {
				k->state = DKIM_BAD;
				snprintf(k->error, sizeof k->error,
				         "v= must come first and be DKIM1 (RFC 6376 section 3.6.1)");
				return -1;
			}
		} else if (strcmp(tag, "k") == 0) {
			snprintf(k->k, sizeof k->k, "%s", value);
		} else if (strcmp(tag, "t") == 0) {
			char *save = NULL, *fl;

			for (fl = strtok_r(value, ":", &save); fl != NULL;
			     fl = strtok_r(NULL, ":", &save)) {
				text_trim(fl);
				if (strcmp(fl, "y") == 0)
					k->testing = true;
			}
		} else if (strcmp(tag, "p") == 0) {
			have_p = true;
			if (*value == '\0') {
				k->state = DKIM_REVOKED;
				continue;
			}
			if (strcasecmp(k->k, "ed25519") == 0)
				continue;       /* 32 raw bytes, no length to judge */
			k->bits = key_bits(value, k->k, sizeof k->k);
			if (k->bits < 0) {
				k->bits = 0;
				k->state = DKIM_BAD;
				snprintf(k->error, sizeof k->error,
				         "p= is not a base64 public key OpenSSL can read");
			}
		}
	}
	if (!have_p) {
		k->state = DKIM_BAD;
		snprintf(k->error, sizeof k->error, "no p= tag (the key)");
	}
	if (strcasecmp(k->k, "rsa") != 0 && strcasecmp(k->k, "ed25519") != 0 &&
	    k->state == DKIM_KEY) {
		k->state = DKIM_BAD;
		snprintf(k->error, sizeof k->error, "unknown key type k=%s", k->k);
	}
	return k->state == DKIM_BAD ? -1 : 0;
}

int sender_route_address(const char *dest, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct sockaddr_in s4 = { 0 };
	struct sockaddr_in6 s6 = { 0 };
	int fd, rc = -1, v6 = inet_pton(AF_INET6, dest, &s6.sin6_addr) == 1;

	if (!v6 && inet_pton(AF_INET, dest, &s4.sin_addr) != 1)
		return -1;
	s4.sin_family = AF_INET;
	s4.sin_port = htons(DEFAULT_PORT);
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons(DEFAULT_PORT);
	if ((fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0)) < 0)
		return -1;
	/* A UDP connect only picks the route: nothing goes out. */
	if (connect(fd, v6 ? (struct sockaddr *)&s6 : (struct sockaddr *)&s4,
	            v6 ? sizeof s6 : sizeof s4) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		const void *a = ss.ss_family == AF_INET6
		                ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
		                : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;

		if (inet_ntop(ss.ss_family, a, buf, (socklen_t)size) != NULL)
			rc = 0;
	}
	close(fd);
	return rc;
}

/* ---- the run ---------------------------------------------------------- */

static void on_answer(const struct dns_result *res, void *arg);

static void run_check(struct sender_run *r)
{
	if (r->reported || r->pending > 0 || r->spf_running)
		return;
	r->reported = true;
	r->f->done = true;
	if (r->done != NULL)
		r->done(r->arg);
}

static void ask(struct sender_run *r, enum qkind kind, size_t index, const char *name)
{
	struct sq *q = xcalloc(1, sizeof *q);
	char *cause = NULL;

	q->r = r;
	q->kind = kind;
	q->index = index;
	r->pending++;
	if (r->query(r->qctx, name, DNS_TXT, on_answer, q, &cause) < 0) {
		/* A name too long to ask: recorded as a failed lookup. */
		r->pending--;
		free(q);
		free(cause);
		if (kind == Q_DKIM) {
			r->f->dkim[index].state = DKIM_DNS_FAILED;
			r->f->dkim[index].status = DNS_ERROR;
		} else if (kind == Q_DEST) {
			r->f->dmarc.uris[index].dest = DEST_DNS_FAILED;
		} else {
			r->f->dmarc.done = 1;
			r->f->dmarc.status = DNS_ERROR;
		}
	}
}

static void on_spf(const struct spf_eval *eval, void *arg)
{
	struct sender_run *r = arg;

	spf_eval_copy(&r->f->spf, eval);
	r->f->spf_done = true;
	r->spf_running = false;
	run_check(r);
}

/* The report destinations outside the domain's organisation (§7.1). */
static void dests_start(struct sender_run *r)
{
	struct sender_dmarc *d = &r->f->dmarc;
	char org[DNS_NAME_MAX];
	size_t i;

	for (i = 0; i < d->nuris; i++) {
		struct sender_uri *u = &d->uris[i];

		if (u->dest != DEST_PENDING)
			continue;
		psl_org_domain(u->domain, org, sizeof org, NULL);
		if (strcasecmp(org, r->f->org_domain) == 0) {
			u->dest = DEST_SAME_ORG;
			continue;
		}
		if (snprintf(u->check_name, sizeof u->check_name, "%s._report._dmarc.%s",
		             r->f->domain, u->domain) >= (int)sizeof u->check_name) {
			u->dest = DEST_DNS_FAILED;
			continue;
		}
		ask(r, Q_DEST, i, u->check_name);
	}
}

static bool is_dmarc(const struct dns_record *rec)
{
	return rec->text_len >= 8 && strncmp(rec->text, "v=DMARC1", 8) == 0 &&
	       (rec->text_len == 8 || rec->text[8] == ';' || text_is_blank(rec->text[8]));
}

static void on_dmarc(struct sender_run *r, const struct dns_result *res, bool org)
{
	struct sender_dmarc *d = &r->f->dmarc;
	const struct dns_record *found = NULL;
	size_t i;

	snprintf(d->name, sizeof d->name, "%s", res->qname);
	d->status = res->status;
	d->nrecords = 0;
	for (i = 0; i < res->nrecords; i++)
		if (is_dmarc(&res->records[i])) {
			found = &res->records[i];
			d->nrecords++;
		}
	if (found == NULL && !org && (res->status == DNS_OK || res->status == DNS_NODATA ||
	                              res->status == DNS_NXDOMAIN) &&
	    strcasecmp(r->f->org_domain, r->f->domain) != 0) {
		char name[DNS_NAME_MAX + 8];

		/* §6.6.3: no record for the domain, the organisation's. */
		snprintf(name, sizeof name, "_dmarc.%s", r->f->org_domain);
		ask(r, Q_DMARC_ORG, 0, name);
		return;
	}
	d->done = 1;
	d->at_org = org;
	if (found == NULL)
		return;
	d->found = true;
	snprintf(d->record, sizeof d->record, "%.*s", (int)(found->text_len < sizeof d->record
	                                                   ? found->text_len
	                                                   : sizeof d->record - 1),
	         found->text);
	sender_dmarc_parse(d->record, d);
	if (d->nrecords == 1)
		dests_start(r);
}

static void on_dest(struct sender_run *r, const struct dns_result *res, size_t i)
{
	struct sender_uri *u = &r->f->dmarc.uris[i];
	size_t k;

	if (res->status != DNS_OK && res->status != DNS_NODATA && res->status != DNS_NXDOMAIN) {
		u->dest = DEST_DNS_FAILED;
		return;
	}
	u->dest = DEST_UNVERIFIED;
	for (k = 0; k < res->nrecords; k++)
		if (is_dmarc(&res->records[k]))
			u->dest = DEST_VERIFIED;
}

static void on_dkim(struct sender_run *r, const struct dns_result *res, size_t i)
{
	struct sender_dkim *k = &r->f->dkim[i];
	const struct dns_record *rec = NULL;
	size_t n;

	k->status = res->status;
	if (res->status == DNS_NXDOMAIN || res->status == DNS_NODATA) {
		k->state = DKIM_NO_KEY;
		return;
	}
	if (res->status != DNS_OK) {
		k->state = DKIM_DNS_FAILED;
		return;
	}
	/* The key record: the one TXT there (several: the first that parses). */
	for (n = 0; n < res->nrecords && rec == NULL; n++)
		if (strstr(res->records[n].text, "p=") != NULL)
			rec = &res->records[n];
	if (rec == NULL) {
		k->state = DKIM_NO_KEY;
		return;
	}
	snprintf(k->record, sizeof k->record, "%.*s",
	         (int)(rec->text_len < sizeof k->record ? rec->text_len : sizeof k->record - 1),
	         rec->text);
	sender_dkim_parse(rec->text, rec->text_len, k);
}

static void on_answer(const struct dns_result *res, void *arg)
{
	struct sq *q = arg;
	struct sender_run *r = q->r;

	r->pending--;
	if (r->freed || res->status == DNS_CANCELLED) {
		if (r->freed && r->pending == 0)
			free(r);
		free(q);
		return;
	}
	switch (q->kind) {
	case Q_DMARC: on_dmarc(r, res, false); break;
	case Q_DMARC_ORG: on_dmarc(r, res, true); break;
	case Q_DEST: on_dest(r, res, q->index); break;
	case Q_DKIM: on_dkim(r, res, q->index); break;
	}
	free(q);
	run_check(r);
}

static void dkim_start(struct sender_run *r, const struct sender_options *o)
{
	struct sender_facts *f = r->f;
	size_t i, n = o->nselectors;

	f->selectors_guessed = n == 0;
	if (n == 0)
		n = sizeof common_selectors / sizeof common_selectors[0];
	for (i = 0; i < n && i < SENDER_SELECTORS_MAX; i++) {
		struct sender_dkim *k = &f->dkim[f->ndkim++];

		snprintf(k->selector, sizeof k->selector, "%s",
		         o->nselectors ? o->selectors[i] : common_selectors[i]);
		char kname[DNS_NAME_MAX + SENDER_SELECTOR_LEN + 16];

		k->state = DKIM_PENDING;
		snprintf(kname, sizeof kname, "%s._domainkey.%s", k->selector, o->domain);
		snprintf(k->name, sizeof k->name, "%.*s", (int)sizeof k->name - 1, kname);
		if (strlen(kname) >= sizeof k->name) {
			k->state = DKIM_DNS_FAILED;
			k->status = DNS_ERROR;
			continue;
		}
		ask(r, Q_DKIM, f->ndkim - 1, k->name);
	}
}

struct sender_run *sender_run_start(struct loop *loop, const struct sender_options *o,
                                    const char *ip, enum sender_ip_source source,
                                    sender_query_fn query, void *query_ctx,
                                    struct sender_facts *f,
                                    void (*done)(void *arg), void *arg, char **cause)
{
	struct sender_run *r;
	struct spf_params sp = { 0 };
	char name[DNS_NAME_MAX + 8];

	memset(f, 0, sizeof *f);
	snprintf(f->domain, sizeof f->domain, "%s", o->domain);
	snprintf(f->ip, sizeof f->ip, "%s", ip);
	f->ip_source = source;
	f->org_guessed = psl_org_domain(f->domain, f->org_domain, sizeof f->org_domain,
	                                NULL) < 0;
	r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->f = f;
	r->query = query;
	r->qctx = query_ctx;
	r->done = done;
	r->arg = arg;
	sp.ip = ip;
	sp.domain = o->domain;
	sp.sender = o->mail_from;
	sp.helo = o->helo;
	sp.query = query;
	sp.query_ctx = query_ctx;
	r->spf = spf_eval_start(loop, &sp, on_spf, r, cause);
	if (r->spf == NULL) {
		free(r);
		return NULL;
	}
	r->spf_running = true;
	snprintf(name, sizeof name, "_dmarc.%s", f->domain);
	ask(r, Q_DMARC, 0, name);
	dkim_start(r, o);
	return r;
}

void sender_run_free(struct sender_run *r)
{
	if (r == NULL)
		return;
	spf_eval_free(r->spf);
	r->done = NULL;
	if (r->pending > 0) {
		r->freed = true;        /* the last answer frees it */
		return;
	}
	free(r);
}

void sender_facts_free(struct sender_facts *f)
{
	if (f == NULL)
		return;
	spf_eval_clear(&f->spf);
	free(f);
}
