/*
 * cell — a hosts-table cell in words, from the checklist item behind it:
 * its verdict (the item's, so the table can never contradict the
 * checklist) and a few words before and after the verdict's mark, as the
 * TUI shows them: "1.3 ✗ expired", "3.0 s !", "refused ✓", "open relay ✗".
 * The words come from the same typed facts the checklist judged (steps,
 * reasons, TLS facts), never from an item's English text. A view puts the
 * mark of the verdict between lead and note.
 */
#ifndef MAILFLOW_CELL_H
#define MAILFLOW_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailflow/checklist.h"
#include "mailflow/model.h"
#include "mailflow/smtp.h"

/* The step columns of the hosts table, left to right. */
enum cell_col {
	CELL_COL_CONNECT, CELL_COL_BANNER, CELL_COL_TLS, CELL_COL_RCPT,
	CELL_COL_RELAY, CELL_COL__COUNT
};

struct cell {
	enum verdict verdict;           /* the item's (the worst, for TLS) */
	bool mark;                      /* a verdict mark goes after lead */
	char lead[24];                  /* "21 ms", "1.3", "refused", "—" */
	char note[24];                  /* after the mark: "expired", "" */
	/* TLS only: a DANE mark follows ("DANE ✓") with host.dane's verdict,
	 * when DANE was judged (pass, warn or fail; not for a zone without
	 * TLSA or a run without DNSSEC). */
	bool dane;
	enum verdict dane_verdict;
};

/* The column's header word: "connect", "banner", "TLS", "RCPT", "relay". */
const char *cell_col_name(enum cell_col col);
/* The checklist id behind a column ("host.connect"...); for TLS the
 * first of its two (host.starttls, then host.cert). */
const char *cell_col_item(enum cell_col col);

/*
 * The cell of column col for address ai of host hi (a session must
 * exist). flags: CELL_UTF8 (the not-run dash). A step not reached while
 * the session runs is empty (lead "", no mark).
 */
void cell_of(const struct model_domain *d, const struct checklist *c,
             long hi, long ai, enum cell_col col, unsigned flags, struct cell *out);

/* A verdict's mark: ✓ ! ✗ i – … with CELL_UTF8, else + ! x i - *. The
 * one table of marks: the TUI and the reports draw these. */
const char *cell_mark(enum verdict v, unsigned flags);
/* The cell as words: "1.3 ✗ expired", "refused ✓", "1.3 ✓ DANE ✓"
 * (lead, mark, note, then the DANE mark); returns its length. */
size_t cell_format(const struct cell *c, unsigned flags, char *buf, size_t size);

/*
 * A running session's step and its countdown, for its row while it runs:
 * "banner… 12 s of 30" (the step's own timeout from so). Returns false
 * (buf "") when no step is running. now_ms is the loop's clock.
 */
bool cell_running_words(const struct model_session *s, const struct smtp_options *so,
                        unsigned flags, uint64_t now_ms, char *buf, size_t size);

#endif
