#!/usr/bin/env python3
"""Re-derives the defaults of `wiener` and `rl` on the TRAINING split only (issue #23) and compares them
with the textbook settings: a reflect-padded Wiener filter with NSR 0.01, and 30 plain RL iterations
started from a flat 0.5 image (scikit-image's `richardson_lucy`).

For each noise level it writes the training cases of the built-in comparison's selection (mixed blur,
seed 0, every STEP-th training scene), restores them with every setting below and prints the mean PSNR
per blur kind as Markdown tables. The test split is used only by --check-test, after the defaults are
chosen, to check them against the textbook (README, "Defaults against the textbook").

    scripts/calibrate/defaults.py [--step 4] [--noise 0.005,0.01,0.02] [--only wiener|rl]
    scripts/calibrate/defaults.py --check-test     # afterwards: default against textbook on the test split
"""
import argparse
import os
import tempfile

from calibration import markdown, sweep, training_cases

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--step", type=int, default=4, help="every STEP-th training scene")
parser.add_argument("--noise", default="0.005,0.01,0.02", help="noise levels σ, comma-separated")
parser.add_argument("--only", choices=["wiener", "rl"], help="one method only")
parser.add_argument("--check-test", action="store_true",
                    help="compare only the defaults with the textbook settings, on the whole test split at σ = 0.01")
parser.add_argument("--rl-iterations", default="8,12,20", help="fixed RL iteration counts to try from the flat start")
parser.add_argument("--taus", default="0.9,1,1.1,1.2,1.3", help="discrepancy factors τ to try (stop at residual ≤ τ·σ̂)")
parser.add_argument("--work", help="keep the cases in this folder (default: a temporary one)")
args = parser.parse_args()
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
work = args.work or tempfile.mkdtemp()

wiener = {"textbook NSR 0.01": ("wiener", ["nsr=0.01"]), "default": ("wiener", [])}
for nsr in (0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04):
    wiener[f"NSR {nsr:g}"] = ("wiener", [f"nsr={nsr:g}"])
rl = {"textbook (flat 0.5, 30 it.)": ("rl", ["start=flat", "iterations=30"]), "default": ("rl", [])}
for iterations in args.rl_iterations.split(","):   # flat starts; any constant gives the same iterates
    rl[f"flat, {iterations} it."] = ("rl", ["start=flat", f"iterations={iterations}"])
for tau in args.taus.split(","):   # flat start, stopped by the discrepancy principle at τ·σ̂
    rl[f"flat, discrepancy τ = {tau}"] = ("rl", ["start=flat", f"tau={tau}"])

if args.check_test:
    wiener = {k: wiener[k] for k in ("textbook NSR 0.01", "default")}
    rl = {k: rl[k] for k in ("textbook (flat 0.5, 30 it.)", "default")}
for noise in [0.01] if args.check_test else [float(n) for n in args.noise.split(",")]:
    split = "test" if args.check_test else "train"
    folder, cases = training_cases(work, 1 if args.check_test else args.step, noise, split)
    for name, settings in (("wiener", wiener), ("rl", rl)):
        if args.only and args.only != name:
            continue
        table = sweep(folder, cases, settings)
        print(f"\n{name}, σ = {noise:g}: mean PSNR (dB) over {len(cases)} {split} cases")
        print(markdown(table, list(settings), "setting"))
