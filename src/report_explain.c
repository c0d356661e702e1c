/*
 * report_explain.c — what --explain read, shown (see
 * include/mailflow/report_explain.h). Renders only: the meanings and
 * whose side acts come from the knowledge base (codes.c; the side through
 * explain.c's rcpt_finish()), the state now from checklist_rcpt_now().
 */
#include "mailflow/report_explain.h"

#include <inttypes.h>
#include <string.h>

#include "mailflow/codes.h"
#include "mailflow/defaults.h"
#include "mailflow/report.h"
#include "mailflow/text.h"

#define SAFE_MAX 2048

/* ---- shared words ---------------------------------------------------------- */

static const char *kind_words(const struct explain *ex)
{
	switch (ex->kind) {
	case EXPLAIN_KIND_REPLY: return "a reply";
	case EXPLAIN_KIND_DSN: return "a delivery status notification (RFC 3464)";
	case EXPLAIN_KIND_BOUNCE: return "a bounce";
	default: return "a message's headers";
	}
}

static const char *source_words(enum explain_source s)
{
	static const char *const w[EXPLAIN_SRC__COUNT] = {
		NULL, "Postfix", "Exim", "Microsoft 365 / Exchange", "Gmail", "Sendmail",
	};
	return (unsigned)s < EXPLAIN_SRC__COUNT ? w[s] : NULL;
}

static const char *perm_words(const struct explain_rcpt *r)
{
	switch (r->permanence) {
	case EXPLAIN_PERM_TEMPORARY:
		if (r->action == EXPLAIN_ACTION_FAILED)
			return "temporary, but the sending server has stopped trying: the "
			       "message was returned; send it again once the cause is gone";
		return "temporary: the sending server keeps trying for a while (days at most)";
	case EXPLAIN_PERM_PERMANENT:
		return "permanent: sending again as it is will fail again";
	case EXPLAIN_PERM_NONE:
		return "nothing failed";
	default:
		return "not said";
	}
}

static const char *side_words(enum explain_side s)
{
	switch (s) {
	case EXPLAIN_SIDE_SENDER:
		return "the sender's side: the address, the message or the sending server must change";
	case EXPLAIN_SIDE_RECIPIENT:
		return "the recipient's side: their mailbox or mail server must be fixed";
	case EXPLAIN_SIDE_EITHER:
		return "either side, the reply text says which: the sender if the address or the "
		       "message is wrong, the recipient's side if their server is";
	case EXPLAIN_SIDE_WAIT:
		return "nobody yet: the sending server retries by itself; the recipient's mail "
		       "administrator if it lasts";
	case EXPLAIN_SIDE_NONE:
		return "nobody: nothing failed";
	default:
		return "not clear from the reply";
	}
}

/* The knowledge base's entry for r's reply; NULL when it has no code. */
static const struct code_info *rcpt_info(const struct explain_rcpt *r)
{
	struct code_explanation ce;

	const struct code_info *t;

	if (r->code == 0) {
		/* No reply: a known text ("Connection timed out"), else the status. */
		t = codes_text(0, r->enhanced[0] != '\0' ? r->enhanced : NULL, r->text);
		if (t != NULL)
			return t;
		return r->enhanced[0] != '\0' ? codes_enhanced(r->enhanced) : NULL;
	}
	codes_explain_cmd(r->cmd, r->code, r->enhanced[0] != '\0' ? r->enhanced : NULL,
	                  r->text, &ce);
	return ce.best;
}

static const char *rcpt_next(const struct explain_rcpt *r, const struct code_info *ci)
{
	if (ci != NULL && ci->next != NULL)
		return ci->next;
	switch (r->side) {
	case EXPLAIN_SIDE_SENDER: return "check the address and the sending server's logs";
	case EXPLAIN_SIDE_RECIPIENT: return "tell the recipient's mail administrator";
	case EXPLAIN_SIDE_WAIT: return "wait for the retries; if it lasts, tell the recipient's "
	                               "mail administrator";
	default: return "read the reply text; the probe below shows the server's answer now";
	}
}

