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

#include "mailflow/conn.h"
#include "mailflow/dns.h"
#include "mailflow/reply.h"
#include "mailflow/sts.h"
#include "mailflow/target.h"
#include "mailflow/tls.h"

/* The outcome of one DNS lookup. */
struct model_lookup {
	int done;
	enum dns_type type;
	char qname[DNS_NAME_MAX];
	enum dns_status status;
	uint64_t ms;
	char detail[96];
};

/*
 * DNSSEC (issue 14): what the in-process validator (dnssec.c, libunbound)
 * says of an answer, beside what the user's own resolver said (the
 * model_lookup). UNCHECKED: not asked (--no-dnssec, an address given with
 * -s, or the validator could not start); PENDING: asked, no answer yet.
 */
enum model_dnssec_status {
	DNSSEC_UNCHECKED,
	DNSSEC_PENDING,
	DNSSEC_SECURE,
	DNSSEC_INSECURE,        /* provably unsigned (an insecure delegation) */
	DNSSEC_BOGUS,           /* signed, and the signatures do not validate */
	DNSSEC_INDETERMINATE,   /* no chain from the trust anchor could be built */
};

struct model_dnssec {
	enum model_dnssec_status status;
	char why[160];                  /* unbound's why_bogus, or why not known */
};

/* Where the validator's queries went (dnssec.c): the run's resolvers as
 * forwarders, or full recursion from the root when they strip DNSSEC. */
enum model_dnssec_mode {
	DNSSEC_MODE_NONE,       /* no validator (UNCHECKED), or not decided yet */
	DNSSEC_MODE_FORWARD,
	DNSSEC_MODE_RECURSE,
	DNSSEC_MODE_UNAVAILABLE, /* the named resolvers do not pass DNSSEC */
};

/* ---- an SMTP session with one address -------------------------------- */

/* The steps of DESIGN.md's per-host checklist that a session measures. */
#define MODEL_STEPS(X) \
	X(CONNECT,  "connect") \
	X(BANNER,   "banner") \
	X(EHLO,     "ehlo") \
	X(STARTTLS, "starttls") \
	X(AUTH,     "auth") \
	X(MAIL,     "mail") \
	X(RCPT,     "rcpt") \
	X(RELAY,    "relay") \
	X(DATA,     "data") \
	X(RSET,     "rset") \
	X(QUIT,     "quit")

enum model_step_id {
#define MODEL_STEP_ENUM(name, id) STEP_##name,
	MODEL_STEPS(MODEL_STEP_ENUM)
#undef MODEL_STEP_ENUM
	STEP__COUNT
};

enum model_step_state {
	STEP_NOT_RUN,   /* never reached (an earlier step ended the session) */
	STEP_RUNNING,
	STEP_OK,        /* a positive reply (2xx/3xx), or done (connect, TLS) */
	STEP_REJECTED,  /* a 4xx/5xx reply */
	STEP_FAILED,    /* no usable reply: timeout, connection lost, protocol */
	STEP_SKIPPED,   /* not attempted on purpose; detail says why */
};

/* Failure classes: how a step without a usable reply ended. */
enum model_fail {
	FAIL_NONE,
	FAIL_CONNECT,   /* refused, unreachable, connect timeout: see conn_error */
	FAIL_TIMEOUT,   /* no reply within the step's timeout */
	FAIL_CLOSED,    /* the server closed or reset the connection */
	FAIL_PROTOCOL,  /* a malformed reply, injection, unexpected data */
	FAIL_TLS,       /* handshake failure */
	FAIL_POLICY,    /* our own rule: TLS required, plaintext AUTH refused */
};

/*
 * Why a step ended as it did — set by smtp.c where it decides, switched on
 * by the checklist, which never reads the step's detail text. The failure
 * reasons map to the failure classes above (model_reason_fail()).
 */
