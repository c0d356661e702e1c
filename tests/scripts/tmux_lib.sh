# shellcheck shell=bash
# Shared by the TUI tests (test_tui.sh, test_manual.sh); sourced, never run.
# The TAP helpers and $CA come from lib.sh. Here: a scratch directory, the
# TUI in a private tmux server (a new socket for each start, so killing one
# server never races the next, and every server started is killed on exit:
# nothing else is touched), and waits on what the screen shows, never a
# fixed sleep: each wait polls capture-pane until its condition holds or
# its deadline passes.
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tmp=$(mktemp -d)
runs=0
sock=
socks=()
cleanup() {
	local s
	for s in "${socks[@]}"; do tmux -L "$s" kill-server 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
bin=$MAILFLOW
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac

# start COLS ROWS ENV... -- ARGS...: the TUI on the lab, in $tmp, with its
# exit status in $tmp/exit and its stderr in $tmp/stderr.
start() {
	local cols=$1 rows=$2; shift 2
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	start_sh "$cols" "$rows" "env LANG=C.UTF-8 ${envs[*]} '$bin' --dns 127.0.0.1:5353 --ca-file $CA $* 2>'$tmp/stderr'"
}
# start_sh COLS ROWS COMMAND: a shell command line in the pane, in $tmp,
# its exit status in $tmp/exit (start() is this with mailflow's stderr in
# $tmp/stderr; here the command says where its output goes).
start_sh() {
	[ -n "$sock" ] && tmux -L "$sock" kill-server 2>/dev/null
	runs=$((runs + 1))
	sock=mailflow-test-$$-$runs
	socks+=("$sock")
	rm -f "$tmp/exit"
	tmux -L "$sock" -f /dev/null new-session -d -s main -x "$1" -y "$2" \
		"cd '$tmp' && $3; echo \$? >'$tmp/exit'; sleep 600"
}
cap() { tmux -L "$sock" capture-pane -t main -p 2>/dev/null; }

# poll SECONDS CMD...: runs CMD every 0.1 s until it succeeds (0) or the
# deadline passes (1). Every wait below is one of these.
poll() {
	local deadline=$((SECONDS + $1)); shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}
on_screen() { cap | grep -qF -- "$1"; }
off_screen() { ! on_screen "$1"; }
# The screen has not changed for 0.3 s (four captures alike): the TUI
# has taken the keys sent and drawn what follows from them.
screen_still() {
	local now
	now=$(cap)
	if [ "$now" = "$_last_screen" ]; then
		_still=$((_still + 1))
	else
		_still=0
		_last_screen=$now
	fi
	[ "$_still" -ge 3 ]
}
settle() { _last_screen=$(cap); _still=0; poll 3 screen_still; }

# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() { poll "${2:-15}" on_screen "$1"; }
# wait_gone TEXT [SECONDS]: until the screen no longer shows TEXT.
wait_gone() { poll "${2:-5}" off_screen "$1"; }
# wait_exit [SECONDS]: until the TUI has exited (its status in $tmp/exit).
wait_exit() { poll "${1:-5}" test -s "$tmp/exit"; }

keys() { tmux -L "$sock" send-keys -t main "$@"; settle; }
type_line() { tmux -L "$sock" send-keys -t main -l -- "$1"; tmux -L "$sock" send-keys -t main Enter; settle; }

# wait_done [SECONDS]: until the header says the run is done ("1.2 s  done";
# "3/8 hosts done" is progress, not the end).
wait_done() { poll "${1:-15}" on_screen "s  done"; }
# The screen with what changes from run to run masked: times, durations,
# the transcript's clock, dates: what is left is what a reviewer should see
# change.
mask_times() {
	sed -E -e 's/[0-9]+\.[0-9]+ s/N.N s/g' -e 's/[0-9]+ ms/N ms/g' \
		-e 's/\+[0-9]+\.[0-9]{3}/+N.NNN/g' -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:]+( UTC)?/DATE/g' \
		-e 's/[0-9]+ days?/N days/g' -e 's/[0-9]+ s of [0-9]+/N s of N/g'
}
# golden NAME: the masked screen against tests/scripts/golden/NAME.screen
# (MAILFLOW_GOLDEN_UPDATE=1 writes it instead).
golden() {
	local want
	want="$(dirname "${BASH_SOURCE[0]}")/golden/$1.screen"
	if [ "${MAILFLOW_GOLDEN_UPDATE:-0}" = 1 ]; then
		cap | mask_times >"$want"
		ok "golden $1: written"
	# Runs of blanks compare as one: a masked time ("N ms") stands for a
	# number of any width, and the padding after it follows that width.
	elif cap | mask_times | tr -s ' ' | diff -u <(tr -s ' ' <"$want") - >"$tmp/golden.diff"; then
		ok "golden $1: the screen is as reviewed"
	else
		nok "golden $1: the screen changed: $(cat "$tmp/golden.diff")"
	fi
}
