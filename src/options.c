/*
 * options.c — the one options table (see include/mailflow/options.h).
 *
 * A row says everything about an option: names, argument, help line, how
 * it is set (a typed field with bounds, or a setter function), and whether
 * the config file may set it. --help, the getopt_long tables and the
 * config-file reader below are generated from it; nothing else knows the
 * list of options.
 *
 * No row may hold a secret: options_trace() writes every value to the
 * --debug trace. (The AUTH password never is an option: it comes from
 * MAILFLOW_PASSWORD or a hidden prompt.)
 */
#include "mailflow/options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mailflow/debug.h"
#include "mailflow/defaults.h"
#include "mailflow/dns.h"
#include "mailflow/dnssec.h"
#include "mailflow/text.h"
#include "mailflow/validate.h"
#include "mailflow/xmalloc.h"

#define STR_(x) #x
#define STR(x) STR_(x)

enum row_kind {
	ROW_FLAG,       /* no value: sets an int field to .value */
	ROW_INT,        /* a number in [min, max], stored times .scale */
	ROW_STRING,     /* a const char * field: the value itself */
	ROW_FUNC,       /* .set decides */
};

#define ROW_CMDLINE_ONLY 0x1    /* refused in the config file */

struct row;
typedef int (*row_setter)(struct options *o, const struct row *r, const char *arg,
                          char **cause);
/* The current value in words, for --help's "{}" and the trace; NULL: none. */
typedef const char *(*row_shower)(const struct options *o, const struct row *r,
                                  char *buf, size_t size);

struct row {
	const char *name;       /* long name, also the config file's key */
	const char *alias;      /* a second long name, or NULL */
	const char *arg;        /* metavar; NULL: takes no value */
	const char *help;       /* "{}" stands for the default; \n is a space in
	                         * --help (it wraps), the end of zsh's text */
	const char *group;      /* printed before the row in --help */
	row_setter set;         /* ROW_FUNC */
	row_shower show;        /* ROW_FUNC: shows the default */
	/* ROW_STRING: the value's syntax (validate.h), checked before it is
	 * kept: these values go onto the wire. NULL: any text. */
	int (*check)(const char *value, char **cause);
	size_t offset;          /* the field of struct options it sets */
	long min, max, scale;   /* ROW_INT */
	int letter;             /* short option, 0: none */
	int value;              /* ROW_FLAG; ROW_FUNC: the setter's to use */
	enum row_kind kind;
	unsigned flags;
};

static int set_server(struct options *, const struct row *, const char *, char **);
static int set_manual(struct options *, const struct row *, const char *, char **);
static int set_dns(struct options *, const struct row *, const char *, char **);
static int set_dnssec_anchor(struct options *, const struct row *, const char *, char **);
static int set_no_relay(struct options *, const struct row *, const char *, char **);
static int set_quit_after(struct options *, const struct row *, const char *, char **);
static int set_tls(struct options *, const struct row *, const char *, char **);
static int set_answer(struct options *, const struct row *, const char *, char **);
static int set_completion(struct options *, const struct row *, const char *, char **);
static const char *show_tls(const struct options *, const struct row *, char *, size_t);
static int set_sender_ip(struct options *, const struct row *, const char *, char **);
static int set_dkim_selector(struct options *, const struct row *, const char *, char **);

/* --from "" is the null reverse-path, MAIL FROM:<>. */
static int check_from(const char *value, char **cause)
{
	return value[0] == '\0' ? 0 : validate_mailbox(value, cause);
}

#define FIELD(f) offsetof(struct options, f)
/* What the user typed, made safe for a message (it may hold anything). */
#define SHOWN(s, buf) text_show((s), (buf), sizeof (buf))

