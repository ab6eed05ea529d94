"""Read PyTorch checkpoints and write safetensors with the Python standard library only (no torch).

Shared by scripts/convert_stlpips.py, scripts/convert_ffdnet.py and the reference-fixture scripts.

`read_checkpoint(path)` reads a state dict in PyTorch's *legacy* serialisation (torch < 1.6): five
pickles back to back -- magic number, protocol version, system info, the state dict (tensors refer
to storages by persistent id), the list of storage keys -- followed by each storage as an 8-byte
little-endian element count and its raw little-endian float32 data. The newer zip layout
(`archive/data.pkl` + `archive/data/<key>`) is read too. The pickles are read by a restricted
unpickler that accepts nothing but `collections.OrderedDict`, `torch._utils._rebuild_tensor[_v2]`
and `torch.FloatStorage`, so no code from the checkpoint is ever executed.

`write_safetensors(tensors, path, metadata)` writes F32 tensors sorted by name with a JSON header
padded to 8 bytes, atomically (temporary file + rename).
"""
import io
import json
import os
import pickle
import struct
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


def _rebuild_tensor(storage, storage_offset, size, stride):  # torch <= 0.3 checkpoints (e.g. FFDNet's)
    return _TensorRef(storage, storage_offset, size, stride)


class _FloatStorage:  # marker for the storage type named in persistent ids
    pass


class _RestrictedUnpickler(pickle.Unpickler):
    allowed = {
        ("collections", "OrderedDict"): __import__("collections").OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
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
