#!/usr/bin/env bash
# The options table (src/options.c) and what comes from it, without the lab:
# --help lists every option of the table exactly once, with the defaults of
# include/mailflow/defaults.h (also after they change); the config file
# refuses command-line-only options and names file:line for any bad line;
# --debug FILE writes a trace that never holds the AUTH password; a binary
# outside the source tree never looks into it for themes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/scripts/lib.sh
. "$here/lib.sh"
tree=$(cd "$here/../.." && pwd -P)
tmp=$(mktemp -d /tmp/mailflow-options.XXXXXX)
fake_pid=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config      # no user config unless a test writes one
mkdir -p "$XDG_CONFIG_HOME/mailflow"
cfg=$XDG_CONFIG_HOME/mailflow/config
unset MAILFLOW_PASSWORD

# ---- --help and the table -------------------------------------------------

help=$("$MAILFLOW" --help 2>&1)
# The options part of --help: from the first group to the examples.
opts=$(sed -n '/^Where to connect:/,/^Examples:/p' <<<"$help")
# The option names of the table's rows, and their short letters.
names=$(grep -oE '\.(name|alias) = "[a-z0-9-]+"' "$tree/src/options.c" | sed 's/.*"\(.*\)"/--\1/' | sort)
letters=$(sed -n "s/.*\\.letter = '\\(.\\)'.*/-\\1/p" "$tree/src/options.c" | sort)
# What --help shows in its option column: the text before the help column.
shown=$(awk '/^  -/ || /^      --/ { sub(/^ +/, ""); split($0, a, /  /); print a[1] }' <<<"$opts" |
	grep -oE -- '(^|[ ,])--?[a-zA-Z0-9][a-z0-9-]*' | sed 's/^[ ,]//' | sort)
count=$(wc -l <<<"$names")
if [ "$count" -ge 30 ] && [ "$(sort -u <<<"$names")" = "$names" ]; then
	ok "the table has $count long names, each once"
else nok "the table's names ($count): $(tr '\n' ' ' <<<"$names")"; fi
missing=$(comm -23 <(sort -u <<<"$names"$'\n'"$letters") <(sort -u <<<"$shown"))
extra=$(comm -13 <(sort -u <<<"$names"$'\n'"$letters") <(sort -u <<<"$shown"))
dups=$(uniq -d <<<"$shown")
if [ -z "$missing" ] && [ -z "$extra" ] && [ -z "$dups" ]; then
	ok "--help lists every option of the table exactly once"
else nok "$(echo "--help: missing '$missing', not in the table '$extra', twice '$dups'" | tr '\n' ' ')"; fi

# entry NAME TEXT: the --help entry of --NAME, its line and the lines that
# continue its help text (indented past the names), joined by spaces.
entry() {
	awk -v n="$1" 'hit && match($0, /^ +/) && RLENGTH > 8 { sub(/^ +/, " "); printf "%s", $0; next }
		hit { exit }
		$0 ~ ("^ +(-., )?--" n "[ ,]") || $0 ~ ("^ +(-., )?--" n "$") { hit = 1; printf "%s", $0 }
		END { if (hit) print "" }' <<<"$2"
}

