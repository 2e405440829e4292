"""NumPy (OpenBLAS) SGEMM on one thread, timed in the thread's CPU time as well as wall time: the
reference side of dev.ingot.bench.CpuTimeProbe, for A/B comparisons on a machine other processes
share. Run with OPENBLAS_NUM_THREADS=1 (OpenBLAS then computes on the calling thread, so the
thread's CPU time is the product's) and OPENBLAS_CORETYPE to pick the kernel:

  OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell /usr/bin/python3 bench/python/cpu_time_gemm.py 1024,2048
"""
import sys
import time

import numpy as np


def main():
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "1024,2048").split(",")]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    try:
        from threadpoolctl import threadpool_info
        core = ", ".join(str(p.get("architecture")) for p in threadpool_info() if p.get("internal_api") == "openblas")
        threads = ", ".join(str(p.get("num_threads")) for p in threadpool_info() if p.get("internal_api") == "openblas")
    except ImportError:
        core, threads = "?", "?"
    print(f"OpenBLAS core type {core}, {threads} thread(s)")
    rng = np.random.default_rng(42)
    for n in sizes:
        a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
        c = np.empty((n, n), np.float32)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            np.matmul(a, b, out=c)
        cpu0, wall0, ops = time.thread_time(), time.perf_counter(), 0
        end = wall0 + seconds
        while True:
            np.matmul(a, b, out=c)
            ops += 1
            if time.perf_counter() >= end:
                break
        cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
        flops = 2.0 * n ** 3 * ops
        print(f"sgemm {n:<6} {flops / cpu / 1e9:8.1f} GFLOP per CPU s  (wall {flops / wall / 1e9:.1f} GFLOP/s, "
              f"{ops} ops, cpu/wall {cpu / wall:.2f})")


if __name__ == "__main__":
    main()
