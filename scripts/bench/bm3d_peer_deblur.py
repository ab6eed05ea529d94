"""The `deblur` and `speed` subcommands of bm3d_peer.py: `bm3d.bm3d_deblurring` (Dabov, Foi,
Katkovnik & Egiazarian 2008, "Image restoration by sparse 3D transform-domain collaborative
filtering"; PyPI bm3d 4.0.3, profile 'np', the package default) with the TRUE PSF, on folders
written by `deblur degrade`, scored by our own `deblur score` (every metric) and scikit-image PSNR.

Run through bm3d_peer.py:
    deblur degrade builtin --split test --psf mixed --noise 0.01 --seed 0 -o /tmp/deg
    python scripts/bench/bm3d_peer.py deblur /tmp/deg [/tmp/deg2 ...] --deblur .build/release/deblur

Fairness decisions:
- Data: `deblur degrade` blurs by VALID convolution (the sharp/ image is the centre the blur fully
  covers, so sharp/ and blurred/ have the same size and align pixel for pixel: `deblur compare`
  scores them as they are, with no crop) then adds N(0, σ²) and quantises to 8 bits with a clamp to
  [0, 1]. Nothing here is circular; bm3d_deblurring assumes circular blur.
- Padding `reflect` mirrors our `--border reflect` (Sources/Deconvolution/Borders.swift,
  WorkingDomain): half-sample symmetric extension by pad = 2·max(kh, kw) on every side, the domain
  grown at the bottom/right to the next 2·3·5·7-smooth size (fastFFTSize), the padded image's own
  edges blended with MATLAB `edgetaper` weights (α from the PSF projections' circular
  autocorrelation, J = α·I + (1 − α)·(h ⊛ I)); deblur on that domain; crop the image back.
  Padding `none` gives bm3d_deblurring the image as it is (its own circular model): the border loss.
- PSF: psf/FILE.png of the degrade folder is the kernel at its own size as 16-bit weight/max — the
  same bytes as `deblur psf SPEC --raw` for the manifest's spec (checked per case when the tool is
  given: "psf_matches_spec_render"); renormalised to sum 1 it is the exact kernel to ~1e-5 relative
  (16-bit rounding of weight/max), far below the noise. Orientation and centring are checked per
  case too: "model_residual_std" is the std of blurred − h ⊛ sharp on the interior (≈ σ if the
  kernel, its flip and its centre are right; the flipped kernel's residual is recorded beside it).
- σ passed: sqrt(σ² + q²/12) with σ from the manifest and q = 1/(2^bitdepth − 1) of the blurred
  PNG (8-bit: 0.01 → 0.010064); Poisson noise (if any) adds its mean variance mean(y)/peak.
- Colour: bm3d 4.0.3's multichannel bm3d_deblurring fails (its Wiener stage hands every channel
  the same 3-channel pilot), and its 2-D path broadcasts a scalar σ's PSD to 1×H×W; so each plane
  is deblurred on its own, passed as H×W×1. RGB goes through bm3d's own opponent transform
  (`bm3d.rgb_to(…, 'opp')`, the space `bm3d_rgb` denoises in; it commutes with the blur since the
  PSF sums to 1) with each channel's σ scaled as bm3d_rgb scales it, and back (`--color rgb`:
  per RGB channel instead). The 2008 method is defined for gray images; this is its usual
  colour extension, with block matching per channel rather than on luminance.
- Output clipped to [0, 1] (as `deblur compare` clamps every restoration before scoring) and written
  as 16-bit PNG; every score is computed from that file. Time: the bm3d call plus padding, taper
  and colour transform (no file I/O), single process.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import bm3d
import bm3d_peer as common


def fast_fft_size(n):
    """Sources/Spectral/FFT.swift fastFFTSize: the smallest n' ≥ n with prime factors 2, 3, 5, 7."""
    while True:
        m = n
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def reflect_index(i, n):
    """BoundaryMode.reflect.sourceIndex: half-sample symmetric, period 2n."""
    m = np.mod(i, 2 * n)
    return np.where(m < n, m, 2 * n - 1 - m)


