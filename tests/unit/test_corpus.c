/*
 * The corpus: real-world replies (Postfix, Exim, OpenSMTPD, Sendmail,
 * aiosmtpd, Gmail, Microsoft 365 / Exchange, Yahoo, Mimecast, Proofpoint,
 * Barracuda; texts as their sources and public error references give them,
 * addresses and IPs replaced by documentation ones), each put into the
 * step of a session that answers its command and judged by the checklist:
 * the verdict class and words the item (title, explanation, next step)
 * must contain. No lab: the model is built by hand, as smtp.c fills it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/checklist.h"
#include "mailflow/codes.h"
#include "mailflow/text.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { P = V_PASS, W = V_WARN, F = V_FAIL };

struct corpus {
	enum codes_cmd cmd;
	int code;
	const char *enhanced;   /* "" when the server sends none */
	const char *text;       /* the first line's text, after the code */
	int verdict;
	const char *words;      /* "a|b": each must be in the item's words */
};

#define G CODES_CMD_GREETING
#define E CODES_CMD_EHLO
#define H CODES_CMD_HELO
#define T CODES_CMD_STARTTLS
#define A CODES_CMD_AUTH
#define M CODES_CMD_MAIL
#define R CODES_CMD_RCPT
#define D CODES_CMD_DATA
#define O CODES_CMD_END_OF_DATA
#define Q CODES_CMD_QUIT

