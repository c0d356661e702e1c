/*
 * sts-fuzzer — libFuzzer target for the MTA-STS policy parser and the
 * pattern match (sts_policy_parse, sts_policy_covers in src/sts_parse.c),
 * and the two TXT record parsers (sts_txt_parse, sts_tlsrpt_parse).
 *
 * The input is a policy file as a web server would send it (any bytes, up
 * to the fetch's limit). Its first line, NUL-ended, also goes to the TXT
 * parsers and, as a host name, to the pattern match. The results must keep
 * their promises whatever came: a usable policy has a mode, a max_age up
 * to 31557600 and (unless mode none) an mx: pattern; every pattern is
 * lowercase, NUL-ended and no longer than a line; ids and URIs stay within
 * their bounds; a pattern always matches itself without its "*.".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/defaults.h"
#include "mailflow/sts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void policy_check(const struct sts_policy *p, int rc)
{
	size_t i;

	if ((rc == 0) != ((p->problems & STS_P_FATAL) == 0))
		abort();
	if (rc == 0 && (p->mode == STS_MODE_UNKNOWN || p->max_age < 0 ||
	                p->max_age > STS_MAX_AGE_MAX ||
	                (p->mode != STS_MODE_NONE && p->nmx == 0)))
		abort();
	for (i = 0; i < p->nmx; i++) {
		const char *m = p->mx[i];
		size_t n = strlen(m), k;

		if (n == 0 || n > STS_LINE_MAX)
			abort();
		for (k = 0; k < n; k++)
			if (m[k] >= 'A' && m[k] <= 'Z')
				abort();
		/* "mx.example" matches itself; "*.example" matches "a.example". */
		if (m[0] == '*') {
			char host[STS_LINE_MAX + 2];

			host[0] = 'a';
			memcpy(host + 1, m + 1, n);
			if (!sts_mx_match(m, host))
				abort();
		} else if (!sts_mx_match(m, m)) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_policy p;
	struct sts_tlsrpt r;
	char id[STS_ID_MAX + 1], *line;
	const uint8_t *nl;
	size_t n, i;
	int rc;

	if (size > DEFAULT_STS_MAX_BYTES)
		return 0;
	rc = sts_policy_parse((const char *)data, size, &p);
	policy_check(&p, rc);

	nl = memchr(data, '\n', size);
	n = nl != NULL ? (size_t)(nl - data) : size;
	line = malloc(n + 1);
	if (line == NULL)
		abort();
	memcpy(line, data, n);
	line[n] = '\0';
	(void)sts_policy_covers(&p, line);
	(void)sts_txt_parse(line, id);
	if (memchr(id, '\0', sizeof id) == NULL)
		abort();
	if (sts_tlsrpt_parse(line, &r) == 0 && (r.nrua == 0 || r.problems != 0))
		abort();
	if (r.nrua > RPT_RUA_MAX || r.nrua > r.nrua_all)
		abort();
	for (i = 0; i < r.nrua; i++)
		if (memchr(r.rua[i], '\0', sizeof r.rua[i]) == NULL)
			abort();
	free(line);
	sts_policy_clear(&p);
	return 0;
}
