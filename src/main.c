/*
 * main.c — options and wiring. The probing engine arrives with the DNS and
 * SMTP modules; until then the program answers --version and --help and
 * refuses anything else with exit status 2, so no caller mistakes it for a
 * working probe.
 */
#include <stdio.h>
#include <string.h>

static void print_usage(FILE *out)
{
	fputs("usage: mailflow [options] DOMAIN|ADDRESS\n"
	      "\n"
	      "Troubleshoot mail flow: resolve the MX hosts of DOMAIN and probe each\n"
	      "one over SMTP, with a verdict and the next step for every check.\n"
	      "\n"
	      "  -h, --help       show this help\n"
	      "  -V, --version    show the version\n", out);
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("mailflow %s\n", MAILFLOW_VERSION);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_usage(stdout);
		return 0;
	}
	fputs("mailflow: probing is not built yet in this version\n", stderr);
	print_usage(stderr);
	return 2;
}
