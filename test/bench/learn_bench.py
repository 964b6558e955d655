#!/usr/bin/python3
"""SciPy / scikit-learn reference for test/bench/learn-bench.ts (run by it; not a test).

    /usr/bin/python3 test/bench/learn_bench.py IMAGE EIGEN_COUNT PCA_RANK RUNS

On the red channel of IMAGE (float64): the top EIGEN_COUNT eigenvalues of A^T A from ARPACK
(scipy.sparse.linalg.eigsh on a LinearOperator x -> A^T (A x), never forming the Gram matrix),
and the explained-variance ratios of PCA(PCA_RANK, svd_solver='randomized') on the rows. Each
is timed RUNS times (the median is reported; the conversion to float64 is outside the clock).
Prints one JSON object. The caller sets the BLAS thread count and OPENBLAS_CORETYPE.
"""
import json
import statistics
import sys
import time

import numpy as np
from PIL import Image
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn.decomposition import PCA


def main() -> None:
    path, count, rank, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)[:, :, 0].copy()
    n = a.shape[1]
    gram = LinearOperator((n, n), matvec=lambda x: a.T @ (a @ x), matmat=lambda x: a.T @ (a @ x), dtype=np.float64)
    eigsh_times, pca_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        values = eigsh(gram, k=count, which="LA", v0=np.ones(n), return_eigenvectors=False)
        eigsh_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        pca = PCA(n_components=rank, svd_solver="randomized", random_state=0).fit(a)
        pca_times.append(time.perf_counter() - start)
    try:
        from threadpoolctl import threadpool_info

        core = next((p.get("architecture") for p in threadpool_info() if p.get("internal_api") == "openblas"), "?")
    except ImportError:
        core = "?"
    print(
        json.dumps(
            {
                "eigsh_seconds": statistics.median(eigsh_times),
                "eigenvalues": sorted(values.tolist(), reverse=True),
                "pca_seconds": statistics.median(pca_times),
                "ratios": pca.explained_variance_ratio_.tolist(),
                "openblas_coretype": core,
            }
        )
    )


if __name__ == "__main__":
    main()
