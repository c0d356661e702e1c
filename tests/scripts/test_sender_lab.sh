#!/usr/bin/env bash
# needs: lab
# mailflow --sender on the lab's sender.test zone (tests/lab/zones): the SPF
# result of every case against the expected one AND against python3-spf's
# (tests/lab/spfpeer, pointed at the same DNS), the SPF tree and counts,
# syntax errors with their column, DMARC (organisational domain, report
# destinations verified or not), DKIM keys by length, revoked and t=y, and
# the sentence in text, JSON and Markdown.
# MAILFLOW_SENDER_DNS points both at another server (default the lab's).
# The check expressions are single-quoted on purpose: check evals them.
# shellcheck disable=SC2016,SC2034
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set -u
DNS=${MAILFLOW_SENDER_DNS:-127.0.0.1:5353}
PEER="$(dirname "$0")/../lab/spfpeer"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mf DOMAIN IP [options]: the JSON document into $json.
mf() {
	local d=$1 ip=$2; shift 2
	json=$(timeout 60 "$MAILFLOW" --json --no-smtp --dns "$DNS" --sender --sender-ip "$ip" \
		"$@" "$d" 2>"$tmp/err")
}
jqs() { jq -r "$1" <<<"$json" 2>/dev/null; }
item() { jq -r --arg id "$1" '.domain.checklist[] | select(.id==$id) | .verdict' <<<"$json" 2>/dev/null; }

# The cases: domain (under sender.test), IP, the result RFC 7208 gives.
cases="pass 192.0.2.10 pass
pass 203.0.113.5 fail
softfail 203.0.113.5 softfail
neutral 203.0.113.5 neutral
nospf 192.0.2.10 none
nosuchname 192.0.2.10 none
mechs 192.0.2.20 pass
mechs 198.51.100.5 pass
mechs 2001:db8:1::5 pass
mechs 203.0.113.70 pass
mechs 198.51.99.4 pass
mechs 127.0.23.5 pass
mechs 127.0.23.9 fail
two 192.0.2.1 permerror
toomany 192.0.2.99 permerror
loop 192.0.2.10 permerror
many 192.0.2.10 permerror
voids 192.0.2.10 permerror
inclnone 192.0.2.10 permerror
syntax 192.0.2.1 permerror
unknown 192.0.2.1 permerror
badip 192.0.2.1 permerror
nonascii 192.0.2.1 permerror
redirect 192.0.2.10 pass
redirect 198.51.100.200 pass
redirect 203.0.113.5 fail
macro 192.0.2.10 pass
macro 192.0.2.11 fail
long 192.0.2.10 pass
extok 192.0.2.10 pass
extbad 192.0.2.10 pass
sub 192.0.2.10 pass"

have_peer=1
/usr/bin/python3 -c 'import spf, dns.resolver' 2>/dev/null || have_peer=
while read -r d ip want; do
	start=$(date +%s)
	mf "$d.sender.test" "$ip"
	got=$(jqs '.sender.spf.result')
	spent=$(($(date +%s) - start))
	check "$d.sender.test from $ip: SPF $want (got '$got', ${spent}s)" \
		'[ "$got" = "$want" ] && [ "$spent" -le 25 ]'
	if [ -n "$have_peer" ]; then
		peer=$(MAILFLOW_SPF_DNS=$DNS timeout 60 /usr/bin/python3 "$PEER" "$ip" "$d.sender.test" 2>&1 | head -n 1)
		check "$d.sender.test from $ip: python3-spf agrees ($peer)" '[ "$peer" = "$got" ]'
	fi
done <<<"$cases"
[ -n "$have_peer" ] || skip "python3-spf comparison" "python3-spf is not installed (make deps)"

# A record of about 10 KB, split into 255-byte strings: read whole, as
# receivers read it (python3-spf says fail for 192.0.2.10 too).
mf huge.sender.test 192.0.2.10
check "huge.sender.test: a 10 KB record read whole: fail, not an error ($(jqs .sender.spf.result))" \
	'[ "$(jqs .sender.spf.result)" = fail ]'
if [ -n "$have_peer" ]; then
	peer=$("$PEER" 192.0.2.10 huge.sender.test 2>/dev/null | head -n 1)
	check "huge.sender.test: python3-spf agrees ($peer)" '[ "$peer" = fail ]'
fi

