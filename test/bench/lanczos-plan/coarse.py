"""The coarse start at r = 32 (core/svd/coarse-start.ts): the start block is the top 32 right
singular vectors of the channel shrunk 4 times each way (box means, LAPACK), each row repeated 4
times, then one block-Lanczos step of 32 columns; against the engine's usual 16 x 6 from a
Gaussian block. Worst over R, G, B and 3 seeds (the seed only matters for the Gaussian start).
Then the later stages that extend that space in blocks of 32 (lanczosPlan): 32 x 8 at r = 128,
32 x 14 at r = 256 (the coarse start is deterministic: one run each).
Usage: /usr/bin/python3 coarse.py"""
import numpy as np, json
from exact import OUT, load
from gkl import gkl, evaluate

F = 4

def coarse_start(A64, c):
    m, n = A64.shape
    mm, nn = m // F, n // F
    S = A64[:mm * F, :nn * F].reshape(mm, F, nn, F).mean(axis=(1, 3))
    _, _, Vt = np.linalg.svd(S, full_matrices=False)
    P = np.repeat(Vt[:c].T, F, axis=0)
    if P.shape[0] < n:
        P = np.vstack([P, np.repeat(P[-1:], n - P.shape[0], axis=0)])
    return P

out = []
for kind in ['full', 'crop']:
    for ch in [1, 0, 2]:
        A = load(ch)
        if kind == 'crop':
            A = np.ascontiguousarray(A[:1000, :1000])
        A64 = A.astype(np.float64); nA2 = (A64 ** 2).sum(); se = np.load(OUT / f'sv_{kind}_{ch}.npy')
        start = coarse_start(A64, 32)
        for label, b, k, st in [('gaussian', 16, 6, None), ('coarse', 32, 1, start), ('coarse', 32, 2, start)]:
            ev = [evaluate(A64, nA2, se, *gkl(A, b, k, seed=sd, start=st, r_out=32)[:3], 32) for sd in [0, 1, 2]]
            row = dict(img=kind, ch=ch, r=32, start=label, b=b, k=k, cost=2 * b * k, **{key: round(max(e[key] for e in ev), 4) for key in ev[0]})
            out.append(row); print(row, flush=True)
        for r, k in [(128, 8), (256, 14)]:
            e = evaluate(A64, nA2, se, *gkl(A, 32, k, seed=0, start=start, r_out=r)[:3], r)
            row = dict(img=kind, ch=ch, r=r, start='coarse', b=32, k=k, cost=64 * k, **{key: round(v, 4) for key, v in e.items()})
            out.append(row); print(row, flush=True)
json.dump(out, open(OUT / 'coarse.json', 'w'))
