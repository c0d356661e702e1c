/*
 * codes.c — the knowledge base: SMTP replies explained for a helpdesk.
 *
 * Four tables of static data and a few pure lookups:
 *   basic_table     the three-digit reply codes (RFC 5321, 1846, 4954, 7504)
 *   enhanced_table  every entry of the IANA "SMTP Enhanced Status Codes"
 *                   registry, X.0.0 to X.7.30 (RFC 3463, 3886, 4468, 4954,
 *                   5248, 6531, 6710, 7293, 7372, 7505, 8617, 8689)
 *   class_table     2xx, 3xx, 4xx, 5xx
 *   text_table      well-known server texts that say more than their code
 *   context_table   a reply in answer to one command (EHLO, AUTH, RCPT...)
 *
 * Text patterns.  The .code of a text_table entry is its pattern, written
 * so that a person can read it and the matcher can too:
 *
 *     pattern := alt { " | " alt }
 *     alt     := [ basic " " ] [ enhanced " " ] words
 *     basic   := a reply code, each of its last two digits may be "x":
 *                "550", "45x", "5xx"
 *     enhanced:= "C.S.D", C may be "X" (any class): "5.7.1", "X.7.1"
 *     words   := matched case-insensitively as a substring of the reply
 *                text, starting at the beginning of a word
 *
 * An entry matches when any of its alternatives does.  The table is
 * ordered most specific first; codes_text() returns the first match.
 * Every entry explains a refusal, so a 2xx or 3xx reply matches only an
 * alternative that names such a code itself (none does today).
 * Our own words throughout: the registry and the RFCs were read, not
 * copied.
 *
 * Every entry also says whose side must act (.side, codes.h), and whether
 * a temporary reply of its kind clears by itself (.clears): the tests
 * (tests/unit/test_codes.c) require a side of every entry but the
 * catch-alls X.0.0, 550, 554, 4xx and 5xx.
 */
#include "mailflow/codes.h"
#include "mailflow/reply.h"
#include "mailflow/text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- basic reply codes --------------------------------------------------- */

