"""Shared helpers of the calibration scripts (issue #23): defaults are derived on the TRAINING split only.

`training_cases` writes the training cases of the built-in comparison's selection (mixed blur, seed 0, every
STEP-th training scene) at a noise level; `sweep` restores every case with every setting through
`deblur restore` and scores it with `deblur score`. Standard library only, so any python3 runs them.
"""
import collections
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

BINARY = os.environ.get("DEBLUR_BIN", ".build/release/deblur")   # a copy keeps a rebuild from changing it mid-run


def binary():
    if not os.access(BINARY, os.X_OK):
        sys.exit("build first: swift build -c release")
    return BINARY


def training_cases(work, step, noise=0.01, split="train"):
    """Writes the cases of `split` (train; test only to check chosen defaults, never to choose them) at
    noise σ to work/SPLIT-σ; returns the folder and [(file name, blur kind)]."""
    folder = os.path.join(work, f"{split}-{noise:g}")
    if not os.path.exists(os.path.join(folder, "manifest.json")):
        listing = os.path.join(work, f"{split}-listing")
        if not os.path.exists(os.path.join(listing, "rows.jsonl")):
            run([binary(), "compare", "--data", "builtin", "--split", split, "--methods", "blurred", "--metrics", "psnr",
                 "-o", listing])
        scenes = sorted({json.loads(line)["scene"] for line in open(os.path.join(listing, "rows.jsonl"))})[::step]
        run([binary(), "compare", "--data", "builtin", "--split", split, "--scenes", ",".join(scenes), "--methods", "blurred",
             "--metrics", "psnr", "--noise", f"{noise:g}", "-o", os.path.join(work, f"{split}-run-{noise:g}"), "--save-cases", folder])
    items = json.load(open(os.path.join(folder, "manifest.json")))["items"]
    return folder, [(item["file"], item["file"].split("~")[1].rsplit(".", 1)[0]) for item in items]


def run(command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def psnr(folder, name, method, params):
    """PSNR of one restoration (the output goes to a scratch file next to the cases)."""
    out = os.path.join(folder, f"out-{os.getpid()}-{abs(hash((name, method, tuple(params))))}.png")
    command = [binary(), "restore", os.path.join(folder, "blurred", name), "--psf", os.path.join(folder, "psf", name),
               "--method", method, "-o", out]
    for param in params:
        command += ["--param", param]
    run(command)
    score = json.loads(run([binary(), "score", os.path.join(folder, "sharp", name), out, "--metrics", "psnr", "--json"]))
    os.remove(out)
    return score["psnr"]


def sweep(folder, cases, settings, jobs=2):
    """settings: {label: (method, [NAME=VALUE, ...])}. Returns {(label, kind): [psnr, ...]} with kind 'all' too."""
    table = collections.defaultdict(list)
    tasks = [(label, method, params, name, kind) for label, (method, params) in settings.items() for name, kind in cases]
    os.environ.setdefault("DEBLUR_THREADS", "1")   # two restorations at once on two cores
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        scores = pool.map(lambda t: psnr(folder, t[3], t[1], t[2]), tasks)
        for (label, _, _, _, kind), score in zip(tasks, scores):
            table[(label, kind)].append(score)
            table[(label, "all")].append(score)
    return table


def markdown(table, labels, header):
    kinds = sorted({k for _, k in table if k != "all"}) + ["all"]
    lines = [f"| {header} | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for label in labels:
        lines.append(f"| {label} | " + " | ".join(f"{statistics.mean(table[(label, k)]):.2f}" for k in kinds) + " |")
    return "\n".join(lines)
