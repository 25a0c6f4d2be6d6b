#!/bin/bash
# The flight recorder's costs (record --flight, default options):
#  1. always on, no trigger firing: a real server's throughput under load,
#     traced / untraced (netapp's /fast with its own load generator, and
#     redis-server under redis-benchmark when installed), runs interleaved,
#     medians compared; the goal is >= 0.97. On a shared, loaded machine
#     throughput is noise, so the server's CPU time per request (GNU time)
#     is compared too: untraced / traced, the same goal.
#  2. trigger to snapshot on disk with the default size, buffers full.
# usage: bench-flight.sh CPROF_TRACE NETAPP FLIGHT_APP [ROUNDS]
set -euo pipefail

cprof=$1
netapp=$2
app=$3
rounds=${4:-5}

pgrep -x lttng-sessiond >/dev/null || lttng-sessiond --daemonize
work=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench-flight.XXXXXX")
redis_pid=
cleanup() {
	[ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

netapp_rps() { # [record options...]: "REQ/S CPU-US-PER-REQUEST" of 3 s of /fast
	local out
	rm -rf "$work/fl"
	if [ $# -gt 0 ]; then
		out=$(/usr/bin/time -f 'cpu %U %S' "$cprof" record "$@" -o "$work/fl" -- "$netapp" \
			--seconds 3 --load 0 --conc 4 --path /fast 2>&1)
	else
		out=$(/usr/bin/time -f 'cpu %U %S' "$netapp" --seconds 3 --load 0 --conc 4 \
			--path /fast 2>&1)
	fi
	awk '/req\/s/ { match($0, /\(([0-9]+) req/); r = substr($0, RSTART + 1, RLENGTH - 5) }
		/^cpu / { c = $2 + $3 } END { printf "%d %.3f\n", r, c * 1e6 / (r * 3) }' <<<"$out"
}

report() { # NAME BASE-FILE FLIGHT-FILE: medians of both columns, ratios
	local b f bc fc
	b=$(cut -d' ' -f1 "$2" | median)
	f=$(cut -d' ' -f1 "$3" | median)
	bc=$(cut -d' ' -f2 "$2" | median)
	fc=$(cut -d' ' -f2 "$3" | median)
	printf '%s: untraced %s req/s, record --flight %s req/s: ratio %.3f; CPU per request %s us vs %s us: ratio %.3f (medians of %d)\n' \
		"$1" "$b" "$f" "$(awk -v f="$f" -v b="$b" 'BEGIN { print f / b }')" "$bc" "$fc" \
		"$(awk -v f="$fc" -v b="$bc" 'BEGIN { print b / f }')" "$rounds"
}

echo "bench-flight: $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg)"
: >"$work/base"
: >"$work/flight"
for _ in $(seq "$rounds"); do
	netapp_rps >>"$work/base"
	netapp_rps --flight >>"$work/flight"
done
report "netapp /fast (every request a task, 3 regions, a log)" "$work/base" "$work/flight"

if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
	redis_rps() { # [record options...]: "SET+GET-REQ/S CPU-US-PER-REQUEST"
		local port=$((30000 + RANDOM % 20000)) rps
		rm -rf "$work/fr"
		if [ $# -gt 0 ]; then
			/usr/bin/time -f '%U %S' -o "$work/rtime" "$cprof" record "$@" -o "$work/fr" -- \
				redis-server --port "$port" --save '' --appendonly no >/dev/null 2>&1 &
		else
			/usr/bin/time -f '%U %S' -o "$work/rtime" redis-server --port "$port" \
				--save '' --appendonly no >/dev/null 2>&1 &
		fi
		redis_pid=$!
		for _ in $(seq 100); do
			redis-cli -p "$port" ping >/dev/null 2>&1 && break
			sleep 0.05
		done
		rps=$(redis-benchmark -p "$port" -q -n 200000 -c 20 -t set,get 2>/dev/null |
			tr '\r' '\n' | awk '/requests per second/ { s += $2 } END { print s / 2 }')
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
		wait "$redis_pid" 2>/dev/null || true
		redis_pid=
		# 200000 SETs and 200000 GETs
		echo "$rps $(awk '{ printf "%.3f", ($1 + $2) * 1e6 / 400000 }' "$work/rtime")"
	}
	: >"$work/rbase"
	: >"$work/rflight"
	for _ in $(seq "$rounds"); do
		redis_rps >>"$work/rbase"
		redis_rps --flight >>"$work/rflight"
	done
	report "redis-server SET/GET (preload events only)" "$work/rbase" "$work/rflight"
fi

# Trigger to snapshot on disk, default size, buffers full.
for _ in 1 2 3; do
	rm -rf "$work/ff"
	"$cprof" record --flight --snapshot-on api -o "$work/ff" -- "$app" fill 4 >/dev/null \
		2>"$work/ff.err"
	sed -nE 's/^cprof-trace: snapshot 1: .* \(([0-9.]+) MiB, ([0-9]+) ms after the request\)$/\2 \1/p' \
		"$work/ff.err"
done >"$work/lat"
printf 'trigger to snapshot on disk (default size, buffers full): median %s ms (runs: %s; snapshot MiB: %s)\n' \
	"$(cut -d' ' -f1 "$work/lat" | median)" "$(cut -d' ' -f1 "$work/lat" | tr '\n' ' ')" \
	"$(cut -d' ' -f2 "$work/lat" | tr '\n' ' ')"