/* The table. Order and groups are --help's. */
static const struct row rows[] = {
	{ .name = "server", .letter = 's', .arg = "HOST[:PORT]", .group = "Where to connect:\n",
	  .help = "this host only (no MX lookup); an IP needs no DNS",
	  .kind = ROW_FUNC, .set = set_server },
	{ .name = "manual", .arg = "HOST[:PORT]",
	  .help = "type the SMTP session yourself (a better telnet)",
	  .kind = ROW_FUNC, .set = set_manual },
	{ .name = "port", .letter = 'p', .arg = "PORT",
	  .help = "port (default {}; " STR(DEFAULT_PORT_SMTPS) " means TLS on connect)",
	  .kind = ROW_INT, .offset = FIELD(port), .min = 1, .max = 65535, .scale = 1 },
	{ .name = "ipv4", .letter = '4', .help = "only IPv4 addresses",
	  .kind = ROW_FLAG, .offset = FIELD(probe.family), .value = 4 },
	{ .name = "ipv6", .letter = '6', .help = "only IPv6 addresses",
	  .kind = ROW_FLAG, .offset = FIELD(probe.family), .value = 6 },
	{ .name = "bind", .arg = "ADDR", .help = "source address",
	  .kind = ROW_STRING, .offset = FIELD(probe.session.bind_addr) },
	{ .name = "no-smtp", .help = "the DNS plan only",
	  .kind = ROW_FLAG, .offset = FIELD(probe.smtp), .value = 0 },

	{ .name = "dns", .arg = "IP[:PORT][,...]", .group = "DNS:\n",
	  .help = "servers to ask ([v6]:PORT); default resolv.conf",
	  .kind = ROW_FUNC, .set = set_dns },
	{ .name = "dns-timeout", .arg = "MS", .help = "time per try (default {})",
	  .kind = ROW_INT, .offset = FIELD(probe.dns.timeout_ms), .min = 1, .max = 600000,
	  .scale = 1 },
	{ .name = "dns-tries", .arg = "N", .help = "tries per query (default {})",
	  .kind = ROW_INT, .offset = FIELD(probe.dns.tries), .min = 1, .max = 10, .scale = 1 },
	{ .name = "dns-rate", .arg = "N",
	  .help = "queries a second, all domains together (default {};\n0: no limit)",
	  .kind = ROW_INT, .offset = FIELD(probe.dns.rate), .min = 0, .max = 1000000, .scale = 1 },
	{ .name = "dnssec-anchor", .arg = "FILE",
	  .help = "DNSSEC trust anchor (DS or DNSKEY records;\ndefault " DEFAULT_DNSSEC_ANCHOR ")",
	  .kind = ROW_FUNC, .set = set_dnssec_anchor },
	{ .name = "no-dnssec", .help = "do not validate DNSSEC (DANE is then not checked)",
	  .kind = ROW_FLAG, .offset = FIELD(probe.no_dnssec), .value = 1 },

	{ .name = "helo", .alias = "ehlo", .arg = "NAME", .group = "SMTP:\n",
	  .help = "EHLO name (default: this host's name)",
	  .kind = ROW_STRING, .offset = FIELD(probe.session.helo), .check = validate_helo },
	{ .name = "from", .arg = "ADDR",
	  .help = "MAIL FROM (default " DEFAULT_LOCAL_PART "@HELO; \"\" for <>)",
	  .kind = ROW_STRING, .offset = FIELD(probe.session.mail_from), .check = check_from },
	{ .name = "to", .letter = 't', .arg = "ADDR",
	  .help = "RCPT TO (default: the ADDRESS given, or " DEFAULT_LOCAL_PART "@DOMAIN)",
	  .kind = ROW_STRING, .offset = FIELD(probe.session.rcpt_to),
	  .check = validate_mailbox },
	{ .name = "relay-to", .arg = "ADDR",
	  .help = "outside address for the relay test\n(default {})",
	  .kind = ROW_STRING, .offset = FIELD(probe.session.relay_to),
	  .check = validate_mailbox },
	{ .name = "no-relay-test", .help = "no relay test",
	  .kind = ROW_FUNC, .set = set_no_relay },
	{ .name = "send", .help = "send a test message (DATA) where RCPT is accepted",
	  .kind = ROW_FLAG, .offset = FIELD(probe.session.send), .value = 1 },
	{ .name = "dsn",
	  .help = "with --send, ask for delivery notices\n"
	          "(NOTIFY=SUCCESS,FAILURE); by default NOTIFY=NEVER",
	  .kind = ROW_FLAG, .offset = FIELD(probe.session.dsn), .value = 1 },
	{ .name = "quit-after", .arg = "STEP", .help = "connect|banner|ehlo|tls|auth|mail|rcpt",
	  .kind = ROW_FUNC, .set = set_quit_after },
	{ .name = "timeout", .arg = "SEC", .help = "per command (default {})",
	  .kind = ROW_INT, .offset = FIELD(probe.session.timeout_ms), .min = 1, .max = 3600,
	  .scale = 1000 },
	{ .name = "banner-timeout", .arg = "SEC", .help = "for the banner (default: --timeout)",
	  .kind = ROW_INT, .offset = FIELD(probe.session.banner_timeout_ms), .min = 1,
	  .max = 3600, .scale = 1000 },
	{ .name = "session-timeout", .arg = "SEC",
	  .help = "for the whole session (default: " STR(DEFAULT_SESSION_TIMEOUTS) " x --timeout)",
	  .kind = ROW_INT, .offset = FIELD(probe.session.session_timeout_ms), .min = 1,
	  .max = 14400, .scale = 1000 },
	{ .name = "connect-timeout", .arg = "SEC",
	  .help = "for the TCP connection (default: --timeout)",
	  .kind = ROW_INT, .offset = FIELD(probe.session.connect_timeout_ms), .min = 1,
	  .max = 3600, .scale = 1000 },

	{ .name = "tls", .arg = "auto|require|off", .group = "TLS and AUTH:\n",
	  .help = "STARTTLS when offered (default {})",
	  .kind = ROW_FUNC, .set = set_tls, .show = show_tls },
	{ .name = "tls-on-connect",
	  .help = "TLS from the first byte (implied by port " STR(DEFAULT_PORT_SMTPS) ")",
	  .kind = ROW_FLAG, .offset = FIELD(probe.session.tls_on_connect), .value = 1 },
	{ .name = "ca-file", .arg = "FILE", .help = "trust these CAs instead of the system store",
	  .kind = ROW_STRING, .offset = FIELD(ca_file) },
	{ .name = "auth-user", .letter = 'a', .arg = "USER",
	  .help = "authenticate (PLAIN or LOGIN); the password comes\n"
	          "from MAILFLOW_PASSWORD or a hidden prompt",
	  .kind = ROW_STRING, .offset = FIELD(probe.session.auth_user) },
	{ .name = "allow-plaintext-auth", .help = "send credentials without TLS",
	  .kind = ROW_FLAG, .offset = FIELD(probe.session.allow_plaintext_auth), .value = 1 },

	{ .name = "sender", .group = "The sender's side (SPF, DMARC, DKIM):\n",
	  .help = "check the domain of --from (else the DOMAIN given)\nas a sender",
	  .kind = ROW_FLAG, .offset = FIELD(probe.sender_check), .value = 1 },
	{ .name = "sender-ip", .arg = "IP",
	  .help = "the sending server's address for SPF (default:\n"
	          "the address mailflow's sessions leave from)",
	  .kind = ROW_FUNC, .set = set_sender_ip },
	{ .name = "dkim-selector", .arg = "SEL",
	  .help = "a DKIM selector to check (repeatable; none:\na few common ones are tried)",
	  .kind = ROW_FUNC, .set = set_dkim_selector },

	{ .name = "file", .letter = 'f', .arg = "FILE", .group = "\nMany domains:\n",
	  .help = "domains or addresses, one a line, # comments (- = stdin)",
	  .kind = ROW_STRING, .offset = FIELD(list_file) },
	{ .name = "concurrency", .arg = "N",
	  .help = "SMTP sessions (and domains) in flight at once (default {})",
	  .kind = ROW_INT, .offset = FIELD(concurrency), .min = 1, .max = 1000, .scale = 1 },

	{ .name = "explain", .arg = "FILE|-|TEXT", .group = "\nFrom a bounce:\n",
	  .help = "explain a bounce, a message's headers or a reply line\n"
	          "(a file, - for stdin, or the text), then probe the\n"
	          "failed recipients' domains (RCPT TO them)",
	  .kind = ROW_STRING, .offset = FIELD(explain), .flags = ROW_CMDLINE_ONLY },
	{ .name = "no-probe", .help = "with --explain: explain only, probe nothing",
	  .kind = ROW_FLAG, .offset = FIELD(no_probe), .value = 1, .flags = ROW_CMDLINE_ONLY },

	{ .name = "batch", .group = "Output:\n",
	  .help = "no TUI: print the report (also when not on a terminal)",
	  .kind = ROW_FLAG, .offset = FIELD(batch), .value = 1 },
	{ .name = "theme", .arg = "NAME|PATH",
	  .help = "TUI colours (default, light, high-contrast, mono)",
	  .kind = ROW_STRING, .offset = FIELD(theme) },
	{ .name = "json", .help = "the same run as one JSON document (schema 1);\n"
	                          "several domains: a JSON array of them",
	  .kind = ROW_FLAG, .offset = FIELD(json), .value = 1 },
	{ .name = "jsonl", .help = "one JSON document per domain, one a line",
	  .kind = ROW_FLAG, .offset = FIELD(jsonl), .value = 1 },
	{ .name = "metrics", .help = "Prometheus text exposition (node_exporter's textfile\n"
	                             "collector) instead of the report",
	  .kind = ROW_FLAG, .offset = FIELD(metrics), .value = 1 },
	{ .name = "nagios", .help = "one Nagios/Icinga plugin status line with perfdata;\n"
	                            "exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
	  .kind = ROW_FLAG, .offset = FIELD(nagios), .value = 1 },
	{ .name = "report", .arg = "FILE.md|FILE.html",
	  .help = "also write a report for a ticket: Markdown, or\n"
	          "HTML (self-contained, with a timing picture)",
	  .kind = ROW_STRING, .offset = FIELD(report) },
	{ .name = "no-transcripts", .help = "leave the transcripts out of the text report",
	  .kind = ROW_FLAG, .offset = FIELD(transcripts), .value = 0 },

	/* --debug is for one run someone means to trace: in the config file it
	 * would truncate and rewrite that file on every later run, unnoticed. */
	{ .name = "debug", .arg = "FILE", .group = "\n",
	  .help = "write a developer's trace of the run to FILE\n(never credentials)",
	  .kind = ROW_STRING, .offset = FIELD(debug_file), .flags = ROW_CMDLINE_ONLY },
	{ .name = "bench-ui", .arg = "N",
	  .help = "measure the TUI with N made-up hosts (make bench)",
	  .kind = ROW_INT, .offset = FIELD(bench_ui), .min = 1, .max = 100000, .scale = 1,
	  .flags = ROW_CMDLINE_ONLY },
	{ .name = "completion", .arg = "bash|zsh",
	  .help = "print the shell completion script (make install\ninstalls both)",
	  .kind = ROW_FUNC, .set = set_completion, .flags = ROW_CMDLINE_ONLY },
	{ .name = "list-themes", .help = "print the names of the themes found, one a line",
	  .kind = ROW_FUNC, .set = set_answer, .value = OPTIONS_LIST_THEMES,
	  .flags = ROW_CMDLINE_ONLY },
	{ .name = "help", .letter = 'h', .help = "show this help",
	  .kind = ROW_FUNC, .set = set_answer, .value = OPTIONS_HELP,
	  .flags = ROW_CMDLINE_ONLY },
	{ .name = "version", .letter = 'V', .help = "show the version",
	  .kind = ROW_FUNC, .set = set_answer, .value = OPTIONS_VERSION,
	  .flags = ROW_CMDLINE_ONLY },
};

