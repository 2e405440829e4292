"""NumPy (OpenBLAS) SGEMM on one thread, timed in the thread's CPU time as well as wall time: the
reference side of dev.ingot.bench.CpuTimeProbe, for A/B comparisons on a machine other processes
share. Run with OPENBLAS_NUM_THREADS=1 (OpenBLAS then computes on the calling thread, so the
thread's CPU time is the product's) and OPENBLAS_CORETYPE to pick the kernel:

  OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell /usr/bin/python3 bench/python/cpu_time_gemm.py 1024,2048
"""
import sys

import numpy as np

import common


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
        cpu, wall, ops = common.cpu_time_per_call(lambda: np.matmul(a, b, out=c), seconds)
        flops = 2.0 * n ** 3
        print(f"sgemm {n:<6} {flops / cpu / 1e9:8.1f} GFLOP per CPU s  (wall {flops / wall / 1e9:.1f} GFLOP/s, "
              f"{ops} ops, cpu/wall {cpu / wall:.2f})")


if __name__ == "__main__":
    main()
