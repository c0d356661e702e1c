/*
 * sender — the sender's side of a domain, as a receiver sees it: SPF
 * evaluated for one IP (spf.h), the DMARC record (RFC 7489) with its
 * organisational domain (psl.h) and its external report destinations
 * verified (§7.1), and the DKIM key records of the selectors given.
 *
 * The facts are plain data in the model (model_domain.sender); the
 * verdicts are the checklist's (sender.spf, sender.dmarc, sender.dkim).
 *
 * Call protocol: sender_run_start() sends the first queries and returns;
 * done is called once, later, from the loop, when every lookup is in.
 * sender_run_free() before that cancels (done is not called).
 */
#ifndef MAILFLOW_SENDER_H
#define MAILFLOW_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "mailflow/dns.h"
#include "mailflow/spf.h"

struct loop;
struct model_lookup;

#define SENDER_SELECTORS_MAX    16
#define SENDER_URIS_MAX         8
#define SENDER_SELECTOR_LEN     64

struct sender_options {
	const char *domain;     /* NULL: no sender check */
	const char *ip;         /* NULL: the address mailflow's sessions leave from */
	const char *mail_from;  /* for SPF's %{s}; NULL: postmaster@domain */
	const char *helo;
	const char *selectors[SENDER_SELECTORS_MAX];
	size_t nselectors;
	int timeout_ms;         /* DNS per try, for the SPF deadline */
};

/* Where the IP that SPF was evaluated for came from. */
enum sender_ip_source {
	SENDER_IP_GIVEN,        /* --sender-ip */
	SENDER_IP_SESSION,      /* the local address of mailflow's first session */
	SENDER_IP_ROUTE,        /* no session: the address the route would use */
};

enum dmarc_policy { DMARC_P_NONE_GIVEN, DMARC_P_NONE, DMARC_P_QUARANTINE, DMARC_P_REJECT,
	            DMARC_P_BAD };

enum dmarc_dest {
	DEST_SAME_ORG,          /* the domain's own organisation: no check needed */
	DEST_VERIFIED,          /* <domain>._report._dmarc.<dest> says v=DMARC1 */
	DEST_UNVERIFIED,        /* it does not: receivers will not send there */
	DEST_DNS_FAILED,        /* the check could not be made */
	DEST_PENDING,
	DEST_NOT_MAILTO,        /* a URI that is not mailto: */
};

struct sender_uri {
	char uri[256];
	char domain[DNS_NAME_MAX];
	bool ruf;
	enum dmarc_dest dest;
	char check_name[DNS_NAME_MAX];
};

struct sender_dmarc {
	int done;
	char name[DNS_NAME_MAX];        /* where it was asked last */
	enum dns_status status;         /* of the lookup that decided */
	bool found, at_org;             /* at _dmarc.<org domain> */
	size_t nrecords;
	char record[1024];
	bool syntax_ok;
	char error[160];
	enum dmarc_policy p, sp;
	int pct;                        /* 100 when not given */
	char adkim, aspf;               /* 'r' or 's' */
	struct sender_uri uris[SENDER_URIS_MAX];
	size_t nuris;
};

enum dkim_state {
	DKIM_PENDING, DKIM_NO_KEY, DKIM_DNS_FAILED, DKIM_KEY, DKIM_REVOKED, DKIM_BAD,
};

struct sender_dkim {
	char selector[SENDER_SELECTOR_LEN];
	char name[DNS_NAME_MAX];
	enum dkim_state state;
	enum dns_status status;
	char record[1024];
	char k[16];                     /* "rsa" (default), "ed25519" */
	int bits;                       /* RSA key length; 0 unknown */
	bool testing;                   /* t=y */
	char error[160];
};

struct sender_facts {
	char domain[DNS_NAME_MAX];
	char org_domain[DNS_NAME_MAX];
	bool org_guessed;               /* the public suffix list was not readable */
	char ip[64];
	enum sender_ip_source ip_source;
	bool spf_done;
	struct spf_eval spf;
	struct sender_dmarc dmarc;
	struct sender_dkim dkim[SENDER_SELECTORS_MAX];
	size_t ndkim;
	bool selectors_guessed;         /* none given: the common ones were tried */
	bool done;
};

typedef int (*sender_query_fn)(void *ctx, const char *name, enum dns_type type,
                               dns_result_cb cb, void *arg, char **cause);

struct sender_run;
struct sender_run *sender_run_start(struct loop *loop, const struct sender_options *o,
                                    const char *ip, enum sender_ip_source source,
                                    sender_query_fn query, void *query_ctx,
                                    struct sender_facts *facts,
                                    void (*done)(void *arg), void *arg, char **cause);
void sender_run_free(struct sender_run *r);

/* The tags of a DMARC record into d (pure; for tests and the fuzzer). */
int sender_dmarc_parse(const char *text, struct sender_dmarc *d);
/* A DKIM key record into k (pure). */
int sender_dkim_parse(const char *text, size_t len, struct sender_dkim *k);
/* The address a connection towards dest would leave from (UDP connect,
 * nothing is sent); -1 if there is no route. */
int sender_route_address(const char *dest, char *buf, size_t size);

void sender_facts_free(struct sender_facts *f);
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
