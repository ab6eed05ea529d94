#!/usr/bin/env bash
# Installs the ST-LPIPS (alex) weights as Data/weights/st-lpips-alex.safetensors (git-ignored),
# idempotently and quietly once done. Run by scripts/setup.sh (so by `make test` / `make demo`).
#
# Source: the PyPI wheel stlpips-pytorch==0.0.2 (BSD-2-Clause, Ghildyal & Liu, ECCV 2022), fetched
# with `pip download --no-deps` into Data/cache/. The wheel, the extracted
# stlpips_pytorch/weights/vST0.0/alex_shift_tolerant.pth and the converted file are each checked
# against the SHA-256 below. Conversion needs only python3 (scripts/convert_stlpips.py; no torch).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/Data/cache"
dest="$root/Data/weights/st-lpips-alex.safetensors"

wheel_name="stlpips_pytorch-0.0.2-py3-none-any.whl"
wheel_sha256="a412bf901a97c942b37af57c7c63b6e5d1aebfe8d1dfc17853d4b2f878630645"
pth_member="stlpips_pytorch/weights/vST0.0/alex_shift_tolerant.pth"
pth_sha256="b356b382f96010f77d085ee8343ecd9fd322d0a56e8de2b2d0549fafcad8b9ee"
out_sha256="caeaab46296055d60d28901c4d3b8b8b406cf7be27e4cd3a32c1597c56022070"

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$dest" && "$(sha "$dest")" == "$out_sha256" ]]; then
    exit 0
fi

echo "fetch-weights: installing the ST-LPIPS (alex) weights (stlpips-pytorch 0.0.2 wheel) into Data/weights/"
mkdir -p "$cache" "$(dirname "$dest")"
wheel="$cache/$wheel_name"
if [[ ! -f "$wheel" || "$(sha "$wheel")" != "$wheel_sha256" ]]; then
    rm -f "$wheel"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" stlpips-pytorch==0.0.2 \
        || { echo "fetch-weights: 'pip download stlpips-pytorch==0.0.2' failed; check that PyPI is reachable" >&2; exit 1; }
fi
if [[ "$(sha "$wheel")" != "$wheel_sha256" ]]; then
    echo "fetch-weights: $wheel does not match its expected SHA-256 ($wheel_sha256); delete it and retry" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$wheel" "$pth_member" "$tmp/alex_shift_tolerant.pth" <<'PY'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read(member))
PY
if [[ "$(sha "$tmp/alex_shift_tolerant.pth")" != "$pth_sha256" ]]; then
    echo "fetch-weights: the extracted $pth_member does not match its expected SHA-256" >&2
    exit 1
fi

python3 "$root/scripts/convert_stlpips.py" "$tmp/alex_shift_tolerant.pth" "$tmp/st-lpips-alex.safetensors"
if [[ "$(sha "$tmp/st-lpips-alex.safetensors")" != "$out_sha256" ]]; then
    echo "fetch-weights: the converted weights do not match the expected SHA-256 $out_sha256" >&2
    echo "fetch-weights: (if scripts/convert_stlpips.py was changed on purpose, update out_sha256 here)" >&2
    exit 1
fi
mv -f "$tmp/st-lpips-alex.safetensors" "$dest"
echo "fetch-weights: Data/weights/st-lpips-alex.safetensors ready"
