/*
 * dns — a c-ares 1.18 channel on the event loop, and typed queries with
 * plain results.
 *
 * The channel's sockets are loop watchers (ARES_OPT_SOCK_STATE_CB), ready
 * sockets go to ares_process_fd(), and a before-sleep hook keeps one loop
 * timer armed at ares_timeout() so retries and timeouts run on time. No
 * call blocks; any number of queries may be in flight at once.
 *
 * Answers are parsed here from the raw message (bounded: a record that does
 * not fit its limits is skipped and counted, never a crash), so every record
 * type — TLSA included — is handled the same way and every result carries
 * its TTLs, its rcode class and the time it took.
 *
 * Queries go out through a pacer (a token bucket, dns_options.rate) shared
 * by every struct dns on one dns_share; a try with no answer while the
 * server answers others is taken as rate limiting: slower, a few tries
 * more, and DNS_LIMITED if none is answered.
 *
 * Call protocol: dns_query() calls cb exactly once, later, from the loop
 * (never from inside dns_query()). dns_free() cancels what is in flight:
 * those callbacks run during dns_free() with DNS_CANCELLED, so their
 * argument must still be alive then. The result passed to cb is only valid
 * during the callback.
 */
#ifndef MAILFLOW_DNS_H
#define MAILFLOW_DNS_H

#include <stddef.h>
#include <stdint.h>

struct loop;

/* A DNS name in presentation form, without the trailing dot. */
#define DNS_NAME_MAX 254
/* Caps that keep a hostile answer small. */
#define DNS_MAX_RECORDS 64
#define DNS_TXT_MAX 16384
#define DNS_TLSA_DATA_MAX 256

enum dns_type {
	DNS_A = 1,
	DNS_CNAME = 5,
	DNS_PTR = 12,
	DNS_MX = 15,
	DNS_TXT = 16,
	DNS_AAAA = 28,
	DNS_TLSA = 52,
};

/* What came back, each told apart: they mean different things to a user. */
enum dns_status {
	DNS_OK,         /* NOERROR with records of the asked type */
	DNS_NODATA,     /* NOERROR, the name exists, no record of that type */
	DNS_NXDOMAIN,   /* the name does not exist */
	DNS_SERVFAIL,   /* the server failed (often broken DNSSEC or a lame zone) */
	DNS_REFUSED,    /* the server will not answer this query */
	DNS_TIMEOUT,    /* no answer within the timeout and tries */
	DNS_ERROR,      /* anything else: bad response, no server reachable... */
	DNS_CANCELLED,  /* dns_free() while in flight */
	DNS_LIMITED,    /* no answer, every try, from a server that answers
	                   others: it is limiting our queries (rate limiting) */
};

struct dns_record {
	uint32_t ttl;
	/* MX: preference and target; PTR and CNAME: the name. */
	uint16_t pref;
	char name[DNS_NAME_MAX];
	/* A / AAAA: the address in presentation form. */
	char addr[46];
	/* TXT: the character-strings concatenated (RFC 7208 §3.3), NUL-ended;
	 * text_len counts bytes, which may include NULs from the wire. */
	char *text;
	size_t text_len;
	/* TLSA (RFC 6698). */
	uint8_t usage, selector, mtype;
	uint8_t *data;
	size_t data_len;
};

struct dns_result {
	enum dns_type type;
	char qname[DNS_NAME_MAX];
	enum dns_status status;
	/* For DNS_ERROR and friends: c-ares' own words. */
	const char *detail;
	uint64_t elapsed_ms;
	/* The name the answer's records belong to when the query name is an
	 * alias (a CNAME chain in the answer); "" otherwise. */
	char cname[DNS_NAME_MAX];
	struct dns_record *records;
	size_t nrecords;
	/* Records dropped because they broke a limit or were malformed. */
	size_t nskipped;
};

struct dns_options {
	/* "IP[:PORT],..." ("[v6]:PORT" for IPv6 with a port); NULL: the
	 * system's resolv.conf servers. */
	const char *servers;
	int timeout_ms;         /* per try; 0 means 2000 */
	int tries;              /* 0 means 2; a limiting server gets more */
	/* Queries a second for everything that shares the channel; 0: no
	 * pacing. It slows down on its own when the server limits. */
	int rate;
	/* NULL: a channel of its own; else this one (dns_share_new). */
	struct dns_share *share;
};

/*
 * One channel and one pacer for many runs at once (a list of domains): a
 * struct dns made with options.share uses it, so every domain in flight
 * asks through one socket at one pace. dns_share_free() drops the
 * creator's reference; the share ends with its last struct dns.
 */
struct dns_share;
struct dns_share *dns_share_new(struct loop *loop, const struct dns_options *options,
                                char **cause);
void dns_share_free(struct dns_share *share);

typedef void (*dns_result_cb)(const struct dns_result *result, void *arg);

struct dns;

/* NULL on error, with *cause set to a message the caller frees. */
struct dns *dns_new(struct loop *loop, const struct dns_options *options,
                    char **cause);
void dns_free(struct dns *dns);

/* 0, or -1 with *cause set (a name too long or empty). */
int dns_query(struct dns *dns, const char *name, enum dns_type type,
              dns_result_cb cb, void *arg, char **cause);
/* PTR of an IPv4 or IPv6 address given in presentation form. */
int dns_query_ptr(struct dns *dns, const char *address, dns_result_cb cb,
                  void *arg, char **cause);
size_t dns_pending(const struct dns *dns);

/* ---- pure parts, exposed for tests and other modules ------------------ */

const char *dns_type_name(enum dns_type type);
const char *dns_status_name(enum dns_status status);
/* Checks "IP[:PORT],..." and says what is wrong with it; 0 if fine. */
int dns_servers_check(const char *servers, char **cause);
/* "1.2.3.4" → "4.3.2.1.in-addr.arpa", IPv6 → nibbles under ip6.arpa. */
int dns_ptr_name(const char *address, char *out, size_t outsz);
/*
 * Parses a raw answer for qname/type into result (records, cname). Returns
 * 0, or -1 if the message itself is malformed (result->status DNS_ERROR).
 * A NOERROR answer with no record of the type gives DNS_NODATA.
 */
int dns_answer_parse(const unsigned char *msg, size_t len, const char *qname,
                     enum dns_type type, struct dns_result *result);
void dns_result_clear(struct dns_result *result);

#endif
