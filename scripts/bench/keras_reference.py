#!/usr/bin/env python3
"""TensorFlow/Keras peer of `deblur bench nn`: the same two architectures, shapes, batch sizes,
loss and optimiser, timed the same way (median of N training steps after one warm-up step; median
of N inference runs after one warm-up run), on the same number of threads, in the same run.

    pip install tensorflow-cpu          # the peer (not needed by CI); measured with 2.21
    swift build -c release
    python3 scripts/bench/keras_reference.py [--steps 6] [--runs 5] [--threads 2] [--rounds 3] [--skip-ours]

Runs ours first (`.build/release/deblur bench nn --json`), then TensorFlow, and prints both with
the ratio ours/TF. When OPENBLAS_CORETYPE is set in the environment (it forces OpenBLAS's kernel
family, e.g. Haswell = AVX2 on an AVX-512 machine), ours also runs without it ("ours native"). `--json` prints only TensorFlow's figures, with the same keys as ours:
{"autoencoder": {"train_images_per_second", "infer_images_per_second"},
 "unet": {"train_images_per_second", "infer_512_seconds"}, "sgemm_gflops"}
where TensorFlow's "sgemm_gflops" is tf.linalg.matmul on 2048x2048 float32 (best of 4).

(a) the paper's autoencoder, 128x128x3, batch 32, MSE, Adam (1,331,459 parameters);
(b) a 3-level U-Net (32-64-128), 64x64x3, batch 16, MSE, Adam, residual output (466,595 parameters);
    inference: one 512x512x3 image.
Peak memory: VmHWM of this process, reset before each phase (echo 5 > /proc/self/clear_refs).
"""
import argparse
import json
import os
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=6)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--threads", type=int, default=int(os.environ.get("DEBLUR_THREADS", os.cpu_count() or 2)))
ap.add_argument("--skip-ours", action="store_true")
ap.add_argument("--json", action="store_true")
ap.add_argument("--rounds", type=int, default=1,
                help="alternate ours and TensorFlow this many times and report each side's best round "
                     "(on a shared machine, noise hits whichever side runs during it)")
args = ap.parse_args()

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ours = {}  # column label -> ours' JSON, one per round
if not args.skip_ours and not args.json:
    deblur = os.path.join(root, ".build", "release", "deblur")
    if not os.path.exists(deblur):
        sys.exit("build first: swift build -c release (or pass --skip-ours)")
    cmd = [deblur, "bench", "nn", "--json", "--steps", str(args.steps), "--runs", str(args.runs)]
    env = dict(os.environ, DEBLUR_THREADS=str(args.threads))
    forced = os.environ.get("OPENBLAS_CORETYPE")
    runs = [(f"ours {forced}" if forced else "ours", env)]
    if forced:  # also with OpenBLAS's own kernel choice (the environment forces a family)
        runs.append(("ours native", {k: v for k, v in env.items() if k != "OPENBLAS_CORETYPE"}))


def run_ours():
    if args.skip_ours or args.json:
        return
    for label, e in runs:
        ours.setdefault(label, []).append(
            json.loads(subprocess.check_output(cmd, cwd=root, text=True, env=e).strip().splitlines()[-1]))


run_ours()

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402
from tensorflow.keras import layers  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
keras.utils.set_random_seed(1)


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def median_time(f, n):
    f()  # warm-up (tracing, allocation)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def autoencoder():
    conv = dict(kernel_size=3, padding="same", activation="relu")
    return keras.Sequential([
        keras.Input((128, 128, 3)),
        layers.Conv2D(64, strides=2, **conv), layers.Conv2D(128, strides=2, **conv), layers.Conv2D(256, strides=2, **conv),
        layers.Conv2DTranspose(256, strides=2, **conv), layers.Conv2DTranspose(128, strides=2, **conv),
        layers.Conv2DTranspose(64, strides=2, **conv),
        layers.Conv2D(3, 3, padding="same", activation="sigmoid"),
    ])


def unet():
    def block(x, c):
        x = layers.Conv2D(c, 3, padding="same", activation="relu")(x)
        return layers.Conv2D(c, 3, padding="same", activation="relu")(x)
    inp = keras.Input((None, None, 3))
    s1 = block(inp, 32)
    s2 = block(layers.MaxPooling2D(2)(s1), 64)
    b = block(layers.MaxPooling2D(2)(s2), 128)
    u2 = block(layers.Concatenate()([layers.Conv2DTranspose(64, 2, strides=2)(b), s2]), 64)
    u1 = block(layers.Concatenate()([layers.Conv2DTranspose(32, 2, strides=2)(u2), s1]), 32)
    return keras.Model(inp, layers.Add()([inp, layers.Conv2D(3, 1)(u1)]))


