#!/usr/bin/env python3
"""Writes a safetensors fixture with Python's reference `safetensors` package, for the Swift reader's tests.

Output (beside the tests): Tests/NNTests/Fixtures/python_reference.safetensors and
python_reference.json (the expected float32 values, the tool versions and this command).

    pip install safetensors numpy ml_dtypes
    python3 scripts/reference/make_safetensors_fixture.py

F32 and F16 go through `safetensors.numpy.save_file`; BF16 (which NumPy lacks) is serialised by the
same package's `safetensors.serialize_file` from the raw buffer made with `ml_dtypes.bfloat16`.
"""
import json
import pathlib
import sys

import ml_dtypes
import numpy as np
import safetensors
from safetensors.numpy import save_file

root = pathlib.Path(__file__).resolve().parents[2]
out_dir = root / "Tests" / "NNTests" / "Fixtures"
out_dir.mkdir(parents=True, exist_ok=True)
weights = out_dir / "python_reference.safetensors"
bf16_file = out_dir / "python_reference_bf16.safetensors"

rng = np.random.default_rng(20240505)
tensors = {
    "conv.weight": rng.standard_normal((2, 3, 3, 3)).astype(np.float32),
    "conv.bias": np.array([0.5, -1.25], dtype=np.float32),
    "half": np.array([[0.1, -2.5, 65504.0, 2.0**-24, 0.0],
                      [1.0 / 3.0, -0.0, 1000.5, -65504.0, 3.140625]], dtype=np.float16),
    "scalar": np.array(7.5, dtype=np.float32),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
metadata = {"architecture": "unet", "seed": "42", "hyper": json.dumps({"levels": 3, "lr": 0.001})}
save_file(tensors, str(weights), metadata=metadata)

bf = (rng.standard_normal(7) * 100).astype(ml_dtypes.bfloat16)
spec = safetensors.TensorSpec(dtype=bf.dtype.name, shape=bf.shape, data_ptr=bf.ctypes.data, data_len=bf.nbytes)
safetensors.serialize_file({"brain": spec}, str(bf16_file), metadata={"note": "bf16"})

expected = {name: [float(v) for v in arr.astype(np.float32).ravel()] for name, arr in tensors.items()}
shapes = {name: list(arr.shape) for name, arr in tensors.items()}
expected["brain"] = [float(v) for v in bf.astype(np.float32)]
shapes["brain"] = [7]
(out_dir / "python_reference.json").write_text(json.dumps({
    "tool": f"safetensors {safetensors.__version__}, numpy {np.__version__}, ml_dtypes {ml_dtypes.__version__}, "
            f"Python {sys.version.split()[0]}",
    "command": "python3 scripts/reference/make_safetensors_fixture.py",
    "files": {"python_reference.safetensors": "F32 and F16 tensors + metadata",
              "python_reference_bf16.safetensors": "one BF16 tensor"},
    "metadata": metadata,
    "shapes": shapes,
    "values": expected,
}, indent=1) + "\n")
print("wrote", weights, bf16_file)
