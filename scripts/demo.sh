#!/usr/bin/env bash
# The main job (`make demo`), run after set-up and a release build.
# Degrades the built-in test split honestly (valid convolution, mixed PSFs, σ = 0.01, 8-bit) and
# writes a contact sheet (sharp | blurred | PSF) — the comparison harness will take over from here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-Reports/demo}
deblur="$root/.build/release/deblur"
cd "$root"
start=$(date +%s)
"$deblur" degrade builtin --psf mixed --noise 0.01 --seed 0 --split test \
    -o "$out/degraded" --contact-sheet "$out/contact-sheet.png"
echo "demo: finished in $(( $(date +%s) - start )) s"
echo "demo: contact sheet at $out/contact-sheet.png; images and manifest.json under $out/degraded/"