/* "42 s", "3 min 4 s", "1 h 2 min", "2 d 3 h"; the sign kept. */
static const char *duration(int64_t s, char *buf, size_t size)
{
	const char *sign = s < 0 ? "-" : "";
	uint64_t a = s < 0 ? (uint64_t)(-(s + 1)) + 1 : (uint64_t)s;

	if (a < 60)
		snprintf(buf, size, "%s%" PRIu64 " s", sign, a);
	else if (a < 3600)
		snprintf(buf, size, "%s%" PRIu64 " min %" PRIu64 " s", sign, a / 60, a % 60);
	else if (a < 86400)
		snprintf(buf, size, "%s%" PRIu64 " h %" PRIu64 " min", sign, a / 3600, a / 60 % 60);
	else
		snprintf(buf, size, "%s%" PRIu64 " d %" PRIu64 " h", sign, a / 86400, a / 3600 % 24);
	return buf;
}

int report_explain_rcpt_is(const struct explain_rcpt *r, const struct model_domain *d)
{
	const char *dom = explain_rcpt_domain(r);
	size_t ll;

	if (d == NULL || dom == NULL || d->target.local[0] == '\0')
		return 0;
	ll = strlen(d->target.local);
	return (size_t)(dom - 1 - r->address) == ll &&
	       text_equal_ci(r->address, ll, d->target.local) &&
	       strlen(dom) == strlen(d->target.domain) &&
	       text_equal_ci(dom, strlen(dom), d->target.domain);
}

/* The probe's RCPT reply behind item, "" when none. */
static const char *item_reply(const struct model_domain *d, const struct check_item *it)
{
	const struct model_session *s;

	if (it == NULL || it->host < 0 || (size_t)it->host >= d->nhosts ||
	    it->addr < 0 || (size_t)it->addr >= d->hosts[it->host].naddrs)
		return "";
	s = d->hosts[it->host].addrs[it->addr].session;
	return s != NULL ? s->steps[STEP_RCPT].text : "";
}

static const char *item_host(const struct model_domain *d, const struct check_item *it)
{
	return it != NULL && it->host >= 0 && (size_t)it->host < d->nhosts
	       ? d->hosts[it->host].name : "";
}

/* ---- text ------------------------------------------------------------------ */

static void put_safe(FILE *out, const char *s)
{
	char buf[SAFE_MAX];

	text_sanitize(s, strlen(s), buf, sizeof buf);
	fputs(buf, out);
}

/* "  label: value\n" with the value made safe; nothing when it is "". */
static void put_field(FILE *out, const char *label, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	fprintf(out, "  %s: ", label);
	put_safe(out, v);
	fputc('\n', out);
}

static void text_notes(FILE *out, const struct explain *ex)
{
	if (ex->flags & EXPLAIN_F_CUT)
		fprintf(out, "  Note: the input is %zu bytes; only the first %u were read\n",
		        ex->input_len, (unsigned)DEFAULT_EXPLAIN_INPUT_MAX);
	if (ex->flags & EXPLAIN_F_NESTED)
		fputs("  Note: the message nests too many MIME parts to be parsed; only its "
		      "headers were, its body read as text\n", out);
	if (ex->flags & EXPLAIN_F_PARTS)
		fprintf(out, "  Note: the message has more MIME parts than the %u looked at\n",
		        (unsigned)DEFAULT_EXPLAIN_PARTS_MAX);
	if (ex->flags & EXPLAIN_F_CHARSET)
		fputs("  Note: a part's character set is unknown: its text is shown as it is, "
		      "with what is not UTF-8 escaped\n", out);
	if (ex->flags & EXPLAIN_F_MORE_RCPTS)
		fprintf(out, "  Note: more than %u recipients: the rest are not listed\n",
		        (unsigned)EXPLAIN_RCPTS_MAX);
	if (ex->flags & EXPLAIN_F_MORE_HOPS)
		fprintf(out, "  Note: more than %u Received: headers: the oldest are not listed\n",
		        (unsigned)EXPLAIN_HOPS_MAX);
	if (ex->flags & EXPLAIN_F_LONG_LINE)
		fprintf(out, "  Note: a line is longer than %u bytes: only its start was read\n",
		        (unsigned)DEFAULT_EXPLAIN_LINE_MAX);
}

