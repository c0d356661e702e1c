#!/usr/bin/env bash
# Hostile servers (SECURITY.md): fakesmtp plays each on its own loopback
# address (127.0.10.0/24, used by nothing else), and each case asserts the
# verdict, the time to it (--timeout plus a small margin) and mailflow's
# peak RSS. No lab, no root: the ports are above 1024.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

fake=${BUILD:-build/normal}/tests/fakesmtp
if [ ! -x "$fake" ]; then
	skip "hostile servers" "no $fake (make tests builds it)"
	exit 0
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# A self-signed certificate for the TLS cases, made here (no lab CA).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=hostile.test \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1

port=$((20000 + RANDOM % 12000))

# rss_check WHAT: peak RSS under 64 MB; under ASan (its quarantine keeps
# freed memory) the figure says nothing about mailflow, so it is skipped.
rss_check() {
	case ${BUILD:-} in
	*asan*) skip "$1: peak RSS" "ASan's quarantine holds freed memory" ;;
	*) check "$1: peak RSS under 64 MB ($rss KB)" '[ "$rss" -gt 0 ] && [ "$rss" -lt 65536 ]' ;;
	esac
}

# start_fake ADDR NAME: fakesmtp with $tmp/NAME.script on ADDR:$port.
start_fake() {
	"$fake" -l "$1:$port" -s "$tmp/$2.script" -c "$tmp/cert.pem" -k "$tmp/key.pem" \
		2>"$tmp/$2.err" &
	pids+=($!)
	local _
	for _ in $(seq 50); do
		if (exec 3<>"/dev/tcp/$1/$port") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	nok "fakesmtp on $1:$port did not start: $(cat "$tmp/$2.err")"
	return 1
}

# probe NAME ARGS...: runs mailflow --json with a 60 s guard; sets rc, ms,
# rss (KB, from GNU time) and writes $tmp/NAME.json.
probe() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	timeout 60 /usr/bin/time -f '%M' -o "$tmp/$name.rss" \
		"$MAILFLOW" --batch --json "$@" >"$tmp/$name.json" 2>"$tmp/$name.err"
	rc=$?
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	rss=$(tail -n 1 "$tmp/$name.rss" 2>/dev/null)
	case $rss in ''|*[!0-9]*) rss=0 ;; esac
}

# item NAME ID: the verdict of checklist item ID of the first address.
item() {
	jq -r --arg id "$2" '[.. | objects | select(.id? == $id) | .verdict][0] // "none"' \
		"$tmp/$1.json" 2>/dev/null
}

# ---- a flood of continuation lines in plaintext -------------------------------

cat >"$tmp/flood.script" <<'EOF'
send 220 flood.test ESMTP
expect EHLO
flood 250-flood.test says this line again and again and again
EOF
if start_fake 127.0.10.1 flood; then
	probe flood -s 127.0.10.1:$port --timeout 2 --tls off
	echo "# bench: plaintext flood: verdict after $ms ms, peak RSS $rss KB (--timeout 2)"
	check "plaintext flood: ends within --timeout 2 + 2 s (took $ms ms, exit $rc)" \
		'[ "$rc" -ne 124 ] && [ "$ms" -lt 4000 ]'
	check "plaintext flood: host.ehlo fails (it is $(item flood host.ehlo))" \
		'[ "$(item flood host.ehlo)" = fail ]'
	rss_check "plaintext flood"
	check "plaintext flood: said to be a flood, not a silence ('nothing came' would be false)" \
		'grep -q "kept coming" "$tmp/flood.json" && ! grep -q "nothing more came" "$tmp/flood.json"'
fi

# ---- an endless stream inside TLS ---------------------------------------------

cat >"$tmp/tlsflood.script" <<'EOF'
send 220 tlsflood.test ESMTP
expect EHLO
send 250-tlsflood.test
send 250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
starttls
expect EHLO
flood 250-inside TLS, again and again and again and again and again
EOF
if start_fake 127.0.10.2 tlsflood; then
	probe tlsflood -s 127.0.10.2:$port --timeout 2
	echo "# bench: TLS flood: verdict after $ms ms, peak RSS $rss KB (--timeout 2)"
	check "TLS flood: ends within --timeout 2 + 2 s (took $ms ms, exit $rc)" \
		'[ "$rc" -ne 124 ] && [ "$ms" -lt 4000 ]'
	rss_check "TLS flood"
