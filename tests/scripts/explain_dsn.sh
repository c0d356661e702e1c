# shellcheck shell=bash
# dsn HOST IP: on stdout, a bounce of ghost@nouser.lab.test as Postfix
# writes it (text part and DSN), naming HOST[IP] as the server that said
# 550 5.1.1, as its Remote-MTA. Sourced by test_explain_remote.sh and
# test_explain_remote_tui.sh.
dsn() {
	cat <<DSN
From: MAILER-DAEMON@sender.lab.test
To: alice@sender.lab.test
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

This is the mail system at host mail.sender.lab.test.

<ghost@nouser.lab.test>: host $1[$2] said: 550 5.1.1 <ghost@nouser.lab.test>:
    Recipient address rejected: User unknown in local recipient table (in reply
    to RCPT TO command)

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.sender.lab.test

Final-Recipient: rfc822; ghost@nouser.lab.test
Action: failed
Status: 5.1.1
Remote-MTA: dns; $1
Diagnostic-Code: smtp; 550 5.1.1 <ghost@nouser.lab.test>: Recipient address
    rejected: User unknown in local recipient table

--b--
DSN
}
