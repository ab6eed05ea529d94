#!/usr/bin/env python3
"""Reference values for the Metrics module (Tests/MetricsTests/Fixtures/).

    pip install scikit-image==0.26.0 sewar==0.4.10 tensorflow-cpu numpy scipy pillow
    scripts/setup.sh                      # Data/builtin/ images and Data/weights/st-lpips-alex.safetensors
    python3 scripts/reference/make_metrics_fixtures.py

Makes seven image pairs from the built-in photographs (blur, one-pixel shift, brightness change,
noise, JPEG artefacts, motion blur + noise at an odd size, gray blur + noise), stores them as 8-bit
PNG (the Swift tests read them with ImageIO: value = stored / 255 as float32) and writes
`reference.json` with, per pair, the value of every metric from an independent implementation:

  psnr, psnr_luma, psnr_crop8   skimage.metrics.peak_signal_noise_ratio(ref, test, data_range=1.0)
                                (crop8: on ref[8:-8, 8:-8] and test[8:-8, 8:-8])
  ssim, ssim_luma               skimage.metrics.structural_similarity(ref, test, data_range=1.0,
                                gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                channel_axis=-1 for colour)
  ssim_uniform                  skimage.metrics.structural_similarity(ref, test, data_range=1.0,
                                channel_axis=-1 for colour)   (its default: 7x7 uniform, sample covariance)
  ssim_full_map_mean            mean of the full=True SSIM map (Gaussian variant, borders included:
                                checks the map's border handling, SciPy mode 'reflect')
  ms_ssim, ms_ssim_luma         tf.image.ssim_multiscale(ref, test, max_val=1.0)  (float32 inside TF;
                                `ms_ssim_float64` is a float64 NumPy twin of TF's algorithm, for information)
  vif, vif_channels             sewar.full_ref.vifp(255*luma(ref), 255*luma(test)) and
                                sewar.full_ref.vifp(255*ref, 255*test) (mean of per-channel VIFp)
  st_lpips                      scripts/reference/stlpips_numpy.py (float64 NumPy forward pass; PyTorch
                                cannot be imported here), gray images replicated to three channels

All inputs are float64 arrays holding exactly the float32 values the Swift code sees
(np.float32(k) / np.float32(255)); luma is computed in float32 in the same order as
ImageCore's `Image.luma()` (0.299 R + 0.587 G + 0.114 B).
"""
import io
import json
import os
import platform
import sys

import numpy as np
import scipy
import scipy.ndimage as ndi
from PIL import Image

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(__file__))
import stlpips_numpy  # noqa: E402

out_dir = os.path.join(root, "Tests", "MetricsTests", "Fixtures")
builtin = os.path.join(root, "Data", "builtin")
weights_path = os.path.join(root, "Data", "weights", "st-lpips-alex.safetensors")


def load_builtin(name, gray=False):
    im = Image.open(os.path.join(builtin, name))
    return np.asarray(im.convert("L" if gray else "RGB"))


def quantise(x):
    """float in [0,1] (any shape) -> uint8, clipping explicitly (the fixture is what is stored)."""
    return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_float(u8):
    return u8.astype(np.float32) / np.float32(255)


def per_channel(u8, fn):
    x = u8.astype(np.float64) / 255.0
    if x.ndim == 2:
        return quantise(fn(x))
    return quantise(np.stack([fn(x[..., c]) for c in range(x.shape[2])], axis=-1))


