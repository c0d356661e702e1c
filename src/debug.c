/*
 * debug.c — the --debug trace (see include/mailflow/debug.h).
 */
#include "mailflow/debug.h"
#include "mailflow/loop.h"
#include "mailflow/xmalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static FILE *trace;
static unsigned long long trace_start_ms;

int debug_open(const char *path, char **cause)
{
	FILE *f = secret_fopen(path, "w");

	if (f == NULL) {
		if (cause != NULL)
			*cause = xasprintf("--debug %s: %s", path, strerror(errno));
		return -1;
	}
	debug_close();
	/* Line-buffered: a trace is read after a crash or a kill too. */
	setvbuf(f, NULL, _IOLBF, 0);
	trace = f;
	trace_start_ms = loop_clock_ms();
	return 0;
}

void debug_close(void)
{
	if (trace != NULL)
		fclose(trace);
	trace = NULL;
}

int debug_enabled(void)
{
	return trace != NULL;
}

void debug_log(const char *fmt, ...)
{
	va_list ap;

	if (trace == NULL)
		return;
	fprintf(trace, "%8.3f ", (double)(loop_clock_ms() - trace_start_ms) / 1000.0);
	va_start(ap, fmt);
	vfprintf(trace, fmt, ap);
	va_end(ap);
	fputc('\n', trace);
}
