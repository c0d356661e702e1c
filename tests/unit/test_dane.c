/*
 * DANE (RFC 7672) through OpenSSL's own DANE code, as tls.c sets it up:
 * a real TLS handshake over a socketpair with a server in this test, its
 * certificates made here (a CA and a leaf it signed, and a self-signed
 * leaf), and the TLSA records computed from them. Asserts what
 * tls_dane_collect() puts in model_dane: which record matched, at what
 * depth, the DANE-TA name check, and why nothing matched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mailflow/model.h"
#include "mailflow/tls.h"

#define MX "mx.dane.test"

static EVP_PKEY *ca_key, *leaf_key, *self_key;
static X509 *ca, *leaf, *self;
static char ca_file[64];

static void ext_add(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* A certificate for key, signed by issuer_key (issuer NULL: self-signed). */
static X509 *cert_make(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       int is_ca, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_set_pubkey(x, key);
	if (is_ca) {
		ext_add(x, issuer != NULL ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
		ext_add(x, issuer != NULL ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		ext_add(x, issuer != NULL ? issuer : x, NID_basic_constraints, "CA:FALSE");
		ext_add(x, issuer != NULL ? issuer : x, NID_subject_alt_name, "DNS:" MX);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

static int setup(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	ca_key = EVP_EC_gen("P-256");
	leaf_key = EVP_EC_gen("P-256");
	self_key = EVP_EC_gen("P-256");
	if (ca_key == NULL || leaf_key == NULL || self_key == NULL)
		return -1;
	ca = cert_make(ca_key, "DANE test CA", NULL, ca_key, 1, 1);
	leaf = cert_make(leaf_key, MX, ca, ca_key, 0, 2);
	self = cert_make(self_key, MX, NULL, self_key, 0, 3);
	snprintf(ca_file, sizeof ca_file, "/tmp/mailflow-test-dane-XXXXXX");
	fd = mkstemp(ca_file);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL)
		return -1;
	PEM_write_X509(f, ca);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(ca_file);
	X509_free(ca);
	X509_free(leaf);
	X509_free(self);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(self_key);
	return 0;
}

/* ---- TLSA data, computed here from the certificates ----------------- */

/* The hex of what selector sel picks of x, hashed by mtype (0: whole). */
static void tlsa_of(X509 *x, uint8_t usage, uint8_t sel, uint8_t mtype, struct model_tlsa *t)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	const unsigned char *data;
	unsigned int mdlen = 0;
	int len, i;

	len = sel == 0 ? i2d_X509(x, &der) : i2d_PUBKEY(X509_get0_pubkey(x), &der);
	assert_true(len > 0);
	data = der;
	if (mtype != 0) {
		assert_int_equal(EVP_Digest(der, (size_t)len, md, &mdlen,
		                            mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL), 1);
		data = md;
		len = (int)mdlen;
	}
	assert_true(len <= DNS_TLSA_DATA_MAX);
	memset(t, 0, sizeof *t);
	t->usage = usage;
	t->selector = sel;
	t->mtype = mtype;
	for (i = 0; i < len; i++)
		snprintf(t->data_hex + 2 * (size_t)i, 3, "%02x", data[i]);
	OPENSSL_free(der);
}

static void tlsa_hex(struct model_tlsa *t, uint8_t u, uint8_t s, uint8_t m, const char *hex)
{
	memset(t, 0, sizeof *t);
	t->usage = u;
	t->selector = s;
	t->mtype = m;
	snprintf(t->data_hex, sizeof t->data_hex, "%s", hex);
}

/* ---- a handshake with a server of our own ---------------------------- */

struct result {
	struct tls_facts facts;
	struct model_dane dane;
	char sni[256];
};

static int on_servername(SSL *ssl, int *al, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)al;
	snprintf(arg, 256, "%s", name != NULL ? name : "");
	return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *server_ctx(X509 *cert, EVP_PKEY *key, X509 *chain, char *sni)
{
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	assert_non_null(c);
	assert_int_equal(SSL_CTX_use_certificate(c, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(c, key), 1);
	if (chain != NULL)
		assert_int_equal(SSL_CTX_add1_chain_cert(c, chain), 1);
	SSL_CTX_set_tlsext_servername_callback(c, on_servername);
	SSL_CTX_set_tlsext_servername_arg(c, sni);
	return c;
}

/* Both ends step on non-blocking sockets until both are done (bounded). */
static int handshake(SSL *client, SSL *server)
{
	int cdone = 0, sdone = 0, i;

	for (i = 0; i < 2000 && !(cdone && sdone); i++) {
		struct pollfd pfd[2] = {
			{ SSL_get_fd(client), POLLIN, 0 }, { SSL_get_fd(server), POLLIN, 0 },
		};
		int r;

		if (!cdone) {
			r = SSL_do_handshake(client);
			if (r == 1)
				cdone = 1;
			else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ &&
			         SSL_get_error(client, r) != SSL_ERROR_WANT_WRITE)
				return -1;
		}
		if (!sdone) {
			r = SSL_do_handshake(server);
			if (r == 1)
				sdone = 1;
			else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ &&
			         SSL_get_error(server, r) != SSL_ERROR_WANT_WRITE)
				return -1;
		}
		if (!(cdone && sdone))
			poll(pfd, 2, 100);
	}
	return cdone && sdone ? 0 : -1;
}

/*
 * One session: the server shows cert (with chain), the client (tls.c,
 * trust store: the test CA) gets the DANE records of base/mx_host.
 */
static void run(X509 *cert, EVP_PKEY *key, X509 *chain, const char *base,
                const char *mx_host, const struct model_tlsa *recs, size_t n,
                struct result *out)
{
	struct tls_dane d = { base, mx_host, recs, n };
	struct tls_ctx *ctx;
	SSL_CTX *sctx;
	SSL *client, *server;
	char *cause = NULL;
	int sv[2];

	memset(out, 0, sizeof *out);
	ctx = tls_ctx_new(ca_file, &cause);
	assert_non_null(ctx);
	sctx = server_ctx(cert, key, chain, out->sni);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	client = tls_ssl_start(ctx, sv[0], mx_host, n > 0 ? &d : NULL, &cause);
	if (client == NULL)
		fail_msg("tls_ssl_start: %s", cause);
	server = SSL_new(sctx);
	assert_non_null(server);
	SSL_set_fd(server, sv[1]);
	SSL_set_accept_state(server);
	assert_int_equal(handshake(client, server), 0);
	tls_facts_collect(client, mx_host, &out->facts);
	tls_dane_collect(client, n > 0 ? &d : NULL, &out->dane);
	SSL_free(client);
	SSL_free(server);
	SSL_CTX_free(sctx);
	tls_ctx_free(ctx);
	close(sv[0]);
	close(sv[1]);
}

static void assert_match(const struct result *r, int index, int depth, uint8_t u, uint8_t s,
                         uint8_t m)
{
	if (r->dane.state != DANE_STATE_MATCH)
		fail_msg("state %d, not a match: %s", r->dane.state, r->dane.why);
	assert_int_equal(r->dane.match_index, index);
	assert_int_equal(r->dane.match_depth, depth);
	assert_int_equal(r->dane.usage, u);
	assert_int_equal(r->dane.selector, s);
	assert_int_equal(r->dane.mtype, m);
}

/* DANE-EE 3 1 1 on a self-signed certificate: matched, no name checked,
 * and the PKIX facts still say the chain is not trusted. */
static void test_ee_spki_sha256_self_signed(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(self, 3, 1, 1, &t);
	run(self, self_key, NULL, MX, MX, &t, 1, &r);
	assert_match(&r, 0, 0, 3, 1, 1);
	assert_int_equal(r.dane.name_checked, 0);
	assert_int_equal(r.dane.usable, 1);
	assert_int_equal(r.dane.unusable, 0);
	assert_int_equal(r.facts.chain_ok, 0);
	assert_string_equal(r.sni, MX);
}

/* DANE-EE needs no name: a base domain the certificate does not name. */
static void test_ee_no_name_check(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(self, 3, 1, 1, &t);
	run(self, self_key, NULL, "elsewhere.test", "elsewhere.test", &t, 1, &r);
	assert_match(&r, 0, 0, 3, 1, 1);
}

static void test_ee_cert_sha256(void **state)
{
	struct model_tlsa t[2];
	struct result r;

	(void)state;
	tlsa_of(self, 3, 1, 1, &t[0]);
	t[0].data_hex[0] = t[0].data_hex[0] == '0' ? '1' : '0';     /* not it */
	tlsa_of(self, 3, 0, 1, &t[1]);
	run(self, self_key, NULL, MX, MX, t, 2, &r);
	assert_match(&r, 1, 0, 3, 0, 1);
	assert_int_equal(r.dane.usable, 2);
}

static void test_ee_spki_sha512(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(leaf, 3, 1, 2, &t);
	assert_int_equal(strlen(t.data_hex), 128);
	run(leaf, leaf_key, ca, MX, MX, &t, 1, &r);
	assert_match(&r, 0, 0, 3, 1, 2);
	assert_int_equal(r.facts.chain_ok, 1);
}

/* 3 1 0: the whole SubjectPublicKeyInfo (an EC key fits in a record). */
static void test_ee_spki_full(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(self, 3, 1, 0, &t);
	run(self, self_key, NULL, MX, MX, &t, 1, &r);
	assert_match(&r, 0, 0, 3, 1, 0);
}

/* DANE-TA 2 0 1 on the CA that issued the leaf: matched at depth 1 with
 * the name checked; the MX host name or the base domain may carry it. */
static void test_ta_cert_sha256(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(ca, 2, 0, 1, &t);
	run(leaf, leaf_key, ca, MX, MX, &t, 1, &r);
	assert_match(&r, 0, 1, 2, 0, 1);
	assert_int_equal(r.dane.name_checked, 1);
	/* The base domain after a secure CNAME names the certificate. */
	run(leaf, leaf_key, ca, MX, "alias.dane.test", &t, 1, &r);
	assert_match(&r, 0, 1, 2, 0, 1);
	assert_string_equal(r.sni, MX);
	/* The MX host name does, the base domain does not. */
	run(leaf, leaf_key, ca, "target.other.test", MX, &t, 1, &r);
	assert_match(&r, 0, 1, 2, 0, 1);
	assert_string_equal(r.sni, "target.other.test");
}

/* DANE-TA and a certificate for another name: no match, name checked. */
static void test_ta_wrong_name(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(ca, 2, 0, 1, &t);
	run(leaf, leaf_key, ca, "other.dane.test", "other.dane.test", &t, 1, &r);
	assert_int_equal(r.dane.state, DANE_STATE_NO_MATCH);
	assert_int_equal(r.dane.name_checked, 1);
	assert_int_equal(r.dane.match_index, -1);
	assert_non_null(strstr(r.dane.why, "ostname mismatch"));
}

static void test_ee_wrong_hash(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(leaf, 3, 1, 1, &t);
	t.data_hex[5] = t.data_hex[5] == 'a' ? 'b' : 'a';
	run(leaf, leaf_key, ca, MX, MX, &t, 1, &r);
	assert_int_equal(r.dane.state, DANE_STATE_NO_MATCH);
	assert_int_equal(r.dane.match_index, -1);
	assert_int_equal(r.dane.usable, 1);
	assert_non_null(strstr(r.dane.why, "DANE"));
	/* The PKIX facts are PKIX's, not DANE's failure. */
	assert_int_equal(r.facts.chain_ok, 1);
}

/* PKIX-EE (usage 1) is not for SMTP: never given to OpenSSL, even when
 * it would match, and the SNI stays the MX host. */
static void test_only_unusable(void **state)
{
	struct model_tlsa t;
	struct result r;

	(void)state;
	tlsa_of(self, 1, 1, 1, &t);
	run(self, self_key, NULL, "base.dane.test", MX, &t, 1, &r);
	assert_int_equal(r.dane.state, DANE_STATE_ONLY_UNUSABLE);
	assert_int_equal(r.dane.usable, 0);
	assert_int_equal(r.dane.unusable, 1);
	assert_non_null(strstr(r.dane.why, "PKIX-EE"));
	assert_string_equal(r.sni, MX);
}

/* Bad hex, a digest of the wrong length, unknown parameters: unusable,
 * each with its reason; a good record beside them still matches. */
static void test_bad_records(void **state)
{
	static const struct { uint8_t u, s, m; const char *hex, *why; } bad[] = {
		{ 3, 1, 1, "zz", "not hex" },
		{ 3, 1, 1, "abc", "not hex" },
		{ 3, 1, 1, "", "not hex" },
		{ 3, 1, 1, "abcd", "bytes of data for a SHA-256 digest of 32" },
		{ 3, 1, 2, "0102030405060708091011121314151617181920212223242526272829303132",
		  "SHA-512 digest of 64" },
		{ 3, 0, 0, "30030201ff", "not a DER certificate" },
		{ 4, 1, 1, "00", "unknown usage 4" },
		{ 3, 2, 1, "00", "unknown selector 2" },
		{ 3, 1, 3, "00", "unknown matching type 3" },
		{ 0, 0, 1, "00", "PKIX-TA" },
	};
	struct model_tlsa t[2];
	unsigned char data[DNS_TLSA_DATA_MAX];
	char why[160];
	struct result r;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tlsa_hex(&t[0], bad[i].u, bad[i].s, bad[i].m, bad[i].hex);
		assert_int_equal(tls_dane_record_usable(&t[0], data, &len, why, sizeof why), 0);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("record %zu: \"%s\" lacks \"%s\"", i, why, bad[i].why);
	}
	tlsa_hex(&t[0], 3, 1, 1, "abcd");
	tlsa_of(self, 3, 1, 1, &t[1]);
	run(self, self_key, NULL, MX, MX, t, 2, &r);
	assert_match(&r, 1, 0, 3, 1, 1);
	assert_int_equal(r.dane.usable, 1);
	assert_int_equal(r.dane.unusable, 1);
	/* Only bad ones: nothing for OpenSSL. */
	run(self, self_key, NULL, MX, MX, t, 1, &r);
	assert_int_equal(r.dane.state, DANE_STATE_ONLY_UNUSABLE);
	assert_non_null(strstr(r.dane.why, "record 1 (3 1 1)"));
}

