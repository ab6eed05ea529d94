#!/usr/bin/env python3
"""Reference PSF weights for Tests/BlurTests (fixture: Tests/BlurTests/Fixtures/psf_reference.json),
complementing make_psf_fixtures.m (integer-radius disks from Octave, disk_reference.json).

Run from the repository root:  python3 scripts/reference/make_psf_reference.py
Needs: GNU Octave with the image package (Debian: apt-get install octave octave-image) and NumPy.
CI never runs this; it only reads the JSON it writes.

Sources of truth, per entry (each JSON entry names its tool, version and command):
- gaussian: GNU Octave's image-package `fspecial('gaussian', 2*ceil(3*sigma)+1, sigma)`.
- disk (fractional radius) and motion: a NumPy transcription, in this file, of MATLAB's
  `fspecial('disk', r)` and `fspecial('motion', len, theta)` source (as quoted in MATLAB Answers
  thread 307822 for motion). Octave's own 'motion' is NOT used: its source says "The implementation
  is not quite matlab compatible" (it rotates a line with imrotate). The transcriptions are checked
  here before anything is written: the disk against Octave on integer radii (max difference
  < 1e-12) and motion against MATLAB's published output of fspecial('motion', 3, 45)
  (0.0754, 0.1883, 0.3215 to 4 decimals, MATLAB Answers 307822).
"""
import json
import math
import os
import subprocess
import sys

import numpy as np

EPS = np.finfo(float).eps
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "BlurTests", "Fixtures", "psf_reference.json")


def matlab_disk(rad):
    """Transcription of MATLAB fspecial('disk', rad)."""
    crad = int(math.ceil(rad - 0.5))
    x, y = np.meshgrid(np.arange(-crad, crad + 1, dtype=float), np.arange(-crad, crad + 1, dtype=float))
    maxxy = np.maximum(abs(x), abs(y))
    minxy = np.minimum(abs(x), abs(y))
    r2 = rad * rad
    with np.errstate(invalid="ignore"):
        m1 = (r2 < (maxxy + 0.5) ** 2 + (minxy - 0.5) ** 2) * (minxy - 0.5) + \
             (r2 >= (maxxy + 0.5) ** 2 + (minxy - 0.5) ** 2) * np.sqrt(np.maximum(r2 - (maxxy + 0.5) ** 2, 0))
        m2 = (r2 > (maxxy - 0.5) ** 2 + (minxy + 0.5) ** 2) * (minxy + 0.5) + \
             (r2 <= (maxxy - 0.5) ** 2 + (minxy + 0.5) ** 2) * np.sqrt(np.maximum(r2 - (maxxy - 0.5) ** 2, 0))
        mask = (((r2 < (maxxy + 0.5) ** 2 + (minxy + 0.5) ** 2) & (r2 > (maxxy - 0.5) ** 2 + (minxy - 0.5) ** 2))
                | ((minxy == 0) & (maxxy - 0.5 < rad) & (maxxy + 0.5 >= rad)))
        sgrid = (r2 * (0.5 * (np.arcsin(m2 / rad) - np.arcsin(m1 / rad))
                       + 0.25 * (np.sin(2 * np.arcsin(m2 / rad)) - np.sin(2 * np.arcsin(m1 / rad))))
                 - (maxxy - 0.5) * (m2 - m1) + (m1 - minxy + 0.5)) * mask
    sgrid = sgrid + ((maxxy + 0.5) ** 2 + (minxy + 0.5) ** 2 < r2)
    c = crad
    sgrid[c, c] = min(math.pi * r2, math.pi / 2)
    if crad > 0 and rad > crad - 0.5 and r2 < (crad - 0.5) ** 2 + 0.25:
        m1 = math.sqrt(r2 - (crad - 0.5) ** 2)
        m1n = m1 / rad
        sg0 = 2 * (r2 * (0.5 * math.asin(m1n) + 0.25 * math.sin(2 * math.asin(m1n))) - m1 * (crad - 0.5))
        sgrid[2 * c, c] = sg0
        sgrid[c, 2 * c] = sg0
        sgrid[c, 0] = sg0
        sgrid[0, c] = sg0
        sgrid[2 * c - 1, c] -= sg0
        sgrid[c, 2 * c - 1] -= sg0
        sgrid[c, 1] -= sg0
        sgrid[1, c] -= sg0
    sgrid[c, c] = min(sgrid[c, c], 1)
    return sgrid / sgrid.sum()


