#!/usr/bin/env bash
# needs: lab
# variant: normal
# valgrind (memcheck) over the whole routine against the lab: zero errors
# and zero leaks on every scenario that exercises a different path (TLS,
# refusals, timeouts, malformed and hostile replies, a message sent).
# Two at a time: valgrind is slow, and two cores is what CI has.
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=all
    --errors-for-leak-kinds=all --error-exitcode=99
    --suppressions="$(dirname "$0")/../valgrind.supp")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# domain [options]: one line per run.
runs=(
	"healthy.lab.test --send"
	"wrongname.lab.test"
	"demo.lab.test"
	"busy.lab.test"
	"dead.lab.test"
	"greylist.lab.test"
	"openrelay.lab.test"
	"nouser.lab.test --send"
	"malformed.lab.test"
	"escape.lab.test"
	"bigline.lab.test"
	"stall.lab.test"
	"inject.lab.test"
	"nodsn.lab.test"
	"silent.lab.test"
	"oldsmtp.lab.test"
	"early.lab.test"
	"smtps.lab.test --port 465"
	"noaddr.lab.test"
)

vg_one() {
	local i=$1 line=$2 domain opts
	read -r domain opts <<<"$line"
	# shellcheck disable=SC2086 # opts are words
	"${vg[@]}" "$MAILFLOW" --batch --json --dns 127.0.0.1:5353 --ca-file "$CA" \
		--timeout 4 $opts "$domain" >"$tmp/$i.json" 2>"$tmp/$i.vg"
	echo $? >"$tmp/$i.rc"
}

i=0
for line in "${runs[@]}"; do
	vg_one "$i" "$line" &
	i=$((i + 1))
	if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait

i=0
for line in "${runs[@]}"; do
	rc=$(cat "$tmp/$i.rc")
	# 0 or 1 are the program's verdicts; 99 is valgrind's, 2 a run it could not judge.
	if [ "$rc" != 99 ] && [ "$rc" -le 1 ] && [ ! -s "$tmp/$i.vg" ] && jq -e . "$tmp/$i.json" >/dev/null 2>&1; then
		ok "valgrind clean: mailflow $line (exit $rc)"
	else
		nok "valgrind: mailflow $line: exit $rc: $(head -c 2000 "$tmp/$i.vg")"
	fi
	i=$((i + 1))
done
