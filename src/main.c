/*
 * main.c — options and wiring.
 *
 * The program runs the DNS plan of a domain and an SMTP session with every
 * address of every MX host, all at once, and prints the plan, each
 * session's steps and its transcript. The checklist, the batch reports and
 * the TUI build on the same probe object.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mailflow/checklist.h"
#include "mailflow/loop.h"
#include "mailflow/probe.h"
#include "mailflow/report.h"
#include "mailflow/target.h"
#include "mailflow/tls.h"
#include "ui/ui.h"

static void print_usage(FILE *out)
{
	fputs("usage: mailflow [options] DOMAIN|ADDRESS...\n"
	      "       mailflow [options] -f FILE\n"
	      "       mailflow [options] -s HOST[:PORT] [DOMAIN|ADDRESS]\n"
	      "\n"
	      "Troubleshoot mail flow: resolve the MX hosts of DOMAIN (addresses,\n"
	      "reverse DNS, TLSA, SPF, DMARC, MTA-STS, TLS-RPT) and run the SMTP\n"
	      "routine with every address of every MX host at once: banner, EHLO,\n"
	      "STARTTLS, MAIL FROM, RCPT TO, a relay test, RSET, QUIT.\n"
	      "\n"
	      "Where to connect:\n"
	      "  -s, --server HOST[:PORT]  this host only (no MX lookup); an IP needs no DNS\n"
	      "      --manual HOST[:PORT]  type the SMTP session yourself (a better telnet)\n"
	      "  -p, --port PORT        port (default 25; 465 means TLS on connect)\n"
	      "  -4, -6                 only IPv4 / only IPv6 addresses\n"
	      "      --bind ADDR        source address\n"
	      "      --no-smtp          the DNS plan only\n"
	      "DNS:\n"
	      "      --dns IP[:PORT][,...]  servers to ask ([v6]:PORT); default resolv.conf\n"
	      "      --dns-timeout MS   time per try (default 2000)\n"
	      "      --dns-tries N      tries per query (default 2)\n"
	      "SMTP:\n"
	      "      --helo NAME        EHLO name (default: this host's name)\n"
	      "      --from ADDR        MAIL FROM (default postmaster@HELO; \"\" for <>)\n"
	      "  -t, --to ADDR          RCPT TO (default: the ADDRESS given, or postmaster@DOMAIN)\n"
	      "      --relay-to ADDR    outside address for the relay test\n"
	      "                         (default mailflow-relay-test@example.com)\n"
	      "      --no-relay-test    no relay test\n"
	      "      --send             send a test message (DATA) where RCPT is accepted\n"
	      "      --quit-after STEP  connect|banner|ehlo|tls|auth|mail|rcpt\n"
	      "      --timeout SEC      per command (default 30)\n"
	      "      --banner-timeout SEC  for the banner (default: --timeout)\n"
	      "      --connect-timeout SEC (default: --timeout)\n"
	      "TLS and AUTH:\n"
	      "      --tls auto|require|off  STARTTLS when offered (default auto)\n"
	      "      --tls-on-connect   TLS from the first byte (implied by port 465)\n"
	      "      --ca-file FILE     trust these CAs instead of the system store\n"
	      "  -a, --auth-user USER   authenticate (PLAIN or LOGIN); the password comes\n"
	      "                         from MAILFLOW_PASSWORD or a hidden prompt\n"
	      "      --allow-plaintext-auth  send credentials without TLS\n"
	      "\n"
	      "Many domains:\n"
	      "  -f, --file FILE        domains or addresses, one a line, # comments (- = stdin)\n"
	      "      --concurrency N    SMTP sessions (and domains) in flight at once (default 20)\n"
	      "Output:\n"
	      "      --batch            no TUI: print the report (also when not on a terminal)\n"
	      "      --theme NAME|PATH  TUI colours (default, light, high-contrast, mono)\n"
	      "      --json             the same run as one JSON document (schema 1);\n"
	      "                         several domains: a JSON array of them\n"
	      "      --jsonl            one JSON document per domain, one a line\n"
	      "      --report FILE.md   also write a Markdown report for a ticket\n"
	      "      --no-transcripts   leave the transcripts out of the text report\n"
	      "\n"
	      "  -h, --help             show this help\n"
	      "  -V, --version          show the version\n"
	      "\n"
	      "Examples:\n"
	      "  mailflow example.com\n"
	      "  mailflow jane@example.com --send\n"
	      "  mailflow --jsonl --concurrency 50 -f domains.txt > results.jsonl\n"
	      "  mailflow -s mx1.example.com:587 --auth-user jane --tls require\n"
	      "  mailflow --dns 127.0.0.1:5353 --ca-file /tmp/mailflow-lab/tls/ca.crt healthy.lab.test\n"
	      "\n"
	      "Defaults can be set in $XDG_CONFIG_HOME/mailflow/config (or\n"
	      "~/.config/mailflow/config), one option a line: \"from probe@example.com\",\n"
	      "\"dns 127.0.0.1:5353\"; the command line overrides them.\n"
	      "\n"
	      "Exit status: 0 no check failed; 1 at least one check failed (or an invalid\n"
	      "line in a list); 2 the run could not be made (bad arguments, no DNS answer\n"
	      "for the domain's MX). With several domains: the worst of them.\n", out);
}

static int parse_int(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > max) {
		fprintf(stderr, "mailflow: %s wants a number from %ld to %ld, not \"%s\"\n",
		        opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Reads the password without echo from the terminal. */
