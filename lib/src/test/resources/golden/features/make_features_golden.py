"""Golden values for org.permerge.audio.features (LogMel, Mfcc, Chroma), written with numpy only.

Run from this folder:  python3 make_features_golden.py   (numpy >= 1.20; writes features-golden.safetensors)

Conventions, written out independently of the Java code:
  framing   frame length F, hop H (samples); T = 1 + (N - F) // H frames (0 if N < F), no padding.
            The analysis window (W >= F samples) of frame t starts at t*H + (F - W)//2 (floor), zero outside
            the signal; periodic Hann w[n] = 0.5 - 0.5 cos(2 pi n / W); zero-padded to nFft = next pow2 >= W.
  spectrum  power |rfft|^2 (float64 here; JTransforms float32 in Java).
  log-mel   HTK mel 2595 log10(1 + f/700); n+2 points equally spaced in mel over [fmin, fmax];
            triangles peak 1 (no area normalisation), evaluated at bin frequencies k*sr/nFft;
            natural log of max(energy, 1e-10).
  MFCC      orthonormal DCT-II of the 40-band log-mel, first 13 coefficients; deltas: HTK regression over
            +-2 frames, d_t = sum_n n (c[t+n] - c[t-n]) / 10 with edge frames repeated; delta-deltas likewise.
  chroma    bins with 55 <= f <= 4200 Hz, pitch p = 69 + 12 log2(f/440); weight to class c:
            exp(-0.5 (d/0.5)^2), d = distance in semitones to the nearest pitch of class c; per-frame max
            normalisation (zeros stay zeros); window 128 ms (2048 samples at 16 kHz), frame 25 ms, hop 10 ms.
"""
import json
import struct

import numpy as np

SR = 16000


def frames_power(x, F, H, W):
    nfft = 1 << (W - 1).bit_length()
    T = 0 if len(x) < F else 1 + (len(x) - F) // H
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(W) / W)
    out = np.zeros((T, nfft // 2 + 1))
    for t in range(T):
        start = t * H + (F - W) // 2
        seg = np.zeros(W)
        lo, hi = max(0, start), min(len(x), start + W)
        seg[lo - start:hi - start] = x[lo:hi]
        out[t] = np.abs(np.fft.rfft(seg * win, nfft)) ** 2
    return out, nfft


def mel_weights(n, nfft, sr, fmin, fmax):
    hz2mel = lambda f: 2595 * np.log10(1 + f / 700)
    mel2hz = lambda m: 700 * (10 ** (m / 2595) - 1)
    pts = mel2hz(np.linspace(hz2mel(fmin), hz2mel(fmax), n + 2))
    f = np.arange(nfft // 2 + 1) * sr / nfft
    w = np.zeros((n, len(f)))
    for m in range(n):
        up = (f - pts[m]) / (pts[m + 1] - pts[m])
        down = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1])
        w[m] = np.maximum(0, np.minimum(up, down))
    return w


def log_mel(x, n=80, F=400, H=160):
    p, nfft = frames_power(x, F, H, F)
    return np.log(np.maximum(p @ mel_weights(n, nfft, SR, 0, SR / 2).T, 1e-10))


def mfcc(x, deltas):
    L = log_mel(x, 40)
    M = L.shape[1]
    k = np.arange(13)[:, None]
    m = np.arange(M)[None, :]
    basis = np.sqrt(np.where(k == 0, 1.0, 2.0) / M) * np.cos(np.pi * k * (m + 0.5) / M)
    c = L @ basis.T

    def delta(c):
        T = len(c)
        idx = lambda i: np.clip(i, 0, T - 1)
        t = np.arange(T)
        return sum(n * (c[idx(t + n)] - c[idx(t - n)]) for n in (1, 2)) / 10.0

    out = [c]
    if deltas >= 1:
        out.append(delta(c))
    if deltas >= 2:
        out.append(delta(out[1]))
    return np.concatenate(out, axis=1)


def chroma(x, F=400, H=160, W=2048):
    p, nfft = frames_power(x, F, H, W)
    f = np.arange(nfft // 2 + 1) * SR / nfft
    w = np.zeros((12, len(f)))
    ok = (f >= 55) & (f <= 4200) & (f > 0)
    pitch = 69 + 12 * np.log2(np.where(ok, f, 1) / 440)
    for c in range(12):
        d = pitch - c
        d = d - 12 * np.floor(d / 12 + 0.5)
        w[c] = np.where(ok, np.exp(-0.5 * (d / 0.5) ** 2), 0)
    ch = p @ w.T
    mx = ch.max(axis=1, keepdims=True)
    return np.where(mx > 0, ch / np.where(mx > 0, mx, 1), 0)


def signal():
    rng = np.random.default_rng(20261127)
    t = np.arange(int(0.6 * SR)) / SR
    x = 0.3 * np.sin(2 * np.pi * 261.63 * t)            # C4
    x += 0.2 * np.sin(2 * np.pi * 329.63 * t + 0.5)     # E4
    x += 0.15 * np.sin(2 * np.pi * 392.00 * t + 1.0)    # G4
    x += 0.1 * np.sin(2 * np.pi * (200 * t + 3000 * t * t))  # chirp
    x += 0.01 * rng.standard_normal(len(t))
    x[:800] *= np.linspace(0, 1, 800)
    return x.astype(np.float32)


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


if __name__ == "__main__":
    x = signal()
    xd = x.astype(np.float64)
    tensors = {
        "signal": x,
        "logmel": log_mel(xd),
        "logmel_hop20": log_mel(xd, 80, 400, 320),
        "mel_weights": mel_weights(80, 512, SR, 0, SR / 2),
        "mfcc": mfcc(xd, 0),
        "mfcc_deltas2": mfcc(xd, 2),
        "chroma": chroma(xd),
    }
    write_safetensors("features-golden.safetensors", tensors,
                      {"generator": "make_features_golden.py", "numpy": np.__version__, "sample_rate": str(SR)})
    for k, v in tensors.items():
        print(k, v.shape)