static void text_rcpt(FILE *out, const struct explain_rcpt *r, int colour)
{
	const struct code_info *ci = rcpt_info(r);
	char where[EXPLAIN_HOST_MAX + 128];
	const char *mark = r->permanence == EXPLAIN_PERM_PERMANENT ? "FAIL"
	                   : r->permanence == EXPLAIN_PERM_TEMPORARY ? "WARN" : "info";

	fputc('\n', out);
	if (colour)
		fputs(r->permanence == EXPLAIN_PERM_PERMANENT ? "\x1b[1;31m" : "\x1b[33m", out);
	fputs(mark, out);
	if (colour)
		fputs("\x1b[0m", out);
	fputc(' ', out);
	put_safe(out, r->address[0] != '\0' ? r->address : "(no recipient named)");
	fprintf(out, ": %s\n", explain_action_name(r->action));
	if (r->remote_mta[0] != '\0') {
		int ip = r->remote_ip[0] != '\0' && strcmp(r->remote_ip, r->remote_mta) != 0;

		snprintf(where, sizeof where, "%s%s%s%s", r->remote_mta, ip ? " [" : "",
		         ip ? r->remote_ip : "", ip ? "]" : "");
		put_field(out, "Server", where);
		if (r->remote_is_reporter)
			fputs("          (it wrote the bounce, which names no other server)\n", out);
	}
	if (r->cmd != CODES_CMD_ANY)
		fprintf(out, "  In answer to: %s\n", codes_cmd_name(r->cmd));
	put_field(out, "Reply", r->text);
	if (r->status[0] != '\0' && strcmp(r->status, r->enhanced) != 0)
		put_field(out, "DSN status", r->status);
	put_field(out, "Last attempt", r->when);
	if (ci != NULL) {
		fprintf(out, "  Meaning: %s", ci->meaning);
		if (ci->explanation != NULL)
			fprintf(out, ". %s", ci->explanation);
		fputc('\n', out);
		put_field(out, "Likely causes", ci->causes);
	}
	fprintf(out, "  Temporary or permanent: %s\n", perm_words(r));
	fprintf(out, "  Who acts: %s\n", side_words(r->side));
	fprintf(out, "  Next step: %s\n", rcpt_next(r, ci));
}

static void text_hops(FILE *out, const struct explain *ex)
{
	char d1[64], d2[64];
	size_t i;

	fprintf(out, "\nRoute: %zu hop%s", ex->nhops, ex->nhops == 1 ? "" : "s");
	if (ex->total_delay != 0)
		fprintf(out, ", %s from the first dated hop to the last",
		        duration(ex->total_delay, d1, sizeof d1));
	fputc('\n', out);
	for (i = 0; i < ex->nhops; i++) {
		const struct explain_hop *h = &ex->hops[i];

		fprintf(out, "  %2zu  from ", i + 1);
		put_safe(out, h->from[0] ? h->from : "?");
		fputs(" by ", out);
		put_safe(out, h->by[0] ? h->by : "?");
		if (h->with[0]) {
			fputs(" with ", out);
			put_safe(out, h->with);
		}
		fputs(h->tls ? " (TLS)" : "", out);
		if (!h->has_time)
			fputs("  no date", out);
		else if (i > 0 && h->delay != 0)
			fprintf(out, "  %s%s", h->delay > 0 ? "+" : "", duration(h->delay, d2, sizeof d2));
		if ((long)i == ex->slowest && h->delay > 0)
			fputs("  <- slowest", out);
		if (h->skew)
			fputs("  (earlier than the hop before: a clock is wrong)", out);
		fputc('\n', out);
	}
	if (ex->slowest >= 0 && ex->hops[ex->slowest].delay > 0) {
		fprintf(out, "  Slowest hop: %ld, %s, at ", ex->slowest + 1,
		        duration(ex->hops[ex->slowest].delay, d1, sizeof d1));
		put_safe(out, ex->hops[ex->slowest].by);
		fputc('\n', out);
	}
}