/* 100 records, the one that matches last. */
static void test_hundred_records(void **state)
{
	struct model_tlsa *t = calloc(100, sizeof *t);
	struct result r;
	size_t i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 99; i++) {
		tlsa_of(leaf, 3, 1, 1, &t[i]);
		snprintf(t[i].data_hex, 9, "%08zx", i);
		t[i].data_hex[8] = 'f';
	}
	tlsa_of(leaf, 3, 1, 1, &t[99]);
	run(leaf, leaf_key, ca, MX, MX, t, 100, &r);
	assert_match(&r, 99, 0, 3, 1, 1);
	assert_int_equal(r.dane.usable, 100);
	free(t);
}

/* No records given: DANE stays out (state NONE), the session is as ever. */
static void test_no_dane(void **state)
{
	struct result r;

	(void)state;
	run(leaf, leaf_key, ca, MX, MX, NULL, 0, &r);
	assert_int_equal(r.dane.state, DANE_STATE_NONE);
	assert_int_equal(r.facts.chain_ok, 1);
	assert_int_equal(r.facts.name_ok, 1);
}

/* A handshake that never happened: the records' counts, no handshake. */
static void test_no_handshake(void **state)
{
	struct model_tlsa t;
	struct tls_dane d = { MX, MX, &t, 1 };
	struct model_dane out;

	(void)state;
	tlsa_of(self, 3, 1, 1, &t);
	tls_dane_collect(NULL, &d, &out);
	assert_int_equal(out.state, DANE_STATE_NO_HANDSHAKE);
	assert_int_equal(out.usable, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ee_spki_sha256_self_signed),
		cmocka_unit_test(test_ee_no_name_check),
		cmocka_unit_test(test_ee_cert_sha256),
		cmocka_unit_test(test_ee_spki_sha512),
		cmocka_unit_test(test_ee_spki_full),
		cmocka_unit_test(test_ta_cert_sha256),
		cmocka_unit_test(test_ta_wrong_name),
		cmocka_unit_test(test_ee_wrong_hash),
		cmocka_unit_test(test_only_unusable),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_hundred_records),
		cmocka_unit_test(test_no_dane),
		cmocka_unit_test(test_no_handshake),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