#define NROWS (sizeof rows / sizeof rows[0])
/* --help: every option's help text starts at HELP_COLUMN, and no line is
 * longer than HELP_WIDTH (an 80-column terminal). */
#define HELP_COLUMN 30
#define HELP_WIDTH 80

/* ---- values ------------------------------------------------------------- */

static void *field(struct options *o, const struct row *r)
{
	return (char *)o + r->offset;
}

static const void *field_const(const struct options *o, const struct row *r)
{
	return (const char *)o + r->offset;
}

static int parse_number(const char *name, const char *s, long min, long max, long *out,
                        char **cause)
{
	char *end, shown[96];
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > max) {
		*cause = xasprintf("%s wants a number from %ld to %ld, not \"%s\"", name, min,
		                   max, SHOWN(s, shown));
		return -1;
	}
	*out = v;
	return 0;
}

/* Sets one option; arg is NULL for a row that takes no value. */
static int row_apply(struct options *o, const struct row *r, const char *arg, char **cause)
{
	char name[64], *why = NULL;
	long v;

	/* The table's promise: a row with a metavar is given a value. */
	if ((r->arg != NULL || r->kind == ROW_INT) && arg == NULL) {
		*cause = xasprintf("--%s needs a value", r->name);
		return -1;
	}
	/* No value of any option may carry a control byte: some go onto the
	 * wire (a CR LF there is an extra SMTP command), all into messages. */
	if (arg != NULL && (validate_no_controls(arg, &why) < 0 ||
	                    (r->check != NULL && r->check(arg, &why) < 0))) {
		*cause = xasprintf("--%s: %s", r->name, why);
		free(why);
		return -1;
	}
	switch (r->kind) {
	case ROW_FLAG:
		*(int *)field(o, r) = r->value;
		return 0;
	case ROW_INT:
		snprintf(name, sizeof name, "--%s", r->name);
		if (parse_number(name, arg, r->min, r->max, &v, cause) < 0)
			return -1;
		*(int *)field(o, r) = (int)(v * r->scale);
		return 0;
	case ROW_STRING:
		*(const char **)field(o, r) = arg;
		return 0;
	case ROW_FUNC:
		return r->set(o, r, arg, cause);
	}
	return 0;
}