static char *read_password(const char *user)
{
	struct termios old, quiet;
	char buf[512];
	FILE *tty = fopen("/dev/tty", "r+");
	size_t n;

	if (tty == NULL)
		return NULL;
	fprintf(tty, "Password for %s: ", user);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (fgets(buf, sizeof buf, tty) == NULL)
		buf[0] = '\0';
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return strdup(buf);
}

/* Theme names are looked up in the user's directory first, then where
 * make install put them, then ./themes, then the source tree's themes/. */
static const char *const *theme_dirs(void)
{
	static char user[1024];
	static const char *dirs[5];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	size_t n = 0;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(user, sizeof user, "%s/mailflow/themes", xdg);
	else if (home != NULL)
		snprintf(user, sizeof user, "%s/.config/mailflow/themes", home);
	if (user[0] != '\0')
		dirs[n++] = user;
	dirs[n++] = MAILFLOW_DATADIR "/themes";
	dirs[n++] = "themes";
	/* The source tree it was built in, for a build that is not installed. */
	dirs[n++] = MAILFLOW_SRCDIR "/themes";
	dirs[n] = NULL;
	return dirs;
}

static char default_helo[256];

static const char *pick_helo(void)
{
	if (gethostname(default_helo, sizeof default_helo - 1) != 0 ||
	    strchr(default_helo, '.') == NULL)
		snprintf(default_helo, sizeof default_helo, "mailflow.localdomain");
	return default_helo;
}

/* "host", "host:port", "[v6]:port", "v6" → host and port. */
static int split_server(char *arg, char **host, long *port)
{
	char *colon;

	if (arg[0] == '[') {
		char *end = strchr(arg, ']');

		if (end == NULL)
			return -1;
		*end = '\0';
		*host = arg + 1;
		if (end[1] == ':')
			return parse_int("--server port", end + 2, 1, 65535, port);
		return end[1] == '\0' ? 0 : -1;
	}
	colon = strchr(arg, ':');
	if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		*colon = '\0';
		*host = arg;
		return parse_int("--server port", colon + 1, 1, 65535, port);
	}
	*host = arg;
	return 0;
}

/* ---- options ------------------------------------------------------------ */

