/*
 * rows.c — the hosts table's rows: the DNS row, then one per address of
 * each MX host (or one for a host without an address), and what belongs
 * to a row: its checklist items and its session.
 */
#include "ui_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/summary.h"
#include "mailflow/xmalloc.h"

/* The table's summary: the sentence, the count of hosts done, and the
 * verdict of each row (a host's: summary_host; the domain's: the worst of
 * its own items). */
static void summary_rebuild(struct ui *ui)
{
	static const int rank[VERDICT__COUNT] = {
		[V_SKIP] = 0, [V_INFO] = 1, [V_PASS] = 2, [V_WARN] = 3,
		[V_FAIL] = 4, [V_PENDING] = 5,
	};
	const struct model_domain *d = probe_model(ui->probe);
	struct ui_summary *sum = &ui->sum;
	struct summary_host sh;
	enum verdict worst = V_SKIP;
	size_t i;

	summary_domain_text(d, &ui->list, sum->sentence, sizeof sum->sentence);
	free(sum->row_verdict);
	sum->row_verdict = xcalloc(ui->nrows, sizeof *sum->row_verdict);
	sum->done = sum->all = 0;
	for (i = 0; i < ui->list.n; i++)
		if (ui->list.items[i].host == -1 && rank[ui->list.items[i].verdict] > rank[worst])
			worst = ui->list.items[i].verdict;
	for (i = 0; i < ui->nrows; i++) {
		if (ui->rows[i].hi < 0) {
			sum->row_verdict[i] = worst;
			continue;
		}
		summary_host(d, &ui->list, ui->rows[i].hi, ui->rows[i].ai, &sh);
		sum->row_verdict[i] = sh.verdict;
		sum->all++;
		sum->done += sh.verdict != V_PENDING;
	}
}

void ui_rows_rebuild(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);
	size_t i, j, n = 1;

	for (i = 0; i < d->nhosts; i++)
		n += d->hosts[i].naddrs ? d->hosts[i].naddrs : 1;
	free(ui->rows);
	ui->rows = xcalloc(n + 1, sizeof *ui->rows);
	ui->nrows = 0;
	ui->rows[ui->nrows++] = (struct ui_row){ -1, -1 };
	/* --sender: the Sender row under the DNS row (its items: sender.*). */
	if (d->sender != NULL)
		ui->rows[ui->nrows++] = (struct ui_row){ UI_ROW_SENDER, -1 };
	for (i = 0; i < d->nhosts; i++) {
		if (d->hosts[i].naddrs == 0)
			ui->rows[ui->nrows++] = (struct ui_row){ (long)i, -1 };
		for (j = 0; j < d->hosts[i].naddrs; j++)
			ui->rows[ui->nrows++] = (struct ui_row){ (long)i, (long)j };
	}
	/* R: the row selected before, as soon as the new run has it. */
	for (i = 0; ui->keep_set && i < ui->nrows; i++)
		if (ui->rows[i].hi == ui->keep.hi && ui->rows[i].ai == ui->keep.ai) {
			ui->sel = i;
			ui->keep_set = false;
		}
	if (ui->keep_set && d->complete)
		ui->keep_set = false;   /* the new run has no such row */
	if (ui->sel >= ui->nrows)
		ui->sel = ui->nrows - 1;
	summary_rebuild(ui);
}

size_t ui_items_of_row(const struct ui *ui, size_t row, const struct check_item **out,
                       size_t max)
{
	const struct ui_row *r;
	size_t i, n = 0;

	if (row >= ui->nrows)
		return 0;
	r = &ui->rows[row];
	for (i = 0; i < ui->list.n && n < max; i++) {
		const struct check_item *it = &ui->list.items[i];

		bool sender = it->host == -1 && strncmp(it->id, "sender.", 7) == 0;

		if (r->hi == UI_ROW_SENDER ? sender
		    : r->hi == -1 ? it->host == -1 && !sender
		    : (it->host == r->hi && it->addr == r->ai && r->ai != -1))
			out[n++] = it;
	}
	return n;
}

const struct model_session *ui_session_of_row(const struct ui *ui, size_t row)
{
	const struct model_domain *d = probe_model(ui->probe);
	const struct ui_row *r;

	if (row >= ui->nrows)
		return NULL;
	r = &ui->rows[row];
	if (r->hi < 0 || r->ai < 0)
		return NULL;
	return d->hosts[r->hi].addrs[r->ai].session;
}