# The verdicts, the tree and the counts.
mf toomany.sender.test 192.0.2.99
check "toomany: sender.spf fails" '[ "$(item sender.spf)" = fail ]'
check "toomany: 11 lookups counted, the 11th named in n3" \
	'[ "$(jqs .sender.spf.lookups)" = 11 ] && jqs .sender.spf.reason | grep -q "n3.toomany.sender.test"'
check "toomany: the tree has 4 records, each with its lookups (11, 10, 7, 4)" \
	'[ "$(jqs "[.sender.spf.tree[].lookups_tree] | map(tostring) | join(\",\")")" = "11,10,7,4" ]'
check "toomany: the includes hang under each other" \
	'[ "$(jqs "[.sender.spf.tree[].parent] | map(tostring) | join(\",\")")" = "-1,0,1,2" ]'
mf voids.sender.test 192.0.2.10
check "voids: 3 void lookups, permerror (voids) (got $(jqs '.sender.spf | "\(.voids) \(.why): \(.reason)"'))" \
	'[ "$(jqs .sender.spf.voids)" = 3 ] && [ "$(jqs .sender.spf.why)" = voids ]'
mf syntax.sender.test 192.0.2.1
check "syntax: the error and its column (36, the /33)" \
	'[ "$(jqs .sender.spf.tree[0].error_column)" = 36 ] && [ "$(jqs .sender.spf.why)" = syntax ]'
mf pass.sender.test 192.0.2.10
check "pass: sender.spf passes, matched ip4:192.0.2.0/24" \
	'[ "$(item sender.spf)" = pass ] && [ "$(jqs .sender.spf.matched)" = "ip4:192.0.2.0/24" ]'
check "pass: --sender-ip is said to be given" '[ "$(jqs .sender.ip_source)" = given ]'
mf redirect.sender.test 203.0.113.5
check "redirect: a chain of three records" \
	'[ "$(jqs "[.sender.spf.tree[].via] | join(\",\")")" = ",redirect,redirect" ]'
mf macro.sender.test 192.0.2.11
check "macro: exp= explains the fail with its macros expanded" \
	'[ "$(jqs .sender.spf.explanation)" = "192.0.2.11 is not one of macro.sender.test'"'"'s servers" ]'

# DMARC
mf pass.sender.test 192.0.2.10
check "pass: DMARC p=reject, reports inside the organisation, pass" \
	'[ "$(item sender.dmarc)" = pass ] && [ "$(jqs .sender.dmarc.p)" = reject ] &&
	 [ "$(jqs .sender.dmarc.uris[0].destination)" = same-organisation ]'
mf extok.sender.test 192.0.2.10
check "extok: the external destination agreed (verified), pass" \
	'[ "$(jqs .sender.dmarc.uris[0].destination)" = verified ] && [ "$(item sender.dmarc)" = pass ] &&
	 [ "$(jqs .sender.dmarc.uris[0].checked_at)" = extok.sender.test._report._dmarc.sender-dest.test ]'
mf extbad.sender.test 192.0.2.10
check "extbad: the external destinations did not agree (unverified), warn" \
	'[ "$(jqs .sender.dmarc.uris[0].destination)" = unverified ] && [ "$(item sender.dmarc)" = warn ]'
mf sub.sender.test 192.0.2.10
check "sub: no _dmarc of its own, the organisational domain's (sender.test) applies" \
	'[ "$(jqs .sender.dmarc.at_org)" = true ] && [ "$(jqs .sender.org_domain)" = sender.test ] &&
	 [ "$(jqs .sender.dmarc.sp)" = reject ]'
mf softfail.sender.test 203.0.113.5
check "softfail: p=none warns" '[ "$(item sender.dmarc)" = warn ] && [ "$(jqs .sender.dmarc.p)" = none ]'

