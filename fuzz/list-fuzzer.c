/*
 * list-fuzzer — libFuzzer target for the list reader (batch_read_file in
 * src/batch.c, -f FILE): lines, comments, over-long lines, and each line
 * through target_parse (src/target.c: "user@domain", IDNA with libidn2,
 * the mail-domain checks).
 *
 * The input is written to a file in a private directory made at start
 * (under $TMPDIR, else /tmp) and removed at exit. Every input the reader
 * keeps is either a valid target or has its reason; the invalid ones are
 * printed as the program would (to /dev/null).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailflow/batch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[4096], path[4200];
static FILE *devnull;

static void dir_remove(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc, (void)argv;
	snprintf(dir, sizeof dir, "%s/mailflow-fuzz-XXXXXX",
	         tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL || (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/list", dir);
	atexit(dir_remove);
	return 0;
}

static void target_check(const struct target *t)
{
	if (memchr(t->local, '\0', sizeof t->local) == NULL ||
	    memchr(t->domain, '\0', sizeof t->domain) == NULL ||
	    memchr(t->unicode, '\0', sizeof t->unicode) == NULL ||
	    t->domain[0] == '\0' || strlen(t->domain) > 253)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch *b = batch_new();
	const struct target *t;
	const char *input;
	char *cause = NULL;
	FILE *f = fopen(path, "w");
	size_t i, valid = 0;

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (batch_read_file(b, path, &cause) != 0)
		abort();
	for (i = 0; i < batch_count(b); i++) {
		if ((t = batch_target(b, i, &input)) == NULL)
			continue;
		target_check(t);
		valid++;
	}
	if (batch_print_invalid(b, devnull) + valid != batch_count(b))
		abort();
	batch_free(b);
	return 0;
}
