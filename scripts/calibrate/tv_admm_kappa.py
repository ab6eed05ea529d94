#!/usr/bin/env python3
"""Calibrates κ of tv-admm's automatic data weight λ = κ/σ̂² (σ̂ the image's own noise estimate, as the
method uses it) on the TRAINING split only (issue #23: test scenes are never used for defaults). Writes
the training cases of the built-in comparison's selection (mixed blur, σ = 0.01, seed 0; every STEP-th
training scene), restores each with `--param kappa=κ` for every κ, and prints the mean PSNR per κ and
blur kind as a Markdown table.

    scripts/calibrate/tv_admm_kappa.py [--kappas 0.05,0.1,0.2,0.4] [--step 4]
"""
import argparse
import os
import tempfile

from calibration import markdown, sweep, training_cases

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--kappas", default="0.05,0.1,0.2,0.4")
parser.add_argument("--step", type=int, default=4, help="every STEP-th training scene")
args = parser.parse_args()
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
folder, cases = training_cases(tempfile.mkdtemp(), args.step)
settings = {f"{float(k):g}": ("tv-admm", [f"kappa={float(k):g}"]) for k in args.kappas.split(",")}
table = sweep(folder, cases, settings)
print(f"tv-admm λ calibration: mean PSNR (dB) over {len(cases)} training cases")
print(markdown(table, list(settings), "κ (λ = κ/σ̂²)"))