/* The row's current value in words; NULL when it has none to show. */
static const char *row_show(const struct options *o, const struct row *r, char *buf,
                            size_t size)
{
	switch (r->kind) {
	case ROW_INT:
		snprintf(buf, size, "%ld", (long)*(const int *)field_const(o, r) / r->scale);
		return buf;
	case ROW_STRING:
		return *(const char *const *)field_const(o, r);
	case ROW_FUNC:
		return r->show != NULL ? r->show(o, r, buf, size) : NULL;
	case ROW_FLAG:
		break;
	}
	return NULL;
}

/* ---- setters -------------------------------------------------------------- */

/* "host", "host:port", "[v6]:port", "v6" → o->server_host and server_port. */
static int set_server(struct options *o, const struct row *r, const char *arg, char **cause)
{
	char *copy = xstrdup(arg), *host = copy, *port = NULL, *colon, shown[96];
	long v = 0;

	if (host[0] == '[') {
		char *end = strchr(host, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			goto bad;
		*end = '\0';
		host++;
		if (end[1] == ':')
			port = end + 2;
	} else if ((colon = strchr(host, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		*colon = '\0';
		port = colon + 1;
	}
	if (host[0] == '\0')
		goto bad;
	if (validate_server(host, cause) < 0) {
		char *why = *cause;

		*cause = xasprintf("--%s: %s", r->name, why);
		free(why);
		free(copy);
		return -1;
	}
	if (port != NULL && parse_number("--server port", port, 1, 65535, &v, cause) < 0) {
		free(copy);
		return -1;
	}
	free(o->server_host);
	o->server_host = xstrdup(host);
	o->server_port = (int)v;
	o->server_arg = arg;
	free(copy);
	return 0;
bad:
	free(copy);
	*cause = xasprintf("--%s: cannot read \"%s\" as HOST[:PORT]", r->name,
	                   SHOWN(arg, shown));
	return -1;
}

static int set_manual(struct options *o, const struct row *r, const char *arg, char **cause)
{
	if (set_server(o, r, arg, cause) < 0)
		return -1;
	o->manual = 1;
	return 0;
}

static int set_dns(struct options *o, const struct row *r, const char *arg, char **cause)
{
	char *why = NULL;

	if (dns_servers_check(arg, &why) < 0) {
		*cause = xasprintf("--%s: %s", r->name, why);
		free(why);
		return -1;
	}
	o->probe.dns.servers = arg;
	return 0;
}

/* Read now, so a malformed file is a usage error that names its line,
 * not a silent "not validated" later. */
static int set_dnssec_anchor(struct options *o, const struct row *r, const char *arg,
                             char **cause)
{
	char zones[DNSSEC_ANCHOR_ZONES_MAX][DNS_NAME_MAX];
	size_t n;
	char *why = NULL;

	if (dnssec_anchor_read(arg, zones, DNSSEC_ANCHOR_ZONES_MAX, &n, &why) < 0) {
		*cause = xasprintf("--%s: %s", r->name, why);
		free(why);
		return -1;
	}
	o->probe.dnssec_anchor = arg;
	return 0;
}

static int set_no_relay(struct options *o, const struct row *r, const char *arg,
                        char **cause)
{
	(void)r, (void)arg, (void)cause;
	o->probe.session.relay_to = NULL;
	return 0;
}

/* --sender-ip implies --sender. */
static int set_sender_ip(struct options *o, const struct row *r, const char *arg,
                         char **cause)
{
	unsigned char buf[16];
	char shown[96];

	(void)r;
	if (inet_pton(AF_INET, arg, buf) != 1 && inet_pton(AF_INET6, arg, buf) != 1)
		return cause_set(cause, "--sender-ip wants an IPv4 or IPv6 address, not \"%s\"",
		                 SHOWN(arg, shown));
	o->probe.sender.ip = arg;
	o->probe.sender_check = 1;
	return 0;
}

/* A selector is a dot-atom of DNS labels (RFC 6376 section 3.1). */
static int set_dkim_selector(struct options *o, const struct row *r, const char *arg,
                             char **cause)
{
	struct sender_options *so = &o->probe.sender;
	char shown[96];
	size_t i, n = strlen(arg);

	(void)r;
	for (i = 0; i < n; i++)
		if (!text_ascii_isalnum((unsigned char)arg[i]) && arg[i] != '-' &&
		    arg[i] != '_' && arg[i] != '.')
			break;
	if (n == 0 || n >= SENDER_SELECTOR_LEN || i < n || arg[0] == '.' || arg[n - 1] == '.')
		return cause_set(cause, "--dkim-selector wants a DNS label like \"s1\" "
		                 "(letters, digits, -, _ and dots), not \"%s\"", SHOWN(arg, shown));
	if (so->nselectors == SENDER_SELECTORS_MAX)
		return cause_set(cause, "at most %d --dkim-selector", SENDER_SELECTORS_MAX);
	so->selectors[so->nselectors++] = arg;
	o->probe.sender_check = 1;
	return 0;
}

static int set_quit_after(struct options *o, const struct row *r, const char *arg,
                          char **cause)
{
	int q = smtp_quit_after_parse(arg);
	char shown[96];

	if (q < 0) {
		*cause = xasprintf("--%s: \"%s\" is not one of connect, banner, ehlo, tls, auth, "
		                   "mail, rcpt", r->name, SHOWN(arg, shown));
		return -1;
	}
	o->probe.session.quit_after = (enum smtp_quit_after)q;
	return 0;
}

/* Indexed by enum smtp_tls_mode. */
static const char *const tls_names[] = { "auto", "require", "off" };

static int set_tls(struct options *o, const struct row *r, const char *arg, char **cause)
{
	size_t i;
	char shown[96];

	for (i = 0; i < sizeof tls_names / sizeof tls_names[0]; i++) {
		if (strcmp(arg, tls_names[i]) == 0) {
			o->probe.session.tls = (enum smtp_tls_mode)i;
			return 0;
		}
	}
	*cause = xasprintf("--%s wants auto, require or off, not \"%s\"", r->name,
	                   SHOWN(arg, shown));
	return -1;
}

static const char *show_tls(const struct options *o, const struct row *r, char *buf,
                            size_t size)
{
	(void)r, (void)buf, (void)size;
	return tls_names[o->probe.session.tls];
}

static int set_answer(struct options *o, const struct row *r, const char *arg, char **cause)
{
	(void)arg, (void)cause;
	o->answer = (enum options_answer)r->value;
	return 0;
}

static int set_completion(struct options *o, const struct row *r, const char *arg,
                          char **cause)
{
	(void)r;
	if (strcmp(arg, "bash") != 0 && strcmp(arg, "zsh") != 0) {
		*cause = xasprintf("--completion: bash or zsh, not \"%s\"", arg);
		return -1;
	}
	o->completion_shell = arg;
	o->answer = OPTIONS_COMPLETION;
	return 0;
}

size_t options_row_count(void)
{
	return NROWS;
}

void options_row_info(size_t i, struct options_row_info *out)
{
	const struct row *r = &rows[i < NROWS ? i : 0];

	out->name = r->name;
	out->alias = r->alias;
	out->arg = r->arg;
	out->help = r->help;
	out->letter = r->letter;
}

/* ---- init, finish, trace ---------------------------------------------------- */

void options_init(struct options *o)
{
	memset(o, 0, sizeof *o);
	probe_options_init(&o->probe);
	o->port = o->probe.port;
	o->transcripts = 1;
	o->concurrency = DEFAULT_CONCURRENCY;
	o->probe.dns.rate = DEFAULT_DNS_RATE;
}

void options_free(struct options *o)
{
	while (o->nowned > 0)
		free(o->owned[--o->nowned]);
	free(o->owned);
	free(o->server_host);
	o->owned = NULL;
	o->server_host = NULL;
}

void options_finish(struct options *o)
{
	o->probe.server = o->server_host;
	/* The port of -s HOST:PORT wins over -p, wherever either was given. */
	o->probe.port = (uint16_t)(o->server_port != 0 ? o->server_port : o->port);
	if (o->manual)
		o->probe.smtp = 0;
	/* --sender checks the domain of a --from given (not of the default
	 * one, which probe_options_settle() makes from this host's name). */
	if (o->probe.sender_check && o->probe.session.mail_from != NULL) {
		const char *at = strrchr(o->probe.session.mail_from, '@');

		if (at != NULL && at[1] != '\0') {
			o->probe.sender.domain = at + 1;
			o->probe.sender.mail_from = o->probe.session.mail_from;
		}
	}
}

void options_trace(const struct options *o)
{
	char buf[64];
	const char *v;
	size_t i;

	if (!debug_enabled())
		return;
	for (i = 0; i < NROWS; i++) {
		if (rows[i].kind == ROW_FLAG)
			debug_log("option %s: %s", rows[i].name,
			          *(const int *)field_const(o, &rows[i]) == rows[i].value ? "on" : "off");
		else if ((v = row_show(o, &rows[i], buf, sizeof buf)) != NULL)
			debug_log("option %s: \"%s\"", rows[i].name, v);
	}
	if (o->server_host != NULL)
		debug_log("option server: host \"%s\" port %d", o->server_host, o->server_port);
	debug_log("the run: port %u, TLS on connect %s", (unsigned)o->probe.port,
	          o->probe.session.tls_on_connect ? "yes" : "no");
}

/* ---- the command line ------------------------------------------------------ */

/* getopt_long's tables, made from the rows once: val is the short letter,
 * or 256 + the row's index for a row that has none. */
static struct option longopts[2 * NROWS + 1];
static char shortopts[2 * NROWS + 1];

static void getopt_tables(void)
{
	size_t i, nl = 0, ns = 0;

	if (longopts[0].name != NULL)
		return;
	for (i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		int val = r->letter != 0 ? r->letter : 256 + (int)i;
		int has = r->arg != NULL ? required_argument : no_argument;

		longopts[nl++] = (struct option){ r->name, has, NULL, val };
		if (r->alias != NULL)
			longopts[nl++] = (struct option){ r->alias, has, NULL, val };
		if (r->letter != 0) {
			shortopts[ns++] = (char)r->letter;
			if (r->arg != NULL)
				shortopts[ns++] = ':';
		}
	}
}

static const struct row *row_by_val(int val)
{
	size_t i;

	if (val >= 256 && (size_t)(val - 256) < NROWS)
		return &rows[val - 256];
	for (i = 0; i < NROWS; i++)
		if (rows[i].letter != 0 && rows[i].letter == val)
			return &rows[i];
	return NULL;
}

int options_parse(struct options *o, int argc, char **argv, char **cause)
{
	char shown[96];
	int c;

	getopt_tables();
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct row *r = NULL;

		if (c == '?' || (r = row_by_val(c)) == NULL) {
			if (optopt > 0 && optopt < 256)
				*cause = xasprintf("option -%c is unknown or needs a value\n"
				                   "Try 'mailflow --help'.", optopt);
			else
				*cause = xasprintf("unknown option or missing value: \"%s\"\n"
				                   "Try 'mailflow --help'.",
				                   SHOWN(argv[optind - 1], shown));
			return -1;
		}
		if (row_apply(o, r, optarg, cause) < 0)
			return -1;
		if (o->answer != OPTIONS_RUN)
			break;
	}
	return optind;
}

/* ---- the config file --------------------------------------------------------- */

static const struct row *row_named(const char *name)
{
	size_t i;

	for (i = 0; i < NROWS; i++)
		if (strcmp(rows[i].name, name) == 0 ||
		    (rows[i].alias != NULL && strcmp(rows[i].alias, name) == 0))
			return &rows[i];
	return NULL;
}


/* One line, comment and blanks gone: "name", "name value", "name = value".
 * -1 with *cause set (without the file:line, which the caller adds). */
static int config_line(struct options *o, char *line, char **cause)
{
	char *key = line, *val, *copy = NULL, shown[96];
	const struct row *r;

	while (*key == '-')
		key++;
	val = key + strcspn(key, " \t=");
	if (*val != '\0') {
		*val++ = '\0';
		while (*val == ' ' || *val == '\t' || *val == '=')
			val++;
	}
	if ((r = row_named(key)) == NULL) {
		*cause = xasprintf("unknown option \"%s\"", SHOWN(key, shown));
		return -1;
	}
	if (r->flags & ROW_CMDLINE_ONLY) {
		*cause = xasprintf("%s is for the command line only", key);
		return -1;
	}
	if (r->arg != NULL && *val == '\0') {
		*cause = xasprintf("%s needs a value", key);
		return -1;
	}
	if (r->arg == NULL && *val != '\0') {
		*cause = xasprintf("%s takes no value", key);
		return -1;
	}
	if (r->arg != NULL) {
		/* The fields point to the value: it lives as long as o. */
		copy = xstrdup(val);
		o->owned = xreallocarray(o->owned, o->nowned + 1, sizeof *o->owned);
		o->owned[o->nowned++] = copy;
	}
	return row_apply(o, r, copy, cause);
}

static char *config_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/mailflow/config", xdg);
	if (home != NULL)
		return xasprintf("%s/.config/mailflow/config", home);
	return NULL;
}

int options_read_config(struct options *o, char **cause)
{
	char *path = config_path(), line[1100], *why = NULL;
	int lineno = 0, rc = 0;
	struct stat st;
	FILE *f;

	if (path == NULL)
		return 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno != ENOENT) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			rc = -1;
		}
		free(path);
		return rc;
	}
	/* fopen() opens a directory for reading, and its reads fail: the
	 * config would be ignored without a word. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		*cause = xasprintf("%s: is a directory, not a config file", path);
		rc = -1;
	}
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			why = xstrdup("line too long");
		else {
			line[strcspn(line, "#")] = '\0';
			text_trim(line);
			if (line[0] == '\0' || config_line(o, line, &why) == 0)
				continue;
		}
		*cause = xasprintf("%s:%d: %s", path, lineno, why);
		free(why);
		rc = -1;
	}
	if (rc == 0 && ferror(f)) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	free(path);
	return rc;
}

/* ---- --help ---------------------------------------------------------------- */

