# shellcheck shell=bash
# Shared by the TUI tests (test_tui.sh, test_manual.sh); sourced, never run.
# TAP helpers, a scratch directory, and the TUI in a private tmux server:
# a new socket for each start, so killing one server never races the next,
# and every server started is killed on exit (nothing else is touched).
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
CA=/tmp/mailflow-lab/tls/ca.crt
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
	[ -n "$sock" ] && tmux -L "$sock" kill-server 2>/dev/null
	runs=$((runs + 1))
	sock=mailflow-test-$$-$runs
	socks+=("$sock")
	rm -f "$tmp/exit"
	tmux -L "$sock" -f /dev/null new-session -d -s main -x "$cols" -y "$rows" \
		"cd '$tmp' && env LANG=C.UTF-8 ${envs[*]} '$bin' --dns 127.0.0.1:5353 --ca-file $CA $* 2>'$tmp/stderr'; echo \$? >'$tmp/exit'; sleep 600"
}
cap() { tmux -L "$sock" capture-pane -t main -p 2>/dev/null; }
keys() { tmux -L "$sock" send-keys -t main "$@"; sleep 0.3; }
type_line() { tmux -L "$sock" send-keys -t main -l -- "$1"; tmux -L "$sock" send-keys -t main Enter; sleep 0.3; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
	local i
	for ((i = 0; i < ${2:-15} * 10; i++)); do
		cap | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
