"""Sweep block size b and steps for r in {32,128,256} on R,G,B channels of the 12 MP photo
(+ 1 MP green crop). Worst case over seeds. Usage: /usr/bin/python3 sweep.py"""
import numpy as np, json, math, sys
from exact import OUT, load
from gkl import gkl, evaluate
BL = {32: [8, 16, 32, 48, 64], 128: [16, 32, 48, 64, 96, 128], 256: [32, 48, 64, 96, 128]}
SEEDS = [0, 1, 2]
out = []
cases = [('crop', 1), ('full', 1), ('full', 0), ('full', 2)]
for kind, ch in cases:
    A = load(ch)
    if kind == 'crop': A = np.ascontiguousarray(A[:1000, :1000])
    A64 = A.astype(np.float64); nA2 = (A64**2).sum()
    se = np.load(OUT / f'sv_{kind}_{ch}.npy')
    for r, bl in BL.items():
        for b in bl:
            for k in range(max(1, math.ceil(r/b)), math.floor(2.5*r/b) + 1):
                ev = [evaluate(A64, nA2, se, *gkl(A, b, k, seed=sd, r_out=r)[:3], r) for sd in SEEDS]
                row = dict(img=kind, ch=ch, r=r, b=b, k=k, s=b*k, cost=2*b*k,
                           **{key: max(e[key] for e in ev) for key in ev[0]})
                out.append(row); print(row, flush=True)
        json.dump(out, open(OUT / 'sweep.json', 'w'))