#define MODEL_REASONS(X) \
	X(NONE,         "none",          FAIL_NONE)     /* it ran: see state and code */ \
	X(BY_OPTION,    "by-option",     FAIL_NONE)     /* an option left it out: --tls off, no \
	                                                   --auth-user, no --send, --no-relay-test */ \
	X(QUIT_AFTER,   "quit-after",    FAIL_NONE)     /* --quit-after or the hand-over came first */ \
	X(NOT_OFFERED,  "not-offered",   FAIL_NONE)     /* the server does not offer it (STARTTLS, \
	                                                   AUTH, a mechanism mailflow speaks) */ \
	X(POLICY,       "policy",        FAIL_POLICY)   /* our rule: TLS required, no plaintext AUTH */ \
	X(EARLIER_STEP, "earlier-step",  FAIL_NONE)     /* an earlier step's result makes it pointless */ \
	X(REFUSED,      "refused",       FAIL_NONE)     /* the server answered 4xx or 5xx */ \
	X(CONNECT,      "connect",       FAIL_CONNECT)  /* no connection: see conn_error */ \
	X(TIMEOUT,      "timeout",       FAIL_TIMEOUT)  /* no (complete) reply in time */ \
	X(CLOSED,       "closed",        FAIL_CLOSED)   /* the server closed or reset */ \
	X(PROTOCOL,     "protocol",      FAIL_PROTOCOL) /* malformed reply, injection, out of turn */ \
	X(TLS,          "tls",           FAIL_TLS)      /* TLS could not be set up or failed */ \
	X(RESOURCE,     "resource",      FAIL_PROTOCOL) /* a local limit: the command could not be built */

enum model_reason {
#define MODEL_REASON_ENUM(name, id, fail) REASON_##name,
	MODEL_REASONS(MODEL_REASON_ENUM)
#undef MODEL_REASON_ENUM
	REASON__COUNT
};

struct model_step {
	enum model_step_state state;
	enum model_reason reason;       /* why it ended so; the checklist's input */
	enum model_fail fail;           /* model_reason_fail(reason) */
	int code;
	char enhanced[16];
	char text[256];         /* first line's text, raw bytes, cut */
	uint64_t at_ms;         /* when it started, from the session start */
	uint64_t ms;            /* how long it took */
	char detail[256];               /* for people only: never decided on */
	/* The transcript lines of this step: lines[line_from .. line_to). */
	size_t line_from, line_to;
};

/* One transcript line: C (client), S (server) or I (the tool's note). */
struct model_line {
	char dir;
	uint64_t at_ms;         /* from the session start, monotonic */
	char *bytes;            /* exactly as sent/received, without CRLF;
	                           credentials replaced, see masked */
	size_t len;
	int code;               /* server lines: the reply code */
	unsigned flags;         /* server lines: REPLY_F_* of the reply */
	int masked;             /* bytes are a placeholder for credentials */
	char note[96];          /* e.g. a 334 prompt decoded */
};


/*
 * After a failed TLS handshake (the STARTTLS step failed with REASON_TLS)
 * a sending MTA with opportunistic TLS tries again in plaintext on a new
 * connection; the probe does the same (probe.c) and records it here. The
 * retry's transcript follows the session's own, after a marker line, and
 * its steps from AUTH on replace the session's (which the TLS failure left
 * not run), so every view shows what happens without TLS.
 */
struct model_fallback {
	int tried;                      /* the plaintext retry was started */
	int done;
	/* Not tried although the handshake failed: REASON_POLICY (--tls
	 * require, or implicit TLS, which has no plaintext to fall back to:
	 * see the session's tls_implicit); REASON_NONE otherwise. */
	enum model_reason why_not;
	size_t line_from;               /* the marker line in the transcript */
	uint64_t at_ms;                 /* the retry's start, from the session start */
	/* The retry's own steps (connect, banner and EHLO included), with
	 * their lines and times in the session's transcript: STEP__COUNT of
	 * them once tried, else NULL (a session without a fallback does not
	 * carry 6 KB of steps it never ran). */
	struct model_step *steps;
	char error[256];                /* the retry's end, in words */
};

/*
 * DANE for one session (issue 14): what OpenSSL's DANE code (SSL_dane_*,
 * tls.c) made of the host's validated TLSA RRset during the handshake.
 * The verdict (host.dane) is the checklist's; this is only the evidence.
 */
