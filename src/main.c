/*
 * main.c — wiring only: the options (options.c) become a run's probe
 * options; then the TLS context, the event loop, and either the TUI (one
 * input on a terminal) or the batch scheduler (batch.c). Every decision
 * lives in the module that owns it.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "mailflow/batch.h"
#include "mailflow/checklist.h"
#include "mailflow/completion.h"
#include "mailflow/debug.h"
#include "mailflow/defaults.h"
#include "mailflow/explain.h"
#include "mailflow/loop.h"
#include "mailflow/options.h"
#include "mailflow/probe.h"
#include "mailflow/report_explain.h"
#include "mailflow/theme.h"
#include "mailflow/tls.h"
#include "mailflow/xmalloc.h"
#include "ui/ui.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* --explain: what was read, shown in every document of the run. */
static const struct explain *explained;
/* --nagios: a run that cannot be made is UNKNOWN, said on stdout too. */
static int nagios_mode;

/* The exit status of a run not made (why: in words, for --nagios). */
static int not_run(const char *why)
{
	if (nagios_mode)
		printf("MAILFLOW UNKNOWN - %s\n", why);
	return checklist_exit_status_as(NULL, NULL, nagios_mode ? EXIT_STYLE_NAGIOS
	                                                        : EXIT_STYLE_MAILFLOW);
}

/* Prints "mailflow: cause", frees it; the exit status of a run not made. */
static int fail(char *cause)
{
	int rc;

	fprintf(stderr, "mailflow: %s\n", cause);
	rc = not_run(cause);
	free(cause);
	return rc;
}

/* The password, typed without echo on the terminal; NULL without one. */
static char *read_password(const char *user)
{
	struct termios old, quiet;
	char buf[512], *pass;
	FILE *tty = fopen("/dev/tty", "r+");
	int saved;

	if (tty == NULL)
		return NULL;
	/* Unbuffered: no copy of the password left in a stdio buffer. */
	setvbuf(tty, NULL, _IONBF, 0);
	fprintf(tty, "Password for %s: ", user);
	/* Restore only what was saved: without tcgetattr there is no old. */
	saved = tcgetattr(fileno(tty), &old) == 0;
	if (saved) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (fgets(buf, sizeof buf, tty) == NULL)
		buf[0] = '\0';
	if (saved)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	buf[strcspn(buf, "\r\n")] = '\0';
	pass = xstrdup(buf);
	secret_wipe(buf, sizeof buf);
	return pass;
}

/* A directory with the Makefile and themes/default.theme: a source tree. */
static int is_source_tree(const char *dir)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof path, "%s/Makefile", dir);
	if (access(path, R_OK) != 0)
		return 0;
	snprintf(path, sizeof path, "%s/themes/default.theme", dir);
	return access(path, R_OK) == 0;
}

/*
 * The themes/ of the source tree this binary runs from (<tree>/mailflow or
 * <tree>/build/<variant>/mailflow), found from /proc/self/exe at run time:
 * nothing of the build machine is baked in, so an installed or copied
 * binary never looks there. -1 when it does not run from a tree.
 */
static int tree_themes(char *buf, size_t size)
{
	char dir[PATH_MAX], *slash;
	ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);

	if (len <= 0)
		return -1;
	dir[len] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		return -1;
	*slash = '\0';
	if (!is_source_tree(dir)) {
		/* <tree>/build/<variant> → <tree> */
		if ((slash = strrchr(dir, '/')) == NULL)
			return -1;
		*slash = '\0';
		if ((slash = strrchr(dir, '/')) == NULL || strcmp(slash + 1, "build") != 0)
			return -1;
		*slash = '\0';
		if (!is_source_tree(dir))
			return -1;
	}
	snprintf(buf, size, "%s/themes", dir);
	return 0;
}

/* Theme names are looked up in the user's directory first, then where
 * make install put them, then ./themes, then the source tree's themes/. */
