"""Warm start for r=256: first block = [top-c right sing. vectors of a previous r0 run | Gaussian].
Reports r=256 metrics vs steps; cost excludes (and total includes) the previous run.
Usage: /usr/bin/python3 warm.py"""
import numpy as np, json
from exact import OUT, load
from gkl import gkl, evaluate
PREV = {32: (8, 9), 128: (16, 15)}          # previous-run configs (meet r0 targets w/ margin)
# (r0, c = #warm vectors used, b, ks)
DES = [(32, 32, 48, [7, 8, 9, 10]), (32, 32, 64, [5, 6, 7, 8]), (32, 32, 96, [3, 4, 5]),
       (128, 128, 160, [2, 3, 4]), (128, 128, 192, [2, 3]), (128, 64, 128, [2, 3, 4]),
       (128, 128, 128, [2, 3, 4]), (128, 32, 64, [5, 6, 7, 8])]
out = []
for ch in [1, 0, 2]:
    A = load(ch); A64 = A.astype(np.float64); nA2 = (A64**2).sum(); se = np.load(OUT / f'sv_full_{ch}.npy')
    prevV = {r0: gkl(A, b0, k0, seed=100, r_out=r0)[2] for r0, (b0, k0) in PREV.items()}
    for r0, c, b, ks in DES:
        for k in ks:
            for qr in ['np', 'cq2_64']:
                evs = []
                try:
                    for sd in [0, 1, 2]:
                        U, s, V, info = gkl(A, b, k, seed=sd, qr=qr, start=prevV[r0][:, :c].astype(np.float64), r_out=256)
                        evs.append(evaluate(A64, nA2, se, U, s, V, 256))
                    e = {key: max(x[key] for x in evs) for key in evs[0]}
                except np.linalg.LinAlgError as ex:
                    e = dict(fail=str(ex))
                pc = 2*PREV[r0][0]*PREV[r0][1]
                row = dict(ch=ch, r0=r0, c=c, b=b, k=k, qr=qr, cost=2*b*k, total=2*b*k + pc, **e)
                out.append(row); print(row, flush=True)
    json.dump(out, open(OUT / 'warm.json', 'w'))