enum model_dane_state {
	DANE_STATE_NONE,        /* DANE not in play: no usable TLSA to give */
	DANE_STATE_WAITING,     /* STARTTLS waits for the validator's answer */
	DANE_STATE_MATCH,       /* a usable record authenticated the peer */
	DANE_STATE_NO_MATCH,    /* usable records, none matched the chain */
	DANE_STATE_ONLY_UNUSABLE, /* only PKIX-TA/PKIX-EE or unknown parameters */
	DANE_STATE_NO_HANDSHAKE,  /* records given, the handshake failed */
};

struct model_dane {
	enum model_dane_state state;
	unsigned usable, unusable;      /* records given to OpenSSL, left out */
	int match_index;                /* into the host's dane_tlsa; -1: none */
	int match_depth;                /* chain depth of the match (0: leaf) */
	uint8_t usage, selector, mtype; /* of the matching record */
	int name_checked;               /* DANE-TA: the name check of RFC 7672 §3.2 ran */
	char why[160];                  /* OpenSSL's reason when there is no match */
};

struct model_session {
	char host[DNS_NAME_MAX];        /* the MX host name (SNI, cert name) */
	char addr[46];
	uint16_t port;
	int running, done;
	uint64_t started_ms;            /* monotonic, absolute */
	uint64_t ended_ms;
	struct model_step steps[STEP__COUNT];
	struct model_line *lines;
	size_t nlines;
	size_t transcript_bytes;
	size_t transcript_max;          /* 0: DEFAULT_TRANSCRIPT_MAX */
	int transcript_cut;             /* over transcript_max: later lines dropped */
	char local_addr[64];
	enum conn_error conn_error;     /* with FAIL_CONNECT / FAIL_CLOSED */
	uint64_t banner_ms;             /* connected → banner complete */
	struct ehlo ehlo;               /* the last EHLO reply (after TLS if any) */
	int ehlo_done;
	int used_helo;                  /* EHLO refused, HELO used */
	int starttls_offered;           /* in the plaintext EHLO */
	int tls_active;
	int tls_implicit;               /* TLS on connect (port 465) */
	struct tls_facts tls;
	struct model_dane dane;         /* DANE's evidence (tls.c) */
	int tls_injection;              /* plaintext after the STARTTLS 220 */
	int unsolicited;                /* bytes when the server should be quiet */
	int reply_misfit;               /* a positive reply that answers another command */
	/* After the greeting, a reply that answers another command or one no
	 * command asked for: every later reply may be shifted by one, so the
	 * checklist trusts none of the verdicts that a shift could fake. */
	int out_of_step;
	unsigned reply_flags;           /* OR of every reply's REPLY_F_* */
	/* Bytes of a reply that never ended before its step's timeout (kept
	 * coming, or began and stopped); 0 when every reply ended. */
	size_t reply_unended;
	int authenticated;
	int notify_sent;                /* RCPT carried NOTIFY= (DSN) */
	char error[256];                /* the session's end, in words */
	struct model_fallback fallback; /* the plaintext retry after a TLS failure */
};

const char *model_step_id(enum model_step_id step);
const char *model_step_state_name(enum model_step_state state);
const char *model_fail_name(enum model_fail fail);
const char *model_reason_name(enum model_reason reason);
enum model_fail model_reason_fail(enum model_reason reason);
/* Appends a transcript line; returns it, or NULL once the transcript is
 * over transcript_max (transcript_cut is set). */
struct model_line *model_session_add_line(struct model_session *s, char dir,
                                          uint64_t at_ms, const char *bytes,
                                          size_t len);
/* Ends a session that will run no further (manual mode was left): done,
 * and every step not run or still running skipped with reason (and why,
 * for people), so a finished run has nothing pending. */
void model_session_end(struct model_session *s, enum model_reason reason,
                       const char *why);
