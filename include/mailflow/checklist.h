/*
 * checklist — the model turned into verdicts, a pure function: each item
 * has a stable id (DESIGN.md "Checklist ids and verdicts"), a verdict, a
 * title, the evidence it rests on (transcript lines or DNS facts), what it
 * means and the next thing to try. Reports, the TUI and the tests all read
 * the same items.
 */
#ifndef MAILFLOW_CHECKLIST_H
#define MAILFLOW_CHECKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailflow/codes.h"
#include "mailflow/model.h"

enum verdict { V_PASS, V_WARN, V_FAIL, V_INFO, V_SKIP, V_PENDING, VERDICT__COUNT };

#define CHECK_EVIDENCE_MAX 8

struct check_item {
	const char *id;                 /* "dns.mx", "host.relay", ... */
	enum verdict verdict;
	char title[160];
	char explanation[768];
	char next[384];
	/* Where: domain items have host == -1; host items name the host
	 * and address (indices into the model). */
	long host, addr;
	/* Evidence: transcript lines (indices into the session's lines) ... */
	size_t line_from, line_to;
	/* ... and/or facts in words (DNS records, TLS facts). */
	char facts[CHECK_EVIDENCE_MAX][256];
	size_t nfacts;
	int code;                       /* the reply the verdict rests on */
	char enhanced[16];
	/* The facts are the finding whatever the verdict (the MTA-STS
	 * policy): views show them for a pass too. */
	bool facts_always;
};

struct checklist {
	struct check_item *items;
	size_t n;
};

/* Builds the checklist of d (free it with checklist_free). Its memory
 * comes from xmalloc, so it cannot fail. */
void checklist_build(const struct model_domain *d, struct checklist *out);
void checklist_free(struct checklist *c);

const char *verdict_name(enum verdict v);
/* How many items have each verdict. */
void checklist_count(const struct checklist *c, size_t counts[VERDICT__COUNT]);
/* The verdict counts as every view shows them, each class counted so the
 * numbers add up to the items: "2 fail, 1 warn, 9 pass, 3 info, 4 skip",
 * and ", 1 pending" while any item is. Returns buf. */
const char *checklist_verdict_line(const struct checklist *c, char *buf, size_t size);
/* The host and the address an item is about, or NULL (a domain item, or
 * an index the model does not have). */
const struct model_host *checklist_item_host(const struct model_domain *d,
                                             const struct check_item *it);
const struct model_address *checklist_item_address(const struct model_domain *d,
                                                   const struct check_item *it);
const struct check_item *checklist_find(const struct checklist *c,
                                        const char *id, long host, long addr);


/*
 * The exit status of a domain's run, the one place it is decided (README
 * "Exit status"): 2 when the run could not judge the domain (no DNS answer
 * for its MX: timeout, SERVFAIL, REFUSED...), 1 when a check failed, else 0.
 */
int checklist_exit_status(const struct model_domain *d, const struct checklist *c);

/* The conventions an exit status can follow: mailflow's own (above) or the
 * monitoring plugins' (--nagios): 0 OK, 1 WARNING (a warn), 2 CRITICAL (a
 * fail), 3 UNKNOWN (not judged: no DNS answer, or no run at all). */
enum exit_style { EXIT_STYLE_MAILFLOW, EXIT_STYLE_NAGIOS };
/* checklist_exit_status() in either convention; d and c NULL: the run
 * could not be made (2, or 3 for Nagios). The one place both are decided. */
int checklist_exit_status_as(const struct model_domain *d, const struct checklist *c,
                             enum exit_style style);
/* The worse of two exit statuses of a list, in the convention's order. */
int checklist_exit_worst(int a, int b, enum exit_style style);

/* The command a step's reply answers, for the knowledge base: the
 * greeting for the banner, HELO when EHLO was refused, the end of data
 * once the message was sent... CODES_CMD_ANY for connect. */
enum codes_cmd checklist_step_command(const struct model_session *s,
                                      enum model_step_id step);

/*
 * The EHLO facts that matter to a sender, by name, in a fixed order:
 * "SIZE 10.2 MB, 8BITMIME, SMTPUTF8, CHUNKING, PIPELINING, DSN, AUTH PLAIN
 * LOGIN, REQUIRETLS, STARTTLS" (from the last EHLO; STARTTLS from the one
 * before TLS). with_missing adds what is not offered as "no CHUNKING".
 * "" when no EHLO was answered. Server text in it is made safe. Returns buf.
 */
const char *checklist_ehlo_facts(const struct model_session *s, bool with_missing,
                                 char *buf, size_t size);

/* How a hosts-table cell is written: plain ASCII or with UTF-8 marks,
 * with the enhanced code after the reply code or not. */
#define CELL_UTF8       0x1
#define CELL_ENHANCED   0x2


/*
 * --explain: what the probe found now for the recipient a bounce named,
 * from the host.rcpt items (the probe sent RCPT TO that recipient): any
 * host refused it (fail), else any deferred it (warn), else one accepted
 * it (pass), else it could not be asked (untested). *item is the item it
 * rests on (the first such one), or the dns.mx item, or NULL.
 */
enum checklist_now {
	CHECKLIST_NOW_UNTESTED,
	CHECKLIST_NOW_ACCEPTED,
	CHECKLIST_NOW_DEFERRED,
	CHECKLIST_NOW_REFUSED,
	CHECKLIST_NOW__COUNT
};
enum checklist_now checklist_rcpt_now(const struct checklist *c, const struct check_item **item);
const char *checklist_now_name(enum checklist_now now);
/* The same, from the host.rcpt items of model host `host` alone. */
enum checklist_now checklist_rcpt_now_at(const struct checklist *c, long host,
                                         const struct check_item **item);

/*
 * --explain: what the host a bounce names (its name, and its address
 * when the bounce gives one; either may be "") is in the run on d, the
 * model alone deciding. *host is its index in d->hosts for MX and ALONE,
 * else -1.
 */
enum checklist_remote {
	CHECKLIST_REMOTE_UNNAMED,       /* the bounce names no host */
	CHECKLIST_REMOTE_MX,            /* one of the domain's MX hosts now (by name or address) */
	CHECKLIST_REMOTE_NOT_MX,        /* the MX hosts are known, and it is none of them */
	CHECKLIST_REMOTE_ALONE,         /* the run probed that host on its own (-s) */
	CHECKLIST_REMOTE_OTHER,         /* the run probed another host on its own (-s) */
	CHECKLIST_REMOTE_NO_MX,         /* the domain's MX hosts could not be found */
	CHECKLIST_REMOTE__COUNT
};
enum checklist_remote checklist_remote_find(const struct model_domain *d, const char *name,
                                            const char *ip, long *host);
/* "unnamed", "mx", "not-mx", "alone", "other", "no-mx". */
const char *checklist_remote_name(enum checklist_remote r);

#endif
