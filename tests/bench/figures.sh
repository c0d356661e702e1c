# shellcheck shell=bash
# shellcheck disable=SC2154  # tmp, CA, MF, RUNS, BT, ... are set by tests/bench/run
# tests/bench/figures.sh: the figures of make bench, one function each.
# Sourced by tests/bench/run, which sets MF, RUNS, tmp and the helpers
# (timed, median, row, run_ok, json_count, ...).  Each comparison is
# measured in the same round of runs, one tool after the other, so that a
# noisy machine slows both sides alike: the ratios are the claims.

SWAKS=(swaks --from probe@lab.test --helo probe.lab.test --timeout 30)
EIGHT_ADDRS="51 52 53 54 55 56 57 58"

# swaks_loop OUT RCPT ADDR...: swaks --quit-after RCPT -tls to each
# address, one after another, as a person does today.
swaks_loop() {
	local out=$1 rcpt=$2 a
	shift 2
	for a in "$@"; do
		"${SWAKS[@]}" --server "$a" --to "$rcpt" --quit-after RCPT -tls >>"$out" 2>&1 ||
			return 1
	done
}
# ptf_loop OUT RCPT ADDR...: posttls-finger (EHLO, STARTTLS, EHLO, QUIT)
# to each address, one after another; RCPT is not used.
ptf_loop() {
	local out=$1 a
	shift 2
	for a in "$@"; do
		# It reads a main.cf: the lab's (there may be no /etc/postfix).
		MAIL_CONFIG=$LAB_DIR/postfix/etc posttls-finger -c -l may -F "$CA" "[$a]:25" >>"$out" 2>&1 ||
			return 1
	done
}
# For the shells benchtime runs the loops in (in_child).
export CA LAB_DIR
export -f swaks_loop ptf_loop
SWAKS_DECL=$(declare -p SWAKS)
export SWAKS_DECL
# "${IN_CHILD[@]}" FUNCTION ARGS...: a bash that has SWAKS and the loops,
# for benchtime to run.
# shellcheck disable=SC2016  # expanded by the child shell
IN_CHILD=(bash -c 'eval "$SWAKS_DECL"; "$@"' in_child)

# check_tls WHAT FILE PATTERN N: PATTERN occurs N times in FILE.
check_tls() {
	local n
	n=$(grep -c -- "$3" "$2" || true)
	[ "$n" = "$4" ] || die "$1: $n of $4 sessions did TLS (looked for '$3' in its output)"
}

# ---- 1. concurrency ---------------------------------------------------------

figure_concurrency() {
	local rc addrs=() a
	for a in $EIGHT_ADDRS; do addrs+=("127.0.0.$a"); done
	say "figure 1: eight.lab.test (8 MX, greetings after 1 s, STARTTLS), $RUNS rounds"
	for _ in $(seq "$RUNS"); do
		rc=0; timed f1_domain "${MF[@]}" --json eight.lab.test >"$tmp/f1.json" || rc=$?
		run_ok "mailflow eight.lab.test" "$rc" 0 1
		[ "$(json_count "$tmp/f1.json" host.starttls pass)" = 8 ] ||
			die "mailflow eight.lab.test: not every one of the 8 hosts did STARTTLS ($tmp/f1.json)"
		rc=0; timed f1_one "${MF[@]}" --json -s mx1.eight.lab.test eight.lab.test >"$tmp/f1one.json" || rc=$?
		run_ok "mailflow -s mx1.eight.lab.test" "$rc" 0 1
		[ "$(json_count "$tmp/f1one.json" host.starttls pass)" = 1 ] ||
			die "mailflow -s mx1.eight.lab.test: no STARTTLS ($tmp/f1one.json)"
		: >"$tmp/f1.swaks"
		rc=0; timed f1_swaks "${IN_CHILD[@]}" swaks_loop "$tmp/f1.swaks" postmaster@eight.lab.test "${addrs[@]}" || rc=$?
		run_ok "swaks to the 8 hosts" "$rc" 0
		check_tls "swaks to the 8 hosts" "$tmp/f1.swaks" "TLS started" 8
		: >"$tmp/f1.ptf"
		rc=0; timed f1_ptf "${IN_CHILD[@]}" ptf_loop "$tmp/f1.ptf" - "${addrs[@]}" || rc=$?
		run_ok "posttls-finger to the 8 hosts" "$rc" 0
		check_tls "posttls-finger to the 8 hosts" "$tmp/f1.ptf" "TLS connection established" 8
	done
	local dom one sw pf r
	dom=$(median f1_domain 1) one=$(median f1_one 1) sw=$(median f1_swaks 1) pf=$(median f1_ptf 1)
	r=$(ratio "$dom" "$one" 3)
	row 1 "mailflow, whole domain (8 MX) / one host alone" "$r ($(ms "$dom") ms / $(ms "$one") ms)" "≤ 1.05" "$(meets "$r" "<=" 1.05)"
	r=$(ratio "$sw" "$dom" 1)
	row 1 "swaks to each of the 8, one after another / mailflow" "${r}× ($(ms "$sw") ms)" "≥ 8×" "$(meets "$r" ">=" 8)"
	r=$(ratio "$pf" "$dom" 1)
	row 1 "posttls-finger to each of the 8 / mailflow" "${r}× ($(ms "$pf") ms)" "(for comparison)" "-"
	[ "$(meets "$(ratio "$dom" "$one" 3)" "<=" 1.05)" = yes ] || missed+=(concurrency)
}

