/*
 * bounce.c — the explanation of --explain as a mode: a pane over the top
 * of the hosts screen, with what the bounce says (report_explain_text())
 * and, once the recipient's domain has been probed, what the server says
 * now (report_explain_now_text()). Up/Down/PgUp/PgDn scroll it, any other
 * key closes it; b opens it again.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/report_explain.h"

/* The pane's text, rendered (and so made safe) by report_explain; the
 * caller frees it. */
static char *bounce_text(const struct ui *ui, size_t *len)
{
	const struct model_domain *d = probe_model(ui->probe);
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	if (ui->done_ms != 0)
		report_explain_now_text(f, ui->uopt.explain, d, &ui->list);
	else
		fputs("Now: probing the recipient's domain (RCPT TO that recipient)...\n", f);
	/* The host the bounce names, when it is none of the MX hosts: probed
	 * alone, its answer as the report gives it (run.c decides). */
	if (ui->remote != NULL && ui->remote_done) {
		fputs("\nThe host the bounce names, probed alone now:\n", f);
		report_explain_now_text(f, ui->uopt.explain, probe_model(ui->remote),
		                        &ui->remote_list);
	} else if (ui->remote != NULL) {
		fputs("\nNow probing the host the bounce names, alone (RCPT TO that "
		      "recipient)...\n", f);
	}
	fputc('\n', f);
	report_explain_text(f, ui->uopt.explain, 0);
	fclose(f);
	return buf;
}

static int bounce_top;                  /* first line shown */

static void bounce_draw(struct ui *ui)
{
	const struct paint *p = &ui->paint;
	int w = COLS - 2, h = LINES / 2 > 8 ? LINES / 2 : LINES - 2, y = 1, line = 0;
	size_t len = 0;
	char *text = bounce_text(ui, &len), *s, *nl;

	if (text == NULL)
		return;
	if (h < 3 || w < 8) {
		free(text);
		return;
	}
	paint_box(p, 0, 1, h, w, " Bounce explained (Up/Down scroll, any other key closes, "
	          "b reopens) ");
	for (s = text; *s != '\0' && y < h - 1; s = nl + 1, line++) {
		nl = strchr(s, '\n');
		if (nl == NULL)
			nl = s + strlen(s);
		if (line >= bounce_top) {
			char c = *nl;

			*nl = '\0';
			paint_put(y++, 3, w - 4, s, strncmp(s, "Now:", 4) == 0
			          ? A_BOLD | p->attr[THEME_NORMAL] : p->attr[THEME_NORMAL]);
			*nl = c;
		}
		if (*nl == '\0')
			break;
	}
	free(text);
}

static int bounce_key(struct ui *ui, int ch)
{
	switch (ch) {
	case KEY_MOUSE:
		return UI_KEY_IGNORED;
	case KEY_DOWN: case 'j':
		bounce_top++;
		break;
	case KEY_UP: case 'k':
		bounce_top = bounce_top > 0 ? bounce_top - 1 : 0;
		break;
	case KEY_NPAGE:
		bounce_top += LINES / 4;
		break;
	case KEY_PPAGE:
		bounce_top = bounce_top > LINES / 4 ? bounce_top - LINES / 4 : 0;
		break;
	default:
		bounce_top = 0;
		ui_mode_pop(ui);
	}
	return UI_KEY_HANDLED;
}

const struct ui_mode ui_mode_bounce = {
	.name = "bounce",
	.overlay = true,
	.draw = bounce_draw,
	.key = bounce_key,
};