static const char *auth_words(enum explain_auth_verdict v)
{
	switch (v) {
	case EXPLAIN_AUTH_PASS: return "pass: the message's sender domain is authenticated";
	case EXPLAIN_AUTH_FAIL: return "fail: the sender domain could not be authenticated "
	                               "(spoofed, or its SPF/DKIM setup is wrong)";
	case EXPLAIN_AUTH_PARTIAL: return "partial: some checks pass, some do not";
	default: return "none recorded";
	}
}

static void text_auth(FILE *out, const struct explain *ex)
{
	size_t i;

	fprintf(out, "\nAuthentication: %s\n", auth_words(ex->auth_verdict));
	put_field(out, "Checked by", ex->authserv);
	for (i = 0; i < ex->nauth; i++) {
		fputs("  ", out);
		put_safe(out, ex->auth[i].method);
		fputc('=', out);
		put_safe(out, ex->auth[i].result);
		if (ex->auth[i].detail[0]) {
			fputc(' ', out);
			put_safe(out, ex->auth[i].detail);
		}
		fputc('\n', out);
	}
}

void report_explain_text(FILE *out, const struct explain *ex, int colour)
{
	const char *src = source_words(ex->source);
	size_t i;

	fprintf(out, "Explained: %s", kind_words(ex));
	if (src != NULL)
		fprintf(out, " written by %s", src);
	if (ex->nrcpts > 0)
		fprintf(out, ", %zu recipient%s", ex->nrcpts, ex->nrcpts == 1 ? "" : "s");
	fputc('\n', out);
	put_field(out, "Subject", ex->subject);
	put_field(out, "From", ex->from);
	put_field(out, "Date", ex->date);
	put_field(out, "Reported by", ex->reporting_mta);
	put_field(out, "Returned message", ex->original_subject);
	text_notes(out, ex);
	for (i = 0; i < ex->nrcpts; i++)
		text_rcpt(out, &ex->rcpts[i], colour);
	/* A bounce's own route says little: only a message's headers'. */
	if (ex->nhops > 0 && ex->kind == EXPLAIN_KIND_HEADERS)
		text_hops(out, ex);
	if (ex->nauth > 0 || ex->kind == EXPLAIN_KIND_HEADERS)
		text_auth(out, ex);
}

static const char *now_words(enum checklist_now now)
{
	switch (now) {
	case CHECKLIST_NOW_REFUSED: return "the server still refuses this recipient";
	case CHECKLIST_NOW_DEFERRED: return "the server defers this recipient now (try later)";
	case CHECKLIST_NOW_ACCEPTED: return "the server accepts this recipient now: the problem "
	                                    "has gone (send again)";
	default: return "could not be tested now";
	}
}

/* What the probe found now for r, and where the host the bounce names
 * stands in the run on d: the result of that host when it is one of the
 * domain's MX hosts (or the one host probed), else the domain's. */
struct rcpt_now {
	enum checklist_now now;
	const struct check_item *it;
	enum checklist_remote remote;
	long host;
};

