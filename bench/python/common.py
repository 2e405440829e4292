"""Shared parts of the reference scripts: timing (JMH-like), environment facts, data, JSON output.

Timing follows what the JMH side does, so the two columns of the report mean the same thing: warm
up for a while, then several measurement rounds of at least `min_time` seconds each; the score is
the mean time per operation over the rounds (JMH's Mode.AverageTime), with the fastest round and
the spread kept beside it. On a GPU every operation ends with a device synchronize, as every Ingot
benchmark method ends with backend.synchronize().
"""
import datetime
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def time_operation(op, sync=None, warmup_time=2.0, min_time=1.0, rounds=5):
    """Seconds per call of op(): mean over `rounds` rounds, plus the best round and the stdev."""

    def run(calls):
        start = time.perf_counter()
        for _ in range(calls):
            op()
            if sync is not None:
                sync()
        return time.perf_counter() - start

    # Warm-up, which also calibrates how many calls fill min_time.
    calls = 1
    deadline = time.perf_counter() + warmup_time
    elapsed = run(calls)
    while time.perf_counter() < deadline or elapsed < min_time / 10:
        if elapsed < min_time / 4:
            calls *= 2
        elapsed = run(calls)
    per_call = max(elapsed / calls, 1e-9)
    calls = max(1, int(min_time / per_call))

    per_round = [run(calls) / calls for _ in range(rounds)]
    return {
        "seconds": statistics.fmean(per_round),
        "seconds_min": min(per_round),
        "seconds_stdev": statistics.stdev(per_round) if len(per_round) > 1 else 0.0,
        "calls_per_round": calls,
        "rounds": rounds,
    }


def cpu_time_per_call(body, seconds):
    """The CPU-time probes' one timing loop (CpuTimeProbe.measure's twin): body() runs for `seconds` of
    this thread's CPU time to warm up, then for a window of `seconds` CPU seconds that ends after the call
    that crosses it. Returns (CPU seconds per call, wall seconds per call, calls in the window). Thread CPU
    time, not wall time, so a figure holds while other processes share the machine; run the library under
    test on this thread alone (OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        body()
    cpu0, wall0, n = time.thread_time(), time.perf_counter(), 0
    end = cpu0 + seconds
    while True:
        body()
        n += 1
        if time.thread_time() >= end:
            break
    return (time.thread_time() - cpu0) / n, (time.perf_counter() - wall0) / n, n


def blas_info():
    """The BLAS libraries loaded in this process, with OpenBLAS' kernel ("core type"), via threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl not installed (apt-get install python3-threadpoolctl); BLAS unknown"}]
    keep = ("user_api", "internal_api", "version", "architecture", "threading_layer", "num_threads", "filepath")
    return [{k: pool.get(k) for k in keep if k in pool} for pool in threadpool_info()]


def limit_blas_threads(threads):
    """Caps every BLAS/OpenMP pool at `threads` (OpenBLAS keeps its own pool beside torch's OpenMP)."""
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=threads)
    except ImportError:
        return None


def environment(threads, device):
    """Facts the report prints beside the numbers: machine, versions, threads, BLAS kernel, date."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    env = {k: v for k, v in sorted(os.environ.items()) if k.startswith(("OPENBLAS_", "OMP_", "GOMP_", "MKL_"))}
    return {
        "debian_packages": debian_packages(("python3-torch", "python3-numpy", "libopenblas0-pthread")),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "numpy": np.__version__,
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "threads": threads,
        "device": device,
        "environment": env,
        "blas": blas_info(),
    }


def debian_packages(names):
    """Installed Debian package versions (PyTorch's __version__ says 1.13.0a0 for Debian's 1.13.1)."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *names],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def torch_version():
    """PyTorch's version as its package says it: Debian's 1.13.1 build reports __version__ 1.13.0a0."""
    import torch
    if torch.__file__.startswith("/usr/lib/python3/"):
        version = debian_packages(("python3-torch",)).get("python3-torch")
        if version:
            return version.split(":")[-1].split("+")[0]
    return torch.__version__.split("+")[0]


def openblas_core_type(blas):
    """The OpenBLAS kernel in use ("Haswell", "SkylakeX", ...), or None."""
    for pool in blas:
        if pool.get("internal_api") == "openblas":
            return pool.get("architecture")
    return None


def write_json(path, document):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    tmp.replace(path)
    print(f"wrote {path}", file=sys.stderr)


def parse_list(text, kind=str):
    return [kind(x) for x in text.split(",") if x.strip()]


# ---------------------------------------------------------------- data

def data_dir(cli_value=None):
    """--data-dir, else INGOT_DATA_DIR, else ~/.ingot/datasets (the engine's own rule)."""
    if cli_value:
        return Path(cli_value)
    if os.environ.get("INGOT_DATA_DIR"):
        return Path(os.environ["INGOT_DATA_DIR"])
    return Path.home() / ".ingot" / "datasets"


def _require(path):
    if not path.is_file():
        raise SystemExit(f"dataset file {path} not found: put the dataset there, or point --data-dir / "
                         f"INGOT_DATA_DIR at the folder holding mnist/ and cifar-10/")
    return path


def load_first_images(dataset, count, root):
    """The first `count` test-split images (float32 in [0, 1], NCHW) and labels (int64) of a dataset:
    the batch Ingot's TrainingStepBenchmark trains on (the test split is the smaller file to load)."""
    if dataset == "mnist":
        with gzip.open(_require(root / "mnist" / "t10k-images-idx3-ubyte.gz"), "rb") as f:
            header = np.frombuffer(f.read(16), dtype=">u4")
            if header[0] != 2051:
                raise SystemExit(f"{f.name}: bad IDX magic {header[0]} at byte 0, expected 2051")
            rows, cols = int(header[2]), int(header[3])
            pixels = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8)
        with gzip.open(_require(root / "mnist" / "t10k-labels-idx1-ubyte.gz"), "rb") as f:
            f.read(8)
            labels = np.frombuffer(f.read(count), dtype=np.uint8)
        images = pixels.reshape(count, 1, rows, cols)
    elif dataset == "cifar10":
        record = 1 + 3 * 32 * 32
        with gzip.open(_require(root / "cifar-10" / "test_batch.bin.gz"), "rb") as f:
            raw = np.frombuffer(f.read(count * record), dtype=np.uint8).reshape(count, record)
        labels = raw[:, 0]
        images = raw[:, 1:].reshape(count, 3, 32, 32)
    else:
        raise SystemExit(f"unknown dataset {dataset!r}")
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)