static const struct corpus corpus[] = {
	/* ---- Postfix (smtpd.c, smtpd_check.c, postscreen) ---- */
	{ G, 220, "", "mx.example.com ESMTP Postfix (Debian/GNU)", P, "greets" },
	{ G, 421, "4.7.0", "mx.example.com Error: too many connections from 192.0.2.1", W, "retry later|connections" },
	{ G, 554, "5.7.1", "Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", F, "blocklist" },
	{ G, 421, "4.3.2", "Service currently unavailable", W, "retry later" },
	{ G, 550, "5.5.1", "Protocol error", F, "permanent|order" },
	{ E, 250, "", "mx.example.com", P, "extensions" },
	{ E, 501, "5.5.2", "Syntax: EHLO hostname", F, "name|--helo" },
	{ E, 504, "5.5.2", "<server1>: Helo command rejected: need fully-qualified hostname", F, "host name" },
	{ E, 450, "4.7.1", "<probe.internal>: Helo command rejected: Host not found", W, "retry later|DNS" },
	{ E, 421, "4.7.0", "mx.example.com Error: too many errors", W, "retry later" },
	{ T, 220, "2.0.0", "Ready to start TLS", P, "TLS handshake" },
	{ T, 454, "4.7.0", "TLS not available due to local problem", W, "retry later|certificate" },
	{ T, 501, "5.5.4", "Syntax: STARTTLS", F, "STARTTLS" },
	{ T, 502, "5.5.1", "Error: command not implemented", F, "not offer" },
	{ T, 554, "5.5.1", "Error: TLS already active", F, "refused" },
	{ A, 235, "2.7.0", "Authentication successful", P, "accepted the user name" },
	{ A, 535, "5.7.8", "Error: authentication failed: authentication failure", F, "password" },
	{ A, 454, "4.7.0", "Temporary authentication failure: connection refused", W, "retry later" },
	{ A, 503, "5.5.1", "Error: authentication not enabled", F, "AUTH" },
	{ A, 503, "5.5.1", "Error: already authenticated", F, "already logged in" },
	{ A, 530, "5.7.0", "Must issue a STARTTLS command first", F, "STARTTLS|encrypted" },
	{ A, 504, "5.5.4", "Unsupported authentication mechanism", F, "mechanism" },
	{ M, 250, "2.1.0", "Ok", P, "sender" },
	{ M, 530, "5.7.0", "Must issue a STARTTLS command first", F, "STARTTLS" },
	{ M, 553, "5.7.1", "<boss@example.com>: Sender address rejected: not owned by user printer@example.com", F, "sender" },
	{ M, 450, "4.1.8", "<s@nowhere.example>: Sender address rejected: Domain not found", W, "retry later|MX" },
	{ M, 450, "4.7.1", "Error: too much mail from 192.0.2.1", W, "slower|retry later" },
	{ M, 452, "4.3.1", "Insufficient system storage", W, "retry later" },
	{ M, 503, "5.5.1", "Error: nested MAIL command", F, "order" },
	{ M, 552, "5.3.4", "Message size exceeds fixed limit", F, "size" },
	{ R, 250, "2.1.5", "Ok", P, "takes mail for this recipient" },
	{ R, 550, "5.1.1", "<u@example.com>: Recipient address rejected: User unknown in local recipient table", F, "no such account|spelling" },
	{ R, 550, "5.1.1", "<u@example.com>: Recipient address rejected: User unknown in virtual mailbox table", F, "virtual" },
	{ R, 554, "5.7.1", "<x@example.org>: Relay access denied", F, "relay" },
	{ R, 454, "4.7.1", "<x@example.org>: Relay access denied", W, "relay|retry later" },
	{ R, 452, "4.5.3", "Error: too many recipients", W, "recipients" },
	{ R, 450, "4.2.0", "<u@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html", W, "on purpose|retry" },
	{ R, 450, "4.7.1", "Client host rejected: cannot find your hostname, [192.0.2.1]", W, "PTR" },
	{ R, 450, "4.7.1", "Client host rejected: cannot find your reverse hostname, [192.0.2.1]", W, "PTR" },
	{ R, 554, "5.7.1", "<unknown[192.0.2.1]>: Client host rejected: Access denied", F, "rule" },
	{ R, 554, "5.7.1", "<u@example.com>: Recipient address rejected: Access denied", F, "rule" },
	{ R, 450, "4.1.2", "<u@nowhere.example>: Recipient address rejected: Domain not found", W, "domain" },
	{ R, 550, "5.1.1", "<u@example.com>: Recipient address rejected: User unknown in relay recipient table", F, "relay_recipient_maps" },
	{ R, 503, "5.5.1", "Error: need MAIL command", F, "order" },
	{ R, 554, "5.7.1", "<x@example.org>: Sender address rejected: Access denied", F, "permanent" },
	{ D, 354, "", "End data with <CR><LF>.<CR><LF>", P, "waits for the message" },
	{ D, 554, "5.5.1", "Error: no valid recipients", F, "recipient" },
	{ D, 503, "5.5.1", "Error: need RCPT command", F, "RCPT" },
	{ O, 250, "2.0.0", "Ok: queued as 4BX0C12345", P, "queued" },
	{ O, 552, "5.3.4", "Message size exceeds fixed limit", F, "size" },
	{ O, 451, "4.3.0", "Error: queue file write error", W, "retry later" },
	{ O, 554, "5.7.1", "Spam message rejected", F, "spam" },
	{ Q, 221, "2.0.0", "Bye", P, "closes" },

	/* ---- Exim 4 (default ACL and daemon messages) ---- */
	{ G, 220, "", "mx.example.com ESMTP Exim 4.96 Mon, 01 Jan 2024 10:00:00 +0000", P, "greets" },
	{ G, 421, "", "Too many concurrent SMTP connections from this IP address; please try again later.", W, "retry later|connections" },
	{ G, 421, "", "mx.example.com Too many concurrent SMTP connections; please try again later.", W, "connections" },
	{ G, 554, "", "SMTP synchronization error", F, "wait for each reply" },
	{ E, 250, "", "mx.example.com Hello probe.example.net [192.0.2.1]", P, "extensions" },
	{ E, 501, "", "Syntactically invalid EHLO argument(s)", F, "name" },
	{ E, 550, "", "Administrative prohibition", F, "rule" },
	{ T, 220, "", "TLS go ahead", P, "TLS handshake" },
	{ T, 454, "", "TLS currently unavailable", W, "retry later" },
	{ A, 235, "", "Authentication succeeded", P, "authenticated" },
	{ A, 535, "", "Incorrect authentication data", F, "password" },
	{ A, 503, "", "AUTH command used when not advertised", F, "AUTH" },
	{ A, 503, "", "already authenticated", F, "already logged in" },
	{ M, 250, "", "OK", P, "sender" },
	{ M, 503, "", "sender already given", F, "order" },
	{ M, 550, "", "Verification failed for <s@nowhere.example>", F, "sender" },
	{ M, 451, "", "Temporary local problem - please try later", W, "retry later" },
	{ R, 250, "", "Accepted", P, "recipient" },
	{ R, 550, "", "relay not permitted", F, "relay" },
	{ R, 550, "", "Unrouteable address", F, "no such recipient" },
	{ R, 550, "", "Administrative prohibition", F, "rule" },
	{ R, 451, "", "Temporary local problem - please try later", W, "retry later" },
	{ R, 550, "", "rejected because 192.0.2.1 is in a black list at zen.spamhaus.org", F, "blocklist" },
	{ R, 452, "", "too many recipients", W, "retry later" },
	{ R, 451, "", "Could not complete sender verify callout", W, "retry later" },
	{ D, 354, "", "Enter message, ending with \".\" on a line by itself", P, "message" },
	{ D, 503, "", "valid RCPT command must precede DATA", F, "RCPT" },
	{ O, 250, "", "OK id=1qABCD-0001xy-3F", P, "queued" },
	{ O, 552, "", "Message size exceeds maximum permitted", F, "size" },
	{ O, 550, "", "Administrative prohibition", F, "rule" },
	{ O, 451, "", "Temporary local problem - please try later", W, "retry later" },
	{ O, 550, "", "This message contains a virus (Eicar-Test-Signature) and has been rejected", F, "virus" },
	{ Q, 221, "", "mx.example.com closing connection", P, "closes" },

	/* ---- OpenSMTPD ---- */
	{ G, 220, "", "mx.example.com ESMTP OpenSMTPD", P, "greets" },
	{ E, 250, "", "mx.example.com Hello probe.example.net [192.0.2.1], pleased to meet you", P, "extensions" },
	{ T, 220, "2.0.0", "Ready to start TLS", P, "TLS handshake" },
	{ A, 235, "2.0.0", "Authentication succeeded", P, "authenticated" },
	{ A, 535, "", "Authentication failed", F, "password" },
	{ M, 250, "2.0.0", "Ok", P, "sender" },
	{ M, 530, "5.5.1", "Invalid command: Must issue a STARTTLS command first", F, "STARTTLS" },
	{ R, 250, "2.1.5", "Destination address valid: Recipient ok", P, "recipient" },
	{ R, 524, "5.2.4", "Mailing list expansion problem: <nobody@example.com>", F, "OpenSMTPD|not exist" },
	{ R, 550, "", "Invalid recipient: <x@example.org>", F, "no such recipient" },
	{ R, 451, "4.7.1", "Temporary failure", W, "retry later" },
	{ D, 354, "", "Enter mail, end with \".\" on a line by itself", P, "message" },
	{ O, 250, "2.0.0", "5f3e1a2b Message accepted for delivery", P, "queued" },
	{ O, 554, "5.0.0", "Transaction failed", F, "permanent" },
	{ Q, 221, "2.0.0", "Bye", P, "closes" },

	/* ---- Sendmail ---- */
	{ G, 220, "", "mx.example.com ESMTP Sendmail 8.17.1/8.17.1; Mon, 1 Jan 2024 10:00:00 GMT", P, "greets" },
	{ G, 421, "4.3.2", "Connection rate limit exceeded.", W, "retry later" },
	{ G, 554, "", "mx.example.com ESMTP not accepting messages", F, "refuses" },
	{ E, 501, "5.0.0", "Invalid domain name", F, "name" },
	{ T, 220, "2.0.0", "Ready to start TLS", P, "TLS handshake" },
	{ T, 454, "4.3.3", "TLS not available after start", W, "retry later" },
	{ A, 235, "2.0.0", "OK Authenticated", P, "authenticated" },
	{ A, 535, "5.7.0", "authentication failed", F, "password" },
	{ M, 250, "2.1.0", "<s@example.net>... Sender ok", P, "sender" },
	{ M, 530, "5.7.0", "Authentication required", F, "log in|-a" },
	{ M, 553, "5.1.8", "<s@nowhere.example>... Domain of sender address s@nowhere.example does not exist", F, "sender" },
	{ M, 451, "4.1.8", "Domain of sender address s@nowhere.example does not resolve", W, "retry later" },
	{ M, 503, "5.0.0", "Polite people say HELO first", F, "order" },
	{ R, 250, "2.1.5", "<u@example.com>... Recipient ok", P, "recipient" },
	{ R, 550, "5.1.1", "<u@example.com>... User unknown", F, "no such recipient" },
	{ R, 550, "5.7.1", "<x@example.org>... Relaying denied", F, "relay" },
	{ R, 550, "5.7.1", "<x@example.org>... Relaying denied. Proper authentication required.", F, "relay" },
	{ R, 452, "4.5.3", "Too many recipients", W, "retry later" },
	{ R, 503, "5.0.0", "Need MAIL before RCPT", F, "order" },
	{ D, 503, "5.0.0", "Need RCPT (recipient)", F, "RCPT" },
	{ O, 250, "2.0.0", "40AAbCdE012345 Message accepted for delivery", P, "queued" },
	{ O, 552, "5.2.3", "Message size exceeds maximum value", F, "size" },
	{ O, 554, "5.7.1", "Rejected by milter: Virus found", F, "virus" },
	{ Q, 221, "2.0.0", "mx.example.com closing connection", P, "closes" },

	/* ---- aiosmtpd 1.4 ---- */
	{ G, 220, "", "mx.example.com Python SMTP 1.4.4", P, "greets" },
	{ T, 454, "", "TLS not available", W, "retry later" },
	{ A, 235, "2.7.0", "Authentication successful", P, "accepted the user name" },
	{ A, 535, "5.7.8", "Authentication credentials invalid", F, "password" },
	{ A, 538, "5.7.11", "Encryption required for requested authentication mechanism", F, "STARTTLS" },
	{ M, 530, "5.7.0", "Authentication required", F, "log in|-a" },
	{ M, 530, "", "Must issue a STARTTLS command first", F, "STARTTLS" },
	{ M, 503, "", "Error: nested MAIL command", F, "order" },
	{ D, 503, "", "Error: need RCPT command", F, "RCPT" },
	{ O, 552, "", "Error: Too much mail data", F, "size|larger" },
	{ O, 250, "", "OK", P, "queued" },

	/* ---- Gmail (Google's SMTP error reference) ---- */
	{ G, 220, "", "mx.google.com ESMTP a1si1234567ejb.123 - gsmtp", P, "greets" },
	{ G, 421, "4.7.0", "Try again later, closing connection.", W, "retry later" },
	{ G, 421, "4.3.0", "Temporary System Problem. Try again later", W, "retry later" },
	{ E, 250, "", "mx.google.com at your service, [192.0.2.1]", P, "extensions" },
	{ E, 501, "5.5.4", "Empty HELO/EHLO argument not allowed, closing connection.", F, "name" },
	{ T, 220, "2.0.0", "Ready to start TLS", P, "TLS handshake" },
	{ A, 235, "2.7.0", "Accepted", P, "accepted the user name" },
	{ A, 535, "5.7.8", "Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials", F, "password" },
	{ A, 534, "5.7.9", "Application-specific password required.", F, "app password" },
	{ A, 454, "4.7.0", "Too many login attempts, please try again later.", W, "retry later" },
	{ A, 530, "5.7.0", "Must issue a STARTTLS command first.", F, "STARTTLS" },
	{ M, 250, "2.1.0", "OK a1si1234567ejb.123 - gsmtp", P, "sender" },
	{ M, 530, "5.5.1", "Authentication Required. Learn more at https://support.google.com/mail/?p=WantAuthError", F, "log in|-a" },
	{ M, 555, "5.5.2", "Syntax error.", F, "syntax" },
	{ M, 421, "4.7.28", "[192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address.", W, "slow down" },
	{ R, 250, "2.1.5", "OK a1si1234567ejb.123 - gsmtp", P, "recipient" },
	{ R, 550, "5.1.1", "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.", F, "recipient|spelling" },
	{ R, 552, "5.2.2", "The email account that you tried to reach is over quota.", F, "quota" },
	{ R, 452, "4.2.2", "The email account that you tried to reach is over quota.", W, "quota|retry later" },
	{ R, 550, "5.2.1", "The email account that you tried to reach is disabled.", F, "disabled" },
	{ R, 450, "4.2.1", "The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time.", W, "retry later" },
	{ R, 421, "4.7.0", "TLS required for RCPT domain, closing connection.", W, "retry later" },
	{ R, 503, "5.5.1", "MAIL first.", F, "order" },
	{ R, 550, "5.7.1", "IP not in whitelist for RCPT domain, closing connection.", F, "permanent" },
	{ D, 354, "", "Go ahead a1si1234567ejb.123 - gsmtp", P, "message" },
	{ D, 503, "5.5.1", "RCPT first.", F, "RCPT" },
	{ O, 250, "2.0.0", "OK 1700000000 a1si1234567ejb.123 - gsmtp", P, "queued" },
	{ O, 550, "5.7.1", "[192.0.2.1] Our system has detected that this message is likely unsolicited mail.", F, "spam" },
	{ O, 550, "5.7.26", "This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.", F, "SPF|DKIM" },
	{ O, 550, "5.7.26", "Unauthenticated email from example.com is not accepted due to domain's DMARC policy.", F, "DMARC" },
	{ O, 552, "5.3.4", "Your message exceeded Google's message size limits.", F, "size" },
	{ O, 552, "5.7.0", "This message was blocked because its content presents a potential security issue.", F, "content" },
	{ O, 451, "4.3.0", "Mail server temporarily rejected message.", W, "retry later" },
	{ O, 550, "5.7.25", "The IP address sending this message does not have a PTR record setup.", F, "PTR" },
	{ Q, 221, "2.0.0", "closing connection a1si1234567ejb.123 - gsmtp", P, "closes" },

	/* ---- Microsoft 365 / Exchange Online / Outlook.com ---- */
	{ G, 220, "", "AM0PR01MB1234.eurprd01.prod.exchangelabs.com Microsoft ESMTP MAIL Service ready at Mon, 1 Jan 2024 10:00:00 +0000", P, "greets" },
	{ G, 421, "4.3.2", "Service not available", W, "retry later" },
	{ G, 554, "5.7.1", "Service unavailable; Client host [192.0.2.1] blocked using Spamhaus", F, "blocklist" },
	{ E, 250, "", "AM0PR01MB1234.eurprd01.prod.exchangelabs.com Hello [192.0.2.1]", P, "extensions" },
	{ E, 501, "5.5.4", "Invalid domain name", F, "name" },
	{ T, 220, "2.0.0", "SMTP server ready", P, "TLS handshake" },
	{ A, 235, "2.7.0", "Authentication successful", P, "accepted the user name" },
	{ A, 535, "5.7.3", "Authentication unsuccessful", F, "password" },
	{ A, 535, "5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", F, "tenant" },
	{ A, 504, "5.7.4", "Unrecognized authentication type", F, "mechanism" },
	{ M, 250, "2.1.0", "Sender OK", P, "sender" },
	{ M, 530, "5.7.57", "Client not authenticated to send mail.", F, "AUTH|login" },
	{ M, 550, "5.7.1", "Client does not have permissions to send as this sender", F, "sender" },
	{ M, 451, "4.7.500", "Server busy. Please try again later from [192.0.2.1]. (S77714)", W, "retry later" },
	{ M, 550, "5.7.606", "Access denied, banned sending IP [192.0.2.1].", F, "sender.office.com" },
	{ M, 550, "5.7.708", "Service unavailable. Access denied, traffic not accepted from this IP.", F, "reputation" },
	{ R, 250, "2.1.5", "Recipient OK", P, "recipient" },
	{ R, 550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", F, "directory" },
	{ R, 550, "5.4.1", "Recipient address rejected: Access denied. AS(201806281)", F, "directory" },
	{ R, 550, "5.7.1", "Unable to relay", F, "relay" },
	{ R, 530, "5.7.1", "Client was not authenticated", F, "anonymous" },
	{ R, 550, "5.7.133", "RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Delivery restriction check failed as sender not authenticated", F, "group" },
	{ R, 550, "5.5.0", "Requested action not taken: mailbox unavailable (S2017062302)", F, "mailbox" },
	{ R, 452, "4.3.1", "Insufficient system resources", W, "retry later" },
	{ R, 550, "5.7.1", "Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", F, "delisting" },
	{ D, 354, "", "Start mail input; end with <CRLF>.<CRLF>", P, "message" },
	{ O, 250, "2.6.0", "<msg@example.net> [InternalId=123456789, Hostname=AM0PR01MB1234.eurprd01.prod.exchangelabs.com] Queued mail for delivery", P, "queued" },
	{ O, 550, "5.7.509", "Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject.", F, "DMARC" },
	{ O, 550, "5.7.23", "The message was rejected because of Sender Policy Framework violation", F, "SPF" },
	{ O, 552, "5.3.4", "Message size exceeds fixed maximum message size", F, "size" },
	{ O, 554, "5.6.0", "Corrupt message content; STOREDRV.Deliver.Exception", F, "content" },
	{ O, 554, "5.4.14", "Hop count exceeded - possible mail loop ATTR34", F, "permanent" },
	{ Q, 221, "2.0.0", "Service closing transmission channel", P, "closes" },

	/* ---- Yahoo (Yahoo Sender Hub error codes) ---- */
	{ G, 220, "", "mta1234.mail.gq1.yahoo.com ESMTP ready", P, "greets" },
	{ G, 421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1", W, "retry later" },
	{ G, 553, "5.7.1", "[BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list", F, "blocklist" },
	{ M, 421, "4.7.0", "[TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed.", W, "temporary" },
	{ R, 554, "5.7.9", "Message not accepted for policy reasons.", F, "permanent" },
	{ O, 554, "5.7.9", "Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes", F, "permanent" },
	{ O, 550, "5.7.9", "This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.", F, "SPF" },
	{ O, 554, "", "delivery error: dd This user doesn't have a yahoo.com account (u@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com", F, "refused" },
	{ O, 451, "", "Message temporarily deferred - [160]", W, "retry later" },

	/* ---- Mimecast ---- */
	{ R, 550, "", "Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550", F, "no such recipient" },
	{ M, 550, "", "Rejected by header based Anti-Spoofing policy: x@example.com", F, "permanent" },
	{ R, 550, "", "Administrative prohibition - envelope blocked - https://community.mimecast.com/docs/DOC-1369#550", F, "rule" },
	{ R, 451, "", "Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451", W, "retry later" },
	{ O, 554, "", "Email rejected due to security policies - https://community.mimecast.com/docs/DOC-1369#554", F, "permanent" },
	{ R, 451, "", "Open relay not allowed - https://community.mimecast.com/docs/DOC-1369#451", W, "retry later" },
	{ R, 550, "", "Envelope blocked - User Entry - https://community.mimecast.com/docs/DOC-1369#550", F, "permanent" },

	/* ---- Proofpoint ---- */
	{ G, 554, "", "Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1", F, "blocklist" },
	{ G, 421, "4.7.0", "Too many concurrent connections from this IP address", W, "connections" },
	{ O, 554, "5.7.1", "Message blocked due to spam content in the message.", F, "spam" },
	{ R, 550, "5.1.1", "User Unknown", F, "no such recipient" },
	{ R, 451, "4.7.1", "Greylisted, please try again later", W, "on purpose" },

	/* ---- Barracuda ---- */
	{ G, 554, "", "Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?pr=1&ip=192.0.2.1", F, "blocklist" },
	{ R, 550, "", "No such user (u@example.com)", F, "no such recipient" },
	{ O, 550, "", "permanent failure for one or more recipients (u@example.com:blocked)", F, "permanent" },
	{ R, 452, "", "Too many recipients received this hour", W, "retry later" },
	{ O, 554, "5.6.0", "Message contains invalid header", F, "content" },
	{ O, 554, "", "Message rejected: Virus found in message", F, "virus" },

	/* ---- the issue's own finds ---- */
	{ G, 421, "4.0.0", "Server closing connection", W, "retry later" },
	{ G, 550, "", "Too many connections, try later", F, "permanent|connections" },
	{ O, 554, "5.7.0", "Message rejected: Virus found", F, "virus" },
	{ A, 454, "4.7.0", "Temporary authentication failure", W, "retry later" },
};

#undef G
#undef E
#undef H
#undef T
#undef A
#undef M
#undef R
#undef D
#undef O
#undef Q

static struct model_domain dom;

static void domain_with_session(struct model_session **out)
{
	struct target t;
	struct model_session *s;
	size_t ai;
	int st;

	assert_int_equal(target_parse("example.test", &t, NULL), 0);
	model_domain_init(&dom, &t);
	dom.mx.done = 1;
	dom.complete = 1;
	dom.spf.lookup.done = dom.dmarc.lookup.done = 1;
	dom.mta_sts.lookup.done = dom.tls_rpt.lookup.done = 1;
	model_host_add(&dom, "mx1.example.test", 10);
	dom.hosts[0].a.done = dom.hosts[0].aaaa.done = dom.hosts[0].tlsa.done = 1;
	ai = model_address_add(&dom.hosts[0], "192.0.2.1", 4);
	s = calloc(1, sizeof *s);
	assert_non_null(s);
	dom.hosts[0].addrs[ai].session = s;
	dom.hosts[0].addrs[ai].ptr.done = 1;
	dom.hosts[0].addrs[ai].fcrdns = 1;
	snprintf(s->host, sizeof s->host, "mx1.example.test");
	snprintf(s->addr, sizeof s->addr, "192.0.2.1");
	s->port = 25;
	s->done = 1;
	for (st = 0; st < STEP__COUNT; st++) {
		s->steps[st].state = STEP_OK;
		s->steps[st].code = 250;
	}
	s->steps[STEP_BANNER].code = 220;
	s->steps[STEP_STARTTLS].code = 220;
	s->steps[STEP_AUTH].code = 235;
	s->steps[STEP_QUIT].code = 221;
	s->tls_active = 1;
	s->tls.handshake_done = s->tls.chain_ok = s->tls.name_ok = 1;
	s->tls.days_left = 60;
	snprintf(s->tls.version, sizeof s->tls.version, "TLSv1.3");
	*out = s;
}

/* The step a command's reply lands in, and the item that judges it. */
static enum model_step_id step_of(enum codes_cmd cmd, const char **id)
{
	static const struct { enum codes_cmd cmd; enum model_step_id step; const char *id; } m[] = {
		{ CODES_CMD_GREETING, STEP_BANNER, "host.banner" },
		{ CODES_CMD_EHLO, STEP_EHLO, "host.ehlo" },
		{ CODES_CMD_HELO, STEP_EHLO, "host.ehlo" },
		{ CODES_CMD_STARTTLS, STEP_STARTTLS, "host.starttls" },
		{ CODES_CMD_AUTH, STEP_AUTH, "host.auth" },
		{ CODES_CMD_MAIL, STEP_MAIL, "host.mail" },
		{ CODES_CMD_RCPT, STEP_RCPT, "host.rcpt" },
		{ CODES_CMD_DATA, STEP_DATA, "host.data" },
		{ CODES_CMD_END_OF_DATA, STEP_DATA, "host.data" },
		{ CODES_CMD_QUIT, STEP_QUIT, "host.quit" },
	};
	size_t i;

	*id = "?";
	for (i = 0; i < COUNT(m); i++)
		if (m[i].cmd == cmd) {
			*id = m[i].id;
			return m[i].step;
		}
	fail_msg("no step for command %d", cmd);
	return STEP_CONNECT;
}

/* Puts the reply into its step as smtp.c does: 2xx/3xx ok, else
 * rejected; the end of data after the message's lone dot. */
static void put_reply(struct model_session *s, const struct corpus *c, enum model_step_id step)
{
	struct model_step *st = &s->steps[step];

	memset(st, 0, sizeof *st);
	st->state = c->code / 100 <= 3 ? STEP_OK : STEP_REJECTED;
	st->reason = st->state == STEP_OK ? REASON_NONE : REASON_REFUSED;
	st->code = c->code;
	snprintf(st->enhanced, sizeof st->enhanced, "%s", c->enhanced);
	snprintf(st->text, sizeof st->text, "%s", c->text);
	s->used_helo = c->cmd == CODES_CMD_HELO;
	if (step == STEP_DATA) {
		st->line_from = s->nlines;
		model_session_add_line(s, 'C', 0, "DATA", 4);
		if (c->cmd == CODES_CMD_END_OF_DATA) {
			model_session_add_line(s, 'S', 0, "354 go ahead", 12);
			model_session_add_line(s, 'C', 0, "Subject: test", 13);
			model_session_add_line(s, 'C', 0, ".", 1);
		}
		st->line_to = s->nlines;
	}
}

/* Does every "|"-separated word occur in hay, case-insensitively? */
static const char *missing_word(const char *hay, const char *words)
{
	static char w[128];
	const char *p = words;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p), i, j;
		int found = 0;

		snprintf(w, sizeof w, "%.*s", (int)n, p);
		for (i = 0; !found && hay[i] != '\0'; i++) {
			for (j = 0; j < n && hay[i + j] != '\0'; j++)
				if (text_ascii_lower((unsigned char)hay[i + j]) !=
				    text_ascii_lower((unsigned char)w[j]))
					break;
			found = j == n;
		}
		if (!found)
			return w;
		if (bar == NULL)
			return NULL;
		p = bar + 1;
	}
}

