#!/usr/bin/env bash
#
# Start-up of the node vs bare Karaf 4.4.10, measured side by side in one run.
#   node:  time from launch to grpc.health.v1 SERVING on 127.0.0.1, and RSS at that moment;
#          first = as unpacked: empty data dir and no class-data archive (this start records
#          lib/hanzo-node.jsa, written when it stops: its stop time is printed too);
#          cold = empty data dir (empty OSGi cache) with the archive of an earlier start;
#          warm = second start on the same data dir.
#   karaf: the stock apache-karaf-4.4.10 archive (SSH on), time from `bin/karaf server` until its
#          SSH console listens on 8101, and RSS then; cold = fresh unpack.
# Prints medians of RUNS runs (default 5). Needs: the built archive (mvn install), node + npm.
#
set -euo pipefail
RUNS=${RUNS:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$here/target"
mkdir -p "$work"

# ARCHIVE: another built archive to measure (default: this checkout's)
archive=${ARCHIVE:-$(ls "$root"/distribution/assembly/target/hanzo-node-*.tar.gz)}
# MAVEN_REPO: the local Maven repository to take (or fetch) the stock Karaf archive from
repo=${MAVEN_REPO:-$HOME/.m2/repository}
karaf_archive="$repo/org/apache/karaf/apache-karaf/4.4.10/apache-karaf-4.4.10.tar.gz"
[ -f "$karaf_archive" ] || mvn -q dependency:get -Dmaven.repo.local="$repo" -Dartifact=org.apache.karaf:apache-karaf:4.4.10:tar.gz
[ -d "$here/node_modules" ] || (cd "$here" && npm install --no-audit --no-fund --silent)

now_ms() { date +%s%3N; }
rss_mb() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }
# CPU time (user + system, all threads) the process has used so far, in ms: on a shared 2-core
# machine it moves far less with the load than the wall time does
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

node_home="$work/hanzo-node"
rm -rf "$node_home" && mkdir -p "$node_home" && tar xzf "$archive" -C "$node_home" --strip-components=1

run_node() { # $1 = first|cold|warm; prints "ms rss stop_ms cpu_ms"
    [ "$1" = warm ] || rm -rf "$node_home/data"
    [ "$1" = first ] && rm -f "$node_home"/lib/hanzo-node.jsa*
    local port; port=$(free_port)
    local start; start=$(now_ms)
    (cd "$node_home" && exec bin/hanzo-node --grpc-addr "127.0.0.1:$port" --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false \
        > "$work/node.out" 2>&1) &
    local pid=$!
    local ms
    if ! ms=$(node "$here/wait-serving.js" "127.0.0.1:$port" "$start" "${SERVING_TIMEOUT_MS:-180000}"); then
        kill -TERM "$(pgrep -P "$pid" java || echo "$pid")"; wait "$pid" || true
        exit 1
    fi
    local java_pid; java_pid=$(pgrep -P "$pid" java || echo "$pid")
    local rss; rss=$(rss_mb "$java_pid")
    local cpu; cpu=$(cpu_ms "$java_pid")
    local stop; stop=$(now_ms)
    kill -TERM "$java_pid"; wait "$pid" || true
    echo "$ms $rss $(( $(now_ms) - stop )) $cpu"
}

karaf_home="$work/karaf"
run_karaf() { # $1 = cold|warm; prints "ms rss stop_ms cpu_ms"
    if [ "$1" = cold ]; then
        rm -rf "$karaf_home" && mkdir -p "$karaf_home" && tar xzf "$karaf_archive" -C "$karaf_home" --strip-components=1
    fi
    local start; start=$(now_ms)
    "$karaf_home/bin/karaf" server > "$work/karaf.out" 2>&1 &
    local pid=$!
    # stock Karaf 4.4.10's bin/client exits 1 here even after its SSH session authenticates,
    # so the time taken is until the SSH console (the way Karaf accepts shell commands) listens
    local deadline=$(( $(now_ms) + 120000 ))
    until (exec 3<>/dev/tcp/127.0.0.1/8101) 2> /dev/null; do
        [ "$(now_ms)" -lt "$deadline" ] || { echo "karaf did not listen on 8101 within 120 s" >&2; exit 1; }
        sleep 0.02
    done
    local ms=$(( $(now_ms) - start ))
    local java_pid; java_pid=$(pgrep -f "karaf.home=$karaf_home" | head -1)
    local rss; rss=$(rss_mb "$java_pid")
    local cpu; cpu=$(cpu_ms "$java_pid")
    local stop; stop=$(now_ms)
    kill -TERM "$java_pid"
    wait "$pid" || true
    echo "$ms $rss $(( $(now_ms) - stop )) $cpu"
}

modes() { if [ "$1" = node ]; then echo first cold warm; else echo cold warm; fi; }
declare -A results
for i in $(seq "$RUNS"); do
    for target in node karaf; do
        for mode in $(modes "$target"); do
            read -r ms rss stop cpu < <("run_$target" "$mode")
            results[$target-$mode-ms]+="$ms "
            results[$target-$mode-cpu]+="$cpu "
            results[$target-$mode-rss]+="$rss "
            results[$target-$mode-stop]+="$stop "
            echo "run $i $target $mode: ${ms} ms, CPU ${cpu} ms, ${rss} MB RSS, stopped in ${stop} ms ($(uptime | sed 's/.*load/load/'))" >&2
        done
    done
done

printf '\n%-6s %-5s %10s %10s %9s %10s   (median of %s runs)\n' target start "time (ms)" "CPU (ms)" "RSS (MB)" "stop (ms)" "$RUNS"
for target in node karaf; do
    for mode in $(modes "$target"); do
        ms=$(tr ' ' '\n' <<< "${results[$target-$mode-ms]}" | grep . | median)
        rss=$(tr ' ' '\n' <<< "${results[$target-$mode-rss]}" | grep . | median)
        stop=$(tr ' ' '\n' <<< "${results[$target-$mode-stop]}" | grep . | median)
        cpu=$(tr ' ' '\n' <<< "${results[$target-$mode-cpu]}" | grep . | median)
        printf '%-6s %-5s %10s %10s %9s %10s\n' "$target" "$mode" "$ms" "$cpu" "$rss" "$stop"
    done
done
for mode in cold warm; do
    node_ms=$(tr ' ' '\n' <<< "${results[node-$mode-ms]}" | grep . | median)
    karaf_ms=$(tr ' ' '\n' <<< "${results[karaf-$mode-ms]}" | grep . | median)
    node_cpu=$(tr ' ' '\n' <<< "${results[node-$mode-cpu]}" | grep . | median)
    karaf_cpu=$(tr ' ' '\n' <<< "${results[karaf-$mode-cpu]}" | grep . | median)
    awk -v n="$node_ms" -v k="$karaf_ms" -v nc="$node_cpu" -v kc="$karaf_cpu" -v m="$mode" \
        'BEGIN { printf "node/karaf %s: time %.2fx, CPU %.2fx\n", m, n / k, nc / kc }'
done
