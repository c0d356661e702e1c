/*
 * codes: the knowledge base is complete (every basic code of our list,
 * every entry of the IANA enhanced status code registry, the four classes),
 * its texts are short and clean, and well-known server lines are recognised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailflow/codes.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const int basic_codes[] = {
	200, 211, 214, 220, 221, 235, 250, 251, 252, 334, 354,
	421, 432, 450, 451, 452, 454, 455,
	500, 501, 502, 503, 504, 521, 530, 534, 535, 538,
	550, 551, 552, 553, 554, 555, 556,
};

/* The IANA "SMTP Enhanced Status Codes" registry, Enumerated Status Codes
 * (RFC 3463, 3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372, 7504, 7505,
 * 8617, 8689; registry last updated 2024-12-06). */
static const char *const registry[] = {
	"X.0.0",
	"X.1.0", "X.1.1", "X.1.2", "X.1.3", "X.1.4", "X.1.5", "X.1.6",
	"X.1.7", "X.1.8", "X.1.9", "X.1.10",
	"X.2.0", "X.2.1", "X.2.2", "X.2.3", "X.2.4",
	"X.3.0", "X.3.1", "X.3.2", "X.3.3", "X.3.4", "X.3.5", "X.3.6",
	"X.4.0", "X.4.1", "X.4.2", "X.4.3", "X.4.4", "X.4.5", "X.4.6",
	"X.4.7",
	"X.5.0", "X.5.1", "X.5.2", "X.5.3", "X.5.4", "X.5.5", "X.5.6",
	"X.6.0", "X.6.1", "X.6.2", "X.6.3", "X.6.4", "X.6.5", "X.6.6",
	"X.6.7", "X.6.8", "X.6.9", "X.6.10",
	"X.7.0", "X.7.1", "X.7.2", "X.7.3", "X.7.4", "X.7.5", "X.7.6",
	"X.7.7", "X.7.8", "X.7.9", "X.7.10", "X.7.11", "X.7.12", "X.7.13",
	"X.7.14", "X.7.15", "X.7.16", "X.7.17", "X.7.18", "X.7.19",
	"X.7.20", "X.7.21", "X.7.22", "X.7.23", "X.7.24", "X.7.25",
	"X.7.26", "X.7.27", "X.7.28", "X.7.29", "X.7.30",
};

/* Every text field: present, not empty, at most 300 characters, no control
 * characters, no stray or doubled spaces from string concatenation. */
static void check_field(const char *what, const char *code, const char *s)
{
	size_t i, n;

	if (s == NULL)
		fail_msg("%s of %s is NULL", what, code);
	n = strlen(s);
	if (n == 0)
		fail_msg("%s of %s is empty", what, code);
	if (n > 300)
		fail_msg("%s of %s is %zu characters", what, code, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			fail_msg("%s of %s has control byte 0x%02x", what, code, c);
	}
	if (s[0] == ' ' || s[n - 1] == ' ' || strstr(s, "  ") != NULL)
		fail_msg("%s of %s has stray spaces: \"%s\"", what, code, s);
}

static void check_info(const struct code_info *c)
{
	assert_non_null(c);
	check_field("code", c->code ? c->code : "?", c->code);
	check_field("meaning", c->code, c->meaning);
	check_field("explanation", c->code, c->explanation);
	check_field("causes", c->code, c->causes);
	check_field("next", c->code, c->next);
	/* The quality bar: short enough for one pane line or two. */
	if (strlen(c->meaning) > 60)
		fail_msg("meaning of %s too long", c->code);
	if (strlen(c->explanation) > 250 || strlen(c->next) > 250)
		fail_msg("explanation or next of %s over 250", c->code);
}

