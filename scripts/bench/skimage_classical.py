#!/usr/bin/env python3
"""Times scikit-image's Wiener and Richardson-Lucy against `deblur bench classical` on the same
1024x1024 inputs (gray and RGB, disk:15 PSF), in the same run, and prints the ratios.

    pip install scikit-image==0.26.0        # the peer (not needed by CI)
    swift build -c release
    python3 scripts/bench/skimage_classical.py [--repeats 3]

scikit-image runs in float32 (its fastest), with its own conventions: `wiener` with the
Laplacian regulariser and no border handling (circular), `richardson_lucy` with zero padding
(scipy.signal.convolve, FFT method for these sizes). Ours is timed twice: with border handling
`none` (the same circular model: equal work) and with the default `reflect` (more work: a
padded, tapered domain), both with FFTW plans made before timing.
"""
import argparse, json, os, subprocess, sys, tempfile, time
import numpy as np
import skimage
from skimage import io, restoration

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
deblur = os.path.join(root, ".build", "release", "deblur")
ap = argparse.ArgumentParser()
ap.add_argument("--repeats", type=int, default=3)
args = ap.parse_args()
if not os.path.exists(deblur):
    sys.exit("build first: swift build -c release")

def ours(border, inputs=None):
    cmd = [deblur, "bench", "classical", "--json", "--border", border, "--repeats", str(args.repeats)]
    if inputs: cmd += ["--write-inputs", inputs]
    return json.loads(subprocess.check_output(cmd, cwd=root, text=True).strip().splitlines()[-1])

def median_time(f, n):
    times = []
    for _ in range(n):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]

with tempfile.TemporaryDirectory() as tmp:
    none = ours("none", tmp)
    reflect = ours("reflect")
    gray = io.imread(f"{tmp}/gray.png").astype(np.float32) / 65535
    rgb = io.imread(f"{tmp}/rgb.png").astype(np.float32) / 65535
    psf = io.imread(f"{tmp}/psf.png").astype(np.float32); psf /= psf.sum()

peer = {}
for name, img in [("gray", gray), ("rgb", rgb)]:
    chans = [img] if img.ndim == 2 else [img[..., c] for c in range(3)]
    peer[f"wiener_{name}_ms"] = 1000 * median_time(lambda: [restoration.wiener(c, psf, 0.02, clip=False) for c in chans], args.repeats)
    peer[f"rl30_{name}_ms"] = 1000 * median_time(lambda: [restoration.richardson_lucy(c, psf, num_iter=30, clip=False) for c in chans], args.repeats)

print(f"1024² images, disk:15 PSF; scikit-image {skimage.__version__} float32 vs deblur ({none['threads']} threads, FFTW plans: {none['planner']}); median of {args.repeats}")
print(f"{'task':12} {'scikit-image':>13} {'ours (none)':>12} {'ratio':>7} {'ours (reflect)':>15} {'ratio':>7}")
for key in ["wiener_gray_ms", "wiener_rgb_ms", "rl30_gray_ms", "rl30_rgb_ms"]:
    p, a, b = peer[key], none[key], reflect[key]
    print(f"{key[:-3]:12} {p:11.1f}ms {a:10.1f}ms {p/a:6.1f}× {b:13.1f}ms {p/b:6.1f}×")
