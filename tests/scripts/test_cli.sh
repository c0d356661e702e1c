#!/usr/bin/env bash
# The built program and `make install` do what the README says.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

v=$("$MAILFLOW" --version 2>&1); rc=$?
check "--version prints 'mailflow X.Y.Z' and exits 0 (got '$v', $rc)" \
	'[ $rc -eq 0 ] && [[ $v =~ ^mailflow\ [0-9]+\.[0-9]+\.[0-9]+$ ]]'
# shellcheck disable=SC2034  # h is read by check's expression
h=$("$MAILFLOW" --help 2>&1); rc=$?
check "--help shows usage and exits 0" '[ $rc -eq 0 ] && [[ $h == usage:* ]]'
"$MAILFLOW" --no-such-option >/dev/null 2>&1; rc=$?
check "an unknown argument exits 2 (got $rc)" '[ $rc -eq 2 ]'

# make install into a scratch prefix: binary and themes land where documented.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if make -s install PREFIX="$tmp/usr" BUILD="${BUILD:-build/normal}" >"$tmp/log" 2>&1; then
	check "make install PREFIX=... installs bin/mailflow" '[ -x "$tmp/usr/bin/mailflow" ]'
	check "make install installs the themes" \
		'[ "$(ls "$tmp/usr/share/mailflow/themes" | wc -l)" -eq "$(ls themes/*.theme | wc -l)" ]'
	check "the installed program runs" '"$tmp/usr/bin/mailflow" --version >/dev/null'
	check "make install installs the man page, and it renders" \
		'[ -f "$tmp/usr/share/man/man1/mailflow.1" ] && man -l "$tmp/usr/share/man/man1/mailflow.1" 2>/dev/null | grep -q "EXIT STATUS"'
else
	nok "make install failed: $(tail -3 "$tmp/log")"
fi

# Option values that go onto the wire are checked before anything is sent:
# a CR LF in --from, --helo, -t, --relay-to, -s or the config file is
# refused (exit 2), never sent as an extra SMTP command. A listener on
# loopback proves that no connection is even made.
listen_log=$tmp/listener.log
port=""
if command -v python3 >/dev/null 2>&1; then
	python3 - "$listen_log" >"$tmp/port" 2>/dev/null <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
s.settimeout(20)
log = open(sys.argv[1], "a")
try:
    while True:
        c, _ = s.accept(); log.write("connection\n"); log.flush()
        c.sendall(b"220 x ESMTP\r\n"); c.close()
except Exception:
    pass
PY
	listener=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$(cat "$tmp/port" 2>/dev/null); [ -n "$port" ] && break; sleep 0.2
	done
fi
[ -n "$port" ] || port=9
srv="127.0.0.1:$port"
crlf=$'\r\n'
inject() {  # inject WHAT ARGS...: exit 2, says which option, nothing sent
	local what=$1 out rc; shift
	out=$("$MAILFLOW" --batch --timeout 2 "$@" 2>&1 </dev/null); rc=$?
	check "$what is refused with exit 2 and says why (got $rc: ${out:0:120})" \
		'[ $rc -eq 2 ] && [[ $out == *"control character"* || $out == *"at most"* ]]'
	check "$what: the message shows the value made safe, not raw" \
		'[[ $out != *$'"'"'\r'"'"'* ]]'
}
inject "--from with CR LF" -s "$srv" --from "a@b.test>${crlf}RCPT TO:<injected@victim.test" x.test
inject "--helo with CR LF" -s "$srv" --helo "me.test${crlf}RSET" x.test
inject "-t with CR LF" -s "$srv" -t "a@x.test>${crlf}RCPT TO:<injected@victim.test" x.test
inject "--relay-to with LF" -s "$srv" --relay-to $'r@example.com>\nRCPT TO:<injected@victim.test' x.test
inject "-s with CR LF" -s $'127.0.0.1\r\nQUIT' x.test
inject "--helo of 2,000 characters" -s "$srv" --helo "$(printf 'h%.0s' {1..2000})" x.test
out=$("$MAILFLOW" --batch -s "$srv" --from 'a b@x.test' x.test 2>&1); rc=$?
check "--from that is not an RFC 5321 mailbox is refused (got $rc: $out)" \
	'[ $rc -eq 2 ] && [[ $out == *"--from"*"local part"* ]]'
out=$("$MAILFLOW" --batch -s "$srv" --helo '[2001:db8::1]' x.test 2>&1); rc=$?
check "--helo [v6] without IPv6: is refused (got $rc: $out)" \
	'[ $rc -eq 2 ] && [[ $out == *"address literal"* ]]'
