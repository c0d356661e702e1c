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
