#!/usr/bin/env bash
# needs: slow
# variant: normal
# make deb: the Debian package. It builds (dpkg-buildpackage, debhelper)
# into build/mailflow_VERSION_ARCH.deb; lintian reports no error; it holds
# the binary, the man page, the themes and both completions under /usr;
# unpacked with dpkg -x into a scratch root, its mailflow --version runs
# and names the Makefile's version; the binary looks for its themes in
# /usr/share/mailflow (the package's path), never in the build tree, and
# finds the packaged ones there. About 20 s (a full -O2 build), so it is
# make check's, not check-unit's.
# check() (lib.sh) evaluates its second argument: the single quotes are on
# purpose, and the variables only it reads are used.
# shellcheck disable=SC2016,SC2034
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/mailflow-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp/config HOME=$tmp

for t in dpkg-buildpackage dh lintian; do
	if ! command -v "$t" >/dev/null 2>&1; then
		skip "make deb" "no $t (make deps installs debhelper, dpkg-dev, lintian)"
		exit 0
	fi
done
version=$(sed -n 's/^VERSION := //p' "$top/Makefile")
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$top/build/mailflow_${version}_$arch.deb
rm -f "$deb"
start=$(date +%s)
if out=$(make -s -C "$top" deb 2>&1); then ok "make deb builds ($(($(date +%s) - start)) s)"
else nok "make deb: $(tail -n 5 <<<"$out")"; fi
check "the package is $deb" '[ -s "$deb" ] && [ "$(tail -n 1 <<<"$out")" = "build/mailflow_${version}_$arch.deb" ]'
check "its version is the Makefile's ($version)" '[ "$(dpkg-deb -f "$deb" Version)" = "$version" ]'
check "the changelog's version is the Makefile's" \
	'[ "$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)" = "$version" ]'

lintian --fail-on error "$deb" >"$tmp/lintian" 2>&1
rc=$?
lint=$(grep -v 'running with root privileges' "$tmp/lintian")
check "lintian: no error (exit $rc)${lint:+; it says: $(head -c 300 <<<"$lint")}" \
	'[ "$rc" -eq 0 ] && ! grep -q "^E: " <<<"$lint"'

files=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in ./usr/bin/mailflow ./usr/share/man/man1/mailflow.1.gz \
         ./usr/share/mailflow/themes/default.theme ./usr/share/mailflow/themes/mono.theme \
         ./usr/share/bash-completion/completions/mailflow \
         ./usr/share/zsh/vendor-completions/_mailflow ./usr/share/doc/mailflow/copyright; do
	check "the package holds ${f#.}" 'grep -qx -- "$f" <<<"$files"'
done

root=$tmp/root
dpkg -x "$deb" "$root"
m=$root/usr/bin/mailflow
check "dpkg -x: mailflow --version runs from the scratch root" \
	'[ "$(cd "$tmp" && "$m" --version)" = "mailflow $version" ]'
check "the man page renders" 'man -l "$root/usr/share/man/man1/mailflow.1.gz" 2>/dev/null | grep -q -- "--report"'
# Where it looks for themes: the package's path, nothing of the build tree.
(cd "$tmp" && "$m" --debug "$tmp/trace" --list-themes >/dev/null 2>&1)
check "it looks for its themes in /usr/share/mailflow/themes" \
	'grep -q "themes: looked up in /usr/share/mailflow/themes$" "$tmp/trace"'
check "... and never in the build tree ($top)" '! grep -q "looked up in $top" "$tmp/trace"'
check "no path of the build tree is in the binary" '! grep -qF "$top" "$m"'
# With the package's /usr/share in place (a private mount namespace, as if
# installed), it finds the packaged themes.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
	themes=$(cd "$tmp" && unshare -m sh -c 'mount --bind "$1/usr/share" /usr/share && exec "$2" --list-themes' \
		sh "$root" "$m" 2>&1 | tr '\n' ' ')
	check "installed, it finds the packaged themes ($themes)" \
		'[ "$themes" = "default high-contrast light mono " ]'
else
	skip "installed, it finds the packaged themes" "needs root for a private mount namespace"
fi
# The packaged bash completion works with the packaged binary.
# shellcheck source=/dev/null
. "$root/usr/share/bash-completion/completions/mailflow"
COMP_WORDS=("$m" --nag)
COMP_CWORD=1
_mailflow
check "the packaged bash completion completes --nag to --nagios" '[ "${COMPREPLY[*]}" = --nagios ]'
