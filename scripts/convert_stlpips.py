#!/usr/bin/env python3
"""Convert the ST-LPIPS (alex) PyTorch checkpoint to safetensors, without PyTorch.

    python3 scripts/convert_stlpips.py alex_shift_tolerant.pth Data/weights/st-lpips-alex.safetensors

Input: `stlpips_pytorch/weights/vST0.0/alex_shift_tolerant.pth` from the PyPI wheel
`stlpips-pytorch==0.0.2` (Ghildyal & Liu, "Shift-tolerant Perceptual Similarity Metric",
ECCV 2022; BSD-2-Clause). That file is a state dict in PyTorch's *legacy* serialisation
(torch < 1.6): five pickles back to back -- magic number, protocol version, system info, the
state dict (tensors refer to storages by persistent id), the list of storage keys -- followed by
each storage as an 8-byte little-endian element count and its raw little-endian float32 data.
The newer zip layout (`archive/data.pkl` + `archive/data/<key>`) is read too.

Only the Python standard library is used: the checkpoint is read (and the safetensors written) by
scripts/torch_checkpoint.py, whose restricted unpickler executes no code from the checkpoint.

Output: safetensors (8-byte little-endian header length, JSON header, raw data) holding every
tensor under its PyTorch name (`net.slice1.0.weight`, `lin0.model.1.weight`, ...) as F32, with
metadata naming the architecture and source. The converter checks the fixed buffers
(scaling layer constants, [1,2,1] blur filters) and the non-negative linear heads, which would
fail if storages were mapped wrongly.
"""
import hashlib
import struct
import sys

from torch_checkpoint import read_checkpoint, write_safetensors


def _floats(blob):
    return struct.unpack(f"<{len(blob) // 4}f", blob)


def check_stlpips_alex(tensors):
    """Sanity checks that would fail if storages were mapped to the wrong tensors."""
    expected_shapes = {
        "scaling_layer.shift": [1, 3, 1, 1], "scaling_layer.scale": [1, 3, 1, 1],
        "net.slice1.0.weight": [64, 3, 11, 11], "net.slice1.0.bias": [64],
        "net.slice1.1.filt": [64, 1, 3, 3], "net.slice2.4.filt": [64, 1, 3, 3],
        "net.slice2.5.weight": [192, 64, 5, 5], "net.slice2.5.bias": [192],
        "net.slice3.8.filt": [192, 1, 3, 3],
        "net.slice3.9.weight": [384, 192, 3, 3], "net.slice3.9.bias": [384],
        "net.slice4.11.weight": [256, 384, 3, 3], "net.slice4.11.bias": [256],
        "net.slice5.13.weight": [256, 256, 3, 3], "net.slice5.13.bias": [256],
        "lin0.model.1.weight": [1, 64, 1, 1], "lin1.model.1.weight": [1, 192, 1, 1],
        "lin2.model.1.weight": [1, 384, 1, 1], "lin3.model.1.weight": [1, 256, 1, 1],
        "lin4.model.1.weight": [1, 256, 1, 1],
    }
    for name, shape in expected_shapes.items():
        if name not in tensors:
            raise ValueError(f"missing tensor {name}")
        if tensors[name][0] != shape:
            raise ValueError(f"{name} has shape {tensors[name][0]}, expected {shape}")
    def close(values, target, tol=1e-6):
        return all(abs(a - b) <= tol for a, b in zip(values, target))
    if not close(_floats(tensors["scaling_layer.shift"][1]), [-0.030, -0.088, -0.188]):
        raise ValueError("scaling_layer.shift differs from (-.030, -.088, -.188)")
    if not close(_floats(tensors["scaling_layer.scale"][1]), [0.458, 0.448, 0.450]):
        raise ValueError("scaling_layer.scale differs from (.458, .448, .450)")
    blur = [w / 16.0 for w in (1, 2, 1, 2, 4, 2, 1, 2, 1)]
    for name in ("net.slice1.1.filt", "net.slice2.4.filt", "net.slice3.8.filt"):
        values = _floats(tensors[name][1])
        for c in range(len(values) // 9):
            if not close(values[9 * c: 9 * c + 9], blur):
                raise ValueError(f"{name} channel {c} is not [1,2,1]x[1,2,1]/16")
    for k in range(5):
        if min(_floats(tensors[f"lin{k}.model.1.weight"][1])) < 0:
            raise ValueError(f"lin{k} has negative weights")


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: convert_stlpips.py alex_shift_tolerant.pth OUT.safetensors\n")
        return 2
    source, dest = argv[1], argv[2]
    tensors = read_checkpoint(source)
    check_stlpips_alex(tensors)
    with open(source, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    metadata = {
        "architecture": "st-lpips-alex",
        "description": "ST-LPIPS (alex): shift-tolerant LPIPS, AlexNet-shaped trunk with blur-pool, "
                       "trained from scratch on BAPPS (Ghildyal & Liu, ECCV 2022)",
        "variant": "shift_tolerant; version 0.1 scaling layer; blur filter size 3",
        "source": "PyPI stlpips-pytorch==0.0.2, stlpips_pytorch/weights/vST0.0/alex_shift_tolerant.pth",
        "source_sha256": digest,
        "license": "BSD-2-Clause (c) 2022 Abhijay Ghildyal, Feng Liu",
        "converter": "scripts/convert_stlpips.py (standard library only)",
    }
    write_safetensors(tensors, dest, metadata)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
