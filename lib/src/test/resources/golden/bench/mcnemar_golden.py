"""Golden exact McNemar p-values from SciPy: two-sided binomial test of min(b, c) successes in b + c trials, p = 1/2.

Run: python3 mcnemar_golden.py > mcnemar-golden.json
"""
import json
import scipy
from scipy.stats import binomtest

cases = [(1, 7), (2, 8), (121, 59), (0, 0), (5, 5), (0, 12), (30, 10), (400, 350), (3, 0)]
out = {"scipy": scipy.__version__, "cases": []}
for b, c in cases:
    p = 1.0 if b + c == 0 else binomtest(min(b, c), b + c, 0.5, alternative="two-sided").pvalue
    out["cases"].append({"b": b, "c": c, "p": float(p)})
print(json.dumps(out, indent=1))
