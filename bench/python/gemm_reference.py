#!/usr/bin/env python3
"""Times square float32 GEMMs C = A B (the sizes of Ingot's GemmBenchmark) with NumPy (on whatever
BLAS it is linked to: OpenBLAS on Debian) and with torch.mm, and writes one JSON file per library.

  /usr/bin/python3 bench/python/gemm_reference.py --threads 2 --out-dir bench/target/results

The BLAS kernel OpenBLAS picked for this CPU is recorded ("architecture" in the JSON's blas list);
set OPENBLAS_CORETYPE (e.g. SkylakeX) to force another one. With --device cuda, torch.mm runs on
the GPU (cuBLAS) and NumPy is skipped.
"""
import argparse
import sys

import numpy as np

import common


def numpy_gemm(size, rng):
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    c = np.empty((size, size), dtype=np.float32)
    return lambda: np.matmul(a, b, out=c), None


def torch_gemm(size, device):
    import torch
    g = torch.Generator(device="cpu").manual_seed(size)
    a = torch.rand(size, size, generator=g).to(device)
    b = torch.rand(size, size, generator=g).to(device)
    c = torch.empty(size, size, device=device)
    sync = torch.cuda.synchronize if device == "cuda" else None
    return lambda: torch.mm(a, b, out=c), sync


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="128,256,512,1024,2048")
    p.add_argument("--libraries", default="numpy,torch")
    p.add_argument("--threads", type=int, default=None, help="BLAS/torch threads (default: all logical CPUs)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--out-dir", required=True)
    p.add_argument("--tag", default="", help="appended to the output file names and labels, e.g. a core type")
    p.add_argument("--warmup-time", type=float, default=2.0)
    p.add_argument("--min-time", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    threads = args.threads or common.os.cpu_count()
    common.limit_blas_threads(threads)
    sizes = common.parse_list(args.sizes, int)
    rng = np.random.default_rng(1)

    for library in common.parse_list(args.libraries):
        if library == "numpy" and args.device != "cpu":
            print("numpy runs on the CPU only; skipped for --device cuda", file=sys.stderr)
            continue
        if library == "torch":
            import torch
            torch.set_num_threads(threads)
            if args.device == "cuda" and not torch.cuda.is_available():
                raise SystemExit("--device cuda: torch.cuda.is_available() is False")
        env = common.environment(threads, args.device)
        results = []
        for size in sizes:
            op, sync = numpy_gemm(size, rng) if library == "numpy" else torch_gemm(size, args.device)
            t = common.time_operation(op, sync, args.warmup_time, args.min_time, args.rounds)
            gflops = 2.0 * size ** 3 / t["seconds"] / 1e9
            print(f"{library:6s} gemm {size:5d}: {t['seconds'] * 1e3:9.3f} ms  {gflops:8.1f} GFLOP/s", file=sys.stderr)
            results.append({"kind": "gemm", "size": size, "gflops": gflops, **t})
        core = common.openblas_core_type(env["blas"])
        version = np.__version__ if library == "numpy" else __import__("torch").__version__
        label = ("NumPy" if library == "numpy" else "torch.mm") + (f" {args.device}" if args.device != "cpu" else "")
        if args.device == "cpu" and core:
            label += f" OpenBLAS {core}"
        document = {"library": library, "library_version": version, "label": label, "openblas_core_type": core,
                    "environment": env, "results": results}
        suffix = f"-{args.tag}" if args.tag else ""
        common.write_json(f"{args.out_dir}/reference-gemm-{library}-{args.device}{suffix}.json", document)


if __name__ == "__main__":
    main()
