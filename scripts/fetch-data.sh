#!/usr/bin/env bash
# Installs the built-in image set into Data/builtin/ (git-ignored), idempotently; quiet when present.
#
# 1. scikit-image photographs: the scikit-image 0.26.0 wheel from PyPI (pip download --no-deps); only the
#    files listed in scripts/builtin-images.tsv are extracted, each verified against its SHA-256.
# 2. Real photographs from Debian wallpaper packages (scripts/photos.tsv): each package is fetched with
#    `apt-get download` into Data/cache/ (nothing is installed), unpacked with `dpkg-deb -x`, and each listed
#    original is verified against its SHA-256 and kept in Data/photo-originals/NAME.jpg. A wrong hash is
#    refused with a sentence naming the file.
# 3. Data/builtin/scenes.tsv (scene tags for the split) and photos.tsv (the list the Swift side reads).
#
# The photographs are downscaled (integer factor, area averaging, long side <= 1024 px) by the Swift
# library the first time the built-in set is opened (`BuiltinData.folder()`, Sources/Datasets/PhotoSet.swift):
# decoding JPEG needs a codec, which this script (plain bash + stdlib python3, run before the build) does
# not have, and Pillow's `Image.reduce` is not exact (it truncates (sum + n/2) · (1/n) in floating point:
# factors 3, 5 and 6 round some block means one level low). Swift uses the project's own decoder and one
# tested downscaler (Tests/DatasetsTests/PhotoSetTests.swift).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
list="$root/scripts/builtin-images.tsv"
photos="$root/scripts/photos.tsv"
dest="$root/Data/builtin"
originals="$root/Data/photo-originals"
cache="$root/Data/cache"

rows() {  # rows FILE -> the list's data lines (no comments, no blank lines)
    grep -v -e '^#' -e '^[[:space:]]*$' "$1"
}

