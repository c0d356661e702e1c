/*
 * tls.c — OpenSSL client context and certificate facts.
 *
 * Verification is done with SSL_VERIFY_NONE on purpose: the handshake must
 * finish so the session can report everything (an expired or mismatched
 * certificate is a finding, and most MTAs deliver anyway under
 * opportunistic TLS). The chain result comes from SSL_get_verify_result();
 * the name is checked separately with X509_check_host() (X509_check_ip_asc()
 * for an IP literal, -s ADDRESS) so that a chain error does not hide a name
 * error or the reverse.
 *
 * DANE (RFC 7672) is matched by OpenSSL (SSL_dane_enable and
 * SSL_dane_tlsa_add before the handshake, SSL_get0_dane_authority after):
 * with DANE on, SSL_get_verify_result() is DANE's answer, so the PKIX
 * facts (chain_ok) then come from a verification of their own against the
 * trust store, and a DANE-EE match never hides an untrusted chain.
 */
#include "mailflow/tls.h"
#include "mailflow/model.h"
#include "mailflow/xmalloc.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	/* The system's trust store is loaded when the first handshake needs
	 * it, not at start: with SSL_CERT_FILE set (as many shells set it)
	 * OpenSSL parses the whole bundle, 15-20 ms before the first screen
	 * and for nothing when no host offers TLS. --ca-file is the user's
	 * file: it is read at start, so a mistake in it stops the run there. */
	bool trust_loaded;
};

/* The SSL ex_data slot that marks a connection with DANE on (its value:
 * dane_on), so the facts know the verify result is DANE's. */
static int dane_index = -1;
static char dane_on;

/* host as an IP address ("192.0.2.1", "2001:db8::1", "[192.0.2.1]") into
 * out (INET6_ADDRSTRLEN); 0 when it is a name. */
static int host_ip(const char *host, char *out, size_t outsz)
{
	unsigned char buf[16];
	size_t n = host != NULL ? strlen(host) : 0;

	if (n == 0 || n >= outsz)
		return 0;
	if (n > 2 && host[0] == '[' && host[n - 1] == ']')
		snprintf(out, outsz, "%.*s", (int)(n - 2), host + 1);
	else
		snprintf(out, outsz, "%s", host);
	return inet_pton(AF_INET, out, buf) == 1 || inet_pton(AF_INET6, out, buf) == 1;
}

/* *cause = what, then OpenSSL's last error (the error convention). */
static void cause_ssl(char **cause, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char err[256];

	if (cause == NULL)
		return;
	if (e == 0)
		snprintf(err, sizeof err, "unknown error");
	else
		ERR_error_string_n(e, err, sizeof err);
	*cause = xasprintf("%s%s", what, err);
}

/* A hashed CA directory (c_rehash: "5ad8a5d6.0"), whose certificates
 * OpenSSL reads one at a time when a chain needs them. */
static bool hashed_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL)
		found = strlen(e->d_name) == 10 && strspn(e->d_name, "0123456789abcdef") == 8 &&
		        strcmp(e->d_name + 8, ".0") == 0;
	closedir(d);
	return found;
}

/* The trust store: --ca-file, or the system's. The system's as its hashed
 * directory when there is one: the bundle file would be parsed whole at
 * start (about 140 certificates, 80 ms and 1 MB before the first screen),
 * the directory only for the issuers the servers' chains name. */
static int ctx_load_trust(SSL_CTX *ssl_ctx, const char *ca_file, char **cause)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	char *what;

	if (dir == NULL)
		dir = X509_get_default_cert_dir();
	if (ca_file == NULL && getenv(X509_get_default_cert_file_env()) == NULL &&
	    hashed_dir(dir) && SSL_CTX_load_verify_dir(ssl_ctx, dir) == 1)
		return 0;
	if (ca_file == NULL) {
		if (SSL_CTX_set_default_verify_paths(ssl_ctx) == 1)
			return 0;
		cause_ssl(cause, "cannot load the system trust store: ");
		return -1;
	}
	if (SSL_CTX_load_verify_locations(ssl_ctx, ca_file, NULL) == 1)
		return 0;
	what = xasprintf("cannot load the CA file %s: ", ca_file);
	cause_ssl(cause, what);
	free(what);
	return -1;
}

