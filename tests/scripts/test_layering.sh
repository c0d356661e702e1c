#!/usr/bin/env bash
# The layering rule of DESIGN.md: only src/ui/ and src/main.c may include
# curses. `make layering` (a prerequisite of every object) must pass on the
# tree and must fail, naming the file, when a core file includes curses.
set -u
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

cp -r "$top/Makefile" "$top/src" "$top/include" "$tmp/"
cd "$tmp" || exit 1

if make -s layering >out 2>&1; then ok "the tree as committed passes the layering check"
else nok "the tree fails the layering check: $(cat out)"; fi

for inc in '#include <curses.h>' '#include <ncursesw/curses.h>' '# include "ncurses.h"' '#include <term.h>'; do
	cp src/loop.c loop.bak
	printf '%s\n' "$inc" >>src/loop.c
	if make -s layering >out 2>&1; then
		nok "'$inc' in src/loop.c was not caught"
	elif grep -q 'src/loop.c' out; then
		ok "'$inc' in src/loop.c fails the build and names the file"
	else
		nok "'$inc' failed without naming src/loop.c: $(cat out)"
	fi
	mv loop.bak src/loop.c
done

mkdir -p src/ui
echo '#include <curses.h>' >src/ui/probe_only.c
echo '#include <curses.h>' >>src/main.c
if make -s layering >out 2>&1; then ok "curses in src/ui/ and src/main.c is allowed"
else nok "curses in src/ui/ or src/main.c was refused: $(cat out)"; fi
