#!/usr/bin/python3
"""scikit-learn reference for test/bench/engine-bench.ts (run by it; not a test).

Times sklearn.utils.extmath.randomized_svd(A, rank, n_oversamples=10, n_iter=4, random_state=0)
on channels of a sample photo and prints one JSON object on stdout. Only the randomized_svd
calls are timed; each repetition decomposes every requested channel in turn, sequentially.
Each input type in --dtypes is timed in this one process, one after the other: float32 (the
engine's type, the strict comparison) and float64 (A.astype(np.float64), converted before the
clock starts: how randomized_svd is usually called, and what its float64 BLAS calls cost).
The BLAS thread count is whatever OMP_NUM_THREADS / OPENBLAS_NUM_THREADS say (the caller sets
them); the BLAS library, its thread count and the kernel OpenBLAS picked for this CPU are
reported from threadpoolctl (or, without it, numpy's build configuration). With
--check-channel, the last repetition's result for that channel is checked in float64: its
singular values, ||A - A_k||_F^2 for every k <= rank, the residual ||A - A_rank||_F formed
directly, and the orthonormality of U and V.

Needs Debian's python3-numpy, python3-pil and python3-sklearn; without sklearn it prints
{"available": false, ...} and exits 0.

    /usr/bin/python3 test/bench/sklearn_bench.py --image PATH --channels 0,1,2 --ranks 32,256 \
        --repeats 3 [--dtypes float32,float64] [--crop TOP,LEFT,HEIGHT,WIDTH] [--check-channel 1] [--sha256 HEX]
"""
import argparse
import hashlib
import json
import os
import resource
import sys
import time


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--channels", required=True, help="comma-separated channel indices, decomposed in this order")
    parser.add_argument("--ranks", required=True, help="comma-separated ranks")
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--dtypes", default="float32", help="comma-separated input types, timed in this order")
    parser.add_argument("--crop", default=None, help="TOP,LEFT,HEIGHT,WIDTH")
    parser.add_argument("--check-channel", type=int, default=None)
    parser.add_argument("--sha256", default=None, help="expected SHA-256 of the check channel's 8-bit samples")
    return parser.parse_args()


def integers(text: str) -> list:
    return [int(part) for part in text.split(",") if part]


def numpy_blas_name(np) -> str:
    """The BLAS numpy was built against, from its build configuration (no thread count there)."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]  # numpy >= 1.26
        return f"{blas.get('name')} {blas.get('version') or ''}".strip()
    except Exception:  # older numpy: no `mode`, the configuration is in module attributes
        pass
    for key in ("blas_opt_info", "blas_ilp64_opt_info", "openblas_info"):
        info = getattr(np.__config__, key, None)
        if info and info.get("libraries"):
            return ",".join(dict.fromkeys(info["libraries"]))
    return "unknown"


def loaded_blas_files() -> list:
    """BLAS shared libraries mapped into this process (Linux), symlinks resolved: with Debian's
    alternatives the build configuration only says "blas", this says which one was loaded."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return []
    return sorted({os.path.realpath(path) for path in paths})