static const char *const *theme_dirs(void)
{
	static char user[1024], tree[PATH_MAX + 16];
	static const char *dirs[5];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	size_t n = 0, i;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(user, sizeof user, "%s/mailflow/themes", xdg);
	else if (home != NULL)
		snprintf(user, sizeof user, "%s/.config/mailflow/themes", home);
	if (user[0] != '\0')
		dirs[n++] = user;
	dirs[n++] = MAILFLOW_DATADIR "/themes";
	dirs[n++] = "themes";
	if (tree_themes(tree, sizeof tree) == 0)
		dirs[n++] = tree;
	dirs[n] = NULL;
	for (i = 0; i < n; i++)
		debug_log("themes: looked up in %s", dirs[i]);
	return dirs;
}

/* The config file, then the command line. -1: go on and run; else the
 * exit status (an error, or --help / --version answered). */
static int read_options(struct options *o, int argc, char **argv, int *first)
{
	char *cause = NULL;

	if (options_read_config(o, &cause) < 0 ||
	    (*first = options_parse(o, argc, argv, &cause)) < 0)
		return fail(cause);
	if (o->answer == OPTIONS_HELP) {
		options_usage(stdout);
		return 0;
	}
	if (o->answer == OPTIONS_VERSION) {
		printf("mailflow %s\n", MAILFLOW_VERSION);
		return 0;
	}
	if (o->answer == OPTIONS_COMPLETION)
		return completion_write(stdout, o->completion_shell) < 0 ? 2 : 0;
	nagios_mode = o->nagios;
	if (o->debug_file != NULL && debug_open(o->debug_file, &cause) < 0)
		return fail(cause);
	/* After --debug: the trace says where the themes were looked up. */
	if (o->answer == OPTIONS_LIST_THEMES)
		return theme_list(theme_dirs(), stdout) > 0 ? 0 : 1;
	options_finish(o);
	probe_options_settle(&o->probe);
	debug_log("mailflow %s", MAILFLOW_VERSION);
	options_trace(o);
	return -1;
}

/* The operands, -f FILE and -s HOST as inputs. -1: go on; else 2. */
static int read_inputs(struct batch *b, const struct options *o, int argc, char **argv,
                       int first)
{
	char where[32], *cause = NULL;
	int i;

	for (i = first; i < argc; i++) {
		snprintf(where, sizeof where, "argument %d", i - first + 1);
		batch_add_input(b, argv[i], where);
	}
	if (o->list_file != NULL && batch_read_file(b, o->list_file, &cause) < 0)
		return fail(cause);
	if (o->server_host != NULL && batch_count(b) == 0)
		batch_add_server(b, o->server_host);
	if (batch_count(b) == 0) {
		if (!nagios_mode)
			options_usage_short(stderr);
		return not_run("no domain or address given");
	}
	/* A single bad input is the whole run; a bad line of a list is not. */
	if (batch_print_invalid(b, stderr) > 0 && batch_count(b) == 1 && o->list_file == NULL)
		return not_run("the input is not a domain or address (see stderr)");
	return -1;
}

/* --auth-user's password: MAILFLOW_PASSWORD, else a hidden prompt. From
 * here to the end of main() the process is not dumpable (no core with the
 * password in it), and the variable's value is wiped where the process
 * keeps it, so the environment no longer shows it either. */
static int get_password(struct options *o, char **password)
{
	char *env = getenv("MAILFLOW_PASSWORD");

	if (o->probe.session.auth_user == NULL)
		return 0;
	secret_hold();
	*password = env != NULL ? xstrdup(env) : read_password(o->probe.session.auth_user);
	if (env != NULL) {
		secret_wipe(env, strlen(env));
		unsetenv("MAILFLOW_PASSWORD");
	}
	if (*password == NULL) {
		fputs("mailflow: --auth-user needs a password: set MAILFLOW_PASSWORD "
		      "or run on a terminal\n", stderr);
		return -1;
	}
	debug_log("auth: the password comes from %s (not logged)",
	          env != NULL ? "MAILFLOW_PASSWORD" : "the terminal");
	o->probe.session.auth_pass = *password;
	return 0;
}

/* The report of every input, as it ends, in the format asked. */
static int run_batch(struct loop *loop, struct batch *b, const struct options *o)
{
	struct batch_options bo = {
		.probe = &o->probe,
		.format = o->nagios ? BATCH_NAGIOS : o->metrics ? BATCH_METRICS
		          : o->jsonl ? BATCH_JSONL : o->json ? BATCH_JSON : BATCH_TEXT,
		.transcripts = o->transcripts,
		.colour = !o->json && !o->jsonl && isatty(STDOUT_FILENO) &&
		          getenv("NO_COLOR") == NULL,
		.report = o->report,
		.concurrency = (size_t)o->concurrency,
		.progress = batch_count(b) > 1 && isatty(STDERR_FILENO),
		.out = stdout,
		.log = stderr,
		.explain = explained,
	};
	char *cause = NULL;
	int rc = batch_run(b, loop, &bo, &cause);

	return rc < 0 ? fail(cause) : rc;
}

