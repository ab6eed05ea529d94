#!/usr/bin/env python3
"""PSNR table of the classical methods on built-in photos (the README's table).

    swift build -c release && python3 scripts/classical_table.py [--psf motion:15,30] [--images astronaut,coffee,camera,chelsea]

Degrades the chosen built-in photos honestly (`deblur degrade builtin --psf PSF --seed 1`,
σ = 0.01, 8-bit), restores each with every classical method and the true PSF (default
settings; RL-accel with 10 iterations), and prints a Markdown table of PSNR (`deblur score`).
Standard library only.
"""
import argparse, json, os, subprocess, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
deblur = os.path.join(root, ".build", "release", "deblur")
ap = argparse.ArgumentParser()
ap.add_argument("--psf", default="motion:15,30")
ap.add_argument("--images", default="astronaut,coffee,camera,chelsea")
args = ap.parse_args()
runs = [("Wiener", ["--method", "wiener"]), ("Wiener --border none", ["--method", "wiener", "--border", "none"]),
        ("Tikhonov (GCV)", ["--method", "tikhonov"]), ("RL", ["--method", "rl"]), ("RL-damped", ["--method", "rl-damped"]),
        ("RL-TV", ["--method", "rl-tv"]), ("RL-accel (10 it.)", ["--method", "rl-accel", "--iterations", "10"]),
        ("Landweber", ["--method", "landweber"]), ("Wiener (spectral)", ["--method", "wiener-spectral"]),
        ("Hyper-Laplacian", ["--method", "hyper-laplacian"]), ("TV-ADMM", ["--method", "tv-admm"])]

def psnr(ref, test):
    out = subprocess.check_output([deblur, "score", ref, test, "--metrics", "psnr", "--json"], text=True)
    return json.loads(out)["psnr"]

with tempfile.TemporaryDirectory() as tmp:
    subprocess.check_output([deblur, "degrade", "builtin", "--psf", args.psf, "--seed", "1", "-o", tmp], text=True)
    print(f"PSNR (dB), `{args.psf}`, σ = 0.01, true PSF\n")
    print("| image | blurred | " + " | ".join(n for n, _ in runs) + " |")
    print("|---" * (len(runs) + 2) + "|")
    for name in args.images.split(","):
        sharp, blurred = f"{tmp}/sharp/{name}.png", f"{tmp}/blurred/{name}.png"
        row = [f"{psnr(sharp, blurred):.2f}"]
        for _, extra in runs:
            out = f"{tmp}/out.png"
            subprocess.check_output([deblur, "restore", blurred, "--psf", args.psf, "-o", out] + extra, text=True)
            row.append(f"{psnr(sharp, out):.2f}")
        print(f"| {name} | " + " | ".join(row) + " |")