fi

# ---- one reply line that never ends (issue 17, point 6) -----------------------

cat >"$tmp/unended.script" <<'EOF2'
send 220 unended.test ESMTP
expect EHLO
floodraw 250-this line never ends and never ends and never ends 
EOF2
if start_fake 127.0.10.3 unended; then
	probe unended -s 127.0.10.3:$port --timeout 2 --tls off
	echo "# bench: unended reply: verdict after $ms ms, peak RSS $rss KB (--timeout 2)"
	check "unended reply: ends within --timeout 2 + 2 s (took $ms ms, exit $rc)" \
		'[ "$rc" -ne 124 ] && [ "$ms" -lt 4000 ]'
	check "unended reply: host.protocol fails, not 'well formed' (it is $(item unended host.protocol))" \
		'[ "$(item unended host.protocol)" = fail ] && grep -q "never ended" "$tmp/unended.json"'
	rss_check "unended reply"
fi

# ---- AUTH with 5,000 mechanisms, then PLAIN LOGIN past the line's cut ----------

mechs=$(for i in $(seq 5000); do printf 'X-MECH%d ' "$i"; done)
{
	printf 'send 220 mechs.test ESMTP\nexpect EHLO\nsend 250-mechs.test\n'
	printf 'send 250 AUTH %sPLAIN LOGIN\n' "$mechs"
	printf 'expect MAIL\nsend 250 ok\nexpect RCPT\nsend 250 ok\nexpect RCPT\nsend 550 no\n'
	printf 'expect RSET\nsend 250 ok\nexpect QUIT\nsend 221 bye\n'
} >"$tmp/mechs.script"
if start_fake 127.0.10.4 mechs; then
	MAILFLOW_PASSWORD=not-sent probe mechs -s 127.0.10.4:$port --timeout 2 --tls off \
		-a someone --allow-plaintext-auth
	check "5,000 AUTH mechanisms: host.auth says the list was cut, not 'no mechanism'" \
		'[ "$(item mechs host.auth)" = warn ] && grep -q "list of mechanisms was cut" "$tmp/mechs.json" &&
		 ! grep -q "no mechanism mailflow speaks" "$tmp/mechs.json"'
	check "5,000 AUTH mechanisms: the replies stay in step (host.protocol $(item mechs host.protocol))" \
		'[ "$(item mechs host.protocol)" != fail ]'
fi

# ---- "STARTTLS\0": not the keyword, and not shown as if it were ----------------

cat >"$tmp/nul.script" <<'EOF2'
send 220 nul.test ESMTP
expect EHLO
send 250-nul.test
send 250 STARTTLS\x00
expect MAIL
send 250 ok
expect RCPT
send 250 ok
expect RCPT
send 550 no
expect RSET
send 250 ok
expect QUIT
send 221 bye
EOF2
if start_fake 127.0.10.5 nul; then
	probe nul -s 127.0.10.5:$port --timeout 2
	kw=$(jq -r '[.. | objects | select(has("keyword")) | .keyword][0]' "$tmp/nul.json")
	check "STARTTLS\\0: the EHLO keyword is shown escaped ($kw), as the verdict reads it" \
		'[ "$kw" = "STARTTLS\\x00" ] && [ "$(item nul host.starttls)" = warn ]'
fi

# ---- a TLS handshake that never comes after the 220 ----------------------------

cat >"$tmp/hsstall.script" <<'EOF2'
send 220 hsstall.test ESMTP
expect EHLO
send 250-hsstall.test
send 250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
stall
EOF2
if start_fake 127.0.10.6 hsstall; then
	probe hsstall -s 127.0.10.6:$port --timeout 2
	title=$(jq -r '[.. | objects | select(.id? == "host.starttls") | .title][0]' "$tmp/hsstall.json")
	check "handshake timeout: titled as the handshake's timeout ($title), not a refusal or a missing reply" \
		'[ "$(item hsstall host.starttls)" = fail ] && case $title in *"TLS handshake"*timeout*) true ;; *) false ;; esac'
	check "handshake timeout: ends within --timeout 2 + 2 s (took $ms ms)" '[ "$ms" -lt 4000 ]'
fi
