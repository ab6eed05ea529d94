#!/usr/bin/env bash
# Installs the built-in image set into Data/builtin/ (git-ignored), idempotently.
# Source: the scikit-image 0.26.0 wheel from PyPI (pip download --no-deps); only the files listed
# in scripts/builtin-images.tsv are extracted, each verified against its SHA-256.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
list="$root/scripts/builtin-images.tsv"
dest="$root/Data/builtin"
cache="$root/Data/cache"

verify() {  # verify DIR -> 0 when every listed file is present with the right hash
    local dir=$1 name sum rest
    while IFS=$'\t' read -r name sum rest; do
        [[ -z "$name" || "$name" == \#* ]] && continue
        [[ -f "$dir/$name" ]] || return 1
        [[ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" == "$sum" ]] || return 1
    done < "$list"
}

if [[ -f "$dest/ATTRIBUTION.md" ]] && verify "$dest"; then
    exit 0
fi

echo "fetch-data: installing the built-in images (scikit-image 0.26.0 wheel) into Data/builtin/"
mkdir -p "$cache" "$dest"
wheel=$(ls "$cache"/scikit_image-0.26.0-*.whl 2>/dev/null | head -n1 || true)
if [[ -z "$wheel" ]]; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" scikit-image==0.26.0 \
        || { echo "fetch-data: 'pip download scikit-image==0.26.0' failed; check that PyPI is reachable" >&2; exit 1; }
    wheel=$(ls "$cache"/scikit_image-0.26.0-*.whl | head -n1)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$wheel" "$list" "$tmp" <<'PY'
import sys, zipfile
wheel, listing, out = sys.argv[1:]
names = [l.split('\t')[0] for l in open(listing) if l.strip() and not l.startswith('#')]
with zipfile.ZipFile(wheel) as z:
    for n in names:
        with open(f"{out}/{n}", "wb") as f:
            f.write(z.read(f"skimage/data/{n}"))
PY
verify "$tmp" || { echo "fetch-data: an extracted image does not match its SHA-256 in scripts/builtin-images.tsv" >&2; exit 1; }

{
    echo "# Built-in images"
    echo
    echo "Extracted from \`$(basename "$wheel")\` (PyPI, scikit-image 0.26.0), folder \`skimage/data/\`."
    echo "Licences as stated in that wheel's \`skimage/data/_fetchers.py\`."
    echo
    echo "| file | sha256 | licence | source |"
    echo "|---|---|---|---|"
    while IFS=$'\t' read -r name sum lic src; do
        [[ -z "$name" || "$name" == \#* ]] && continue
        echo "| $name | \`${sum:0:16}…\` | $lic | \`$src\` |"
    done < "$list"
} > "$tmp/ATTRIBUTION.md"
cp "$tmp"/* "$dest"/
echo "fetch-data: $(ls "$dest" | grep -vc ATTRIBUTION) images ready in Data/builtin/"
