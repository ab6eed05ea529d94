"""Independent NumPy (float64) implementation of the ST-LPIPS (alex) forward pass.

PyTorch from PyPI does not import on the machine where the fixtures were made, so this file
re-implements `stlpips_pytorch` 0.0.2 (`stlpips.LPIPS(net="alex", variant="shift_tolerant")`,
read from the wheel's `stlpips.py`, `invariant_networks.py`, `models_lpf/downsample.py`,
`utils.py`) with plain NumPy, written without looking at the Swift code:

    x in [-1, 1]  ->  (x - shift) / scale                     (ScalingLayer, version 0.1)
    slice1: conv 11x11/1 pad 2 (3->64) -> blurpool -> ReLU                    -> relu1
    slice2: maxpool 3/1 -> blurpool -> conv 5x5 pad 2 (64->192) -> ReLU        -> relu2
    slice3: maxpool 3/1 -> blurpool -> conv 3x3 pad 1 (192->384) -> ReLU       -> relu3
    slice4: conv 3x3 pad 1 (384->256) -> ReLU                                  -> relu4
    slice5: conv 3x3 pad 1 (256->256) -> ReLU                                  -> relu5
    blurpool = ReflectionPad2d(2) then depthwise [1,2,1]x[1,2,1]/16 with stride 2 (pad_more=True)
    d = sum_k mean_hw( sum_c w_k[c] * (n(f0_k) - n(f1_k))[c]^2 ),  n(f) = f / (||f||_channels + 1e-10)

Weights come from the safetensors file written by scripts/convert_stlpips.py (read here with a
few lines of NumPy, not with the Swift reader).
"""
import json
import struct

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32"
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[base + a: base + b], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return out


def conv2d(x, w, b, pad):
    """x (C,H,W), w (O,C,kh,kw), stride 1, zero padding -> (O,OH,OW); cross-correlation as PyTorch."""
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    kh, kw = w.shape[2:]
    win = sliding_window_view(x, (kh, kw), axis=(1, 2))  # (C, OH, OW, kh, kw)
    out = np.tensordot(w, win, axes=([1, 2, 3], [0, 3, 4]))  # (O, OH, OW)
    return out + b[:, None, None]


def blurpool(x, filt):
    """ReflectionPad2d(2), then depthwise 3x3 filter with stride 2."""
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)), mode="reflect")
    win = sliding_window_view(x, (3, 3), axis=(1, 2))[:, ::2, ::2]  # (C, OH, OW, 3, 3)
    return np.einsum("chwij,cij->chw", win, filt[:, 0])


def maxpool3(x):
    return sliding_window_view(x, (3, 3), axis=(1, 2)).max(axis=(3, 4))


def relu(x):
    return np.maximum(x, 0)


def features(w, img):
    """img (3,H,W) in [0,1] -> the five tapped activations."""
    x = 2.0 * img - 1.0
    x = (x - w["scaling_layer.shift"][0]) / w["scaling_layer.scale"][0]
    h = conv2d(x, w["net.slice1.0.weight"], w["net.slice1.0.bias"], 2)
    h = relu(blurpool(h, w["net.slice1.1.filt"]))
    f1 = h
    h = blurpool(maxpool3(h), w["net.slice2.4.filt"])
    h = relu(conv2d(h, w["net.slice2.5.weight"], w["net.slice2.5.bias"], 2))
    f2 = h
    h = blurpool(maxpool3(h), w["net.slice3.8.filt"])
    h = relu(conv2d(h, w["net.slice3.9.weight"], w["net.slice3.9.bias"], 1))
    f3 = h
    h = relu(conv2d(h, w["net.slice4.11.weight"], w["net.slice4.11.bias"], 1))
    f4 = h
    h = relu(conv2d(h, w["net.slice5.13.weight"], w["net.slice5.13.bias"], 1))
    f5 = h
    return [f1, f2, f3, f4, f5]


def normalize(f, eps=1e-10):
    return f / (np.sqrt((f * f).sum(axis=0, keepdims=True)) + eps)


def stlpips(w, img0, img1, per_layer=False):
    """ST-LPIPS (alex) distance between two (3,H,W) images with values in [0,1]."""
    fa, fb = features(w, img0), features(w, img1)
    layers = []
    for k in range(5):
        d = (normalize(fa[k]) - normalize(fb[k])) ** 2
        lin = w[f"lin{k}.model.1.weight"][0, :, 0, 0]
        layers.append(float(np.tensordot(lin, d, axes=(0, 0)).mean()))
    total = float(sum(layers))
    return (total, layers) if per_layer else total
