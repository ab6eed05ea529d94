#!/usr/bin/env python3
"""BM3D peers for `deblur denoise` and `deblur restore`: the PyPI `bm3d` 4.0.3 package (Mäkinen,
Azzari & Foi; BM3D of Dabov, Foi, Katkovnik & Egiazarian 2007, BM3D deblurring of Dabov et al. 2008)
run on exactly the files our tool reads, scored the same way, in the same run.

Set-up (not needed by CI; the venv lives outside the repo):
    python3 -m venv /work/venv-peers
    /work/venv-peers/bin/pip install bm3d==4.0.3 'scikit-image==0.26.*' numpy scipy pypng
Recorded with Python 3.11.7, bm3d 4.0.3 (bm4d 4.2.5 binary), NumPy 2.4.6, SciPy 1.17.1,
scikit-image 0.26.0, pypng 0.20220715.0; every run writes the versions it used into its JSON.

Subcommands (each prints a table and writes JSON):

  denoise  OUT [--images FILE_OR_DIR ...] [--sigmas 15,25,50] [--seed 0] [--ours '[NAME=]CMD' ...]
      Makes the denoising benchmark and scores BM3D on it. For each test photograph (default: the
      built-in test split, astronaut.png and hubble_deep_field.jpg) a colour version (RGB as read)
      and a gray version (BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B on [0, 1] values, the same
      coefficients as `Image.luma()`) are written as 16-bit clean references OUT/clean/*.png; then
      Gaussian noise σ/255 is added with NumPy's PCG64 seeded by (seed, CRC-32 of the name, σ, 0 gray
      / 1 colour) and the noisy image is CLIPPED to [0, 1] (a PNG cannot hold other values) and
      written as a 16-bit PNG OUT/noisy/*.png (the fraction of clipped samples is in the manifest:
      large on the dark hubble_deep_field, which makes its noise non-Gaussian for every method
      alike). OUT/manifest.json lists files, σ, seed and colour. BM3D gets the true σ (not the
      smaller σ of the clipped noise): `bm3d.bm3d(z, σ)` for gray, `bm3d.bm3d_rgb(z, σ)` (opponent
      colour space, its default) for colour, profile 'np' (the package default). Each command of
      `--ours` (placeholders {input} {output} {sigma} (in [0, 1]) {sigma255} {color} (gray/rgb)),
      e.g. '.build/release/deblur denoise {input} --prior ffdnet --sigma {sigma255} -o {output}',
      runs on the same noisy files. Every result is written as a 16-bit PNG (BM3D's output clipped
      to [0, 1], as `deblur compare` clamps every restoration before scoring) and scored FROM THE
      FILE against the clean file: PSNR (MSE over all channels, data range 1.0) and SSIM (Gaussian
      σ = 1.5, per channel, scikit-image; the variant `deblur score` uses). Times: BM3D's call alone
      (no I/O); ours the whole process (start-up, PNG I/O and weight loading included: an upper bound).

  deblur   DIR [DIR ...] [--deblur BIN] [--padding reflect,none]
      See bm3d_peer_deblur.py: `bm3d.bm3d_deblurring` with the true PSF on folders written by
      `deblur degrade`, with our reflect padding and without, scored by `deblur score`.

  speed    [--image Data/builtin/astronaut.png] [--psf-spec disk:5] [--repeats 3]
      Times `bm3d_deblurring` on a 512² RGB crop (padded and not), for the plug-and-play speed target.

Exact commands of the recorded runs (2026-12-05, a 2-core AMD EPYC shared with several builds:
load average 9-16, so wall times are inflated several-fold; the CPU seconds are the steadier figure):
    swift build -c release --product deblur
    /work/venv-peers/bin/python scripts/bench/bm3d_peer.py denoise /tmp/peers-runs/denoise \
        --images Data/builtin/astronaut.png --ours 'copy=cp {input} {output}'
    .build/release/deblur degrade builtin --split test --psf mixed --noise 0.01 --seed 0 -o /tmp/peers-runs/deg
    /work/venv-peers/bin/python scripts/bench/bm3d_peer.py deblur /tmp/peers-runs/deg --deblur .build/release/deblur
"""
import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
import zlib
from importlib.metadata import version

