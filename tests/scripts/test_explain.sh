#!/usr/bin/env bash
# --explain on the command line: a pasted line, a file, standard input,
# the three outputs, and bad input (README "Explaining a bounce"). No
# network: every run here is --no-probe, or names nothing to probe.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=tests/explain/samples
R=tests/explain/real

out=$("$MAILFLOW" --explain '550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)' --no-probe 2>&1); rc=$?
check "a pasted reply line is explained, exit 0 (got $rc)" '[ $rc -eq 0 ]'
check "... the recipient, the command and the knowledge base's meaning" \
	'[[ $out == *"FAIL bob@example.com: failed"* && $out == *"In answer to: RCPT TO"* && $out == *"Meaning: Unknown user (Postfix local)"* ]]'
check "... permanent, the recipient's side (from the knowledge base), a next step" \
	'[[ $out == *"Temporary or permanent: permanent"* && $out == *"Who acts: the recipient"* && $out == *"Next step: Check the address spelling"* ]]'

out=$("$MAILFLOW" --explain "$R/postfix-failed.eml" --no-probe 2>&1); rc=$?
check "a real Postfix bounce is a DSN written by Postfix (exit $rc)" \
	'[ $rc -eq 0 ] && [[ $out == "Explained: a delivery status notification (RFC 3464) written by Postfix, 1 recipient"* ]]'
out=$("$MAILFLOW" --explain - --no-probe <"$S/m365.eml" 2>&1); rc=$?
check "- reads standard input (a Microsoft 365 bounce)" \
	'[ $rc -eq 0 ] && [[ $out == *"Microsoft 365"* && $out == *"erik@fabrikam.example"* && $out == *"550 5.1.10"* ]]'

# A reply without a recipient: explained, and said that nothing is probed.
out=$("$MAILFLOW" --explain '451 4.7.1 Greylisted, try again later' 2>&1); rc=$?
check "a reply without an address: explained, 'Nothing to probe' (exit $rc)" \
	'[ $rc -eq 0 ] && [[ $out == *"Nothing to probe"* && $out == *"temporary"* ]]'

# JSON: one document with the explain object, valid whatever the input.
"$MAILFLOW" --explain "$R/postfix-delayed.eml" --no-probe --json >"$tmp/j" 2>&1; rc=$?
check "--json: valid JSON with the explain object (exit $rc)" \
	'[ $rc -eq 0 ] && jq -e ".schema == 1 and .explain.kind == \"dsn\" and .explain.source == \"postfix\"" "$tmp/j" >/dev/null'
check "--json: the recipient, its action, code, permanence and state now" \
	'jq -e ".explain.recipients[0] | .address == \"later@refuse.test\" and .action == \"delayed\" and .code == 450 and .enhanced == \"4.2.0\" and .permanence == \"temporary\" and .now.state == \"not-probed\"" "$tmp/j" >/dev/null'
"$MAILFLOW" --explain "$S/headers.eml" --json >"$tmp/h" 2>&1
check "--json: a message's hops, the slowest, the skew and the authentication" \
	'jq -e ".explain.kind == \"headers\" and (.explain.hops | length) == 4 and .explain.slowest == 2 and .explain.hops[1].skew == true and .explain.authentication.verdict == \"pass\"" "$tmp/h" >/dev/null'

# Markdown for the ticket.
"$MAILFLOW" --explain "$S/exim.eml" --no-probe --report "$tmp/r.md" >/dev/null 2>&1; rc=$?
check "--report writes the explanation as Markdown (exit $rc)" \
	'[ $rc -eq 0 ] && grep -q "^## Explained: a bounce written by Exim" "$tmp/r.md" && grep -q "^### mia@proseware.example: failed" "$tmp/r.md" && grep -q "Who acts: the recipient" "$tmp/r.md"'

# Escapes: nothing of the input reaches the terminal raw.
printf 'Subject: \033]0;owned\007\n\n<e@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 \033[2J\342\200\256gone (in reply to RCPT TO command)\n' >"$tmp/esc.eml"
"$MAILFLOW" --explain "$tmp/esc.eml" --no-probe >"$tmp/esc.out" 2>&1
check "escape sequences and bidi controls in the input are shown escaped" \
	'! grep -q $'"'"'\033'"'"' "$tmp/esc.out" && ! grep -q $'"'"'\342\200\256'"'"' "$tmp/esc.out" && grep -qF "\\e[2J" "$tmp/esc.out"'

# Bad input: a clear message and exit 2, or a bounded run.
: >"$tmp/empty"
out=$("$MAILFLOW" --explain "$tmp/empty" 2>&1); rc=$?
check "an empty file: 'the input is empty', exit 2 (got $rc)" '[ $rc -eq 2 ] && [[ $out == *"the input is empty"* ]]'
head -c 4096 "$MAILFLOW" >"$tmp/bin"
out=$("$MAILFLOW" --explain "$tmp/bin" 2>&1); rc=$?
check "a binary file: 'the input is binary', exit 2 (got $rc)" '[ $rc -eq 2 ] && [[ $out == *"the input is binary"* ]]'
out=$("$MAILFLOW" --explain "$tmp" 2>&1); rc=$?
check "a directory: 'not a regular file', exit 2 (got $rc)" '[ $rc -eq 2 ] && [[ $out == *"not a regular file"* ]]'
out=$("$MAILFLOW" --explain 'hello, it does not work' 2>&1); rc=$?
check "text with nothing in it: 'nothing to explain', exit 2 (got $rc)" '[ $rc -eq 2 ] && [[ $out == *"nothing to explain"* ]]'
out=$("$MAILFLOW" --explain "$S/gmail.eml" example.org 2>&1); rc=$?
check "--explain with a domain too is refused, exit 2 (got $rc)" '[ $rc -eq 2 ] && [[ $out == *"--explain takes no other"* ]]'

