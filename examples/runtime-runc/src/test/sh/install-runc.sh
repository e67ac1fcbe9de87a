#!/usr/bin/env bash
# Installs what the runc example's tests run: Debian's runc and busybox-static (the image). Never
# fails the build by itself: when it cannot install, the tests fail with runc's self-test reason.
set -u
need=()
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /bin/busybox ] || need+=(busybox-static)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-runc.sh: missing ${need[*]} and not root: install them (apt-get install ${need[*]})" >&2
    exit 0
fi
echo "install-runc.sh: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null 2>&1
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || echo "install-runc.sh: apt-get install ${need[*]} failed" >&2
exit 0
