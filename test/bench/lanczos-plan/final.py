"""20-seed robustness of candidate configs (+ Musco&Musco b=128,q=3 for comparison).
Usage: /usr/bin/python3 final.py"""
import numpy as np, json
from exact import OUT, load
from gkl import gkl, musco, evaluate
CAND = {32: [(8, 10), (16, 6), (32, 4), (64, 2)], 128: [(16, 15), (32, 8), (48, 6), (64, 5)],
        256: [(32, 14), (48, 10), (64, 8), (96, 5), (128, 4)]}
SEEDS = list(range(20, 40)); out = []
for kind, ch in [('full', 1), ('full', 0), ('full', 2), ('crop', 1)]:
    A = load(ch)
    if kind == 'crop': A = np.ascontiguousarray(A[:1000, :1000])
    A64 = A.astype(np.float64); nA2 = (A64**2).sum(); se = np.load(OUT / f'sv_{kind}_{ch}.npy')
    for r, l in CAND.items():
        for b, k in l:
            ev = [evaluate(A64, nA2, se, *gkl(A, b, k, seed=sd, r_out=r)[:3], r) for sd in SEEDS]
            row = dict(img=kind, ch=ch, r=r, b=b, k=k, cost=2*b*k, **{key: max(e[key] for e in ev) for key in ev[0]})
            out.append(row); print(row, flush=True)
    ev = [evaluate(A64, nA2, se, *musco(A, 128, 3, seed=sd, r_out=256)[:3], 256) for sd in SEEDS[:5]]
    row = dict(img=kind, ch=ch, r=256, b='musco128', k=3, cost=1408, **{key: max(e[key] for e in ev) for key in ev[0]})
    out.append(row); print(row, flush=True)
    json.dump(out, open(OUT / 'final.json', 'w'))