def measure(model, batch, target, infer_input, throughput):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    reset_peak()
    step = median_time(lambda: model.train_on_batch(batch, target), args.steps)
    train_mb = peak_mb()
    predict = tf.function(lambda x: model(x, training=False))
    reset_peak()
    infer = median_time(lambda: predict(infer_input).numpy(), args.runs)
    infer_mb = peak_mb()
    return (len(batch) / step, len(infer_input) / infer if throughput else infer, train_mb, infer_mb)


rng = np.random.default_rng(2)
ae = autoencoder()
assert ae.count_params() == 1_331_459, ae.count_params()
x = rng.random((32, 128, 128, 3), dtype=np.float32)
un = unet()
assert un.count_params() == 466_595, un.count_params()
xb, yb = rng.random((16, 64, 64, 3), dtype=np.float32), rng.random((16, 64, 64, 3), dtype=np.float32)
x512 = rng.random((1, 512, 512, 3), dtype=np.float32)
a = tf.constant(rng.random((2048, 2048), dtype=np.float32))
b = tf.constant(rng.random((2048, 2048), dtype=np.float32))
matmul = tf.function(lambda: tf.linalg.matmul(a, b))


def run_tf():
    ae_res = measure(ae, x, x, x, True)
    un_res = measure(un, xb, yb, x512, False)
    matmul().numpy()
    best = min(median_time(lambda: matmul().numpy(), 1) for _ in range(4))
    return {
        "autoencoder": {"train_images_per_second": round(ae_res[0], 2), "infer_images_per_second": round(ae_res[1], 2)},
        "unet": {"train_images_per_second": round(un_res[0], 2), "infer_512_seconds": round(un_res[1], 4)},
        "sgemm_gflops": round(2 * 2048 ** 3 / best / 1e9, 2),
    }, ae_res[2:] + un_res[2:]


tf_rounds, memory = [], None
for r in range(max(1, args.rounds)):
    if r > 0:
        run_ours()
    result, mem = run_tf()
    tf_rounds.append(result)
    memory = mem if memory is None else tuple(max(p, q) for p, q in zip(memory, mem))


def best_of(results):
    """Each measure's best round: highest throughput, lowest latency."""
    out = json.loads(json.dumps(results[0]))
    for key, sub, higher in [("autoencoder", "train_images_per_second", True), ("autoencoder", "infer_images_per_second", True),
                             ("unet", "train_images_per_second", True), ("unet", "infer_512_seconds", False),
                             ("sgemm_gflops", None, True)]:
        values = [r[key] if sub is None else r[key][sub] for r in results]
        v = max(values) if higher else min(values)
        if sub is None:
            out[key] = v
        else:
            out[key][sub] = v
    return out


tf_res = best_of(tf_rounds)
ours = {label: best_of(results) for label, results in ours.items()}
if args.json:
    print(json.dumps(tf_res))
    sys.exit()

print(f"TensorFlow {tf.__version__}, {args.threads} intra-op threads; median of {args.steps} training steps / {args.runs} inference runs"
      + (f"; best of {args.rounds} alternating rounds per side" if args.rounds > 1 else ""))
ae_train_mb, ae_infer_mb, un_train_mb, un_infer_mb = memory  # highest over the rounds
print(f"peak RSS (TF process, reset per phase): autoencoder train {ae_train_mb:.0f} MB, infer {ae_infer_mb:.0f} MB; "
      f"unet train {un_train_mb:.0f} MB, infer {un_infer_mb:.0f} MB")
rows = [("autoencoder train (img/s)", "autoencoder", "train_images_per_second", True),
        ("autoencoder infer b32 (img/s)", "autoencoder", "infer_images_per_second", True),
        ("unet train (img/s)", "unet", "train_images_per_second", True),
        ("unet infer 1x512x512 (s)", "unet", "infer_512_seconds", False),
        ("sgemm / matmul 2048^3 (GFLOP/s)", "sgemm_gflops", None, True)]
labels = list(ours)
print(f"{'measure':34s}" + "".join(f"{l:>18s}" for l in labels) + f"{'TensorFlow':>12s}" + "".join(f"{l + ' vs TF':>20s}" for l in labels))
for label, key, sub, higher in rows:
    t = tf_res[key] if sub is None else tf_res[key][sub]
    os_ = [ours[l][key] if sub is None else ours[l][key][sub] for l in labels]
    ratios = [(o / t if higher else t / o) for o in os_]
    print(f"{label:34s}" + "".join(f"{o:18.3f}" for o in os_) + f"{t:12.3f}" + "".join(f"{r:19.2f}x" for r in ratios))
print("(ratio > 1 means ours is better: faster throughput or lower latency; OPENBLAS_CORETYPE="
      f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')} in this environment)")
