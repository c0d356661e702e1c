/*
 * sts — MTA-STS (RFC 8461) and TLS-RPT (RFC 8460).
 *
 * Two halves, kept apart so the parsers can be tested and fuzzed alone:
 *
 *   - pure parsers: the `_mta-sts` TXT record (v=STSv1; id=...), the
 *     policy file (version, mode, mx, max_age; RFC 8461 §3.2), the mx
 *     pattern match (§4.1: "*.example.net" stands for one label) and the
 *     `_smtp._tls` TXT record (v=TLSRPTv1; rua=mailto:...,https:...).
 *     Bytes in, typed facts out: problems are bits (STS_P_*, RPT_P_*),
 *     never prose, so the checklist decides from them.
 *
 *   - the fetch: https://mta-sts.<domain>/.well-known/mta-sts.txt with
 *     libcurl's multi interface on the run's poll() loop, as a sending MTA
 *     fetches it: HTTPS only, no redirects (§3.3), the certificate verified
 *     for mta-sts.<domain> (system store or --ca-file), the address given
 *     by the caller (mailflow's own resolver, CURLOPT_RESOLVE), a size
 *     limit and the run's timeouts.
 *
 * Call protocol (fetch): sts_fetch_start() returns at once; the loop does
 * the rest and calls cb exactly once, from the loop (never from inside
 * sts_fetch_start). Do not free the fetch from inside cb; sts_fetch_free()
 * at any time cancels what is in flight (cb is then not called).
 */
#ifndef MAILFLOW_STS_H
#define MAILFLOW_STS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

/* ---- the _mta-sts TXT record (RFC 8461 §3.1) ------------------------- */

#define STS_ID_MAX 32

#define STS_TXT_BAD_VERSION 0x1u        /* not "v=STSv1" first */
#define STS_TXT_NO_ID       0x2u        /* no id= */
#define STS_TXT_BAD_ID      0x4u        /* id not 1-32 letters and digits */
#define STS_TXT_SYNTAX      0x8u        /* a field without "=" */

/* The record's problems (0: valid); id gets the id= value, cut to fit. */
unsigned sts_txt_parse(const char *record, char id[STS_ID_MAX + 1]);

/* ---- the policy file (RFC 8461 §3.2) ---------------------------------- */

enum sts_mode { STS_MODE_UNKNOWN, STS_MODE_ENFORCE, STS_MODE_TESTING, STS_MODE_NONE };

#define STS_P_NO_VERSION    0x0001u
#define STS_P_BAD_VERSION   0x0002u     /* version other than STSv1 */
#define STS_P_NO_MODE       0x0004u
#define STS_P_BAD_MODE      0x0008u
#define STS_P_NO_MX         0x0010u     /* enforce/testing without mx: */
#define STS_P_BAD_MX        0x0020u     /* a pattern that is no host name */
#define STS_P_NO_MAX_AGE    0x0040u
#define STS_P_BAD_MAX_AGE   0x0080u     /* not digits, or over 31557600 */
#define STS_P_DUPLICATE     0x0100u     /* version, mode or max_age twice */
#define STS_P_BAD_LINE      0x0200u     /* no "key: value", or bad bytes */
#define STS_P_LONG_LINE     0x0400u     /* a line over STS_LINE_MAX */

/* STS_P_DUPLICATE and STS_P_BAD_MX leave a usable policy (the first value,
 * the other patterns) that senders may read differently: a warning.
 * Problems that make the policy unusable (a sender ignores it). */
#define STS_P_FATAL (STS_P_NO_VERSION | STS_P_BAD_VERSION | STS_P_NO_MODE | \
	STS_P_BAD_MODE | STS_P_NO_MX | STS_P_NO_MAX_AGE | STS_P_BAD_MAX_AGE | \
	STS_P_BAD_LINE | STS_P_LONG_LINE)

#define STS_MAX_AGE_MAX 31557600L       /* §3.2: about a year */
#define STS_LINE_MAX    1024            /* a line longer is an attack */
#define STS_PATTERN_MAX 255

struct sts_policy {
	enum sts_mode mode;
	long max_age;                   /* -1: none given */
	char **mx;                      /* the patterns, lowercase */
	size_t nmx;
	unsigned problems;              /* STS_P_* */
	size_t nlines;
	size_t bad_line;                /* 1-based line of the first problem, 0 none */
};

