#!/usr/bin/env bash
#
# CLI round trip, side by side in one run: `bin/hanzo-node status` and `ps` against a running node
# (a process-runtime deployment of 3 replicas) vs `docker ps` against Debian's dockerd started
# here with its own directories, and `bin/hanzo-node --version` (the client JVM starting and
# parsing, no gRPC) as the floor. Prints medians of RUNS runs (default 10) in milliseconds: wall
# time, and the client's CPU time (user + system), which a busy shared machine inflates less.
# Needs: the built archive (mvn install), /usr/bin/time (Debian package time); dockerd for the
# docker column (run as root). ARCHIVE=path/to/hanzo-node.tar.gz measures another build;
# READY_SECONDS (default 120) is how long the node and the client's AppCDS archive may take to be
# ready (a machine loaded with parallel builds needs more). BEFORE=path/to/other/hanzo-node.tar.gz
# adds that build's client side by side: the same commands against the same node, the two clients
# taking turns run by run, so both see the same load. NICE=-10 (as root) runs the whole bench (node,
# clients, dockerd) in a session of its own whose autogroup gets that nice value: the kernel shares
# the CPU between sessions first, so on a machine busy with other sessions' builds the figures come
# closer to a quiet machine's (the same mechanism as inference-bench's NICE).
#
set -euo pipefail
if [ -n "${NICE:-}" ] && [ -z "${BENCH_OWN_SESSION:-}" ]; then
    exec setsid --wait env BENCH_OWN_SESSION=1 "$0" "$@"
fi
if [ -n "${NICE:-}" ]; then
    if echo "$NICE" > /proc/self/autogroup 2> /dev/null; then
        echo "autogroup: $(cat /proc/self/autogroup)"
    else
        echo "autogroup nice not set (kernel without autogroups, or not root)"
    fi
fi
RUNS=${RUNS:-10}
READY_SECONDS=${READY_SECONDS:-120}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$here/target"
rm -rf "$work" && mkdir -p "$work"

archive=${ARCHIVE:-$(ls "$root"/distribution/assembly/target/hanzo-node-*.tar.gz)}
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
time_ms() { # runs "$@" RUNS times, prints the median wall time
    for _ in $(seq "$RUNS"); do
        local start; start=$(now_ms)
        "$@" > /dev/null
        echo $(( $(now_ms) - start ))
    done | median
}

cpu_ms() { # runs "$@" RUNS times, prints the median user + system CPU time
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%U %S' -o "$work/cpu" "$@" > /dev/null
        awk '{printf "%d\n", ($1 + $2) * 1000}' "$work/cpu"
    done | median
}

home="$work/hanzo-node"
mkdir -p "$home" && tar xzf "$archive" -C "$home" --strip-components=1
port=$(free_port)
(cd "$home" && exec bin/hanzo-node --grpc-addr "127.0.0.1:$port" --http-addr "127.0.0.1:$(free_port)" \
    --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false > "$work/node.out" 2>&1) &
node_pid=$!
cleanup() {
    # the process runtime's containers outlive the node by design: remove the deployment first;
    # node_pid is the node's JVM itself (the subshell and bin/hanzo-node exec into it)
    cli rm bench > /dev/null 2>&1 || true
    kill -TERM "$node_pid" 2> /dev/null && wait "$node_pid" 2> /dev/null || true
    [ -n "${dockerd_pid:-}" ] && kill -TERM "$dockerd_pid" 2> /dev/null || true
}
trap cleanup EXIT
cli() { "$home/bin/hanzo-node" "$@" --grpc-addr "127.0.0.1:$port" --data-dir "$home/data"; }
deadline=$(( $(now_ms) + READY_SECONDS * 1000 ))
until cli status > /dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "node not ready in $READY_SECONDS s" >&2; cat "$work/node.out" >&2; exit 1; }
    sleep 0.2
done
# the first client command of the install dumped the client's AppCDS archive in the background
until [ -f "$home/lib/cli/hanzo-cli.jsa" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "no AppCDS archive (lib/cli/hanzo-cli.jsa) in $READY_SECONDS s" >&2; exit 1; }
    sleep 0.2