import numpy as np

if not hasattr(np, "trapz"):  # bm4d (imported by bm3d 4.0.3) calls np.trapz, removed in NumPy 2.4
    np.trapz = np.trapezoid
import bm3d  # noqa: E402
import png  # noqa: E402  (pypng: Pillow/imageio read 16-bit RGB PNGs as 8-bit, pypng keeps all bits)
from skimage.metrics import peak_signal_noise_ratio, structural_similarity  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_TEST_IMAGES = ["astronaut.png", "hubble_deep_field.jpg"]  # the built-in test split today
BT601 = np.array([0.299, 0.587, 0.114])


# ---- shared helpers (also used by bm3d_peer_deblur.py) -------------------------------------------

def versions():
    out = {"python": platform.python_version(), "machine": platform.machine()}
    for name in ["bm3d", "bm4d", "numpy", "scipy", "scikit-image", "pypng", "imageio"]:
        try:
            out[name] = version(name)
        except Exception:
            pass
    try:
        model = [l for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                 if l.startswith("Model name")]
        out["cpu"] = model[0].split(":", 1)[1].strip() if model else platform.processor()
    except OSError:
        out["cpu"] = platform.processor()
    out["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    out["load_average_at_start"] = os.getloadavg()
    return out


class Timer:
    """Wall and CPU seconds of a block: this process's CPU plus its finished children's (a shared
    machine inflates wall time; CPU time of a single-threaded peer is the steadier figure)."""
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.wall
        self.cpu_seconds = self._cpu() - self.cpu

    @staticmethod
    def _cpu():
        import resource
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def read_image(path):
    """A PNG (8- or 16-bit, pypng: exact) or any other format (imageio) as float64 in [0, 1],
    H×W (gray) or H×W×3; also returns the bit depth."""
    if path.lower().endswith(".png"):
        width, height, rows, info = png.Reader(filename=path).asDirect()
        a = np.vstack([np.asarray(r, dtype=np.uint32) for r in rows]).reshape(height, width, info["planes"])
        if info["alpha"]:
            a = a[..., :-1]
        depth = info["bitdepth"]
        a = a.astype(np.float64) / (2 ** depth - 1)
    else:
        import imageio.v3 as iio
        a = iio.imread(path)
        depth = 8 * a.dtype.itemsize
        a = a.astype(np.float64) / np.iinfo(a.dtype).max
        if a.ndim == 3 and a.shape[2] == 4:
            a = a[..., :3]
    return (a[..., 0] if a.ndim == 3 and a.shape[2] == 1 else a), depth


def write_png16(path, image):
    """Writes values in [0, 1] as a 16-bit PNG; refuses anything else (the caller clips, and says so)."""
    if not np.all(np.isfinite(image)) or image.min() < 0 or image.max() > 1:
        raise ValueError(f"{path}: values outside [0, 1] ({image.min()} … {image.max()}); clip first")
    q = np.round(image * 65535).astype(np.uint16)
    height, width = q.shape[:2]
    mode = "L;16" if q.ndim == 2 else "RGB;16"
    tmp = path + ".part"
    png.from_array(q.reshape(height, -1), mode).save(tmp)
    os.replace(tmp, path)


def psnr(reference, test):
    return float(peak_signal_noise_ratio(reference, test, data_range=1.0))


def ssim(reference, test):
    return float(structural_similarity(reference, test, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False,
                                       channel_axis=-1 if reference.ndim == 3 else None))


def write_json(path, obj):
    tmp = path + ".part"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def print_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))


# ---- denoise ----------------------------------------------------------------------------------------