# 50 MB: the first DEFAULT_EXPLAIN_INPUT_MAX bytes read, said, in bounded time.
{ cat "$R/postfix-failed.eml"; head -c $((50 << 20)) /dev/zero | tr '\0' 'a' | fold -w 998; } >"$tmp/big.eml"
start=$(date +%s)
out=$("$MAILFLOW" --explain "$tmp/big.eml" --no-probe 2>&1); rc=$?
took=$(( $(date +%s) - start ))
check "a 50 MB bounce: explained, the cut said, in under 30 s (exit $rc, ${took}s)" \
	'[ $rc -eq 0 ] && [[ $out == *"Note: the input is 5"*"bytes; only the first 16777216 were read"* && $out == *"nobody@refuse.test"* ]] && [ "$took" -lt 30 ]'
# A MIME bomb, 10,000 levels deep.
{ printf 'From: x@example.org\nSubject: bomb\n'
  for i in $(seq 1 10000); do printf 'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' "$i" "$i"; done
  printf 'Content-Type: text/plain\n\n550 5.1.1 <deep@example.org> no\n'; } >"$tmp/bomb.eml"
out=$("$MAILFLOW" --explain "$tmp/bomb.eml" --no-probe 2>&1); rc=$?
check "a MIME bomb of 10,000 levels: said, not parsed as MIME, the reply still found (exit $rc)" \
	'[ $rc -eq 0 ] && [[ $out == *"nests too many MIME parts"* && $out == *"deep@example.org"* ]]'

# A header line of 1 MB, and a text line of 1 MB with the reply at its start.
{ printf 'Received: from '; head -c $((1 << 20)) /dev/zero | tr '\0' 'x'
  printf ' by mx.example.org; Wed, 2 Dec 2026 10:00:00 +0000\nSubject: long\n\n'
  printf '<w@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 no such user '
  head -c $((1 << 20)) /dev/zero | tr '\0' 'y'; printf '\n'; } >"$tmp/longline.eml"
start=$(date +%s)
out=$("$MAILFLOW" --explain "$tmp/longline.eml" --no-probe 2>&1); rc=$?
took=$(( $(date +%s) - start ))
check "a 1 MB header line and a 1 MB text line: explained, the cut said, output bounded (exit $rc, ${took}s)" \
	'[ $rc -eq 0 ] && [[ $out == *"Note: a line is longer than 4096 bytes"* && $out == *"w@example.org"* ]] && [ ${#out} -lt 20000 ] && [ "$took" -lt 30 ]'
# An unknown character set: shown as it is, escaped, and said.
printf 'From: m@example.org\nSubject: x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=x-no-such-charset\n\nThis is the mail system at host mail.example.org.\n\n<q@example.net>: host mx.example.net[192.0.2.9] said: 550 5.1.1 unknown \377\376 user (in reply to RCPT TO command)\n' >"$tmp/charset.eml"
out=$("$MAILFLOW" --explain "$tmp/charset.eml" --no-probe 2>&1); rc=$?
check "an unknown charset: explained, said, the bytes that are not UTF-8 escaped (exit $rc)" \
	'[ $rc -eq 0 ] && [[ $out == *"character set is unknown"* && $out == *"q@example.net"* ]] && ! grep -q $'"'"'\377'"'"' <<<"$out"'

# Memory: the peak RSS of the 50 MB run and of a bomb of 10,000 parts side
# by side stays bounded (the input is read up to 16 MB). Not under ASan,
# whose shadow memory is counted too.
peak_kb() {
	python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
{ printf 'From: x@example.org\nSubject: wide\nContent-Type: multipart/report; boundary="w"\n\n'
  for i in $(seq 1 10000); do printf -- '--w\nContent-Type: text/plain\n\npart %d\n' "$i"; done
  printf -- '--w--\n'; } >"$tmp/wide.eml"
if [[ ${BUILD:-} == *asan* ]] || ! command -v python3 >/dev/null; then
	skip "peak RSS of the 50 MB input and of 10,000 parts" "ASan build or no python3"
else
	big=$(peak_kb "$MAILFLOW" --explain "$tmp/big.eml" --no-probe)
	wide=$(peak_kb "$MAILFLOW" --explain "$tmp/wide.eml" --no-probe)
	check "peak RSS under 150 MB for 50 MB (${big} KB) and for 10,000 parts (${wide} KB)" \
		'[ "$big" -lt 153600 ] && [ "$wide" -lt 153600 ]'
fi
out=$("$MAILFLOW" --explain "$tmp/wide.eml" --no-probe 2>&1); rc=$?
check "10,000 parts: a clear message, exit 2 (nothing in them), in bounded time (got $rc)" \
	'[ $rc -eq 2 ] && [[ $out == *"nothing to explain"* ]]'
