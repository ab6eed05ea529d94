#!/usr/bin/env python3
"""Python peers for `deblur bench metrics`: times scikit-image SSIM / PSNR, sewar VIFp and (when
installed) TensorFlow MS-SSIM on the same image pair, and prints one JSON object.

    python3 scripts/bench/python_metrics.py REFERENCE.png TEST.png [--repeats 5] [--slow-repeats 2]

Output: {"versions": {...}, "results": {"name": {"seconds": median, "value": v, "runs": n}, ...}}
Each peer gets exactly the inputs its users would give it: scikit-image float32 arrays in [0, 1]
(channel_axis=-1), sewar float64 arrays on the 0-255 scale (RGB: mean of per-channel VIFp, and luma),
TensorFlow float32 tensors. Missing packages are reported under "missing" instead of failing.
"""
import argparse
import json
import platform
import sys
import time

import numpy as np
from PIL import Image


def median_time(fn, runs):
    times, value = [], None
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return {"seconds": times[len(times) // 2], "value": float(value), "runs": len(times)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("test")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slow-repeats", type=int, default=2, help="runs for sewar vifp (seconds each)")
    args = parser.parse_args()

    ref8 = np.asarray(Image.open(args.reference).convert("RGB"))
    test8 = np.asarray(Image.open(args.test).convert("RGB"))
    ref = ref8.astype(np.float32) / np.float32(255)
    test = test8.astype(np.float32) / np.float32(255)
    w = [np.float32(0.299), np.float32(0.587), np.float32(0.114)]
    ref_y = w[0] * ref[..., 0] + w[1] * ref[..., 1] + w[2] * ref[..., 2]
    test_y = w[0] * test[..., 0] + w[1] * test[..., 1] + w[2] * test[..., 2]

    results, versions, missing = {}, {"python": platform.python_version(), "numpy": np.__version__}, []
    try:
        import skimage
        from skimage.metrics import peak_signal_noise_ratio, structural_similarity
        versions["scikit-image"] = skimage.__version__
        results["psnr"] = median_time(lambda: peak_signal_noise_ratio(ref, test, data_range=1.0), args.repeats)
        results["ssim"] = median_time(lambda: structural_similarity(
            ref, test, data_range=1.0, channel_axis=-1, gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False), args.repeats)
        results["ssim_uniform7"] = median_time(lambda: structural_similarity(
            ref, test, data_range=1.0, channel_axis=-1), args.repeats)
    except ImportError:
        missing.append("scikit-image")
    try:
        from importlib.metadata import version
        from sewar.full_ref import vifp
        versions["sewar"] = version("sewar")
        r255, t255 = ref.astype(np.float64) * 255.0, test.astype(np.float64) * 255.0
        ry, ty = ref_y.astype(np.float64) * 255.0, test_y.astype(np.float64) * 255.0
        results["vif_channels"] = median_time(lambda: vifp(r255, t255), args.slow_repeats)
        results["vif"] = median_time(lambda: vifp(ry, ty), args.slow_repeats)
    except ImportError:
        missing.append("sewar")
    try:
        import os
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        versions["tensorflow"] = tf.__version__
        tr, tt = tf.constant(ref), tf.constant(test)
        tf.image.ssim_multiscale(tr, tt, max_val=1.0)  # warm-up (graph building)
        results["ms_ssim"] = median_time(
            lambda: tf.image.ssim_multiscale(tr, tt, max_val=1.0).numpy(), args.repeats)
    except ImportError:
        missing.append("tensorflow")
    json.dump({"versions": versions, "results": results, "missing": missing}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
