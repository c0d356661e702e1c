/*
 * sts.c — the MTA-STS policy fetched with libcurl's multi interface on the
 * run's poll() loop (see include/mailflow/sts.h; the parsers are in
 * sts_parse.c).
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION: a
 * loop watcher per socket, its interest set from CURL_POLL_*) and when to
 * call it back (CURLMOPT_TIMERFUNCTION: one loop timer); both end in
 * curl_multi_socket_action(), after which finished transfers are read with
 * curl_multi_info_read(). One multi handle per fetch: a fetch is one
 * transfer, and a batch of domains keeps them apart.
 */
#include "mailflow/sts.h"
#include "mailflow/debug.h"
#include "mailflow/defaults.h"
#include "mailflow/loop.h"
#include "mailflow/text.h"
#include "mailflow/xmalloc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sts_sock {
	struct sts_fetch *fetch;
	curl_socket_t fd;
	struct loop_watch *watch;
	struct sts_sock *next;
};

struct sts_fetch {
	struct loop *loop;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *resolve;
	struct loop_timer *timer;
	struct sts_sock *socks;
	sts_fetch_cb cb;
	void *arg;
	struct sts_fetch_result res;
	size_t max, cap;
	bool too_big;
	bool done;
	uint64_t started_ms;
	char errbuf[CURL_ERROR_SIZE];
};

static const char *const status_names[] = {
	[STS_FETCH_OK] = "ok", [STS_FETCH_HTTP] = "http-status",
	[STS_FETCH_REDIRECT] = "redirect", [STS_FETCH_CONTENT_TYPE] = "content-type",
	[STS_FETCH_TOO_BIG] = "too-big", [STS_FETCH_CERT] = "certificate",
	[STS_FETCH_TLS] = "tls", [STS_FETCH_CONNECT] = "connect",
	[STS_FETCH_TIMEOUT] = "timeout", [STS_FETCH_ERROR] = "error",
};

const char *sts_fetch_status_name(enum sts_fetch_status s)
{
	if ((size_t)s < sizeof status_names / sizeof status_names[0])
		return status_names[s];
	return "?";
}

static void sock_forget(struct sts_fetch *f, struct sts_sock *ss)
{
	struct sts_sock **pp;

	for (pp = &f->socks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ss) {
			*pp = ss->next;
			break;
		}
	loop_watch_remove(ss->watch);
	free(ss);
}

static void check_done(struct sts_fetch *f);

