/*
 * validate — the values the user gives that go onto the wire, checked at
 * the edge (RFC 5321 §4.1.2 syntax, §4.5.3.1 sizes) before anything is
 * sent. A value with a CR, an LF or any other control byte is refused
 * here, so it can never become an extra SMTP command; an over-long one is
 * refused, never cut.
 *
 * Pure functions: 0, or -1 with *cause set to why (the value shown made
 * safe by text_sanitize(); the caller adds which option it was).
 */
#ifndef MAILFLOW_VALIDATE_H
#define MAILFLOW_VALIDATE_H

/* RFC 5321 sizes: a local part, a domain, a whole reverse- or forward-path
 * with its angle brackets. */
#define VALIDATE_LOCAL_MAX 64
#define VALIDATE_DOMAIN_MAX 255
#define VALIDATE_PATH_MAX 256

/* Any C0 control, DEL or C1 control (raw or as UTF-8): -1 with a cause. */
int validate_no_controls(const char *s, char **cause);
/* Domain = sub-domain *("." sub-domain), letters, digits, hyphens. */
int validate_domain(const char *s, char **cause);
/* address-literal: "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
int validate_address_literal(const char *s, char **cause);
/* Mailbox = Local-part "@" (Domain / address-literal); the local part a
 * Dot-string or a Quoted-string. */
int validate_mailbox(const char *s, char **cause);
/* EHLO/HELO argument: a Domain or an address-literal. */
int validate_helo(const char *s, char **cause);
/* A host to connect to: a Domain (a final dot allowed) or a bare IPv4 or
 * IPv6 address. */
int validate_server(const char *s, char **cause);

#endif
