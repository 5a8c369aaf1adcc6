"""Orientation only (not the project's benchmark): how hard is each mini-world task for a pooled acoustic feature?

For every task in a corpus manifest: features = per-clip mean and std over frames of log-mel (80 bands, 25 ms,
10 ms hop) or chroma, as make_features_golden.py defines them; standardised on the task's train split; a ridge
classifier (one-hot targets, closed form) with the ridge chosen on dev; accuracy on test.

    python3 data-manifests/mini/pooled_feature_probe.py .cache/corpora/music/manifest.jsonl [logmel|chroma]

numpy + scipy only; slow (a Python loop over frames): a few minutes per corpus.
"""
import json
import os
import sys

import numpy as np
import scipy.io.wavfile as wavfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../lib/src/test/resources/golden/features"))
import make_features_golden as g  # noqa: E402


def pooled(path, kind):
    _, x = wavfile.read(path)
    x = x / 32768.0
    f = g.log_mel(x) if kind == "logmel" else g.chroma(x)
    return np.concatenate([f.mean(0), f.std(0)])


def main(manifest, kind="logmel"):
    root = os.path.dirname(os.path.abspath(manifest))
    lines = [json.loads(l) for l in open(manifest)]
    header = lines[0]["manifest"]
    root = os.path.normpath(os.path.join(root, header.get("audio_root", ".")))
    rows = [r for r in lines[1:] if r["split"] == "labeled"]
    X = np.array([pooled(os.path.join(root, r["path"]), kind) for r in rows])
    for task, spec in header["tasks"].items():
        label = spec["label"]
        idx = {s: [i for i, r in enumerate(rows) if r["splits"].get(task) == s] for s in ("train", "dev", "test")}
        classes = sorted({rows[i]["labels"][label] for i in idx["train"]})
        Y = np.array([[rows[i]["labels"][label] == c for c in classes] for i in range(len(rows))], float)
        mu, sd = X[idx["train"]].mean(0), X[idx["train"]].std(0) + 1e-8
        Z = np.c_[(X - mu) / sd, np.ones(len(X))]
        best = None
        for lam in (0.1, 1, 10, 100, 1000):
            A = Z[idx["train"]]
            W = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ Y[idx["train"]])
            dev = (np.argmax(Z[idx["dev"]] @ W, 1) == np.argmax(Y[idx["dev"]], 1)).mean()
            if best is None or dev > best[0]:
                best = (dev, W)
        test = (np.argmax(Z[idx["test"]] @ best[1], 1) == np.argmax(Y[idx["test"]], 1)).mean()
        print(f"{header['domain']} {task}: {len(classes)} classes, train {len(idx['train'])} dev {len(idx['dev'])} "
              f"test {len(idx['test'])}; {kind} mean+std ridge: dev {best[0]:.3f} test {test:.3f} "
              f"(chance {1 / len(classes):.3f})")


if __name__ == "__main__":
    main(*sys.argv[1:])