def make_pairs():
    rng = np.random.default_rng(20240501)
    astro = load_builtin("astronaut.png")
    coffee = load_builtin("coffee.png")
    chelsea = load_builtin("chelsea.png")
    camera = load_builtin("camera.png", gray=True)
    S = 168  # >= 161, the smallest side MS-SSIM accepts with 5 scales and an 11x11 window

    a_ref = astro[40:40 + S, 170:170 + S]
    c_ref = coffee[150:150 + S, 200:200 + S]
    h_ref = chelsea[60:60 + 167, 120:120 + 163]
    g_ref = camera[60:60 + S, 200:200 + S]

    jpeg = io.BytesIO()
    Image.fromarray(c_ref).save(jpeg, format="JPEG", quality=15)
    c_jpeg = np.asarray(Image.open(io.BytesIO(jpeg.getvalue())).convert("RGB"))

    motion = np.ones((1, 9)) / 9.0
    pairs = [
        ("astronaut_blur", "astronaut_ref.png", a_ref, per_channel(a_ref, lambda x: ndi.gaussian_filter(x, 1.5)),
         "Gaussian blur sigma 1.5 (scipy.ndimage.gaussian_filter, mode reflect), 8-bit"),
        ("astronaut_shift", "astronaut_ref.png", a_ref, astro[40:40 + S, 171:171 + S],
         "one-pixel horizontal shift (the crop one column to the right)"),
        ("astronaut_brightness", "astronaut_ref.png", a_ref, per_channel(a_ref, lambda x: 0.85 * x + 0.08),
         "brightness/contrast change 0.85 x + 0.08, 8-bit"),
        ("coffee_noise", "coffee_ref.png", c_ref,
         quantise(c_ref / 255.0 + rng.normal(0.0, 0.05, c_ref.shape)),
         "additive Gaussian noise sigma 0.05 (numpy default_rng(20240501)), clipped to [0,1], 8-bit"),
        ("coffee_jpeg", "coffee_ref.png", c_ref, c_jpeg, "JPEG quality 15 (Pillow), decoded"),
        ("chelsea_motion_noise", "chelsea_ref.png", h_ref,
         quantise(np.stack([ndi.correlate(h_ref[..., c] / 255.0, motion, mode="reflect") for c in range(3)], -1)
                  + rng.normal(0.0, 0.01, h_ref.shape)),
         "horizontal motion blur length 9 (mode reflect) + Gaussian noise sigma 0.01, 8-bit, odd size 167x163"),
        ("camera_gray_blur_noise", "camera_ref.png", g_ref,
         quantise(ndi.gaussian_filter(g_ref / 255.0, 1.0) + rng.normal(0.0, 0.02, g_ref.shape)),
         "gray: Gaussian blur sigma 1 + Gaussian noise sigma 0.02, 8-bit"),
    ]
    return pairs


def luma(x32):
    if x32.ndim == 2:
        return x32
    r, g, b = x32[..., 0], x32[..., 1], x32[..., 2]
    return np.float32(0.299) * r + np.float32(0.587) * g + np.float32(0.114) * b


def ms_ssim_float64(x, y, max_val=1.0):
    """TF's ssim_multiscale algorithm in float64 (for information: how far TF's float32 result is)."""
    weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    t = np.arange(11) - 5.0
    g = np.exp(-t * t / (2 * 1.5 ** 2))
    g /= g.sum()
    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2

    def filt(a):
        a = ndi.correlate1d(a, g, axis=0, mode="constant")[5:-5]
        return ndi.correlate1d(a, g, axis=1, mode="constant")[:, 5:-5]

    values = []
    for ch in range(x.shape[2]):
        a, b = x[..., ch], y[..., ch]
        mcs = []
        for k in range(5):
            if k > 0:
                if a.shape[0] % 2:
                    a, b = np.vstack([a, a[-1:]]), np.vstack([b, b[-1:]])
                if a.shape[1] % 2:
                    a, b = np.hstack([a, a[:, -1:]]), np.hstack([b, b[:, -1:]])
                a = (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]) / 4
                b = (b[0::2, 0::2] + b[1::2, 0::2] + b[0::2, 1::2] + b[1::2, 1::2]) / 4
            mx, my = filt(a), filt(b)
            lum = (2 * mx * my + c1) / (mx * mx + my * my + c1)
            cs = (2 * (filt(a * b) - mx * my) + c2) / (filt(a * a) - mx * mx + filt(b * b) - my * my + c2)
            mcs.append(max(cs.mean(), 0.0))
            ssim_last = max((lum * cs).mean(), 0.0)
        values.append(np.prod(np.array(mcs[:-1] + [ssim_last]) ** np.array(weights)))
    return float(np.mean(values))