verify() {  # verify DIR -> 0 when every scikit-image file is present with the right hash
    local dir=$1 name sum rest
    while IFS=$'\t' read -r name sum rest; do
        [[ -f "$dir/$name" ]] || return 1
        [[ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" == "$sum" ]] || return 1
    done < <(rows "$list")
}

verify_photos() {  # verify_photos DIR -> 0 when every original photograph is present with the right hash
    local dir=$1 file pkg ver path sum rest
    while IFS=$'\t' read -r file pkg ver path sum rest; do
        local orig="$dir/${file%.*}.${path##*.}"
        [[ -f "$orig" ]] || return 1
        [[ "$(sha256sum "$orig" | cut -d' ' -f1)" == "$sum" ]] || return 1
    done < <(rows "$photos")
}

scenes_tsv() {  # the scene tags of both lists: scene<TAB>tags
    echo "# scene	tags (written by scripts/fetch-data.sh from scripts/builtin-images.tsv and scripts/photos.tsv)"
    rows "$list" | awk -F'\t' '{ n = $1; sub(/\.[^.]*$/, "", n); print n "\t" $5 }'
    rows "$photos" | awk -F'\t' '{ n = $1; sub(/\.[^.]*$/, "", n); print n "\t" $11 }'
}

up_to_date() {
    [[ -f "$dest/ATTRIBUTION.md" ]] && verify "$dest" && verify_photos "$originals" \
        && cmp -s "$photos" "$dest/photos.tsv" && cmp -s <(scenes_tsv) "$dest/scenes.tsv"
}

if up_to_date; then
    exit 0
fi

mkdir -p "$cache" "$dest" "$originals"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- 1. scikit-image photographs -------------------------------------------------------------------
if ! verify "$dest"; then
    echo "fetch-data: installing the built-in images (scikit-image 0.26.0 wheel) into Data/builtin/"
    wheel=$(ls "$cache"/scikit_image-0.26.0-*.whl 2>/dev/null | head -n1 || true)
    if [[ -z "$wheel" ]]; then
        python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" scikit-image==0.26.0 \
            || { echo "fetch-data: 'pip download scikit-image==0.26.0' failed; check that PyPI is reachable" >&2; exit 1; }
        wheel=$(ls "$cache"/scikit_image-0.26.0-*.whl | head -n1)
    fi
    mkdir -p "$tmp/skimage"
    python3 - "$wheel" "$list" "$tmp/skimage" <<'PY'
import sys, zipfile
wheel, listing, out = sys.argv[1:]
names = [l.split('\t')[0] for l in open(listing) if l.strip() and not l.startswith('#')]
with zipfile.ZipFile(wheel) as z:
    for n in names:
        with open(f"{out}/{n}", "wb") as f:
            f.write(z.read(f"skimage/data/{n}"))
PY
    verify "$tmp/skimage" || { echo "fetch-data: an extracted image does not match its SHA-256 in scripts/builtin-images.tsv" >&2; exit 1; }
    cp "$tmp/skimage"/* "$dest"/
fi

# --- 2. photographs from Debian wallpaper packages -----------------------------------------------
if ! verify_photos "$originals"; then
    echo "fetch-data: fetching the wallpaper photographs (apt-get download, nothing installed) into Data/photo-originals/"
    mapfile -t packages < <(rows "$photos" | cut -f2 | sort -u)
    (
        cd "$cache"
        missing=()
        for p in "${packages[@]}"; do
            ls "${p}"_*_all.deb >/dev/null 2>&1 || missing+=("$p")
        done
        if (( ${#missing[@]} )); then
            if ! apt-get download -q "${missing[@]}" >/dev/null 2>&1; then
                # A fresh machine may have no package lists yet.
                sudo=""
                [[ $(id -u) == 0 ]] || sudo="sudo"
                $sudo apt-get update -qq
                apt-get download -q "${missing[@]}" >/dev/null 2>&1 || {
                    echo "fetch-data: 'apt-get download ${missing[*]}' failed; these Debian packages hold the photographs of scripts/photos.tsv — check that a Debian (bookworm or later) mirror is configured" >&2
                    exit 1
                }
            fi
        fi
    )
    for p in "${packages[@]}"; do
        deb=$(ls "$cache/${p}"_*_all.deb | sort -V | tail -n1)
        mkdir -p "$tmp/deb/$p"
        dpkg-deb -x "$deb" "$tmp/deb/$p"
    done
    mkdir -p "$tmp/originals"
    while IFS=$'\t' read -r file pkg ver path sum rest; do
        src="$tmp/deb/$pkg/$path"
        [[ -f "$src" ]] || { echo "fetch-data: $path is missing from the Debian package $pkg; the package changed since scripts/photos.tsv was written (version $ver) — update the list" >&2; exit 1; }
        got=$(sha256sum "$src" | cut -d' ' -f1)
        if [[ "$got" != "$sum" ]]; then
            echo "fetch-data: $path from the Debian package $pkg has SHA-256 $got, but scripts/photos.tsv expects $sum (version $ver); the photograph was refused — check the new file and update the list" >&2
            exit 1
        fi
        cp "$src" "$tmp/originals/${file%.*}.${path##*.}"
    done < <(rows "$photos")
    cp "$tmp/originals"/* "$originals"/
fi

# --- 3. scene tags, the photo list and the attribution -------------------------------------------
scenes_tsv > "$tmp/scenes.tsv"
{
    echo "# Built-in images"
    echo
    echo "## scikit-image photographs"
    echo
    echo "Extracted from the scikit-image 0.26.0 wheel (PyPI), folder \`skimage/data/\`."
    echo "Licences as stated in that wheel's \`skimage/data/_fetchers.py\`."
    echo
    echo "| file | sha256 | licence | source |"
    echo "|---|---|---|---|"
    while IFS=$'\t' read -r name sum lic src tags; do
        echo "| $name | \`${sum:0:16}…\` | $lic | \`$src\` |"
    done < <(rows "$list")
    echo
    echo "## Photographs from Debian wallpaper packages"
    echo
    echo "Fetched with \`apt-get download\`; each original (its SHA-256 below) is downscaled by the integer factor"
    echo "with area averaging and stored as PNG. Authors and licences as stated in the package's"
    echo "\`usr/share/doc/PACKAGE/copyright\` (for plasma-workspace-wallpapers the photographer is the author"
    echo "named in the wallpaper's \`metadata.json\`; the Debian copyright file licenses all its files GPL-2+)."
    echo "CC-BY and CC-BY-SA require this attribution and, for -SA, the same licence on adaptations: the"
    echo "downscaled PNGs are adaptations under the original licence."
    echo
    echo "| file | author | licence | package (version) | original | sha256 | factor |"
    echo "|---|---|---|---|---|---|---|"
    while IFS=$'\t' read -r file pkg ver path sum w h factor author lic tags note; do
        echo "| $file | $author | $lic | $pkg ($ver) | \`/$path\` (${w}×${h}) | \`${sum:0:16}…\` | $factor |"
    done < <(rows "$photos")
} > "$tmp/ATTRIBUTION.md"
cp "$photos" "$tmp/photos.tsv"
cp "$tmp/scenes.tsv" "$tmp/photos.tsv" "$tmp/ATTRIBUTION.md" "$dest"/
echo "fetch-data: $(rows "$list" | wc -l) scikit-image images and $(rows "$photos" | wc -l) photograph originals ready" \
     "(the photographs are downscaled into Data/builtin/ when the set is first opened)"