/* Parses len bytes (CRLF or LF lines; unknown keys ignored). Returns 0
 * when the policy is usable, -1 otherwise (problems say why). Free with
 * sts_policy_clear(); memory comes from xmalloc. */
int sts_policy_parse(const char *buf, size_t len, struct sts_policy *out);
void sts_policy_clear(struct sts_policy *policy);
const char *sts_mode_name(enum sts_mode mode);

/* §4.1: host matches pattern: equal (case-insensitive, a final dot
 * ignored), or pattern "*.rest" and host one label then ".rest". */
bool sts_mx_match(const char *pattern, const char *host);
/* The index of the first pattern host matches, or -1. */
long sts_policy_covers(const struct sts_policy *policy, const char *host);

/* ---- the _smtp._tls TXT record (RFC 8460 §3) ------------------------- */

#define RPT_P_BAD_VERSION   0x1u        /* not "v=TLSRPTv1" first */
#define RPT_P_NO_RUA        0x2u
#define RPT_P_BAD_URI       0x4u        /* a rua URI neither mailto: nor https: */
#define RPT_P_SYNTAX        0x8u        /* a field without "=", rua twice */

#define RPT_RUA_MAX 4
#define RPT_URI_MAX 200

struct sts_tlsrpt {
	char rua[RPT_RUA_MAX][RPT_URI_MAX + 1];
	size_t nrua;                    /* kept (the first RPT_RUA_MAX) */
	size_t nrua_all;                /* given */
	unsigned problems;              /* RPT_P_* */
};

/* Returns 0 for a valid record, -1 otherwise (problems say why). */
int sts_tlsrpt_parse(const char *record, struct sts_tlsrpt *out);

/* ---- the fetch --------------------------------------------------------- */

enum sts_fetch_status {
	STS_FETCH_OK,           /* 200, text/plain, within the limit */
	STS_FETCH_HTTP,         /* another HTTP status (404, 500, ...) */
	STS_FETCH_REDIRECT,     /* 3xx: not followed (RFC 8461 §3.3) */
	STS_FETCH_CONTENT_TYPE, /* 200 but not text/plain */
	STS_FETCH_TOO_BIG,      /* over the size limit */
	STS_FETCH_CERT,         /* the certificate did not verify (chain or name) */
	STS_FETCH_TLS,          /* the TLS handshake failed otherwise */
	STS_FETCH_CONNECT,      /* no TCP connection */
	STS_FETCH_TIMEOUT,      /* no (complete) answer in time */
	STS_FETCH_ERROR,        /* anything else (protocol, local) */
};

struct sts_fetch_options {
	const char *ca_file;            /* NULL: the system store */
	int connect_timeout_ms;
	int timeout_ms;                 /* the whole fetch */
	size_t max_bytes;               /* DEFAULT_STS_MAX_BYTES if 0 */
};

struct sts_fetch_result {
	enum sts_fetch_status status;
	char url[300];
	char addr[46];
	long http_code;                 /* 0: no HTTP answer */
	char content_type[128];
	char location[256];             /* a redirect's target */
	uint64_t ms;
	char *body;                     /* STS_FETCH_OK: the policy, NUL-ended */
	size_t len;
	long curl_code;                 /* CURLcode, for people */
	char error[256];                /* for people only */
	/* The certificate (when the handshake got that far). */
	char cert_subject[256];
	char cert_issuer[256];
	char cert_expire[64];
	char cert_names[256];
};

struct sts_fetch;
typedef void (*sts_fetch_cb)(const struct sts_fetch_result *result, void *arg);

/* Fetches the policy of domain from addr (IPv4 or IPv6, presentation
 * form). NULL with *cause set for bad arguments or a libcurl failure. */
struct sts_fetch *sts_fetch_start(struct loop *loop, const char *domain, const char *addr,
                                  const struct sts_fetch_options *options,
                                  sts_fetch_cb cb, void *arg, char **cause);
void sts_fetch_free(struct sts_fetch *fetch);
const char *sts_fetch_status_name(enum sts_fetch_status status);

#endif