def main():
    import skimage
    import tensorflow as tf
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
    import sewar
    from sewar.full_ref import vifp

    try:
        from importlib.metadata import version
        sewar_version = version("sewar")
        tf_version = tf.__version__
    except Exception:  # pragma: no cover
        sewar_version, tf_version = "unknown", tf.__version__

    os.makedirs(out_dir, exist_ok=True)
    weights = stlpips_numpy.load_safetensors(weights_path)
    written = set()
    entries = []
    for name, ref_file, ref_u8, test_u8, what in make_pairs():
        test_file = f"{name}.png"
        if ref_file not in written:
            Image.fromarray(ref_u8).save(os.path.join(out_dir, ref_file), optimize=True)
            written.add(ref_file)
        Image.fromarray(test_u8).save(os.path.join(out_dir, test_file), optimize=True)
        # Re-read what was stored, exactly as the tests will.
        r32 = to_float(np.asarray(Image.open(os.path.join(out_dir, ref_file))))
        t32 = to_float(np.asarray(Image.open(os.path.join(out_dir, test_file))))
        colour = r32.ndim == 3
        r, t = r32.astype(np.float64), t32.astype(np.float64)
        rl, tl = luma(r32).astype(np.float64), luma(t32).astype(np.float64)
        axis = -1 if colour else None
        v = {}
        v["psnr"] = peak_signal_noise_ratio(r, t, data_range=1.0)
        v["psnr_luma"] = peak_signal_noise_ratio(rl, tl, data_range=1.0)
        v["psnr_crop8"] = peak_signal_noise_ratio(r[8:-8, 8:-8], t[8:-8, 8:-8], data_range=1.0)
        gauss = dict(data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
        v["ssim"] = structural_similarity(r, t, channel_axis=axis, **gauss)
        v["ssim_luma"] = structural_similarity(rl, tl, **gauss)
        v["ssim_uniform"] = structural_similarity(r, t, channel_axis=axis, data_range=1.0)
        _, full = structural_similarity(r, t, channel_axis=axis, full=True, **gauss)
        v["ssim_full_map_mean"] = float(np.mean(full))
        tr = tf.constant(r32 if colour else r32[..., None])
        tt = tf.constant(t32 if colour else t32[..., None])
        v["ms_ssim"] = float(tf.image.ssim_multiscale(tr, tt, max_val=1.0).numpy())
        v["ms_ssim_float64"] = ms_ssim_float64(r, t)
        v["ms_ssim_luma"] = float(tf.image.ssim_multiscale(
            tf.constant(luma(r32)[..., None]), tf.constant(luma(t32)[..., None]), max_val=1.0).numpy())
        v["vif"] = float(vifp(255.0 * rl, 255.0 * tl))
        v["vif_channels"] = float(vifp(255.0 * r, 255.0 * t))
        chw = (lambda a: a.transpose(2, 0, 1)) if colour else (lambda a: np.stack([a, a, a]))
        v["st_lpips"] = stlpips_numpy.stlpips(weights, chw(r), chw(t))
        entries.append({
            "name": name, "reference": ref_file, "test": test_file, "distortion": what,
            "channels": 3 if colour else 1, "height": int(r.shape[0]), "width": int(r.shape[1]),
            "values": {k: float(x) for k, x in v.items()},
        })
        print(name, {k: round(float(x), 6) for k, x in v.items()})

    doc = {
        "generator": "scripts/reference/make_metrics_fixtures.py",
        "command": "python3 scripts/reference/make_metrics_fixtures.py",
        "tools": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-image": skimage.__version__,
            "tensorflow": tf_version,
            "sewar": sewar_version,
            "pillow": Image.__version__,
            "st_lpips": "independent NumPy float64 forward pass (scripts/reference/stlpips_numpy.py) of "
                        "stlpips-pytorch 0.0.2 LPIPS(net='alex', variant='shift_tolerant'); PyTorch from PyPI "
                        "does not import on this machine, so the PyTorch package itself was not run",
        },
        "calls": {
            "psnr": "skimage.metrics.peak_signal_noise_ratio(ref, test, data_range=1.0)",
            "ssim": "skimage.metrics.structural_similarity(ref, test, data_range=1.0, gaussian_weights=True, "
                    "sigma=1.5, use_sample_covariance=False, channel_axis=-1)",
            "ssim_uniform": "skimage.metrics.structural_similarity(ref, test, data_range=1.0, channel_axis=-1)",
            "ssim_full_map_mean": "numpy.mean(structural_similarity(..., gaussian_weights=True, sigma=1.5, "
                                  "use_sample_covariance=False, full=True)[1])",
            "ms_ssim": "tf.image.ssim_multiscale(ref, test, max_val=1.0)",
            "vif": "sewar.full_ref.vifp(255 * luma(ref), 255 * luma(test))",
            "vif_channels": "sewar.full_ref.vifp(255 * ref, 255 * test)",
            "st_lpips": "stlpips_numpy.stlpips(weights, ref_chw, test_chw)",
        },
        "pixels": "8-bit PNG; value = float32(k) / float32(255); luma in float32 as ImageCore",
        "pairs": entries,
    }
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