def parse_ours(specs):
    """'[NAME=]CMD' → [(name, argv template)]; placeholders checked before anything runs."""
    out, allowed = [], {"input", "output", "sigma", "sigma255", "color"}
    for i, spec in enumerate(specs):
        m = re.match(r"^([A-Za-z0-9_.-]+)=(.*)$", spec)
        name, cmd = (m.group(1), m.group(2)) if m and "/" not in m.group(1) else (f"ours{i + 1 if len(specs) > 1 else ''}", spec)
        argv = shlex.split(cmd)
        used = {f for tok in argv for f in re.findall(r"{([^{}]*)}", tok)}
        if not argv or not {"input", "output"} <= used or used - allowed:
            sys.exit(f"--ours '{spec}': the template needs {{input}} and {{output}} and may use only "
                     f"{sorted(allowed)} (found {sorted(used)})")
        if name in ("bm3d", "clean", "noisy"):
            sys.exit(f"--ours: the name '{name}' is taken; use NAME=CMD with another name")
        out.append((name, argv))
    return out


def run_ours(argv, values, output):
    """Runs one filled-in template; returns (Timer, error or None). A stale output never counts."""
    if os.path.exists(output):
        os.remove(output)
    cmd = [tok.format(**values) for tok in argv]
    try:
        with Timer() as t:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    except OSError as e:
        return None, f"could not start {cmd[0]}: {e}"
    if proc.returncode != 0:
        return t, f"exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-300:]}"
    if not os.path.exists(output):
        return t, f"exit 0 but no file {output}"
    return t, None


def test_images(args):
    paths = []
    for item in args.images or [os.path.join(ROOT, "Data", "builtin", f) for f in DEFAULT_TEST_IMAGES]:
        if os.path.isdir(item):
            paths += sorted(os.path.join(item, f) for f in os.listdir(item)
                            if f.lower().endswith((".png", ".jpg", ".jpeg")))
        elif os.path.isfile(item):
            paths.append(item)
        else:
            sys.exit(f"--images: {item} is neither a file nor a folder")
    if not paths:
        sys.exit("no test images found")
    return paths


def make_inputs(args, out):
    """Writes clean/ and noisy/ and returns the manifest (σ in /255, the generator, clipping)."""
    for sub in ("clean", "noisy"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    items = []
    for path in test_images(args):
        rgb, _ = read_image(path)
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[..., None], 3, axis=2)
        stem = os.path.splitext(os.path.basename(path))[0]
        for color, clean in [("gray", rgb @ BT601), ("rgb", rgb)]:
            clean = np.round(np.clip(clean, 0, 1) * 65535) / 65535  # exactly what the clean file holds
            clean_file = f"clean/{stem}_{color}.png"
            write_png16(os.path.join(out, clean_file), clean)
            for s in args.sigmas:
                rng = np.random.default_rng([args.seed, zlib.crc32(stem.encode()), s, int(color == "rgb")])
                noisy = clean + (s / 255) * rng.standard_normal(clean.shape)
                clipped = float(np.mean((noisy < 0) | (noisy > 1)))
                noisy_file = f"noisy/{stem}_{color}_s{s}.png"
                write_png16(os.path.join(out, noisy_file), np.clip(noisy, 0, 1))
                items.append({"image": stem, "source": os.path.relpath(path, ROOT), "color": color,
                              "sigma255": s, "sigma": s / 255, "clean": clean_file, "noisy": noisy_file,
                              "clipped_fraction": clipped, "shape": list(clean.shape)})
    return {"seed": args.seed, "sigmas255": args.sigmas, "items": items,
            "noise": "clean + sigma * N(0,1) from numpy.random.default_rng([seed, crc32(image), sigma255, "
                     "0 gray | 1 rgb]), clipped to [0, 1], 16-bit PNG",
            "gray": "BT.601 luma 0.299 R + 0.587 G + 0.114 B of the [0, 1] RGB values",
            "versions": versions()}