static void test_corpus(void **state)
{
	size_t i, per_cmd[CODES_CMD__COUNT] = { 0 }, bad = 0;
	char hay[1600];

	(void)state;
	assert_true(COUNT(corpus) >= 150);
	for (i = 0; i < COUNT(corpus); i++) {
		const struct corpus *c = &corpus[i];
		struct model_session *s;
		struct checklist cl;
		const struct check_item *it;
		const char *id, *miss;
		enum model_step_id step;

		domain_with_session(&s);
		step = step_of(c->cmd, &id);
		put_reply(s, c, step);
		assert_int_equal(checklist_step_command(s, step), c->cmd);
		checklist_build(&dom, &cl);
		it = checklist_find(&cl, id, 0, 0);
		assert_non_null(it);
		snprintf(hay, sizeof hay, "%s | %s | %s", it->title, it->explanation, it->next);
		/* Every entry is reported, then the test fails once. */
		if ((int)it->verdict != c->verdict && ++bad)
			print_error("#%zu %s %d %s %s: %s, wanted %s: %s\n", i,
			            codes_cmd_name(c->cmd), c->code, c->enhanced, c->text,
			            verdict_name(it->verdict),
			            verdict_name((enum verdict)c->verdict), hay);
		if ((miss = missing_word(hay, c->words)) != NULL && ++bad)
			print_error("#%zu %s %d %s %s: no \"%s\" in: %s\n", i,
			            codes_cmd_name(c->cmd), c->code, c->enhanced, c->text,
			            miss, hay);
		/* A warn or a fail always says what it means and what to do. */
		if (c->verdict != P && (it->explanation[0] == '\0' || it->next[0] == '\0') &&
		    ++bad)
			print_error("#%zu: %s without explanation or next step\n", i, id);
		per_cmd[c->cmd]++;
		checklist_free(&cl);
		model_domain_free(&dom);
	}
	if (bad > 0)
		fail_msg("%zu corpus entries wrong", bad);
	/* Every command the issue names has its share of the corpus. */
	for (i = CODES_CMD_GREETING; i <= CODES_CMD_END_OF_DATA; i++)
		if (i != CODES_CMD_HELO && per_cmd[i] < 5)
			fail_msg("only %zu replies to %s", per_cmd[i], codes_cmd_name((enum codes_cmd)i));
}

