#!/usr/bin/env python3
"""Reference outputs of scikit-image's Wiener and Richardson-Lucy for Tests/DeconvolutionTests.

    pip install scikit-image==0.26.0 scipy numpy
    python3 scripts/reference/make_deconvolution_fixtures.py Tests/DeconvolutionTests/Fixtures

Writes raw little-endian float32 arrays (*.f32, row-major) and reference.json with shapes,
parameters, tool versions and this command. The input is a 64x64 crop of skimage.data.camera();
the PSF is an asymmetric 5x7 kernel, so flips and off-by-one centring show up.
"""
import json, platform, sys
import numpy as np, scipy, scipy.signal, skimage
from skimage import data, restoration

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/DeconvolutionTests/Fixtures"
rng = np.random.default_rng(2026)
image = data.camera()[200:264, 220:284].astype(np.float32) / 255
psf = rng.random((5, 7)).astype(np.float32) ** 2
psf[2, 3] += 1.0
psf /= psf.sum()

def save(name, a):
    np.asarray(a, dtype="<f4").tofile(f"{out}/{name}.f32")

# Circular blur with the ir2tf convention (centre floor(k/2) rolled to the origin) + noise.
otf = np.fft.rfft2(np.roll(np.pad(psf, ((0, 64 - 5), (0, 64 - 7))), (-2, -3), (0, 1)))
circular = np.fft.irfft2(np.fft.rfft2(image) * otf, s=image.shape).astype(np.float32)
wiener_input = (circular + 0.01 * rng.standard_normal(image.shape)).astype(np.float32)
identity = restoration.wiener(wiener_input, psf, balance=0.05, reg=np.array([[1.0]], dtype=np.float32), clip=False)
laplacian = restoration.wiener(wiener_input, psf, balance=0.01, clip=False)

# Zero-padded ("same") blur + noise, kept non-negative, for richardson_lucy.
same = scipy.signal.convolve(image, psf, mode="same")
rl_input = np.maximum(same + 0.01 * rng.standard_normal(image.shape), 0).astype(np.float32)
rl = restoration.richardson_lucy(rl_input, psf, num_iter=10, clip=False)

for name, a in [("psf", psf), ("wiener_input", wiener_input), ("wiener_identity", identity),
                ("wiener_laplacian", laplacian), ("rl_input", rl_input), ("rl_output", rl)]:
    save(name, a)
json.dump({
    "tool": f"scikit-image {skimage.__version__}, SciPy {scipy.__version__}, NumPy {np.__version__}, Python {platform.python_version()}",
    "command": "python3 scripts/reference/make_deconvolution_fixtures.py Tests/DeconvolutionTests/Fixtures",
    "image_shape": [64, 64], "psf_shape": [5, 7],
    "wiener_identity": "restoration.wiener(wiener_input, psf, balance=0.05, reg=[[1.0]], clip=False)",
    "wiener_laplacian": "restoration.wiener(wiener_input, psf, balance=0.01, clip=False)  # reg = Laplacian",
    "rl_output": "restoration.richardson_lucy(rl_input, psf, num_iter=10, clip=False)  # starts at 0.5, zero padding",
    "balance_identity": 0.05, "balance_laplacian": 0.01, "rl_iterations": 10,
}, open(f"{out}/reference.json", "w"), indent=1)
print("wrote fixtures to", out)