enum {
	O_DNS = 256, O_DNS_TIMEOUT, O_DNS_TRIES, O_BIND, O_NO_SMTP, O_HELO,
	O_RELAY_TO, O_NO_RELAY, O_SEND, O_QUIT_AFTER, O_TIMEOUT,
	O_BANNER_TIMEOUT, O_CONNECT_TIMEOUT, O_TLS, O_TLS_ON_CONNECT,
	O_CA_FILE, O_PLAIN_AUTH, O_BATCH, O_JSON, O_JSONL, O_NO_TRANSCRIPTS,
	O_THEME, O_FROM, O_CONCURRENCY, O_REPORT, O_MANUAL,
};

static const struct option longopts[] = {
	{ "server", required_argument, NULL, 's' },
	{ "port", required_argument, NULL, 'p' },
	{ "bind", required_argument, NULL, O_BIND },
	{ "no-smtp", no_argument, NULL, O_NO_SMTP },
	{ "dns", required_argument, NULL, O_DNS },
	{ "dns-timeout", required_argument, NULL, O_DNS_TIMEOUT },
	{ "dns-tries", required_argument, NULL, O_DNS_TRIES },
	{ "helo", required_argument, NULL, O_HELO },
	{ "ehlo", required_argument, NULL, O_HELO },
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, 't' },
	{ "relay-to", required_argument, NULL, O_RELAY_TO },
	{ "no-relay-test", no_argument, NULL, O_NO_RELAY },
	{ "send", no_argument, NULL, O_SEND },
	{ "quit-after", required_argument, NULL, O_QUIT_AFTER },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "banner-timeout", required_argument, NULL, O_BANNER_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT },
	{ "tls", required_argument, NULL, O_TLS },
	{ "tls-on-connect", no_argument, NULL, O_TLS_ON_CONNECT },
	{ "ca-file", required_argument, NULL, O_CA_FILE },
	{ "auth-user", required_argument, NULL, 'a' },
	{ "allow-plaintext-auth", no_argument, NULL, O_PLAIN_AUTH },
	{ "batch", no_argument, NULL, O_BATCH },
	{ "theme", required_argument, NULL, O_THEME },
	{ "json", no_argument, NULL, O_JSON },
	{ "jsonl", no_argument, NULL, O_JSONL },
	{ "report", required_argument, NULL, O_REPORT },
	{ "no-transcripts", no_argument, NULL, O_NO_TRANSCRIPTS },
	{ "file", required_argument, NULL, 'f' },
	{ "concurrency", required_argument, NULL, O_CONCURRENCY },
	{ "manual", required_argument, NULL, O_MANUAL },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct config {
	struct probe_options opt;
	const char *ca_file, *theme, *report, *list_file;
	char *server_arg, *server_host;
	int json, jsonl, batch, transcripts, manual;
	long port, concurrency;
};

/* ---- the config file ---------------------------------------------------- */

static const struct option *option_named(const char *name)
{
	size_t i;

	for (i = 0; longopts[i].name != NULL; i++)
		if (strcmp(longopts[i].name, name) == 0)
			return &longopts[i];
	return NULL;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                 s[n - 1] == '\n'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

/*
 * $XDG_CONFIG_HOME/mailflow/config: one option a line ("from x@y",
 * "dns = 127.0.0.1:5353", "send"), # comments. It becomes arguments put
 * before the command line's, so the command line overrides it. -1 with a
 * message naming file and line when a line is wrong.
 */
static int config_args(char ***out, int *outn)
{
	char path[1100], line[1100];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char **args = NULL;
	int n = 0, lineno = 0;
	FILE *f;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(path, sizeof path, "%.1000s/mailflow/config", xdg);
	else if (home != NULL)
		snprintf(path, sizeof path, "%.1000s/.config/mailflow/config", home);
	else
		return 0;
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "mailflow: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *key = line, *val, *hash;
		const struct option *o;
		char **grown;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "mailflow: %s:%d: line too long\n", path, lineno);
			goto fail;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		trim(line);
		if (line[0] == '\0')
			continue;
		while (*key == '-')
			key++;
		val = key + strcspn(key, " \t=");
		if (*val != '\0') {
			*val++ = '\0';
			while (*val == ' ' || *val == '\t' || *val == '=')
				val++;
		}
		o = option_named(key);
		if (o == NULL || strcmp(key, "help") == 0 || strcmp(key, "version") == 0) {
			fprintf(stderr, "mailflow: %s:%d: unknown option \"%s\"\n", path, lineno, key);
			goto fail;
		}
		if (o->has_arg == required_argument && *val == '\0') {
			fprintf(stderr, "mailflow: %s:%d: %s needs a value\n", path, lineno, key);
			goto fail;
		}
		if (o->has_arg == no_argument && *val != '\0') {
			fprintf(stderr, "mailflow: %s:%d: %s takes no value\n", path, lineno, key);
			goto fail;
		}
		grown = realloc(args, (size_t)(n + 2) * sizeof *args);
		if (grown == NULL)
			goto fail;
		args = grown;
		args[n] = malloc(strlen(key) + 3);
		if (args[n] == NULL)
			goto fail;
		sprintf(args[n++], "--%s", key);
		if (o->has_arg == required_argument && (args[n++] = strdup(val)) == NULL)
			goto fail;
	}
	fclose(f);
	*out = args;
	*outn = n;
	return 0;