done
printf 'services:\n  sleeper:\n    entrypoint: ["sleep", "600"]\n    labels: {hanzo.runtime: process}\n    deploy: {replicas: 3}\n' > "$work/compose.yml"
cli deploy -f "$work/compose.yml" --id bench --wait > /dev/null

version_ms=$(time_ms "$home/bin/hanzo-node" --version)
status_ms=$(time_ms cli status)
ps_ms=$(time_ms cli ps)
version_cpu=$(cpu_ms "$home/bin/hanzo-node" --version)
status_cpu=$(cpu_ms "$home/bin/hanzo-node" status --grpc-addr "127.0.0.1:$port" --data-dir "$home/data")
ps_cpu=$(cpu_ms "$home/bin/hanzo-node" ps --grpc-addr "127.0.0.1:$port" --data-dir "$home/data")

if [ -n "${BEFORE:-}" ]; then
    # the other build's client, on its own install (its own lib/cli and AppCDS archive)
    other="$work/before"
    mkdir -p "$other" && tar xzf "$BEFORE" -C "$other" --strip-components=1
    "$other/bin/hanzo-node" --version > /dev/null
    deadline=$(( $(now_ms) + READY_SECONDS * 1000 ))
    until [ -f "$other/lib/cli/hanzo-cli.jsa" ] && [ ! -d "$other/lib/cli/hanzo-cli.jsa.lock" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || { echo "no AppCDS archive in $other in $READY_SECONDS s" >&2; exit 1; }
        sleep 0.2
    done
    # one run of "$@" with each client in turn; appends "wall_ms cpu_ms" to $work/<label>.this / .before
    pair() {
        local label=$1 install
        shift
        for install in this before; do
            local bin="$home/bin/hanzo-node"
            [ "$install" = before ] && bin="$other/bin/hanzo-node"
            local start; start=$(now_ms)
            /usr/bin/time -f '%U %S' -o "$work/cpu" "$bin" "$@" > /dev/null
            echo "$(( $(now_ms) - start )) $(awk '{printf "%d", ($1 + $2) * 1000}' "$work/cpu")" >> "$work/$label.$install"
        done
    }
    rm -f "$work"/*.this "$work"/*.before
    for _ in $(seq "$RUNS"); do
        pair version --version
        pair status status --grpc-addr "127.0.0.1:$port" --data-dir "$home/data"
        pair ps ps --grpc-addr "127.0.0.1:$port" --data-dir "$home/data"
    done
    echo "side by side, turn about (median wall ms / median CPU ms), load: $(cut -d' ' -f1-3 /proc/loadavg)"
    for label in version status ps; do
        printf '%-10s this build %s / %s   BEFORE %s / %s\n' "$label" \
            "$(cut -d' ' -f1 "$work/$label.this" | median)" "$(cut -d' ' -f2 "$work/$label.this" | median)" \
            "$(cut -d' ' -f1 "$work/$label.before" | median)" "$(cut -d' ' -f2 "$work/$label.before" | median)"
    done
fi

docker_ms="-"
if command -v dockerd > /dev/null && [ "$(id -u)" = 0 ]; then
    d="$work/docker"
    mkdir -p "$d"
    dockerd --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" --pidfile "$d/docker.pid" \
        --iptables=false --bridge=none > "$work/dockerd.out" 2>&1 &
    dockerd_pid=$!
    until docker -H "unix://$d/docker.sock" ps > /dev/null 2>&1; do sleep 0.1; done
    docker_ms=$(time_ms docker -H "unix://$d/docker.sock" ps)
fi

echo "runs: $RUNS (median wall ms, median CPU ms), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hanzo-node --version (client JVM floor): $version_ms (cpu $version_cpu)"
echo "hanzo-node status:                       $status_ms (cpu $status_cpu)"
echo "hanzo-node ps (3 containers):            $ps_ms (cpu $ps_cpu)"
echo "docker ps (Debian dockerd):              $docker_ms"
if [ "$docker_ms" != "-" ]; then
    awk -v s="$status_ms" -v p="$ps_ms" -v d="$docker_ms" 'BEGIN {printf "ratio status/docker ps: %.2fx, ps/docker ps: %.2fx\n", s/d, p/d}'
fi
awk -v s="$status_ms" -v v="$version_ms" 'BEGIN {printf "status own work (status - --version): %d ms\n", s-v}'