/* The TUI for one input on a terminal; the batch scheduler otherwise.
 * When the TUI was the default and cannot be (TERM=dumb or unknown, stdin
 * or stdout not a terminal), one line on stderr says why and the report is
 * printed instead; with stderr not a terminal either (a script, cron) the
 * report comes without a word, as with --batch. */
static int run(struct loop *loop, struct batch *b, const struct options *o,
               const char *const *themes)
{
	int tui = batch_count(b) == 1 && !o->batch && !o->json && !o->jsonl &&
	          !o->metrics && !o->nagios && o->report == NULL;
	const struct target *target;
	const char *input = NULL;
	char *why = NULL;

	if (o->manual && ui_check_terminal(&why) < 0) {
		fprintf(stderr, "mailflow: --manual needs a terminal: %s\n", why);
		free(why);
		return 2;
	}
	if (tui && ui_check_terminal(&why) < 0) {
		if (isatty(STDOUT_FILENO) || isatty(STDERR_FILENO))
			fprintf(stderr, "mailflow: the terminal UI cannot start: %s; printing "
			        "the report instead\n", why);
		free(why);
		tui = 0;
	}
	if (tui && (target = batch_target(b, 0, &input)) != NULL) {
		struct ui_options uo = { input, o->theme, themes, o->manual, explained };

		debug_log("run: the TUI%s on %s", o->manual ? " (manual)" : "", input);
		return ui_run(loop, target, &o->probe, &uo);
	}
	debug_log("run: batch");
	return run_batch(loop, b, o);
}

/*
 * Descriptors: one a session in flight, the list's --concurrency of them,
 * plus the DNS channel, the terminal and files. The soft limit is raised
 * to that (up to the hard limit); when it cannot be, one message says so
 * (sessions past the limit would fail to connect, each on its own).
 */