/* Bad input still gets an explanation from what is known, and says what
 * was unusual about it. */
static void test_unusual(void **state)
{
	static const struct {
		enum codes_cmd cmd;
		int code;
		const char *enhanced, *text;
		int verdict;
		const char *words;
	} odd[] = {
		{ CODES_CMD_RCPT, 550, "5.9.9", "whatever", F, "not in the registry|refused" },
		{ CODES_CMD_RCPT, 250, "5.1.1", "Recipient ok", P, "not of the reply's class|recipient" },
		{ CODES_CMD_RCPT, 550, "", "", F, "no text|refused" },
		{ CODES_CMD_MAIL, 451, "", "", W, "no text|retry later" },
		{ CODES_CMD_RCPT, 559, "", "nope", F, "not a standard reply code|5xx" },
		{ CODES_CMD_GREETING, 427, "4.4.4", "", W, "not a standard|no text|retry later" },
	};
	size_t i;
	char hay[1600];

	(void)state;
	for (i = 0; i < COUNT(odd); i++) {
		struct corpus c = { odd[i].cmd, odd[i].code, odd[i].enhanced, odd[i].text,
		                    odd[i].verdict, odd[i].words };
		struct model_session *s;
		struct checklist cl;
		const struct check_item *it;
		const char *id, *miss;

		domain_with_session(&s);
		put_reply(s, &c, step_of(c.cmd, &id));
		checklist_build(&dom, &cl);
		it = checklist_find(&cl, id, 0, 0);
		snprintf(hay, sizeof hay, "%s | %s | %s", it->title, it->explanation, it->next);
		if ((int)it->verdict != c.verdict)
			fail_msg("odd #%zu: %s: %s", i, verdict_name(it->verdict), hay);
		if ((miss = missing_word(hay, c.words)) != NULL)
			fail_msg("odd #%zu: no \"%s\" in: %s", i, miss, hay);
		checklist_free(&cl);
		model_domain_free(&dom);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_unusual),
	};

	return cmocka_run_group_tests_name("corpus", tests, NULL, NULL);
}
