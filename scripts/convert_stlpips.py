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

Only the Python standard library is used: the pickles are read by a restricted unpickler that
accepts nothing but `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and
`torch.FloatStorage`, so no code from the checkpoint is ever executed.

Output: safetensors (8-byte little-endian header length, JSON header, raw data) holding every
tensor under its PyTorch name (`net.slice1.0.weight`, `lin0.model.1.weight`, ...) as F32, with
metadata naming the architecture and source. The converter checks the fixed buffers
(scaling layer constants, [1,2,1] blur filters) and the non-negative linear heads, which would
fail if storages were mapped wrongly.
"""
import hashlib
import io
import json
import os
import pickle
import struct
import sys
import zipfile

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _Storage:
    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


class _TensorRef:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *rest):
    return _TensorRef(storage, storage_offset, size, stride)


class _FloatStorage:  # marker for the storage type named in persistent ids
    pass


class _RestrictedUnpickler(pickle.Unpickler):
    allowed = {
        ("collections", "OrderedDict"): __import__("collections").OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch", "FloatStorage"): _FloatStorage,
    }

    def find_class(self, module, name):
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name} from the checkpoint")

    def persistent_load(self, pid):
        # Legacy: ('storage', storage_type, key, location, numel[, view_metadata])
        # Zip:    ('storage', storage_type, key, location, numel)
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1], pid[2], pid[3], pid[4]
        if storage_type is not _FloatStorage:
            raise pickle.UnpicklingError(f"storage {key} is not float32")
        return _Storage(str(key), "F32", int(numel))


def _contiguous_strides(size):
    strides, step = [], 1
    for n in reversed(size):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def _read_legacy(data):
    f = io.BytesIO(data)
    magic = pickle.load(f)
    if magic != LEGACY_MAGIC:
        raise ValueError("not a PyTorch legacy checkpoint (magic number differs)")
    protocol = pickle.load(f)
    if protocol != 1001:
        raise ValueError(f"unsupported legacy protocol version {protocol}")
    sys_info = pickle.load(f)
    if not sys_info.get("little_endian", False):
        raise ValueError("big-endian checkpoints are not supported")
    state = _RestrictedUnpickler(f).load()
    keys = pickle.load(f)
    raw = {}
    for key in keys:
        (numel,) = struct.unpack("<q", f.read(8))
        raw[str(key)] = f.read(4 * numel)
        if len(raw[str(key)]) != 4 * numel:
            raise ValueError(f"storage {key} is truncated")
    return state, raw


def _read_zip(path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = next(n for n in names if n.endswith("/data.pkl"))
        prefix = pkl[: -len("data.pkl")]
        state = _RestrictedUnpickler(io.BytesIO(z.read(pkl))).load()
        raw = {}
        for n in names:
            if n.startswith(prefix + "data/"):
                raw[n[len(prefix) + 5:]] = z.read(n)
    return state, raw


def read_checkpoint(path):
    """Returns {name: (shape, float32 little-endian bytes)} in the checkpoint's order."""
    if zipfile.is_zipfile(path):
        state, raw = _read_zip(path)
    else:
        with open(path, "rb") as fh:
            state, raw = _read_legacy(fh.read())
    tensors = {}
    for name, ref in state.items():
        if not isinstance(ref, _TensorRef):
            raise ValueError(f"entry {name} is not a tensor")
        numel = 1
        for n in ref.size:
            numel *= n
        expected = _contiguous_strides(ref.size)
        if numel > 1 and any(s != e for s, e, n in zip(ref.stride, expected, ref.size) if n > 1):
            raise ValueError(f"tensor {name} is not contiguous (stride {ref.stride})")
        blob = raw[ref.storage.key][4 * ref.offset: 4 * (ref.offset + numel)]
        if len(blob) != 4 * numel:
            raise ValueError(f"tensor {name} runs past its storage")
        tensors[name] = (list(ref.size), blob)
    return tensors


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


def write_safetensors(tensors, path, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        shape, blob = tensors[name]
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(tmp, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)
    os.replace(tmp, path)


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
