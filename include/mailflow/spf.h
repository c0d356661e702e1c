/*
 * spf — RFC 7208 check_host(), as a receiver runs it: a pure record parser
 * and macro expander, and an evaluator driven by DNS answers on the loop.
 *
 * Why not libspf2: its resolver layer (spf_dns_resolv.c) calls
 * res_nquery() and blocks the one thread of the program for every lookup;
 * it cannot be fed answers from our c-ares channel, and its last release
 * (1.2.10, 2014) has open memory-safety bugs (CVE-2021-20314,
 * CVE-2021-33912/33913). So: a bounded evaluator of our own, with a fuzz
 * target for the parser (fuzz/spf-fuzzer.c).
 *
 * Bounds: a record of at most SPF_RECORD_MAX bytes and SPF_TERMS_MAX terms;
 * 10 DNS-querying terms (include, a, mx, ptr, exists, redirect) over the
 * whole evaluation, 2 void lookups, 10 MX or PTR names per term, the tree
 * at most SPF_NODES_MAX records, and a deadline for all of it (the caller's
 * timeout_ms, 20 s by default as §4.6.4 suggests). Each limit broken is a
 * named result, never a hang.
 *
 * Call protocol: spf_eval_start() sends the first query and returns; done
 * is called exactly once, later, from the loop, with the evaluation's
 * result (valid during the callback only). spf_eval_free() before done
 * cancels: done is not called. The resolver's callbacks must follow
 * dns_query()'s protocol (later, never from inside the call).
 */
#ifndef MAILFLOW_SPF_H
#define MAILFLOW_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailflow/dns.h"

struct loop;

#define SPF_RECORD_MAX  16384
#define SPF_TERMS_MAX   1024
#define SPF_LOOKUPS_MAX 10      /* RFC 7208 §4.6.4 */
#define SPF_VOIDS_MAX   2       /* RFC 7208 §4.6.4 */
#define SPF_NAMES_MAX   10      /* MX / PTR names per term, §4.6.4 */
#define SPF_NODES_MAX   24
#define SPF_SPEC_MAX    256

enum spf_result {
	SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL, SPF_SOFTFAIL,
	SPF_TEMPERROR, SPF_PERMERROR,
};

enum spf_mech {
	SPF_ALL, SPF_INCLUDE, SPF_A, SPF_MX, SPF_PTR, SPF_IP4, SPF_IP6,
	SPF_EXISTS, SPF_REDIRECT, SPF_EXP, SPF_UNKNOWN_MOD,
};

/* Why the result is what it is: the checklist switches on this. */
enum spf_why {
	SPF_WHY_MATCH,          /* a mechanism matched (term names it) */
	SPF_WHY_DEFAULT,        /* nothing matched, no redirect: neutral */
	SPF_WHY_NO_RECORD,      /* no v=spf1 record (or the name is absent) */
	SPF_WHY_MULTIPLE,       /* more than one v=spf1 record */
	SPF_WHY_SYNTAX,         /* a syntax error (error, error_pos) */
	SPF_WHY_LOOKUPS,        /* over 10 DNS-querying terms */
	SPF_WHY_VOIDS,          /* over 2 void lookups */
	SPF_WHY_NAMES,          /* an MX set of more than 10 names */
	SPF_WHY_INCLUDE_NONE,   /* include: or redirect= to a domain without SPF */
	SPF_WHY_DNS,            /* a lookup failed (SERVFAIL, timeout...) */
	SPF_WHY_TIMEOUT,        /* the whole evaluation ran out of time */
	SPF_WHY_UNREADABLE,     /* a TXT record over mailflow's limits */
	SPF_WHY_BAD_DOMAIN,     /* a macro expanded to a name that is not one */
};

