#!/usr/bin/env bash
# Calibrates κ of tv-admm's automatic data weight λ = κ/σ̂² (σ̂ the image's own noise estimate, as the
# method uses it) on the TRAINING split only (issue #23: test scenes are never used for defaults). Writes
# the training cases of the built-in comparison's selection (mixed blur, σ = 0.01, seed 0; every STEP-th
# training scene), restores each with `--param kappa=κ` for every κ, and prints the mean PSNR per κ and
# blur kind as a Markdown table.
#
#   scripts/calibrate/tv_admm_kappa.sh ["0.05 0.1 0.2 0.4"] [STEP=4]
set -euo pipefail
cd "$(dirname "$0")/../.."
kappas=${1:-0.05 0.1 0.2 0.4}
step=${2:-4}
bin=.build/release/deblur
[[ -x $bin ]] || { echo "build first: swift build -c release" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" compare --data builtin --split train --methods blurred --metrics psnr -o "$work/all" >/dev/null 2>&1
scenes=$(python3 -c "import json; print(','.join(sorted({json.loads(l)['scene'] for l in open('$work/all/rows.jsonl')})[::$step]))")
echo "tv-admm λ calibration, training scenes: $scenes"
"$bin" compare --data builtin --split train --scenes "$scenes" --methods blurred --metrics psnr -o "$work/run" \
    --save-cases "$work/cases" >/dev/null 2>&1
python3 - "$bin" "$work/cases" "$kappas" <<'PY'
import collections, json, statistics, subprocess, sys
binary, cases, kappas = sys.argv[1], sys.argv[2], [float(k) for k in sys.argv[3].split()]
table = collections.defaultdict(list)
for item in json.load(open(f"{cases}/manifest.json"))["items"]:
    name, kind = item["file"], item["file"].split("~")[1].rsplit(".", 1)[0]
    for kappa in kappas:
        out = f"{cases}/out.png"
        subprocess.run([binary, "restore", f"{cases}/blurred/{name}", "--psf", f"{cases}/psf/{name}", "--method", "tv-admm",
                        "--param", f"kappa={kappa:g}", "-o", out], check=True, capture_output=True)
        score = json.loads(subprocess.run([binary, "score", f"{cases}/sharp/{name}", out, "--metrics", "psnr", "--json"],
                                          check=True, capture_output=True, text=True).stdout)
        table[(kappa, kind)].append(score["psnr"])
        table[(kappa, "all")].append(score["psnr"])
kinds = sorted({k for _, k in table if k != "all"}) + ["all"]
n = len(table[(kappas[0], "all")])
print(f"mean PSNR (dB) over {n} training cases")
print("| κ (λ = κ/σ̂²) | " + " | ".join(kinds) + " |")
print("|---" * (len(kinds) + 1) + "|")
for kappa in kappas:
    print(f"| {kappa:g} | " + " | ".join(f"{statistics.mean(table[(kappa, k)]):.2f}" for k in kinds) + " |")
PY
