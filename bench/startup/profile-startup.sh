#!/usr/bin/env bash
#
# Where a node start's CPU goes: starts the unpacked node of bench-startup.sh (run that, or set
# NODE_HOME) once, cold (empty data dir) or warm, waits for grpc.health.v1 SERVING and prints
# the JVM's CPU per thread at that moment (user + system from /proc/<pid>/task/*/stat, threads
# grouped by name with digits folded), the total, and the READY line of the node's log.
# Threads that ended before SERVING are only in the total ("ended threads").
#   bench/startup/profile-startup.sh cold|warm [extra JVM options...]
# e.g. -XX:StartFlightRecording=filename=/tmp/start.jfr,settings=profile  or  -Xlog:class+load:file=/tmp/cl.txt
#
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node_home=${NODE_HOME:-$here/target/hanzo-node}
mode=${1:?cold or warm}; shift
[ "$mode" = warm ] || rm -rf "$node_home/data"
[ -d "$here/node_modules" ] || (cd "$here" && npm install --no-audit --no-fund --silent)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s%3N)
(cd "$node_home" && HANZO_JAVA_OPTS="${HANZO_JAVA_OPTS:--Xms32m -Xmx1g -XX:+UseSerialGC -XX:MaxMetaspaceSize=256m -Xss512k} $*" \
    exec bin/hanzo-node --grpc-addr "127.0.0.1:$port" --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false > "$node_home/profile.out" 2>&1) &
pid=$!
ms=$(node "$here/wait-serving.js" "127.0.0.1:$port" "$start" 180000)
java_pid=$(pgrep -P "$pid" java || echo "$pid")
hz=$(getconf CLK_TCK)
total=$(awk -v hz="$hz" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$java_pid/stat")
for t in /proc/"$java_pid"/task/*; do
    name=$(tr -d '\n' < "$t/comm" 2> /dev/null) || continue
    stat=$(cat "$t/stat" 2> /dev/null) || continue
    # comm may hold spaces: the fields after the closing parenthesis
    rest=${stat##*) }
    awk -v hz="$hz" -v n="$name" '{ printf "%d\t%s\n", ($12 + $13) * 1000 / hz, n }' <<< "$rest"
done | awk -F'\t' '{ k = $2; gsub(/-[0-9]+/, "-#", k); cpu[k] += $1; n[k]++ } END { for (k in cpu) printf "%7d ms  %3d x %s\n", cpu[k], n[k], k }' \
    | sort -rn > "$node_home/profile.threads"
sum=$(awk '{ s += $1 } END { print s }' "$node_home/profile.threads")
echo "$mode: SERVING after $ms ms, JVM CPU $total ms ($(uptime | sed 's/.*load/load/'))"
head -n "${TOP:-25}" "$node_home/profile.threads"
echo "  ended threads: $((total - sum)) ms"
grep -m1 'READY in' "$node_home/profile.out" || true
kill -TERM "$java_pid"; wait "$pid" || true
