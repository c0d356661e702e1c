#!/usr/bin/env bash
# variant: normal
# Memory per session (issue 18, point 3): peak RSS of a run with 100 and
# with 1,000 SMTP sessions in flight at once, against a listener on
# loopback that accepts every connection and never greets (each session
# waits for its banner), as KB per added session; and the descriptor
# limit raised to what --concurrency 1000 needs. No lab: -s 127.0.0.1
# with a list of domains gives one session each, without DNS.
# shellcheck disable=SC2016  # check takes its expression in single quotes: eval expands it
set -u
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

BOUND_KB=${MAILFLOW_MEM_BOUND_KB:-32}  # the issue's target; measured: 30 (fallback steps on demand, 24 EHLO items)
tmp=$(mktemp -d)
lpid=
hpid=
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null
	wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config

if ! command -v python3 >/dev/null || [ ! -x /usr/bin/time ]; then
	skip "memory per session" "python3 or /usr/bin/time (package time) is missing"
	echo "1..$n"; exit 0
fi
# The listener: accepts all, says nothing, holds each connection.
cat >"$tmp/listen.py" <<'PY'
import resource, socket, sys, select
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(4096)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
PY
# listen SCRIPT: starts python3 SCRIPT, which prints its port; sets
# listen_pid and listen_port.
listen() {
	python3 "$1" >"$1.port" &
	listen_pid=$!
	for _ in $(seq 1 50); do [ -s "$1.port" ] && break; sleep 0.1; done
	listen_port=$(cat "$1.port")
}
listen "$tmp/listen.py"
lpid=$listen_pid port=$listen_port
check "a silent listener on 127.0.0.1:$port" '[ -n "$port" ]'

# Peak RSS in KB of a run with $1 sessions in flight.
peak() {
	local k
	for k in $(seq 1 "$1"); do echo "d$k.mem.test"; done >"$tmp/list$1"
	/usr/bin/time -f %M -o "$tmp/rss$1" "$MAILFLOW" -s 127.0.0.1 --port "$port" \
		--tls off --concurrency "$1" --banner-timeout 2 --jsonl -f "$tmp/list$1" \
		>"$tmp/out$1" 2>"$tmp/err$1"
	tail -1 "$tmp/rss$1"
}
r100=$(peak 100)
r1000=$(peak 1000)
got=$(grep -c '"exit"' "$tmp/out1000")
check "1,000 sessions: a result for each ($got)" '[ "$got" -eq 1000 ]'
timeouts=$(grep -o '"banner","state":"failed"' "$tmp/out1000" | wc -l)
check "1,000 sessions: every one connected and waited for its banner ($timeouts)" \
	'[ "$timeouts" -eq 1000 ]'
check "no message about the descriptor limit" '! grep -q "open files allowed" "$tmp/err1000"'
per=$(( (r1000 - r100) / 900 ))
echo "# bench: peak RSS ${r100} KB at 100 sessions, ${r1000} KB at 1000: ${per} KB per added session"
check "memory per session in flight: $per KB, under $BOUND_KB KB" '[ "$per" -lt "$BOUND_KB" ]'

# 1,000 hostile sessions at once, each at the limits (issue 17, point 5):
# every reply far over what the parser keeps (REPLY_BYTES_MAX), enough of
# them to fill the transcript (DEFAULT_TRANSCRIPT_MAX), and the last reply
# never ending, so each session holds the most it can at the same time.
cat >"$tmp/hostile.py" <<'PY'
import asyncio, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
LINE = b"x" * 4000
def big(code, last=True):
    body = b"".join(code + b"-" + LINE + b"\r\n" for _ in range(8))
    return body + (code + b" end\r\n" if last else b"")
async def serve(r, w):
    w.write(big(b"220"))
    for n in range(4):                  # EHLO, MAIL, RCPT, RCPT (relay test)
        if not await r.readline():
            return
        w.write(big(b"250", last=n < 3))
        await w.drain()
    await r.read()                      # hold until the client goes
async def main():
    srv = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=4096)
    print(srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()
asyncio.run(main())
PY
listen "$tmp/hostile.py"
hpid=$listen_pid hport=$listen_port
for k in $(seq 1 1000); do echo "h$k.mem.test"; done >"$tmp/hlist"
/usr/bin/time -f %M -o "$tmp/hrss" "$MAILFLOW" -s 127.0.0.1 --port "$hport" \
	--tls off --concurrency 1000 --timeout 8 --jsonl -f "$tmp/hlist" >"$tmp/hout" 2>"$tmp/herr"
kill "$hpid" 2>/dev/null
hrss=$(tail -1 "$tmp/hrss")
hgot=$(grep -c '"transcript_cut":true' "$tmp/hout")
unended=$(grep -c 'never ended' "$tmp/hout")
echo "# bench: 1,000 hostile sessions at the reply and transcript limits at once: peak RSS ${hrss} KB"
check "1,000 hostile sessions: each transcript reached its limit ($hgot) and each last reply never ended ($unended)" \
	'[ "$hgot" -eq 1000 ] && [ "$unended" -eq 1000 ]'
check "1,000 hostile sessions at the limits: peak RSS $hrss KB, under 100 MB" '[ "$hrss" -lt 102400 ]'
echo "1..$n"
