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

static void on_probe_done(struct probe *p, void *arg)
{
	struct ui *ui = arg;

	(void)p;
	ui->done_ms = loop_clock_ms();
	ui->model_changed = true;
	ui->dirty = true;
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
