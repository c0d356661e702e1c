/*
 * tls — OpenSSL 3 for the client side of STARTTLS and implicit TLS.
 *
 * One tls_ctx per run (trust store: the system's, or --ca-file). Each
 * connection gets an SSL with SNI set to the MX host name (none for an IP
 * address, RFC 6066 section 3). Verification
 * never stops a session: the handshake completes whatever the chain and
 * name, and tls_facts_collect() records what was wrong, so the session can
 * go on and the checklist can judge (a failed check is evidence, not an
 * abort).
 *
 * DANE (RFC 7672) is OpenSSL's own (SSL_dane_*): when the session's host
 * has a DNSSEC-validated TLSA RRset, tls_ssl_start() gives it the usable
 * records and the reference names, the handshake's verification matches
 * them (still without aborting), and tls_dane_collect() reads which
 * record authenticated the peer. Nothing is matched by hand here.
 */
#ifndef MAILFLOW_TLS_H
#define MAILFLOW_TLS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ssl_st SSL;
struct tls_ctx;
struct model_tlsa;
struct model_dane;

/* The DANE inputs of one connection: the host's validated TLSA RRset
 * (only when it and the MX RRset are DNSSEC-secure) and the reference
 * names of RFC 7672 section 3.2. */
struct tls_dane {
	const char *base;               /* the TLSA base domain: SNI, a name */
	const char *mx_host;            /* the MX host name, a name too */
	const struct model_tlsa *records;
	size_t nrecords;
};

struct tls_facts {
	int handshake_done;     /* 1 when the handshake completed */
	char version[16];       /* "TLSv1.3" */
	char cipher[64];
	int cipher_bits;
	char subject[256];      /* one line, RFC 2253 */
	char issuer[256];
	char sans[1024];        /* "DNS:a, DNS:b, IP:..." */
	char not_before[32];    /* "2026-11-22 17:00:00 UTC" */
	char not_after[32];
	long days_left;         /* until not_after; negative when expired */
	char sha256_cert[65];   /* hex of the DER certificate */
	char sha256_spki[65];   /* hex of the DER SubjectPublicKeyInfo */
	int chain_ok;           /* the chain verifies against the trust store */
	int name_ok;            /* the certificate names the MX host (or, for
	                           an IP literal, holds it as an IP SAN) */
	int name_is_ip;         /* the name checked was an IP address */
	long verify_code;       /* X509_V_* of the chain, 0 when fine */
	char verify_error[128]; /* its text */
	/* Where the chain check failed: 0 the server's own certificate, 1 and
	 * up a certificate above it (intermediate or root); -1 nowhere or not
	 * known. With verify_expired, that certificate expired verify_days
	 * days ago; verify_subject names it. */
	int verify_depth;
	int verify_expired;
	long verify_days;
	char verify_subject[256];
	char failure[256];      /* why the handshake failed (alert text...) */
};

/* NULL with *cause set. ca_file NULL: the system's trust store. */
struct tls_ctx *tls_ctx_new(const char *ca_file, char **cause);
void tls_ctx_free(struct tls_ctx *ctx);

/* A client SSL on fd with SNI and the name to check set; NULL with *cause
 * set (cause may be NULL). dane NULL (or without a usable record): no
 * DANE; else SNI is dane->base and OpenSSL matches the usable records. */
SSL *tls_ssl_start(struct tls_ctx *ctx, int fd, const char *host,
                   const struct tls_dane *dane, char **cause);

/*
 * One TLSA record as SMTP DANE can use it: 1 usable, with its data
 * decoded into data (*len bytes, data holds DNS_TLSA_DATA_MAX); 0 not
 * usable, why says which rule (usage 0/1, an unknown selector or
 * matching type, bad hex, a digest of the wrong length). Pure.
 */
int tls_dane_record_usable(const struct model_tlsa *r, unsigned char *data, size_t *len,
                           char *why, size_t whysz);

/* After the handshake (ssl) or a failed one (ssl NULL): out from the
 * records given (usable, unusable) and OpenSSL's DANE result (the record
 * that matched, its depth, or the verification error). dane NULL or
 * without records: out is DANE_STATE_NONE. */
void tls_dane_collect(SSL *ssl, const struct tls_dane *dane, struct model_dane *out);

/* After the handshake: fill facts (chain and name checked against host). */
void tls_facts_collect(SSL *ssl, const char *host, struct tls_facts *facts);
/* After a failed handshake or TLS read: why, from the OpenSSL error queue
 * and SSL_get_error()'s answer, as a malloc'd message the caller frees. */
char *tls_failure_cause(int ssl_error);

#endif