static void rcpt_now_find(const struct explain_rcpt *r, const struct model_domain *d,
                          const struct checklist *c, struct rcpt_now *n)
{
	n->it = NULL;
	n->remote = checklist_remote_find(d, r->remote_mta, r->remote_ip, &n->host);
	if (n->remote == CHECKLIST_REMOTE_MX || n->remote == CHECKLIST_REMOTE_ALONE)
		n->now = checklist_rcpt_now_at(c, n->host, &n->it);
	else
		n->now = checklist_rcpt_now(c, &n->it);
}

/* The host the bounce names, as it gives it. */
static const char *remote_named(const struct explain_rcpt *r)
{
	return r->remote_mta[0] != '\0' ? r->remote_mta : r->remote_ip;
}

/* After the host the reply came from: which host that is to the bounce. */
static const char *remote_tag(enum checklist_remote rem)
{
	switch (rem) {
	case CHECKLIST_REMOTE_MX: return " (the host the bounce names)";
	case CHECKLIST_REMOTE_ALONE: return " (the host the bounce names, probed on its own)";
	default: return "";
	}
}

/* A sentence on the host the bounce names, when it is not simply one of
 * the hosts probed (nothing otherwise). put() gets the pieces in order,
 * with 1 for the ones from outside, which it makes safe. */
static void remote_sentence(const struct explain_rcpt *r, const struct model_domain *d,
                            const struct rcpt_now *n,
                            void (*put)(FILE *, const char *, int), FILE *out)
{
	switch (n->remote) {
	case CHECKLIST_REMOTE_NOT_MX:
		put(out, "The bounce names ", 0);
		put(out, remote_named(r), 1);
		put(out, ", which is not an MX of ", 0);
		put(out, d->target.domain, 1);
		put(out, " now: the route has changed since, or the bounce came from a relay on "
		    "the way", 0);
		break;
	case CHECKLIST_REMOTE_NO_MX:
		put(out, "The bounce names ", 0);
		put(out, remote_named(r), 1);
		put(out, "; the MX hosts of ", 0);
		put(out, d->target.domain, 1);
		put(out, " could not be found now, so whether it still is one is not known", 0);
		break;
	case CHECKLIST_REMOTE_OTHER:
		put(out, "The bounce names ", 0);
		put(out, remote_named(r), 1);
		put(out, "; this run probed ", 0);
		put(out, d->nhosts > 0 ? d->hosts[0].name : "another host", 1);
		put(out, " only (-s)", 0);
		break;
	default:
		break;
	}
}

static void put_text_piece(FILE *out, const char *s, int safe)
{
	if (safe)
		put_safe(out, s);
	else
		fputs(s, out);
}

void report_explain_now_text(FILE *out, const struct explain *ex,
                             const struct model_domain *d, const struct checklist *c)
{
	struct rcpt_now n;
	size_t i;

	for (i = 0; i < ex->nrcpts; i++) {
		const struct explain_rcpt *r = &ex->rcpts[i];

		if (!report_explain_rcpt_is(r, d))
			continue;
		rcpt_now_find(r, d, c, &n);
		fputs("Now: ", out);
		put_safe(out, r->address);
		fprintf(out, ": %s", now_words(n.now));
		if (n.it != NULL && n.it->code != 0) {
			fprintf(out, ": %d%s%s", n.it->code, n.it->enhanced[0] ? " " : "",
			        n.it->enhanced);
			if (n.it->code == r->code && strcmp(n.it->enhanced, r->enhanced) == 0)
				fputs(" (the same reply as in the bounce)", out);
			fputs(" from ", out);
			put_safe(out, item_host(d, n.it));
			fputs(remote_tag(n.remote), out);
		} else if (n.it != NULL) {
			fputs(": ", out);
			put_safe(out, n.it->title);
		}
		fputc('\n', out);
		if (n.remote != CHECKLIST_REMOTE_UNNAMED && n.remote != CHECKLIST_REMOTE_MX &&
		    n.remote != CHECKLIST_REMOTE_ALONE) {
			fputs("     ", out);
			remote_sentence(r, d, &n, put_text_piece, out);
			fputs(".\n", out);
		}
	}
}

