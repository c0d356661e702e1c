#!/usr/bin/env bash
# needs: lab
# The mouse in the TUI (issue 13, point 8), as a terminal sends it: tmux
# passes the bytes of xterm's mouse reports to the program, as a terminal
# does when the program has asked for mouse reports. A click selects the host row or the checklist
# item clicked; the wheel scrolls the pane under the pointer.
set -u
# shellcheck source=tests/scripts/tmux_lib.sh
. "$(dirname "$0")/tmux_lib.sh"

expect_screen() {  # DESCRIPTION TEXT
	if wait_for "$2" 5; then ok "$1"; else nok "$1: no '$2' on: $(cap | head -40)"; fi
}
# mouse BUTTON COL ROW: a press (0 left, 64 wheel up, 65 wheel down) at the
# 1-based column and row in xterm's SGR encoding (CSI < b;x;y M, released
# with m), what xterm's terminfo (kmous=\E[<) tells curses to read.
mouse() {
	tmux -L "$sock" send-keys -t main -l "$(printf '\033[<%d;%d;%dM' "$1" "$2" "$3")"
	[ "$1" -lt 64 ] && tmux -L "$sock" send-keys -t main -l "$(printf '\033[<%d;%d;%dm' "$1" "$2" "$3")"
	settle
}
# row_of TEXT: the 1-based screen row that first shows TEXT.
row_of() { cap | grep -nF -- "$1" | head -1 | cut -d: -f1; }

start 100 30 TERM=xterm -- postmaster@healthy.lab.test
if wait_done 15; then ok "healthy at 100x30: the run finished"; else nok "never finished: $(cap)"; fi

# A click on mx2's row selects it: its transcript is shown.
y=$(row_of "mx2.healthy.lab.test")
if [ -n "$y" ]; then
	mouse 0 12 "$y"
	expect_screen "a click on mx2's row selects it" "Transcript─mx2.healthy.lab.test [127.0.0.12]"
	if cap | grep -E '^>.* mx2\.healthy\.lab\.test' >/dev/null; then ok "the row clicked is the selected one"
	else nok "after the click the selection is elsewhere: $(cap | sed -n 4,8p)"; fi
else
	nok "no mx2 row to click: $(cap | head -10)"
fi

# A click on a checklist item selects it: its explanation opens below.
y=$(row_of "Relay refused")
if [ -n "$y" ]; then
	mouse 0 70 "$y"
	# The explanation pane (under its title line) now is the relay item's.
	ey=$(row_of "─Explanation─")
	if [ -n "$ey" ] && cap | sed -n "$((ey + 1))p" | grep -qF "Relay refused"; then
		ok "a click on a checklist item selects it: the explanation is the relay item's"
	else nok "after the click the explanation is: $(cap | sed -n "${ey:-1},\$p" | head -4)"; fi
else
	nok "no checklist item 'Relay refused' to click: $(cap | head -30)"
fi

# The wheel over the transcript scrolls it: the first line of the pane
# changes, and wheel up brings it back.
ty=$(( $(row_of "─Transcript─") + 1 ))
first=$(cap | sed -n "${ty}p" | cut -c1-50)
# The transcript follows its end: the wheel goes up first, far enough to
# move the selection above the pane's first line.
for _ in 1 2 3 4 5 6 7 8; do mouse 64 5 $((ty + 2)); done
after=$(cap | sed -n "${ty}p" | cut -c1-50)
if [ "$after" != "$first" ]; then ok "the wheel up over the transcript scrolls it back"
else nok "the wheel did not scroll the transcript: '$first' stays"; fi
for _ in $(seq 20); do mouse 65 5 $((ty + 2)); done
back=$(cap | sed -n "${ty}p" | cut -c1-50)
if [ "$back" = "$first" ]; then ok "the wheel down scrolls it to its end again"
else nok "wheel down: '$back', wanted '$first'"; fi

keys q
if wait_exit 5; then ok "q quits after mouse input"; else nok "still running after q: $(cap | tail -3)"; fi

# At 80x24 long checklist titles wrap onto a second row: a click on an
# item below wrapped ones still selects the item shown there.
start 80 24 TERM=xterm -- postmaster@healthy.lab.test
wait_done 15 >/dev/null
keys Down
y=$(row_of "STARTTLS: TLSv1.3")
if [ -n "$y" ] && [ -n "$(row_of "   (confirmed)")" ]; then
	mouse 0 60 "$y"
	ey=$(row_of "─Explanation─")
	if [ -n "$ey" ] && cap | sed -n "$((ey + 1))p" | grep -qF "STARTTLS: TLSv1.3"; then
		ok "80x24: a click below wrapped titles selects the item shown on that row"
	else nok "80x24: after the click the explanation is: $(cap | sed -n "${ey:-1},\$p" | head -3)"; fi
else
	nok "80x24: no wrapped checklist to click: $(cap)"
fi
keys q
wait_exit 5
echo "1..$n"