#define USAGE_FIRST "usage: mailflow [options] DOMAIN|ADDRESS...\n"

static const char usage_head[] =
	USAGE_FIRST
	"       mailflow [options] -f FILE\n"
	"       mailflow [options] -s HOST[:PORT] [DOMAIN|ADDRESS]\n"
	"\n"
	"Troubleshoot mail flow: resolve the MX hosts of DOMAIN (addresses,\n"
	"reverse DNS, TLSA, SPF, DMARC, MTA-STS, TLS-RPT) and run the SMTP\n"
	"routine with every address of every MX host at once: banner, EHLO,\n"
	"STARTTLS, MAIL FROM, RCPT TO, a relay test, RSET, QUIT.\n"
	"\n";

static const char usage_tail[] =
	"\n"
	"Examples:\n"
	"  mailflow example.com\n"
	"  mailflow jane@example.com --send\n"
	"  mailflow --jsonl --concurrency 50 -f domains.txt > results.jsonl\n"
	"  mailflow -s mx1.example.com:587 --auth-user jane --tls require\n"
	"  mailflow --dns 127.0.0.1:5353 --ca-file /tmp/mailflow-lab/tls/ca.crt \\\n"
	"           healthy.lab.test\n"
	"\n"
	"Defaults can be set in $XDG_CONFIG_HOME/mailflow/config (or\n"
	"~/.config/mailflow/config), one option a line: \"from probe@example.com\",\n"
	"\"dns 127.0.0.1:5353\"; the command line overrides them.\n";

