/*
 * bench.c — mailflow --bench-ui N: what the TUI costs with N MX hosts, for
 * make bench (tests/bench/run, figure 6). No network: the model is made up
 * here, every host finished with a full transcript, and the hosts screen
 * drawn into whatever terminal TERM names (make bench sends it to
 * /dev/null). Prints, on stderr once curses has ended:
 *
 *   bench-ui: hosts N cpu-us-per-redraw X wall-us-per-redraw Y
 *   bench-ui: hosts N cpu-us-per-rebuild-and-redraw X wall-us Y
 *   bench-ui: first-paint-epoch-ns T in-process-first-paint-us U
 *
 * A "full redraw" is the whole screen drawn and (clearok) every cell sent
 * to the terminal again, not only the changed ones: what a key, the clock
 * or a resize costs. A change of the model costs more: the checklist and
 * the rows rebuilt from it first (ui_run_rebuild), measured apart.
 */
#include "ui_internal.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mailflow/loop.h"
#include "mailflow/xmalloc.h"
#include "style.h"

/* Enough redraws for a steady figure, few enough for a quick bench. */
#define BENCH_CPU_BUDGET_US 2000000L
#define BENCH_REDRAWS_MIN 10
#define BENCH_REDRAWS_MAX 2000

static uint64_t now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void add_line(struct model_session *s, char dir, uint64_t at, int code, const char *text)
{
	struct model_line *l = model_session_add_line(s, dir, at, text, strlen(text));

	if (l != NULL)
		l->code = code;
}

static void set_step(struct model_session *s, enum model_step_id id, enum model_step_state st,
                     enum model_reason why, int code, const char *text, uint64_t at)
{
	struct model_step *p = &s->steps[id];

	p->state = st;
	p->reason = why;
	p->fail = model_reason_fail(why);
	p->code = code;
	snprintf(p->text, sizeof p->text, "%s", text);
	p->at_ms = at;
	p->ms = 3;
	p->line_from = s->nlines;
}

/* One exchange: the client's command, the server's reply, the step. */
static void exchange(struct model_session *s, enum model_step_id id, uint64_t *at,
                     const char *cmd, int code, const char *reply)
{
	enum model_step_state st = code >= 400 ? STEP_REJECTED : STEP_OK;

	set_step(s, id, st, code >= 400 ? REASON_REFUSED : REASON_NONE, code, reply, *at);
	if (cmd != NULL)
		add_line(s, 'C', *at, 0, cmd);
	*at += 3;
	add_line(s, 'S', *at, code, reply);
	s->steps[id].line_to = s->nlines;
}

/* A finished session as the lab's healthy hosts give it, with a grey
 * listed or refused recipient now and then so the table has variety. */
static struct model_session *fake_session(const struct model_host *h, size_t i)
{
	struct model_session *s = xcalloc(1, sizeof *s);
	uint64_t at = 0;
	char banner[300];

	snprintf(s->host, sizeof s->host, "%s", h->name);
	snprintf(s->addr, sizeof s->addr, "%s", h->addrs[0].addr);
	s->port = 25;
	s->done = 1;
	set_step(s, STEP_CONNECT, STEP_OK, REASON_NONE, 0, "", 0);
	at = 1;
	snprintf(banner, sizeof banner, "220 %s ESMTP", h->name);
	exchange(s, STEP_BANNER, &at, NULL, 220, banner);
	s->banner_ms = at;
	exchange(s, STEP_EHLO, &at, "EHLO probe.bench.example", 250, "250-PIPELINING");
	add_line(s, 'S', at, 250, "250-STARTTLS");
	add_line(s, 'S', at, 250, "250 8BITMIME");
	s->ehlo_done = 1;
	s->starttls_offered = 1;
	exchange(s, STEP_STARTTLS, &at, "STARTTLS", 220, "220 2.0.0 Ready to start TLS");
	add_line(s, 'I', at, 0, "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified");
	s->tls_active = 1;
	s->tls.handshake_done = 1;
	s->tls.chain_ok = s->tls.name_ok = 1;
	s->tls.days_left = 80;
	set_step(s, STEP_AUTH, STEP_SKIPPED, REASON_BY_OPTION, 0, "", at);
	exchange(s, STEP_MAIL, &at, "MAIL FROM:<postmaster@bench.example>", 250, "250 2.1.0 Ok");
	if (i % 7 == 3)
		exchange(s, STEP_RCPT, &at, "RCPT TO:<postmaster@bench.example>", 450,
		         "450 4.2.0 <postmaster@bench.example>: Greylisted, try again later");
	else
		exchange(s, STEP_RCPT, &at, "RCPT TO:<postmaster@bench.example>", 250, "250 2.1.5 Ok");
	exchange(s, STEP_RELAY, &at, "RCPT TO:<mailflow-relay-test@example.com>", 554,
	         "554 5.7.1 <mailflow-relay-test@example.com>: Relay access denied");
	set_step(s, STEP_DATA, STEP_SKIPPED, REASON_BY_OPTION, 0, "", at);
	exchange(s, STEP_RSET, &at, "RSET", 250, "250 2.0.0 Ok");
	exchange(s, STEP_QUIT, &at, "QUIT", 221, "221 2.0.0 Bye");
	return s;
}