struct spf_term {
	enum spf_mech mech;
	char qual;              /* '+', '-', '~', '?' (modifiers: 0) */
	char spec[SPF_SPEC_MAX]; /* domain-spec / modifier value, unexpanded */
	int cidr4, cidr6;       /* -1: not given */
	uint8_t net[16];        /* ip4 / ip6: the network */
	unsigned pos;           /* 1-based column of the term in the record */
	char name[32];          /* unknown modifier: its name */
};

struct spf_record {
	struct spf_term *terms;
	size_t nterms;
	int redirect, exp;      /* term index, or -1 */
};

/* 0, or -1 with *pos (1-based column) and err set; rec is always valid to
 * free. text need not be NUL-ended and may hold any bytes. */
int spf_record_parse(const char *text, size_t len, struct spf_record *rec,
                     unsigned *pos, char *err, size_t errsz);
void spf_record_free(struct spf_record *rec);
/* Does text start a v=spf1 record (the version and a space or its end)? */
bool spf_record_is_spf(const char *text, size_t len);

/* What macros expand to (RFC 7208 §7.2). */
struct spf_macro_ctx {
	const char *sender;     /* local@domain */
	const char *domain;     /* the current <domain> */
	const char *ip;         /* presentation form */
	const char *helo;
	const char *receiver;   /* %{r}: exp only */
	uint64_t now;           /* %{t}: exp only */
};

/* 0, or -1 with err set (bad macro, does not fit); exp: c, r, t allowed. */
int spf_macro_expand(const char *spec, const struct spf_macro_ctx *ctx, bool exp,
                     char *out, size_t outsz, char *err, size_t errsz);

/* One record of the tree: the top domain, each include: and redirect=. */
struct spf_node {
	char domain[DNS_NAME_MAX];
	int parent;             /* index, -1 for the top */
	enum spf_mech via;      /* SPF_INCLUDE or SPF_REDIRECT (top: SPF_ALL) */
	unsigned depth;
	char *record;           /* the record text (NULL: none found) */
	enum spf_result result;
	enum spf_why why;
	unsigned lookups;       /* DNS-querying terms in this record */
	unsigned lookups_tree;  /* ... and in everything below it */
	unsigned voids;
	char matched[SPF_SPEC_MAX + 16]; /* the term that decided, as written */
	char error[160];
	unsigned error_pos;
};

struct spf_eval {
	enum spf_result result;
	enum spf_why why;
	char reason[320];       /* for people: what decided */
	char matched[SPF_SPEC_MAX + 16];
	char matched_domain[DNS_NAME_MAX];
	unsigned lookups, voids;
	char explanation[512];  /* exp= text on fail, expanded */
	struct spf_node nodes[SPF_NODES_MAX];
	size_t nnodes;
	uint64_t ms;
};

/* How the evaluator asks DNS: dns_query()'s signature and protocol. */
typedef int (*spf_query_fn)(void *ctx, const char *name, enum dns_type type,
                            dns_result_cb cb, void *arg, char **cause);

struct spf_params {
	const char *ip;         /* IPv4 or IPv6 in presentation form */
	const char *domain;
	const char *sender;     /* NULL: postmaster@domain */
	const char *helo;       /* NULL: the domain */
	int timeout_ms;         /* 0: DEFAULT_SPF_TIMEOUT_MS */
	spf_query_fn query;
	void *query_ctx;
};

typedef void (*spf_done_cb)(const struct spf_eval *eval, void *arg);

struct spf_evaluation;
/* NULL with *cause set (a bad IP address or domain). */
struct spf_evaluation *spf_eval_start(struct loop *loop, const struct spf_params *params,
                                      spf_done_cb done, void *arg, char **cause);
void spf_eval_free(struct spf_evaluation *e);

/* Copies an evaluation (its record strings included); free with
 * spf_eval_clear. */
void spf_eval_copy(struct spf_eval *dst, const struct spf_eval *src);
void spf_eval_clear(struct spf_eval *e);

const char *spf_result_name(enum spf_result r);
const char *spf_mech_name(enum spf_mech m);
const char *spf_why_name(enum spf_why w);

#endif