# ---- 2. cost of one check ---------------------------------------------------

figure_cost() {
	local rc w c r tool a
	say "figure 2: a full STARTTLS probe of healthy.lab.test (2 MX), $RUNS rounds"
	for _ in $(seq "$RUNS"); do
		rc=0; timed f2_mf "${MF[@]}" --json healthy.lab.test >"$tmp/f2.json" || rc=$?
		run_ok "mailflow healthy.lab.test" "$rc" 0
		[ "$(json_count "$tmp/f2.json" host.starttls pass)" = 2 ] ||
			die "mailflow healthy.lab.test: not both hosts did STARTTLS ($tmp/f2.json)"
		# swaks and posttls-finger: each host on its own, summed (CPU)
		# and the larger peak (RSS).
		for tool in swaks ptf; do
			: >"$tmp/f2_$tool.one" ; : >"$tmp/f2.$tool"
			for a in 127.0.0.11 127.0.0.12; do
				rc=0; timed "f2_$tool.one" "${IN_CHILD[@]}" "${tool}_loop" "$tmp/f2.$tool" postmaster@healthy.lab.test "$a" || rc=$?
				run_ok "$tool to $a" "$rc" 0
			done
			if [ "$tool" = swaks ]; then
				check_tls "swaks to healthy" "$tmp/f2.$tool" "TLS started" 2
			else
				check_tls "posttls-finger to healthy" "$tmp/f2.$tool" "TLS connection established" 2
			fi
			awk '{ w += $1; c += $2; if ($3 > m) m = $3 } END { print w, c, m }' \
				"$tmp/f2_$tool.one" >>"$tmp/f2_$tool"
		done
		# What bounds it: the same libraries in a program that does
		# nothing, with and without libcurl's and GMime's.
		timed f2_floor "$FLOOR" || die "$FLOOR failed"
		timed f2_floor_base "$FLOOR_BASE" || die "$FLOOR_BASE failed"
	done
	c=$(median f2_mf 2) r=$(median f2_mf 3)
	row 2 "mailflow healthy.lab.test: CPU (user+sys)" "$(ms "$c") ms" "< 15 ms" "$(meets "$(ms "$c")" "<" 15)"
	row 2 "mailflow healthy.lab.test: peak RSS" "$(mb "$r") MB" "< 8 MB" "$(meets "$(mb "$r")" "<" 8)"
	[ "$(meets "$(ms "$c")" "<" 15)" = yes ] || missed+=(cpu)
	[ "$(meets "$(mb "$r")" "<" 8)" = yes ] || missed+=(rss)
	w=$(median f2_mf 1)
	row 2 "mailflow healthy.lab.test: wall time" "$(ms "$w") ms" "-" "-"
	row 2 "the libraries alone (an empty program linked as mailflow): CPU, peak RSS" \
		"$(ms "$(median f2_floor 2)") ms, $(mb "$(median f2_floor 3)") MB" "(what bounds it)" "-"
	row 2 "  the same without libcurl and GMime: CPU, peak RSS" \
		"$(ms "$(median f2_floor_base 2)") ms, $(mb "$(median f2_floor_base 3)") MB" "(what bounds it)" "-"
	row 2 "mailflow's own share (the check minus the libraries alone)" \
		"$(ms "$(awk -v a="$c" -v b="$(median f2_floor 2)" 'BEGIN { print a - b }')") ms, $(mb "$(awk -v a="$r" -v b="$(median f2_floor 3)" 'BEGIN { print a - b }')") MB" "-" "-"
	row 2 "swaks -tls --quit-after RCPT to mx1, mx2: CPU, peak RSS" \
		"$(ms "$(median f2_swaks 2)") ms, $(mb "$(median f2_swaks 3)") MB" "(for comparison)" "-"
	row 2 "posttls-finger to mx1, mx2: CPU, peak RSS" \
		"$(ms "$(median f2_ptf 2)") ms, $(mb "$(median f2_ptf 3)") MB" "(for comparison)" "-"
}

