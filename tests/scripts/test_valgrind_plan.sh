#!/usr/bin/env bash
# needs: lab
# variant: normal
# valgrind finds no leak and no error in a full DNS plan of the healthy lab
# domain, through the program and through the library's own test.
# (--ca-file: healthy.lab.test publishes an MTA-STS policy, fetched from
# the lab's nginx with a lab-CA certificate.)
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=all
    --errors-for-leak-kinds=all --error-exitcode=99
    --suppressions="$(dirname "$0")/../valgrind.supp")

log=$(mktemp); trap 'rm -f "$log"' EXIT
"${vg[@]}" "$MAILFLOW" --no-smtp --dns 127.0.0.1:5353 --ca-file "$CA" healthy.lab.test >/dev/null 2>"$log"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$log" ]; then ok "mailflow plan of healthy.lab.test: valgrind clean"
else nok "mailflow under valgrind: exit $rc: $(head -40 "$log")"; fi

CMOCKA_MESSAGE_OUTPUT=TAP "${vg[@]}" "$BUILD/tests/test_lab_plan" test_healthy >"$log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^ok 1 - test_healthy' "$log"; then ok "test_lab_plan test_healthy: valgrind clean"
else nok "test_healthy under valgrind: exit $rc: $(head -40 "$log")"; fi