static const struct code_info basic_table[] = {
	{ .code = "200", .meaning = "Success (non-standard)",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The command worked. 200 is not a standard SMTP reply; "
	  "a few old servers send it instead of 250.",
	  .causes = "Old or unusual server software.",
	  .next = "Nothing to fix for mail flow: read it as 250. Note the "
	  "server software if other replies look odd too." },
	{ .code = "211", .meaning = "System status",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server answered a status or help request with "
	  "information about itself. Nothing failed.",
	  .causes = "A HELP or status request was sent.",
	  .next = "Nothing to do; read the text if you asked for the status." },
	{ .code = "214", .meaning = "Help message",
	  .side = CODES_SIDE_NONE,
	  .explanation = "Help text meant for a person, usually the answer "
	  "to HELP. Nothing failed.",
	  .causes = "HELP was sent.",
	  .next = "Nothing to do; the text may list the commands the server "
	  "knows." },
	{ .code = "220", .meaning = "Service ready",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server greets us and is ready for EHLO (after "
	  "STARTTLS: ready for the TLS handshake). Its first word should be "
	  "the server's own full host name.",
	  .causes = "Normal start of a session, or STARTTLS accepted.",
	  .next = "Check that the banner name is the server's public name "
	  "(not .local or an internal name) and matches its PTR record." },
	{ .code = "221", .meaning = "Closing connection",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server ends the session, normally after QUIT. "
	  "Nothing failed.",
	  .causes = "QUIT was sent, or the server gave up after an error (the "
	  "reply before says which).",
	  .next = "Nothing to do after QUIT; if it came unasked, read the "
	  "reply before it." },
	{ .code = "235", .meaning = "Authentication succeeded",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server accepted the user name and password "
	  "(AUTH).",
	  .causes = "Correct credentials for an allowed login method.",
	  .next = "Go on with MAIL FROM. If mail still fails, the login is not "
	  "the problem." },
	{ .code = "250", .meaning = "OK, done",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The command worked. After RCPT the server takes mail "
	  "for that recipient; after the final dot the message is queued.",
	  .causes = "Normal success.",
	  .next = "Go on. If this was RCPT to an outside domain in a relay "
	  "test from outside, without login, the server is an open relay: fix "
	  "it at once." },
	{ .code = "251", .meaning = "User not local; will forward",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server takes the recipient but will pass the "
	  "message on to another address itself.",
	  .causes = "An alias or forwarding rule for that address.",
	  .next = "Nothing to fix here; if mail is lost later, check the "
	  "forwarding target." },
	{ .code = "252", .meaning = "Cannot verify, will try",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server will not say whether the address exists "
	  "(usually the answer to VRFY) but would accept mail for it.",
	  .causes = "VRFY turned off for privacy, which is normal.",
	  .next = "Do not rely on VRFY; test the address with RCPT TO "
	  "instead." },
	{ .code = "334", .meaning = "Continue authentication",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server waits for the next AUTH step. The text is "
	  "base64: \"VXNlcm5hbWU6\" is \"Username:\", \"UGFzc3dvcmQ6\" is "
	  "\"Password:\".",
	  .causes = "AUTH was started (LOGIN, PLAIN, CRAM-MD5, NTLM...).",
	  .next = "Send the base64-encoded user name or password (the AUTH "
	  "helper encodes it), or \"*\" to cancel." },
	{ .code = "354", .meaning = "Start message input",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server waits for the message: headers, a blank "
	  "line, the body, then a line with only a dot.",
	  .causes = "DATA was accepted after at least one accepted recipient.",
	  .next = "Send the message and end it with <CRLF>.<CRLF>; the real "
	  "verdict is the reply after the dot." },
	{ .code = "421", .meaning = "Service not available, closing",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The server closes the connection for now. Temporary: "
	  "a sending server retries later by itself.",
	  .causes = "Overload, maintenance, too many connections or messages "
	  "from this IP, an idle timeout, or a temporary block; the text says "
	  "which.",
	  .next = "Read the text and retry in a few minutes. If it lasts for "
	  "hours, send the full reply to the receiving server's admin." },
	{ .code = "432", .meaning = "Password transition needed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server wants one login with another method "
	  "(usually PLAIN over TLS) before this one works (RFC 4954). "
	  "Temporary.",
	  .causes = "The account's password store was converted for a new "
	  "login method.",
	  .next = "Log in once with AUTH PLAIN after STARTTLS, then retry the "
	  "original method." },
	{ .code = "450", .meaning = "Mailbox unavailable (temporary)",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The server cannot act on this address right now but "
	  "may later. Temporary: a sending server retries by itself.",
	  .causes = "Greylisting, a busy or locked mailbox, a failed DNS "
	  "lookup during a sender or recipient check, or a temporary policy "
	  "block.",
	  .next = "Retry in 5-15 minutes. If the text says greylist, just "
	  "wait; if it names a domain or host name, check that DNS." },
	{ .code = "451", .meaning = "Local error, aborted",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The server hit a problem of its own and aborted the "
	  "command. Temporary: retry later.",
	  .causes = "A failed lookup (DNS, directory, virus or policy "
	  "service), a queue problem, or greylisting on some servers.",
	  .next = "Retry in a few minutes. If it persists, send the full "
	  "reply and its time to the receiving server's admin." },
	{ .code = "452", .meaning = "Insufficient storage or too many",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The server cannot take more now: its disk is full, "
	  "the mailbox is full, or there are too many recipients. "
	  "Temporary.",
	  .causes = "Full queue disk, mailbox over quota, or too many RCPT "
	  "in one message (4.5.3).",
	  .next = "With 4.5.3 send the remaining recipients in another "
	  "message; otherwise retry later and tell the receiving admin." },
	{ .code = "454", .meaning = "TLS or login not available now",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The server cannot start TLS or check a login right "
	  "now. Temporary.",
	  .causes = "Missing or broken TLS certificate or key on the server "
	  "(\"TLS not available due to local problem\"), or its login service "
	  "is down.",
	  .next = "Retry later; if it persists, ask the server's admin to "
	  "check its TLS certificate and key, or its login back end." },
	{ .code = "455", .meaning = "Parameters not possible now",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server cannot handle a MAIL FROM or RCPT TO "
	  "parameter at the moment, but may later. Temporary.",
	  .causes = "An option such as SIZE= or NOTIFY= the server cannot "
	  "process right now.",
	  .next = "Retry later, or send the command without the optional "
	  "parameter." },
	{ .code = "500", .meaning = "Command not recognised",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server did not understand the line at all. "
	  "Permanent for this command.",
	  .causes = "A typo, an unknown command, a line over the length limit, "
	  "or non-SMTP bytes (telnet option codes, a TLS handshake on a plain "
	  "port).",
	  .next = "Check the spelling: EHLO, MAIL FROM:<...>, RCPT TO:<...>, "
	  "DATA. Make sure you speak plain SMTP on a plain port." },
	{ .code = "501", .meaning = "Syntax error in arguments",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The command is known but its argument is wrong, "
	  "often a malformed address or EHLO name.",
	  .causes = "Missing <> around the address, a space after the colon "
	  "on strict servers, an invalid EHLO name, or bad base64 in AUTH.",
	  .next = "Write MAIL FROM:<user@example.com> with no space after the "
	  "colon; give a full host name after EHLO." },
	{ .code = "502", .meaning = "Command not implemented",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server knows the command but does not offer it.",
	  .causes = "VRFY, EXPN, ETRN or AUTH turned off, or EHLO sent to an "
	  "old HELO-only server.",
	  .next = "Use RCPT instead of VRFY, HELO if EHLO fails; for AUTH check "
	  "the EHLO list, it may appear only after STARTTLS." },
	{ .code = "503", .meaning = "Bad sequence of commands",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "A command came in the wrong order, e.g. RCPT before "
	  "MAIL, DATA without an accepted recipient, or MAIL before EHLO.",
	  .causes = "A previous step failed unnoticed, commands out of order, "
	  "or the server wants AUTH or STARTTLS first.",
	  .next = "Start again in order: EHLO, (STARTTLS, EHLO), MAIL FROM, "
	  "RCPT TO, DATA; check each reply before the next step." },
	{ .code = "504", .meaning = "Parameter not implemented",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server does not support an argument of the "
	  "command, e.g. an AUTH mechanism.",
	  .causes = "An AUTH mechanism or option the server does not offer.",
	  .next = "Pick a mechanism or option from the server's EHLO list." },
	{ .code = "521", .meaning = "Host does not accept mail",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "This host never accepts mail (RFC 1846, RFC 7504). "
	  "Permanent.",
	  .causes = "A host that only sends, a parked domain, or a domain "
	  "with a null MX.",
	  .next = "Check the domain's MX records: you may be talking to the "
	  "wrong host. A null MX (\"MX 0 .\") means the domain takes no "
	  "mail." },
	{ .code = "530", .meaning = "Authentication or TLS required",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server will not go on until you log in (or start "
	  "TLS). Permanent until you do.",
	  .causes = "A submission port, or a receive connector that takes no "
	  "anonymous mail; \"Must issue a STARTTLS command first\" means TLS "
	  "is required.",
	  .next = "On port 587 use STARTTLS and AUTH. If this is a public MX "
	  "on port 25, tell its admin it refuses anonymous internet mail." },
	{ .code = "534", .meaning = "Login method too weak",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server does not allow this login method for "
	  "this user; a stronger one is required.",
	  .causes = "Plain-text methods refused, or the provider wants OAuth2 "
	  "or an app password (Gmail: \"Application-specific password "
	  "required\").",
	  .next = "Use a stronger method from the EHLO AUTH list, or the "
	  "provider's app password or OAuth2 login." },
	{ .code = "535", .meaning = "Authentication failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The user name or password was refused.",
	  .causes = "Wrong password, wrong user name format (full address vs "
	  "short name), locked account, or SMTP login turned off by the "
	  "provider.",
	  .next = "Check the user name format and the password; check that "
	  "the account may use SMTP AUTH (Microsoft 365 turns it off per "
	  "mailbox)." },
	{ .code = "538", .meaning = "Encryption required for login",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "This login method is only allowed over an encrypted "
	  "connection.",
	  .causes = "PLAIN or LOGIN tried before STARTTLS.",
	  .next = "Run STARTTLS, then EHLO again, then AUTH." },
	{ .code = "550", .meaning = "Mailbox unavailable / refused",
	  .explanation = "The server refused this address for good. In a relay "
	  "test to an outside address, this is the good answer.",
	  .causes = "The mailbox does not exist, or a policy (spam, relay, "
	  "authentication) blocks it; the enhanced code and the text say "
	  "which.",
	  .next = "Check the address spelling with the recipient; read the "
	  "enhanced code and text; if it is a policy block, send the full "
	  "reply to the recipient's mail admin." },
	{ .code = "551", .meaning = "User not local",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "This server does not handle that address and will "
	  "not forward it; the text may give the right address.",
	  .causes = "The user moved, or the message reached a server that is "
	  "not responsible for the domain.",
	  .next = "Use the address the text gives, if any; check that the "
	  "domain's MX records point to the right server." },
	{ .code = "552", .meaning = "Storage exceeded or too big",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The message was refused for its size, or the "
	  "mailbox is over its quota.",
	  .causes = "Message larger than the server's SIZE limit, or a full "
	  "mailbox (5.2.2).",
	  .next = "Compare the message size with SIZE in the EHLO reply; send "
	  "a link instead of a large file. For a full mailbox, the recipient "
	  "must free space." },
	{ .code = "553", .meaning = "Mailbox name not allowed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The address is refused as written: bad syntax, or a "
	  "sender address you may not use.",
	  .causes = "Invalid address syntax, a sender address the logged-in "
	  "user does not own, or a refused sender domain.",
	  .next = "Check the address syntax; when logged in, send from an "
	  "address that belongs to the account." },
	{ .code = "554", .meaning = "Transaction failed",
	  .explanation = "The server refused the message or the session for "
	  "good. As the greeting it means: no mail service here for you.",
	  .causes = "Sending IP on a blocklist, spam or virus content, a "
	  "policy rule, or no valid recipients; the text says which.",
	  .next = "Read the text: check the sending IP on blocklists, the "
	  "content, SPF/DKIM/DMARC; if unclear, send the full reply to the "
	  "receiving admin." },
	{ .code = "555", .meaning = "MAIL/RCPT parameter not recognised",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server does not know an option given with MAIL "
	  "FROM or RCPT TO. Permanent.",
	  .causes = "An option such as NOTIFY=, SIZE= or BODY= the server did "
	  "not list in EHLO, or a typo after the address.",
	  .next = "Send the command without the option; use only options the "
	  "EHLO reply lists (DSN for NOTIFY, SIZE, 8BITMIME)." },
	{ .code = "556", .meaning = "Domain does not accept mail",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The recipient's domain says it takes no mail at all "
	  "(null MX, RFC 7504/7505). Permanent.",
	  .causes = "The domain publishes \"MX 0 .\"; the address is not "
	  "meant to receive mail.",
	  .next = "Check the address with the person by another channel; "
	  "nothing on your side can fix it." },
};

/* ---- enhanced status codes (IANA registry) -------------------------------- */

static const struct code_info enhanced_table[] = {
	/* X.0 other */
	{ .code = "X.0.0", .meaning = "Other or undefined status",
	  .explanation = "No detail beyond the class. Many servers send X.0.0 "
	  "on every reply (\"250 2.0.0 Ok\"), so rely on the basic code and "
	  "the text.",
	  .causes = "Server software that only fills in the class digit.",
	  .next = "Read the basic code and the text of the reply." },

	/* X.1 addressing */
	{ .code = "X.1.0", .meaning = "Other address problem",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "Something about an address (sender or recipient) "
	  "caused this, without more detail.",
	  .causes = "An address refused by a rule the server does not name.",
	  .next = "Check both addresses; the text or the command (MAIL or "
	  "RCPT) tells which one." },
	{ .code = "X.1.1", .meaning = "Recipient mailbox does not exist",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The part before @ is unknown on this server. The "
	  "standard code for an unknown user, but servers differ: Microsoft "
	  "365 may say 5.1.10 or 5.4.1, Outlook.com 5.5.0.",
	  .causes = "A typo, a deleted or renamed mailbox, or the server's "
	  "recipient list (directory sync) is out of date.",
	  .next = "Check the spelling with the recipient; if it is right, ask "
	  "their admin to check the mailbox exists and the recipient list is "
	  "synced." },
	{ .code = "X.1.2", .meaning = "Recipient domain invalid",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "The part after @ cannot take mail: the domain does "
	  "not exist, or this server does not handle it.",
	  .causes = "A typo in the domain, an expired domain, missing MX and "
	  "A records, or mail sent to the wrong server.",
	  .next = "Check the domain spelling and its MX records (the DNS "
	  "step)." },
	{ .code = "X.1.3", .meaning = "Recipient address syntax bad",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The recipient address is not a valid address as "
	  "written.",
	  .causes = "Missing <>, stray spaces or characters, two @ signs.",
	  .next = "Write it as RCPT TO:<user@example.com> and look for stray "
	  "characters." },
	{ .code = "X.1.4", .meaning = "Recipient address ambiguous",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The address matches more than one mailbox on the "
	  "server, so it cannot pick one.",
	  .causes = "Fuzzy name matching, or a duplicate address in the "
	  "directory.",
	  .next = "Use the exact full address; the recipient's admin should "
	  "remove the duplicate." },
	{ .code = "X.1.5", .meaning = "Recipient address valid",
	  .side = CODES_SIDE_NONE,
	  .explanation = "A success code: the recipient is accepted (\"250 "
	  "2.1.5 Recipient OK\").",
	  .causes = "Normal RCPT success.",
	  .next = "Go on. In a relay test from outside, to an outside domain, "
	  "without login, 2.1.5 means the server relays for anyone: an open "
	  "relay." },
	{ .code = "X.1.6", .meaning = "Mailbox moved, no forwarding",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The address used to exist but no longer takes mail, "
	  "and no new address is given. Permanent.",
	  .causes = "The person left, or the account was closed or renamed.",
	  .next = "Ask the recipient for the new address by another "
	  "channel." },
	{ .code = "X.1.7", .meaning = "Sender address syntax bad",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sender address (MAIL FROM) is not a valid "
	  "address as written.",
	  .causes = "Missing <>, spaces, invalid characters, or a bare name "
	  "such as MAIL FROM:<admin>.",
	  .next = "Use MAIL FROM:<user@example.com> with a full, real "
	  "address." },
	{ .code = "X.1.8", .meaning = "Sender domain invalid",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sender's domain does not exist or cannot receive "
	  "replies, so it is refused. With 4.1.8 the DNS lookup only failed "
	  "for now.",
	  .causes = "Sender domain without MX or A records, a typo, or an "
	  "internal domain (.local) used as sender.",
	  .next = "Send from an address in a real public domain; check that "
	  "domain's MX and A records." },
	{ .code = "X.1.9", .meaning = "Relayed to non-compliant system",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The address was valid, but the message went on to a "
	  "system that cannot report delivery, so no more status will come "
	  "(RFC 3886).",
	  .causes = "A gateway to an old or non-SMTP mail system.",
	  .next = "Nothing to fix; ask the recipient whether it arrived." },
	{ .code = "X.1.10", .meaning = "Recipient domain has null MX",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "Registry meaning: the recipient's domain publishes a "
	  "null MX and takes no mail. But Microsoft 365 sends 5.1.10 "
	  "\"RecipientNotFound\" for an unknown user.",
	  .causes = "A domain with \"MX 0 .\", or (Microsoft 365) an address "
	  "that does not exist in the tenant.",
	  .next = "If the text says RecipientNotFound, check the address "
	  "spelling; otherwise look up the domain's MX: \"MX 0 .\" means no "
	  "mail at all." },

	/* X.2 mailbox */
	{ .code = "X.2.0", .meaning = "Other mailbox problem",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The mailbox exists, but something about it stopped "
	  "delivery.",
	  .causes = "A mailbox-level rule or an error the server does not "
	  "name.",
	  .next = "Read the text; ask the recipient's admin to check the "
	  "mailbox." },
	{ .code = "X.2.1", .meaning = "Mailbox disabled",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The mailbox exists but takes no mail, for good "
	  "(5.2.1: account disabled or closed) or for now (Gmail's 4.2.1: the "
	  "user receives mail too fast).",
	  .causes = "Account disabled, suspended or closed; or too much mail "
	  "to this user in a short time.",
	  .next = "With 5.2.1 ask the recipient for another address; with "
	  "4.2.1 wait and retry later." },
	{ .code = "X.2.2", .meaning = "Mailbox full",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The recipient's mailbox is over its quota. "
	  "Temporary by nature (they can delete mail), though many servers "
	  "send 5.2.2.",
	  .causes = "The recipient has not cleaned up, or the quota is too "
	  "small.",
	  .next = "Tell the recipient by another channel to free space, then "
	  "resend." },
	{ .code = "X.2.3", .meaning = "Message too big for mailbox",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message is over a size limit set for this "
	  "mailbox, lower than the server's own limit. Permanent for this "
	  "message.",
	  .causes = "Large attachments and a per-user size limit.",
	  .next = "Send a smaller message or a link to the file; ask the "
	  "recipient's admin about the limit." },
	{ .code = "X.2.4", .meaning = "Mailing list expansion problem",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The address is a mailing list, and the list could "
	  "not be expanded into its members.",
	  .causes = "A broken list setup, or the member lookup failed.",
	  .next = "Tell the list owner; with 4.2.4 retry later." },

	/* X.3 mail system */
	{ .code = "X.3.0", .meaning = "Other mail system problem",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The receiving system normally takes mail, but "
	  "something in it failed. The class digit says temporary (4) or "
	  "permanent (5).",
	  .causes = "A server-side error the server does not detail.",
	  .next = "With 4.3.0 retry later; with 5.3.0 send the full reply to "
	  "the receiving admin." },
	{ .code = "X.3.1", .meaning = "Mail system full",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The receiving server has no room for mail overall; "
	  "the recipient cannot fix it.",
	  .causes = "Server disk or queue full.",
	  .next = "Retry later and tell the receiving server's admin." },
	{ .code = "X.3.2", .meaning = "System not accepting mail",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The host does not take messages now (shutdown, "
	  "overload, maintenance) or ever (with 521).",
	  .causes = "Maintenance, overload, or a host that never receives "
	  "mail.",
	  .next = "With 4.3.2 retry later; with 5.3.2 or 521 check that the "
	  "domain's MX records point to the right host." },
	{ .code = "X.3.3", .meaning = "Feature not supported",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message asks for a feature the receiving system "
	  "cannot provide.",
	  .causes = "A gateway that cannot carry a feature (DSN, 8-bit, "
	  "priority) to the next system.",
	  .next = "Send a plain message without special options." },
	{ .code = "X.3.4", .meaning = "Message too big for system",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message is larger than the server's limit per "
	  "message. Permanent for this message.",
	  .causes = "Large attachments; SIZE in the EHLO reply is lower than "
	  "the message.",
	  .next = "Compare with SIZE in the EHLO reply; send a smaller message "
	  "or share a link." },
	{ .code = "X.3.5", .meaning = "System incorrectly configured",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The receiving system is set up so that it cannot "
	  "take this message: a fault on the server's side, not yours.",
	  .causes = "Mail looping back to itself, missing routes or domain "
	  "settings, a broken transport.",
	  .next = "Send the full reply and its time to the receiving server's "
	  "admin." },
	{ .code = "X.3.6", .meaning = "Requested priority changed",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The message was accepted, but not at the priority "
	  "asked for (RFC 6710); the text gives the new one.",
	  .causes = "MT-PRIORITY higher than the server allows.",
	  .next = "Nothing to fix for delivery; lower the priority if it "
	  "matters." },

	/* X.4 network and routing */
	{ .code = "X.4.0", .meaning = "Other network or routing problem",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "Something went wrong with the network or routing, "
	  "without more detail.",
	  .causes = "A connection, DNS or routing problem between servers.",
	  .next = "Retry later; check DNS and that the next server is "
	  "reachable." },
	{ .code = "X.4.1", .meaning = "No answer from host",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "Registry meaning: the next host did not answer. But "
	  "Microsoft 365 sends \"550 5.4.1 Recipient address rejected: Access "
	  "denied\" for unknown recipients (directory-based edge blocking).",
	  .causes = "Next host down or firewalled; or (Microsoft 365) the "
	  "address is not in the tenant's directory.",
	  .next = "If the text says Access denied, check the address exists; "
	  "otherwise check that the next host is up and reachable on port "
	  "25." },
	{ .code = "X.4.2", .meaning = "Bad connection",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "A connection was made but the transaction could not "
	  "finish. Temporary.",
	  .causes = "A timeout (idle too long between commands), network "
	  "drops, or a firewall doing SMTP inspection.",
	  .next = "Retry. When typing by hand, be quick: servers drop idle "
	  "sessions. Check for a firewall that inspects SMTP." },
	{ .code = "X.4.3", .meaning = "DNS or directory failure",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "A lookup server (DNS or directory) was unavailable, "
	  "so the message could not be routed. Temporary.",
	  .causes = "DNS server down or timing out, directory (LDAP, AD) "
	  "unreachable.",
	  .next = "Retry later; check the DNS of the domains involved and of "
	  "the server that answered." },
	{ .code = "X.4.4", .meaning = "Unable to route",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "No route to the destination: e.g. the domain has no "
	  "MX and no address record.",
	  .causes = "Missing MX or A records, a domain with only an SOA, or "
	  "wrong routing rules (send connector, transport map).",
	  .next = "Look up the domain's MX and A records; fix DNS or the "
	  "routing settings." },
	{ .code = "X.4.5", .meaning = "Mail system congestion",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The receiving system is too busy right now. "
	  "Temporary.",
	  .causes = "Overload, a long queue, throttling.",
	  .next = "Retry later; a sending server does so by itself." },
	{ .code = "X.4.6", .meaning = "Routing loop detected",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The message went round between servers too many "
	  "times (too many Received headers).",
	  .causes = "Two servers each sending to the other, a forwarding "
	  "loop, a wrong MX or smart host.",
	  .next = "Check the MX records and the forwarding and smart host "
	  "settings; the Received headers show the loop." },
	{ .code = "X.4.7", .meaning = "Delivery time expired",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The message waited too long in a queue and was given "
	  "up. The real cause is whatever kept it waiting.",
	  .causes = "The destination was unreachable or kept answering 4xx "
	  "for days.",
	  .next = "Find out why the destination refused or could not be "
	  "reached (test its MX hosts), fix that, then resend." },

	/* X.5 protocol */
	{ .code = "X.5.0", .meaning = "Other protocol problem",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Something went wrong in the SMTP conversation, "
	  "without more detail. Outlook.com also sends 5.5.0 \"mailbox "
	  "unavailable\" for an unknown recipient.",
	  .causes = "Command or order problems; some servers use it for "
	  "unknown users.",
	  .next = "If the text says mailbox unavailable, check the address; "
	  "otherwise check the command order." },
	{ .code = "X.5.1", .meaning = "Invalid command",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "A command was out of order or is not supported.",
	  .causes = "RCPT before MAIL, DATA without a recipient, or an "
	  "unsupported command.",
	  .next = "Send EHLO, MAIL FROM, RCPT TO, DATA in that order; use only "
	  "commands the EHLO reply lists." },
	{ .code = "X.5.2", .meaning = "Syntax error",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "A command could not be understood: wrong syntax or "
	  "unknown command.",
	  .causes = "A typo, a missing colon or <>, an unknown verb.",
	  .next = "Retype the command exactly, e.g. "
	  "MAIL FROM:<a@example.com>." },
	{ .code = "X.5.3", .meaning = "Too many recipients",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "More recipients than the server takes in one "
	  "message; the refused ones can go in another message.",
	  .causes = "A per-message recipient limit (often 100 or less), or a "
	  "rate limit.",
	  .next = "Send to the remaining recipients in a separate message; a "
	  "mail server does this by itself." },
	{ .code = "X.5.4", .meaning = "Invalid command arguments",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The command is valid but an argument is wrong or "
	  "not supported.",
	  .causes = "A bad option (NOTIFY=, SIZE=, BODY=), an unsupported "
	  "AUTH mechanism, an invalid address form.",
	  .next = "Drop optional arguments or use only those the EHLO reply "
	  "lists." },
	{ .code = "X.5.5", .meaning = "Wrong protocol version",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The two sides disagree on the protocol version and "
	  "could not settle it.",
	  .causes = "EHLO sent to a HELO-only server, or something other than "
	  "SMTP on the port.",
	  .next = "Try HELO instead of EHLO; make sure the port speaks plain "
	  "SMTP (465 expects TLS first)." },
	{ .code = "X.5.6", .meaning = "Authentication line too long",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "An AUTH answer was longer than the server allows for "
	  "that method (RFC 4954).",
	  .causes = "A long token (e.g. OAuth2) in one line, or a broken "
	  "client.",
	  .next = "Send AUTH with the method first and the credentials after "
	  "the 334 prompt; check the client's AUTH settings." },

	/* X.6 content */
	{ .code = "X.6.0", .meaning = "Other content problem",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Something in the message content made it "
	  "undeliverable.",
	  .causes = "Content rules, attachment types, or a malformed "
	  "message.",
	  .next = "Read the text; send a plain-text test without attachments "
	  "to narrow it down." },
	{ .code = "X.6.1", .meaning = "Media not supported",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The next system does not support the type of "
	  "content in the message. Permanent.",
	  .causes = "A blocked or unknown attachment or MIME type.",
	  .next = "Send without that attachment, or in another format (a "
	  "link, a different file type)." },
	{ .code = "X.6.2", .meaning = "Conversion needed but forbidden",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The content had to be converted to go on, but "
	  "conversion was not allowed.",
	  .causes = "8-bit or binary content to a 7-bit-only hop, with "
	  "conversion forbidden.",
	  .next = "Send the message with 7-bit safe encoding (quoted-printable "
	  "or base64)." },
	{ .code = "X.6.3", .meaning = "Conversion needed but unsupported",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The content needed conversion (e.g. 8-bit to 7-bit) "
	  "and a system on the way cannot do it.",
	  .causes = "An 8-bit message to a server without 8BITMIME.",
	  .next = "Send 7-bit content (base64 or quoted-printable); check "
	  "8BITMIME in the EHLO list." },
	{ .code = "X.6.4", .meaning = "Conversion with loss",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message was delivered but converted, and some "
	  "content was lost (or refused, if loss was forbidden).",
	  .causes = "Format conversion at a gateway.",
	  .next = "Check with the recipient that the content is complete." },
	{ .code = "X.6.5", .meaning = "Conversion failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "A required conversion of the content did not work.",
	  .causes = "Malformed MIME, an unknown character set or encoding.",
	  .next = "Resend with standard encoding from a standard mail "
	  "client." },
	{ .code = "X.6.6", .meaning = "Message content not available",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server could not fetch the message content from "
	  "elsewhere (BURL, RFC 4468).",
	  .causes = "The referenced message could not be fetched from the "
	  "IMAP server.",
	  .next = "Send the message itself with DATA instead of BURL." },
	{ .code = "X.6.7", .meaning = "Non-ASCII address not allowed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "An address has non-ASCII characters, which this "
	  "server or mailbox does not allow (SMTPUTF8).",
	  .causes = "An internationalised address sent to a server without "
	  "SMTPUTF8.",
	  .next = "Use an ASCII address; check SMTPUTF8 in the EHLO list." },
	{ .code = "X.6.8", .meaning = "UTF-8 reply needed, not allowed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server would have to show a mailbox name in "
	  "UTF-8, but the client did not ask for SMTPUTF8.",
	  .causes = "An internationalised mailbox name and a client without "
	  "SMTPUTF8.",
	  .next = "Use a client that sends SMTPUTF8, or an ASCII address." },
	{ .code = "X.6.9", .meaning = "UTF-8 headers cannot be delivered",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message has UTF-8 header fields that cannot go "
	  "to one or more recipients, so it is refused after the data.",
	  .causes = "Internationalised headers and a next hop without "
	  "SMTPUTF8.",
	  .next = "Send with ASCII-only headers, or ask for SMTPUTF8 on the "
	  "path." },
	{ .code = "X.6.10", .meaning = "Same as X.6.8 (deprecated)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Registered by mistake as a copy of X.6.8 and "
	  "deprecated: read it as \"UTF-8 reply needed, not allowed\".",
	  .causes = "A server using the deprecated code for an SMTPUTF8 "
	  "problem.",
	  .next = "Treat as X.6.8: use an ASCII address or a client with "
	  "SMTPUTF8." },

	/* X.7 security and policy */
	{ .code = "X.7.0", .meaning = "Other security or policy problem",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "A security or policy rule blocked this, without "
	  "more detail. Common: 5.7.0 \"Must issue a STARTTLS command first\", "
	  "4.7.0 TLS trouble or a temporary block.",
	  .causes = "TLS or login required, a temporary reputation block, or "
	  "a policy the server does not name.",
	  .next = "Read the text: start TLS or log in if it says so; "
	  "otherwise send the full reply to the receiving admin." },
	{ .code = "X.7.1", .meaning = "Delivery not authorised",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Refused by policy. The most overloaded code: relay "
	  "denied, anonymous sender refused, blocklisted IP, spam, or a "
	  "recipient that takes only some senders.",
	  .causes = "Relay without login (good in a relay test), IP on a "
	  "blocklist, spam filter, a group that accepts internal senders "
	  "only.",
	  .next = "Read the text, it names the policy. \"Unable to relay\" for "
	  "the server's own domain means it does not know it is responsible "
	  "for that domain." },
	{ .code = "X.7.2", .meaning = "List expansion prohibited",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sender may not send to this mailing list. "
	  "Permanent.",
	  .causes = "A members-only or moderated list.",
	  .next = "Ask the list owner to allow your sender address." },
	{ .code = "X.7.3", .meaning = "Security conversion impossible",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "A conversion between secure message formats was "
	  "needed and could not be done.",
	  .causes = "A gateway between different secure messaging systems.",
	  .next = "Send without that protection, or by a path that supports "
	  "it." },
	{ .code = "X.7.4", .meaning = "Security features not supported",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message or session needs a security feature the "
	  "server does not support.",
	  .causes = "An unsupported login method or security option; some "
	  "servers use it for REQUIRETLS.",
	  .next = "Use what the EHLO reply offers; send without the special "
	  "security option." },
	{ .code = "X.7.5", .meaning = "Cryptographic failure",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "A system that should decrypt or check the message "
	  "could not: a key was missing or invalid.",
	  .causes = "A missing or expired key, a broken signature or "
	  "encryption.",
	  .next = "Check the sender's signing and encryption keys and "
	  "certificates." },
	{ .code = "X.7.6", .meaning = "Algorithm not supported",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message uses a signing or encryption algorithm "
	  "the system does not support.",
	  .causes = "An old or unusual algorithm.",
	  .next = "Use a common algorithm (RSA-SHA256 for DKIM, current "
	  "S/MIME)." },
	{ .code = "X.7.7", .meaning = "Message integrity failure",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message was changed or damaged on the way, so "
	  "its integrity check failed.",
	  .causes = "A gateway altered a signed message (footer, rewriting), "
	  "or corruption.",
	  .next = "Find the system that changes messages on the way "
	  "(disclaimer, scanner) and keep it off signed mail." },
	{ .code = "X.7.8", .meaning = "Login credentials invalid",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The login (AUTH) was refused: wrong user name or "
	  "password.",
	  .causes = "Wrong password or user name format, a locked account, "
	  "or SMTP AUTH turned off for the mailbox.",
	  .next = "Check the user name format (often the full address) and "
	  "the password; check SMTP AUTH is allowed for the account." },
	{ .code = "X.7.9", .meaning = "Login method too weak",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "This login method is weaker than the server allows "
	  "for this user.",
	  .causes = "PLAIN or LOGIN refused; the provider wants OAuth2 or an "
	  "app password (Gmail: \"Application-specific password "
	  "required\").",
	  .next = "Use a stronger method from the EHLO AUTH list, or an app "
	  "password or OAuth2." },
	{ .code = "X.7.10", .meaning = "Encryption needed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The connection must be encrypted (TLS) before this "
	  "login method may be used.",
	  .causes = "AUTH tried on an unencrypted connection.",
	  .next = "Run STARTTLS, then EHLO again, then AUTH." },
	{ .code = "X.7.11", .meaning = "Encryption required for method",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The chosen login method is only allowed over an "
	  "encrypted connection (reply 538).",
	  .causes = "PLAIN or LOGIN sent before STARTTLS.",
	  .next = "Run STARTTLS first, then EHLO and AUTH." },
	{ .code = "X.7.12", .meaning = "Password transition needed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The user must log in once with another method "
	  "(usually PLAIN over TLS) before this one works. Temporary.",
	  .causes = "The server's password store was changed.",
	  .next = "Log in once with AUTH PLAIN after STARTTLS, then retry." },
	{ .code = "X.7.13", .meaning = "User account disabled",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The login worked but the account is disabled; "
	  "permanent until an admin enables it again.",
	  .causes = "Account suspended: abuse, non-payment, a suspected "
	  "break-in.",
	  .next = "Contact the provider's admin to enable the account; "
	  "retyping the password will not help." },
	{ .code = "X.7.14", .meaning = "Trust relationship required",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server needs a configured trust with another "
	  "server to fetch the content (BURL).",
	  .causes = "The submission server is not trusted by the IMAP "
	  "server.",
	  .next = "Send with DATA instead, or ask the admin to set up the "
	  "trust." },
	{ .code = "X.7.15", .meaning = "Priority too low",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message's priority is below what the server "
	  "takes right now (RFC 6710). May be temporary.",
	  .causes = "A server accepting only high-priority mail for now.",
	  .next = "Retry later, or resend with a higher MT-PRIORITY if "
	  "allowed." },
	{ .code = "X.7.16", .meaning = "Too big for this priority",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message is too large for the priority asked "
	  "for (RFC 6710).",
	  .causes = "Size limits that depend on priority.",
	  .next = "Send a smaller message, or with another priority." },
	{ .code = "X.7.17", .meaning = "Mailbox owner has changed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The mailbox belongs to someone else since the date "
	  "the sender gave (RRVS, RFC 7293).",
	  .causes = "The address was given to a new person.",
	  .next = "Confirm the recipient's current address by another "
	  "channel." },
	{ .code = "X.7.18", .meaning = "Domain owner has changed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The recipient's domain changed owner since the date "
	  "the sender gave (RRVS, RFC 7293).",
	  .causes = "The domain expired and was registered again, or was "
	  "sold.",
	  .next = "Confirm the recipient's current address by another "
	  "channel." },
	{ .code = "X.7.19", .meaning = "RRVS test cannot be completed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server cannot check the mailbox ownership date "
	  "the sender asked about (RRVS).",
	  .causes = "The server has no record of when the mailbox was "
	  "created.",
	  .next = "Decide whether to resend without the Require-Recipient-"
	  "Valid-Since check." },
	{ .code = "X.7.20", .meaning = "No passing DKIM signature",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message had no valid DKIM signature, and the "
	  "receiver requires one.",
	  .causes = "Not signed, key not published in DNS, or the message "
	  "changed after signing.",
	  .next = "Sign outgoing mail with DKIM, publish the key at "
	  "<selector>._domainkey.<domain>, and keep gateways from altering "
	  "signed mail." },
	{ .code = "X.7.21", .meaning = "No acceptable DKIM signature",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "DKIM signatures passed, but none was acceptable to "
	  "the receiver's policy.",
	  .causes = "Signed with a domain or key the receiver does not accept "
	  "(third-party domain, weak key).",
	  .next = "Sign with your own domain and a 2048-bit RSA key." },
	{ .code = "X.7.22", .meaning = "No author-matched DKIM signature",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "No passing DKIM signature matches the domain in the "
	  "From header.",
	  .causes = "The mail service signs with its own domain, not "
	  "yours.",
	  .next = "Set up DKIM signing for your own From domain at the "
	  "sending service." },
	{ .code = "X.7.23", .meaning = "SPF validation failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sending IP is not allowed by the sender "
	  "domain's SPF record (SPF fail). Gmail uses 4.7.23 for a missing "
	  "PTR record instead.",
	  .causes = "Mail sent through a server or service missing from SPF, "
	  "or forwarded by another server.",
	  .next = "Add the sending server or service to the domain's SPF "
	  "record (ip4:, include:); with Gmail's 4.7.23 fix the PTR." },
	{ .code = "X.7.24", .meaning = "SPF validation error",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Checking SPF gave an error: temporary (4.7.24, DNS "
	  "failed) or permanent (5.7.24, broken record).",
	  .causes = "SPF syntax error, more than 10 DNS lookups, two SPF "
	  "records, DNS timeouts.",
	  .next = "Check the sender domain's SPF record with a validator: one "
	  "record, at most 10 lookups." },
	{ .code = "X.7.25", .meaning = "Reverse DNS check failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sending IP has no PTR record, or its name does "
	  "not point back to the same IP.",
	  .causes = "No PTR (set by whoever owns the IP), or a PTR name "
	  "without a matching A/AAAA record.",
	  .next = "Ask the owner of the sending IP (ISP, hosting) for a PTR to "
	  "a name whose A record is that IP." },
	{ .code = "X.7.26", .meaning = "Several authentication checks failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "More than one check (SPF, DKIM, DMARC) failed. "
	  "Gmail uses 5.7.26 for unauthenticated mail and DMARC "
	  "rejections.",
	  .causes = "Neither SPF nor DKIM passes, or the domain's DMARC policy "
	  "says reject.",
	  .next = "Set up SPF and DKIM for the sending domain and align them "
	  "with the From domain (DMARC)." },
	{ .code = "X.7.27", .meaning = "Sender domain has null MX",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sender's domain says it takes no mail (null MX), "
	  "so bounces could not reach it. Gmail uses 5.7.27 for an SPF "
	  "failure instead.",
	  .causes = "Sending from a domain with \"MX 0 .\"; or (Gmail) SPF did "
	  "not pass.",
	  .next = "Send from a domain that can receive mail; for Gmail check "
	  "SPF of the envelope sender's domain." },
	{ .code = "X.7.28", .meaning = "Mail flood detected",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message looks like part of a flood of similar "
	  "abusive mail. Gmail uses 4.7.28 for an unusual rate of unwanted "
	  "mail from your IP or domain.",
	  .causes = "A burst of mail, a hacked account or web form sending "
	  "spam, poor reputation.",
	  .next = "Slow down; look for hacked accounts or forms; check "
	  "reputation (e.g. Google Postmaster Tools), then retry later." },
	{ .code = "X.7.29", .meaning = "ARC validation failure",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message's ARC chain (authentication kept across "
	  "forwarding, RFC 8617) did not validate.",
	  .causes = "A forwarder or mailing list broke or mis-signed the ARC "
	  "headers.",
	  .next = "Send the full reply to the admin of the forwarding system "
	  "(list or gateway)." },
	{ .code = "X.7.30", .meaning = "REQUIRETLS support required",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "The message demands TLS all the way (REQUIRETLS, RFC "
	  "8689) and a server on the path lacks it. Gmail uses 5.7.30 for "
	  "\"DKIM did not pass\" instead.",
	  .causes = "The next hop does not offer REQUIRETLS; or (Gmail) DKIM "
	  "missing or failing.",
	  .next = "If the text names DKIM, set up signing; otherwise send "
	  "without REQUIRETLS or via servers that offer it." },
};

/* ---- classes ------------------------------------------------------------- */

static const struct code_info class_table[] = {
	{ .code = "2xx", .meaning = "Success",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server did what was asked. Nothing to fix at "
	  "this step.",
	  .causes = "Normal operation.",
	  .next = "Go on with the next step." },
	{ .code = "3xx", .meaning = "Go on, the server waits",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server accepted the start and waits for more: "
	  "the message after DATA (354) or the next login step (334).",
	  .causes = "DATA or AUTH was accepted.",
	  .next = "Send what it waits for: the message, or the next base64 "
	  "line." },
	{ .code = "4xx", .meaning = "Temporary failure: try later",
	  .explanation = "Not now, but maybe later. A sending server keeps the "
	  "message and retries for days (often up to 5) before it gives "
	  "up.",
	  .causes = "Greylisting, overload, rate limits, temporary DNS or "
	  "server problems, a full mailbox.",
	  .next = "Wait and retry. If the same 4xx lasts more than an hour or "
	  "two, read the text and contact the receiving admin." },
	{ .code = "5xx", .meaning = "Permanent failure",
	  .explanation = "Refused for good: retrying will not help unless "
	  "something changes (address, sender, content or server setup).",
	  .causes = "Unknown recipient, a policy or spam block, login needed, "
	  "a syntax error.",
	  .next = "Read the enhanced code and the text, and fix what they "
	  "name before trying again." },
};

/* ---- well-known texts ----------------------------------------------------- */

static const struct code_info text_table[] = {
	/* Relay and anonymous mail */
	{ .code = "5.7.1 Unable to relay",
	  .meaning = "Relay denied (Exchange)",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "Exchange will not pass mail on to this domain: it is "
	  "not responsible for it and you are not logged in. A GOOD answer in "
	  "a relay test to an outside address.",
	  .causes = "Recipient domain not an accepted domain of this server, "
	  "and no login or relay permission for this client.",
	  .next = "Outside address: nothing to fix. Own domain: add it to "
	  "Exchange's accepted domains. Internal app: give it a relay "
	  "connector or a login." },
	{ .code = "5.7.57 not authenticated",
	  .meaning = "Login required (Microsoft 365 submission)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Microsoft 365's submission service takes mail only "
	  "from logged-in clients; this session sent MAIL FROM without "
	  "AUTH.",
	  .causes = "A device or app sends to smtp.office365.com without "
	  "logging in, or its login failed silently.",
	  .next = "Configure the device with STARTTLS on port 587 and a "
	  "mailbox login, or send to the tenant's MX host on port 25 "
	  "instead." },
	{ .code = "5.7.1 Client was not authenticated",
	  .meaning = "Anonymous mail refused (Exchange connector)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "This Exchange receive connector does not allow "
	  "anonymous senders, so mail from the internet is refused. On the "
	  "public MX this is a misconfiguration.",
	  .causes = "The receive connector lacks the Anonymous users "
	  "permission, or the internet reaches the wrong connector or "
	  "port.",
	  .next = "If this host is the public MX, ask the Exchange admin to add "
	  "Anonymous users to the permission groups of its port-25 receive "
	  "connector." },
	{ .code = "Relay access denied",
	  .meaning = "Relay denied (Postfix)",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "Postfix will not pass mail on to this domain for an "
	  "unknown client. A GOOD answer in a relay test to an outside "
	  "address.",
	  .causes = "Recipient domain not in mydestination, relay_domains or "
	  "virtual domains, and the client is not in mynetworks or logged "
	  "in.",
	  .next = "Outside address: nothing to fix. Own domain: add it to "
	  "relay_domains or virtual domains. Own client: log in (AUTH) on "
	  "port 587." },
	{ .code = "relaying denied | relay not permitted | relay denied | "
	  "relaying not allowed | not permitted to relay | we do not relay | "
	  "unable to relay",
	  .meaning = "Relay denied",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "The server will not pass mail on to a domain it is "
	  "not responsible for. A GOOD answer in a relay test to an outside "
	  "address; bad for the server's own domains.",
	  .causes = "The recipient domain is not handled by this server, and "
	  "the client is neither trusted nor logged in.",
	  .next = "Outside address: nothing to fix. Own domain: the server "
	  "must list it as a local or relay domain. Own client: log in "
	  "first." },

	/* TLS */
	{ .code = "Must issue a STARTTLS command first",
	  .meaning = "TLS required first",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server requires an encrypted session before it "
	  "goes on. Normal on a submission port; on a public MX it refuses "
	  "senders that do not use TLS.",
	  .causes = "TLS enforced for everyone (e.g. smtpd_tls_security_level"
	  " = encrypt).",
	  .next = "Send STARTTLS, then EHLO again, then go on. If this is a "
	  "public MX on port 25, tell its admin to make TLS optional there "
	  "(RFC 3207)." },
	{ .code = "TLS not available due to local problem",
	  .meaning = "TLS broken on the server (Postfix)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The server offers STARTTLS but cannot start it: its "
	  "own TLS setup is broken. Temporary code, but it lasts until the "
	  "admin fixes it.",
	  .causes = "Missing, unreadable or mismatched certificate and key "
	  "files, or a TLS library error on the server.",
	  .next = "Tell the server's admin: check the certificate and key "
	  "paths in main.cf and the mail log for the TLS error." },
	{ .code = "TLS not available",
	  .meaning = "TLS not available now",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The server cannot start TLS at the moment. "
	  "Senders that insist on TLS will queue and retry.",
	  .causes = "A certificate or key problem on the server, or a "
	  "temporary TLS failure.",
	  .next = "Retry later; if it persists, ask the admin to check the "
	  "server's TLS certificate and key." },

	/* Greylisting */
	{ .code = "greylist | graylist | grey-listed | postgrey | "
	  "45x try again later",
	  .meaning = "Greylisting: retry later",
	  .side = CODES_SIDE_NONE,
	  .explanation = "The server turns away the first attempt from an "
	  "unknown sender on purpose and accepts a retry after a few minutes "
	  "(a bare \"try again later\" in a 450/451 is usually this). Normal, "
	  "not an error.",
	  .causes = "Greylisting (postgrey and similar); a real mail server "
	  "retries by itself, many spam senders do not.",
	  .next = "Wait 5-15 minutes and retry with the same sender and "
	  "recipient. Only if it lasts for hours ask the receiving admin." },

	/* Unknown recipients */
	{ .code = "User unknown in local recipient table",
	  .meaning = "Unknown user (Postfix local)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "Postfix does not know this user in its local "
	  "domain: no such account or alias. Permanent.",
	  .causes = "A typo, a deleted user, or the domain is wrongly listed "
	  "in mydestination while the users live elsewhere.",
	  .next = "Check the address spelling; the admin checks the user or "
	  "alias exists, or moves the domain out of mydestination." },
	{ .code = "User unknown in virtual mailbox table",
	  .meaning = "Unknown user (Postfix virtual mailbox)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "Postfix hosts this domain as a virtual mailbox "
	  "domain and has no mailbox for this address. Permanent.",
	  .causes = "A typo, a deleted mailbox, or a mailbox missing from "
	  "virtual_mailbox_maps (database or map not updated).",
	  .next = "Check the spelling; the admin checks the mailbox exists "
	  "in virtual_mailbox_maps (postmap / database)." },
	{ .code = "User unknown in virtual alias table",
	  .meaning = "Unknown user (Postfix virtual alias)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "Postfix hosts this domain as an alias-only domain "
	  "and has no alias for this address. Permanent.",
	  .causes = "A typo, or an alias missing from virtual_alias_maps.",
	  .next = "Check the spelling; the admin adds the alias to "
	  "virtual_alias_maps and runs postmap." },
	{ .code = "User unknown in relay recipient table",
	  .meaning = "Unknown user (Postfix gateway)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "This Postfix gateway relays for the domain and its "
	  "list of valid recipients does not include the address. "
	  "Permanent.",
	  .causes = "A typo, or relay_recipient_maps not updated from the "
	  "real mail server's user list.",
	  .next = "Check the spelling; the admin updates relay_recipient_maps "
	  "from the inside mail server." },
	{ .code = "Recipient address rejected: User unknown",
	  .meaning = "Unknown user (Postfix)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The server refused the recipient because no such "
	  "user exists. Permanent.",
	  .causes = "A typo, a deleted mailbox, or an out-of-date recipient "
	  "list on a gateway.",
	  .next = "Check the address spelling with the recipient; if right, "
	  "ask their admin whether the mailbox exists." },
	{ .code = "5.4.1 Recipient address rejected: Access denied",
	  .meaning = "Unknown user (Microsoft 365 edge blocking)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "Microsoft 365 refuses addresses it does not find in "
	  "the tenant's directory (directory-based edge blocking). Despite "
	  "5.4.1, it usually means the recipient does not exist.",
	  .causes = "A typo, a deleted mailbox, or an address missing from "
	  "Entra ID/directory sync; sometimes an accepted-domain type "
	  "mismatch.",
	  .next = "Check the spelling; the tenant admin checks the recipient "
	  "exists and the accepted domain type (Authoritative vs Internal "
	  "Relay)." },
	{ .code = "RecipientNotFound | RecipNotFound",
	  .meaning = "Unknown user (Exchange)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "Exchange looked the address up in its directory and "
	  "did not find it. Permanent.",
	  .causes = "A typo, a removed mailbox or alias, or directory sync "
	  "not finished.",
	  .next = "Check the spelling; the Exchange admin checks the address "
	  "is on a mailbox, contact or group." },
	{ .code = "User unknown | Unknown user | No such user | "
	  "unknown recipient | recipient not found | Invalid recipient | "
	  "does not exist | Unrouteable address",
	  .meaning = "Unknown user",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The server says there is no such recipient. "
	  "Permanent.",
	  .causes = "A typo, a deleted or renamed mailbox, or an out-of-date "
	  "recipient list.",
	  .next = "Check the address spelling with the recipient; if it is "
	  "right, ask their admin to check the mailbox." },
	{ .code = "Mailbox unavailable",
	  .meaning = "Mailbox unavailable",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The server will not deliver to this mailbox. With "
	  "4xx it is busy or locked for now; with 5xx it usually does not "
	  "exist (Outlook.com says 5.5.0 for that).",
	  .causes = "An unknown or disabled mailbox, a locked mailbox, or a "
	  "policy the server does not name.",
	  .next = "With 4xx retry later. With 5xx check the spelling with the "
	  "recipient, then ask their admin." },

	/* Quota */
	{ .code = "mailbox full | mailbox is full | over quota | "
	  "quota exceeded | exceeded storage allocation | "
	  "out of storage space",
	  .meaning = "Mailbox full",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The recipient's mailbox is over its quota. It clears "
	  "when they delete mail, even if the server answered 5xx.",
	  .causes = "The recipient has not cleaned up, or the quota is too "
	  "small.",
	  .next = "Tell the recipient by phone or another address to free "
	  "space, then resend." },

	/* Domains, hostnames, DNS */
	{ .code = "Sender address rejected: Domain not found",
	  .meaning = "Sender domain not in DNS (Postfix)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server found no MX or A record for the domain "
	  "of MAIL FROM, so replies could not reach it. Postfix says 450 by "
	  "default: it looks temporary but repeats until DNS is fixed.",
	  .causes = "A made-up or internal sender domain (.local), a typo, or "
	  "broken DNS for the sender domain.",
	  .next = "Use a sender address in a real public domain; check that "
	  "domain's MX and A records." },
	{ .code = "Recipient address rejected: Domain not found",
	  .meaning = "Recipient domain not in DNS",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "The server looked up the recipient's domain and "
	  "found no MX or A record.",
	  .causes = "A typo in the domain, an expired domain, or broken "
	  "DNS.",
	  .next = "Check the domain spelling; look up its MX records." },
	{ .code = "Client host rejected: cannot find your reverse hostname",
	  .meaning = "No PTR record for sending IP",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sending IP address has no reverse DNS name "
	  "(PTR), and this server requires one "
	  "(reject_unknown_reverse_client_hostname). A 450 here repeats until "
	  "the PTR exists.",
	  .causes = "No PTR record for the sending IP, or its DNS fails.",
	  .next = "Ask the owner of the sending IP (ISP, hosting) to set a PTR "
	  "record to the server's name." },
	{ .code = "Client host rejected: cannot find your hostname",
	  .meaning = "PTR missing or not matching (Postfix)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sending IP has no PTR name, or that name does "
	  "not resolve back to the same IP (reject_unknown_client_hostname). "
	  "Postfix says 450 by default, but it repeats until DNS is fixed.",
	  .causes = "No PTR for the sending IP, or the PTR name has no A/AAAA "
	  "record pointing to that IP.",
	  .next = "Fix the PTR (at the IP's owner) and the matching A/AAAA "
	  "record so both point at each other (forward-confirmed)." },
	{ .code = "Helo command rejected: need fully-qualified hostname",
	  .meaning = "EHLO name not a full host name",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The name given after EHLO/HELO is not a full domain "
	  "name, and the server requires one.",
	  .causes = "EHLO with a short name (\"server1\") or a bare word.",
	  .next = "Set the sending server's EHLO name to its full public host "
	  "name (e.g. mail.example.com)." },
	{ .code = "Helo command rejected: Host not found",
	  .meaning = "EHLO name not in DNS",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The name given after EHLO/HELO has no A or MX record "
	  "in DNS, and the server requires one.",
	  .causes = "An internal or made-up EHLO name.",
	  .next = "Set the EHLO name to a public host name with an A record, "
	  "ideally the same as the PTR." },

	/* Blocklists and reputation */
	{ .code = "Service unavailable; Client host",
	  .meaning = "Sending IP blocklisted (Postfix DNSBL)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Postfix refused the connection's IP because a DNS "
	  "blocklist (named after \"blocked using\") lists it.",
	  .causes = "The sending IP or its range is on a blocklist: spam from "
	  "it, a hacked machine, or a dynamic/residential range.",
	  .next = "Look up the sending IP on the list named in the text and "
	  "follow its delisting steps after fixing the cause." },
	{ .code = "banned sending IP",
	  .meaning = "Sending IP banned (Microsoft 365)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Microsoft 365 refuses mail from this IP (5.7.606 to "
	  "5.7.649: IP on its block list).",
	  .causes = "Spam or poor reputation from the sending IP.",
	  .next = "Fix the cause, then request delisting at Microsoft's "
	  "sender portal (sender.office.com) with the IP in the text." },
	{ .code = "traffic not accepted from this IP",
	  .meaning = "IP not accepted (Microsoft 365)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Microsoft 365 refuses mail from this IP because of "
	  "its reputation (5.7.708), often a new or little-known IP.",
	  .causes = "Low or no reputation for the sending IP, typical for new "
	  "servers and cloud ranges.",
	  .next = "Send through a smart host or provider with a good "
	  "reputation; the tenant admin can open a case with Microsoft." },
	{ .code = "on our block list",
	  .meaning = "IP blocked (Outlook.com)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Outlook.com refuses this IP or its network range "
	  "(often reported as S3140/S3150).",
	  .causes = "Spam from the range, or a range Microsoft does not take "
	  "mail from.",
	  .next = "Ask for delisting through Microsoft's sender support form; "
	  "the text names the IP and the code." },
	{ .code = "blocked using | Spamhaus | SpamCop | blacklisted | black list | "
	  "blocklisted | listed on | listed in | listed at | listed by | "
	  "DNSBL | RBL",
	  .meaning = "Sending IP on a blocklist (DNSBL)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server refused the sending IP because a public "
	  "blocklist lists it. Permanent until the IP is removed.",
	  .causes = "Spam sent from the IP, a hacked machine or account, or a "
	  "dynamic/residential range the list blocks on purpose.",
	  .next = "Check the sending IP on the list named in the text, fix "
	  "the cause, then ask that list for delisting." },

	/* Authentication of the message: Gmail's texts first */
	{ .code = "due to domain's DMARC policy",
	  .meaning = "Rejected by DMARC (Gmail)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Gmail checked the From domain's DMARC policy: the "
	  "message was not authenticated (no aligned SPF or DKIM pass), and "
	  "the policy says reject.",
	  .causes = "Sent through a server or service not in SPF and not "
	  "signing with DKIM for the From domain, or forwarded.",
	  .next = "Align SPF or DKIM with the From domain for every service "
	  "that sends as it; check the DMARC aggregate reports." },
	{ .code = "sender is unauthenticated | unauthenticated email | "
	  "does not have authentication information | "
	  "fails to pass authentication checks",
	  .meaning = "Unauthenticated sender (Gmail)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Gmail refuses (5.7.26) or defers mail that passes "
	  "neither SPF nor DKIM.",
	  .causes = "No SPF record including the sending IP and no DKIM "
	  "signature.",
	  .next = "Publish SPF for the sending server and sign with DKIM; bulk "
	  "senders also need DMARC." },
	{ .code = "unusual rate of unsolicited mail",
	  .meaning = "Rate limited for spam (Gmail)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Gmail slows mail from this IP or domain (4.7.28) "
	  "because much of it looks unwanted. Temporary, but lasts while the "
	  "reputation is poor.",
	  .causes = "A burst of mail, complaints, a hacked account or form, "
	  "poor IP or domain reputation.",
	  .next = "Slow down; look for hacked accounts or forms; check Google "
	  "Postmaster Tools; authenticate with SPF, DKIM and DMARC." },
	{ .code = "DMARC",
	  .meaning = "Rejected by DMARC",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The From domain's DMARC check failed and its policy "
	  "asks receivers to reject.",
	  .causes = "Neither SPF nor DKIM passed in alignment with the From "
	  "domain: a service not set up, or forwarding.",
	  .next = "Set up SPF and DKIM aligned with the From domain for every "
	  "sending service; read the DMARC reports." },
	{ .code = "SPF | openspf | does not designate",
	  .meaning = "SPF check failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The sender domain's SPF record does not allow the "
	  "IP that sent the message.",
	  .causes = "A server or service missing from SPF, mail forwarded by "
	  "another server, or a broken SPF record.",
	  .next = "Add the sending IP or service to the domain's SPF record "
	  "(ip4:, include:) and check it with an SPF validator." },
	{ .code = "DKIM",
	  .meaning = "DKIM check failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message's DKIM signature is missing or did not "
	  "verify, and the receiver requires it.",
	  .causes = "No signing, key missing in DNS, or the message changed "
	  "after signing (footer, scanner).",
	  .next = "Enable DKIM signing, publish the key in DNS, keep gateways "
	  "from altering signed mail." },

	/* Content */
	{ .code = "rejected as spam | spam message rejected | "
	  "considered spam | detected as spam | classified as spam | "
	  "looks like spam | likely unsolicited",
	  .meaning = "Rejected as spam",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The receiver's content filter judged the message "
	  "to be spam.",
	  .causes = "Spammy wording or links, a poor-reputation link or "
	  "attachment, missing authentication, or a blocklisted IP.",
	  .next = "Send a short plain test to see if content is the cause; "
	  "check SPF, DKIM, DMARC and blocklists; ask the receiving admin for "
	  "an allow-list entry." },
	{ .code = "virus | malware | infected",
	  .meaning = "Content refused: virus",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The receiver's scanner found a virus or malware in "
	  "the message and refused it: a content rejection, not a problem of "
	  "addresses or DNS.",
	  .causes = "An infected attachment, a sender's machine that is "
	  "infected, or a false positive of the scanner.",
	  .next = "Scan the sending machine and the attachment; resend without "
	  "it. For a false positive send the full reply to the receiving "
	  "admin." },
	{ .code = "spam content | content identified as spam | "
	  "blocked due to spam | high probability of spam | spam detected",
	  .meaning = "Content refused: spam",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The receiver's content filter judged the message "
	  "to be spam and refused it.",
	  .causes = "Spammy wording or links, a poor-reputation link or "
	  "attachment, missing authentication, or a blocklisted IP.",
	  .next = "Send a short plain test to see if content is the cause; "
	  "check SPF, DKIM, DMARC and blocklists." },
	{ .code = "content presents a potential security issue | "
	  "illegal attachment | attachment not allowed | blocked attachment | "
	  "content rejected | content denied",
	  .meaning = "Content refused by policy",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The receiver refused the message for what it "
	  "contains: an attachment type or content its policy blocks.",
	  .causes = "An executable, macro or archive attachment, or content "
	  "rules of the receiving organisation.",
	  .next = "Resend without the attachment or share it as a link; ask "
	  "the receiving admin which rule matched." },
	{ .code = "message size exceeds | message too big | "
	  "message too large | Too much mail data | "
	  "exceeds maximum permitted | exceeded Google's message size",
	  .meaning = "Message too big",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The message is larger than the server accepts.",
	  .causes = "Large attachments; encoding adds about a third to their "
	  "size.",
	  .next = "Compare with SIZE in the EHLO reply; send a link instead "
	  "of a large attachment." },

	/* Limits */
	{ .code = "too many connections | too many concurrent",
	  .meaning = "Too many connections",
	  .side = CODES_SIDE_SENDER, .clears = 1,
	  .explanation = "The server limits simultaneous connections from one "
	  "IP and this one is over it. With 4xx a sender retries later; with "
	  "5xx it gives up on the message.",
	  .causes = "Several sessions at once from the same IP (other mail "
	  "servers, scanners or tests behind the same NAT).",
	  .next = "Retry later with fewer parallel sessions; mailflow opens "
	  "one per MX address." },
	{ .code = "rate limit | ratelimit | rate-limit | rate limited | "
	  "too many messages | too much mail from | sending rate | throttl",
	  .meaning = "Rate limited",
	  .side = CODES_SIDE_SENDER, .clears = 1,
	  .explanation = "The server caps how much mail it takes from this "
	  "sender or IP in a time span. Temporary (4xx) or a quota block "
	  "(5xx).",
	  .causes = "A burst of messages, a mailing, a hacked account, or "
	  "sending quota used up.",
	  .next = "Send slower or in smaller batches; retry later. Check for "
	  "hacked accounts if nobody sent that much." },

	/* Protocol */
	{ .code = "synchronization error | "
	  "Improper use of SMTP command pipelining",
	  .meaning = "Spoke too early",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The client sent commands before the server's reply "
	  "(before the greeting, or pipelining not offered). Spam bots do "
	  "this, so the server drops it.",
	  .causes = "Typing or pasting before the banner, a client that "
	  "pipelines without PIPELINING, or a slow banner.",
	  .next = "Wait for each reply (and the 220 banner) before the next "
	  "command; pipeline only when EHLO lists PIPELINING." },
	{ .code = "Protocol error",
	  .meaning = "Protocol error",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server did not accept the way the conversation "
	  "went: wrong order, bad syntax, or unexpected data.",
	  .causes = "Commands out of order, pasted lines, a non-SMTP client, "
	  "or a firewall altering the session.",
	  .next = "Restart: EHLO, MAIL FROM:<...>, RCPT TO:<...>, DATA; wait "
	  "for each reply. Check for a firewall doing SMTP inspection." },

	/* Submission login */
	{ .code = "SmtpClientAuthentication is disabled | "
	  "basic authentication is disabled",
	  .meaning = "SMTP login turned off (Microsoft 365)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The password was not even checked: SMTP AUTH is "
	  "turned off for this mailbox or the whole tenant (5.7.139).",
	  .causes = "SMTP client authentication disabled by default or by "
	  "security defaults.",
	  .next = "The tenant admin enables Authenticated SMTP for this "
	  "mailbox, or the app switches to OAuth2 or a connector." },
	{ .code = "Application-specific password required",
	  .meaning = "App password required (Gmail)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The account uses 2-step verification, so the normal "
	  "password does not work for SMTP.",
	  .causes = "2-step verification on the account.",
	  .next = "Create an app password in the Google account and use it, "
	  "or use OAuth2." },
	{ .code = "SenderNotAuthenticatedForGroup",
	  .meaning = "Group takes internal senders only (Exchange)",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The recipient is a group that accepts mail only "
	  "from authenticated (internal) senders; mail from outside is "
	  "refused.",
	  .causes = "The group's delivery restriction \"require all senders "
	  "to be authenticated\".",
	  .next = "Ask the recipient's admin to let outside senders mail this "
	  "group, or to add your address to its allowed senders." },
	{ .code = "Authentication required | authentication is required",
	  .meaning = "Login required",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server takes this command only from a logged-in "
	  "client: log in (AUTH) first.",
	  .causes = "A submission port, or a server that refuses anonymous "
	  "mail.",
	  .next = "Log in: give mailflow -a USER (--auth-user), with TLS, "
	  "usually on port 587. On a public MX on port 25 this refuses "
	  "internet mail: tell its admin.",
	  .wants_login = 1 },
	{ .code = "Authentication unsuccessful | authentication failed | "
	  "Invalid credentials | Username and Password not accepted",
	  .meaning = "Login failed",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server refused the user name or password.",
	  .causes = "A wrong password or user name format, a locked account, "
	  "or SMTP login not allowed for the account.",
	  .next = "Check the user name (often the full address) and password; "
	  "check the account may use SMTP AUTH." },
	{ .code = "Sender address rejected: not owned by user",
	  .meaning = "Sender not allowed for this login",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "You are logged in, but MAIL FROM is an address this "
	  "account may not send as (reject_sender_login_mismatch).",
	  .causes = "A device sending as another address than its login.",
	  .next = "Use the login's own address as sender, or ask the admin to "
	  "allow this sender for the account." },

	/* Generic policy texts */
	{ .code = "not accepted for policy reasons",
	  .meaning = "Refused by policy (Yahoo)",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "Yahoo refused the message by its policy (it sends "
	  "5.7.9 for this, not about a login): content, reputation, or "
	  "authentication of the sender.",
	  .causes = "Poor IP or domain reputation, complaints, missing SPF, "
	  "DKIM or DMARC, or content that looks like spam.",
	  .next = "Authenticate with SPF, DKIM and DMARC; check the sending "
	  "IP's reputation; see Yahoo's sender error code pages." },
	{ .code = "Client host rejected: Access denied",
	  .meaning = "Sending host refused by rule",
	  .side = CODES_SIDE_SENDER,
	  .explanation = "The server has a rule that refuses this client IP "
	  "or host name (e.g. Postfix check_client_access). Permanent.",
	  .causes = "The IP or its network is on the server's own block list, "
	  "or a country or range block.",
	  .next = "Send the full reply and the sending IP to the receiving "
	  "admin and ask why it is blocked." },
	{ .code = "Recipient address rejected: Access denied",
	  .meaning = "Recipient refused by rule",
	  .side = CODES_SIDE_RECIPIENT,
	  .explanation = "The server has a rule that refuses mail to this "
	  "address from this sender (e.g. Postfix check_recipient_access).",
	  .causes = "An internal-only address or group, or a sender not on "
	  "the recipient's allow list.",
	  .next = "Ask the recipient's admin whether this address may take "
	  "mail from outside or from your sender." },
	{ .code = "Administrative prohibition",
	  .meaning = "Refused by local policy (Exim)",
	  .side = CODES_SIDE_EITHER,
	  .explanation = "An Exim access rule denied this without naming the "
	  "reason. Permanent.",
	  .causes = "A blocked sender, IP, domain or content rule in the "
	  "server's ACLs.",
	  .next = "Send the full reply, time and sending IP to the receiving "
	  "admin; their mail log shows which rule matched." },
	/* No reply at all: a bounce's words for a server it could not reach
	 * or talk to (Postfix, Exim, Gmail), matched without a code. */
	{ .code = "Connection refused | Connection timed out | timed out | "
	  "No route to host | Network is unreachable | "
	  "Host or domain name not found | Host not found | lost connection | "
	  "conversation with | requests to connect",
	  .meaning = "Receiving server not reached",
	  .side = CODES_SIDE_RECIPIENT, .clears = 1,
	  .explanation = "The sending server could not reach a mail server of "
	  "the recipient's domain, or lost it during the session, so no reply "
	  "was given. A sending server keeps trying for a while before it "
	  "returns the message.",
	  .causes = "The domain's MX hosts are down, firewalled or overloaded, "
	  "their names do not resolve, or the MX records point to the wrong "
	  "place.",
	  .next = "Probe the domain: the MX records, and whether each MX host "
	  "answers on port 25; if none does, tell the recipient's admin." },
};

/* ---- replies in the context of their command ----------------------------- */

/*
 * What a reply means in answer to one command. The .code of an entry is
 * its key: a basic code whose last two digits may be "x" ("250", "50x",
 * "5xx"), optionally followed by an enhanced code whose class may be "X"
 * ("524 5.2.4"). codes_context() picks the most specific key that matches:
 * more digits first, then a key with an enhanced code over one without.
 */
struct context_entry {
	enum codes_cmd cmd;
	struct code_info info;
};

#define CTX(c, sd, k, m, e, ca, n) \
	{ CODES_CMD_##c, { .code = (k), .meaning = (m), .explanation = (e), \
	                   .causes = (ca), .next = (n), .side = CODES_SIDE_##sd } }
/* The same, for a reply whose temporary form clears by itself. */
#define CTX_C(c, sd, k, m, e, ca, n) \
	{ CODES_CMD_##c, { .code = (k), .meaning = (m), .explanation = (e), \
	                   .causes = (ca), .next = (n), .side = CODES_SIDE_##sd, \
	                   .clears = 1 } }

static const struct context_entry context_table[] = {
	/* The greeting */
	CTX(GREETING, NONE, "220", "Server ready",
	    "The server greets us and waits for EHLO. Its first word should be "
	    "its own full host name.",
	    "Normal start of a session.",
	    "Check that the banner name is the server's public name and matches "
	    "its PTR record."),
	CTX_C(GREETING, RECIPIENT, "421", "Busy: no session for now",
	    "The server turned the session away at the greeting and closes. "
	    "Temporary: senders retry later by themselves.",
	    "Too many connections from this IP, overload, maintenance or a "
	    "temporary block; the text says which.",
	    "Retry later with fewer sessions at once; if it lasts for hours, "
	    "send the full reply to the receiving admin."),
	CTX_C(GREETING, RECIPIENT, "4xx", "Session deferred at the greeting",
	    "The server will not take mail on this connection now, but may "
	    "later. Temporary: senders retry later.",
	    "Overload, connection limits, or a temporary block of this IP.",
	    "Retry later; if it lasts for hours, send the full reply to the "
	    "receiving admin."),
	CTX(GREETING, EITHER, "554", "No mail service for this client",
	    "The server refuses to talk to this client at all, for good: "
	    "nothing is accepted on this connection.",
	    "The sending IP is on a blocklist or the server's own block list, "
	    "or the host takes no mail from outside.",
	    "Check the sending IP on blocklists (the text often names one); "
	    "send the full reply and the IP to the receiving admin."),
	CTX(GREETING, EITHER, "5xx", "Session refused at the greeting",
	    "The server refuses this session for good before any command.",
	    "A blocked client IP, or a host that takes no mail.",
	    "Read the text; check the sending IP on blocklists and that the "
	    "MX records point to the right host."),

	/* EHLO and HELO */
	CTX(EHLO, NONE, "250", "EHLO accepted",
	    "The server accepted our name and lists the extensions it offers "
	    "(STARTTLS, SIZE, AUTH, PIPELINING...).",
	    "Normal ESMTP start.",
	    "Go on; the list shows whether TLS is offered and the size limit."),
	CTX(EHLO, NONE, "2xx", "EHLO accepted",
	    "The server accepted our greeting name.",
	    "Normal ESMTP start.",
	    "Go on with the session."),
	CTX(EHLO, SENDER, "501", "EHLO name refused as written",
	    "The server does not accept the name given after EHLO: empty, "
	    "malformed, or not a host name.",
	    "An empty or malformed EHLO name, or a bare IP without brackets.",
	    "Give a full host name after EHLO (mailflow: --helo "
	    "mail.example.com)."),
	CTX(EHLO, SENDER, "50x", "EHLO not understood",
	    "The server does not know EHLO: an old SMTP-only server, or "
	    "something else than a mail server on the port.",
	    "Very old software, or a proxy that speaks only HELO.",
	    "Try HELO; if that fails too, check that the port runs a mail "
	    "server."),
	CTX_C(EHLO, RECIPIENT, "4xx", "EHLO deferred",
	    "The server will not go on with this session now. Temporary: retry "
	    "later.",
	    "Overload, connection limits, or a temporary check of our name.",
	    "Retry later; if it lasts, send the full reply to the receiving "
	    "admin."),
	CTX(EHLO, SENDER, "5xx", "EHLO refused",
	    "The server refused our greeting name for good: some servers refuse "
	    "names not in DNS, or this client altogether.",
	    "An EHLO name that is not a public host name, or a blocked client.",
	    "Use a full public host name with an A record after EHLO (--helo); "
	    "read the text for the rule."),
	CTX(HELO, NONE, "250", "HELO accepted",
	    "The server accepted our name. HELO gives no extension list: no "
	    "STARTTLS, no size limit, no AUTH.",
	    "EHLO was refused, so the old greeting was used.",
	    "Go on; ask the admin why the server speaks no ESMTP."),
	CTX_C(HELO, RECIPIENT, "4xx", "HELO deferred",
	    "The server will not go on with this session now. Temporary: retry "
	    "later.",
	    "Overload or a temporary check of our name.",
	    "Retry later."),
	CTX(HELO, SENDER, "5xx", "HELO refused",
	    "The server refused our greeting name for good.",
	    "An EHLO/HELO name that is not a public host name, or a blocked "
	    "client.",
	    "Use a full public host name with an A record (--helo)."),

	/* STARTTLS */
	CTX(STARTTLS, NONE, "220", "Ready to start TLS",
	    "The server accepted STARTTLS and waits for the TLS handshake; "
	    "everything after it is encrypted.",
	    "STARTTLS offered and accepted.",
	    "Nothing to do: the handshake follows, and its result is the TLS "
	    "verdict."),
	CTX_C(STARTTLS, RECIPIENT, "454", "TLS not available now",
	    "The server offers STARTTLS but cannot start it at the moment. "
	    "Temporary: senders retry later, or deliver without TLS.",
	    "A missing or broken certificate or key on the server, or a "
	    "temporary TLS failure.",
	    "Retry later; if it lasts, ask the admin to check the server's TLS "
	    "certificate, key and mail log."),
	CTX_C(STARTTLS, RECIPIENT, "4xx", "STARTTLS deferred",
	    "The server cannot start TLS now. Temporary: retry later.",
	    "A temporary problem with the server's TLS setup.",
	    "Retry later; if it lasts, ask the admin to check the TLS setup."),
	CTX(STARTTLS, RECIPIENT, "502", "STARTTLS not implemented",
	    "The server does not offer STARTTLS here: it knows the command but "
	    "has TLS turned off.",
	    "TLS not enabled on the server, or a proxy that strips it.",
	    "Ask the admin to enable STARTTLS with a valid certificate for the "
	    "MX name."),
	CTX(STARTTLS, RECIPIENT, "50x", "STARTTLS not understood",
	    "The server does not offer STARTTLS here (unknown, not implemented, "
	    "or given with an argument).",
	    "TLS not enabled on the server, or a proxy that strips it.",
	    "Ask the admin to enable STARTTLS with a valid certificate; check "
	    "for a firewall doing SMTP inspection."),
	CTX(STARTTLS, RECIPIENT, "5xx", "STARTTLS refused",
	    "The server refused to start TLS, for good, although it may have "
	    "offered it.",
	    "TLS already active, a policy, or a broken TLS setup.",
	    "Ask the admin to check the TLS setup; senders will deliver without "
	    "TLS or not at all."),

	/* AUTH */
	CTX(AUTH, NONE, "235", "Login accepted",
	    "The server accepted the user name and password: this session is "
	    "authenticated.",
	    "Correct credentials for an allowed login method.",
	    "Go on with MAIL FROM; if mail still fails, the login is not the "
	    "problem."),
	CTX(AUTH, NONE, "2xx", "Login accepted",
	    "The server accepted the login.",
	    "Correct credentials.",
	    "Go on with MAIL FROM."),
	CTX_C(AUTH, RECIPIENT, "454", "Login not possible now",
	    "The server could not check the login at the moment. Temporary: "
	    "retry later.",
	    "The password back end (SASL, directory) is down or slow, or too "
	    "many login attempts in a short time.",
	    "Retry later; if it lasts, the admin checks the authentication "
	    "service and the mail log."),
	CTX_C(AUTH, RECIPIENT, "4xx", "Login deferred",
	    "The server cannot take the login now. Temporary: retry later.",
	    "A temporary problem of the login service.",
	    "Retry later; if it lasts, tell the server's admin."),
	CTX(AUTH, SENDER, "503", "AUTH not allowed now",
	    "The server refused AUTH at this point: not offered on this "
	    "connection, already logged in, or inside a mail transaction.",
	    "AUTH not enabled on this port, or offered only after STARTTLS.",
	    "Check the EHLO list for AUTH; if it appears only after STARTTLS, "
	    "start TLS first."),
	CTX(AUTH, SENDER, "504", "Login method not supported",
	    "The server does not support the AUTH mechanism that was asked "
	    "for.",
	    "A mechanism the server does not list in EHLO.",
	    "Pick a mechanism from the EHLO AUTH list (mailflow speaks PLAIN "
	    "and LOGIN)."),
	CTX(AUTH, SENDER, "530", "TLS needed before login",
	    "The server will not take a login on this connection as it is: "
	    "most often it wants STARTTLS before AUTH.",
	    "A server that takes logins only over TLS.",
	    "Start TLS first (mailflow: --tls auto or require, not --tls off), "
	    "then log in."),
	CTX(AUTH, SENDER, "5xx", "Login refused",
	    "The server refused the login for good: the credentials, the "
	    "method or the account.",
	    "A wrong user name or password, a method not allowed, or SMTP "
	    "login turned off for the account.",
	    "Check the user name (often the full address), the password and "
	    "that the account may use SMTP AUTH."),

	/* MAIL FROM */
	CTX(MAIL, NONE, "250", "Sender accepted",
	    "The server accepts MAIL FROM: the sender address passed its checks "
	    "so far.",
	    "Normal.",
	    "Go on with RCPT TO."),
	CTX(MAIL, NONE, "2xx", "Sender accepted",
	    "The server accepts the sender.",
	    "Normal.",
	    "Go on with RCPT TO."),
	{ CODES_CMD_MAIL, { .code = "530", .meaning = "Login required before sending",
	    .explanation = "The server takes mail only from logged-in clients: it "
	    "refused MAIL FROM without a login.",
	    .causes = "A submission service, or a receive connector that takes no "
	    "anonymous mail.",
	    .next = "Log in first: give mailflow -a USER (--auth-user) with "
	    "STARTTLS, usually on port 587.",
	    .side = CODES_SIDE_SENDER, .wants_login = 1 } },
	CTX_C(MAIL, EITHER, "4xx", "Sender deferred",
	    "The server will not take mail from this sender now. Temporary: "
	    "retry later.",
	    "A failed DNS check of the sender domain, a rate limit, or a full "
	    "queue.",
	    "Retry later; if it repeats, check the sender domain's DNS."),
	CTX(MAIL, SENDER, "5xx", "Sender refused",
	    "The server refused the sender address (MAIL FROM) for good: the "
	    "address, its domain or this client is blocked by a rule.",
	    "An invalid or unknown sender domain, a sender block list, or a "
	    "blocked client IP.",
	    "Send from a real address in a public domain; read the text for the "
	    "rule and send it to the receiving admin."),

	/* RCPT TO */
	CTX(RCPT, NONE, "250", "Recipient accepted",
	    "The server takes mail for this recipient.",
	    "Normal.",
	    "Go on. In the relay test to an outside domain, without login, this "
	    "would make the server an open relay."),
	CTX(RCPT, NONE, "2xx", "Recipient accepted",
	    "The server takes mail for this recipient.",
	    "Normal.",
	    "Go on."),
	CTX(RCPT, RECIPIENT, "524 5.2.4", "Unknown recipient (OpenSMTPD)",
	    "OpenSMTPD answers 524 5.2.4 (\"mailing list expansion problem\") "
	    "when it cannot expand the recipient to a mailbox: the user does "
	    "not exist.",
	    "A typo, a deleted user, or an address missing from the aliases or "
	    "virtual table.",
	    "Check the address spelling; the admin checks that the user exists "
	    "in OpenSMTPD's aliases or virtual table."),
	CTX_C(RCPT, RECIPIENT, "4xx", "Recipient deferred",
	    "The server will not take this recipient now. Temporary: retry "
	    "later (greylisting does this on purpose).",
	    "Greylisting, a busy mailbox, a failed lookup, or a rate limit.",
	    "Retry later; a sending server does so by itself."),
	CTX(RCPT, EITHER, "5xx", "Recipient refused",
	    "The server refused this recipient for good: it does not exist, or "
	    "a rule blocks mail to it.",
	    "An unknown address, a relay or policy rule, or a blocked sender.",
	    "Check the address spelling; read the enhanced code and the text, "
	    "and send them to the recipient's admin."),

	/* DATA and the message */
	CTX(DATA, NONE, "354", "Ready for the message",
	    "The server accepted DATA and waits for the message, ended by a "
	    "line with only a dot.",
	    "At least one recipient was accepted.",
	    "Send the message; the real verdict is the reply after the dot."),
	CTX(DATA, EITHER, "554", "No valid recipients",
	    "The server refused DATA for good: no recipient was accepted "
	    "before it, or the transaction is refused.",
	    "Every RCPT was refused, or a policy blocks this client.",
	    "Look at the RCPT replies and fix the recipient first."),
	CTX(DATA, SENDER, "503", "DATA out of order",
	    "The server wants an accepted MAIL FROM and RCPT TO before DATA.",
	    "No recipient was accepted, or the commands came out of order.",
	    "Send MAIL FROM and RCPT TO first and check both replies."),
	CTX_C(DATA, RECIPIENT, "4xx", "DATA deferred",
	    "The server will not take the message now. Temporary: retry later.",
	    "Overload, a full queue, or a temporary policy.",
	    "Retry later."),
	CTX(DATA, EITHER, "5xx", "DATA refused",
	    "The server refused to take a message in this transaction, for "
	    "good.",
	    "No valid recipient, or a policy against this client.",
	    "Read the text; fix what it names before sending again."),
	CTX(END_OF_DATA, NONE, "250", "Message accepted and queued",
	    "The server took the message: it is queued for delivery (the text "
	    "often holds its queue ID).",
	    "Normal delivery.",
	    "Nothing to fix here; if the message never arrives, search the "
	    "receiving logs for the queue ID."),
	CTX(END_OF_DATA, NONE, "2xx", "Message accepted",
	    "The server took the message for delivery.",
	    "Normal delivery.",
	    "Nothing to fix here."),
	CTX(END_OF_DATA, SENDER, "552", "Message too big",
	    "The server refused the message for its size.",
	    "A message larger than the server's limit (SIZE in the EHLO reply), "
	    "or a full mailbox.",
	    "Compare with SIZE in the EHLO reply; send a smaller message or a "
	    "link."),
	CTX(END_OF_DATA, SENDER, "55x", "Message refused",
	    "The server refused the message after reading it, for good: a "
	    "content filter (spam, virus), a policy, or an authentication check "
	    "(SPF, DKIM, DMARC).",
	    "Spam or virus scanning, a DMARC policy, or a blocked attachment.",
	    "Read the text; check SPF, DKIM and DMARC; send a short plain test "
	    "message to see whether content is the cause."),
	CTX_C(END_OF_DATA, RECIPIENT, "4xx", "Message deferred",
	    "The server could not take the message after reading it. "
	    "Temporary: retry later.",
	    "Its content scanner, queue or a lookup failed for now.",
	    "Retry later; if it repeats, send the full reply to the receiving "
	    "admin."),
	CTX(END_OF_DATA, SENDER, "5xx", "Message refused",
	    "The server refused the message after reading it, for good: a "
	    "content filter (spam, virus) or a policy or authentication check.",
	    "Spam or virus scanning, SPF/DKIM/DMARC checks, or a blocked "
	    "attachment.",
	    "Read the text; check SPF, DKIM and DMARC; send a short plain test "
	    "message to see whether content is the cause."),

	/* RSET and QUIT */
	CTX(RSET, NONE, "250", "Transaction reset",
	    "The server forgot the mail transaction; the session stays open.",
	    "RSET was sent.",
	    "Nothing to do."),
	CTX(RSET, NONE, "4xx", "RSET deferred",
	    "The server could not reset now. Temporary: retry later.",
	    "A server problem.",
	    "Nothing to fix for mail flow; end the session with QUIT."),
	CTX(RSET, NONE, "5xx", "RSET refused",
	    "The server refused to reset the transaction.",
	    "Unusual server software.",
	    "Nothing to fix for mail flow; end the session with QUIT."),
	CTX(QUIT, NONE, "221", "Goodbye",
	    "The server closes the session as asked. Nothing failed.",
	    "QUIT was sent.",
	    "Nothing to do."),
	CTX(QUIT, NONE, "2xx", "Goodbye",
	    "The server ends the session as asked.",
	    "QUIT was sent.",
	    "Nothing to do."),
};

#undef CTX
#undef CTX_C

/* ---- lookups ------------------------------------------------------------- */

enum codes_side codes_info_side(const struct code_info *info)
{
	return info != NULL ? info->side : CODES_SIDE_UNSET;
}

const char *codes_side_name(enum codes_side side)
{
	static const char *const names[CODES_SIDE__COUNT] = {
		"unset", "sender", "recipient", "either", "none",
	};
	return (unsigned)side < CODES_SIDE__COUNT ? names[side] : "?";
}

size_t codes_basic_count(void) { return COUNT(basic_table); }
size_t codes_enhanced_count(void) { return COUNT(enhanced_table); }
size_t codes_text_count(void) { return COUNT(text_table); }
size_t codes_context_count(void) { return COUNT(context_table); }

const struct code_info *codes_context_at(size_t i, enum codes_cmd *cmd)
{
	if (i >= COUNT(context_table))
		return NULL;
	if (cmd != NULL)
		*cmd = context_table[i].cmd;
	return &context_table[i].info;
}

static const char *const cmd_names[CODES_CMD__COUNT] = {
	[CODES_CMD_ANY] = "any", [CODES_CMD_GREETING] = "greeting",
	[CODES_CMD_EHLO] = "EHLO", [CODES_CMD_HELO] = "HELO",
	[CODES_CMD_STARTTLS] = "STARTTLS", [CODES_CMD_AUTH] = "AUTH",
	[CODES_CMD_MAIL] = "MAIL FROM", [CODES_CMD_RCPT] = "RCPT TO",
	[CODES_CMD_DATA] = "DATA", [CODES_CMD_END_OF_DATA] = "end of data",
	[CODES_CMD_RSET] = "RSET", [CODES_CMD_QUIT] = "QUIT",
};

const char *codes_cmd_name(enum codes_cmd cmd)
{
	return (size_t)cmd < COUNT(cmd_names) ? cmd_names[cmd] : "?";
}

const struct code_info *codes_basic_at(size_t i)
{
	return i < COUNT(basic_table) ? &basic_table[i] : NULL;
}

const struct code_info *codes_enhanced_at(size_t i)
{
	return i < COUNT(enhanced_table) ? &enhanced_table[i] : NULL;
}

const struct code_info *codes_text_at(size_t i)
{
	return i < COUNT(text_table) ? &text_table[i] : NULL;
}

const struct code_info *codes_enhanced(const char *enhanced)
{
	char key[16];
	size_t len, i;

	if (enhanced == NULL)
		return NULL;
	len = strlen(enhanced);
	/* The whole string is the code: "5.7.1 " or "" are not. */
	if (len == 0 || len >= sizeof key ||
	    reply_enhanced_parse(enhanced, len, 0) != len)
		return NULL;
	memcpy(key, enhanced, len + 1);
	key[0] = 'X';
	for (i = 0; i < COUNT(enhanced_table); i++)
		if (strcmp(enhanced_table[i].code, key) == 0)
			return &enhanced_table[i];
	return NULL;
}

const struct code_info *codes_basic(int code)
{
	char key[8];
	size_t i;

	if (code < 200 || code > 599)
		return NULL;
	snprintf(key, sizeof key, "%d", code);
	for (i = 0; i < COUNT(basic_table); i++)
		if (strcmp(basic_table[i].code, key) == 0)
			return &basic_table[i];
	return NULL;
}

const struct code_info *codes_class(int cls)
{
	return cls >= 2 && cls <= 5 ? &class_table[cls - 2] : NULL;
}

/* ---- text matching ------------------------------------------------------- */

/* The reply's code and enhanced code, from the arguments or, when those
 * are missing, from the start of the text ("550 5.7.1 ..." or "5.7.1 ..."):
 * the enhanced code only when its class is the reply's (as reply.c does). */
struct reply_key {
	int code;
	char enhanced[16];
	char stray[16];         /* an enhanced code in the text of another class */
};

static void reply_key_fill(struct reply_key *k, int code, const char *enhanced,
                           const char *text)
{
	const char *t = text;
	size_t n;

	k->code = code;
	k->enhanced[0] = '\0';
	k->stray[0] = '\0';
	if (t != NULL) {
		while (*t == ' ')
			t++;
		if (t[0] >= '2' && t[0] <= '5' &&
		    text_ascii_isdigit((unsigned char)t[1]) &&
		    text_ascii_isdigit((unsigned char)t[2]) &&
		    (t[3] == ' ' || t[3] == '-' || t[3] == '\0')) {
			if (k->code == 0)
				k->code = (t[0] - '0') * 100 +
				          (t[1] - '0') * 10 + (t[2] - '0');
			t += t[3] == '\0' ? 3 : 4;
		}
	}
	if (enhanced != NULL && enhanced[0] != '\0') {
		n = strlen(enhanced);
		if (n < sizeof k->enhanced)
			memcpy(k->enhanced, enhanced, n + 1);
		return;
	}
	if (t == NULL)
		return;
	n = reply_enhanced_parse(t, strlen(t), 0);
	if (n == 0)
		return;
	if (k->code != 0 && t[0] - '0' != k->code / 100) {
		memcpy(k->stray, t, n);
		k->stray[n] = '\0';
		return;
	}
	memcpy(k->enhanced, t, n);
	k->enhanced[n] = '\0';
}

/* Does words[0..n) occur in text, case-insensitively, starting a word? */
static int text_has(const char *text, const char *words, size_t n)
{
	const char *t;
	size_t i;

	if (n == 0)
		return 0;
	for (t = text; *t != '\0'; t++) {
		if (t > text && text_ascii_isalnum((unsigned char)words[0]) &&
		    text_ascii_isalnum((unsigned char)t[-1]))
			continue;
		for (i = 0; i < n && t[i] != '\0'; i++)
			if (text_ascii_lower((unsigned char)t[i]) !=
			    text_ascii_lower((unsigned char)words[i]))
				break;
		if (i == n)
			return 1;
	}
	return 0;
}

/* One alternative of a pattern, alt[0..n): see the grammar at the top. */
static int alt_matches(const char *alt, size_t n, const struct reply_key *k,
                       const char *text)
{
	size_t used;
	int i;

	/* basic: "550", "45x", "5xx" */
	if (n > 4 && alt[0] >= '2' && alt[0] <= '5' && alt[3] == ' ' &&
	    (text_ascii_isdigit((unsigned char)alt[1]) || alt[1] == 'x') &&
	    (text_ascii_isdigit((unsigned char)alt[2]) || alt[2] == 'x')) {
		char have[4];

		if (k->code < 200 || k->code > 599)
			return 0;
		snprintf(have, sizeof have, "%d", k->code);
		for (i = 0; i < 3; i++)
			if (alt[i] != 'x' && alt[i] != have[i])
				return 0;
		alt += 4;
		n -= 4;
	} else if (k->code >= 200 && k->code < 400) {
		return 0;
	}
	/* enhanced: "5.7.1", "X.7.1" */
	used = reply_enhanced_parse(alt, n, REPLY_ENHANCED_ANY_CLASS);
	if (used > 0 && used < n) {
		size_t elen = strlen(k->enhanced);

		if (elen != used || (alt[0] != 'X' && alt[0] != k->enhanced[0]) ||
		    memcmp(alt + 1, k->enhanced + 1, used - 1) != 0)
			return 0;
		alt += used + 1;
		n -= used + 1;
	}
	return text_has(text, alt, n);
}

static int pattern_matches(const char *pattern, const struct reply_key *k,
                           const char *text)
{
	const char *p = pattern;

	for (;;) {
		const char *bar = strstr(p, " | ");
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

		if (alt_matches(p, n, k, text))
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 3;
	}
}

const struct code_info *codes_text(int code, const char *enhanced,
                                   const char *text)
{
	struct reply_key k;
	size_t i;

	if (text == NULL)
		return NULL;
	reply_key_fill(&k, code, enhanced, text);
	for (i = 0; i < COUNT(text_table); i++)
		if (pattern_matches(text_table[i].code, &k, text))
			return &text_table[i];
	return NULL;
}

/* How well a context key ("250", "50x", "5xx 5.7.0") fits the reply: 0
 * not at all, else 2 per digit of the basic code it names, and 1 more for
 * a matching enhanced code. 3 and more is more than the class alone. */
static int context_score(const char *key, int code, const char *enhanced)
{
	char have[8];
	int i, score = 0;

	if (code < 200 || code > 599)
		return 0;
	snprintf(have, sizeof have, "%d", code);
	for (i = 0; i < 3; i++) {
		if (key[i] == 'x')
			continue;
		if (key[i] != have[i])
			return 0;
		score += 2;
	}
	if (key[3] == '\0')
		return score;
	key += 4;
	if (enhanced == NULL || enhanced[0] == '\0' ||
	    (key[0] != 'X' && key[0] != enhanced[0]) ||
	    strcmp(key + 1, enhanced + 1) != 0)
		return 0;
	return score + 1;
}

static const struct code_info *context_find(enum codes_cmd cmd, int code,
                                            const char *enhanced, int *score)
{
	const struct code_info *best = NULL;
	size_t i;

	*score = 0;
	if (cmd == CODES_CMD_ANY)
		return NULL;
	for (i = 0; i < COUNT(context_table); i++) {
		int sc;

		if (context_table[i].cmd != cmd)
			continue;
		sc = context_score(context_table[i].info.code, code, enhanced);
		if (sc > *score) {
			*score = sc;
			best = &context_table[i].info;
		}
	}
	return best;
}

const struct code_info *codes_context(enum codes_cmd cmd, int code,
                                      const char *enhanced)
{
	int score;

	return context_find(cmd, code, enhanced, &score);
}

/* Does a registry entry say something true of a reply of class cls? The
 * registry's words are written for refusals: "2.7.0" is a success about
 * security, not a block, and X.0.0 only repeats the class. */
static bool enhanced_reads_in_class(const struct code_info *e, int cls)
{
	/* X.0.0 repeats the class; X.7.0 and X.7.1 are every policy at once:
	 * the command says more than they do (kept as a note). */
	if (strcmp(e->code, "X.0.0") == 0 || strcmp(e->code, "X.7.0") == 0 ||
	    strcmp(e->code, "X.7.1") == 0)
		return false;
	if (cls == 2)
		return strcmp(e->code, "X.1.5") == 0 || strcmp(e->code, "X.3.6") == 0;
	return cls == 4 || cls == 5;
}

/* Basic codes that stand for many things at once: the command's class
 * says more ("250" to EHLO, "550" to MAIL). */
static bool basic_catch_all(int code)
{
	return code == 250 || code == 550 || code == 554;
}

static void unusual_add(struct code_explanation *out, const char *f, ...)
	__attribute__((format(printf, 2, 3)));
static void unusual_add(struct code_explanation *out, const char *f, ...)
{
	size_t n = strlen(out->unusual);
	va_list ap;

	if (n > 0 && n + 2 < sizeof out->unusual) {
		memcpy(out->unusual + n, "; ", 3);
		n += 2;
	}
	va_start(ap, f);
	vsnprintf(out->unusual + n, sizeof out->unusual - n, f, ap);
	va_end(ap);
}

/* What was odd about the reply, in words (see codes.h). */
static void unusual_fill(struct code_explanation *out, const struct reply_key *k,
                         const char *text)
{
	int cls = k->code / 100;

	if (out->cls == NULL) {
		unusual_add(out, "%d is not an SMTP reply code", k->code);
		return;
	}
	if (out->basic == NULL)
		unusual_add(out, "%d is not a standard reply code: read by its "
		            "class (%dxx)", k->code, cls);
	if (k->enhanced[0] != '\0' && k->enhanced[0] - '0' != cls)
		unusual_add(out, "the enhanced code %s is not of the reply's "
		            "class %dxx: read by the basic code", k->enhanced, cls);
	else if (k->enhanced[0] != '\0' && out->enhanced == NULL)
		unusual_add(out, "the enhanced code %s is not in the registry",
		            k->enhanced);
	if (k->stray[0] != '\0')
		unusual_add(out, "the enhanced code %s is not of the reply's "
		            "class %dxx: read by the basic code", k->stray, cls);
	if (text == NULL || text[strspn(text, " \t")] == '\0')
		unusual_add(out, "the reply has no text");
}

/* The first of the entries, most specific first, that says a side. */
static void side_pick(struct code_explanation *out, const struct code_info *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && v[i]->side != CODES_SIDE_UNSET) {
			out->side = v[i]->side;
			out->side_from = v[i];
			return;
		}
}

/* In best's order: the known text, the command with the basic code, the
 * enhanced code in its class (X.7.1 too: it says less than the command of
 * what failed, but not of who acts), the command with "50x", the basic
 * code, the command's class, the class. */
static void side_fill(struct code_explanation *out, int cls, bool in_class, int score)
{
	const struct code_info *v[7];

	if (cls == 2 || cls == 3) {
		out->side = CODES_SIDE_NONE;
		out->side_from = out->best;
		return;
	}
	v[0] = out->text;
	v[1] = score >= 6 ? out->context : NULL;
	v[2] = in_class ? out->enhanced : NULL;
	v[3] = score >= 4 ? out->context : NULL;
	v[4] = out->basic;
	v[5] = out->context;
	v[6] = out->cls;
	side_pick(out, v, COUNT(v));
}

void codes_explain_cmd(enum codes_cmd cmd, int code, const char *enhanced,
                       const char *text, struct code_explanation *out)
{
	struct reply_key k;
	bool in_class;
	int cls, score;

	if (out == NULL)
		return;
	memset(out, 0, sizeof *out);
	reply_key_fill(&k, code, enhanced, text);
	cls = k.code >= 200 && k.code <= 599 ? k.code / 100 : 0;
	in_class = k.enhanced[0] != '\0' && k.enhanced[0] - '0' == cls;
	out->text = codes_text(k.code, k.enhanced, text);
	out->enhanced = k.enhanced[0] != '\0' ? codes_enhanced(k.enhanced) : NULL;
	out->basic = codes_basic(k.code);
	out->cls = cls != 0 ? codes_class(cls) : NULL;
	out->context = context_find(cmd, k.code, in_class ? k.enhanced : NULL,
	                            &score);
	/* The order of codes.h: most specific first. The context entry comes
	 * three times on purpose, at three strengths of match. */
	if (out->text != NULL)
		out->best = out->text;
	else if (out->context != NULL && score >= 6)
		out->best = out->context; /* NOLINT(bugprone-branch-clone) */
	else if (out->enhanced != NULL && in_class &&
	         enhanced_reads_in_class(out->enhanced, cls))
		out->best = out->enhanced;
	else if (out->context != NULL && score >= 4)
		out->best = out->context;
	else if (out->basic != NULL && !basic_catch_all(k.code))
		out->best = out->basic;
	else if (out->context != NULL)
		out->best = out->context;
	else
		out->best = out->basic != NULL ? out->basic : out->cls;
	side_fill(out, cls, in_class, score);
	unusual_fill(out, &k, text);
}

void codes_explain(int code, const char *enhanced, const char *text,
                   struct code_explanation *out)
{
	codes_explain_cmd(CODES_CMD_ANY, code, enhanced, text, out);
}

enum codes_side codes_failure_side(enum codes_cmd cmd, int code, const char *enhanced,
                                   const char *text, const struct code_info **from)
{
	struct code_explanation ce;
	const struct code_info *v[2];
	int cls;

	memset(&ce, 0, sizeof ce);
	if (code != 0) {
		codes_explain_cmd(cmd, code, enhanced, text, &ce);
	} else {
		/* A DSN Status alone: its class is the failure's. */
		cls = enhanced != NULL && enhanced[0] >= '2' && enhanced[0] <= '5'
		      ? enhanced[0] - '0' : 0;
		if (cls == 2 || cls == 3) {
			ce.side = CODES_SIDE_NONE;
		} else {
			v[0] = text != NULL ? codes_text(0, enhanced, text) : NULL;
			v[1] = codes_enhanced(enhanced);
			side_pick(&ce, v, COUNT(v));
		}
	}
	if (from != NULL)
		*from = ce.side_from;
	return ce.side;
}
