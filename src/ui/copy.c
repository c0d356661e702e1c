/*
 * copy.c — y: the selection (a transcript line, a checklist item, a host's
 * row) to the terminal's clipboard by OSC 52, where the terminal allows it
 * (xterm, kitty, iTerm2, tmux with set-clipboard). The text is the safe
 * form shown on the screen (text_sanitize), never raw server bytes, and
 * credentials are already masked in the transcript.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/smtp.h"
#include "mailflow/summary.h"
#include "mailflow/text.h"

#define COPY_MAX 4096           /* bytes put on the clipboard at most */

static void selection_text(const struct ui *ui, char *buf, size_t size)
{
	const struct check_item *items[UI_ITEMS_MAX];
	const struct model_session *s = ui_session_of_row(ui, ui->sel);
	const struct model_domain *d = probe_model(ui->probe);
	const struct ui_row *r = &ui->rows[ui->sel];
	size_t n;

	buf[0] = '\0';
	if (ui->focus == FOCUS_TRANSCRIPT && s != NULL && ui->tr.sel < s->nlines) {
		const struct model_line *l = &s->lines[ui->tr.sel];

		text_sanitize(l->bytes, l->len, buf, size);
		return;
	}
	n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX);
	if (ui->focus == FOCUS_CHECKLIST && ui->ck_sel < n) {
		snprintf(buf, size, "%s: %s%s%s", items[ui->ck_sel]->id, items[ui->ck_sel]->title,
		         items[ui->ck_sel]->explanation[0] ? " " : "",
		         items[ui->ck_sel]->explanation);
		return;
	}
	if (r->hi < 0) {
		summary_domain_text(d, &ui->list, buf, size);
	} else {
		struct summary_host sh;

		summary_host(d, &ui->list, r->hi, r->ai, &sh);
		snprintf(buf, size, "%s%s%s%s %s", d->hosts[r->hi].name,
		         r->ai >= 0 ? " [" : "", r->ai >= 0 ? d->hosts[r->hi].addrs[r->ai].addr : "",
		         r->ai >= 0 ? "]" : "", sh.words);
	}
}

void ui_copy_selection(struct ui *ui)
{
	char text[COPY_MAX], *b64;

	selection_text(ui, text, sizeof text);
	if (text[0] == '\0') {
		ui_set_status(ui, "y: nothing selected to copy");
		return;
	}
	b64 = smtp_base64((const unsigned char *)text, strlen(text));
	/* OSC 52, ended by BEL; curses keeps its screen, this draws nothing. */
	printf("\033]52;c;%s\a", b64);
	fflush(stdout);
	free(b64);
	ui_set_status(ui, "Copied to the clipboard (OSC 52): %.60s%s", text,
	              strlen(text) > 60 ? "…" : "");
}
