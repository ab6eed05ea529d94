"""Reference values for the report's statistics (Sources/Workbench/IntervalRule.swift, Wilcoxon.swift).

Tool: SciPy 1.17.1, NumPy 2.4.6, Python 3.11 (a venv; CI never runs this, the tests read the JSON).
Command:
    python3 -m venv /work/venv-photos && /work/venv-photos/bin/pip install scipy==1.17.1 numpy
    /work/venv-photos/bin/python scripts/reference/make_stats_fixture.py > Tests/WorkbenchTests/Fixtures/stats.json

Wilcoxon: scipy.stats.wilcoxon(d) with every default spelled out (zero_method="wilcox", correction=False,
alternative="two-sided", method="auto"), so the three branches of "auto" are covered: exact (n <= 50, no ties,
no zeros), permutation (n <= 13 with ties or zeros), and the normal approximation (otherwise).
Intervals: mean +- t.ppf(0.975, n - 1) * std(ddof=1) / sqrt(n) for n >= 5, min-max below.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(22)

wilcoxon_cases = {
    "exact n=3": [0.5, -1.25, 2.0],
    "exact n=6 all positive": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    "exact n=8": [1.2, -0.3, 0.8, 2.1, -0.9, 0.4, 1.7, 0.05],
    "exact n=20": np.round(rng.normal(0.4, 1.0, 20), 4).tolist(),
    "exact n=50": np.round(rng.normal(0.1, 1.0, 50), 4).tolist(),
    "permutation ties n=10": [1.0, -1.0, 2.0, 2.0, 0.5, 3.0, -0.5, 1.0, 4.0, 2.0],
    "permutation zeros n=7": [0.0, 0.3, -0.2, 0.0, 0.9, 1.1, 0.4],
    "permutation ties and zeros n=13": [0, 1, 1, -2, 3, 3, 3, -1, 4, 5, 0, 2, 6],
    "normal ties n=20": np.round(rng.normal(0.3, 1.0, 20), 1).tolist(),
    "normal zeros n=16": [0, 0.5, -0.25, 1.5, 2.0, -1.0, 0.75, 0, 3.0, 1.25, -0.5, 2.5, 1.75, 0.1, -0.1, 0.6],
    "normal n=60": np.round(rng.normal(0.2, 1.0, 60), 4).tolist(),
}

wilcoxon = []
for name, d in wilcoxon_cases.items():
    r = stats.wilcoxon(d, zero_method="wilcox", correction=False, alternative="two-sided", method="auto")
    wilcoxon.append({"name": name, "differences": [float(v) for v in d],
                     "statistic": float(r.statistic), "pvalue": float(r.pvalue)})

interval_cases = [[3.0], [1.0, 4.0], [2.0, 2.5, 1.0], [5.0, 1.0, 3.0, 2.0],
                  [30.1, 28.4, 31.9, 29.0, 27.5], [25.2, 26.1, 24.8, 27.9, 22.3, 26.0, 25.5, 24.1],
                  np.round(rng.normal(28, 3, 12), 3).tolist(), np.round(rng.normal(28, 3, 35), 3).tolist()]
intervals = []
for v in interval_cases:
    a = np.asarray(v, dtype=float)
    n = len(a)
    if n >= 5:
        h = stats.t.ppf(0.975, n - 1) * a.std(ddof=1) / np.sqrt(n)
        intervals.append({"values": a.tolist(), "kind": "t95", "mean": a.mean(), "lower": a.mean() - h, "upper": a.mean() + h})
    else:
        intervals.append({"values": a.tolist(), "kind": "range", "mean": a.mean(), "lower": a.min(), "upper": a.max()})

json.dump({"tool": f"scipy {scipy.__version__}, numpy {np.__version__}",
           "command": "scripts/reference/make_stats_fixture.py",
           "wilcoxon": wilcoxon, "intervals": intervals}, sys.stdout, indent=1)
sys.stdout.write("\n")