# Issue 13, point 9: every help text starts at one column, a name too long
# for it puts its help on the next line at that column, and no line of
# --help is wider than 80 columns.
widest=$(LC_ALL=C.UTF-8 awk '{ if (length($0) > w) { w = length($0); l = $0 } } END { print w ": " l }' <<<"$help")
if [ "${widest%%:*}" -le 80 ]; then ok "--help: no line is wider than 80 columns (${widest%%:*})"
else nok "--help: a line of ${widest%%:*} columns: '${widest#*: }'"; fi
# The column of each help text: after the names and two blanks or more, or
# the indent of a line that continues one; a names line without a help
# text must be followed by such a line.
cols=$(awk '/^[^ ]/ || /^$/ { if (want) print "none after " want; want = ""; next }
	/^  -/ || /^      --/ {
		if (want) print "none after " want
		match($0, /^ +/); lead = RLENGTH; rest = substr($0, lead + 1); want = ""
		if (match(rest, /  +[^ ]/)) print lead + RSTART + RLENGTH - 2
		else want = rest
		next }
	{ match($0, /^ +/); print RLENGTH; want = "" }' <<<"$opts" | sort | uniq -c)
if [ "$(wc -l <<<"$cols")" = 1 ] && [[ $cols =~ ^\ *[0-9]+\ [0-9]+$ ]] &&
   [ "$(awk '{ print $2 }' <<<"$cols")" -ge 20 ]; then
	ok "--help: every help text starts at column $(awk '{ print $2 + 1 }' <<<"$cols")"
else nok "--help: help texts start at several columns (count, column): $(tr '\n' ';' <<<"$cols")"; fi
# Names end two blanks before the help column, or the help goes on the next
# line (--report FILE.md|FILE.html).
col=$(awk '{ print $2 }' <<<"$cols" | head -1)
long=$(awk -v c="${col:-0}" '/^  -/ || /^      --/ { match($0, /^ +/); lead = RLENGTH
	if (match(substr($0, lead + 1), /  +[^ ]/) && lead + RSTART - 1 > c - 2) print }' <<<"$opts")
if [ -z "$long" ]; then ok "--help: no option's names run into the help column"
else nok "--help: names in the help column: $long"; fi
# Wrapped at word boundaries: a continued text's words are all there, in
# order (the row's text, "{}" aside, with its line breaks as spaces).
want=$(sed -n '/\.name = "explain"/,/\.kind/p' "$tree/src/options.c" | sed -n 's/.*"\(.*\)".*/\1/p' |
	grep -v '^explain$\|FILE|-|TEXT\|From a bounce' | tr -d '\n' | sed 's/\\n/ /g; s/  */ /g')
got=$(entry explain "$opts" | sed 's/^ *--explain FILE|-|TEXT *//; s/  */ /g')
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "--help: --explain's text wraps at word boundaries, every word kept"
else nok "--help: --explain: want '$want', got '$got'"; fi

# Plain mailflow: two lines of usage and "mailflow --help for more", on
# stderr, exit 2 (checklist_exit_status_as(): the run could not be made).
err=$("$MAILFLOW" 2>&1 >"$tmp/noarg.out"); rc=$?
if [ $rc -eq 2 ] && [ ! -s "$tmp/noarg.out" ] && [ "$(wc -l <<<"$err")" = 3 ] &&
   [[ $(sed -n 1p <<<"$err") == "usage: mailflow "* ]] &&
   [[ $(sed -n 2p <<<"$err") == "       mailflow "* ]] &&
   [ "$(sed -n 3p <<<"$err")" = "mailflow --help for more" ]; then
	ok "plain mailflow: two usage lines and 'mailflow --help for more' on stderr, exit 2"
else nok "plain mailflow: exit $rc, stdout $(wc -c <"$tmp/noarg.out") bytes, stderr: $err"; fi

# README's options table: one table, the options of --help in its order.
table=$(awk '/^\| option \| meaning \|$/ { on = 1; next } on && !/^\|/ { exit } on' "$tree/README.md")
after=$(awk '/^\| option \| meaning \|$/ { on = 1; next } on && !/^\|/ { on = 2; next }
	on == 2 && /^\| `-/ { print; exit }' "$tree/README.md")
readme=$(awk -F ' [|] ' 'NR > 1 { sub(/^\| /, "", $1); print $1 }' <<<"$table" |
	grep -oE -- '(^|[ `,])--?[a-zA-Z0-9][a-z0-9-]*' | sed 's/^[ `,]//')
long_help=$(grep -E -- '^--' <<<"$shown" | sort)
order_help=$(awk '/^  -/ || /^      --/ { sub(/^ +/, ""); split($0, a, /  /); print a[1] }' <<<"$opts" |
	grep -oE -- '(^|[ ,])--[a-z0-9][a-z0-9-]*' | sed 's/^[ ,]//')
order_readme=$(grep -E -- '^--' <<<"$readme")
if [ -z "$after" ] && [ "$(sort <<<"$readme")" = "$(sort <<<"$shown")" ] &&
   [ "$order_readme" = "$order_help" ] && [ -n "$long_help" ]; then
	ok "README: one options table, the $(wc -l <<<"$order_readme") options of --help in its order"
else nok "README's options table: a second table after it: '$after'; not in --help: $(comm -23 <(sort <<<"$readme") <(sort <<<"$shown") | tr '\n' ' '); not in README: $(comm -13 <(sort <<<"$readme") <(sort <<<"$shown") | tr '\n' ' '); order: $(diff <(echo "$order_readme") <(echo "$order_help") | grep '^[<>]' | tr '\n' ' ')"; fi

# --dsn: the one way to have --send ask for delivery notices, said in --help,
# and recorded in the JSON document's options.
if entry dsn "$opts" | grep -qF 'NOTIFY=SUCCESS,FAILURE' &&
   entry dsn "$opts" | grep -qF 'NOTIFY=NEVER'; then
	ok "--help: --dsn asks NOTIFY=SUCCESS,FAILURE, else NOTIFY=NEVER"
else nok "--help: --dsn: $(entry dsn "$opts")"; fi
out=$("$MAILFLOW" --json --no-smtp -s 127.0.0.1 --send --dsn 2>&1)
out2=$("$MAILFLOW" --json --no-smtp -s 127.0.0.1 --send 2>&1)
if jq -e '.options.dsn == true and .options.send == true' >/dev/null 2>&1 <<<"$out" &&
   jq -e '.options.dsn == false' >/dev/null 2>&1 <<<"$out2"; then
	ok "--dsn is in the JSON options (false without it)"
else nok "--dsn in JSON: $(head -c 300 <<<"$out")"; fi

# The defaults of defaults.h on the lines of their options.
def() { sed -n "s/^#define $1 *\\(\"[^\"]*\"\\|[0-9]*\\).*/\\1/p" "$2" | tr -d '"'; }
line_of() { entry "$1" "$3" | grep -qF -- "$2"; }
check_defaults() {  # check_defaults HEADER HELP: the failures, one a line
	local h=$1 text=$2
	line_of port "default $(def DEFAULT_PORT "$h");" "$text" || echo "port"
	line_of port "$(def DEFAULT_PORT_SMTPS "$h") means TLS" "$text" || echo "port 465"
	line_of timeout "default $(( $(def DEFAULT_TIMEOUT_MS "$h") / 1000 )))" "$text" || echo "timeout"
	line_of dns-timeout "default $(def DEFAULT_DNS_TIMEOUT_MS "$h"))" "$text" || echo "dns-timeout"
	line_of dns-tries "default $(def DEFAULT_DNS_TRIES "$h"))" "$text" || echo "dns-tries"
	line_of concurrency "default $(def DEFAULT_CONCURRENCY "$h"))" "$text" || echo "concurrency"
	line_of from "default $(def DEFAULT_LOCAL_PART "$h")@HELO" "$text" || echo "from"
	line_of relay-to "(default $(def DEFAULT_RELAY_TO "$h"))" "$text" || echo "relay-to"
}
bad=$(check_defaults "$tree/include/mailflow/defaults.h" "$help" | tr '\n' ' ')
if [ -z "$bad" ]; then ok "--help shows the defaults of defaults.h"
else nok "defaults not shown: $bad"; fi

# Other defaults in defaults.h, the same program built: --help follows.
# (One build is enough: only on the normal variant.)
if [ "${BUILD:-build/normal}" = build/normal ] || [[ ${BUILD:-} == */normal ]]; then
	mkdir -p "$tmp/src" && cp -r "$tree/Makefile" "$tree/src" "$tree/include" "$tree/themes" "$tmp/src/"
	h=$tmp/src/include/mailflow/defaults.h
	sed -i -e 's/^\(#define DEFAULT_CONCURRENCY  *\)[0-9][0-9]*/\137/' \
	       -e 's/^\(#define DEFAULT_TIMEOUT_MS  *\)[0-9][0-9]*/\145000/' \
	       -e 's/^\(#define DEFAULT_DNS_TRIES  *\)[0-9][0-9]*/\13/' \
	       -e 's/^\(#define DEFAULT_DNS_TIMEOUT_MS  *\)[0-9][0-9]*/\12500/' \
	       -e 's/^\(#define DEFAULT_PORT  *\)[0-9][0-9]*/\12525/' \
	       -e 's/^\(#define DEFAULT_LOCAL_PART  *\)"[^"]*"/\1"hostmaster"/' \
	       -e 's/^\(#define DEFAULT_RELAY_TO  *\)"[^"]*"/\1"relay-check@example.net"/' "$h"
	if [ "$(def DEFAULT_CONCURRENCY "$h")$(def DEFAULT_LOCAL_PART "$h")" != 37hostmaster ]; then
		nok "the test could not change defaults.h: $(grep '^#define' "$h" | tr '\n' ' ')"
	elif make -s -C "$tmp/src" -j4 BUILD=b b/mailflow >"$tmp/build.log" 2>&1; then
		h2=$("$tmp/src/b/mailflow" --help 2>&1)
		bad=$(check_defaults "$h" "$h2" | tr '\n' ' ')
		if [ -z "$bad" ] && ! grep -qE 'default (20|30|2000)\)' <<<"$h2"; then
			ok "defaults changed in defaults.h: --help shows the new ones"
		else nok "defaults changed in defaults.h, --help did not follow: $bad"; fi
	else nok "a build with other defaults failed: $(tail -3 "$tmp/build.log")"; fi
fi

# ---- the config file ---------------------------------------------------------

for opt in "debug $tmp/from-config.trace" help version; do
	rm -f "$tmp/from-config.trace"
	printf '# only the command line\nfrom a@b.test\n%s\n' "$opt" >"$cfg"
	out=$("$MAILFLOW" --no-smtp -s 127.0.0.1 2>&1); rc=$?
	if [ $rc -eq 2 ] && grep -qxF "mailflow: $cfg:3: ${opt%% *} is for the command line only" <<<"$out" &&
	   [ ! -e "$tmp/from-config.trace" ] && ! grep -q "Verdict\|usage:" <<<"$out"; then
		ok "config file: '${opt%% *}' refused with file:line, exit 2"
	else nok "config file '${opt%% *}': exit $rc: $out"; fi
done
printf 'timeout 0\n' >"$cfg"
out=$("$MAILFLOW" --no-smtp -s 127.0.0.1 2>&1); rc=$?
if [ $rc -eq 2 ] && [ "$out" = "mailflow: $cfg:1: --timeout wants a number from 1 to 3600, not \"0\"" ]; then
	ok "config file: a bad value is named with file:line"
else nok "config file, bad value: exit $rc: $out"; fi
printf 'from cfg@x.test\nehlo cfg.x.test\n' >"$cfg"
out=$("$MAILFLOW" --json --no-smtp -s 127.0.0.1 --from cli@x.test 2>&1)
if jq -e '.options.from == "cli@x.test" and .options.helo == "cfg.x.test"' >/dev/null 2>&1 <<<"$out"; then
	ok "config file: applied, and the command line overrides it"
else nok "config file override: $(head -c 300 <<<"$out")"; fi
rm -f "$cfg"

# ---- --debug FILE ---------------------------------------------------------------

pw='Pa55-w0rd-never-logged'
b64=$(printf '\0jane\0%s' "$pw" | base64 -w0)
trace=$tmp/run.trace
MAILFLOW_PASSWORD=$pw "$MAILFLOW" -s 127.0.0.1:9 --auth-user jane --timeout 2 \
	--debug "$trace" >"$tmp/out" 2>&1; rc=$?
if [ -s "$trace" ] && grep -q 'option auth-user: "jane"' "$trace" && grep -q "exit $rc" "$trace"; then
	ok "--debug FILE writes a trace of the run ($(wc -l <"$trace") lines, exit $rc)"
else nok "--debug: exit $rc, trace: $(head -c 300 "$trace" 2>&1)"; fi
if [ -s "$trace" ] && ! grep -qF -e "$pw" -e "$b64" "$trace" "$tmp/out"; then
	ok "--debug: the password is not in the trace"
else nok "--debug: the password is in the trace or the output"; fi
"$MAILFLOW" --no-smtp -s 127.0.0.1 --debug "$tmp/no/such/dir/t" >"$tmp/out" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -qxF "mailflow: --debug $tmp/no/such/dir/t: No such file or directory" "$tmp/out"; then
	ok "--debug with a file that cannot be written: exit 2, said"
else nok "--debug unwritable: exit $rc: $(cat "$tmp/out")"; fi

# The same with a session that gets as far as AUTH (fakesmtp on loopback).
fake=${BUILD:-build/normal}/tests/fakesmtp
if [ -x "$fake" ]; then
	cat >"$tmp/auth.script" <<-'EOF'
	send 220 fake.test ESMTP
	expect EHLO
	send 250-fake.test
	send 250 AUTH PLAIN LOGIN
	expect AUTH
	send 235 2.7.0 Authentication successful
	expect QUIT
	send 221 2.0.0 Bye
	close
	EOF
	# A port below the ephemeral range, and a listener that is ours: a
	# taken port (the connect would reach someone else) means another try.
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 12000))
		"$fake" -l "127.0.0.1:$port" -s "$tmp/auth.script" -o "$tmp/fake.log" 2>"$tmp/fake.err" &
		fake_pid=$!
		up=
		for _ in $(seq 50); do
			kill -0 "$fake_pid" 2>/dev/null || break
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
			sleep 0.1
		done
		[ -n "$up" ] && kill -0 "$fake_pid" 2>/dev/null && break
		kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=
	done
	MAILFLOW_PASSWORD=$pw "$MAILFLOW" -s "127.0.0.1:$port" --auth-user jane --tls off \
		--allow-plaintext-auth --quit-after auth --timeout 5 --debug "$trace" \
		>"$tmp/out" 2>&1; rc=$?
	if grep -qF "C: AUTH PLAIN $b64" "$tmp/fake.log" 2>/dev/null || grep -q "C: AUTH" "$tmp/fake.log" 2>/dev/null; then
		if [ -s "$trace" ] && ! grep -qF -e "$pw" -e "$b64" "$trace"; then
			ok "--debug: a session that sent AUTH leaves no password in the trace"
		else nok "--debug after AUTH: the password is in the trace"; fi
	else nok "fakesmtp saw no AUTH (exit $rc): $(head -c 300 "$tmp/out") $(cat "$tmp/fake.err")"; fi
	kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=
else
	skip "--debug after AUTH" "no $fake (make tests builds it)"
fi

# ---- a binary outside the source tree ----------------------------------------------

mkdir -p "$tmp/elsewhere/bin"
cp "$MAILFLOW" "$tmp/elsewhere/bin/mailflow"
# Debug information names the build directory; the program itself must not.
objcopy --strip-debug "$tmp/elsewhere/bin/mailflow" "$tmp/elsewhere/stripped"
if ! strings "$tmp/elsewhere/stripped" | grep -qF "$tree"; then
	ok "the program has no path of the source tree in it"
else nok "the program names the source tree: $(strings "$tmp/elsewhere/stripped" | grep -F "$tree" | head -3)"; fi
"$tmp/elsewhere/bin/mailflow" --no-smtp -s 127.0.0.1 --debug "$tmp/copied.trace" >/dev/null 2>&1
if grep -q "themes: looked up in" "$tmp/copied.trace" && ! grep -qF "$tree" "$tmp/copied.trace"; then
	ok "a copied binary does not look for themes in the source tree"
else nok "copied binary: $(grep themes "$tmp/copied.trace" | tr '\n' ' ')"; fi
"$MAILFLOW" --no-smtp -s 127.0.0.1 --debug "$tmp/tree.trace" >/dev/null 2>&1
if grep -qxE " *[0-9.]+ themes: looked up in $tree/themes" "$tmp/tree.trace"; then
	ok "the binary in the tree finds $tree/themes"
else nok "in-tree binary: $(grep themes "$tmp/tree.trace" | tr '\n' ' ')"; fi