fail:
	fclose(f);
	while (n > 0)
		free(args[--n]);
	free(args);
	return -1;
}

/* ---- the command line ---------------------------------------------------- */

static int parse_options(int argc, char **argv, struct config *cf)
{
	struct smtp_options *so = &cf->opt.session;
	char *cause = NULL;
	long v;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:46f:t:a:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': cf->server_arg = optarg; break;
		case 'p':
			if (parse_int("--port", optarg, 1, 65535, &cf->port))
				return 2;
			break;
		case '4': cf->opt.family = 4; break;
		case '6': cf->opt.family = 6; break;
		case 'f': cf->list_file = optarg; break;
		case O_BIND: so->bind_addr = optarg; break;
		case O_NO_SMTP: cf->opt.smtp = 0; break;
		case O_DNS:
			if (dns_servers_check(optarg, &cause) < 0) {
				fprintf(stderr, "mailflow: --dns: %s\n", cause);
				free(cause);
				return 2;
			}
			cf->opt.dns.servers = optarg;
			break;
		case O_DNS_TIMEOUT:
			if (parse_int("--dns-timeout", optarg, 1, 600000, &v))
				return 2;
			cf->opt.dns.timeout_ms = (int)v;
			break;
		case O_DNS_TRIES:
			if (parse_int("--dns-tries", optarg, 1, 10, &v))
				return 2;
			cf->opt.dns.tries = (int)v;
			break;
		case O_HELO: so->helo = optarg; break;
		case O_FROM: so->mail_from = optarg; break;
		case 't': so->rcpt_to = optarg; break;
		case O_RELAY_TO: so->relay_to = optarg; break;
		case O_NO_RELAY: so->relay_to = NULL; break;
		case O_SEND: so->send = 1; break;
		case O_QUIT_AFTER:
			if ((c = smtp_quit_after_parse(optarg)) < 0) {
				fprintf(stderr, "mailflow: --quit-after: \"%s\" is not one of "
				        "connect, banner, ehlo, tls, auth, mail, rcpt\n", optarg);
				return 2;
			}
			so->quit_after = (enum smtp_quit_after)c;
			break;
		case O_TIMEOUT:
			if (parse_int("--timeout", optarg, 1, 3600, &v))
				return 2;
			so->timeout_ms = (int)v * 1000;
			break;
		case O_BANNER_TIMEOUT:
			if (parse_int("--banner-timeout", optarg, 1, 3600, &v))
				return 2;
			so->banner_timeout_ms = (int)v * 1000;
			break;
		case O_CONNECT_TIMEOUT:
			if (parse_int("--connect-timeout", optarg, 1, 3600, &v))
				return 2;
			so->connect_timeout_ms = (int)v * 1000;
			break;
		case O_TLS:
			if (!strcmp(optarg, "auto"))
				so->tls = SMTP_TLS_AUTO;
			else if (!strcmp(optarg, "require"))
				so->tls = SMTP_TLS_REQUIRE;
			else if (!strcmp(optarg, "off"))
				so->tls = SMTP_TLS_OFF;
			else {
				fprintf(stderr, "mailflow: --tls wants auto, require or off, "
				        "not \"%s\"\n", optarg);
				return 2;
			}
			break;
		case O_TLS_ON_CONNECT: so->tls_on_connect = 1; break;
		case O_CA_FILE: cf->ca_file = optarg; break;
		case 'a': so->auth_user = optarg; break;
		case O_PLAIN_AUTH: so->allow_plaintext_auth = 1; break;
		case O_BATCH: cf->batch = 1; break;
		case O_THEME: cf->theme = optarg; break;
		case O_JSON: cf->json = 1; break;
		case O_JSONL: cf->jsonl = 1; break;
		case O_REPORT: cf->report = optarg; break;
		case O_MANUAL:
			cf->server_arg = optarg;
			cf->manual = 1;
			break;
		case O_NO_TRANSCRIPTS: cf->transcripts = 0; break;
		case O_CONCURRENCY:
			if (parse_int("--concurrency", optarg, 1, 1000, &cf->concurrency))
				return 2;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		case 'V':
			printf("mailflow %s\n", MAILFLOW_VERSION);
			return 0;
		default:
			if (optopt && optopt < 256)
				fprintf(stderr, "mailflow: option -%c is unknown or needs a value\n", optopt);
			else
				fprintf(stderr, "mailflow: unknown option or missing value: \"%s\"\n",
				        argv[optind - 1]);
			fputs("Try 'mailflow --help'.\n", stderr);
			return 2;
		}
	}
	return -1;      /* go on */
}

