#!/usr/bin/env python3
"""A Levin-style .mat whose kernel is a *correlation* kernel, as Levin et al. 2009's `f`, plus an
unrelated .mat, for Tests/DatasetsTests (issue #25: the loader must read `f` rotated by 180°).

    pip install scipy numpy
    python3 scripts/reference/make_levin_orientation_fixture.py Tests/DatasetsTests/Fixtures

Writes levin_orientation.mat (x: a seeded piecewise-constant 56x56 image in [0.1, 0.9], float32;
f: an asymmetric 9x9 hook-shaped kernel, float64, sum 1; y = scipy.ndimage.correlate(x, f,
mode="reflect") + Gaussian noise sigma 0.005, float32), levin_unrelated.mat (one variable, sizeL,
as the sizeL.mat some copies of the benchmark carry) and levin_orientation.json with the tool
versions, this command, sigma and the interior residual RMS of y against x correlated with f (the
right reading: about sigma) and against x convolved with f (f used as stored: larger), both
unshifted, over the interior that leaves out 17 px (the loader's residual-test margin).
"""
import json, platform, sys
import numpy as np, scipy
from scipy.io import savemat
from scipy.ndimage import correlate, convolve

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/DatasetsTests/Fixtures"
rng = np.random.default_rng(25)
n = 56
x = np.full((n, n), 0.5)
for _ in range(40):
    r0, c0 = rng.integers(0, n, 2)
    h, w = rng.integers(3, 16, 2)
    x[r0:r0 + h, c0:c0 + w] = rng.uniform(0.1, 0.9)
x = (np.round(x * 255) / 255).astype(np.float32)
f = np.zeros((9, 9))
for (r, c, v) in [(4, 4, 6), (4, 5, 5), (4, 6, 4), (4, 7, 3), (5, 7, 2), (6, 7, 2), (7, 7, 1), (3, 4, 2), (2, 3, 1)]:
    f[r, c] = v
f /= f.sum()
sigma = 0.005
y = (correlate(x.astype(np.float64), f, mode="reflect") + rng.normal(0, sigma, x.shape)).astype(np.float32)
savemat(f"{out}/levin_orientation.mat", {"x": x, "y": y, "f": f}, do_compression=True)
savemat(f"{out}/levin_unrelated.mat", {"sizeL": np.array([[255.0, 255.0]])}, do_compression=True)
m = 17
def rms(a):
    return float(np.sqrt(np.mean((y[m:-m, m:-m] - a[m:-m, m:-m]) ** 2)))
json.dump({
    "tool": f"SciPy {scipy.__version__}, NumPy {np.__version__}, Python {platform.python_version()}",
    "command": "python3 scripts/reference/make_levin_orientation_fixture.py Tests/DatasetsTests/Fixtures",
    "sigma": sigma,
    "margin": m,
    "residual_correlated": rms(correlate(x.astype(np.float64), f, mode="reflect")),
    "residual_convolved": rms(convolve(x.astype(np.float64), f, mode="reflect")),
}, open(f"{out}/levin_orientation.json", "w"), indent=1)