def blas_description(np) -> dict:
    """The BLAS libraries loaded in this process (numpy's and scipy's, which may differ), with
    the thread count each will use and, for OpenBLAS, the kernel it picked for this CPU."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        name = " ".join([numpy_blas_name(np), *loaded_blas_files()])
        return {"blas": f"{name} (numpy.show_config; python3-threadpoolctl missing)", "threads": None, "architecture": None, "blasPools": []}
    pools = [
        {
            "name": f"{pool.get('internal_api')} {pool.get('version') or ''}".strip(),
            "threads": pool.get("num_threads"),
            "architecture": pool.get("architecture"),
            "threadingLayer": pool.get("threading_layer"),
            "file": pool.get("filepath"),
        }
        for pool in threadpool_info()
        if pool.get("user_api") == "blas"
    ]
    if not pools:
        name = " ".join([numpy_blas_name(np), *loaded_blas_files()])
        return {"blas": f"{name} (numpy.show_config; not seen by threadpoolctl)", "threads": None, "architecture": None, "blasPools": []}
    first = pools[0]
    return {"blas": first["name"], "threads": first["threads"], "architecture": first["architecture"], "blasPools": pools}


def load_channels(np, image_cls, path: str, channels: list, crop):
    pixels = np.asarray(image_cls.open(path).convert("RGB"))
    planes = {}
    for channel in channels:
        plane = pixels[:, :, channel]
        if crop is not None:
            top, left, height, width = crop
            plane = plane[top : top + height, left : left + width]
        planes[channel] = np.ascontiguousarray(plane, dtype=np.uint8)
    return planes


def squared_error_curve(np, a, u, sigma, vt) -> list:
    """||A - A_k||_F^2 for k = 0..rank without forming A_k (float64):
    ||A||^2 - 2 sum_{i<k} s_i u_i'Av_i + sum_{i,j<k} s_i s_j (u_i'u_j)(v_i'v_j)."""
    v = vt.T
    norm_squared = float(np.sum(a * a))
    cross = np.sum(u * (a @ v), axis=0)
    weights = np.outer(sigma, sigma) * (u.T @ u) * (v.T @ v)
    rank = sigma.shape[0]
    errors = [norm_squared]
    linear = 0.0
    quadratic = 0.0
    for k in range(1, rank + 1):
        i = k - 1
        linear += sigma[i] * cross[i]
        quadratic += weights[i, i] + 2.0 * float(np.sum(weights[i, :i]))
        errors.append(float(norm_squared - 2.0 * linear + quadratic))
    return errors


def check(np, plane, u32, sigma32, vt32) -> dict:
    a = plane.astype(np.float64)
    u = u32.astype(np.float64)
    sigma = sigma32.astype(np.float64)
    vt = vt32.astype(np.float64)
    rank = sigma.shape[0]
    residual = float(np.linalg.norm(a - (u * sigma) @ vt))
    eye = np.eye(rank)
    orthonormality = float(max(np.max(np.abs(u.T @ u - eye)), np.max(np.abs(vt @ vt.T - eye))))
    return {
        "sigma": [float(x) for x in sigma],
        "squaredErrors": squared_error_curve(np, a, u, sigma, vt),
        "residual": residual,
        "orthonormality": orthonormality,
    }


def main() -> None:
    args = parse_arguments()
    try:
        import sklearn
        from sklearn.utils.extmath import randomized_svd
    except ImportError as error:
        print(json.dumps({"available": False, "missing": "sklearn", "reason": str(error)}))
        return
    try:
        import numpy as np
        from PIL import Image
    except ImportError as error:
        print(json.dumps({"available": False, "missing": error.name, "reason": str(error)}))
        return

    channels = integers(args.channels)
    ranks = integers(args.ranks)
    dtypes = [name for name in args.dtypes.split(",") if name]
    crop = integers(args.crop) if args.crop else None
    planes = load_channels(np, Image, args.image, channels, crop)

    sha_ok = None
    if args.check_channel is not None and args.sha256:
        sha_ok = hashlib.sha256(planes[args.check_channel].tobytes()).hexdigest() == args.sha256

    def decompose(matrix, rank):
        return randomized_svd(matrix, rank, n_oversamples=10, n_iter=4, random_state=0)

    results = []
    kept = {}
    # ru_maxrss after each type's runs; it only grows, so the first is float32's own peak and
    # the later ones include the earlier types.
    peak_rss_mb = {}
    for dtype in dtypes:
        matrices = {channel: planes[channel].astype(dtype) for channel in channels}
        # Warm-up: the first call pays for lazy imports inside scipy/sklearn, and each type has
        # its own BLAS routines (sgemm / dgemm).
        decompose(np.random.default_rng(0).random((256, 256)).astype(dtype), 8)
        for rank in ranks:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                for channel in channels:
                    u, sigma, vt = decompose(matrices[channel], rank)
                    if channel == args.check_channel:
                        kept[(dtype, rank)] = (u, sigma, vt)
                times.append(time.perf_counter() - start)
            results.append({"rank": rank, "dtype": dtype, "outputDtype": str(u.dtype), "times": times})
        del matrices
        peak_rss_mb[dtype] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if args.check_channel is not None:
        for result in results:
            result.update(check(np, planes[args.check_channel], *kept[(result["dtype"], result["rank"])]))

    print(json.dumps({
        "available": True,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "ompThreads": os.environ.get("OMP_NUM_THREADS"),
        **blas_description(np),
        "sha256Ok": sha_ok,
        "peakRssMb": peak_rss_mb,
        "ranks": results,
    }))

if __name__ == "__main__":
    main()