struct tls_ctx *tls_ctx_new(const char *ca_file, char **cause)
{
	struct tls_ctx *ctx = xcalloc(1, sizeof *ctx);

	ERR_clear_error();
	ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (ctx->ssl_ctx == NULL) {
		cause_ssl(cause, "TLS: ");
		free(ctx);
		return NULL;
	}
	/* Probing must see servers as a real MTA would: TLS 1.0 and up. */
	SSL_CTX_set_min_proto_version(ctx->ssl_ctx, TLS1_VERSION);
	SSL_CTX_set_security_level(ctx->ssl_ctx, 0);
	SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_NONE, NULL);
	/* DANE's digests (SHA-256, SHA-512) for SSL_dane_enable() later. */
	if (SSL_CTX_dane_enable(ctx->ssl_ctx) <= 0) {
		cause_ssl(cause, "TLS: cannot enable DANE: ");
		SSL_CTX_free(ctx->ssl_ctx);
		free(ctx);
		return NULL;
	}
	if (dane_index < 0)
		dane_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	/* A session mostly waits for a reply: no 34 KB of read and write
	 * buffers each while it does (a thousand sessions in flight). */
	SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_RELEASE_BUFFERS |
	                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ca_file != NULL) {
		if (ctx_load_trust(ctx->ssl_ctx, ca_file, cause) < 0) {
			SSL_CTX_free(ctx->ssl_ctx);
			free(ctx);
			return NULL;
		}
		ctx->trust_loaded = true;
	}
	return ctx;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

/* Hex digits (in holds at most insz bytes, NUL included) into bytes: the
 * count, or -1 when the text is not an even number of hex digits, is not
 * ended within insz, or would not fit in max. */
