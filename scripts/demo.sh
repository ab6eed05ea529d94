#!/usr/bin/env bash
# The main job (`make demo`), run after set-up and a release build.
# 1. Degrades the built-in test split honestly (valid convolution, mixed PSFs, σ = 0.01, 8-bit) and
#    writes a contact sheet (sharp | blurred | PSF).
# 2. Compares every method (classical with the true and the estimated PSF, the shipped networks) with
#    every metric on the two test scenes of earlier rounds (astronaut, hubble_deep_field; 8 cases,
#    ≈ 10 min on 2 Zen 4 cores, a third of it the plug-and-play rows) — each image once per blur family — checks the committed baseline, and prints
#    the report's path. DEMO_SCENES=all runs the whole test split of the larger photograph set
#    (8 scenes, 32 cases; about 40 minutes on 2 cores), DEMO_SCENES=a,b a choice of scenes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-Reports/demo}
deblur="$root/.build/release/deblur"
cd "$root"
start=$(date +%s)
"$deblur" degrade builtin --psf mixed --noise 0.01 --seed 0 --split test \
    -o "$out/degraded" --contact-sheet "$out/contact-sheet.png"
compare_start=$(date +%s)
scenes=${DEMO_SCENES:-astronaut,hubble_deep_field}
selection=()
[ "$scenes" != all ] && selection=(--scenes "$scenes")
baseline=()
# Baselines/demo-two-scenes.json holds the two-scene selection, Baselines/builtin-test.json the whole
# test split (32 cases); another selection is reported without a check.
[ "$scenes" = astronaut,hubble_deep_field ] && baseline=(--baseline Baselines/demo-two-scenes.json)
[ "$scenes" = all ] && [ -f Baselines/builtin-test.json ] && baseline=(--baseline Baselines/builtin-test.json)
"$deblur" compare --data builtin --split test "${selection[@]}" --methods all --metrics all --psf "${DEMO_PSF:-both}" \
    --jobs "${DEMO_JOBS:-2}" -o "$out/compare" "${baseline[@]}"
end=$(date +%s)
echo "demo: comparison took $(( end - compare_start )) s, the whole demo $(( end - start )) s"
echo "demo: contact sheet at $out/contact-sheet.png"
echo "demo: report at $out/compare/report.html (summary: $out/compare/report.md)"