def denoise(args):
    out = os.path.abspath(args.out)
    ours = parse_ours(args.ours)
    manifest = make_inputs(args, out)
    write_json(os.path.join(out, "manifest.json"), manifest)
    methods = ["bm3d"] + [name for name, _ in ours]
    for m in methods:
        os.makedirs(os.path.join(out, m), exist_ok=True)
    rows = []
    for item in manifest["items"]:
        clean, _ = read_image(os.path.join(out, item["clean"]))
        noisy_path = os.path.join(out, item["noisy"])
        noisy, _ = read_image(noisy_path)
        row = {k: item[k] for k in ("image", "color", "sigma255", "noisy")}
        row["noisy_psnr"] = psnr(clean, noisy)
        name = os.path.basename(item["noisy"])
        with Timer() as t:
            est = (bm3d.bm3d(noisy, item["sigma"]) if item["color"] == "gray" else bm3d.bm3d_rgb(noisy, item["sigma"]))
        result = os.path.join(out, "bm3d", name)
        row["bm3d_unclipped_psnr"] = psnr(clean, est)
        write_png16(result, np.clip(est, 0, 1))
        row["bm3d"] = score_file(clean, result, t)
        for mname, argv in ours:
            result = os.path.join(out, mname, name)
            values = {"input": noisy_path, "output": result, "sigma": repr(item["sigma"]),
                      "sigma255": str(item["sigma255"]), "color": item["color"]}
            t, error = run_ours(argv, values, result)
            row[mname] = {"error": error, **timing(t)} if error else score_file(clean, result, t)
        rows.append(row)
        print(f"  {name}: " + ", ".join(f"{m} {row[m]['psnr']:.2f} dB" if "psnr" in row[m] else f"{m} FAILED"
                                        for m in methods), flush=True)
        # Rewritten after every image, so an interrupted run keeps what it measured.
        write_json(os.path.join(out, "results.json"), {"versions": manifest["versions"], "methods": methods,
                                                        "rows": rows, "argv": sys.argv})
    print_denoise_table(rows, methods)
    print(f"wrote {out}/manifest.json and {out}/results.json")


def timing(t):
    return {"seconds": t.seconds, "cpu_seconds": t.cpu_seconds} if t else {}


def score_file(clean, path, t):
    test, _ = read_image(path)
    if test.shape != clean.shape:
        return {"error": f"{path} is {test.shape}, the clean image {clean.shape}", **timing(t)}
    return {"psnr": psnr(clean, test), "ssim": ssim(clean, test), "file": os.path.basename(path), **timing(t)}


def print_denoise_table(rows, methods):
    header = ["image", "color", "σ", "noisy dB"] + [f"{m} {u}" for m in methods for u in ("dB", "SSIM", "s", "cpu s")]
    cell = lambda r, m: ([f"{r[m]['psnr']:.2f}", f"{r[m]['ssim']:.4f}", f"{r[m]['seconds']:.2f}", f"{r[m]['cpu_seconds']:.2f}"]
                         if "psnr" in r[m] else ["failed", "", "", ""])
    table = [[r["image"], r["color"], r["sigma255"], f"{r['noisy_psnr']:.2f}"] + sum((cell(r, m) for m in methods), [])
             for r in rows]
    for color in ("gray", "rgb"):
        for s in sorted({r["sigma255"] for r in rows}):
            sel = [r for r in rows if r["color"] == color and r["sigma255"] == s]
            mean = lambda m, k: (f"{np.mean([r[m][k] for r in sel]):.{4 if k == 'ssim' else 2}f}"
                                 if all(k in r[m] for r in sel) else "—")
            table.append(["mean", color, s, f"{np.mean([r['noisy_psnr'] for r in sel]):.2f}"] +
                         sum(([mean(m, "psnr"), mean(m, "ssim"), mean(m, "seconds"), mean(m, "cpu_seconds")] for m in methods), []))
    print_table(header, table)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("denoise", help="the denoising benchmark: inputs, BM3D, and --ours on the same files")
    d.add_argument("out", help="output folder (made if missing)")
    d.add_argument("--images", nargs="+", help="test photographs: files and/or folders (default: the built-in test split)")
    d.add_argument("--sigmas", type=lambda s: [int(x) for x in s.split(",")], default=[15, 25, 50], help="σ in /255")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--ours", action="append", default=[], metavar="[NAME=]CMD",
                   help="a command template run on every noisy file ({input} {output} {sigma} {sigma255} {color})")
    import bm3d_peer_deblur
    bm3d_peer_deblur.add_parsers(sub)
    args = ap.parse_args()
    if args.command == "denoise":
        denoise(args)
    else:
        args.func(args)


if __name__ == "__main__":
    main()
