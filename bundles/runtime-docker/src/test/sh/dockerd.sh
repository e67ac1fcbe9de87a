#!/usr/bin/env bash
# Starts (or stops) a private Docker engine and a loopback registry for the runtime-docker
# integration tests, so `mvn verify` needs nothing but root on a Debian machine.
#
#   dockerd.sh start DIR   installs docker.io, docker-registry and busybox-static when missing,
#                          starts dockerd with its data root, exec root, pidfile and socket under
#                          DIR, builds the test images and starts a registry on 127.0.0.1:<free>.
#   dockerd.sh stop DIR    removes the test containers and stops the registry and dockerd.
#
# `start` never fails the build by itself: it writes DIR/dockerd.properties with either the
# socket and registry or `unavailable=<reason>`, and the tests fail with that reason.
set -u

cmd=${1:?usage: dockerd.sh start|stop DIR}
dir=$(mkdir -p "${2:?usage: dockerd.sh start|stop DIR}" && cd "$2" && pwd)
props=$dir/dockerd.properties
log=$dir/dockerd.log
# Debian's CLI matches Debian's engine; a newer CLI elsewhere on the PATH would work too
docker_cli=/usr/bin/docker

# unix socket paths are limited to 107 bytes (the engine's, and containerd's under the exec root):
# with a long build path, both go to a short directory under /tmp
sockdir=$dir
if [ ${#dir} -gt 60 ]; then
    sockdir=/tmp/hanzo-dockerd-$(printf '%s' "$dir" | md5sum | cut -c1-12)
    mkdir -p "$sockdir"
fi
sock=$sockdir/docker.sock
pidfile=$dir/dockerd.pid
regpidfile=$dir/registry.pid

dk() { "$docker_cli" -H "unix://$sock" "$@"; }

unavailable() {
    echo "dockerd.sh: docker unavailable: $1" >&2
    printf 'unavailable=%s\n' "$1" > "$props"
    stop_all
    exit 0
}

stop_pid() { # pidfile name
    local pf=$1 pid
    [ -f "$pf" ] || return 0
    pid=$(cat "$pf" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "dockerd.sh: $2 ($pid) did not stop in 15 s: killing it" >&2
            kill -9 "$pid" 2>/dev/null
        fi
    fi
    rm -f "$pf"
}

stop_all() {
    if [ -S "$sock" ] && [ -x "$docker_cli" ]; then
        ids=$(dk ps -aq 2>/dev/null)
        [ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1
        # removing the network removes its bridge interface from the host
        dk network rm hanzo-test >/dev/null 2>&1
    fi
    stop_pid "$regpidfile" docker-registry
    stop_pid "$pidfile" dockerd
    # leave no mount behind in the build dir, so `mvn clean` can delete it
    for root in "$dir" "$sockdir"; do
        grep -o " $root/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do
            umount -l "$m" 2>/dev/null
        done
    done
}

install_missing() {
    local need=()
    command -v dockerd >/dev/null 2>&1 && [ -x "$docker_cli" ] || need+=(docker.io)
    [ -x /usr/bin/docker-registry ] || need+=(docker-registry)
    # busybox-static's binary runs in an empty rootfs; the dynamic busybox does not
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' \
        || need+=(busybox-static)
    [ ${#need[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        unavailable "missing ${need[*]} and not root: install them (apt-get install ${need[*]})"
    fi
    echo "dockerd.sh: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # other builds on the machine may hold the dpkg lock: wait for it rather than fail
    apt-get -o DPkg::Lock::Timeout=600 update -q >>"$log" 2>&1 \
        && apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >>"$log" 2>&1 \
        || unavailable "apt-get install ${need[*]} failed (see $log)"
}

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    return 1
}

start() {
    stop_all
    rm -f "$props" "$sock"
    : > "$log"
    local t0=$SECONDS
    install_missing
    mkdir -p "$dir/data" "$sockdir/exec"
    # its own containerd too (under the exec root), never the host's
    nohup dockerd --data-root "$dir/data" --exec-root "$sockdir/exec" -H "unix://$sock" \
        --pidfile "$pidfile" --iptables=false --ip-masq=false --bridge=none \
        --containerd-namespace hanzo-test --containerd-plugins-namespace hanzo-test-plugins \
        >>"$log" 2>&1 < /dev/null &
    local pid=$!
    for _ in $(seq 1 300); do
        dk version >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || unavailable "dockerd exited at start: $(tail -n 3 "$log" | tr '\n' ' ')"
        sleep 0.1
    done
    dk version >/dev/null 2>&1 || unavailable "dockerd did not answer on $sock within 30 s: $(tail -n 3 "$log" | tr '\n' ' ')"
    [ -f "$pidfile" ] || echo "$pid" > "$pidfile"

    # busybox:local: busybox-static plus its applet links in an otherwise empty rootfs
    if ! dk image inspect busybox:local >/dev/null 2>&1; then
        local rootfs=$dir/rootfs
        rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/data"
        cp /bin/busybox "$rootfs/bin/busybox"
        # relative links: `busybox --install -s` would point them at this host path
        for a in $("$rootfs/bin/busybox" --list); do
            [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"
        done
        echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
        echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$rootfs/etc/passwd"
        echo 'root:x:0:' > "$rootfs/etc/group"
        tar -C "$rootfs" -c . | dk import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - busybox:local >>"$log" 2>&1 \
            || unavailable "docker import of the busybox rootfs failed (see $log)"
    fi
    # an archive for the load test, in `docker save` format, of an image the engine then forgets
    dk tag busybox:local hanzo-test/load:1 && dk save -o "$dir/load.tar" hanzo-test/load:1 \
        && dk rmi hanzo-test/load:1 >/dev/null || unavailable "docker save failed (see $log)"

    # a bridge network for published ports (dockerd runs with --bridge=none so that several
    # engines on one host do not fight over docker0); its own interface name and a /24 in 10.213/16
    local net_ok=
    for _ in 1 2 3 4 5; do
        if dk network create --driver bridge -o com.docker.network.bridge.name="hzt$((RANDOM % 100000))" \
            --subnet "10.213.$((RANDOM % 254 + 1)).0/24" hanzo-test >>"$log" 2>&1; then
            net_ok=1
            break
        fi
    done
    [ -n "$net_ok" ] || unavailable "docker network create hanzo-test failed (see $log)"

    # a registry on loopback for the pull test (dockerd treats 127.0.0.0/8 as insecure: no TLS)
    local port
    port=$(free_port) || unavailable "no free port for docker-registry"
    mkdir -p "$dir/registry"
    cat > "$dir/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/registry
http:
  addr: 127.0.0.1:$port
YML
    nohup /usr/bin/docker-registry serve "$dir/registry.yml" >>"$dir/registry.log" 2>&1 < /dev/null &
    echo $! > "$regpidfile"
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
        || unavailable "docker-registry did not listen on 127.0.0.1:$port: $(tail -n 3 "$dir/registry.log" | tr '\n' ' ')"
    local pull=127.0.0.1:$port/hanzo-test/pull:1
    { dk tag busybox:local "$pull" && dk push "$pull" && dk rmi "$pull"; } >>"$log" 2>&1 \
        || unavailable "push of the pull-test image to 127.0.0.1:$port failed (see $log)"

    {
        echo "host=unix://$sock"
        echo "registry=127.0.0.1:$port"
        echo "image=busybox:local"
        echo "network=hanzo-test"
        echo "loadArchive=$dir/load.tar"
        echo "loadImage=hanzo-test/load:1"
        echo "pullImage=$pull"
    } > "$props"
    echo "dockerd.sh: dockerd on unix://$sock, registry on 127.0.0.1:$port, ready in $((SECONDS - t0)) s" >&2
}

case $cmd in
    start) start ;;
    stop)
        stop_all
        # the short directory under /tmp holds only the socket and the exec root's state
        [ "$sockdir" != "$dir" ] && rm -rf --one-file-system "$sockdir"
        echo "dockerd.sh: stopped" >&2
        ;;
    *) echo "usage: dockerd.sh start|stop DIR" >&2; exit 2 ;;
esac