static void on_ready(struct loop_watch *w, int fd, unsigned events, void *arg)
{
	struct sts_sock *ss = arg;
	struct sts_fetch *f = ss->fetch;    /* ss may go during the action */
	int flags = 0, running = 0;

	(void)w;
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (events & LOOP_ERROR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(f->multi, fd, flags, &running);
	check_done(f);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct sts_fetch *f = userp;
	struct sts_sock *ss = socketp;
	unsigned interest = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ss != NULL) {
			curl_multi_assign(f->multi, fd, NULL);
			sock_forget(f, ss);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		interest |= LOOP_READ;
	if (what & CURL_POLL_OUT)
		interest |= LOOP_WRITE;
	if (ss == NULL) {
		ss = xcalloc(1, sizeof *ss);
		ss->fetch = f;
		ss->fd = fd;
		ss->watch = loop_watch_add(f->loop, fd, interest, on_ready, ss);
		ss->next = f->socks;
		f->socks = ss;
		curl_multi_assign(f->multi, fd, ss);
	} else {
		loop_watch_set_interest(ss->watch, interest);
	}
	return 0;
}

static void on_timeout(struct loop_timer *t, void *arg)
{
	struct sts_fetch *f = arg;
	int running = 0;

	(void)t;
	f->timer = NULL;        /* a one-shot timer releases itself */
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int on_timer_set(CURLM *multi, long ms, void *userp)
{
	struct sts_fetch *f = userp;

	(void)multi;
	loop_timer_remove(f->timer);
	f->timer = NULL;
	/* 0 too goes through the loop: never an action from inside libcurl. */
	if (ms >= 0)
		f->timer = loop_timer_add(f->loop, (uint64_t)ms, 0, on_timeout, f);
	return 0;
}

/* The body, up to the limit: one byte more and the transfer is aborted. */
static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
	struct sts_fetch *f = arg;
	size_t len = size * n;

	if (len > f->max - f->res.len) {
		f->too_big = true;
		return 0;
	}
	if (f->res.len + len + 1 > f->cap) {
		f->cap = f->res.len + len + 1 > 2 * f->cap ? f->res.len + len + 1 : 2 * f->cap;
		f->res.body = xreallocarray(f->res.body, f->cap, 1);
	}
	memcpy(f->res.body + f->res.len, data, len);
	f->res.len += len;
	f->res.body[f->res.len] = '\0';
	return len;
}

/* "text/plain", any case, alone or with parameters (RFC 8461 §3.3). */
static bool is_text_plain(const char *ct)
{
	size_t n = strlen("text/plain");

	if (strncasecmp(ct, "text/plain", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || text_is_blank((unsigned char)ct[n]);
}

static void cert_facts(struct sts_fetch *f)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *l;

	if (curl_easy_getinfo(f->easy, CURLINFO_CERTINFO, &ci) != CURLE_OK || ci == NULL ||
	    ci->num_of_certs < 1)
		return;
	for (l = ci->certinfo[0]; l != NULL; l = l->next) {
		const char *v = strchr(l->data, ':');
		char *dst = NULL;
		size_t size = 0;

		if (v == NULL)
			continue;
		if (strncmp(l->data, "Subject:", 8) == 0) {
			dst = f->res.cert_subject;
			size = sizeof f->res.cert_subject;
		} else if (strncmp(l->data, "Issuer:", 7) == 0) {
			dst = f->res.cert_issuer;
			size = sizeof f->res.cert_issuer;
		} else if (strncmp(l->data, "Expire date:", 12) == 0) {
			dst = f->res.cert_expire;
			size = sizeof f->res.cert_expire;
		} else if (strncmp(l->data, "X509v3 Subject Alternative Name:", 32) == 0) {
			dst = f->res.cert_names;
			size = sizeof f->res.cert_names;
		}
		if (dst != NULL)
			text_sanitize(v + 1, strlen(v + 1), dst, size);
		if (dst != NULL)
			text_trim(dst);
	}
}

static enum sts_fetch_status status_of(struct sts_fetch *f, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		if (f->res.http_code >= 300 && f->res.http_code < 400)
			return STS_FETCH_REDIRECT;
		if (f->res.http_code != 200)
			return STS_FETCH_HTTP;
		return is_text_plain(f->res.content_type) ? STS_FETCH_OK : STS_FETCH_CONTENT_TYPE;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return f->too_big || rc == CURLE_FILESIZE_EXCEEDED ? STS_FETCH_TOO_BIG
		                                                  : STS_FETCH_ERROR;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return STS_FETCH_CERT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CIPHER ||
		       rc == CURLE_SSL_CERTPROBLEM ? STS_FETCH_TLS : STS_FETCH_ERROR;
	case CURLE_COULDNT_CONNECT:
		return STS_FETCH_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return STS_FETCH_TIMEOUT;
	default:
		return STS_FETCH_ERROR;
	}
}

static void finish(struct sts_fetch *f, CURLcode rc)
{
	const char *s = NULL;
	long code = 0;

	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &code);
	f->res.http_code = code;
	if (curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s != NULL)
		text_sanitize(s, strlen(s), f->res.content_type, sizeof f->res.content_type);
	s = NULL;
	if (curl_easy_getinfo(f->easy, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s != NULL)
		text_sanitize(s, strlen(s), f->res.location, sizeof f->res.location);
	cert_facts(f);
	f->res.curl_code = (long)rc;
	f->res.status = status_of(f, rc);
	if (rc != CURLE_OK)
		snprintf(f->res.error, sizeof f->res.error, "%s",
		         f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
	if (f->res.status == STS_FETCH_TOO_BIG)
		snprintf(f->res.error, sizeof f->res.error, "the policy is over %zu bytes", f->max);
	if (f->res.status != STS_FETCH_OK) {
		free(f->res.body);
		f->res.body = NULL;
		f->res.len = 0;
	}
	f->res.ms = loop_clock_ms() - f->started_ms;
	debug_log("sts: %s %s: %s (%ld, curl %d) %s", f->res.url, f->res.addr,
	          sts_fetch_status_name(f->res.status), code, (int)rc, f->res.error);
}

static void check_done(struct sts_fetch *f)
{
	CURLMsg *msg;
	int left;

	if (f->done)
		return;
	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		finish(f, msg->data.result);
		/* Its sockets and the timer go now (REMOVE, timer -1). */
		curl_multi_remove_handle(f->multi, f->easy);
		f->done = true;
		f->cb(&f->res, f->arg);
		return;         /* f may not be touched after the callback */
	}
}

static bool domain_ok(const char *d)
{
	size_t i, n = strlen(d);

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++)
		if (!text_ascii_isalnum((unsigned char)d[i]) && d[i] != '-' && d[i] != '.')
			return false;
	return true;
}

