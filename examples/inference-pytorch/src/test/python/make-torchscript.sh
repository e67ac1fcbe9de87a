#!/usr/bin/env bash
# Regenerates the TorchScript test model and its expected outputs (src/test/resources) with
# Debian's python3-torch (installed if missing). The files are committed: the build does not run
# this, so it needs no Python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch
fi
/usr/bin/python3 "$here/make-torchscript.py" "$here/../resources/classifier.pt" "$here/../resources/classifier-expected.txt"
