/*
 * completion — the shell completion scripts, generated from the options
 * table (options_row_info), so an option added there is completed too:
 * `mailflow --completion bash` and `--completion zsh` print them, and
 * make install puts them where bash-completion and zsh look.
 *
 * What a value completes to follows from the row: a metavar (or, for a
 * STEP, a help text) that is a list of lowercase words "auto|require|off"
 * gives those words; a metavar with FILE gives file names; --theme asks
 * the program itself (`mailflow --list-themes`, the same directories a
 * run looks in); any other value gives nothing.
 */
#ifndef MAILFLOW_COMPLETION_H
#define MAILFLOW_COMPLETION_H

#include <stdio.h>

/* shell is "bash" or "zsh"; -1 for anything else. */
int completion_write(FILE *out, const char *shell);

#endif
