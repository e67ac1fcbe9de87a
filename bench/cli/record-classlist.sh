#!/usr/bin/env bash
#
# Records the classes that real client commands load, for the CLI's AppCDS archive:
# distribution/assembly/src/main/resources/assembly/lib/cli/hanzo-cli.classlist. bin/hanzo-node
# dumps that list into lib/cli/hanzo-cli.jsa on an install's first client command. Run it after a
# change that makes the client load other classes (a new command, a gRPC or picocli upgrade);
# a stale list only makes the archive miss those classes (they then load from the jars).
# Needs the built archive (mvn install of distribution/assembly).
#
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$here/target/classlist"
out="$root/distribution/assembly/src/main/resources/assembly/lib/cli/hanzo-cli.classlist"
rm -rf "$work" && mkdir -p "$work" "$(dirname "$out")"
archive=$(ls "$root"/distribution/assembly/target/hanzo-node-*.tar.gz)
now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

home="$work/hanzo-node"
mkdir -p "$home" && tar xzf "$archive" -C "$home" --strip-components=1
port=$(free_port)
(cd "$home" && exec bin/hanzo-node --grpc-addr "127.0.0.1:$port" --http-addr "127.0.0.1:$(free_port)" \
    --p2p-addr /ip4/127.0.0.1/tcp/0 --mdns=false > "$work/node.out" 2>&1) &
node_pid=$!
cleanup() {
    cli rm record > /dev/null 2>&1 || true
    kill -TERM "$node_pid" 2> /dev/null && wait "$node_pid" 2> /dev/null || true
}
trap cleanup EXIT
n=0
cli() { # one client command, its loaded classes recorded into its own list
    n=$((n + 1))
    HANZO_CLI_CDS=false \
        HANZO_CLI_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -Xshare:off -XX:DumpLoadedClassList=$work/$n.lst" \
        "$home/bin/hanzo-node" "$1" --grpc-addr "127.0.0.1:$port" --data-dir "$home/data" "${@:2}"
}
deadline=$(($(now_ms) + 120000))
until "$home/bin/hanzo-node" status --grpc-addr "127.0.0.1:$port" --data-dir "$home/data" > /dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "node not ready in 120 s" >&2; cat "$work/node.out" >&2; exit 1; }
    sleep 0.2
done
rm -f "$work"/*.lst
printf 'services:\n  sleeper:\n    entrypoint: ["sh", "-c", "echo up; exec sleep 600"]\n    labels: {hanzo.runtime: process}\n' > "$work/compose.yml"
cli deploy -f "$work/compose.yml" --id record --wait
cli status
cli status -o json
cli ps
cli ps -o json
id=$(cli ps -q --no-trunc record | head -n 1)
cli logs record --tail 5
cli exec "$id" -- true
cli events -n 1 > /dev/null &
events_pid=$!
# the background subshell counted its list in its own copy of n: the next command takes the next
# number, or it would overwrite the events list
n=$((n + 1))
cli scale record sleeper=2
wait "$events_pid" || true
cli top -n 1
cli models
cli stop record
cli rm record
"$home/bin/hanzo-node" --version > /dev/null
HANZO_CLI_CDS=false HANZO_CLI_JAVA_OPTS="-Xshare:off -XX:DumpLoadedClassList=$work/help.lst" "$home/bin/hanzo-node" --help > /dev/null
# one list: the JVM's header once, then every line in the order first seen
{
    grep '^#' "$work/1.lst"
    cat "$work"/*.lst | grep -v '^#' | awk '!seen[$0]++'
} > "$out"
echo "wrote $out: $(grep -vc '^#' "$out") entries from $(ls "$work"/*.lst | wc -l) commands"
