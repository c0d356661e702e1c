/*
 * run.c — the probe behind the screen: started with the TUI, its model
 * turned into the checklist and the table's rows when it changes, run
 * again on r / R, saved as reports on s.
 */
#include "ui_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailflow/loop.h"
#include "mailflow/report.h"
#include "mailflow/xmalloc.h"

static void on_probe_change(struct probe *p, void *arg)
{
	struct ui *ui = arg;

	(void)p;
	ui->model_changed = true;
	ui->dirty = true;
}

static void on_remote_done(struct probe *p, void *arg)
{
	struct ui *ui = arg;

	checklist_free(&ui->remote_list);
	checklist_build(probe_model(p), &ui->remote_list);
	ui->remote_done = true;
	ui->dirty = true;
}

/* After the domain's run: the host its bounce names, alone, RCPT TO the
 * same recipient, when that host is not one of the domain's MX hosts now
 * (checklist_remote_find decides). Once a run. */
static void remote_maybe_start(struct ui *ui)
{
	const struct explain *ex = ui->uopt.explain;
	const struct model_domain *d = probe_model(ui->probe);
	struct probe_callbacks cb = { NULL, NULL, on_remote_done, ui };
	struct probe_options po = ui->popt;
	struct target t;
	size_t i;

	if (ex == NULL || ui->remote_tried || ui->popt.server != NULL)
		return;
	ui->remote_tried = true;
	for (i = 0; i < ex->nrcpts; i++) {
		const struct explain_rcpt *r = &ex->rcpts[i];
		const char *dom = explain_rcpt_domain(r), *host = explain_rcpt_remote_host(r);
		enum checklist_remote rem;
		long h;
		char *cause = NULL;

		if (dom == NULL || host == NULL || r->permanence == EXPLAIN_PERM_NONE ||
		    strcasecmp(dom, d->target.domain) != 0)
			continue;
		rem = checklist_remote_find(d, r->remote_mta, r->remote_ip, &h);
		if (rem != CHECKLIST_REMOTE_NOT_MX && rem != CHECKLIST_REMOTE_NO_MX)
			return;
		if (target_parse(r->address, &t, NULL) < 0)
			return;
		po.server = host;
		ui->remote = probe_new(ui->loop, &t, &po, &cb, &cause);
		free(cause);
		return;
	}
}

static void on_probe_done(struct probe *p, void *arg)
{
	struct ui *ui = arg;

	(void)p;
	ui->done_ms = loop_clock_ms();
	ui->model_changed = true;
	ui->dirty = true;
	remote_maybe_start(ui);
}

void ui_run_remote_free(struct ui *ui)
{
	probe_free(ui->remote);
	ui->remote = NULL;
	checklist_free(&ui->remote_list);
	ui->remote_tried = ui->remote_done = false;
}

int ui_run_start(struct ui *ui)
{
	struct probe_callbacks cb = { on_probe_change, NULL, on_probe_done, ui };
	char *cause = NULL;

	ui->probe = probe_new(ui->loop, &ui->target, &ui->popt, &cb, &cause);
	if (ui->probe == NULL) {
		endwin();
		fprintf(stderr, "mailflow: %s\n", cause ? cause : "cannot start");
		free(cause);
		return -1;
	}
	ui->started_ms = loop_clock_ms();
	ui->done_ms = 0;
	ui->model_changed = true;
	ui->dirty = true;
	return 0;
}

void ui_run_rebuild(struct ui *ui)
{
	checklist_free(&ui->list);
	checklist_build(probe_model(ui->probe), &ui->list);
	ui_rows_rebuild(ui);
	ui->model_changed = false;
}

void ui_run_again(struct ui *ui, bool all)
{
	const struct ui_row *r = &ui->rows[ui->sel];

	if (!all && r->hi >= 0 && r->ai >= 0) {
		if (probe_rerun_address(ui->probe, (size_t)r->hi, (size_t)r->ai) < 0) {
			ui_set_status(ui, "That session is still running; r again when it ends.");
			return;
		}
		/* The header's clock counts from the re-run. */
		ui->started_ms = loop_clock_ms();
		ui->done_ms = 0;
		ui->tr.follow = true;
		ui_set_status(ui, "Running %s again.",
		              probe_model(ui->probe)->hosts[r->hi].addrs[r->ai].addr);
		return;
	}
	ui->keep = *r;
	ui->keep_set = r->hi >= 0;
	ui_manual_forget(ui);           /* the parked session is the probe's */
	ui_run_remote_free(ui);         /* asked again after the new run */
	probe_free(ui->probe);
	ui->probe = NULL;
	checklist_free(&ui->list);
	if (ui_run_start(ui) < 0) {
		ui->quit = true;
		loop_stop(ui->loop);
		return;
	}
	ui_run_rebuild(ui);
	ui->tr.follow = true;
	ui_set_status(ui, "Running everything again.");
}

typedef void report_fn(FILE *f, const struct model_domain *d, const struct checklist *c,
                       const struct report_options *ro);

/* One report file; 0, or -1 with the reason on the status line. */
static int save_one(struct ui *ui, const char *path, report_fn *fn,
                    const struct report_options *ro)
{
	FILE *f = secret_fopen(path, "w");

	if (f == NULL) {
		ui_set_status(ui, "Cannot save %s: %s", path, strerror(errno));
		return -1;
	}
	fn(f, probe_model(ui->probe), &ui->list, ro);
	if (fclose(f) != 0) {
		ui_set_status(ui, "Cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void ui_run_save(struct ui *ui)
{
	const struct model_domain *d = probe_model(ui->probe);
	struct report_options ro = { .transcripts = 1, .input = ui->uopt.input,
	                             .options = &ui->popt };
	char base[300], path[320], cwd[512];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	localtime_r(&now, &tm);
	snprintf(base, sizeof base, "mailflow-%s-", d->target.domain);
	/* The domain came from our own checks, but keep the name tame. */
	for (i = 0; base[i] != '\0'; i++)
		if (base[i] == '/' || base[i] == '[' || base[i] == ']' || base[i] == ':')
			base[i] = '_';
	strftime(base + strlen(base), sizeof base - strlen(base), "%Y%m%d-%H%M%S", &tm);
	ro.exit_status = checklist_exit_status(d, &ui->list);
	snprintf(path, sizeof path, "%s.txt", base);
	if (save_one(ui, path, report_batch_text, &ro) < 0)
		return;
	snprintf(path, sizeof path, "%s.json", base);
	if (save_one(ui, path, report_json, &ro) < 0)
		return;
	snprintf(path, sizeof path, "%s.md", base);
	if (save_one(ui, path, report_markdown, &ro) < 0)
		return;
	snprintf(path, sizeof path, "%s.html", base);
	if (save_one(ui, path, report_html, &ro) < 0)
		return;
	/* The whole path: where the files went is the point. */
	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, ".");
	ui_set_status(ui, "Saved %s/%s.txt .json .md .html", cwd, base);
}