static void test_basic_complete(void **state)
{
	size_t i, j;
	char want[8];

	(void)state;
	for (i = 0; i < COUNT(basic_codes); i++) {
		const struct code_info *c = codes_basic(basic_codes[i]);

		if (c == NULL)
			fail_msg("basic code %d missing", basic_codes[i]);
		snprintf(want, sizeof want, "%d", basic_codes[i]);
		assert_string_equal(c->code, want);
		check_info(c);
	}
	assert_int_equal(codes_basic_count(), COUNT(basic_codes));
	for (i = 0; i < codes_basic_count(); i++) {
		check_info(codes_basic_at(i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(codes_basic_at(i)->code,
			                        codes_basic_at(j)->code);
	}
	assert_null(codes_basic_at(codes_basic_count()));
	assert_null(codes_basic(0));
	assert_null(codes_basic(-550));
	assert_null(codes_basic(199));
	assert_null(codes_basic(299));
	assert_null(codes_basic(600));
	assert_null(codes_basic(5500));
}

static void test_enhanced_registry(void **state)
{
	size_t i, j;
	char probe[16];

	(void)state;
	/* The table is the registry: same size, every entry, no duplicate. */
	assert_int_equal(codes_enhanced_count(), COUNT(registry));
	for (i = 0; i < COUNT(registry); i++) {
		const struct code_info *c;
		int found = 0;

		for (j = 0; j < codes_enhanced_count(); j++)
			if (strcmp(codes_enhanced_at(j)->code, registry[i]) == 0)
				found++;
		if (found != 1)
			fail_msg("%s found %d times", registry[i], found);
		/* ... and reachable by lookup in every class. */
		snprintf(probe, sizeof probe, "5%s", registry[i] + 1);
		c = codes_enhanced(probe);
		if (c == NULL)
			fail_msg("codes_enhanced(\"%s\") is NULL", probe);
		assert_string_equal(c->code, registry[i]);
		probe[0] = '4';
		assert_ptr_equal(codes_enhanced(probe), c);
		probe[0] = '2';
		assert_ptr_equal(codes_enhanced(probe), c);
		check_info(c);
	}
	for (i = 0; i < codes_enhanced_count(); i++)
		check_info(codes_enhanced_at(i));
	assert_null(codes_enhanced_at(codes_enhanced_count()));
}

static void test_enhanced_lookup(void **state)
{
	static const char *const bad[] = {
		"5.7.99", "9.1.1", "5.7", "abc", "", "5", "5.", "5.7.",
		"5..1", ".7.1", "3.1.1", "1.1.1", "X.7.1", "x.7.1", "5.7.1 ",
		" 5.7.1", "5.7.1.2", "5.07.1", "5.7.01", "5.7.1000",
		"5.1000.1", "5.7.31", "5.8.0", "5.7.-1", "5.7.1a",
	};
	size_t i;

	(void)state;
	assert_string_equal(codes_enhanced("5.7.1")->code, "X.7.1");
	assert_string_equal(codes_enhanced("4.2.0")->code, "X.2.0");
	assert_string_equal(codes_enhanced("2.1.5")->code, "X.1.5");
	assert_string_equal(codes_enhanced("2.0.0")->code, "X.0.0");
	assert_string_equal(codes_enhanced("5.1.10")->code, "X.1.10");
	assert_string_equal(codes_enhanced("4.7.30")->code, "X.7.30");
	assert_null(codes_enhanced(NULL));
	for (i = 0; i < COUNT(bad); i++)
		if (codes_enhanced(bad[i]) != NULL)
			fail_msg("codes_enhanced(\"%s\") is not NULL", bad[i]);
	/* The knowledge the brief asks for is written where it belongs. */
	assert_non_null(strstr(codes_enhanced("5.1.10")->explanation,
	                       "Microsoft 365"));
	assert_non_null(strstr(codes_enhanced("5.4.1")->explanation,
	                       "Microsoft 365"));
	assert_non_null(strstr(codes_enhanced("5.1.1")->explanation, "5.4.1"));
	assert_non_null(strstr(codes_enhanced("5.2.1")->meaning, "disabled"));
}

static void test_classes(void **state)
{
	static const char *const want[] = { "2xx", "3xx", "4xx", "5xx" };
	int cls;

	(void)state;
	for (cls = 2; cls <= 5; cls++) {
		const struct code_info *c = codes_class(cls);

		assert_non_null(c);
		assert_string_equal(c->code, want[cls - 2]);
		check_info(c);
	}
	assert_non_null(strstr(codes_class(4)->explanation, "retries"));
	assert_null(codes_class(0));
	assert_null(codes_class(1));
	assert_null(codes_class(6));
	assert_null(codes_class(-4));
	assert_null(codes_class(45));
}

struct line_case {
	int code;
	const char *enhanced;
	const char *line;       /* the whole line, as the server sent it */
	const char *pattern;    /* the table entry it must find */
};

static const struct line_case lines[] = {
	/* relay tests and anonymous mail */
	{ 550, "5.7.1", "550 5.7.1 Unable to relay for someone@example.com",
	  "5.7.1 Unable to relay" },
	{ 550, "5.7.1", "550 5.7.1 Unable to relay",
	  "5.7.1 Unable to relay" },
	{ 530, "5.7.1", "530 5.7.1 Client was not authenticated",
	  "5.7.1 Client was not authenticated" },
	{ 530, "5.7.57", "530 5.7.57 Client not authenticated to send mail. "
	  "[AM0PR01CA0001.eurprd01.prod.exchangelabs.com]",
	  "5.7.57 not authenticated" },
	{ 554, "5.7.1", "554 5.7.1 <x@example.org>: Relay access denied",
	  "Relay access denied" },
	{ 550, "5.7.1", "550 5.7.1 <x@example.org>... Relaying denied",
	  NULL /* the generic relay entry, checked by its meaning below */ },
	/* TLS */
	{ 530, "5.7.0", "530 5.7.0 Must issue a STARTTLS command first",
	  "Must issue a STARTTLS command first" },
	{ 454, "4.7.0", "454 4.7.0 TLS not available due to local problem",
	  "TLS not available due to local problem" },
	{ 454, "4.7.0", "454 4.7.0 TLS not available",
	  "TLS not available" },
	/* greylisting */
	{ 450, "4.2.0", "450 4.2.0 <a@b>: Recipient address rejected: "
	  "Greylisted, see http://postgrey.schweikert.ch/help/example.com.html",
	  "greylist | graylist | grey-listed | postgrey | "
	  "45x try again later" },
	{ 451, "4.7.1", "451 4.7.1 Greylisting in action, please come back "
	  "later", "greylist | graylist | grey-listed | postgrey | "
	  "45x try again later" },
	{ 451, "4.7.1", "451 4.7.1 Please try again later",
	  "greylist | graylist | grey-listed | postgrey | "
	  "45x try again later" },
	{ 450, NULL, "450 Try again later",
	  "greylist | graylist | grey-listed | postgrey | "
	  "45x try again later" },
	/* unknown recipients */
	{ 550, "5.1.1", "550 5.1.1 <u@example.com>: Recipient address "
	  "rejected: User unknown in local recipient table",
	  "User unknown in local recipient table" },
	{ 550, "5.1.1", "550 5.1.1 <u@example.com>: Recipient address "
	  "rejected: User unknown in virtual mailbox table",
	  "User unknown in virtual mailbox table" },
	{ 550, "5.1.1", "550 5.1.1 <u@example.com>: Recipient address "
	  "rejected: User unknown in virtual alias table",
	  "User unknown in virtual alias table" },
	{ 550, "5.1.1", "550 5.1.1 <u@example.com>: Recipient address "
	  "rejected: User unknown in relay recipient table",
	  "User unknown in relay recipient table" },
	{ 550, "5.1.1", "550 5.1.1 <u@example.com>: Recipient address "
	  "rejected: User unknown", "Recipient address rejected: User unknown" },
	{ 550, "5.4.1", "550 5.4.1 Recipient address rejected: Access denied. "
	  "AS(201806281) [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]",
	  "5.4.1 Recipient address rejected: Access denied" },
	{ 550, "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
	  "Recipient not found by SMTP address lookup",
	  "RecipientNotFound | RecipNotFound" },
	{ 550, "5.5.0", "550 5.5.0 Requested action not taken: mailbox "
	  "unavailable (S2017062302) [DM6NAM12FT014.eop-nam12.prod.protection."
	  "outlook.com]", "Mailbox unavailable" },
	{ 550, NULL, "550 Mailbox unavailable", "Mailbox unavailable" },
	/* quota */
	{ 552, "5.2.2", "552 5.2.2 <u@example.com> Quota exceeded (mailbox "
	  "for user is full)", NULL },
	{ 452, "4.2.2", "452 4.2.2 The recipient's inbox is out of storage "
	  "space. Please direct the recipient to https://support.google.com/"
	  "mail/?p=OverQuotaTemp", NULL },
	{ 552, NULL, "552 Mailbox full", NULL },
	{ 452, "4.2.2", "452 4.2.2 <u@example.com>: user is over quota", NULL },
	/* DNS and host names */
	{ 450, "4.1.8", "450 4.1.8 <s@nowhere.example>: Sender address "
	  "rejected: Domain not found",
	  "Sender address rejected: Domain not found" },
	{ 450, "4.1.2", "450 4.1.2 <u@nowhere.example>: Recipient address "
	  "rejected: Domain not found",
	  "Recipient address rejected: Domain not found" },
	{ 450, "4.7.25", "450 4.7.25 Client host rejected: cannot find your "
	  "hostname, [192.0.2.1]",
	  "Client host rejected: cannot find your hostname" },
	{ 450, "4.7.1", "450 4.7.1 Client host rejected: cannot find your "
	  "reverse hostname, [192.0.2.1]",
	  "Client host rejected: cannot find your reverse hostname" },
	{ 504, "5.5.2", "504 5.5.2 <server1>: Helo command rejected: need "
	  "fully-qualified hostname",
	  "Helo command rejected: need fully-qualified hostname" },
	{ 450, "4.7.1", "450 4.7.1 <probe.internal>: Helo command rejected: "
	  "Host not found", "Helo command rejected: Host not found" },
	/* blocklists and reputation */
	{ 554, "5.7.1", "554 5.7.1 Service unavailable; Client host "
	  "[192.0.2.1] blocked using zen.spamhaus.org; "
	  "https://www.spamhaus.org/query/ip/192.0.2.1",
	  "Service unavailable; Client host" },
	{ 550, "5.7.1", "550 5.7.1 Service unavailable, Client host "
	  "[192.0.2.1] blocked using Spamhaus. To request removal from this "
	  "list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS3130)",
	  NULL },
	{ 554, NULL, "554 Your IP 192.0.2.1 is listed on bl.spamcop.net",
	  NULL },
	{ 550, "5.7.606", "550 5.7.606 Access denied, banned sending IP "
	  "[192.0.2.1]. To request removal from this list please visit "
	  "https://sender.office.com/ and follow the directions.",
	  "banned sending IP" },
	{ 550, "5.7.708", "550 5.7.708 Service unavailable. Access denied, "
	  "traffic not accepted from this IP.",
	  "traffic not accepted from this IP" },
	{ 550, "5.7.1", "550 5.7.1 Unfortunately, messages from [192.0.2.1] "
	  "weren't sent. Please contact your Internet service provider since "
	  "part of their network is on our block list (S3150).",
	  "on our block list" },
	/* message authentication */
	{ 550, "5.7.26", "550 5.7.26 Unauthenticated email from example.com "
	  "is not accepted due to domain's DMARC policy. Please contact the "
	  "administrator of example.com domain if this was a legitimate mail.",
	  "due to domain's DMARC policy" },
	{ 550, "5.7.26", "550 5.7.26 This mail has been blocked because the "
	  "sender is unauthenticated. Gmail requires all senders to "
	  "authenticate with either SPF or DKIM.", NULL },
	{ 421, "4.7.28", "421 4.7.28 [192.0.2.1] Our system has detected an "
	  "unusual rate of unsolicited mail originating from your IP address. "
	  "To protect our users from spam, mail sent from your IP address has "
	  "been temporarily rate limited.",
	  "unusual rate of unsolicited mail" },
	{ 550, "5.7.1", "550 5.7.1 Email rejected per DMARC policy for "
	  "example.com", "DMARC" },
	{ 550, "5.7.23", "550 5.7.23 Message rejected due to: SPF fail - not "
	  "authorized. Please see http://www.openspf.net/Why?s=mfrom;"
	  "id=a@example.com;ip=192.0.2.1;r=mx.example.org",
	  "SPF | openspf | does not designate" },
	{ 550, "5.7.1", "550 5.7.1 example.com does not designate 192.0.2.1 "
	  "as permitted sender", "SPF | openspf | does not designate" },
	{ 550, "5.7.20", "550 5.7.20 No passing DKIM signature found",
	  "DKIM" },
	/* content, limits, protocol */
	{ 550, "5.7.1", "550 5.7.1 Message rejected as spam by Content "
	  "Filtering.", NULL },
	{ 552, "5.3.4", "552 5.3.4 Message size exceeds fixed maximum message "
	  "size", NULL },
	{ 421, "4.7.0", "421 4.7.0 mx.example.org Error: too many connections "
	  "from 192.0.2.1", "too many connections | too many concurrent" },
	{ 421, NULL, "421 Too many concurrent SMTP connections; please try "
	  "again later.", "too many connections | too many concurrent" },
	{ 450, "4.7.1", "450 4.7.1 Error: too much mail from 192.0.2.1", NULL },
	{ 421, "4.7.0", "421 4.7.0 Rate limit exceeded, try again later", NULL },
	{ 452, "4.5.3", "452 4.5.3 Too many messages, slow down", NULL },
	{ 503, "5.5.0", "503 5.5.0 Protocol error", "Protocol error" },
	{ 554, NULL, "554 SMTP synchronization error", NULL },
	{ 503, "5.5.0", "503 5.5.0 <a@b>: Sender address rejected: Improper use "
	  "of SMTP command pipelining", NULL },
	{ 550, NULL, "550 Administrative prohibition",
	  "Administrative prohibition" },
	/* logins */
	{ 535, "5.7.139", "535 5.7.139 Authentication unsuccessful, "
	  "SmtpClientAuthentication is disabled for the Tenant.", NULL },
	{ 534, "5.7.9", "534 5.7.9 Application-specific password required.",
	  "Application-specific password required" },
	{ 535, "5.7.8", "535 5.7.8 Username and Password not accepted.", NULL },
	{ 535, "5.7.8", "535 5.7.8 Error: authentication failed: "
	  "authentication failure", NULL },
	{ 553, "5.7.1", "553 5.7.1 <boss@example.com>: Sender address "
	  "rejected: not owned by user printer@example.com",
	  "Sender address rejected: not owned by user" },
	/* generic access rules */
	{ 554, "5.7.1", "554 5.7.1 <unknown[192.0.2.1]>: Client host "
	  "rejected: Access denied", "Client host rejected: Access denied" },
	{ 554, "5.7.1", "554 5.7.1 <x@example.com>: Recipient address "
	  "rejected: Access denied",
	  "Recipient address rejected: Access denied" },
};

/* For the cases given without a pattern: the meaning that must be found. */
static const char *meaning_for(const char *line)
{
	static const struct { const char *in, *meaning; } m[] = {
		{ "Relaying denied", "Relay denied" },
		{ "Quota exceeded", "Mailbox full" },
		{ "out of storage space", "Mailbox full" },
		{ "Mailbox full", "Mailbox full" },
		{ "over quota", "Mailbox full" },
		{ "blocked using Spamhaus", "Sending IP on a blocklist (DNSBL)" },
		{ "bl.spamcop.net", "Sending IP on a blocklist (DNSBL)" },
		{ "sender is unauthenticated", "Unauthenticated sender (Gmail)" },
		{ "rejected as spam", "Rejected as spam" },
		{ "Message size exceeds", "Message too big" },
		{ "too much mail", "Rate limited" },
		{ "Rate limit exceeded", "Rate limited" },
		{ "Too many messages", "Rate limited" },
		{ "synchronization error", "Spoke too early" },
		{ "Improper use", "Spoke too early" },
		{ "SmtpClientAuthentication",
		  "SMTP login turned off (Microsoft 365)" },
		{ "Username and Password", "Login failed" },
		{ "authentication failed", "Login failed" },
	};
	size_t i;

	for (i = 0; i < COUNT(m); i++)
		if (strstr(line, m[i].in) != NULL)
			return m[i].meaning;
	fail_msg("no expected meaning for \"%s\"", line);
	return NULL;
}

static void expect_line(const struct line_case *t,
                        const struct code_info *got, const char *how)
{
	if (got == NULL)
		fail_msg("%s: no match for \"%s\"", how, t->line);
	if (t->pattern != NULL && strcmp(got->code, t->pattern) != 0)
		fail_msg("%s: \"%s\" matched \"%s\", want \"%s\"", how, t->line,
		         got->code, t->pattern);
	if (t->pattern == NULL &&
	    strcmp(got->meaning, meaning_for(t->line)) != 0)
		fail_msg("%s: \"%s\" matched \"%s\" (%s)", how, t->line,
		         got->code, got->meaning);
}

static void test_text_well_known(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < COUNT(lines); i++) {
		const struct line_case *t = &lines[i];
		const char *after_code = t->line + 4;
		char upper[512];
		size_t j;

		/* The whole line with its codes given ... */
		expect_line(t, codes_text(t->code, t->enhanced, t->line),
		            "line+codes");
		/* ... the text after the code, codes given ... */
		expect_line(t, codes_text(t->code, t->enhanced, after_code),
		            "text+codes");
		/* ... or only the line: the codes come from the line. */
		expect_line(t, codes_text(0, NULL, t->line), "line only");
		/* Case does not matter. */
		assert_true(strlen(t->line) < sizeof upper);
		for (j = 0; t->line[j] != '\0'; j++)
			upper[j] = (char)(t->line[j] >= 'a' && t->line[j] <= 'z'
			                  ? t->line[j] - 'a' + 'A' : t->line[j]);
		upper[j] = '\0';
		expect_line(t, codes_text(t->code, t->enhanced, upper),
		            "upper case");
	}
}

static void test_text_no_match(void **state)
{
	static const struct { int code; const char *enh, *line; } none[] = {
		{ 250, "2.0.0", "250 2.0.0 Ok" },
		{ 250, "2.0.0", "250 2.0.0 Ok: queued as 4BX0C12345; SPF pass, "
		  "DKIM pass, DMARC pass" },
		{ 250, "2.1.5", "250 2.1.5 Recipient OK" },
		{ 220, NULL, "220 mx.example.com ESMTP Postfix" },
		{ 221, "2.0.0", "221 2.0.0 Bye" },
		{ 235, "2.7.0", "235 2.7.0 Authentication successful" },
		{ 354, NULL, "354 End data with <CR><LF>.<CR><LF>" },
		{ 334, NULL, "334 VXNlcm5hbWU6" },
		/* "try again later" is greylisting only in a 45x reply */
		{ 550, "5.7.1", "550 5.7.1 Please try again later" },
		/* words match at the start of a word only */
		{ 550, "5.7.1", "550 5.7.1 sender not whitelisted in our "
		  "database" },
		{ 550, "5.7.1", "550 5.7.1 crispfilter said no" },
		{ 500, "5.5.2", "500 5.5.2 Syntax error" },
		{ 0, NULL, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < COUNT(none); i++) {
		const struct code_info *c =
			codes_text(none[i].code, none[i].enh, none[i].line);

		if (c != NULL)
			fail_msg("\"%s\" matched \"%s\"", none[i].line, c->code);
		assert_null(codes_text(0, NULL, none[i].line));
	}
	assert_null(codes_text(550, "5.7.1", NULL));
	assert_null(codes_text(0, NULL, NULL));
	/* The Exchange entry needs its 5.7.1; without it the generic one. */
	assert_string_equal(codes_text(550, "5.7.2", "Unable to relay")->meaning,
	                    "Relay denied");
	assert_string_equal(codes_text(550, NULL, "Unable to relay")->meaning,
	                    "Relay denied");
	assert_string_equal(codes_text(550, "5.7.1", "Unable to relay")->code,
	                    "5.7.1 Unable to relay");
	/* A mismatched class in the text is not taken as the enhanced code. */
	assert_string_equal(codes_text(0, NULL, "550 4.7.1 Unable to relay")
	                    ->meaning, "Relay denied");
}

/*
 * Every alternative of every pattern finds its own entry: no entry is
 * shadowed by an earlier, broader one. Builds a reply from the alternative:
 * its basic code ("x" as 0) or 550, its enhanced code, its words.
 */
static void test_text_every_pattern_reachable(void **state)
{
	size_t i;

	(void)state;
	assert_true(codes_text_count() >= 30);
	for (i = 0; i < codes_text_count(); i++) {
		const struct code_info *e = codes_text_at(i);
		const char *p = e->code;

		check_info(e);
		for (;;) {
			const char *bar = strstr(p, " | ");
			size_t n = bar ? (size_t)(bar - p) : strlen(p), k;
			char alt[256], text[300], enh[16] = "";
			const char *w = alt;
			int code = 550;
			const struct code_info *got;

			assert_true(n > 0 && n < sizeof alt);
			memcpy(alt, p, n);
			alt[n] = '\0';
			if (n > 4 && alt[3] == ' ' && alt[0] >= '2' &&
			    alt[0] <= '5') {
				code = 0;
				for (k = 0; k < 3; k++)
					code = code * 10 + (alt[k] == 'x' ? 0
					                    : alt[k] - '0');
				w = alt + 4;
			}
			if ((w[0] == '2' || w[0] == '4' || w[0] == '5' ||
			     w[0] == 'X') && w[1] == '.' && strchr(w, ' ')) {
				size_t el = (size_t)(strchr(w, ' ') - w);

				assert_true(el < sizeof enh);
				memcpy(enh, w, el);
				enh[el] = '\0';
				if (enh[0] == 'X')
					enh[0] = (char)('0' + code / 100);
				else if (w == alt)
					code = (enh[0] - '0') * 100 + 50;
				w += el + 1;
			}
			assert_true(strlen(w) > 0);
			snprintf(text, sizeof text, "<a@example.com>: %s here", w);
			got = codes_text(code, enh[0] ? enh : NULL, text);
			if (got != e)
				fail_msg("\"%s\" (%d %s) found \"%s\", not \"%s\"",
				         text, code, enh, got ? got->code : "nothing",
				         e->code);
			if (bar == NULL)
				break;
			p = bar + 3;
		}
	}
	assert_null(codes_text_at(codes_text_count()));
}

static void test_explain(void **state)
{
	struct code_explanation e;

	(void)state;
	codes_explain(550, "5.7.1", "Unable to relay for someone@example.com",
	              &e);
	assert_non_null(e.text);
	assert_string_equal(e.text->code, "5.7.1 Unable to relay");
	assert_string_equal(e.enhanced->code, "X.7.1");
	assert_string_equal(e.basic->code, "550");
	assert_string_equal(e.cls->code, "5xx");

	codes_explain(250, "2.0.0", "Ok", &e);
	assert_null(e.text);
	assert_string_equal(e.enhanced->code, "X.0.0");
	assert_string_equal(e.basic->code, "250");
	assert_string_equal(e.cls->code, "2xx");

	/* Only the line: code and enhanced code come from it. */
	codes_explain(0, NULL, "550 5.1.1 <u@example.com>: Recipient address "
	              "rejected: User unknown in local recipient table", &e);
	assert_string_equal(e.text->code,
	                    "User unknown in local recipient table");
	assert_string_equal(e.enhanced->code, "X.1.1");
	assert_string_equal(e.basic->code, "550");
	assert_string_equal(e.cls->code, "5xx");

	/* An empty enhanced argument: taken from the text when it is there. */
	codes_explain(421, "", "4.7.0 Try again later", &e);
	assert_null(e.text);
	assert_string_equal(e.enhanced->code, "X.7.0");
	assert_string_equal(e.basic->code, "421");
	assert_string_equal(e.cls->code, "4xx");

	/* A class that is not the reply's is not an enhanced code. */
	codes_explain(550, NULL, "4.7.1 no", &e);
	assert_null(e.enhanced);
	assert_string_equal(e.basic->code, "550");

	/* Unknown enhanced code, known class. */
	codes_explain(550, "5.9.9", "whatever", &e);
	assert_null(e.text);
	assert_null(e.enhanced);
	assert_non_null(e.basic);

	/* A code not in the table still has its class. */
	codes_explain(299, NULL, NULL, &e);
	assert_null(e.text);
	assert_null(e.enhanced);
	assert_null(e.basic);
	assert_string_equal(e.cls->code, "2xx");

	/* Malformed codes: no class, nothing else either. */
	codes_explain(999, NULL, "x", &e);
	assert_null(e.basic);
	assert_null(e.cls);
	codes_explain(0, NULL, NULL, &e);
	assert_null(e.text);
	assert_null(e.enhanced);
	assert_null(e.basic);
	assert_null(e.cls);
	codes_explain(150, NULL, "150 ok", &e);
	assert_null(e.cls);

	codes_explain(550, "5.7.1", "x", NULL);     /* no crash */
}

static void test_hostile_text(void **state)
{
	char *big;
	size_t n = (size_t)100 * 4096;        /* REPLY_LINES_MAX x REPLY_LINE_HARD */

	(void)state;
	/* The longest reply the parser keeps, joined: found at its very end,
	 * in bounded time, without reading past it. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big + n - 17, " Relay access den", 17);
	big[n] = '\0';
	assert_null(codes_text(554, "5.7.1", big));
	memcpy(big + n - 20, " relay access denied", 20);
	assert_string_equal(codes_text(554, "5.7.1", big)->code,
	                    "Relay access denied");
	free(big);
	/* Control bytes and high bytes in the text are only data. */
	assert_string_equal(codes_text(550, NULL, "\x1b[2J\xff User unknown")
	                    ->meaning, "Unknown user");
	/* Over-long enhanced arguments are ignored, not copied. */
	assert_null(codes_enhanced("5.7.1111111111111111111111111111111"));
	codes_explain(550, "5.7.111111111111111111111111111111111", "x", NULL);
	{
		struct code_explanation e;

		codes_explain(550, "5.7.111111111111111111111111111", "x", &e);
		assert_null(e.enhanced);
		assert_non_null(e.basic);
	}
}

/* Issue 12: the reply read in the context of its command and class. */
static void test_context(void **state)
{
	struct code_explanation e;

	(void)state;
	codes_explain_cmd(CODES_CMD_AUTH, 235, "2.7.0", "Authentication successful", &e);
	assert_non_null(e.best);
	assert_null(strstr(e.best->explanation, "blocked"));
	assert_non_null(strstr(e.best->explanation, "accepted"));
	/* X.0.0: a meaning from the command and class. */
	codes_explain_cmd(CODES_CMD_STARTTLS, 220, "2.0.0", "Ready to start TLS", &e);
	assert_non_null(strstr(e.best->explanation, "TLS handshake"));
	codes_explain_cmd(CODES_CMD_END_OF_DATA, 250, "2.0.0", "Ok: queued as ABC", &e);
	assert_non_null(strstr(e.best->explanation, "queued"));
	codes_explain_cmd(CODES_CMD_QUIT, 221, "2.0.0", "Bye", &e);
	assert_null(strstr(e.best->explanation, "No detail"));
	codes_explain(421, "4.0.0", "Server closing connection", &e);
	assert_null(strstr(e.best->explanation, "No detail"));
	assert_string_equal(e.best->code, "421");
	/* EHLO is not RCPT. */
	codes_explain_cmd(CODES_CMD_EHLO, 250, "", "mx.example.com", &e);
	assert_null(strstr(e.best->explanation, "RCPT"));
	assert_null(strstr(e.best->next, "relay"));
	/* A 530 to AUTH does not speak of MAIL FROM. */
	codes_explain_cmd(CODES_CMD_AUTH, 530, "5.7.0", "Must issue a STARTTLS command first", &e);
	assert_null(strstr(e.best->explanation, "MAIL FROM"));
	/* Point 3's texts. */
	codes_explain_cmd(CODES_CMD_END_OF_DATA, 552, "", "Error: Too much mail data", &e);
	assert_string_equal(e.best->meaning, "Message too big");
	codes_explain_cmd(CODES_CMD_RCPT, 524, "5.2.4", "Mailing list expansion problem", &e);
	assert_non_null(strstr(e.best->meaning, "OpenSMTPD"));
	codes_explain_cmd(CODES_CMD_MAIL, 530, "5.7.0", "Authentication required", &e);
	assert_non_null(strstr(e.best->next, "-a"));
	assert_null(strstr(e.best->explanation, "STARTTLS"));
	codes_explain_cmd(CODES_CMD_END_OF_DATA, 554, "5.7.0", "Message rejected: Virus found", &e);
	assert_non_null(strstr(e.best->meaning, "virus"));
	codes_explain_cmd(CODES_CMD_GREETING, 550, "", "Too many connections", &e);
	assert_null(strstr(e.best->explanation, "Temporary."));
	/* What was unusual is said. */
	codes_explain_cmd(CODES_CMD_RCPT, 250, "5.1.1", "ok", &e);
	assert_non_null(strstr(e.unusual, "class"));
	codes_explain_cmd(CODES_CMD_RCPT, 550, "5.9.9", "x", &e);
	assert_non_null(strstr(e.unusual, "registry"));
	codes_explain_cmd(CODES_CMD_RCPT, 550, "", "", &e);
	assert_non_null(strstr(e.unusual, "no text"));
	assert_non_null(e.best);
	/* Every command entry is clean and has a command. */
	{
		size_t i;
		enum codes_cmd cmd;

		assert_true(codes_context_count() > 40);
		for (i = 0; i < codes_context_count(); i++) {
			check_info(codes_context_at(i, &cmd));
			assert_true(cmd > CODES_CMD_ANY && cmd < CODES_CMD__COUNT);
		}
		assert_null(codes_context_at(codes_context_count(), NULL));
	}
}

/* Whose side acts is a field of every entry. Every entry that explains a
 * refusal says it (but the catch-alls that name no cause: X.0.0, 550,
 * 554 and the 4xx and 5xx classes, which leave it to a more specific
 * entry), and every success is nobody's to act on. */
static void test_side_every_entry(void **state)
{
	static const char *const unset[] = { "X.0.0", "550", "554", "4xx", "5xx" };
	const struct code_info *ci;
	enum codes_cmd cmd;
	size_t i, k, nset = 0;
	int cls;

	(void)state;
	for (i = 0; i < codes_basic_count(); i++) {
		ci = codes_basic_at(i);
		for (k = 0; k < COUNT(unset) && strcmp(unset[k], ci->code) != 0; k++)
			;
		if (ci->code[0] <= '3')
			assert_int_equal(ci->side, CODES_SIDE_NONE);
		else if (k < COUNT(unset))
			assert_int_equal(ci->side, CODES_SIDE_UNSET);
		else if (ci->side == CODES_SIDE_UNSET)
			fail_msg("basic %s says no side", ci->code);
	}
	for (i = 0; i < codes_enhanced_count(); i++) {
		ci = codes_enhanced_at(i);
		if (strcmp(ci->code, "X.0.0") == 0)
			assert_int_equal(ci->side, CODES_SIDE_UNSET);
		else if (ci->side == CODES_SIDE_UNSET)
			fail_msg("enhanced %s says no side", ci->code);
	}
	for (i = 0; i < codes_text_count(); i++)
		if (codes_text_at(i)->side == CODES_SIDE_UNSET)
			fail_msg("text \"%s\" says no side", codes_text_at(i)->code);
	for (i = 0; i < codes_context_count(); i++) {
		ci = codes_context_at(i, &cmd);
		cls = ci->code[0] - '0';
		if (ci->side == CODES_SIDE_UNSET)
			fail_msg("%s %s says no side", codes_cmd_name(cmd), ci->code);
		if (cls <= 3)
			assert_int_equal(ci->side, CODES_SIDE_NONE);
		nset++;
	}
	assert_true(nset > 40);
	for (i = 2; i <= 5; i++)
		assert_int_equal(codes_class((int)i)->side,
		                 i <= 3 ? CODES_SIDE_NONE : CODES_SIDE_UNSET);
	assert_int_equal(codes_info_side(NULL), CODES_SIDE_UNSET);
	assert_string_equal(codes_side_name(CODES_SIDE_SENDER), "sender");
	assert_string_equal(codes_side_name(CODES_SIDE_RECIPIENT), "recipient");
	assert_string_equal(codes_side_name(CODES_SIDE_EITHER), "either");
	assert_string_equal(codes_side_name(CODES_SIDE_NONE), "none");
	assert_string_equal(codes_side_name(CODES_SIDE__COUNT), "?");
}

/* Real replies (as servers send them) and whose side the knowledge base
 * says must act, with the entry it comes from. */
static void test_side_real_cases(void **state)
{
	static const struct {
		enum codes_cmd cmd;
		int code;
		const char *enhanced, *text;
		enum codes_side side;
		const char *from;       /* the entry's code */
	} cases[] = {
		/* Unknown users: the recipient's mailbox does not exist. */
		{ CODES_CMD_RCPT, 550, "5.1.1", "<bob@example.com>: Recipient address rejected: "
		  "User unknown in local recipient table", CODES_SIDE_RECIPIENT,
		  "User unknown in local recipient table" },
		{ CODES_CMD_RCPT, 550, "5.1.1", "The email account that you tried to reach "
		  "does not exist. Please try double-checking", CODES_SIDE_RECIPIENT, NULL },
		{ CODES_CMD_RCPT, 550, "5.1.1", "<bob@example.com>... gone", CODES_SIDE_RECIPIENT,
		  "X.1.1" },
		{ CODES_CMD_RCPT, 550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient "
		  "not found by SMTP address lookup", CODES_SIDE_RECIPIENT,
		  "RecipientNotFound | RecipNotFound" },
		{ CODES_CMD_ANY, 550, "5.1.1", "no such mailbox here", CODES_SIDE_RECIPIENT, NULL },
		/* Full and disabled mailboxes. */
		{ CODES_CMD_RCPT, 452, "4.2.2", "The email account that you tried to reach is "
		  "over quota", CODES_SIDE_RECIPIENT, NULL },
		{ CODES_CMD_RCPT, 452, "4.2.2", "storage allocation", CODES_SIDE_RECIPIENT, "X.2.2" },
		{ CODES_CMD_RCPT, 550, "5.2.1", "account disabled", CODES_SIDE_RECIPIENT, "X.2.1" },
		/* The sending IP, its name, its domain's authentication. */
		{ CODES_CMD_RCPT, 554, "5.7.1", "Service unavailable; Client host [192.0.2.1] "
		  "blocked using zen.spamhaus.org", CODES_SIDE_SENDER, NULL },
		{ CODES_CMD_RCPT, 550, "5.7.1", "Mail from 192.0.2.1 is not accepted here",
		  CODES_SIDE_SENDER, "X.7.1" },
		{ CODES_CMD_MAIL, 550, "5.7.1", "Client host rejected: Access denied",
		  CODES_SIDE_SENDER, "Client host rejected: Access denied" },
		{ CODES_CMD_END_OF_DATA, 550, "5.7.26", "Unauthenticated email from example.com "
		  "is not accepted due to domain's DMARC policy.", CODES_SIDE_SENDER,
		  "due to domain's DMARC policy" },
		{ CODES_CMD_END_OF_DATA, 550, "5.7.26", "Message refused: several checks",
		  CODES_SIDE_SENDER, "X.7.26" },
		{ CODES_CMD_END_OF_DATA, 550, "5.7.23", "Message rejected", CODES_SIDE_SENDER,
		  "X.7.23" },
		/* Logins. */
		{ CODES_CMD_MAIL, 530, "5.7.0", "Authentication required", CODES_SIDE_SENDER,
		  NULL },
		{ CODES_CMD_AUTH, 535, "5.7.0", "Error", CODES_SIDE_SENDER, NULL },
		{ CODES_CMD_ANY, 554, "5.7.0", "refused", CODES_SIDE_SENDER, "X.7.0" },
		{ CODES_CMD_AUTH, 535, "5.7.8", "Error: authentication failed", CODES_SIDE_SENDER,
		  NULL },
		/* The message. */
		{ CODES_CMD_END_OF_DATA, 552, "5.3.4", "Message size exceeds fixed limit",
		  CODES_SIDE_SENDER, NULL },
		{ CODES_CMD_END_OF_DATA, 552, NULL, "too big", CODES_SIDE_SENDER, "552" },
		/* Either: a relay refusal; the server answers for a domain it is not. */
		{ CODES_CMD_RCPT, 550, "5.7.1", "Unable to relay", CODES_SIDE_EITHER,
		  "5.7.1 Unable to relay" },
		{ CODES_CMD_RCPT, 554, "5.7.1", "<x@example.org>: Relay access denied",
		  CODES_SIDE_EITHER, "Relay access denied" },
		/* Nobody: greylisting is cured by the retry; successes. */
		{ CODES_CMD_RCPT, 450, "4.7.1", "Greylisted, try again later", CODES_SIDE_NONE,
		  NULL },
		{ CODES_CMD_RCPT, 250, "2.1.5", "Ok", CODES_SIDE_NONE, NULL },
		/* Their server. */
		{ CODES_CMD_GREETING, 421, "4.3.2", "Service not available", CODES_SIDE_RECIPIENT,
		  NULL },
		{ CODES_CMD_ANY, 451, "4.4.1", "No answer from host", CODES_SIDE_RECIPIENT, NULL },
		/* No cause named at all: the knowledge base does not guess. */
		{ CODES_CMD_ANY, 550, NULL, "no", CODES_SIDE_UNSET, NULL },
	};
	struct code_explanation e;
	size_t i;

	(void)state;
	for (i = 0; i < COUNT(cases); i++) {
		codes_explain_cmd(cases[i].cmd, cases[i].code, cases[i].enhanced,
		                  cases[i].text, &e);
		if (e.side != cases[i].side)
			fail_msg("%d %s %s: side %s, not %s", cases[i].code,
			         cases[i].enhanced ? cases[i].enhanced : "", cases[i].text,
			         codes_side_name(e.side), codes_side_name(cases[i].side));
		if (cases[i].side == CODES_SIDE_UNSET)
			assert_null(e.side_from);
		else
			assert_int_equal(e.side_from->side, cases[i].side);
		if (cases[i].from != NULL)
			assert_string_equal(e.side_from->code, cases[i].from);
		assert_int_equal(codes_failure_side(cases[i].cmd, cases[i].code,
		                                    cases[i].enhanced, cases[i].text, NULL),
		                 cases[i].side);
	}
}

/* No reply code: a DSN's Status alone, or a bounce's words for a server
 * that could not be reached. */
static void test_side_without_code(void **state)
{
	const struct code_info *from = NULL;

	(void)state;
	assert_int_equal(codes_failure_side(CODES_CMD_ANY, 0, "5.1.1", "", &from),
	                 CODES_SIDE_RECIPIENT);
	assert_string_equal(from->code, "X.1.1");
	assert_int_equal(codes_failure_side(CODES_CMD_ANY, 0, "5.7.26", NULL, &from),
	                 CODES_SIDE_SENDER);
	assert_int_equal(codes_failure_side(CODES_CMD_ANY, 0, "4.4.7",
	                 "delivery temporarily suspended: connect to mx.example.org"
	                 "[192.0.2.1]:25: Connection timed out", &from),
	                 CODES_SIDE_RECIPIENT);
	assert_non_null(strstr(from->meaning, "not reached"));
	assert_true(from->clears);
	assert_int_equal(codes_failure_side(CODES_CMD_ANY, 0, NULL,
	                 "connect to mx.example.org[192.0.2.1]:25: Connection refused", &from),
	                 CODES_SIDE_RECIPIENT);
	assert_int_equal(codes_failure_side(CODES_CMD_ANY, 0, "2.0.0", "delivered", &from),
	                 CODES_SIDE_NONE);
	assert_int_equal(codes_failure_side(CODES_CMD_ANY, 0, NULL, "what", &from),
	                 CODES_SIDE_UNSET);
	assert_null(from);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_complete),
		cmocka_unit_test(test_enhanced_registry),
		cmocka_unit_test(test_enhanced_lookup),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_text_well_known),
		cmocka_unit_test(test_text_no_match),
		cmocka_unit_test(test_text_every_pattern_reachable),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_side_every_entry),
		cmocka_unit_test(test_side_real_cases),
		cmocka_unit_test(test_side_without_code),
	};

	return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