mkdir -p "$tmp/xdg/mailflow"
printf 'from a@b.test\001\n' >"$tmp/xdg/mailflow/config"
out=$(XDG_CONFIG_HOME=$tmp/xdg "$MAILFLOW" --batch -s "$srv" x.test 2>&1); rc=$?
check "a control byte in a config value is refused with file:line (got $rc: $out)" \
	'[ $rc -eq 2 ] && [[ $out == *"config:1: --from:"*"\x01"* ]]'
if [ -n "${listener:-}" ]; then
	check "no connection was made by any refused run" '[ ! -s "$listen_log" ]'
	out=$("$MAILFLOW" --batch --no-relay-test --timeout 2 -s "$srv" --helo '[127.0.0.1]' \
		--from '' x.test 2>&1)
	check "valid values still run: --helo [127.0.0.1], --from \"\" (the listener saw it)" \
		'grep -q connection "$listen_log"'
	kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
else
	skip "no connection was made by any refused run" "no python3 for a listener"
fi

# Local input is echoed made safe: ESC, C1 (raw or UTF-8), invalid UTF-8
# and bidi controls in an argument, a list line, an option value or a
# config key never reach stderr raw.
raw() { LC_ALL=C grep -c $'\x1b\|\xc2[\x80-\x9f]\|\x9b\|\xff\|\xe2\x80\xae' <<<"$1"; }
for arg in $'ex\x1b[2Jample.com' $'a\xc2\x9b31mb.com' $'x\xffy.com' $'a\xe2\x80\xaemoc.b' \
	$'--tls=\x1b[1m' $'--timeout=\xff5' $'--zz\x1b[1m' $'--quit-after=\x9b'; do
	out=$("$MAILFLOW" --batch --no-smtp "$arg" 2>&1 </dev/null)
	check "an invalid '$(printf %q "$arg")' is echoed escaped ($(printf %q "$out"))" \
		'[ "$(raw "$out")" -eq 0 ] && [[ $out == *mailflow:* ]]'
done
printf 'fr\033[2Jom x@y.test\n' >"$tmp/xdg/mailflow/config"
out=$(XDG_CONFIG_HOME=$tmp/xdg "$MAILFLOW" --batch x.test 2>&1); rc=$?
check "a config key with ESC is echoed escaped (got $rc: $(printf %q "$out"))" \
	'[ $rc -eq 2 ] && [[ $out == *'"'"'"fr\e[2Jom"'"'"'* ]] && [ "$(raw "$out")" -eq 0 ]'
rm "$tmp/xdg/mailflow/config"; mkdir "$tmp/xdg/mailflow/config"
out=$(XDG_CONFIG_HOME=$tmp/xdg "$MAILFLOW" --batch --no-smtp x.test 2>&1); rc=$?
check "a config path that is a directory is an error, not ignored (got $rc: $out)" \
	'[ $rc -eq 2 ] && [[ $out == *"is a directory"* ]]'
rmdir "$tmp/xdg/mailflow/config"

# The list reader: a NUL is an invalid line of its own, the next line is
# kept and the line numbers stay right; /dev/zero ends with an error.
printf 'bad_one\nb\0x.test\nthird_line\n\033[2J.test\n' >"$tmp/list"
out=$("$MAILFLOW" --batch --no-smtp --dns 127.0.0.1:9 --dns-timeout 1 --dns-tries 1 \
	-f "$tmp/list" 2>&1 >/dev/null)
check "a NUL in a list line: that line is invalid (list:2) ($(printf %q "$out"))" \
	'[[ $out == *"list:2: the line contains a NUL byte"* ]]'
check "the line after the NUL is read, with its own number (list:3)" \
	'[[ $out == *"list:3: \"third_line\""* ]]'
check "a list line with ESC is echoed escaped (list:4)" \
	'[[ $out == *"list:4: \"\\e[2J.test\""* ]] && [ "$(raw "$out")" -eq 0 ]'
# shellcheck disable=SC2034  # read by check's expression
start_s=$SECONDS
out=$(timeout 20 "$MAILFLOW" --batch --no-smtp -f /dev/zero 2>&1); rc=$?
check "-f /dev/zero ends with an error and exit 2, in bounded time (got $rc: $out)" \
	'[ $rc -eq 2 ] && [[ $out == *"MiB"* ]] && [ $((SECONDS - start_s)) -lt 15 ]'
out=$(head -c 100000 /dev/zero | tr '\0' a | timeout 20 "$MAILFLOW" --batch --no-smtp -f - 2>&1)
rc=$?
check "a list of one 100 kB line from stdin is one invalid line (got $rc: ${out:0:80})" \
	'[ $rc -eq 1 ] && [[ $out == *"-:1: the line is longer"* ]]'
