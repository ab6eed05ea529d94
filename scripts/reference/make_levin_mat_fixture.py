#!/usr/bin/env python3
"""Small MATLAB v5 .mat files in the Levin et al. 2009 layout (x sharp, y blurred, f kernel)
for Tests/DatasetsTests. (The committed files were written into Tests/PSFEstimationTests/Fixtures, as
their JSON records, and moved unchanged when the MAT reader moved to Datasets.)

    pip install scipy numpy
    python3 scripts/reference/make_levin_mat_fixture.py Tests/DatasetsTests/Fixtures

Writes levin_compressed.mat (savemat do_compression=True: every variable in a miCOMPRESSED
zlib element), levin_plain.mat (do_compression=False: plain miMATRIX elements) and
levin_fixture.json with the expected values, tool versions and this command. x is float64,
y float32 (class single), f float64 with an asymmetric 3x5 shape, g uint8 (scaled /255 when
read as an image) and s a char array the reader must skip. Arrays are non-square so a
row/column (column-major) mix-up shows.
"""
import json, platform, sys
import numpy as np, scipy
from scipy.io import savemat

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/DatasetsTests/Fixtures"
x = (np.arange(6 * 4, dtype=np.float64).reshape(6, 4) / 23.0)
y = (x[::-1, :] * 0.5 + 0.25).astype(np.float32)
f = np.array([[0, 1, 2, 1, 0], [1, 4, 8, 3, 1], [0, 1, 2, 1, 0]], dtype=np.float64)
f /= f.sum()
g = np.array([[0, 128, 255], [7, 9, 11]], dtype=np.uint8)
variables = {"x": x, "y": y, "f": f, "g": g, "s": "skip me"}
savemat(f"{out}/levin_compressed.mat", variables, do_compression=True)
savemat(f"{out}/levin_plain.mat", variables, do_compression=False)
json.dump({
    "tool": f"SciPy {scipy.__version__}, NumPy {np.__version__}, Python {platform.python_version()}",
    "command": "python3 scripts/reference/make_levin_mat_fixture.py Tests/DatasetsTests/Fixtures",
    "x": x.tolist(), "y": y.astype(np.float64).tolist(), "f": f.tolist(), "g": g.tolist(),
}, open(f"{out}/levin_fixture.json", "w"), indent=1)
