/*
 * probe — a run over one domain. This part builds the domain's mail plan
 * from DNS: MX → hosts → addresses (A and AAAA) → PTR and forward
 * confirmation, TLSA per host, and the policy records (SPF, DMARC,
 * MTA-STS, TLS-RPT). Every query that does not depend on another answer
 * is sent at once; the plan is complete when the last answer is in.
 *
 * Call protocol: probe_new() sends the first queries and returns; the loop
 * does the rest. on_change runs after each answer that changed the model,
 * on_plan_done once when the plan is complete. Do not free the probe from
 * inside a callback (stop the loop, then free). probe_free() cancels what
 * is in flight.
 */
#ifndef MAILFLOW_PROBE_H
#define MAILFLOW_PROBE_H

#include "mailflow/dns.h"
#include "mailflow/dnssec.h"
#include "mailflow/model.h"
#include "mailflow/sender.h"
#include "mailflow/smtp.h"
#include "mailflow/target.h"

struct loop;
struct probe;

/*
 * A bound on SMTP sessions in flight, shared by any number of probes (a
 * list of domains): a session that would pass it waits in a queue and
 * starts when another ends.
 */
struct probe_limiter;
struct probe_limiter *probe_limiter_new(size_t max);
void probe_limiter_free(struct probe_limiter *lim);
/* The most sessions that were ever in flight at once. */
size_t probe_limiter_peak(const struct probe_limiter *lim);

struct probe_callbacks {
	void (*on_change)(struct probe *probe, void *arg);
	void (*on_plan_done)(struct probe *probe, void *arg);
	/* The DNS plan and every SMTP session have ended. */
	void (*on_done)(struct probe *probe, void *arg);
	void *arg;
};

struct probe_options {
	struct dns_options dns;
	/* SMTP: a session with every address as soon as it is known. */
	int smtp;                       /* 0: DNS plan only */
	struct smtp_options session;    /* rcpt_to NULL: postmaster@DOMAIN */
	uint16_t port;
	int family;                     /* 4 or 6: only such addresses; 0: both */
	/* -s HOST: this host only, no MX and no policy lookups. An IP
	 * address is probed without any DNS. */
	const char *server;
	/* NULL: no bound. */
	struct probe_limiter *limiter;
	/* --sender: SPF, DMARC and DKIM of the domain of --from (else of
	 * the target) into model.sender (sender.h). */
	int sender_check;
	struct sender_options sender;
	/* --ca-file for the MTA-STS policy fetch (NULL: the system store). */
	const char *ca_file;
	/* DNSSEC (issue 14): the MX, A/AAAA and TLSA answers asked again of
	 * a validating libunbound context, beside the plan's c-ares lookups.
	 * no_dnssec (--no-dnssec): not at all (every answer UNCHECKED).
	 * dnssec_anchor: --dnssec-anchor (NULL: DEFAULT_DNSSEC_ANCHOR).
	 * dnssec_share: a validator shared by every probe of a list (NULL:
	 * the probe makes its own when it first needs one). */
	int no_dnssec;
	const char *dnssec_anchor;
	struct dnssec *dnssec_share;
};

/* The validator a run of these options uses (dnssec_new with the run's
 * --dns servers and DNS bound); NULL with *cause set when it cannot start. */
struct dnssec *probe_dnssec_new(struct loop *loop, const struct probe_options *options,
                                char **cause);

/* The options of a run at their defaults (mailflow/defaults.h). */
void probe_options_init(struct probe_options *options);
/* What follows from the options read: TLS on connect on port 465, the
 * EHLO name (this machine's name) and MAIL FROM (postmaster@ that name)
 * where none was given. Call once, after reading them. */
void probe_options_settle(struct probe_options *options);
/* The recipient of the checks: the target's own address, else
 * postmaster@domain (RFC 5321 §4.5.1: every domain has one). */
void probe_rcpt_for(const struct target *target, char *buf, size_t size);

/* NULL with *cause set (bad DNS options, out of memory). */
struct probe *probe_new(struct loop *loop, const struct target *target,
                        const struct probe_options *options,
                        const struct probe_callbacks *callbacks, char **cause);
void probe_free(struct probe *probe);
const struct model_domain *probe_model(const struct probe *probe);
/* Drops the probe's questions to the validator (they stay PENDING) and
 * forgets it: before a shared validator (dnssec_share) is freed. */
void probe_dnssec_detach(struct probe *probe);
/* Queries still in flight for the plan. */
size_t probe_plan_pending(const struct probe *probe);
/* Runs the SMTP session with one address again (host and address
 * indices); -1 if there is none or it is still running. on_done fires
 * again when it ends. */
int probe_rerun_address(struct probe *probe, size_t host, size_t addr);
/*
 * Manual mode: a session with one address of the plan, run by the routine
 * up to handover (SMTP_QUIT_NEVER: the banner), then handed to the user
 * through cb->on_manual. The probe owns it (one at a time): another open
 * or probe_manual_close() ends it, and its data stays readable until then.
 * Ended, its steps not run are skipped (REASON_QUIT_AFTER); an address the
 * run made no session with keeps it as its session (--manual).
 * NULL with *cause set when there is no such address.
 */
struct smtp_session *probe_manual_open(struct probe *probe, size_t host, size_t addr,
                                       enum smtp_quit_after handover,
                                       const struct smtp_callbacks *cb, void *arg,
                                       char **cause);
void probe_manual_close(struct probe *probe);

/* SMTP sessions still running. */
size_t probe_sessions_running(const struct probe *probe);

#endif