def matlab_motion(length, theta):
    """Transcription of MATLAB fspecial('motion', len, theta) (MATLAB Answers 307822)."""
    length = max(1.0, float(length))
    half = (length - 1) / 2
    phi = math.fmod(theta, 180.0)
    if phi < 0:
        phi += 180.0
    phi = phi / 180 * math.pi
    cosphi, sinphi = math.cos(phi), math.sin(phi)
    xsign = float(np.sign(cosphi))
    linewdt = 1.0
    sx = math.trunc(half * cosphi + linewdt * xsign - length * EPS)
    sy = math.trunc(half * sinphi + linewdt - length * EPS)
    xs = np.arange(0, sx + xsign, xsign) if xsign != 0 else np.array([0.0])
    xs = xs[: abs(sx) + 1]
    x, y = np.meshgrid(xs, np.arange(0, sy + 1, dtype=float))
    dist2line = y * cosphi - x * sinphi
    rad = np.sqrt(x ** 2 + y ** 2)
    last = (rad >= half) & (abs(dist2line) <= linewdt)
    x2last = half - abs((x[last] + dist2line[last] * sinphi) / cosphi)
    dist2line[last] = np.sqrt(dist2line[last] ** 2 + x2last ** 2)
    dist2line = linewdt + EPS - abs(dist2line)
    dist2line[dist2line < 0] = 0
    rows, cols = dist2line.shape
    h = np.zeros((2 * rows - 1, 2 * cols - 1))
    h[:rows, :cols] = np.rot90(dist2line, 2)
    h[rows - 1:, cols - 1:] = dist2line
    h = h / (h.sum() + EPS * length * length)
    if cosphi > 0:
        h = np.flipud(h)
    return h


def octave(expr):
    """Evaluates `expr` (which must assign `f`) in Octave with the image package; returns f."""
    script = f"pkg load image; {expr}; printf('%d %d\\n', size(f)); printf('%.17g\\n', f.');"
    out = subprocess.run(["octave", "--no-gui", "--quiet", "--eval", script],
                         check=True, capture_output=True, text=True).stdout.split()
    rows, cols = int(out[0]), int(out[1])
    return np.array([float(v) for v in out[2:]]).reshape(rows, cols), script


def main():
    octave_version = subprocess.run(["octave", "--no-gui", "--quiet", "--eval",
                                     "pkg load image; d = pkg('describe', 'image'); printf('GNU Octave %s, image package %s', version(), d{1}.version)"],
                                    check=True, capture_output=True, text=True).stdout.strip()
    numpy_tool = f"NumPy {np.__version__} (Python {sys.version.split()[0]}) transcription of MATLAB fspecial, scripts/reference/make_psf_reference.py"
    entries = []

    # Checks of the transcriptions before anything is written.
    for r in (1, 2, 3, 5, 8):
        ref, _ = octave(f"f = fspecial('disk', {r})")
        assert np.abs(ref - matlab_disk(float(r))).max() < 1e-12, f"disk transcription differs from Octave at r={r}"
    published = np.array([[0, 0.0754, 0.1883], [0.0754, 0.3215, 0.0754], [0.1883, 0.0754, 0]])
    assert np.abs(np.round(matlab_motion(3, 45), 4) - published).max() < 1e-12, "motion transcription differs from MATLAB"

    for sigma in (0.8, 2.0):
        size = 2 * math.ceil(3 * sigma) + 1
        values, script = octave(f"f = fspecial('gaussian', {size}, {sigma})")
        entries.append(dict(spec=f"gaussian:{sigma:g}", tool=octave_version, command=f"octave --eval \"{script}\"", values=values))
    for r in (1.5, 2.5, 4.3, 7.9):
        entries.append(dict(spec=f"disk:{r:g}", tool=numpy_tool, command=f"matlab_disk({r})", values=matlab_disk(r)))
    for length, theta in ((15, 30), (15, 120), (9, 0), (9, 90), (7, 45), (12.5, 77), (20, 160), (5, 179.5)):
        entries.append(dict(spec=f"motion:{length:g},{theta:g}", tool=numpy_tool,
                            command=f"matlab_motion({length}, {theta})", values=matlab_motion(length, theta)))
    entries.append(dict(spec="motion:3,45", tool="MATLAB (published output, 4 decimals)",
                        command="fspecial('motion', 3, 45) as printed in MATLAB Answers 307822",
                        values=published, tolerance=5e-5))

    fixture = dict(
        description="Reference PSF weights, row-major, row 0 at the top (MATLAB orientation; motion "
                    "kernels keep MATLAB's non-square (2*sy+1) x (2*sx+1) shape). 'tolerance' is the "
                    "largest allowed absolute difference per weight.",
        generated_by="python3 scripts/reference/make_psf_reference.py",
        entries=[dict(spec=e["spec"], tool=e["tool"], command=e["command"],
                      tolerance=e.get("tolerance", 1e-6),
                      height=int(e["values"].shape[0]), width=int(e["values"].shape[1]),
                      values=[float(v) for v in e["values"].ravel()]) for e in entries])
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {len(entries)} entries to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