/* ---- the list of domains -------------------------------------------------- */

struct job {
	char *input;
	char where[300];        /* "list.txt:12" or "argument 2" */
	struct target target;
	char *error;            /* the input is invalid: why */
	struct probe *probe;
	int status;             /* 0, 1, 2 once done */
};

struct jobs {
	struct job *v;
	size_t n;
};

static int job_add(struct jobs *js, const char *input, const char *where)
{
	struct job *grown = realloc(js->v, (js->n + 1) * sizeof *grown), *j;

	if (grown == NULL)
		return -1;
	js->v = grown;
	j = &js->v[js->n++];
	memset(j, 0, sizeof *j);
	j->input = strdup(input);
	snprintf(j->where, sizeof j->where, "%s", where);
	if (j->input == NULL)
		return -1;
	if (target_parse(input, &j->target, &j->error) < 0 && j->error == NULL)
		j->error = strdup("invalid");
	return 0;
}

/* One domain or address a line, # comments; -1 when the file is unreadable. */
static int jobs_read_file(struct jobs *js, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[2048], where[300];
	int lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "mailflow: -f %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *hash;

		lineno++;
		snprintf(where, sizeof where, "%.280s:%d", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			int ch;

			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			job_add(js, "(line too long)", where);
			free(js->v[js->n - 1].error);
			js->v[js->n - 1].error = strdup("the line is longer than 2047 bytes");
			continue;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		trim(line);
		if (line[0] != '\0' && job_add(js, line, where) < 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "mailflow: -f %s: %s\n", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

/* ---- running many ------------------------------------------------------- */

struct runner {
	struct loop *loop;
	struct jobs *jobs;
	struct config *cf;
	struct probe_limiter *lim;
	size_t next, active, done, max_active;
	size_t printed;
	FILE *md;
	int worst;
	bool progress;
	struct loop_timer *reap;
};

static void runner_fill(struct runner *r);

static int job_status(const struct config *cf, const struct model_domain *d,
                      const struct checklist *list)
{
	size_t counts[6];

	checklist_count(list, counts);
	if (cf->opt.server == NULL && d->mx.status != DNS_OK && d->mx.status != DNS_NODATA &&
	    d->mx.status != DNS_NXDOMAIN)
		return 2;
	return counts[V_FAIL] > 0 ? 1 : 0;
}

static void job_print(struct runner *r, struct job *j)
{
	const struct model_domain *d = probe_model(j->probe);
	struct report_options ro;
	struct checklist list;

	if (checklist_build(d, &list) < 0) {
		fprintf(stderr, "mailflow: %s: out of memory\n", j->input);
		j->status = 2;
		return;
	}
	j->status = job_status(r->cf, d, &list);
	memset(&ro, 0, sizeof ro);
	ro.input = j->input;
	ro.exit_status = j->status;
	ro.transcripts = r->cf->transcripts;
	ro.options = &r->cf->opt;
	ro.colour = !r->cf->json && !r->cf->jsonl && isatty(STDOUT_FILENO) &&
	            getenv("NO_COLOR") == NULL;
	if (r->cf->jsonl) {
		report_json(stdout, d, &list, &ro);
	} else if (r->cf->json) {
		if (r->jobs->n > 1)
			fputs(r->printed ? ",\n" : "[\n", stdout);
		report_json(stdout, d, &list, &ro);
	} else if (!r->cf->opt.smtp) {
		report_plan_text(stdout, d);
	} else {
		if (r->printed)
			fputs("\n\n", stdout);
		report_batch_text(stdout, d, &list, &ro);
	}
	if (r->md != NULL) {
		if (r->printed)
			fputs("\n---\n\n", r->md);
		report_markdown(r->md, d, &list, &ro);
	}
	r->printed++;
	fflush(stdout);
	checklist_free(&list);
}

static void on_reap(struct loop_timer *t, void *arg)
{
	struct runner *r = arg;
	size_t i;

	(void)t;
	r->reap = NULL;
	/* Probes cannot be freed from their own callback: it happens here. */
	for (i = 0; i < r->jobs->n; i++) {
		struct job *j = &r->jobs->v[i];

		if (j->probe == NULL || !probe_model(j->probe)->complete ||
		    probe_plan_pending(j->probe) > 0 || probe_sessions_running(j->probe) > 0 ||
		    j->status < 0)
			continue;
		if (j->status != 3)     /* 3: on_done seen, not printed yet */
			continue;
		job_print(r, j);
		probe_free(j->probe);
		j->probe = NULL;
		r->active--;
		r->done++;
		if (j->status > r->worst)
			r->worst = j->status;
		if (r->progress)
			fprintf(stderr, "\rmailflow: %zu/%zu done, %zu running   ", r->done,
			        r->jobs->n, r->active);
	}
	runner_fill(r);
}

static void on_job_done(struct probe *p, void *arg)
{
	struct runner *r = arg;
	size_t i;

	for (i = 0; i < r->jobs->n; i++)
		if (r->jobs->v[i].probe == p)
			r->jobs->v[i].status = 3;
	if (r->reap == NULL)
		r->reap = loop_timer_add(r->loop, 0, 0, on_reap, r);
}

static void runner_fill(struct runner *r)
{
	struct probe_callbacks cb = { NULL, NULL, on_job_done, r };

	while (r->active < r->max_active && r->next < r->jobs->n) {
		struct job *j = &r->jobs->v[r->next++];
		char *cause = NULL;
		struct probe_options o = r->cf->opt;

		if (j->error != NULL) {
			/* Reported when read; in JSON Lines as an object of its own. */
			if (r->cf->jsonl) {
				fputs("{\"schema\":1,\"input\":", stdout);
				report_json_string(stdout, j->input, strlen(j->input));
				fputs(",\"where\":", stdout);
				report_json_string(stdout, j->where, strlen(j->where));
				fputs(",\"error\":", stdout);
				report_json_string(stdout, j->error, strlen(j->error));
				fputs(",\"exit\":1}\n", stdout);
			}
			j->status = 1;
			r->done++;
			if (r->worst < 1)
				r->worst = 1;
			continue;
		}
		o.limiter = r->lim;
		j->probe = probe_new(r->loop, &j->target, &o, &cb, &cause);
		if (j->probe == NULL) {
			fprintf(stderr, "mailflow: %s: %s\n", j->input, cause ? cause : "cannot start");
			free(cause);
			j->status = 2;
			r->worst = 2;
			r->done++;
			continue;
		}
		j->status = -1;
		r->active++;
	}
	if (r->active == 0 && r->next >= r->jobs->n)
		loop_stop(r->loop);
}

static int run_many(struct loop *loop, struct jobs *js, struct config *cf)
{
	struct runner r;
	size_t i, ok = 0, failed = 0, invalid = 0;

	memset(&r, 0, sizeof r);
	r.loop = loop;
	r.jobs = js;
	r.cf = cf;
	r.max_active = (size_t)cf->concurrency;
	r.lim = probe_limiter_new((size_t)cf->concurrency);
	r.progress = js->n > 1 && isatty(STDERR_FILENO);
	if (r.lim == NULL)
		return 2;
	if (cf->report != NULL && (r.md = fopen(cf->report, "w")) == NULL) {
		fprintf(stderr, "mailflow: --report %s: %s\n", cf->report, strerror(errno));
		probe_limiter_free(r.lim);
		return 2;
	}
	runner_fill(&r);
	if (r.active > 0)
		loop_run(loop);
	if (cf->json && js->n > 1)
		fputs(r.printed ? "\n]\n" : "[]\n", stdout);
	if (r.md != NULL && fclose(r.md) != 0) {
		fprintf(stderr, "mailflow: --report %s: %s\n", cf->report, strerror(errno));
		r.worst = 2;
	}
	for (i = 0; i < js->n; i++) {
		if (js->v[i].error != NULL)
			invalid++;
		else if (js->v[i].status == 0)
			ok++;
		else
			failed++;
		if (js->v[i].probe != NULL)
			probe_free(js->v[i].probe);
	}
	if (js->n > 1) {
		if (r.progress)
			fputc('\n', stderr);
		fprintf(stderr, "mailflow: %zu domains: %zu without failures, %zu with "
		        "failures, %zu invalid; at most %zu sessions at once (limit %ld)\n",
		        js->n, ok, failed, invalid, probe_limiter_peak(r.lim), cf->concurrency);
	}
	probe_limiter_free(r.lim);
	return r.worst;
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct config cf;
	struct smtp_options *so = &cf.opt.session;
	struct jobs jobs = { NULL, 0 };
	struct loop *loop;
	struct tls_ctx *tls = NULL;
	char *cause = NULL, *password = NULL, **args = NULL, **all;
	char from_buf[320];
	int rc, nargs = 0, nall, i;
	size_t k;

	memset(&cf, 0, sizeof cf);
	cf.opt.dns.timeout_ms = 2000;
	cf.opt.dns.tries = 2;
	cf.opt.smtp = 1;
	cf.transcripts = 1;
	cf.concurrency = 20;
	so->relay_to = "mailflow-relay-test@example.com";
	so->timeout_ms = 30000;

	/* The config file's options go first: the command line overrides. */
	if (config_args(&args, &nargs) < 0)
		return 2;
	nall = argc + nargs;
	all = calloc((size_t)nall + 1, sizeof *all);
	if (all == NULL)
		return 2;
	all[0] = argv[0];
	for (i = 0; i < nargs; i++)
		all[1 + i] = args[i];
	for (i = 1; i < argc; i++)
		all[nargs + i] = argv[i];
	rc = parse_options(nall, all, &cf);
	if (rc >= 0)
		goto out_args;

	for (i = optind; i < nall; i++) {
		char where[32];

		snprintf(where, sizeof where, "argument %d", i - optind + 1);
		if (job_add(&jobs, all[i], where) < 0) {
			rc = 2;
			goto out_jobs;
		}
	}
	if (cf.list_file != NULL && jobs_read_file(&jobs, cf.list_file) < 0) {
		rc = 2;
		goto out_jobs;
	}
	if (cf.server_arg != NULL) {
		if (split_server(cf.server_arg, &cf.server_host, &cf.port) < 0 ||
		    *cf.server_host == '\0') {
			fprintf(stderr, "mailflow: --server: cannot read \"%s\" as HOST[:PORT]\n",
			        cf.server_arg);
			rc = 2;
			goto out_jobs;
		}
		cf.opt.server = cf.server_host;
		if (jobs.n == 0) {
			job_add(&jobs, cf.server_host, "--server");
			if (jobs.v[0].error != NULL) {
				/* -s with an IP address and nothing else: an address literal. */
				free(jobs.v[0].error);
				jobs.v[0].error = NULL;
				memset(&jobs.v[0].target, 0, sizeof jobs.v[0].target);
				snprintf(jobs.v[0].target.domain, sizeof jobs.v[0].target.domain,
				         "[%.200s]", cf.server_host);
			}
		}
	}
	if (jobs.n == 0) {
		fputs("mailflow: give a domain or an address (or -f FILE)\n", stderr);
		print_usage(stderr);
		rc = 2;
		goto out_jobs;
	}
	/* A single bad input is the whole run; a bad line of a list is not. */
	for (k = 0; k < jobs.n; k++)
		if (jobs.v[k].error != NULL)
			fprintf(stderr, "mailflow: %s%s%s\n", jobs.n > 1 || cf.list_file ? jobs.v[k].where : "",
			        jobs.n > 1 || cf.list_file ? ": " : "", jobs.v[k].error);
	if (jobs.n == 1 && cf.list_file == NULL && jobs.v[0].error != NULL) {
		rc = 2;
		goto out_jobs;
	}

	if (cf.manual)
		cf.opt.smtp = 0;
	cf.opt.port = (uint16_t)cf.port;
	if (cf.port == 465)
		so->tls_on_connect = 1;
	if (so->helo == NULL)
		so->helo = pick_helo();
	if (so->mail_from == NULL) {
		snprintf(from_buf, sizeof from_buf, "postmaster@%s", so->helo);
		so->mail_from = from_buf;
	}
	if (so->auth_user != NULL) {
		const char *env = getenv("MAILFLOW_PASSWORD");

		password = env != NULL ? strdup(env) : read_password(so->auth_user);
		if (password == NULL) {
			fputs("mailflow: --auth-user needs a password: set MAILFLOW_PASSWORD "
			      "or run on a terminal\n", stderr);
			rc = 2;
			goto out_jobs;
		}
		so->auth_pass = password;
	}
	if ((cf.opt.smtp || cf.manual) && (so->tls != SMTP_TLS_OFF || so->tls_on_connect)) {
		tls = tls_ctx_new(cf.ca_file, &cause);
		if (tls == NULL) {
			fprintf(stderr, "mailflow: %s\n", cause);
			free(cause);
			rc = 2;
			goto out_password;
		}
		so->tls_ctx = tls;
	}
	loop = loop_new();
	if (loop == NULL) {
		fputs("mailflow: out of memory\n", stderr);
		rc = 2;
		goto out_tls;
	}
	if (cf.manual && !(isatty(STDOUT_FILENO) && isatty(STDIN_FILENO))) {
		fputs("mailflow: --manual needs a terminal\n", stderr);
		rc = 2;
	} else if (jobs.n == 1 && !cf.batch && !cf.json && !cf.jsonl && cf.report == NULL &&
	    isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
		struct ui_options uo = { jobs.v[0].input, cf.theme, theme_dirs(), cf.manual };

		rc = ui_run(loop, &jobs.v[0].target, &cf.opt, &uo);
	} else {
		rc = run_many(loop, &jobs, &cf);
	}
	loop_free(loop);
out_tls:
	tls_ctx_free(tls);
out_password:
	if (password != NULL) {
		memset(password, 0, strlen(password));
		free(password);
	}
out_jobs:
	for (k = 0; k < jobs.n; k++) {
		free(jobs.v[k].input);
		free(jobs.v[k].error);
	}
	free(jobs.v);
out_args:
	for (i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
	free(all);
	return rc;
}
