/*
 * defaults — every default value of a run, in one place. The options
 * table (options.c) shows these in --help and starts a run from them; the
 * core falls back to them; nothing else writes a default as a literal.
 */
#ifndef MAILFLOW_DEFAULTS_H
#define MAILFLOW_DEFAULTS_H

#define DEFAULT_PORT            25      /* SMTP (RFC 5321) */
#define DEFAULT_PORT_SMTPS      465     /* submissions: TLS on connect (RFC 8314) */
#define DEFAULT_TIMEOUT_MS      30000   /* per SMTP command */
#define DEFAULT_SESSION_TIMEOUTS 4      /* --session-timeout: this many --timeout */
#define DEFAULT_QUIT_WAIT_MS    2000    /* QUIT after a timeout waits this (at most --timeout) */
#define DEFAULT_DNS_TIMEOUT_MS  2000    /* per DNS try */
#define DEFAULT_DNS_TRIES       2
/* DNS queries a second, all domains in flight together: about what public
 * resolvers allow one client; the pacer slows down by itself for a server
 * that limits harder (NSD's default is 200 answers a second per /24). */
#define DEFAULT_DNS_RATE        1000
#define DEFAULT_CONCURRENCY     20      /* sessions (and domains) in flight */
#define DEFAULT_LOCAL_PART      "postmaster"    /* RFC 5321 §4.5.1: always there */
#define DEFAULT_RELAY_TO        "mailflow-relay-test@example.com"
/* A greeting later than this after the connect is news (host.banner info),
 * later than the second a warn: patient senders wait 5 minutes (RFC 5321
 * section 4.5.3.2), but impatient clients and proxies give up far sooner. */
#define DEFAULT_GREET_DELAY_INFO_MS     1000
#define DEFAULT_GREET_DELAY_WARN_MS     10000

/* How much of a session's transcript is kept: a probe's real transcript is
 * 2-4 KB, and a thousand hostile sessions at this limit (plus the reply
 * parser's REPLY_BYTES_MAX) stay under 100 MB (SECURITY.md). A manual
 * session is a person's, typed over minutes: it keeps more. */
#define DEFAULT_TRANSCRIPT_MAX          ((size_t)32 * 1024)
#define DEFAULT_MANUAL_TRANSCRIPT_MAX   ((size_t)1024 * 1024)
/* Sending MTAs stop somewhere too (Postfix: smtp_mx_address_limit 5,
 * smtp_mx_session_limit 2); mailflow checks more, but a domain with 64 MX
 * hosts of 64 addresses each is an attack, not a mail set-up. What is left
 * out is a finding (dns.mx.targets). */
#define DEFAULT_MX_HOSTS_MAX            16
#define DEFAULT_HOST_ADDRS_MAX          8
/* --explain: what is read of the input, and how far a message's MIME
 * structure is followed (a bounce is a few parts; a MIME bomb is not). */
#define DEFAULT_EXPLAIN_INPUT_MAX       (16u << 20)     /* bytes; the rest unread */
#define DEFAULT_EXPLAIN_LINE_MAX        4096    /* bytes of a line looked at */
#define DEFAULT_EXPLAIN_PARTS_MAX       256     /* MIME parts walked */
#define DEFAULT_EXPLAIN_DEPTH_MAX       16      /* multipart levels walked */
/* More multipart or message/rfc822 declarations than this: only the
 * header block goes to the MIME parser, the body is read as text. */
#define DEFAULT_EXPLAIN_NESTING_MAX     64
/* At most this many failed recipients' domains are probed. */
#define DEFAULT_EXPLAIN_PROBES_MAX      8
/* An SPF evaluation (every lookup of it) ends as temperror after this
 * (RFC 7208 section 4.6.4 suggests at least 20 s). */
#define DEFAULT_SPF_TIMEOUT_MS  20000
/* DKIM RSA keys: shorter than the first fail (RFC 8301), than the second warn. */
#define DEFAULT_DKIM_RSA_MIN_BITS       1024
#define DEFAULT_DKIM_RSA_WARN_BITS      2048
/* Debian's publicsuffix package: the organisational domain (DMARC). */
#define DEFAULT_PSL_FILE        "/usr/share/publicsuffix/public_suffix_list.dat"

/* A port on which TLS starts with the connection, not with STARTTLS. */
#define DEFAULT_PORT_IS_IMPLICIT_TLS(port) ((port) == DEFAULT_PORT_SMTPS)

/* MTA-STS (RFC 8461): the most bytes of a policy file read (a real one
 * is a few hundred; section 3.3 lets senders limit the size). */
/* DNSSEC (dnssec.c): the root's key from Debian's dns-root-data, and a
 * bound on a trust anchor file read. */
#define DEFAULT_DNSSEC_ANCHOR   "/usr/share/dns/root.key"
#define DEFAULT_DNSSEC_ANCHOR_MAX_BYTES (1u << 20)
#define DEFAULT_STS_MAX_BYTES   ((size_t)64 * 1024)

#endif
