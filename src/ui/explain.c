/*
 * explain.c — the explanation of what is selected, for the explanation
 * pane and the popup alike: a transcript line (a reply explained by the
 * codes knowledge base), a checklist item, or a host's worst item.
 */
#include "ui_internal.h"

#include <stdio.h>
#include <string.h>

#include "mailflow/text.h"

/* A transcript line; a reply explained in answer to the command before
 * it (a 250 to EHLO is not a 250 to RCPT), with what was unusual. */
static void explain_line(const struct model_session *s, size_t i, char *title,
                         size_t tsz, char *body, size_t bsz, enum verdict *v)
{
	const struct model_line *l = &s->lines[i];
	struct code_explanation ex;
	const struct code_info *best = lines_reply_info(s, i, &ex);
	char text[600];
	enum codes_cmd cmd;
	size_t n;

	if (l->dir != 'S' || l->code == 0) {
		snprintf(title, tsz, "%s line", l->dir == 'C' ? "Client" : l->dir == 'I' ?
		         "mailflow's" : "Server");
		text_sanitize(l->bytes, l->len, text, sizeof text);
		snprintf(body, bsz, "%s%s%s", text, l->note[0] ? "  " : "", l->note);
		return;
	}
	*v = l->code / 100 == 2 || l->code / 100 == 3 ? V_PASS
	     : l->code / 100 == 4 ? V_WARN : V_FAIL;
	cmd = lines_reply_command(s, i);
	snprintf(title, tsz, "%d%s%s (%s%s): %s", l->code, ex.enhanced ? " " : "",
	         ex.enhanced ? ex.enhanced->code : "",
	         cmd == CODES_CMD_GREETING ? "the " : cmd == CODES_CMD_ANY ? "" : "to ",
	         cmd == CODES_CMD_ANY ? "a command typed by hand" : codes_cmd_name(cmd),
	         best ? best->meaning : "");
	if (best != NULL)
		snprintf(body, bsz, "%s Likely: %s Next: %s", best->explanation,
		         best->causes, best->next);
	n = strlen(body);
	if (ex.unusual[0] != '\0' && n + 1 < bsz)
		snprintf(body + n, bsz - n, "%sUnusual: %s.", n ? " " : "", ex.unusual);
}

/* An item: its title; its explanation, next step and the facts it rests
 * on (the EHLO extensions, DNS records, certificate...). */
static void explain_item(const struct check_item *it, char *title, size_t tsz,
                         char *body, size_t bsz, enum verdict *v)
{
	size_t k, n;

	*v = it->verdict;
	snprintf(title, tsz, "%s", it->title);
	snprintf(body, bsz, "%s%s%s", it->explanation, it->next[0] ? " Next: " : "", it->next);
	for (k = 0; k < it->nfacts && k < CHECK_EVIDENCE_MAX; k++) {
		n = strlen(body);
		if (n + 1 >= bsz)
			break;
		snprintf(body + n, bsz - n, "%s%s", k == 0 ? (n ? " Seen: " : "Seen: ")
		         : "; ", it->facts[k]);
	}
}

/* The hosts table explains a row by its worst item. */
static const struct check_item *worst_item(const struct check_item *const *items, size_t n)
{
	static const int rank[VERDICT__COUNT] = {
		[V_FAIL] = 5, [V_WARN] = 4, [V_PENDING] = 3,
		[V_INFO] = 2, [V_PASS] = 1, [V_SKIP] = 0,
	};
	const struct check_item *worst = items[0];
	size_t i;

	for (i = 1; i < n; i++)
		if (rank[items[i]->verdict] > rank[worst->verdict])
			worst = items[i];
	return worst;
}

void ui_explain_selection(const struct ui *ui, char *title, size_t tsz,
                          char *body, size_t bsz, enum verdict *v)
{
	const struct check_item *items[UI_ITEMS_MAX];
	size_t n = ui_items_of_row(ui, ui->sel, items, UI_ITEMS_MAX);
	const struct model_session *s = ui_session_of_row(ui, ui->sel);

	*v = V_INFO;
	title[0] = body[0] = '\0';
	if (ui->focus == FOCUS_TRANSCRIPT && s != NULL && ui->tr.sel < s->nlines)
		explain_line(s, ui->tr.sel, title, tsz, body, bsz, v);
	else if (n == 0)
		return;
	else if (ui->focus != FOCUS_CHECKLIST)
		explain_item(worst_item(items, n), title, tsz, body, bsz, v);
	else if (ui->ck_sel < n)
		explain_item(items[ui->ck_sel], title, tsz, body, bsz, v);
}
