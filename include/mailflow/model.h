/*
 * model — the data of a run: the domain, its DNS facts, its MX hosts and
 * their addresses, and the findings. Views (TUI, reports) and the checklist
 * read it; only probe.c writes it.
 *
 * Everything is plain data with fixed-size names; arrays grow with
 * model_*_add() and are freed by model_domain_free(). Indices, not
 * pointers, identify hosts and addresses across growth.
 */
#ifndef MAILFLOW_MODEL_H
#define MAILFLOW_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "mailflow/dns.h"
#include "mailflow/target.h"

/* The outcome of one DNS lookup. */
struct model_lookup {
	int done;
	enum dns_type type;
	char qname[DNS_NAME_MAX];
	enum dns_status status;
	uint64_t ms;
	char detail[96];
};

#define MODEL_PTR_MAX 4

struct model_address {
	char addr[46];
	int family;                     /* 4 or 6 */
	struct model_lookup ptr;
	char ptr_names[MODEL_PTR_MAX][DNS_NAME_MAX];
	size_t nptr;
	/* Forward-confirmed reverse DNS: -1 not known yet, 0 no, 1 yes; the
	 * name that confirmed it. */
	int fcrdns;
	char fcrdns_name[DNS_NAME_MAX];
	size_t fcrdns_pending;
};

struct model_tlsa {
	uint8_t usage, selector, mtype;
	char data_hex[2 * DNS_TLSA_DATA_MAX + 1];
};

struct model_host {
	char name[DNS_NAME_MAX];
	uint16_t pref;
	int pref_shared;                /* another MX has the same preference */
	int implicit;                   /* RFC 5321 §5.1: no MX, the domain */
	int ip_literal;                 /* the MX target is written as an IP */
	char cname[DNS_NAME_MAX];       /* the MX target is an alias of this */
	struct model_lookup a, aaaa, tlsa;
	struct model_address *addrs;
	size_t naddrs;
	struct model_tlsa *tlsa_records;
	size_t ntlsa;
};

/* A policy TXT record set (SPF, DMARC, MTA-STS, TLS-RPT). */
struct model_policy {
	struct model_lookup lookup;
	char **records;                 /* the ones with the policy's tag */
	size_t nrecords;
	size_t nother;                  /* other TXT records at that name */
};

#define MODEL_FINDINGS(X) \
	X(DOMAIN_NXDOMAIN,        "domain.nxdomain") \
	X(DNS_FAILURE,            "dns.failure") \
	X(NULL_MX,                "mx.null") \
	X(NULL_MX_MIXED,          "mx.null-mixed") \
	X(IMPLICIT_MX,            "mx.implicit") \
	X(NO_MAIL_HOST,           "mx.none") \
	X(MX_TARGET_IP_LITERAL,   "mx.target.ip-literal") \
	X(MX_TARGET_CNAME,        "mx.target.cname") \
	X(MX_TARGET_NO_ADDRESS,   "mx.target.no-address") \
	X(PTR_MISSING,            "ptr.missing") \
	X(FCRDNS_MISMATCH,        "ptr.not-confirmed") \
	X(SPF_MULTIPLE,           "spf.multiple")

enum model_finding_kind {
#define MODEL_FINDING_ENUM(name, id) FINDING_##name,
	MODEL_FINDINGS(MODEL_FINDING_ENUM)
#undef MODEL_FINDING_ENUM
	FINDING__COUNT
};

struct model_finding {
	enum model_finding_kind kind;
	char subject[DNS_NAME_MAX];     /* the domain, host or address */
	enum dns_type qtype;            /* for DNS_FAILURE */
	enum dns_status status;         /* for DNS_FAILURE and the like */
	char detail[256];
};

struct model_domain {
	struct target target;
	struct model_lookup mx;
	int null_mx;
	int implicit_mx;
	struct model_host *hosts;
	size_t nhosts;
	struct model_policy spf, dmarc, mta_sts, tls_rpt;
	struct model_finding *findings;
	size_t nfindings;
	uint64_t started_ms;
	uint64_t dns_ms;                /* until the last answer of the plan */
	int complete;
};

void model_domain_init(struct model_domain *d, const struct target *t);
void model_domain_free(struct model_domain *d);

/* Return the new element's index, or -1 on allocation failure. */
long model_host_add(struct model_domain *d, const char *name, uint16_t pref);
long model_address_add(struct model_host *h, const char *addr, int family);
int model_policy_add(struct model_policy *p, const char *text);
int model_tlsa_add(struct model_host *h, const struct dns_record *rec);
/* The new finding (to fill qtype/status), or NULL on allocation failure. */
struct model_finding *model_finding_add(struct model_domain *d,
                                        enum model_finding_kind kind,
                                        const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records a result's status and time into a lookup. */
void model_lookup_set(struct model_lookup *l, const struct dns_result *r);

const char *model_finding_id(enum model_finding_kind kind);
/* The first finding of that kind about subject (NULL: any subject). */
const struct model_finding *model_finding_find(const struct model_domain *d,
                                               enum model_finding_kind kind,
                                               const char *subject);
size_t model_address_count(const struct model_domain *d);

#endif