void model_session_free(struct model_session *s);

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
	/* The SMTP session with this address, or NULL (not probed). Heap
	 * allocated so it stays put while the addresses array grows. */
	struct model_session *session;
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
	size_t addrs_left_out;          /* past DEFAULT_HOST_ADDRS_MAX: not checked */
	struct model_tlsa *tlsa_records;
	size_t ntlsa;
	/* DNSSEC of the host's answers (dnssec.c). DANE uses dane_tlsa, the
	 * TLSA RRset as the validator returned it (never the unvalidated
	 * c-ares copy above), only when tlsa_dnssec and the domain's
	 * mx_dnssec are both DNSSEC_SECURE (RFC 7672 §2.2); dane_base is the
	 * TLSA base domain (the MX name, or its CNAME target when that
	 * expansion is secure, §2.2.2). */
	struct model_dnssec a_dnssec, aaaa_dnssec, tlsa_dnssec;
	struct model_tlsa *dane_tlsa;
	size_t ndane_tlsa;
	char dane_base[DNS_NAME_MAX];
	/* Validated TLSA records that could not be kept (shorter than 3
	 * bytes, no or too much data, past DNS_MAX_RECORDS), and the first
	 * problem of the RRset in words (also a kept record with unknown
	 * parameters or a digest of the wrong length); "" when none. */
	size_t dane_tlsa_dropped;
	char dane_tlsa_problem[120];
};

/* A policy TXT record set (SPF, DMARC, MTA-STS, TLS-RPT). */
struct model_policy {
	struct model_lookup lookup;
	char **records;                 /* the ones with the policy's tag */
	size_t nrecords;
	size_t nother;                  /* other TXT records at that name */
};

/* MTA-STS (RFC 8461): the policy as a sending MTA fetches it (probe.c
 * resolves mta-sts.<domain> with the run's resolver, sts.c fetches). */
enum model_sts_state {
	MODEL_STS_NOT_TRIED,    /* no single v=STSv1 record: nothing to fetch */
	MODEL_STS_RESOLVING,    /* the address of mta-sts.<domain> */
	MODEL_STS_FETCHING,
	MODEL_STS_NO_ADDRESS,   /* mta-sts.<domain> has no A/AAAA */
	MODEL_STS_NO_START,     /* the fetch could not start (local): see error */
	MODEL_STS_FETCHED,      /* see fetch.status */
};

struct model_sts {
	enum model_sts_state state;
	char host[DNS_NAME_MAX];        /* mta-sts.<domain> */
	struct model_lookup a, aaaa;
	struct sts_fetch_result fetch;  /* its body is not kept (NULL) */
	int parsed;                     /* fetch.status OK: policy holds it */
	struct sts_policy policy;
	char error[256];                /* MODEL_STS_NO_START, for people */
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
	X(MX_HOSTS_CAPPED,        "mx.hosts-capped") \
	X(HOST_ADDRS_CAPPED,      "mx.target.addresses-capped") \
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
	struct model_dnssec mx_dnssec;  /* the MX RRset, by the validator */
	enum model_dnssec_mode dnssec_mode;
	/* Why recursion, or why nothing was validated; never NULL after
	 * model_domain_init. Points at the validator's words, or at
	 * mx_dnssec.why (no validator): nothing to free. */
	const char *dnssec_mode_why;
	/* The trust anchor file used; NULL: none. Points at the option's
	 * value or the default, which live as long as the program. */
	const char *dnssec_anchor;
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
	/* --sender: the sender's side (sender.h), NULL when not asked. */
	struct sender_facts *sender;
	struct model_sts sts;           /* the MTA-STS policy fetched */
};

void model_domain_init(struct model_domain *d, const struct target *t);
void model_domain_free(struct model_domain *d);

/* The new element's index (an address already there: its index). Memory
 * comes from xmalloc: these cannot fail. */
size_t model_host_add(struct model_domain *d, const char *name, uint16_t pref);
size_t model_address_add(struct model_host *h, const char *addr, int family);
void model_policy_add(struct model_policy *p, const char *text);
void model_tlsa_add(struct model_host *h, const struct dns_record *rec);
/* The new finding, to fill qtype/status. */
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
/* 1 once nothing DANE needs for host h is pending: the validator's answer
 * for the MX RRset and for the host's TLSA RRset (a session waits for it
 * before STARTTLS, as a sending MTA looks TLSA up before it connects). */
int model_host_dane_settled(const struct model_domain *d, const struct model_host *h);

#endif