static long hex_decode(const char *in, size_t insz, unsigned char *out, size_t max)
{
	size_t n = strnlen(in, insz), i;

	if (n == insz || n % 2 != 0 || n / 2 > max)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = OPENSSL_hexchar2int((unsigned char)in[i]);
		int lo = OPENSSL_hexchar2int((unsigned char)in[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* Full data (matching type 0) must be what the selector says: a DER
 * certificate or a DER SubjectPublicKeyInfo, all of it. */
static bool full_data_ok(uint8_t selector, const unsigned char *data, size_t len)
{
	const unsigned char *p = data;
	bool ok = false;

	if (selector == 0) {
		X509 *x = d2i_X509(NULL, &p, (long)len);

		ok = x != NULL && p == data + len;
		X509_free(x);
	} else {
		EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);

		ok = k != NULL && p == data + len;
		EVP_PKEY_free(k);
	}
	ERR_clear_error();
	return ok;
}

int tls_dane_record_usable(const struct model_tlsa *r, unsigned char *data, size_t *len,
                           char *why, size_t whysz)
{
	static const size_t digest_len[] = { 0, 32, 64 };
	long n;

	if (r->usage == 0 || r->usage == 1) {
		snprintf(why, whysz, "usage %u (%s) is not for SMTP (RFC 7672 section 3.1.3)",
		         r->usage, r->usage == 0 ? "PKIX-TA" : "PKIX-EE");
		return 0;
	}
	if (r->usage > 3) {
		snprintf(why, whysz, "unknown usage %u", r->usage);
		return 0;
	}
	if (r->selector > 1) {
		snprintf(why, whysz, "unknown selector %u", r->selector);
		return 0;
	}
	if (r->mtype > 2) {
		snprintf(why, whysz, "unknown matching type %u", r->mtype);
		return 0;
	}
	n = hex_decode(r->data_hex, sizeof r->data_hex, data, DNS_TLSA_DATA_MAX);
	if (n <= 0) {
		snprintf(why, whysz, "the data is not hex of at most %d bytes", DNS_TLSA_DATA_MAX);
		return 0;
	}
	*len = (size_t)n;
	if (r->mtype != 0 && *len != digest_len[r->mtype]) {
		snprintf(why, whysz, "%zu bytes of data for a %s digest of %zu",
		         *len, r->mtype == 1 ? "SHA-256" : "SHA-512", digest_len[r->mtype]);
		return 0;
	}
	if (r->mtype == 0 && !full_data_ok(r->selector, data, *len)) {
		snprintf(why, whysz, "the data is not a DER %s",
		         r->selector == 0 ? "certificate" : "public key (SubjectPublicKeyInfo)");
		return 0;
	}
	why[0] = '\0';
	return 1;
}

/*
 * DANE on ssl as a sending MTA sets it (Postfix, RFC 7672): the TLSA base
 * domain as the first reference name, the MX host name beside it, no
 * partial wildcards, no name checks for DANE-EE, and every usable record.
 * 1 when DANE is on, 0 when no record is usable (DANE stays off), -1 on
 * an OpenSSL error (*cause set).
 */
static int ssl_dane_setup(SSL *ssl, const struct tls_dane *d, char **cause)
{
	unsigned char data[DNS_TLSA_DATA_MAX];
	char why[160];
	size_t i, len, usable = 0;

	for (i = 0; i < d->nrecords; i++)
		usable += (size_t)tls_dane_record_usable(&d->records[i], data, &len, why,
		                                         sizeof why);
	if (usable == 0)
		return 0;
	if (SSL_dane_enable(ssl, d->base) <= 0) {
		cause_ssl(cause, "TLS: cannot enable DANE: ");
		return -1;
	}
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (d->mx_host != NULL && d->mx_host[0] != '\0' && strcasecmp(d->mx_host, d->base) != 0 &&
	    SSL_add1_host(ssl, d->mx_host) != 1) {
		cause_ssl(cause, "TLS: cannot add the MX host name for DANE: ");
		return -1;
	}
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < d->nrecords; i++) {
		const struct model_tlsa *r = &d->records[i];

		if (tls_dane_record_usable(r, data, &len, why, sizeof why) &&
		    SSL_dane_tlsa_add(ssl, r->usage, r->selector, r->mtype, data, len) < 0) {
			cause_ssl(cause, "TLS: cannot add a TLSA record: ");
			return -1;
		}
	}
	ERR_clear_error();
	SSL_set_ex_data(ssl, dane_index, &dane_on);
	return 1;
}

SSL *tls_ssl_start(struct tls_ctx *ctx, int fd, const char *host,
                   const struct tls_dane *dane, char **cause)
{
	const char *sni = host;
	char ip[64];
	SSL *ssl;
	int on = 0;

	ERR_clear_error();
	if (!ctx->trust_loaded) {
		if (ctx_load_trust(ctx->ssl_ctx, NULL, cause) < 0)
			return NULL;
		ctx->trust_loaded = true;
	}
	ssl = SSL_new(ctx->ssl_ctx);
	if (ssl == NULL) {
		cause_ssl(cause, "TLS: cannot create a session: ");
		return NULL;
	}
	if (SSL_set_fd(ssl, fd) != 1) {
		cause_ssl(cause, "TLS: cannot attach the socket: ");
		SSL_free(ssl);
		return NULL;
	}
	if (dane != NULL && dane->base != NULL && dane->base[0] != '\0' &&
	    (on = ssl_dane_setup(ssl, dane, cause)) < 0) {
		SSL_free(ssl);
		return NULL;
	}
	/* RFC 7672 section 8.1: with DANE the name sent is the TLSA base
	 * domain. RFC 6066 section 3: no literal IP address in SNI. */
	if (on)
		sni = dane->base;
	if (sni != NULL && sni[0] != '\0' && !host_ip(sni, ip, sizeof ip) &&
	    SSL_set_tlsext_host_name(ssl, sni) != 1) {
		cause_ssl(cause, "TLS: cannot set the server name (SNI): ");
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	return ssl;
}

/* The index in d's records of the one OpenSSL matched; -1 none. */
static int dane_match_index(const struct tls_dane *d, uint8_t u, uint8_t sel, uint8_t mt,
                            const unsigned char *mdata, size_t mlen)
{
	unsigned char data[DNS_TLSA_DATA_MAX];
	char why[160];
	size_t i, len;

	for (i = 0; i < d->nrecords; i++) {
		const struct model_tlsa *r = &d->records[i];

		if (r->usage == u && r->selector == sel && r->mtype == mt &&
		    tls_dane_record_usable(r, data, &len, why, sizeof why) && len == mlen &&
		    memcmp(data, mdata, len) == 0)
			return (int)i;
	}
	return -1;
}

void tls_dane_collect(SSL *ssl, const struct tls_dane *d, struct model_dane *out)
{
	unsigned char data[DNS_TLSA_DATA_MAX];
	const unsigned char *mdata = NULL;
	char why[160];
	size_t i, len, mlen = 0;
	uint8_t u = 0, sel = 0, mt = 0;
	int depth;
	long v;

	memset(out, 0, sizeof *out);
	out->match_index = -1;
	out->match_depth = -1;
	if (d == NULL || d->nrecords == 0)
		return;
	for (i = 0; i < d->nrecords; i++) {
		if (tls_dane_record_usable(&d->records[i], data, &len, why, sizeof why)) {
			out->usable++;
		} else if (out->unusable++ == 0) {
			snprintf(out->why, sizeof out->why, "record %zu (%u %u %u): %.100s",
			         i + 1, d->records[i].usage, d->records[i].selector,
			         d->records[i].mtype, why);
		}
	}
	if (out->usable == 0) {
		out->state = DANE_STATE_ONLY_UNUSABLE;
		return;
	}
	if (ssl == NULL) {
		out->state = DANE_STATE_NO_HANDSHAKE;
		snprintf(out->why, sizeof out->why, "the TLS handshake failed");
		return;
	}
	depth = SSL_get0_dane_authority(ssl, NULL, NULL);
	if (depth >= 0 && SSL_get0_dane_tlsa(ssl, &u, &sel, &mt, &mdata, &mlen) >= 0) {
		out->state = DANE_STATE_MATCH;
		out->match_depth = depth;
		out->usage = u;
		out->selector = sel;
		out->mtype = mt;
		out->match_index = dane_match_index(d, u, sel, mt, mdata, mlen);
		/* DANE-TA: OpenSSL checked the names; DANE-EE needs none. */
		out->name_checked = u == 2;
		out->why[0] = '\0';
		return;
	}
	out->state = DANE_STATE_NO_MATCH;
	v = SSL_get_verify_result(ssl);
	out->name_checked = v == X509_V_ERR_HOSTNAME_MISMATCH;
	snprintf(out->why, sizeof out->why, "%s", v == X509_V_OK ? "no TLSA record matched"
	         : X509_verify_cert_error_string(v));
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
	out[2 * n] = '\0';
}

static void asn1_time_text(const ASN1_TIME *t, char *out, size_t outsz)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		snprintf(out, outsz, "?");
		return;
	}
	strftime(out, outsz, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void name_text(const X509_NAME *name, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	out[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_read(b, out, (int)outsz - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static void sans_text(X509 *cert, char *out, size_t outsz)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t o = 0;
	int i;

	out[0] = '\0';
	if (names == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(names) && o + 8 < outsz; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		const char *sep = o ? ", " : "";
		int n = 0;

		if (gn->type == GEN_DNS) {
			n = snprintf(out + o, outsz - o, "%sDNS:%.*s", sep,
			             ASN1_STRING_length(gn->d.dNSName),
			             (const char *)ASN1_STRING_get0_data(gn->d.dNSName));
		} else if (gn->type == GEN_IPADD) {
			const unsigned char *ip = ASN1_STRING_get0_data(gn->d.iPAddress);

			if (ASN1_STRING_length(gn->d.iPAddress) == 4)
				n = snprintf(out + o, outsz - o, "%sIP:%u.%u.%u.%u", sep,
				             ip[0], ip[1], ip[2], ip[3]);
			else
				n = snprintf(out + o, outsz - o, "%sIP:(v6)", sep);
		}
		if (n < 0 || (size_t)n >= outsz - o)
			break;
		o += (size_t)n;
	}
	GENERAL_NAMES_free(names);
}

/*
 * Which certificate the chain check failed on, and for an expiry how long
 * ago: the handshake keeps only the result, so the chain the server sent is
 * checked again against the same store, at the same moment. Kept only when
 * it finds the same error.
 */
static void verify_where(SSL *ssl, X509 *cert, struct tls_facts *f)
{
	X509_STORE *store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *bad;
	int day = 0, sec = 0;

	if (ctx == NULL)
		return;
	if (X509_STORE_CTX_init(ctx, store, cert, SSL_get_peer_cert_chain(ssl)) == 1 &&
	    X509_STORE_CTX_set_default(ctx, "ssl_server") == 1 &&
	    X509_verify_cert(ctx) <= 0 &&
	    X509_STORE_CTX_get_error(ctx) == f->verify_code) {
		f->verify_depth = X509_STORE_CTX_get_error_depth(ctx);
		bad = X509_STORE_CTX_get_current_cert(ctx);
		if (bad != NULL) {
			name_text(X509_get_subject_name(bad), f->verify_subject,
			          sizeof f->verify_subject);
			if (f->verify_code == X509_V_ERR_CERT_HAS_EXPIRED &&
			    ASN1_TIME_diff(&day, &sec, X509_get0_notAfter(bad), NULL) == 1) {
				f->verify_expired = 1;
				f->verify_days = day;
			}
		}
	}
	X509_STORE_CTX_free(ctx);
}

/* The chain against the trust store alone, as the handshake would have
 * checked it without DANE (whose answer SSL_get_verify_result() holds
 * when DANE is on). */
static long pkix_verify(SSL *ssl, X509 *cert)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	long v = X509_V_ERR_UNSPECIFIED;

	if (ctx == NULL)
		return v;
	if (X509_STORE_CTX_init(ctx, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), cert,
	                        SSL_get_peer_cert_chain(ssl)) == 1 &&
	    X509_STORE_CTX_set_default(ctx, "ssl_server") == 1)
		v = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return v;
}

void tls_facts_collect(SSL *ssl, const char *host, struct tls_facts *f)
{
	X509 *cert;
	const SSL_CIPHER *cipher;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int day = 0, sec = 0;
	char ip[64];

	memset(f, 0, sizeof *f);
	f->handshake_done = 1;
	snprintf(f->version, sizeof f->version, "%s", SSL_get_version(ssl));
	cipher = SSL_get_current_cipher(ssl);
	if (cipher != NULL) {
		snprintf(f->cipher, sizeof f->cipher, "%s", SSL_CIPHER_get_name(cipher));
		f->cipher_bits = SSL_CIPHER_get_bits(cipher, NULL);
	}
	f->verify_code = SSL_get_verify_result(ssl);
	cert = SSL_get1_peer_certificate(ssl);
	if (cert == NULL) {
		snprintf(f->verify_error, sizeof f->verify_error,
		         "the server sent no certificate");
		f->verify_code = -1;
		return;
	}
	if (SSL_get_ex_data(ssl, dane_index) == &dane_on)
		f->verify_code = pkix_verify(ssl, cert);
	/* The name is judged on its own below. */
	if (f->verify_code == X509_V_ERR_HOSTNAME_MISMATCH)
		f->verify_code = X509_V_OK;
	f->chain_ok = f->verify_code == X509_V_OK;
	if (!f->chain_ok)
		snprintf(f->verify_error, sizeof f->verify_error, "%s",
		         X509_verify_cert_error_string(f->verify_code));
	f->name_is_ip = host_ip(host, ip, sizeof ip);
	if (f->name_is_ip)
		f->name_ok = X509_check_ip_asc(cert, ip, 0) == 1;
	else
		f->name_ok = host != NULL && host[0] != '\0' &&
		             X509_check_host(cert, host, 0, 0, NULL) == 1;
	f->verify_depth = -1;
	if (!f->chain_ok)
		verify_where(ssl, cert, f);
	name_text(X509_get_subject_name(cert), f->subject, sizeof f->subject);
	name_text(X509_get_issuer_name(cert), f->issuer, sizeof f->issuer);
	sans_text(cert, f->sans, sizeof f->sans);
	asn1_time_text(X509_get0_notBefore(cert), f->not_before, sizeof f->not_before);
	asn1_time_text(X509_get0_notAfter(cert), f->not_after, sizeof f->not_after);
	if (ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(cert)) == 1)
		f->days_left = day;
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1)
		hex(md, mdlen, f->sha256_cert);
	{
		/* DANE selector 1 hashes the whole DER SubjectPublicKeyInfo. */
		unsigned char *der = NULL;
		int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);

		if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen,
		                          EVP_sha256(), NULL) == 1)
			hex(md, mdlen, f->sha256_spki);
		OPENSSL_free(der);
	}
	X509_free(cert);
}

char *tls_failure_cause(int ssl_error)
{
	unsigned long e = ERR_peek_last_error();

	if (e != 0) {
		const char *reason = ERR_reason_error_string(e);

		return xstrdup(reason ? reason : "TLS error");
	}
	if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN)
		return xstrdup("the server closed the connection during the handshake");
	return xasprintf("TLS handshake failed (SSL error %d)", ssl_error);
}