/* ---- JSON --------------------------------------------------------------- */

static void js(FILE *out, const char *s)
{
	report_json_string(out, s, strlen(s));
}

static void jfield(FILE *out, const char *name, const char *v)
{
	fprintf(out, ",\"%s\":", name);
	js(out, v != NULL ? v : "");
}

static void json_now(FILE *out, const struct explain_rcpt *r, const struct model_domain *d,
                     const struct checklist *c)
{
	const struct check_item *it = NULL;
	enum checklist_now now;
	struct rcpt_now n;

	if (d == NULL || c == NULL || !report_explain_rcpt_is(r, d)) {
		fputs(",\"now\":{\"state\":\"not-probed\"}", out);
		return;
	}
	rcpt_now_find(r, d, c, &n);
	now = n.now;
	it = n.it;
	fprintf(out, ",\"now\":{\"state\":\"%s\",\"remote\":\"%s\"", checklist_now_name(now),
	        checklist_remote_name(n.remote));
	if (it != NULL && it->code != 0) {
		fprintf(out, ",\"code\":%d", it->code);
		jfield(out, "enhanced", it->enhanced);
		jfield(out, "text", item_reply(d, it));
		jfield(out, "host", item_host(d, it));
		fprintf(out, ",\"same\":%s", it->code == r->code &&
		        strcmp(it->enhanced, r->enhanced) == 0 ? "true" : "false");
	} else if (it != NULL) {
		jfield(out, "why", it->title);
	}
	fputc('}', out);
}

static void json_rcpt(FILE *out, const struct explain_rcpt *r, const struct model_domain *d,
                      const struct checklist *c)
{
	const struct code_info *ci = rcpt_info(r);
	const char *dom = explain_rcpt_domain(r);

	fputs("{\"address\":", out);
	js(out, r->address);
	fputs(",\"domain\":", out);
	if (dom != NULL)
		js(out, dom);
	else
		fputs("null", out);
	jfield(out, "action", explain_action_name(r->action));
	jfield(out, "status", r->status);
	fprintf(out, ",\"code\":%d", r->code);
	jfield(out, "enhanced", r->enhanced);
	jfield(out, "text", r->text);
	jfield(out, "command", r->cmd != CODES_CMD_ANY ? codes_cmd_name(r->cmd) : "");
	jfield(out, "remote_mta", r->remote_mta);
	jfield(out, "remote_ip", r->remote_ip);
	fprintf(out, ",\"remote_is_reporter\":%s", r->remote_is_reporter ? "true" : "false");
	jfield(out, "last_attempt", r->when);
	jfield(out, "permanence", explain_permanence_name(r->permanence));
	jfield(out, "side", explain_side_name(r->side));
	jfield(out, "meaning", ci != NULL ? ci->meaning : "");
	jfield(out, "explanation", ci != NULL ? ci->explanation : "");
	jfield(out, "causes", ci != NULL ? ci->causes : "");
	jfield(out, "next", rcpt_next(r, ci));
	json_now(out, r, d, c);
	fputc('}', out);
}

static void json_hops(FILE *out, const struct explain *ex)
{
	size_t i;

	fputs(",\"hops\":[", out);
	for (i = 0; i < ex->nhops; i++) {
		const struct explain_hop *h = &ex->hops[i];

		fputs(i ? ",{\"from\":" : "{\"from\":", out);
		js(out, h->from);
		jfield(out, "by", h->by);
		jfield(out, "with", h->with);
		fprintf(out, ",\"tls\":%s,\"time\":", h->tls ? "true" : "false");
		if (h->has_time)
			fprintf(out, "%" PRId64, h->time);
		else
			fputs("null", out);
		fprintf(out, ",\"delay\":%" PRId64 ",\"skew\":%s}", h->delay,
		        h->skew ? "true" : "false");
	}
	fprintf(out, "],\"total_delay\":%" PRId64 ",\"slowest\":", ex->total_delay);
	if (ex->slowest >= 0)
		fprintf(out, "%ld", ex->slowest);
	else
		fputs("null", out);
}

