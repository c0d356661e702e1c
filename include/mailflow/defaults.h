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

/* A port on which TLS starts with the connection, not with STARTTLS. */
#define DEFAULT_PORT_IS_IMPLICIT_TLS(port) ((port) == DEFAULT_PORT_SMTPS)

/* MTA-STS (RFC 8461): the most bytes of a policy file read (a real one
 * is a few hundred; section 3.3 lets senders limit the size). */
#define DEFAULT_STS_MAX_BYTES   ((size_t)64 * 1024)

#endif
