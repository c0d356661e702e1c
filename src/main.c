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
	fputs("usage: mailflow [options] DOMAIN|ADDRESS\n"
	      "       mailflow [options] -s HOST[:PORT] [DOMAIN|ADDRESS]\n"
	      "\n"
	      "Troubleshoot mail flow: resolve the MX hosts of DOMAIN (addresses,\n"
	      "reverse DNS, TLSA, SPF, DMARC, MTA-STS, TLS-RPT) and run the SMTP\n"
	      "routine with every address of every MX host at once: banner, EHLO,\n"
	      "STARTTLS, MAIL FROM, RCPT TO, a relay test, RSET, QUIT.\n"
	      "\n"
	      "Where to connect:\n"
	      "  -s, --server HOST[:PORT]  this host only (no MX lookup); an IP needs no DNS\n"
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
	      "  -f, --from ADDR        MAIL FROM (default postmaster@HELO; \"\" for <>)\n"
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
	      "Output:\n"
	      "      --batch            no TUI: print the report (also when not on a terminal)\n"
	      "      --theme NAME|PATH  TUI colours (default, light, high-contrast, mono)\n"
	      "      --json             the same run as one JSON document (schema 1)\n"
	      "      --no-transcripts   leave the transcripts out of the text report\n"
	      "\n"
	      "  -h, --help             show this help\n"
	      "  -V, --version          show the version\n"
	      "\n"
	      "Examples:\n"
	      "  mailflow example.com\n"
	      "  mailflow jane@example.com --send\n"
	      "  mailflow -s mx1.example.com:587 --auth-user jane --tls require\n"
	      "  mailflow --dns 127.0.0.1:5353 --ca-file /tmp/mailflow-lab/tls/ca.crt healthy.lab.test\n"
	      "\n"
	      "Exit status: 0 no check failed; 1 at least one check failed; 2 the run\n"
	      "could not be made (bad arguments, no DNS answer for the domain's MX).\n", out);
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