static void json_notes(FILE *out, const struct explain *ex)
{
	static const struct { unsigned f; const char *name; } notes[] = {
		{ EXPLAIN_F_CUT, "cut" }, { EXPLAIN_F_NESTED, "nested" },
		{ EXPLAIN_F_PARTS, "parts" }, { EXPLAIN_F_CHARSET, "charset" },
		{ EXPLAIN_F_MORE_RCPTS, "more-recipients" }, { EXPLAIN_F_MORE_HOPS, "more-hops" },
		{ EXPLAIN_F_LONG_LINE, "long-line" },
	};
	size_t i, n = 0;

	fputs(",\"notes\":[", out);
	for (i = 0; i < sizeof notes / sizeof notes[0]; i++)
		if (ex->flags & notes[i].f)
			fprintf(out, "%s\"%s\"", n++ ? "," : "", notes[i].name);
	fputc(']', out);
}

void report_explain_json(FILE *out, const struct explain *ex, const struct model_domain *d,
                         const struct checklist *c)
{
	size_t i;

	fprintf(out, "{\"kind\":\"%s\",\"source\":\"%s\",\"input_bytes\":%zu",
	        explain_kind_name(ex->kind), explain_source_name(ex->source), ex->input_len);
	json_notes(out, ex);
	jfield(out, "subject", ex->subject);
	jfield(out, "from", ex->from);
	jfield(out, "date", ex->date);
	jfield(out, "reporting_mta", ex->reporting_mta);
	jfield(out, "original_subject", ex->original_subject);
	fputs(",\"recipients\":[", out);
	for (i = 0; i < ex->nrcpts; i++) {
		if (i)
			fputc(',', out);
		json_rcpt(out, &ex->rcpts[i], d, c);
	}
	fputc(']', out);
	json_hops(out, ex);
	fputs(",\"authentication\":{\"verdict\":", out);
	js(out, explain_auth_verdict_name(ex->auth_verdict));
	jfield(out, "authserv_id", ex->authserv);
	fputs(",\"results\":[", out);
	for (i = 0; i < ex->nauth; i++) {
		fputs(i ? ",{\"method\":" : "{\"method\":", out);
		js(out, ex->auth[i].method);
		jfield(out, "result", ex->auth[i].result);
		jfield(out, "detail", ex->auth[i].detail);
		fputc('}', out);
	}
	fputs("]}}", out);
}

void report_explain_json_document(FILE *out, const struct explain *ex, const char *input)
{
	fprintf(out, "{\"schema\":1,\"tool\":\"mailflow\",\"version\":\"%s\",\"input\":",
	        MAILFLOW_VERSION);
	js(out, input != NULL ? input : "");
	fputs(",\"explain\":", out);
	report_explain_json(out, ex, NULL, NULL);
	fputs("}\n", out);
}

/* ---- Markdown ---------------------------------------------------------- */

/* Sanitised, then Markdown's special characters escaped. */
static void md_text(FILE *out, const char *s)
{
	char buf[SAFE_MAX];
	size_t i, n = text_sanitize(s, strlen(s), buf, sizeof buf);

	for (i = 0; i < n; i++) {
		if (strchr("\\`*_[]<>|#~!&{}", buf[i]) != NULL ||
		    (buf[i] == ':' && buf[i + 1] == '/'))
			fputc('\\', out);
		fputc(buf[i], out);
	}
}

static void put_md_piece(FILE *out, const char *s, int safe)
{
	if (safe)
		md_text(out, s);
	else
		fputs(s, out);
}

static void md_field(FILE *out, const char *label, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	fprintf(out, "- %s: ", label);
	md_text(out, v);
	fputc('\n', out);
}

