/*
 * config-fuzzer — libFuzzer target for the config file reader
 * (options_read_config in src/options.c): lines, comments, "name value",
 * "name = value", and every row's setter (numbers and their bounds,
 * HOST[:PORT], the DNS server list, --tls, --quit-after).
 *
 * The reader takes its file from $XDG_CONFIG_HOME, so the input is written
 * to a private directory made at start (under $TMPDIR, else /tmp) and
 * removed at exit. Whatever the file holds, the reader returns 0 or -1
 * with a cause, and leaves options that can be finished and freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mailflow/options.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096], sub[4200], path[4300];

static void dir_remove(void)
{
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc, (void)argv;
	snprintf(dir, sizeof dir, "%s/mailflow-fuzz-XXXXXX",
	         tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sub, sizeof sub, "%s/mailflow", dir);
	snprintf(path, sizeof path, "%s/config", sub);
	if (mkdir(sub, 0700) != 0 || setenv("XDG_CONFIG_HOME", dir, 1) != 0)
		abort();
	atexit(dir_remove);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options o;
	char *cause = NULL;
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	options_init(&o);
	rc = options_read_config(&o, &cause);
	if ((rc == 0) != (cause == NULL) || (rc != 0 && rc != -1))
		abort();
	free(cause);
	options_finish(&o);
	options_free(&o);
	return 0;
}