static void on_done(struct probe *probe, void *arg)
{
	(void)probe;
	loop_stop(arg);
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

int main(int argc, char **argv)
{
	enum {
		O_DNS = 256, O_DNS_TIMEOUT, O_DNS_TRIES, O_BIND, O_NO_SMTP, O_HELO,
		O_RELAY_TO, O_NO_RELAY, O_SEND, O_QUIT_AFTER, O_TIMEOUT,
		O_BANNER_TIMEOUT, O_CONNECT_TIMEOUT, O_TLS, O_TLS_ON_CONNECT,
		O_CA_FILE, O_PLAIN_AUTH, O_BATCH, O_JSON, O_NO_TRANSCRIPTS, O_THEME,
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
		{ "from", required_argument, NULL, 'f' },
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
		{ "no-transcripts", no_argument, NULL, O_NO_TRANSCRIPTS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_options opt;
	struct probe_callbacks cb = { NULL, NULL, on_done, NULL };
	struct smtp_options *so = &opt.session;
	const struct model_domain *d;
	struct target target;
	struct probe *probe;
	struct loop *loop;
	struct tls_ctx *tls = NULL;
	const char *ca_file = NULL;
	char *cause = NULL, *password = NULL, *server_arg = NULL, *server_host = NULL;
	char from_buf[320];
	long v, port = 0;
	int c, rc, json = 0, transcripts = 1, batch = 0;
	const char *theme = NULL;
	struct checklist list;
	struct report_options ro;
	size_t counts[6];

	memset(&opt, 0, sizeof opt);
	opt.dns.timeout_ms = 2000;
	opt.dns.tries = 2;
	opt.smtp = 1;
	so->helo = NULL;
	so->relay_to = "mailflow-relay-test@example.com";
	so->timeout_ms = 30000;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:p:46f:t:a:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': server_arg = optarg; break;
		case 'p':
			if (parse_int("--port", optarg, 1, 65535, &port))
				return 2;
			break;
		case '4': opt.family = 4; break;
		case '6': opt.family = 6; break;
		case O_BIND: so->bind_addr = optarg; break;
		case O_NO_SMTP: opt.smtp = 0; break;
		case O_DNS:
			if (dns_servers_check(optarg, &cause) < 0) {
				fprintf(stderr, "mailflow: --dns: %s\n", cause);
				free(cause);
				return 2;
			}
			opt.dns.servers = optarg;
			break;
		case O_DNS_TIMEOUT:
			if (parse_int("--dns-timeout", optarg, 1, 600000, &v))
				return 2;
			opt.dns.timeout_ms = (int)v;
			break;
		case O_DNS_TRIES:
			if (parse_int("--dns-tries", optarg, 1, 10, &v))
				return 2;
			opt.dns.tries = (int)v;
			break;
		case O_HELO: so->helo = optarg; break;
		case 'f': so->mail_from = optarg; break;
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
		case O_CA_FILE: ca_file = optarg; break;
		case 'a': so->auth_user = optarg; break;
		case O_PLAIN_AUTH: so->allow_plaintext_auth = 1; break;
		case O_BATCH: batch = 1; break;
		case O_THEME: theme = optarg; break;
		case O_JSON: json = 1; break;
		case O_NO_TRANSCRIPTS: transcripts = 0; break;
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
	if (argc - optind > 1 || (argc == optind && server_arg == NULL)) {
		fputs(argc == optind ? "mailflow: give a domain or an address\n"
		      : "mailflow: give one domain or address, not several\n", stderr);
		print_usage(stderr);
		return 2;
	}
	if (server_arg != NULL) {
		if (split_server(server_arg, &server_host, &port) < 0 || *server_host == '\0') {
			fprintf(stderr, "mailflow: --server: cannot read \"%s\" as HOST[:PORT]\n",
			        server_arg);
			return 2;
		}
		opt.server = server_host;
	}
	if (argc > optind) {
		if (target_parse(argv[optind], &target, &cause) < 0) {
			fprintf(stderr, "mailflow: %s\n", cause);
			free(cause);
			return 2;
		}
	} else if (target_parse(server_host, &target, NULL) < 0) {
		/* -s with an IP address and nothing else: an address literal. */
		memset(&target, 0, sizeof target);
		snprintf(target.domain, sizeof target.domain, "[%s]", server_host);
	}
	opt.port = (uint16_t)port;
	if (port == 465)
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
			return 2;
		}
		so->auth_pass = password;
	}
	if (opt.smtp && (so->tls != SMTP_TLS_OFF || so->tls_on_connect)) {
		tls = tls_ctx_new(ca_file, &cause);
		if (tls == NULL) {
			fprintf(stderr, "mailflow: %s\n", cause);
			free(cause);
			free(password);
			return 2;
		}
		so->tls_ctx = tls;
	}

	loop = loop_new();
	if (loop == NULL) {
		fputs("mailflow: out of memory\n", stderr);
		return 2;
	}
	cb.arg = loop;
	if (!batch && !json && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
		struct ui_options uo = { argc > optind ? argv[optind] : server_arg, theme,
		                         theme_dirs() };

		rc = ui_run(loop, &target, &opt, &uo);
		loop_free(loop);
		tls_ctx_free(tls);
		free(password);
		return rc;
	}
	probe = probe_new(loop, &target, &opt, &cb, &cause);
	if (probe == NULL) {
		fprintf(stderr, "mailflow: %s\n", cause ? cause : "cannot start");
		free(cause);
		loop_free(loop);
		tls_ctx_free(tls);
		free(password);
		return 2;
	}
	if (loop_run(loop) < 0)
		fprintf(stderr, "mailflow: event loop: %s\n", strerror(errno));
	d = probe_model(probe);
	if (checklist_build(d, &list) < 0) {
		fputs("mailflow: out of memory\n", stderr);
		rc = 2;
		goto out;
	}
	checklist_count(&list, counts);
	/* 2: no DNS answer at all, so nothing could be judged. */
	if (opt.server == NULL && d->mx.status != DNS_OK && d->mx.status != DNS_NODATA &&
	    d->mx.status != DNS_NXDOMAIN)
		rc = 2;
	else
		rc = counts[V_FAIL] > 0 ? 1 : 0;
	memset(&ro, 0, sizeof ro);
	ro.input = argc > optind ? argv[optind] : server_arg;
	ro.exit_status = rc;
	ro.transcripts = transcripts;
	ro.colour = !json && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	if (json)
		report_json(stdout, d, &list, &ro);
	else if (!opt.smtp)
		report_plan_text(stdout, d);
	else
		report_batch_text(stdout, d, &list, &ro);
	checklist_free(&list);
out:
	probe_free(probe);
	loop_free(loop);
	tls_ctx_free(tls);
	if (password != NULL) {
		memset(password, 0, strlen(password));
		free(password);
	}
	return rc;
}