# ---- 3. memory per session --------------------------------------------------

figure_sessions() {
	local n rc
	say "figure 3: sessions in flight after STARTTLS (hold.bench.test listeners), $RUNS rounds"
	for n in 10 100 1000; do
		seq "$n" | sed 's/^/h/; s/$/.bench.test/' >"$tmp/h$n.txt"
	done
	for _ in $(seq "$RUNS"); do
		for n in 10 100 1000; do
			rc=0
			timed "f3_$n" "${MF[@]}" --jsonl --concurrency "$n" -f "$tmp/h$n.txt" >"$tmp/f3.jsonl" || rc=$?
			run_ok "mailflow, $n sessions at once" "$rc" 0 1
			[ "$(wc -l <"$tmp/f3.jsonl")" = "$n" ] || die "mailflow, $n sessions: $(wc -l <"$tmp/f3.jsonl") reports of $n"
			[ "$(json_count "$tmp/f3.jsonl" host.starttls pass)" = "$n" ] ||
				die "mailflow, $n sessions: not every session did STARTTLS"
		done
	done
	local r10 r100 r1000 a b
	r10=$(median f3_10 3) r100=$(median f3_100 3) r1000=$(median f3_1000 3)
	row 3 "peak RSS with 10 / 100 / 1,000 sessions in flight" "$(mb "$r10") / $(mb "$r100") / $(mb "$r1000") MB" "-" "-"
	a=$(awk -v x="$r10" -v y="$r100" 'BEGIN { printf "%.1f", (y - x) / 90 }')
	b=$(awk -v x="$r100" -v y="$r1000" 'BEGIN { printf "%.1f", (y - x) / 900 }')
	row 3 "KB per added session, 10 → 100" "$a KB" "< 32 KB" "$(meets "$a" "<" 32)"
	row 3 "KB per added session, 100 → 1,000" "$b KB" "< 32 KB" "$(meets "$b" "<" 32)"
	[ "$(meets "$b" "<" 32)" = yes ] || missed+=(sessions)
}

# ---- MTA-STS: the policy fetch runs beside the sessions ------------------

# enforce.sts.test and equal.lab.test have the same two MX hosts; only the
# first publishes an MTA-STS policy (fetched from the lab's nginx).
figure_sts() {
	local rc w wo
	say "figure sts: run time with and without an MTA-STS policy, $RUNS rounds"
	for _ in $(seq "$RUNS"); do
		rc=0
		timed fsts_with "${MF[@]}" --batch --json --quit-after tls enforce.sts.test \
			>"$tmp/fsts.json" || rc=$?
		run_ok "mailflow, enforce.sts.test" "$rc" 0 1
		[ "$(json_count "$tmp/fsts.json" dns.mta-sts pass)" = 1 ] ||
			die "mailflow, enforce.sts.test: the policy was not fetched"
		rc=0
		timed fsts_without "${MF[@]}" --batch --json --quit-after tls equal.lab.test \
			>/dev/null || rc=$?
		run_ok "mailflow, equal.lab.test" "$rc" 0 1
	done
	w=$(median fsts_with 1) wo=$(median fsts_without 1)
	row sts "run time with / without an MTA-STS policy (same 2 MX hosts)" \
		"$(ms "$w") / $(ms "$wo") ms" "+ < 50 ms" "$(meets "$(( (w - wo) / 1000 ))" "<" 50)"
}