static void easy_setup(struct sts_fetch *f, const struct sts_fetch_options *o)
{
	CURL *e = f->easy;

	curl_easy_setopt(e, CURLOPT_URL, f->res.url);
	curl_easy_setopt(e, CURLOPT_RESOLVE, f->resolve);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file != NULL) {
		/* --ca-file: these CAs instead of the system store. */
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mailflow/" MAILFLOW_VERSION " (MTA-STS)");
	curl_easy_setopt(e, CURLOPT_PRIVATE, f);
}

struct sts_fetch *sts_fetch_start(struct loop *loop, const char *domain, const char *addr,
                                  const struct sts_fetch_options *o,
                                  sts_fetch_cb cb, void *arg, char **cause)
{
	static bool global_done;
	struct sts_fetch *f;
	char entry[400];

	if (!domain_ok(domain) || addr == NULL || strlen(addr) >= sizeof f->res.addr ||
	    strspn(addr, "0123456789abcdefABCDEF:.") != strlen(addr)) {
		cause_set(cause, "MTA-STS: cannot fetch for %.100s at %.50s", domain,
		          addr != NULL ? addr : "(no address)");
		return NULL;
	}
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			cause_set(cause, "MTA-STS: libcurl could not start");
			return NULL;
		}
		global_done = true;
	}
	f = xcalloc(1, sizeof *f);
	f->loop = loop;
	f->cb = cb;
	f->arg = arg;
	f->max = o->max_bytes ? o->max_bytes : DEFAULT_STS_MAX_BYTES;
	f->started_ms = loop_clock_ms();
	snprintf(f->res.url, sizeof f->res.url, "https://mta-sts.%s/.well-known/mta-sts.txt",
	         domain);
	snprintf(f->res.addr, sizeof f->res.addr, "%s", addr);
	snprintf(entry, sizeof entry, strchr(addr, ':') ? "mta-sts.%s:443:[%s]"
	                                                : "mta-sts.%s:443:%s", domain, addr);
	f->resolve = curl_slist_append(NULL, entry);
	f->multi = curl_multi_init();
	f->easy = curl_easy_init();
	if (f->resolve == NULL || f->multi == NULL || f->easy == NULL) {
		cause_set(cause, "MTA-STS: libcurl could not set up a transfer");
		sts_fetch_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timer_set);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	easy_setup(f, o);
	if (curl_multi_add_handle(f->multi, f->easy) != CURLM_OK) {
		cause_set(cause, "MTA-STS: libcurl refused the transfer");
		sts_fetch_free(f);
		return NULL;
	}
	return f;
}

void sts_fetch_free(struct sts_fetch *f)
{
	if (f == NULL)
		return;
	if (f->multi != NULL && f->easy != NULL && !f->done)
		curl_multi_remove_handle(f->multi, f->easy);
	if (f->easy != NULL)
		curl_easy_cleanup(f->easy);
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	while (f->socks != NULL)
		sock_forget(f, f->socks);
	loop_timer_remove(f->timer);
	curl_slist_free_all(f->resolve);
	free(f->res.body);
	free(f);
}
