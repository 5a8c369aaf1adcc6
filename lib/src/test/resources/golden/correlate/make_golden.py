"""Golden values for CrossCorrelationTest: float64 two-pass statistics computed by numpy.

Run from this folder: python3 make_golden.py  (writes correlation-golden.safetensors).
Each case stores its inputs <case>.a [N, dA], <case>.b [N, dB] and the two-pass answers:
count, mean/var of each side (population), the cross co-moment sum((a-mean_a)(b-mean_b)^T) and the
Pearson correlation with 0 for units that never vary.
"""
import json
import struct

import numpy as np


def two_pass(a, b):
    ma, mb = a.mean(0), b.mean(0)
    ca, cb = a - ma, b - mb
    m2a, m2b = (ca * ca).sum(0), (cb * cb).sum(0)
    com = ca.T @ cb
    sa = np.where(m2a > 0, 1 / np.sqrt(np.where(m2a > 0, m2a, 1)), 0.0)
    sb = np.where(m2b > 0, 1 / np.sqrt(np.where(m2b > 0, m2b, 1)), 0.0)
    corr = com * sa[:, None] * sb[None, :]
    n = a.shape[0]
    return {"meanA": ma, "varA": m2a / n, "meanB": mb, "varB": m2b / n, "comoment": com, "corr": corr}


def correlated(rng, n, da, db):
    a = rng.standard_normal((n, da))
    w = rng.standard_normal((da, db))
    b = np.tanh(a @ w) + 0.5 * rng.standard_normal((n, db))
    return a, b


def main():
    rng = np.random.default_rng(20260127)
    cases = {}
    a, b = correlated(rng, 700, 6, 5)
    cases["plain"] = (a * 2.0 + 0.3, b)
    # Large common offset with unit variance: raw-moment formulas lose about 8 digits here.
    a, b = correlated(rng, 700, 4, 3)
    b = (b - b.mean(0)) / b.std(0)
    cases["offset"] = (a + 1e4, b - 1e4)
    # Dead units: a constant column on each side must correlate 0, not NaN.
    a, b = correlated(rng, 500, 5, 4)
    a[:, 2] = 3.25
    b[:, 0] = 0.0
    cases["dead"] = (a, b)

    tensors = {}
    for name, (a, b) in cases.items():
        tensors[name + ".a"] = a
        tensors[name + ".b"] = b
        for key, value in two_pass(a, b).items():
            tensors[name + "." + key] = np.asarray(value)
    write_safetensors("correlation-golden.safetensors", tensors,
                      {"generator": "make_golden.py", "numpy": np.__version__})


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, value in tensors.items():
        data = np.ascontiguousarray(value, dtype="<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(value.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    main()