static void raise_nofile(const struct options *o)
{
	rlim_t need = (rlim_t)o->concurrency + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	debug_log("descriptors: soft limit now %llu, need about %llu",
	          (unsigned long long)rl.rlim_cur, (unsigned long long)need);
	if (rl.rlim_cur < need)
		fprintf(stderr, "mailflow: only %llu open files allowed (ulimit -n, hard limit "
		        "%llu) but --concurrency %d needs about %llu: sessions past that will "
		        "fail to connect; lower --concurrency or raise the limit\n",
		        (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
		        o->concurrency, (unsigned long long)need);
}

/* --bench-ui N (make bench): the TUI's cost, no inputs, no network. The
 * TLS context is made as a real run makes it, since it counts towards the
 * time to the first painted screen. */
static int bench_ui(const struct options *o)
{
	struct tls_ctx *tls;
	struct loop *loop;
	char *cause = NULL;
	int rc;

	if ((tls = tls_ctx_new(o->ca_file, &cause)) == NULL)
		return fail(cause);
	if ((loop = loop_new()) == NULL) {
		rc = fail(xstrdup("out of memory"));
	} else {
		rc = ui_bench(loop, (size_t)o->bench_ui);
		loop_free(loop);
	}
	tls_ctx_free(tls);
	return rc;
}

/* TLS context, loop, run; the password is the caller's to wipe. */
static int start(struct batch *b, struct options *o)
{
	struct smtp_options *so = &o->probe.session;
	struct tls_ctx *tls = NULL;
	struct loop *loop;
	char *cause = NULL;
	int rc;

	o->probe.ca_file = o->ca_file;
	if ((o->probe.smtp || o->manual) && (so->tls != SMTP_TLS_OFF || so->tls_on_connect)) {
		if ((tls = tls_ctx_new(o->ca_file, &cause)) == NULL)
			return fail(cause);
		so->tls_ctx = tls;
	}
	if ((loop = loop_new()) == NULL) {
		rc = fail(xstrdup("out of memory"));
	} else {
		rc = run(loop, b, o, theme_dirs());
		loop_free(loop);
	}
	so->tls_ctx = NULL;
	tls_ctx_free(tls);
	return rc;
}

/* The explanation alone (--no-probe, or nothing to probe). */
static int explain_only(const struct explain *ex, const struct options *o, int why)
{
	FILE *md;

	if (o->json || o->jsonl) {
		report_explain_json_document(stdout, ex, o->explain);
	} else {
		report_explain_text(stdout, ex, isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
		if (why)
			fputs("\nNothing to probe: the input names no failed recipient with a "
			      "domain.\n", stdout);
	}
	if (o->report != NULL) {
		if ((md = secret_fopen(o->report, "w")) == NULL) {
			fprintf(stderr, "mailflow: %s: cannot write the report\n", o->report);
			return 2;
		}
		report_explain_markdown(md, ex, NULL, NULL);
		fclose(md);
	}
	return 0;
}

/* --explain: read, explain, then probe the failed recipients' domains
 * in batch (the TUI has no explanation pane yet). */
static int explain_main(struct options *o)
{
	char *buf = NULL, *cause = NULL;
	size_t len, total, ndomains = 0;
	int cut, rc;
	struct explain *ex;
	struct batch *b;

	if (explain_read_input(o->explain, &buf, &len, &total, &cut, &cause) < 0)
		return fail(cause);
	ex = explain_new();
	rc = explain_parse(buf, len, ex, &cause);
	free(buf);
	if (rc < 0) {
		explain_free(ex);
		return fail(cause);
	}
	if (cut) {
		ex->flags |= EXPLAIN_F_CUT;
		ex->input_len = total;
	}
	explained = ex;
	b = batch_new();
	if (o->no_probe || (ndomains = batch_add_explained(b, ex, 0)) == 0) {
		rc = explain_only(ex, o, !o->no_probe);
	} else {
		/* One domain on a terminal: the TUI, the explanation on top. */
		char *why = NULL;
		int tui = ndomains == 1 && !o->batch && !o->json && !o->jsonl &&
		          o->report == NULL && isatty(STDOUT_FILENO) &&
		          ui_check_terminal(&why) == 0;

		free(why);
		/* In batch, the hosts the bounce names too (not with -s: the
		 * user chose the one host to probe). */
		if (!tui && o->probe.server == NULL) {
			batch_free(b);
			b = batch_new();
			batch_add_explained(b, ex, 1);
		}

		if (!tui && !o->json && !o->jsonl) {
			report_explain_text(stdout, ex, isatty(STDOUT_FILENO) &&
			                    getenv("NO_COLOR") == NULL);
			fputs(o->probe.server != NULL
			      ? "\nProbing the failed recipients' domains now (RCPT TO them):\n\n"
			      : "\nProbing the failed recipients' domains now (RCPT TO them; then "
			        "each host the bounce names that is not an MX of them):\n\n", stdout);
			fflush(stdout);
		}
		raise_nofile(o);
		rc = start(b, o);
	}
	batch_free(b);
	explained = NULL;
	explain_free(ex);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	struct batch *b = NULL;
	char *password = NULL;
	int rc, first = 1, i;

	options_init(&o);
	/* Before the options are read: a bad option with --nagios is UNKNOWN. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--nagios") == 0)
			nagios_mode = 1;
	if ((rc = read_options(&o, argc, argv, &first)) >= 0)
		goto out;
	if (o.bench_ui > 0) {
		rc = bench_ui(&o);
		goto out;
	}
	if (o.explain != NULL) {
		rc = first < argc ? fail(xstrdup("--explain takes no other domain or address"))
		                  : explain_main(&o);
		goto out;
	}
	b = batch_new();
	if ((rc = read_inputs(b, &o, argc, argv, first)) >= 0)
		goto out;
	raise_nofile(&o);
	if (get_password(&o, &password) < 0)
		rc = not_run("--auth-user needs a password");
	else
		rc = start(b, &o);
out:
	batch_free(b);
	secret_free(password);
	o.probe.session.auth_pass = NULL;
	secret_release();       /* get_password()'s hold, if it held: wiped now */
	options_free(&o);
	debug_log("exit %d", rc);
	debug_close();
	return rc;
}