# DNSSEC (issue 14): the in-process validator beside c-ares must add no
# waiting beyond the slowest lookup, and little memory. The DNS plan of the
# lab's signed ee.dane.test (--no-smtp: DNS only), and a whole run, with
# the lab's trust anchor and with --no-dnssec.
figure_dnssec() {
	local rc anchor=$LAB_DIR/dnssec/anchor.key pw pwo w wo rw rwo slow
	say "figure dnssec: plan and run time, peak RSS, with and without validation, $RUNS rounds"
	: >"$tmp/fdn_plan_with"; : >"$tmp/fdn_plan_without"; : >"$tmp/fdn_slowest"
	for _ in $(seq "$RUNS"); do
		rc=0
		timed fdn_with "${MF[@]}" --batch --json --no-smtp --dnssec-anchor "$anchor" \
			ee.dane.test >"$tmp/fdn.json" || rc=$?
		run_ok "mailflow --dnssec-anchor, ee.dane.test" "$rc" 0 1
		[ "$(json_count "$tmp/fdn.json" dns.dnssec pass)" = 1 ] ||
			die "mailflow, ee.dane.test: dns.dnssec did not pass (the validator did not validate)"
		jq -r '.domain.dns_ms' "$tmp/fdn.json" >>"$tmp/fdn_plan_with"
		rc=0
		timed fdn_without "${MF[@]}" --batch --json --no-smtp --no-dnssec ee.dane.test \
			>"$tmp/fdn.json" || rc=$?
		run_ok "mailflow --no-dnssec, ee.dane.test" "$rc" 0 1
		jq -r '.domain.dns_ms' "$tmp/fdn.json" >>"$tmp/fdn_plan_without"
		jq -r '[.domain.mx.ms, (.hosts[] | .a.ms, .aaaa.ms)] | max' "$tmp/fdn.json" >>"$tmp/fdn_slowest"
		rc=0
		timed fdn_run_with "${MF[@]}" --batch --json --dnssec-anchor "$anchor" ee.dane.test \
			>"$tmp/fdn.json" || rc=$?
		run_ok "mailflow --dnssec-anchor, ee.dane.test (SMTP)" "$rc" 0 1
		[ "$(json_count "$tmp/fdn.json" host.dane pass)" = 1 ] ||
			die "mailflow, ee.dane.test: host.dane did not pass"
		rc=0
		timed fdn_run_without "${MF[@]}" --batch --json --no-dnssec ee.dane.test \
			>/dev/null || rc=$?
		run_ok "mailflow --no-dnssec, ee.dane.test (SMTP)" "$rc" 0 1
	done
	pw=$(sort -n "$tmp/fdn_plan_with" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	pwo=$(sort -n "$tmp/fdn_plan_without" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	slow=$(sort -n "$tmp/fdn_slowest" | awk '{ v[NR] = $1 } END { print v[NR] }')
	row dnssec "DNS plan with / without validation (ee.dane.test, medians)" \
		"$pw / $pwo ms" "+ <= slowest lookup ($slow ms) + 5 ms" \
		"$(meets "$((pw - pwo))" "<=" "$((slow + 5))")"
	w=$(median fdn_run_with 1) wo=$(median fdn_run_without 1)
	row dnssec "whole run with / without validation (DANE match vs none)" \
		"$(ms "$w") / $(ms "$wo") ms" "+ < 20 ms" "$(meets "$(( (w - wo) / 1000 ))" "<" 20)"
	rw=$(median fdn_run_with 3) rwo=$(median fdn_run_without 3)
	row dnssec "peak RSS with / without validation (libunbound's thread and cache)" \
		"$(mb "$rw") / $(mb "$rwo") MB" "+ < 4 MB" "$(meets "$((rw - rwo))" "<" 4096)"
}

# ---- 4. scale ---------------------------------------------------------------

# fixed_fds PID: PID's open descriptors less its TCP connections. Those are
# the sessions in flight, at most --concurrency and different from one
# sample to the next (few while the first domains still resolve, many
# later): what must not grow is the rest (files, the terminal, DNS sockets).
fixed_fds() {
	local c
	c=$({
		awk 'FNR > 1 { print "socket:[" $10 "]" }' /proc/"$1"/net/tcp /proc/"$1"/net/tcp6 2>/dev/null
		echo --
		find /proc/"$1"/fd -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null
	} | awk '$0 == "--" { fds = 1; next } !fds { tcp[$0] = 1; next } !($0 in tcp) { c++ }
		END { print c + 0 }') || true
	echo "${c:-0}"
}

# sample_run PID OUT N SAMPLES: while PID (benchtime) runs, its child's
# VmRSS and open descriptors every 0.1 s; "rss fds" after the first 100
# reports, then "rss fds reports" of the last sample before the last
# report (still running, not yet closing down) into SAMPLES.
sample_run() {
	local bt=$1 out=$2 n=$3 samples=$4 pid="" lines rss fds first="" last="" k v
	while kill -0 "$bt" 2>/dev/null; do
		[ -n "$pid" ] || read -r pid _ <"/proc/$bt/task/$bt/children" 2>/dev/null || true
		if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
			rss=
			while read -r k v _; do [ "$k" = VmRSS: ] && rss=$v; done <"/proc/$pid/status" 2>/dev/null || true
			fds=$(fixed_fds "$pid")
			lines=$(wc -l <"$out")
			if [ -n "$rss" ]; then
				[ -z "$first" ] && [ "$lines" -ge 100 ] && first="$rss $fds"
				[ -n "$first" ] && [ "$lines" -lt "$n" ] && last="$rss $fds $lines"
			fi
		fi
		sleep 0.1
	done
	echo "${first:-0 0} ${last:-0 0 0}" >"$samples"
}

figure_scale() {
	local n rc bt dnsfail=0 notpass=0 f wall user sys rss r1 f1 r2 f2 l2
	say "figure 4: lab domains (bench.test) with --jsonl --concurrency 200, sizes $SIZES, $SCALE_RUNS runs each"
	for n in $SIZES; do
		seq "$n" | sed 's/^/d/; s/$/.bench.test/' >"$tmp/d$n.txt"
		for _ in $(seq "$SCALE_RUNS"); do
			: >"$tmp/f4.jsonl"
			"$BT" "$tmp/bt" "${MF[@]}" --jsonl --concurrency 200 -f "$tmp/d$n.txt" >"$tmp/f4.jsonl" &
			bt=$!
			sample_run "$bt" "$tmp/f4.jsonl" "$n" "$tmp/f4.samples"
			rc=0; wait "$bt" || rc=$?
			run_ok "mailflow, $n domains" "$rc" 0 1
			read -r wall user sys rss _ <"$tmp/bt"
			echo "$wall $((user + sys)) $rss" >>"$tmp/f4_$n"
			cat "$tmp/f4.samples" >>"$tmp/f4_$n.samples"
			[ "$(wc -l <"$tmp/f4.jsonl")" = "$n" ] || die "mailflow, $n domains: $(wc -l <"$tmp/f4.jsonl") reports of $n"
			f=$(jq -s '[.[] | select(any(.domain.findings[]?; .id == "dns.failure"))] | length' "$tmp/f4.jsonl")
			dnsfail=$((dnsfail + f))
			f=$(jq -s '[.[] | select(any(.checklist[]?; .id == "dns.mx" and .verdict != "pass"))] | length' "$tmp/f4.jsonl")
			notpass=$((notpass + f))
			jq -r '.. | objects | select(.verdict? == "fail") | .id' "$tmp/f4.jsonl" >>"$tmp/f4_$n.fails"
		done
	done
	local first=${SIZES%% *} last=${SIZES##* } t tf tl per
	for n in $SIZES; do
		t=$(median "f4_$n" 1)
		per=$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.0f", n / (t / 1e6) }')
		row 4 "$n domains: time, domains/s" "$(awk -v t="$t" 'BEGIN { printf "%.2f", t / 1e6 }') s, $per/s" "-" "-"
	done
	tf=$(median "f4_$first" 1) tl=$(median "f4_$last" 1)
	t=$(awk -v a="$tf" -v b="$tl" -v n="$first" -v m="$last" 'BEGIN { printf "%.2f", (b / m) / (a / n) }')
	row 4 "time per domain, $last vs $first domains (linear: 1.00)" "$t" "≈ 1 (≤ 1.10)" "$(meets "$t" "<=" 1.10)"
	# RSS and descriptors: the largest size, median of its runs.
	local s
	s=$(awk '{ a[NR] = $1; b[NR] = $2; c[NR] = $3; d[NR] = $4; e[NR] = $5 } END { m = int((NR + 1) / 2); print a[m], b[m], c[m], d[m], e[m] }' \
		<(sort -n -k3 "$tmp/f4_$last.samples"))
	read -r r1 f1 r2 f2 l2 <<<"$s"
	row 4 "$last domains: RSS after the first 100 → at the end ($l2 done)" "$(mb "$r1") → $(mb "$r2") MB" "no growth" \
		"$(awk -v a="$r1" -v b="$r2" 'BEGIN { print (b > 0 && b <= a * 1.10 + 1024) ? "yes" : "no" }')"
	row 4 "$last domains: open descriptors but the sessions' TCP connections, after the first 100 → at the end ($l2 done)" "$f1 → $f2" "no growth" \
		"$(awk -v a="$f1" -v b="$f2" 'BEGIN { print (b > 0 && b <= a + 2) ? "yes" : "no" }')"
	for n in $SIZES; do
		f=$(sort "$tmp/f4_$n.fails" | uniq -c | sort -rn | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')
		row 4 "$n domains: failed checks, all runs (by design: Postfix refuses RCPT for bench.test, smtp-sinks accept relaying)" "${f:-none}" "-" "-"
	done
	row 4 "domains reported as DNS failures (all runs)" "$dnsfail (dns.mx not pass: $notpass)" "0" \
		"$([ "$dnsfail" = 0 ] && [ "$notpass" = 0 ] && echo yes || echo no)"
	[ "$dnsfail" = 0 ] || missed+=(dns)
}

# ---- 5. a DNS server that limits its rate ------------------------------------

# test_dns_rate.sh's own NSD with response rate limiting on at NSD's default
# (200 answers a second per /24, rrl-slip 2) and 1,000 domains: every
# figure above runs with the lab's RRL off, this one is about it being on.
figure_rrl() {
	local out ms got bad lim ulim
	say "figure 5: 1000 domains against an NSD with rate limiting on (rrl-ratelimit 200), $SCALE_RUNS runs"
	for _ in $(seq "$SCALE_RUNS"); do
		out=$(MAILFLOW=$MAILFLOW BUILD=$BUILD MAILFLOW_RRL_DOMAINS=1000 MAILFLOW_RRL_RATE=200 \
			bash tests/scripts/test_dns_rate.sh 2>&1) || true
		# The script's checks are the test's; here its figures count, and
		# the runs they come from must have succeeded (mailflow's exit 0).
		grep -q '^ok 1 ' <<<"$out" || die "the rate-limited NSD did not start: $(head -3 <<<"$out")"
		ms=$(sed -n 's/^# bench: 1000 domains against rrl-ratelimit 200, default --dns-rate: \([0-9]*\) ms, exit 0$/\1/p' <<<"$out")
		read -r got bad lim < <(sed -n 's/^# bench: paced: domains \([0-9]*\), dns failures \([0-9]*\), limited \([0-9]*\)$/\1 \2 \3/p' <<<"$out")
		ulim=$(sed -n 's/^# bench: unpaced: limited \([0-9]*\)$/\1/p' <<<"$out")
		if [ -z "$ms" ] || [ "$got" != 1000 ] || [ -z "$ulim" ]; then
			die "the rate-limited DNS run failed or printed no figures: $(grep -E '^(not ok|# bench)' <<<"$out" | head -4)"
		fi
		echo "$((ms * 1000)) $bad $lim $ulim" >>"$tmp/f5"
	done
	row 5 "1000 domains, RRL on, default --dns-rate: time" "$(ms "$(median f5 1)") ms" "-" "-"
	bad=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/f5")
	row 5 "1000 domains, RRL on, default --dns-rate: domains reported as DNS failures (all runs)" \
		"$bad" "0" "$(meets "$bad" "<=" 0)"
	lim=$(awk '{ s += $3 } END { print s + 0 }' "$tmp/f5")
	row 5 "... lookups still unanswered after pacing and retries, said as \"the DNS server is limiting our queries\" (all runs)" "$lim" "-" "-"
	row 5 "unpaced, one try (--dns-rate 0 --dns-tries 1): lookups the limiting left unanswered, said as \"limiting our queries\"" \
		"$(median f5 4)" "(for comparison)" "-"
}

# ---- 6. the TUI -------------------------------------------------------------

figure_tui() {
	local n t0 line cpu reb ep
	say "figure 6: the TUI off-screen (--bench-ui, TERM=xterm-256color, 200x50), $RUNS runs"
	for _ in $(seq "$RUNS"); do
		for n in 200 2000; do
			t0=${EPOCHREALTIME/./}
			TERM=xterm-256color LINES=50 COLUMNS=200 "$MAILFLOW" --bench-ui "$n" \
				>/dev/null 2>"$tmp/ui" </dev/null || die "mailflow --bench-ui $n failed: $(cat "$tmp/ui")"
			cpu=$(sed -n 's/.*cpu-us-per-redraw \([0-9.]*\).*/\1/p' "$tmp/ui")
			reb=$(sed -n 's/.*cpu-us-per-rebuild-and-redraw \([0-9.]*\).*/\1/p' "$tmp/ui")
			ep=$(sed -n 's/.*first-paint-epoch-ns \([0-9]*\).*/\1/p' "$tmp/ui")
			if [ -z "$cpu" ] || [ -z "$reb" ] || [ -z "$ep" ]; then
				die "mailflow --bench-ui $n: no figures in: $(cat "$tmp/ui")"
			fi
			line="$((ep / 1000 - t0)) $cpu $reb"
			echo "$line" >>"$tmp/f6_$n"
		done
	done
	local c200 c2000 p
	c200=$(median f6_200 2) c2000=$(median f6_2000 2) p=$(median f6_200 1)
	row 6 "TUI: CPU per full redraw, 200 hosts" "$(ms "$c200") ms" "< 2 ms" "$(meets "$(ms "$c200")" "<" 2)"
	row 6 "TUI: CPU per full redraw, 2,000 hosts" "$(ms "$c2000") ms" "< 20 ms" "$(meets "$(ms "$c2000")" "<" 20)"
	row 6 "TUI: start to first painted screen (200 hosts)" "$(ms "$p") ms" "< 50 ms" "$(meets "$(ms "$p")" "<" 50)"
	p=$(median f6_2000 1)
	row 6 "TUI: start to first painted screen (2,000 hosts)" "$(ms "$p") ms" "-" "-"
	row 6 "TUI: model changed (checklist and rows rebuilt) + redraw, 200 / 2,000 hosts" \
		"$(ms "$(median f6_200 3)") / $(ms "$(median f6_2000 3)") ms" "-" "-"
	{ [ "$(meets "$(ms "$c200")" "<" 2)" = yes ] && [ "$(meets "$(ms "$c2000")" "<" 20)" = yes ] &&
		[ "$(meets "$(ms "$(median f6_200 1)")" "<" 50)" = yes ]; } || missed+=(tui)
}

# ---- 7. profiles of what missed its target -----------------------------------

# shorten TEXT: without the work tree's and the bench's directories.
shorten() { local t=${1//$top\//}; printf '%s' "${t//$tmp/TMP}"; }

# profile_mem NAME TITLE CMD...: massif's heap at its peak, by call site.
profile_mem() {
	local name=$1 title=$2
	shift 2
	say "figure 7: massif: $title"
	valgrind --tool=massif --massif-out-file="$tmp/ms.$name" "$@" >/dev/null 2>"$tmp/ms.$name.log" </dev/null ||
		true
	[ -s "$tmp/ms.$name" ] || { say "massif of $title failed"; return 0; }
	{
		printf '\n### %s\n\n' "$title"
		# shellcheck disable=SC2016  # Markdown backquotes
		printf '`valgrind --tool=massif %s`; the heap at its peak snapshot, call sites of 1%% and more (ms_print):\n\n```\n' "$(shorten "$*")"
		ms_print "$tmp/ms.$name" 2>/dev/null |
			awk '/Detailed snapshots:/ && match($0, /[0-9]+ \(peak\)/) { peak = substr($0, RSTART, RLENGTH); sub(/ .*/, "", peak) }
				peak != "" && $1 == peak && $2 ~ /^[0-9,]+$/ { inpk = 1; next }
				inpk && /^ *n +time/ { exit }
				inpk && /^[0-9.]+% \(/ { print; next }
				inpk && /->[0-9]/ && !/below ms_print/ && n++ < 40' |
			cut -c1-150 || true
		printf '```\n'
	} >>"$tmp/profiles"
}

# profile NAME TITLE CMD...: callgrind's inclusive top functions of CMD.
profile() {
	local name=$1 title=$2
	shift 2
	say "figure 7: callgrind: $title"
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$name" "$@" >/dev/null 2>"$tmp/cg.$name.log" </dev/null ||
		true
	[ -s "$tmp/cg.$name" ] || { say "callgrind of $title failed: $(tail -n 3 "$tmp/cg.$name.log")"; return 0; }
	{
		printf '\n### %s\n\n' "$title"
		# shellcheck disable=SC2016  # Markdown backquotes
		printf '`valgrind --tool=callgrind %s`; the functions with the most instructions, callees included (callgrind_annotate --inclusive=yes):\n\n```\n' "$(shorten "$*")"
		callgrind_annotate --inclusive=yes "$tmp/cg.$name" 2>/dev/null |
			awk '/^-+$/ { d++ ; next } d >= 3 && NF && $3 !~ /^\// && n++ < 25' | cut -c1-150
		printf '```\n'
	} >>"$tmp/profiles"
}

# A wall-time gap is no CPU profile: the --debug trace's clock of the
# domain run and the one-host run shows where the time goes.
trace_timeline() {
	local what
	say "figure 7: --debug traces of eight.lab.test and -s mx1.eight.lab.test"
	"${MF[@]}" --json --debug "$tmp/trace.domain" eight.lab.test >/dev/null 2>&1 || true
	"${MF[@]}" --json --debug "$tmp/trace.one" -s mx1.eight.lab.test eight.lab.test >/dev/null 2>&1 || true
	{
		printf '\n### Concurrency: where the whole domain spends its time beyond one host\n\n'
		# shellcheck disable=SC2016  # Markdown backquotes
		printf 'The `--debug` trace (seconds since start) of one run each, session lines only:\n'
		for what in domain one; do
			printf '\n%s:\n\n```\n' "$([ "$what" = domain ] && echo "eight.lab.test" || echo "-s mx1.eight.lab.test")"
			awk '/smtp |dns|mx / && !/ (C|S): / && n++ < 60' "$tmp/trace.$what" | cut -c1-140
			printf '```\n'
		done
	} >>"$tmp/profiles"
}

figure_profiles() {
	local m
	: >"$tmp/profiles"
	for m in "${missed[@]}"; do
		case $m in
			cpu|rss) [ -s "$tmp/cg.cost" ] ||
				profile cost "a full probe of healthy.lab.test" "${MF[@]}" --json healthy.lab.test ;;
			sessions) profile_mem sessions "memory: 100 sessions in flight (hold.bench.test)" \
				"${MF[@]}" --jsonl --concurrency 100 -f "$tmp/h100.txt" ;;
			concurrency) trace_timeline ;;
			tui) MAILFLOW_BENCH_REDRAWS=1 TERM=xterm-256color LINES=50 COLUMNS=200 \
				profile tui200 "TUI start-up: --bench-ui 200 (first paint, 1 redraw of each kind)" \
				"$MAILFLOW" --bench-ui 200
			     MAILFLOW_BENCH_REDRAWS=10 TERM=xterm-256color LINES=50 COLUMNS=200 \
				profile tui2000 "TUI: --bench-ui 2000 (10 redraws, 10 model changes)" \
				"$MAILFLOW" --bench-ui 2000 ;;
			*) ;;
		esac
	done
}

# ---- the page ----------------------------------------------------------------

write_page() {
	local cpu deb
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	deb=$(cat /etc/debian_version 2>/dev/null || echo unknown)
	{
		echo "# mailflow benchmarks"
		echo
		echo "Written by \`make bench\` (tests/bench/run) on $(date -u '+%Y-%m-%d %H:%M UTC'), mailflow $("$MAILFLOW" --version | awk '{ print $2 }') ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))."
		echo "Each figure is the median of $RUNS runs ($SCALE_RUNS for the scale sizes); each comparison was measured in the same round of runs, one tool right after the other. The machine is shared and noisy: the ratios are the claims, not the absolute times."
		echo
		echo "## Machine"
		echo
		echo "- CPU: ${cpu:-unknown}, nproc $(nproc)"
		echo "- memory: $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
		echo "- kernel: $(uname -r), Debian $deb"
		echo "- tools: $(swaks --version 2>&1 | awk 'NR == 1' | cut -c1-40), posttls-finger (Postfix $(MAIL_CONFIG=$LAB_DIR/postfix/etc postconf -h mail_version 2>/dev/null || echo '?')), $(openssl version | cut -d' ' -f1-2)"
		echo "- RLIMIT_NOFILE in the bench shell: $NOFILE (raised with ulimit -n to $NOFILE_WANT where allowed)"
		echo "- load average (1, 5, 15 min) at the start: ${LOAD_START:-?}; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows the absolute times, not the ratios)"
		echo
		echo "## Figures"
		echo
		echo "| # | what | measured | target | met |"
		echo "| --- | --- | --- | --- | --- |"
		awk -F'|' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$tmp/rows"
		echo
		cat tests/bench/notes.md
		if [ -s "$tmp/profiles" ]; then
			echo
			echo "## Profiles of the targets missed (figure 7)"
			cat "$tmp/profiles"
		fi
	} >"$OUT.tmp"
	mv -f "$OUT.tmp" "$OUT"
	echo
	column -t -s '|' "$tmp/rows"
	say "wrote $OUT"
}
