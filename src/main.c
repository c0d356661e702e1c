/*
 * main.c — options and wiring.
 *
 * Today the program runs the DNS plan of a domain (the "nslookup" half of
 * the hand routine) and prints it; the SMTP probe, the checklist and the
 * TUI build on the same probe object.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/loop.h"
#include "mailflow/probe.h"
#include "mailflow/report.h"
#include "mailflow/target.h"

static void print_usage(FILE *out)
{
	fputs("usage: mailflow [options] DOMAIN|ADDRESS\n"
	      "\n"
	      "Troubleshoot mail flow: resolve the MX hosts of DOMAIN with their\n"
	      "addresses, reverse DNS, TLSA and the SPF, DMARC, MTA-STS and TLS-RPT\n"
	      "records, all queries at once, and print the plan with its findings.\n"
	      "\n"
	      "DNS:\n"
	      "  --dns IP[:PORT][,...]  ask these servers ([v6]:PORT for IPv6 with a\n"
	      "                         port); default: the system's resolv.conf\n"
	      "  --dns-timeout MS       time per try (default 2000)\n"
	      "  --dns-tries N          tries per query (default 2)\n"
	      "\n"
	      "  -h, --help             show this help\n"
	      "  -V, --version          show the version\n"
	      "\n"
	      "Examples:\n"
	      "  mailflow example.com\n"
	      "  mailflow --dns 127.0.0.1:5353 postmaster@healthy.lab.test\n"
	      "\n"
	      "Exit status: 0 the plan was made; 2 bad arguments, or no DNS answer\n"
	      "for the domain's MX (timeout, SERVFAIL, REFUSED, no server).\n", out);
}

static int parse_int(const char *opt, const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > max) {
		fprintf(stderr, "mailflow: %s wants a number from %d to %d, not \"%s\"\n",
		        opt, min, max, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static void on_plan_done(struct probe *probe, void *arg)
{
	(void)probe;
	loop_stop(arg);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dns", required_argument, NULL, 'D' },
		{ "dns-timeout", required_argument, NULL, 'T' },
		{ "dns-tries", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_options opt = { .dns = { NULL, 2000, 2 } };
	struct probe_callbacks cb = { NULL, on_plan_done, NULL };
	const struct model_domain *d;
	struct target target;
	struct probe *probe;
	struct loop *loop;
	char *cause = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			if (dns_servers_check(optarg, &cause) < 0) {
				fprintf(stderr, "mailflow: --dns: %s\n", cause);
				free(cause);
				return 2;
			}
			opt.dns.servers = optarg;
			break;
		case 'T':
			if (parse_int("--dns-timeout", optarg, 1, 600000, &opt.dns.timeout_ms))
				return 2;
			break;
		case 'R':
			if (parse_int("--dns-tries", optarg, 1, 10, &opt.dns.tries))
				return 2;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		case 'V':
			printf("mailflow %s\n", MAILFLOW_VERSION);
			return 0;
		default:
			if (optopt)
				fprintf(stderr, "mailflow: option -%c is unknown or needs a value\n", optopt);
			else
				fprintf(stderr, "mailflow: unknown option \"%s\"\n", argv[optind - 1]);
			fputs("Try 'mailflow --help'.\n", stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fputs(argc == optind ? "mailflow: give one domain or address\n"
		      : "mailflow: give one domain or address, not several\n", stderr);
		print_usage(stderr);
		return 2;
	}
	if (target_parse(argv[optind], &target, &cause) < 0) {
		fprintf(stderr, "mailflow: %s\n", cause);
		free(cause);
		return 2;
	}

	loop = loop_new();
	if (loop == NULL) {
		fputs("mailflow: out of memory\n", stderr);
		return 2;
	}
	cb.arg = loop;
	probe = probe_new(loop, &target, &opt, &cb, &cause);
	if (probe == NULL) {
		fprintf(stderr, "mailflow: %s\n", cause ? cause : "cannot start");
		free(cause);
		loop_free(loop);
		return 2;
	}
	if (loop_run(loop) < 0)
		fprintf(stderr, "mailflow: event loop: %s\n", strerror(errno));
	d = probe_model(probe);
	report_plan_text(stdout, d);
	rc = (d->mx.status == DNS_OK || d->mx.status == DNS_NODATA ||
	      d->mx.status == DNS_NXDOMAIN) ? 0 : 2;
	probe_free(probe);
	loop_free(loop);
	return rc;
}
