/*
 * cell — a hosts-table cell in words (cell.h). The verdict is always the
 * checklist item's; the words say what the item rests on, from the
 * session's typed facts.
 */
#include "mailflow/cell.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mailflow/conn.h"
#include "mailflow/defaults.h"

static const struct {
	const char *name, *item;
	enum model_step_id step;
} cols[CELL_COL__COUNT] = {
	[CELL_COL_CONNECT] = { "connect", "host.connect", STEP_CONNECT },
	[CELL_COL_BANNER] = { "banner", "host.banner", STEP_BANNER },
	[CELL_COL_TLS] = { "TLS", "host.starttls", STEP_STARTTLS },
	[CELL_COL_RCPT] = { "RCPT", "host.rcpt", STEP_RCPT },
	[CELL_COL_RELAY] = { "relay", "host.relay", STEP_RELAY },
};

const char *cell_col_name(enum cell_col col)
{
	return (size_t)col < CELL_COL__COUNT ? cols[col].name : "?";
}

const char *cell_col_item(enum cell_col col)
{
	return (size_t)col < CELL_COL__COUNT ? cols[col].item : "?";
}

static void lead(struct cell *out, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void lead(struct cell *out, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(out->lead, sizeof out->lead, f, ap);
	va_end(ap);
}

static void note(struct cell *out, const char *s)
{
	snprintf(out->note, sizeof out->note, "%s", s);
}

/* As summary.c ranks them: pending over fail over warn over pass. */
static int rank(enum verdict v)
{
	static const int r[VERDICT__COUNT] = {
		[V_SKIP] = 0, [V_INFO] = 1, [V_PASS] = 2, [V_WARN] = 3,
		[V_FAIL] = 4, [V_PENDING] = 5,
	};
	return (size_t)v < VERDICT__COUNT ? r[v] : 0;
}

static enum verdict item_verdict(const struct checklist *c, const char *id, long hi, long ai)
{
	const struct check_item *it = checklist_find(c, id, hi, ai);

	return it ? it->verdict : V_PENDING;
}

/* A step that did not end with a reply: its reason in a word. */
static void failed_words(struct cell *out, const struct model_session *s,
                         const struct model_step *st)
{
	if (st->reason == REASON_CONNECT || st->fail == FAIL_CONNECT) {
		switch (s->conn_error) {
		case CONN_REFUSED: lead(out, "refused"); return;
		case CONN_TIMEOUT: lead(out, "timeout"); return;
		case CONN_UNREACHABLE: lead(out, "unreachable"); return;
		default: lead(out, "%s", conn_error_name(s->conn_error)); return;
		}
	}
	lead(out, "%s", st->reason == REASON_NONE ? "failed" : model_reason_name(st->reason));
}

/* "1.3" and what is wrong with the certificate, in a word. */
static void tls_words(struct cell *out, const struct model_session *s)
{
	const struct tls_facts *f = &s->tls;

	lead(out, "%s", strncmp(f->version, "TLSv", 4) == 0 ? f->version + 4
	     : f->version[0] ? f->version : "TLS");
	/* A certificate DANE authenticated is fine whatever PKIX says
	 * (host.cert passes it). */
	if (!f->handshake_done || s->dane.state == DANE_STATE_MATCH)
		return;
	if (f->days_left < 0 || (!f->chain_ok && f->verify_expired))
		note(out, "expired");
	else if (!f->chain_ok)
		note(out, "untrusted");
	else if (!f->name_ok)
		note(out, "wrong name");
	else if (f->days_left < 14)
		note(out, "expiring");
}

static void tls_cell(struct cell *out, const struct model_session *s,
                     const struct model_step *st)
{
	if (s->tls_active || (st->state == STEP_OK && s->tls.handshake_done)) {
		tls_words(out, s);
		return;
	}
	switch (st->state) {
	case STEP_SKIPPED:
		lead(out, "%s", st->reason == REASON_NOT_OFFERED ? "none" : "skip");
		return;
	case STEP_REJECTED:
		lead(out, "%d", st->code);
		return;
	case STEP_FAILED:
		if (st->reason == REASON_POLICY)
			lead(out, "none");
		else if (st->reason == REASON_TLS)
			lead(out, "handshake");
		else
			failed_words(out, s, st);
		return;
	default:
		lead(out, "ok");
		return;
	}
}

static void banner_cell(struct cell *out, const struct model_session *s,
                        const struct model_step *st)
{
	if (st->state == STEP_OK && s->banner_ms > DEFAULT_GREET_DELAY_INFO_MS)
		lead(out, "%.1f s", (double)s->banner_ms / 1000.0);
	else
		lead(out, "%d", st->code);
}

static void relay_cell(struct cell *out, const struct model_session *s,
                       const struct model_step *st)
{
	if (st->state == STEP_REJECTED)
		lead(out, "refused");
	else if (s->out_of_step || s->authenticated)
		lead(out, "%d", st->code);
	else
		lead(out, "open relay");
}

/* A step that ended (the session may go on): its words by column. */
static void ended_cell(struct cell *out, enum cell_col col, const struct model_session *s,
                       const struct model_step *st, unsigned flags)
{
	if (st->state == STEP_SKIPPED && col != CELL_COL_TLS) {
		lead(out, "skip");
		return;
	}
	if (st->state == STEP_FAILED && col != CELL_COL_TLS) {
		failed_words(out, s, st);
		return;
	}
	switch (col) {
	case CELL_COL_CONNECT:
		lead(out, "%llu ms", (unsigned long long)st->ms);
		return;
	case CELL_COL_BANNER:
		banner_cell(out, s, st);
		return;
	case CELL_COL_TLS:
		tls_cell(out, s, st);
		return;
	case CELL_COL_RELAY:
		relay_cell(out, s, st);
		return;
	default:
		if ((flags & CELL_ENHANCED) && st->enhanced[0])
			lead(out, "%d %s", st->code, st->enhanced);
		else
			lead(out, "%d", st->code);
		return;
	}
}

void cell_of(const struct model_domain *d, const struct checklist *c,
             long hi, long ai, enum cell_col col, unsigned flags, struct cell *out)
{
	const struct model_session *s = d->hosts[hi].addrs[ai].session;
	const struct model_step *st;

	memset(out, 0, sizeof *out);
	out->verdict = V_PENDING;
	if (s == NULL || (size_t)col >= CELL_COL__COUNT)
		return;
	st = &s->steps[cols[col].step];
	if (st->state == STEP_RUNNING || (st->state == STEP_NOT_RUN && !s->done))
		return;         /* still to come: the row says what runs */
	if (st->state == STEP_NOT_RUN) {
		lead(out, "%s", (flags & CELL_UTF8) ? "—" : "-");
		out->verdict = V_SKIP;
		return;
	}
	out->verdict = item_verdict(c, cols[col].item, hi, ai);
	if (col == CELL_COL_TLS) {
		enum verdict cert = item_verdict(c, "host.cert", hi, ai);

		enum verdict dane = item_verdict(c, "host.dane", hi, ai);

		if (s->tls.handshake_done && rank(cert) > rank(out->verdict))
			out->verdict = cert;
		if (dane == V_PASS || dane == V_WARN || dane == V_FAIL) {
			out->dane = true;
			out->dane_verdict = dane;
		}
	}
	out->mark = true;
	ended_cell(out, col, s, st, flags);
}

/* As smtp.c arms them: connect and banner fall back to --timeout. */
static int step_timeout_ms(enum model_step_id step, const struct smtp_options *so)
{
	if (step == STEP_CONNECT && so->connect_timeout_ms > 0)
		return so->connect_timeout_ms;
	if (step == STEP_BANNER && so->banner_timeout_ms > 0)
		return so->banner_timeout_ms;
	return so->timeout_ms;
}

bool cell_running_words(const struct model_session *s, const struct smtp_options *so,
                        unsigned flags, uint64_t now_ms, char *buf, size_t size)
{
	const char *dots = (flags & CELL_UTF8) ? "…" : "...";
	size_t i;

	if (size > 0)
		buf[0] = '\0';
	if (s->done)
		return false;
	for (i = 0; i < STEP__COUNT; i++) {
		const struct model_step *st = &s->steps[i];
		uint64_t at = s->started_ms + st->at_ms;
		int t = step_timeout_ms((enum model_step_id)i, so);

		if (st->state != STEP_RUNNING)
			continue;
		if (t > 0)
			snprintf(buf, size, "%s%s %llu s of %d", model_step_id((enum model_step_id)i),
			         dots, (unsigned long long)(now_ms > at ? (now_ms - at) / 1000 : 0),
			         (t + 999) / 1000);
		else
			snprintf(buf, size, "%s%s", model_step_id((enum model_step_id)i), dots);
		return true;
	}
	return false;
}

const char *cell_mark(enum verdict v, unsigned flags)
{
	static const char *const u[VERDICT__COUNT] = { "✓", "!", "✗", "i", "–", "…" };
	static const char *const a[VERDICT__COUNT] = { "+", "!", "x", "i", "-", "*" };

	if ((unsigned)v >= VERDICT__COUNT)
		return "?";
	return (flags & CELL_UTF8) ? u[v] : a[v];
}

size_t cell_format(const struct cell *c, unsigned flags, char *buf, size_t size)
{
	int n;

	if (size == 0)
		return 0;
	if (!c->mark)
		n = snprintf(buf, size, "%s", c->lead);
	else
		n = snprintf(buf, size, "%s %s%s%s", c->lead, cell_mark(c->verdict, flags),
		             c->note[0] ? " " : "", c->note);
	if (n >= 0 && (size_t)n < size && c->dane)
		n += snprintf(buf + n, size - (size_t)n, " DANE %s",
		              cell_mark(c->dane_verdict, flags));
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