/* N finished hosts in the probe's model. The probe is one of -s IP
 * without SMTP, which asks nothing and whose loop never runs here, so
 * nothing else writes that model while this fills it. */
static void fake_model(struct model_domain *d, size_t n)
{
	size_t i, hi;
	char name[64], addr[32];

	d->mx.done = 1;
	d->mx.status = DNS_OK;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "mx%zu.bench.example", i + 1);
		snprintf(addr, sizeof addr, "10.%zu.%zu.%zu", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		hi = i < d->nhosts ? i : model_host_add(d, name, (uint16_t)(10 * (i + 1)));
		struct model_host *h = &d->hosts[hi];

		h->a.done = h->aaaa.done = h->tlsa.done = 1;
		if (h->naddrs == 0)
			model_address_add(h, addr, 4);
		h->addrs[0].ptr.done = 1;
		h->addrs[0].fcrdns = 1;
		if (h->addrs[0].session == NULL)
			h->addrs[0].session = fake_session(h, i);
	}
	d->complete = 1;
	d->dns_ms = 12;
}

/* One screen: (rebuild) the checklist and rows from the model first, as a
 * change of the model does; every cell sent again (clearok). */
static void redraw(struct ui *ui, bool rebuild)
{
	if (rebuild)
		ui_run_rebuild(ui);
	clearok(curscr, TRUE);
	ui_mode_draw(ui);
}

/* K times, K fitted to a CPU budget; "cpu wall" per time, microseconds. */
static void measure(struct ui *ui, bool rebuild, double *cpu, double *wall)
{
	uint64_t c0, w0, c, w;
	const char *env;
	long k, i;

	c0 = cpu_us();
	redraw(ui, rebuild);
	c = cpu_us() - c0;
	k = c > 0 ? BENCH_CPU_BUDGET_US / (long)c : BENCH_REDRAWS_MAX;
	k = k < BENCH_REDRAWS_MIN ? BENCH_REDRAWS_MIN : k > BENCH_REDRAWS_MAX ? BENCH_REDRAWS_MAX : k;
	/* A profiler's run (make bench, figure 7) asks for a few only. */
	if ((env = getenv("MAILFLOW_BENCH_REDRAWS")) != NULL && atol(env) > 0)
		k = atol(env) < BENCH_REDRAWS_MAX ? atol(env) : BENCH_REDRAWS_MAX;
	c0 = cpu_us();
	w0 = now_us(CLOCK_MONOTONIC);
	for (i = 0; i < k; i++)
		redraw(ui, rebuild);
	c = cpu_us() - c0;
	w = now_us(CLOCK_MONOTONIC) - w0;
	*cpu = (double)c / (double)k;
	*wall = (double)w / (double)k;
}

int ui_bench(struct loop *loop, size_t nhosts)
{
	struct probe_options popt;
	struct ui ui;
	char *cause = NULL;
	uint64_t t0 = now_us(CLOCK_MONOTONIC), t1, epoch;
	double dc, dw, rc, rw;

	memset(&ui, 0, sizeof ui);
	ui.loop = loop;
	ui.tr.follow = true;
	probe_options_init(&popt);
	popt.smtp = 0;
	popt.server = "192.0.2.1";
	if (target_parse("bench.example", &ui.target, &cause) < 0 ||
	    (ui.probe = probe_new(loop, &ui.target, &popt, NULL, &cause)) == NULL) {
		fprintf(stderr, "mailflow: --bench-ui: %s\n", cause != NULL ? cause : "cannot start");
		free(cause);
		return 2;
	}
	fake_model((struct model_domain *)probe_model(ui.probe), nhosts);
	setlocale(LC_ALL, "");
	ui.paint.utf8 = true;
	theme_init_default(&ui.theme);
	if (initscr() == NULL) {
		fputs("mailflow: --bench-ui: cannot start curses (TERM?)\n", stderr);
		probe_free(ui.probe);
		theme_free(&ui.theme);
		return 2;
	}
	curs_set(0);
	style_setup(&ui.paint, &ui.theme);
	/* The first screen, as ui_run() paints it. */
	ui_run_rebuild(&ui);
	ui_mode_push(&ui, &ui_mode_hosts);
	ui_mode_draw(&ui);
	t1 = now_us(CLOCK_MONOTONIC);
	epoch = now_us(CLOCK_REALTIME);
	measure(&ui, false, &dc, &dw);
	measure(&ui, true, &rc, &rw);
	ui_mode_pop_all(&ui);
	endwin();
	fprintf(stderr, "bench-ui: hosts %zu cpu-us-per-redraw %.1f wall-us-per-redraw %.1f\n",
	        nhosts, dc, dw);
	fprintf(stderr, "bench-ui: hosts %zu cpu-us-per-rebuild-and-redraw %.1f wall-us %.1f\n",
	        nhosts, rc, rw);
	fprintf(stderr, "bench-ui: first-paint-epoch-ns %llu in-process-first-paint-us %llu\n",
	        (unsigned long long)epoch * 1000u, (unsigned long long)(t1 - t0));
	checklist_free(&ui.list);
	probe_free(ui.probe);
	free(ui.rows);
	free(ui.sum.row_verdict);
	theme_free(&ui.theme);
	return 0;
}