static void md_rcpt(FILE *out, const struct explain_rcpt *r, const struct model_domain *d,
                    const struct checklist *c)
{
	const struct code_info *ci = rcpt_info(r);
	struct rcpt_now n;

	fputs("\n### ", out);
	md_text(out, r->address[0] ? r->address : "(no recipient named)");
	fprintf(out, ": %s\n\n", explain_action_name(r->action));
	md_field(out, "Server", r->remote_mta);
	if (r->remote_is_reporter)
		fputs("  (it wrote the bounce, which names no other server)\n", out);
	if (r->cmd != CODES_CMD_ANY)
		fprintf(out, "- In answer to: %s\n", codes_cmd_name(r->cmd));
	md_field(out, "Reply", r->text);
	if (ci != NULL) {
		md_field(out, "Meaning", ci->meaning);
		md_field(out, "Explanation", ci->explanation);
		md_field(out, "Likely causes", ci->causes);
	}
	fprintf(out, "- Temporary or permanent: %s\n", perm_words(r));
	fprintf(out, "- Who acts: %s\n", side_words(r->side));
	fputs("- Next step: ", out);
	md_text(out, rcpt_next(r, ci));
	fputc('\n', out);
	if (d != NULL && c != NULL && report_explain_rcpt_is(r, d)) {
		rcpt_now_find(r, d, c, &n);
		fprintf(out, "- **Now**: %s", now_words(n.now));
		if (n.it != NULL && n.it->code != 0) {
			fprintf(out, ": %d %s from ", n.it->code, n.it->enhanced);
			md_text(out, item_host(d, n.it));
			fputs(remote_tag(n.remote), out);
		}
		fputc('\n', out);
		if (n.remote != CHECKLIST_REMOTE_UNNAMED && n.remote != CHECKLIST_REMOTE_MX &&
		    n.remote != CHECKLIST_REMOTE_ALONE) {
			fputs("- ", out);
			remote_sentence(r, d, &n, put_md_piece, out);
			fputs(".\n", out);
		}
	}
}

void report_explain_markdown(FILE *out, const struct explain *ex, const struct model_domain *d,
                             const struct checklist *c)
{
	const char *src = source_words(ex->source);
	char d1[64];
	size_t i;

	fprintf(out, "## Explained: %s%s%s\n\n", kind_words(ex), src ? " written by " : "",
	        src ? src : "");
	md_field(out, "Subject", ex->subject);
	md_field(out, "From", ex->from);
	md_field(out, "Date", ex->date);
	md_field(out, "Reported by", ex->reporting_mta);
	for (i = 0; i < ex->nrcpts; i++)
		md_rcpt(out, &ex->rcpts[i], d, c);
	if (ex->nhops > 0 && ex->kind == EXPLAIN_KIND_HEADERS) {
		fprintf(out, "\n### Route: %zu hops, %s\n\n| # | from | by | with | TLS | delay |\n"
		        "| --- | --- | --- | --- | --- | --- |\n", ex->nhops,
		        duration(ex->total_delay, d1, sizeof d1));
		for (i = 0; i < ex->nhops; i++) {
			fprintf(out, "| %zu | ", i + 1);
			md_text(out, ex->hops[i].from);
			fputs(" | ", out);
			md_text(out, ex->hops[i].by);
			fputs(" | ", out);
			md_text(out, ex->hops[i].with);
			fprintf(out, " | %s | %s%s%s |\n", ex->hops[i].tls ? "yes" : "no",
			        duration(ex->hops[i].delay, d1, sizeof d1),
			        (long)i == ex->slowest ? " (slowest)" : "",
			        ex->hops[i].skew ? " (clock skew)" : "");
		}
	}
	if (ex->nauth > 0 || ex->kind == EXPLAIN_KIND_HEADERS)
		fprintf(out, "\n**Authentication**: %s\n", auth_words(ex->auth_verdict));
	fputc('\n', out);
}
