/*
 * options — every option of the program in one table (options.c), in the
 * manner of tmux's options-table.c. Each row names the option (long name,
 * short letter), its argument, its help line, how it is set and whether the
 * config file may set it; --help, getopt_long and the config file are all
 * generated from that table, so an option is added in one place.
 *
 * Call protocol: options_init(), then options_read_config() (the config
 * file's lines), then options_parse() (the command line, which overrides
 * the file), then options_finish(). Strings in struct options point into
 * argv or into copies the struct owns: options_free() releases those.
 */
#ifndef MAILFLOW_OPTIONS_H
#define MAILFLOW_OPTIONS_H

#include <stdio.h>

#include "mailflow/probe.h"

/* What the command line asked for instead of a run. */
enum options_answer { OPTIONS_RUN, OPTIONS_HELP, OPTIONS_VERSION,
	OPTIONS_COMPLETION,     /* --completion SHELL */
	OPTIONS_LIST_THEMES,    /* --list-themes */
};

struct options {
	struct probe_options probe;     /* from probe_options_init() */
	const char *ca_file;            /* --ca-file */
	const char *theme;              /* --theme NAME|PATH */
	const char *report;             /* --report FILE.md */
	const char *explain;            /* --explain FILE|-|TEXT */
	int no_probe;                   /* --no-probe: explain only */
	const char *list_file;          /* -f FILE ("-": stdin) */
	const char *debug_file;         /* --debug FILE */
	const char *server_arg;         /* -s / --manual HOST[:PORT], as typed */
	char *server_host;              /* its host part (owned) */
	int server_port;                /* its port part; 0: none given */
	int port;                       /* -p; the -s port wins */
	int json, jsonl, batch, transcripts, manual;
	int metrics, nagios;            /* --metrics, --nagios */
	const char *completion_shell;   /* --completion: "bash" or "zsh" */
	int concurrency;
	int bench_ui;                   /* --bench-ui N: 0 none (make bench) */
	enum options_answer answer;
	/* Copies of the config file's values, which the fields above may
	 * point to. */
	char **owned;
	size_t nowned;
};

/* Every option at its default (mailflow/defaults.h, probe_options_init). */
void options_init(struct options *o);
void options_free(struct options *o);

/*
 * $XDG_CONFIG_HOME/mailflow/config (else ~/.config/mailflow/config): one
 * option a line, "name value", "name = value" or "name", # comments. Only
 * rows the table allows in a config file. 0 (also when there is no file),
 * or -1 with *cause set naming the file and line.
 */
int options_read_config(struct options *o, char **cause);

/*
 * The command line. Returns the index of the first operand (getopt_long
 * permutes argv so the operands come last), or -1 with *cause set. When
 * --help or --version was given, o->answer says so and nothing after it
 * is read.
 */
int options_parse(struct options *o, int argc, char **argv, char **cause);

/* What follows from the options read, before probe_options_settle(): the
 * -s HOST and its port into o->probe, --manual means no routine. */
void options_finish(struct options *o);

/* The --help text, generated from the table. */
void options_usage(FILE *out);
/* What plain `mailflow` prints: the two usage lines and where the rest is. */
void options_usage_short(FILE *out);

/* The table, read-only, for what is generated from it elsewhere (the
 * shell completion, completion.c). */
struct options_row_info {
	const char *name, *alias;       /* long names */
	const char *arg;                /* metavar; NULL: no value */
	const char *help;               /* "{}" the default, \n continues */
	int letter;                     /* short option, 0: none */
};
size_t options_row_count(void);
void options_row_info(size_t i, struct options_row_info *out);

/* Every option's value, one line each, into the --debug trace (when it is
 * open). No option holds a secret. */
void options_trace(const struct options *o);

#endif
