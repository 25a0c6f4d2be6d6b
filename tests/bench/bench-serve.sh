#!/bin/bash
# What serving costs a real server under its own load: netapp's /fast
# (the cheapest request: the hooks' share is the largest) under wrk, in
# three ways, interleaved over ROUNDS rounds, medians of requests/s:
#   untraced   netapp alone
#   dormant    netapp under `cprof-trace serve`, no request in flight
#              (goal: >= 0.98x untraced)
#   profiling  the same while profile?seconds=N records (goal: >= 0.95x)
# and how soon a capture starts: from the request to its first CPU
# sample (session start as serve logs it + the first sample's offset in
# the trace; goal: within 200 ms).
#
# Then the same for redis-server under redis-benchmark, when installed.
#
# usage: bench-serve.sh CPROF_TRACE NETAPP   (wrk and curl must be installed)
set -euo pipefail

cprof=$1
netapp=$2
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECONDS:-8}
command -v wrk >/dev/null || { echo "bench-serve: wrk is not installed (apt-get install wrk)"; exit 77; }
pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-serve.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; sleep 1; rm -rf "$work"' EXIT

wait_line() { # FILE PATTERN
	for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "bench-serve: no '$2' in $1" >&2
	cat "$1" >&2
	exit 1
}
port_of() { sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$1" | head -1; }
rps() { wrk -t1 -c4 -d"${secs}s" "http://127.0.0.1:$1/fast" | sed -n 's/^Requests\/sec: *//p'; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

for ((r = 0; r < rounds; r++)); do
	"$netapp" --port 0 >/dev/null 2>"$work/plain.err" &
	p=$!
	pids="$pids $p"
	wait_line "$work/plain.err" 'listening on'
	rps "$(port_of "$work/plain.err")" >>"$work/untraced"
	kill $p
	wait $p || true

	"$cprof" serve --listen 127.0.0.1:0 -- "$netapp" --port 0 >/dev/null 2>"$work/serve.err" &
	s=$!
	pids="$pids $s"
	wait_line "$work/serve.err" 'serving process'
	wait_line "$work/serve.err" 'listening on'
	url=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$work/serve.err" | head -1)
	app=$(port_of "$work/serve.err")
	sleep 2 # the next capture's session is prepared ahead
	rps "$app" >>"$work/dormant"
	curl -s -o "$work/p.pb.gz" -m 120 "${url}profile?seconds=$((secs + 4))" &
	c=$!
	sleep 2
	rps "$app" >>"$work/profiling"
	wait $c || true
	sleep 2
	# the load on, a trace: its first CPU sample after the request
	wrk -t1 -c4 -d10s "http://127.0.0.1:$app/fast" >/dev/null &
	w=$!
	sleep 1
	curl -s -o "$work/t.tar" -m 120 "${url}trace?seconds=2"
	wait $w || true
	rm -rf "$work/t" && mkdir "$work/t" && tar -xf "$work/t.tar" -C "$work/t"
	setup=$(sed -n 's/.*trace: session started in \([0-9]*\) ms.*/\1/p' "$work/serve.err" | tail -1)
	# (awk stops at the first sample: dump's SIGPIPE is not a failure)
	first=$("$cprof" dump "$work/t/trace" 2>/dev/null | awk '$3 == "cprof:cpu_sample" {print $1 * 1000; exit}') || true
	echo "$setup $first" | awk '{printf "%.0f\n", $1 + $2}' >>"$work/first"
	echo "$setup" >>"$work/setup"
	kill $s
	wait $s || true
done

# report TITLE PREFIX: medians of $work/PREFIX{untraced,dormant,profiling}
report() {
	local u d p
	u=$(median <"$work/${2}untraced")
	d=$(median <"$work/${2}dormant")
	p=$(median <"$work/${2}profiling")
	echo "$1, medians of $rounds rounds (requests/s):"
	echo "  untraced  $u   ($(tr '\n' ' ' <"$work/${2}untraced"))"
	echo "  dormant   $d   ($(tr '\n' ' ' <"$work/${2}dormant"))  ratio $(echo "$d $u" | awk '{printf "%.3f", $1 / $2}')x (goal >= 0.98x)"
	echo "  profiling $p   ($(tr '\n' ' ' <"$work/${2}profiling"))  ratio $(echo "$p $u" | awk '{printf "%.3f", $1 / $2}')x (goal >= 0.95x)"
}
report "netapp /fast under wrk -t1 -c4, ${secs} s runs" ""
echo "first CPU sample after the request: median $(median <"$work/first") ms ($(tr '\n' ' ' <"$work/first")ms; session start $(tr '\n' ' ' <"$work/setup")ms) (goal <= 200 ms)"

# The issue's other real server: Debian's redis-server under
# redis-benchmark (SET and GET, 20 clients), untraced, dormant under serve,
# and while serve records profile?seconds=N (started just before the
# benchmark, long enough to cover it). Skipped when redis is not installed.
if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
	redis_bench() { # PORT: SET+GET requests/s
		redis-benchmark -p "$1" -q -n 200000 -c 20 -t set,get 2>/dev/null |
			tr '\r' '\n' | awk '/requests per second/ { s += $2 } END { print s / 2 }'
	}
	redis_up() { # PORT
		for _ in $(seq 200); do
			redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
			sleep 0.05
		done
		echo "bench-serve: redis-server on port $1 did not answer" >&2
		exit 1
	}
	: >"$work/r_untraced"
	: >"$work/r_dormant"
	: >"$work/r_profiling"
	for ((r = 0; r < rounds; r++)); do
		port=$((30000 + RANDOM % 20000))
		redis-server --port "$port" --save '' --appendonly no >/dev/null 2>&1 &
		p=$!
		pids="$pids $p"
		redis_up "$port"
		redis_bench "$port" >>"$work/r_untraced"
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
		wait $p || true

		port=$((30000 + RANDOM % 20000))
		"$cprof" serve --listen 127.0.0.1:0 -- redis-server --port "$port" --save '' \
			--appendonly no >/dev/null 2>"$work/rserve.err" &
		s=$!
		pids="$pids $s"
		wait_line "$work/rserve.err" 'serving process'
		redis_up "$port"
		url=$(sed -n 's/.* at \(http[^ ]*\)$/\1/p' "$work/rserve.err" | head -1)
		sleep 2 # the next capture's session is prepared ahead
		redis_bench "$port" >>"$work/r_dormant"
		curl -s -o "$work/rp.pb.gz" -m 120 "${url}profile?seconds=20" &
		c=$!
		sleep 2
		redis_bench "$port" >>"$work/r_profiling"
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
		wait $c || true
		wait $s || true
	done
	report "redis-server SET/GET under redis-benchmark -c 20" r_
fi