static const char usage_exit[] =
	"\n"
	"Exit status: 0 no check failed; 1 at least one check failed (or an invalid\n"
	"line in a list); 2 the run could not be made (bad arguments, no DNS answer\n"
	"for the domain's MX). With several domains: the worst of them.\n"
	"With --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (monitoring plugins).\n";

/* The help text with each "{}" the default and each '\n' a space: where a
 * line breaks is the generator's to decide (usage_wrap), not the row's. */
static char *help_expand(const char *help, const char *def)
{
	size_t dl = def != NULL ? strlen(def) : 0, n = 1;
	const char *h;
	char *s, *o;

	for (h = help; *h != '\0'; h++)
		n += h[0] == '{' && h[1] == '}' ? dl : 1;
	s = o = xmalloc(n);
	for (h = help; *h != '\0'; h++) {
		if (h[0] == '{' && h[1] == '}') {
			if (dl > 0)
				memcpy(o, def, dl);
			o += dl;
			h++;
		} else if (*h == '\n') {
			*o++ = ' ';
		} else {
			*o++ = *h;
		}
	}
	*o = '\0';
	return s;
}

/* Columns of the UTF-8 s[0..len): one a character (the help texts have
 * no wide or combining ones). */
static int help_columns(const char *s, size_t len)
{
	size_t i;
	int n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* text, the cursor at column col, broken at spaces so that no line passes
 * HELP_WIDTH; every next line starts at column indent. A word longer than
 * a whole line gets a line of its own (a word is never cut). */
static void usage_wrap(FILE *out, const char *text, int col, int indent)
{
	const char *p = text;
	int at = col, fresh = 1;        /* fresh: nothing on this line yet */

	for (;;) {
		size_t len;
		int width;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " ");
		width = help_columns(p, len);
		if (!fresh && at + 1 + width > HELP_WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			at = indent;
			fresh = 1;
		}
		if (!fresh) {
			fputc(' ', out);
			at++;
		}
		fwrite(p, 1, len, out);
		at += width;
		fresh = 0;
		p += len;
	}
	fputc('\n', out);
}

