/*
 * dnssec — DNSSEC validation in-process with libunbound, on the run's
 * poll() loop (issue 14).
 *
 * c-ares stays the plan's resolver (what the user's own resolver says);
 * this module asks the same names again of a validating libunbound
 * context and says of each answer whether it is secure, insecure, bogus
 * (with unbound's why_bogus) or indeterminate. libunbound resolves in a
 * thread of its own (ub_ctx_async(ctx, 1)); its answers come back through
 * a pipe (ub_fd), which is a loop watcher, and ub_process() runs their
 * callbacks in the loop's thread. A thread, not the forked worker of
 * ub_ctx_async(ctx, 0): a forked worker would hold a copy of every socket
 * the run has open when it starts (SMTP sessions of this and other
 * domains), so a session mailflow closes would stay open in the worker.
 *
 * Where queries go: the run's resolvers (--dns, else resolv.conf) as
 * forwarders. Whether they pass DNSSEC through is asked at the start (the
 * DNSKEY RRset of the trust anchor's zone, which validation needs first
 * anyway); answers are held until that is known. When the forwarders do
 * not give a secure DNSKEY RRset (they strip signatures, refuse, or do not
 * answer in one DNS try) every query is asked again by full recursion from
 * the root, within its original bound. dnssec_mode() says which was used.
 *
 * Bounds: every query ends within timeout_ms of being asked; one the
 * validator has not answered by then ends INDETERMINATE ("the validator
 * did not answer within N ms").
 *
 * Call protocol: dnssec_query() calls cb exactly once, later, from the
 * loop (never from inside dnssec_query()). dnssec_free() drops what is in
 * flight without calling back. The answer passed to cb is only valid
 * during the callback.
 */
#ifndef MAILFLOW_DNSSEC_H
#define MAILFLOW_DNSSEC_H

#include <stddef.h>
#include <stdint.h>

#include "mailflow/dns.h"
#include "mailflow/model.h"

struct loop;
struct ub_result;

/* Zones a trust anchor file may name (DS/DNSKEY owners). */
#define DNSSEC_ANCHOR_ZONES_MAX 8

struct dnssec_options {
	const char *anchor_file;        /* NULL: DEFAULT_DNSSEC_ANCHOR */
	const char *servers;            /* "IP[:PORT],..." as --dns; NULL: resolv.conf */
	int timeout_ms;                 /* a query's bound from its ask; 0: 4000 */
	int check_ms;                   /* the forwarders' check; 0: timeout_ms / 2 */
	/* Never fall back to full recursion: the servers were named by the
	 * user (--dns), so no others are asked. When they do not pass DNSSEC
	 * the mode is UNAVAILABLE and every answer UNCHECKED with the reason. */
	int no_recursion;
};

struct dnssec_answer {
	const char *qname;
	enum dns_type type;
	struct model_dnssec dnssec;
	int rcode;                      /* of the validator's answer; -1: none */
	int havedata;
	/* The name the answer's records belong to after following CNAMEs;
	 * "" when the query name is not an alias. */
	char canonname[DNS_NAME_MAX];
	/* TLSA: the validated records, those dropped and the first problem. */
	struct model_tlsa *tlsa;
	size_t ntlsa;
	size_t tlsa_dropped;
	char tlsa_problem[120];
	uint64_t ms;
};

typedef void (*dnssec_cb)(const struct dnssec_answer *answer, void *arg);

struct dnssec;

/* NULL with *cause set (the anchor file, the forwarders, libunbound). */
struct dnssec *dnssec_new(struct loop *loop, const struct dnssec_options *options,
                          char **cause);
void dnssec_free(struct dnssec *v);
/* 0, or -1 with *cause set (an empty or too long name). */
int dnssec_query(struct dnssec *v, const char *name, enum dns_type type,
                 dnssec_cb cb, void *arg, char **cause);
/* Drops the query (or queries) asked with arg, without calling back: an
 * asker that goes away before its answers (a probe freed while a shared
 * validator runs on). */
void dnssec_cancel(struct dnssec *v, const void *arg);
/* NONE until the forwarders' check is decided. why: what the forwarders
 * did when it is RECURSE or UNAVAILABLE ("" otherwise). */
enum model_dnssec_mode dnssec_mode(const struct dnssec *v, const char **why);
const char *dnssec_anchor_file(const struct dnssec *v);

/* ---- pure parts, exposed for tests and other modules ------------------ */

const char *dnssec_status_name(enum model_dnssec_status status);
const char *dnssec_mode_name(enum model_dnssec_mode mode);

/*
 * Reads a trust anchor file as unbound reads it (DS or DNSKEY records in
 * zone file form, ; comments) and checks each record's fields, so that a
 * malformed file is an error that names the file, the line and the cause
 * before anything is asked. The owners go into zones (at most max, each
 * once, with a trailing dot). 0, or -1 with *cause set.
 */
int dnssec_anchor_read(const char *path, char zones[][DNS_NAME_MAX], size_t max,
                       size_t *nzones, char **cause);

/* What an answer of libunbound (err: ub_resolve_async's callback error,
 * result NULL with it) says of DNSSEC. */
void dnssec_status_of(int err, const struct ub_result *result, struct model_dnssec *out);

/*
 * The TLSA RRset from the validator's rdata (data[i], len[i], data ended
 * by NULL): records kept into *out (xmalloc, at most DNS_MAX_RECORDS;
 * NULL when none), the number dropped as the return value, the first
 * problem in words into problem ("" when none). Never fails.
 */
size_t dnssec_tlsa_parse(char *const *data, const int *len, struct model_tlsa **out,
                         size_t *nout, char *problem, size_t problem_size);

/* "IP[:PORT],..." (dns_servers_check's form) → unbound's "IP@PORT"
 * forwarders, one by one into cb; -1 when an entry does not fit. */
int dnssec_forwarders(const char *servers, int (*cb)(const char *fwd, void *arg),
                      void *arg);

#endif