# DKIM
dk() { jq -r --arg s "$1" '.sender.dkim.keys[] | select(.selector==$s) | "\(.state) \(.bits) \(.testing)"' <<<"$json"; }
mf pass.sender.test 192.0.2.10 --dkim-selector k2048
check "k2048: a 2048-bit key, sender.dkim passes" '[ "$(dk k2048)" = "key 2048 false" ] && [ "$(item sender.dkim)" = pass ]'
mf pass.sender.test 192.0.2.10 --dkim-selector k1024
check "k1024: a 1024-bit key warns" '[ "$(dk k1024)" = "key 1024 false" ] && [ "$(item sender.dkim)" = warn ]'
mf pass.sender.test 192.0.2.10 --dkim-selector k512
check "k512: under 1024 bits fails" '[ "$(dk k512)" = "key 512 false" ] && [ "$(item sender.dkim)" = fail ]'
mf pass.sender.test 192.0.2.10 --dkim-selector revoked
check "revoked: an empty p= fails" '[ "$(dk revoked | cut -d" " -f1)" = revoked ] && [ "$(item sender.dkim)" = fail ]'
mf pass.sender.test 192.0.2.10 --dkim-selector testing
check "testing: t=y warns" '[ "$(dk testing)" = "key 2048 true" ] && [ "$(item sender.dkim)" = warn ]'
mf pass.sender.test 192.0.2.10 --dkim-selector nosuch
check "nosuch: a selector without a key fails" '[ "$(item sender.dkim)" = fail ]'
mf pass.sender.test 192.0.2.10
check "no selector: the common ones are a guess (info), never a verdict" \
	'[ "$(item sender.dkim)" = info ] && [ "$(jqs .sender.dkim.selectors_guessed)" = true ]'

# The sentence, in JSON, text and Markdown.
mf pass.sender.test 192.0.2.10 --dkim-selector k2048
want="Mail from pass.sender.test sent from 192.0.2.10: SPF pass, DMARC p=reject with reports to pass.sender.test; a receiver would accept it if DKIM also signs."
check "JSON: sender.text is the sentence" '[ "$(jqs .sender.text)" = "$want" ]'
text=$(timeout 60 "$MAILFLOW" --batch --dns "$DNS" --sender --sender-ip 192.0.2.10 \
	--dkim-selector k2048 pass.sender.test 2>/dev/null)
check "text: a Sender section with the sentence and the checklist ids" \
	'grep -qF "$want" <<<"$text" && grep -q "sender.spf" <<<"$text" && grep -q "^Sender" <<<"$text"'
timeout 60 "$MAILFLOW" --batch --dns "$DNS" --sender --sender-ip 192.0.2.10 --dkim-selector k2048 \
	--report "$tmp/r.md" pass.sender.test >/dev/null 2>&1
check "Markdown: a Sender section with the sentence" \
	'grep -q "^## Sender" "$tmp/r.md" && grep -qF "$want" "$tmp/r.md"'
# The domain of --from is the sender's.
json=$(timeout 60 "$MAILFLOW" --json --no-smtp --dns "$DNS" --sender --sender-ip 192.0.2.10 \
	--from someone@pass.sender.test lab.test 2>/dev/null)
check "--from someone@pass.sender.test: that domain is checked" '[ "$(jqs .sender.domain)" = pass.sender.test ]'
# Without --sender-ip the address is said not to be given.
json=$(timeout 60 "$MAILFLOW" --json --no-smtp --dns "$DNS" --sender pass.sender.test 2>/dev/null)
check "no --sender-ip: the address is the route's and said so" \
	'[ "$(jqs .sender.ip_source)" = route ] && [ -n "$(jqs .sender.ip)" ]'
# Without --sender-ip, with a session: the session's local address, said so.
# A greeting server of our own on 127.0.23.2 (issue 20's range) answers once.
port=2525
/usr/bin/python3 - "$port" >"$tmp/greeter.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.23.2", int(sys.argv[1])))
s.listen(1)
s.settimeout(30)
c, _ = s.accept()
c.settimeout(10)
f = c.makefile("rwb")
f.write(b"220 greeter.sender.test ESMTP\r\n"); f.flush()
for line in f:
    if line.upper().startswith(b"QUIT"):
        f.write(b"221 bye\r\n"); f.flush(); break
    f.write(b"502 not here\r\n"); f.flush()
PY
greeter=$!
sleep 1
json=$(timeout 60 "$MAILFLOW" --json --dns "$DNS" --sender -p "$port" --timeout 5 \
	--quit-after banner withmx.sender.test 2>/dev/null)
kill "$greeter" 2>/dev/null
check "no --sender-ip, a session: SPF for its local address ($(jqs .sender.ip)), said so, pass" \
	'[ "$(jqs .sender.ip_source)" = session ] && [ "$(jqs .sender.ip)" = "$(jqs ".hosts[0].addresses[0].session.local" | cut -d: -f1)" ] &&
	 [ "$(jqs .sender.spf.result)" = pass ]'
echo "1..$n"
