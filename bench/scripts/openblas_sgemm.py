#!/usr/bin/env python3
"""OpenBLAS SGEMM through NumPy, square sizes, the baseline GemmBenchmark is compared against.

    python3 bench/scripts/openblas_sgemm.py [threads] [sizes...]
    OPENBLAS_CORETYPE=SkylakeX python3 bench/scripts/openblas_sgemm.py 2

Prints GFLOP/s = 2*n^3 / best time per product (best of 5 rounds, each long enough to be timed).
OpenBLAS's thread count is fixed at import, from OPENBLAS_NUM_THREADS, which this script sets from
its first argument (default 1). NumPy's bundled OpenBLAS may not know the CPU: it then falls back to
an older kernel (it reports "Haswell", AVX2, on Zen 5); OPENBLAS_CORETYPE=SkylakeX selects its
AVX-512 kernel. OPENBLAS_VERBOSE=2 prints the kernel it chose.
"""
import os
import sys

threads = sys.argv[1] if len(sys.argv) > 1 else "1"
os.environ["OPENBLAS_NUM_THREADS"] = threads

import time  # noqa: E402

import numpy as np  # noqa: E402

sizes = [int(s) for s in sys.argv[2:]] or [128, 256, 512, 1024, 2048]
rng = np.random.default_rng(42)
for n in sizes:
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    c = np.empty((n, n), np.float32)
    reps = max(3, int(2e9 / (2 * n ** 3)))
    for _ in range(reps):
        np.matmul(a, b, out=c)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        best = min(best, (time.perf_counter() - t) / reps)
    print(f"openblas threads={threads} n={n}: {2 * n ** 3 / best / 1e9:.1f} GFLOP/s ({best * 1e3:.3f} ms)")