/* "  -s, --server HOST[:PORT]", then the help text from HELP_COLUMN on: on
 * the same line when the names leave two blanks before it, else on the
 * next one, so that every help text starts at the same column. */
static void usage_row(FILE *out, const struct options *defaults, const struct row *r)
{
	char left[96], buf[64], *text;
	const char *def = row_show(defaults, r, buf, sizeof buf);
	int len;

	len = snprintf(left, sizeof left, "  %c%c%s--%s%s%s%s%s", r->letter ? '-' : ' ',
	               r->letter ? r->letter : ' ', r->letter ? ", " : "  ", r->name,
	               r->alias ? ", --" : "", r->alias ? r->alias : "", r->arg ? " " : "",
	               r->arg ? r->arg : "");
	if (len < 0)
		len = 0;
	if (len > HELP_COLUMN - 2)
		fprintf(out, "%s\n%*s", left, HELP_COLUMN, "");
	else
		fprintf(out, "%s%*s", left, HELP_COLUMN - len, "");
	text = help_expand(r->help, def);
	usage_wrap(out, text, HELP_COLUMN, HELP_COLUMN);
	free(text);
}

/* "The command line only: --explain, ...", wrapped as the help texts are. */
static void usage_cmdline_only(FILE *out)
{
	char line[1024];
	size_t i, used;
	const char *sep = "";

	used = (size_t)snprintf(line, sizeof line, "The command line only:");
	for (i = 0; i < NROWS && used < sizeof line; i++) {
		if (rows[i].flags & ROW_CMDLINE_ONLY) {
			int n = snprintf(line + used, sizeof line - used, "%s --%s", sep, rows[i].name);

			used += n > 0 ? (size_t)n : 0;
			sep = ",";
		}
	}
	if (used + 1 < sizeof line) {
		line[used++] = '.';
		line[used] = '\0';
	}
	usage_wrap(out, line, 0, 2);
}

/* Two lines of usage, not the whole --help (issue 13, point 9). */
void options_usage_short(FILE *out)
{
	fputs(USAGE_FIRST
	      "       mailflow [options] -f FILE | -s HOST[:PORT] [DOMAIN|ADDRESS]\n"
	      "mailflow --help for more\n", out);
}

void options_usage(FILE *out)
{
	struct options defaults;
	size_t i;

	options_init(&defaults);
	fputs(usage_head, out);
	for (i = 0; i < NROWS; i++) {
		if (rows[i].group != NULL)
			fputs(rows[i].group, out);
		usage_row(out, &defaults, &rows[i]);
	}
	fputs(usage_tail, out);
	usage_cmdline_only(out);
	fputs(usage_exit, out);
	options_free(&defaults);
}