def otf(psf, shape):
    """psfToOTF: the kernel zero-padded and rolled so its centre (kh/2, kw/2) is at the origin."""
    big = np.zeros(shape)
    big[:psf.shape[0], :psf.shape[1]] = psf
    return np.fft.rfft2(np.roll(big, (-(psf.shape[0] // 2), -(psf.shape[1] // 2)), axis=(0, 1)))


def circular_blur(plane, psf):
    return np.fft.irfft2(np.fft.rfft2(plane) * otf(psf, plane.shape), s=plane.shape)


def taper_alpha(projection, n):
    """TaperWeights.alpha: 1 − β, β the circular autocorrelation of the projection over n − 1
    samples normalised to max 1, then its first value repeated."""
    m = max(1, n - 1)
    p = np.zeros(max(m, len(projection)))
    p[:len(projection)] = projection
    idx = np.arange(len(projection))
    z = np.array([np.dot(projection, np.where((idx + lag) % m < len(projection), p[(idx + lag) % m], 0))
                  for lag in range(m)])
    beta = np.append(z / z.max(), z[0] / z.max())
    return 1 - beta[:n]


def reflect_domain(image, psf):
    """The `--border reflect` working domain: (padded and tapered image, (top, left))."""
    h, w = image.shape[:2]
    pad = 2 * max(psf.shape)
    hh, ww = fast_fft_size(h + 2 * pad), fast_fft_size(w + 2 * pad)
    rows, cols = reflect_index(np.arange(hh) - pad, h), reflect_index(np.arange(ww) - pad, w)
    padded = image[rows][:, cols]
    alpha = np.outer(taper_alpha(psf.sum(axis=1), hh), taper_alpha(psf.sum(axis=0), ww))
    planes = [padded] if padded.ndim == 2 else [padded[..., c] for c in range(padded.shape[2])]
    tapered = [alpha * p + (1 - alpha) * circular_blur(p, psf) for p in planes]
    return (tapered[0] if padded.ndim == 2 else np.stack(tapered, axis=2)), (pad, pad)


def bm3d_deblur(blurred, psf, sigma, padding, color="opp"):
    """bm3d_deblurring on the chosen domain. Colour: one call per channel (bm3d 4.0.3's multichannel
    path gives every channel the same Wiener pilot and fails), in bm3d's opponent space (`opp`,
    σ scaled per channel as bm3d_rgb does) or in RGB."""
    h, w = blurred.shape[:2]
    z, (top, left) = reflect_domain(blurred, psf) if padding == "reflect" else (blurred, (0, 0))
    # One plane at a time, passed as H×W×1: for a 2-D plane and a scalar σ, bm3d 4.0.3 builds its
    # PSD as ones(H, W) * σ².reshape(1, 1, 1), which broadcasts to 1×H×W, and fails.
    deblur_plane = lambda plane, s: bm3d.bm3d_deblurring(plane[..., None], s, psf)
    if z.ndim == 2:
        est = deblur_plane(z, sigma)
    elif color == "rgb":
        est = np.stack([deblur_plane(z[..., c], sigma) for c in range(3)], axis=2)
    else:
        opp, imax, imin, scale, _ = bm3d.rgb_to(z, "opp")
        est = np.stack([deblur_plane(opp[..., c], sigma * np.sqrt(scale[c])) for c in range(3)], axis=2)
        est, _, _, _, _ = bm3d.rgb_to(est, "opp", True, imax, imin)
    return est[top:top + h, left:left + w]


def deblur_tool(args):
    path = args.deblur or os.path.join(common.ROOT, ".build", "release", "deblur")
    if not os.access(path, os.X_OK):
        sys.exit(f"{path} is not an executable `deblur`; build it (swift build -c release) or pass --deblur")
    return path


def our_scores(tool, sharp, restored):
    out = subprocess.run([tool, "score", sharp, restored, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip()[-300:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def psf_matches_spec(tool, spec, psf_path):
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "psf.png")
        r = subprocess.run([tool, "psf", spec, "--raw", "-o", target], capture_output=True, text=True)
        if r.returncode != 0:
            return f"deblur psf failed: {r.stderr.strip()[-200:]}"
        return bool(np.array_equal(common.read_image(target)[0], common.read_image(psf_path)[0]))


def model_residual(sharp, blurred, psf):
    """std of blurred − h ⊛ sharp away from the border (circular blur is exact there), for the
    kernel and for its flip: the first ≈ σ and the second larger means orientation and centre agree."""
    r = max(psf.shape)
    planes = lambda a: [a] if a.ndim == 2 else [a[..., c] for c in range(a.shape[2])]
    def std(k):
        return float(np.std([(b - circular_blur(s, k))[r:-r, r:-r] for s, b in zip(planes(sharp), planes(blurred))]))
    return std(psf), std(psf[::-1, ::-1])


def deblur(args):
    tool = deblur_tool(args)
    paddings = args.padding.split(",")
    rows = []
    path = args.json or os.path.join(args.out or args.dirs[0], "bm3d_deblurring.json")
    result = {"versions": common.versions(), "argv": sys.argv, "paddings": paddings, "color": args.color,
              "method": f"bm3d.bm3d_deblurring(plane[..., None], sigma, psf), profile 'np', one call per "
                        f"channel ({args.color} space for RGB)"}
    for folder in args.dirs:
        manifest = json.load(open(os.path.join(folder, "manifest.json")))
        outdir = os.path.join(args.out or folder, "bm3d_deblurring")
        for p in paddings:
            os.makedirs(os.path.join(outdir, p), exist_ok=True)
        for item in manifest["items"]:
            f = item["file"]
            sharp_path, blurred_path = (os.path.join(folder, s, f) for s in ("sharp", "blurred"))
            psf_path = os.path.join(folder, "psf", f)
            sharp, _ = common.read_image(sharp_path)
            blurred, depth = common.read_image(blurred_path)
            psf = common.read_image(psf_path)[0]
            psf = psf / psf.sum()
            var = item["noiseSigma"] ** 2 + 1 / (12 * (2 ** depth - 1) ** 2)
            if item.get("poissonPeak"):
                var += float(np.mean(blurred)) / item["poissonPeak"]
            sigma = float(np.sqrt(var))
            res, res_flip = model_residual(sharp, blurred, psf)
            row = {"folder": folder, "file": f, "kind": item["psf"]["kind"], "spec": item["psf"]["spec"],
                   "shape": list(blurred.shape), "sigma_passed": sigma, "blurred_psnr": common.psnr(sharp, blurred),
                   "psf_matches_spec_render": psf_matches_spec(tool, item["psf"]["spec"], psf_path),
                   "model_residual_std": res, "model_residual_std_flipped_psf": res_flip}
            for p in paddings:
                with common.Timer() as t:
                    est = bm3d_deblur(blurred, psf, sigma, p, args.color)
                out_path = os.path.join(outdir, p, f)
                common.write_png16(out_path, np.clip(est, 0, 1))
                restored, _ = common.read_image(out_path)
                row[p] = {"psnr": common.psnr(sharp, restored), "seconds": t.seconds, "cpu_seconds": t.cpu_seconds, "file": out_path,
                          "unclipped_psnr": common.psnr(sharp, est), "deblur_score": our_scores(tool, sharp_path, out_path)}
            rows.append(row)
            print(f"  {f} ({row['spec']}): blurred {row['blurred_psnr']:.2f} dB, " +
                  ", ".join(f"{p} {row[p]['psnr']:.2f} dB {row[p]['seconds']:.1f} s" for p in paddings), flush=True)
            # Rewritten after every case, so an interrupted run keeps what it measured.
            common.write_json(path, {**result, "rows": rows})
    print_deblur_table(rows, paddings)
    print(f"wrote {path}")


def print_deblur_table(rows, paddings):
    metrics = ["psnr", "ssim", "st_lpips"]
    header = ["case", "spec", "blurred"] + [f"{p} {m}" for p in paddings for m in metrics] + [f"{p} s" for p in paddings]
    fmt = lambda v: f"{v:.4f}" if isinstance(v, float) and v < 2 else (f"{v:.2f}" if isinstance(v, float) else str(v))
    cells = lambda r: ([fmt(r[p]["deblur_score"].get(m, "—")) for p in paddings for m in metrics] +
                       [f"{r[p]['seconds']:.1f}" for p in paddings])
    table = [[r["file"], r["spec"], f"{r['blurred_psnr']:.2f}"] + cells(r) for r in rows]
    for kind in sorted({r["kind"] for r in rows}) + ["all"]:
        sel = [r for r in rows if kind in ("all", r["kind"])]
        mean = lambda p, m: fmt(float(np.mean([r[p]["deblur_score"][m] for r in sel]))) \
            if all(isinstance(r[p]["deblur_score"].get(m), float) for r in sel) else "—"
        table.append([f"mean {kind} ({len(sel)})", "", f"{np.mean([r['blurred_psnr'] for r in sel]):.2f}"] +
                     [mean(p, m) for p in paddings for m in metrics] +
                     [f"{np.mean([r[p]['seconds'] for r in sel]):.1f}" for p in paddings])
    common.print_table(header, table)


def speed(args):
    """bm3d_deblurring on a centre crop (512² RGB by default), median of --repeats, both paddings."""
    tool = deblur_tool(args)
    image, _ = common.read_image(args.image)
    h, w = image.shape[:2]
    s = args.size
    if h < s or w < s:
        sys.exit(f"{args.image} is {w}×{h}, smaller than --size {s}")
    crop = image[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([tool, "psf", args.psf_spec, "--raw", "-o", f"{tmp}/psf.png"], check=True, capture_output=True)
        psf, _ = common.read_image(f"{tmp}/psf.png")
    psf /= psf.sum()
    rng = np.random.default_rng(0)
    planes = [crop] if crop.ndim == 2 else [crop[..., c] for c in range(crop.shape[2])]
    blurred = np.stack([circular_blur(p, psf) for p in planes], axis=-1).squeeze() + 0.01 * rng.standard_normal(crop.shape)
    result = {"versions": common.versions(), "image": args.image, "size": s, "psf": args.psf_spec, "repeats": args.repeats}
    for p in args.padding.split(","):
        times, cpu = [], []
        for _ in range(args.repeats):
            with common.Timer() as t:
                bm3d_deblur(blurred, psf, 0.01, p)
            times.append(t.seconds)
            cpu.append(t.cpu_seconds)
        result[p] = {"median_seconds": float(np.median(times)), "seconds": times, "cpu_seconds": cpu}
        print(f"bm3d_deblurring {s}×{s}{' RGB' if crop.ndim == 3 else ''}, {args.psf_spec}, padding {p}: "
              f"median {np.median(times):.2f} s wall of {args.repeats} ({', '.join(f'{t:.2f}' for t in times)}), "
              f"CPU {', '.join(f'{t:.2f}' for t in cpu)} s", flush=True)
    print(json.dumps(result))


def add_parsers(sub):
    d = sub.add_parser("deblur", help="bm3d_deblurring with the true PSF on `deblur degrade` folders")
    d.add_argument("dirs", nargs="+", help="folders written by `deblur degrade` (sharp/ blurred/ psf/ manifest.json)")
    d.add_argument("--deblur", help="our release binary (default: .build/release/deblur of this checkout)")
    d.add_argument("--padding", default="reflect,none", help="reflect (our --border reflect), none, or both")
    d.add_argument("--out", help="folder for restored images (default: each DIR) and the JSON")
    d.add_argument("--json", help="results file (default: OUT/bm3d_deblurring.json)")
    d.add_argument("--color", choices=["opp", "rgb"], default="opp",
                   help="space of the per-channel calls for RGB: bm3d's opponent space (default) or RGB")
    d.set_defaults(func=deblur)
    s = sub.add_parser("speed", help="time bm3d_deblurring on a 512² RGB crop")
    s.add_argument("--image", default=os.path.join(common.ROOT, "Data", "builtin", "astronaut.png"))
    s.add_argument("--size", type=int, default=512)
    s.add_argument("--psf-spec", default="disk:5", help="rendered by `deblur psf SPEC --raw`")
    s.add_argument("--padding", default="reflect,none")
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--deblur", help="our release binary")
    s.set_defaults(func=speed)
