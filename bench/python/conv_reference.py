#!/usr/bin/env python3
"""Times the convolution layers of the two reference CNNs in PyTorch: forward (with bias), backward
to the input, to the weights and to the bias, one at a time, at the shapes of Ingot's Conv2dBenchmark,
and writes the results as JSON.

  /usr/bin/python3 bench/python/conv_reference.py --threads 2 --out-dir bench/target/results

The data and filter gradients call the ATen entry point autograd uses (torch.ops.aten.convolution_backward,
with an output mask selecting the input or the weight gradient), so each is timed alone. The bias
gradient is timed as dy.sum(dim=(0, 2, 3)): convolution_backward with only the bias in its mask
takes some 20x longer here (oneDNN path), which would flatter Ingot. --device
cuda sets torch.backends.cudnn.benchmark = True.
"""
import argparse
import sys

import torch

import common

# (layer, C, H, W, K): 3x3 'valid' convolutions with stride 1, as in ReferenceLayers.java.
LAYERS = [
    ("mnist-cnn/conv1", 1, 28, 28, 32),
    ("mnist-cnn/conv2", 32, 13, 13, 64),
    ("mnist-cnn/conv3", 64, 5, 5, 64),
    ("cifar10-cnn/conv1", 3, 32, 32, 32),
    ("cifar10-cnn/conv2", 32, 15, 15, 64),
    ("cifar10-cnn/conv3", 64, 6, 6, 64),
]


def flops(batch, c, h, w, k):
    return 2 * batch * k * (h - 2) * (w - 2) * c * 9


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layers", default=",".join(layer[0] for layer in LAYERS))
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--out-dir", required=True)
    p.add_argument("--tag", default="")
    p.add_argument("--warmup-time", type=float, default=2.0)
    p.add_argument("--min-time", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    threads = args.threads or common.os.cpu_count()
    torch.set_num_threads(threads)
    common.limit_blas_threads(threads)
    device = args.device
    if device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: torch.cuda.is_available() is False")
        torch.backends.cudnn.benchmark = True
    sync = torch.cuda.synchronize if device == "cuda" else None
    wanted = set(common.parse_list(args.layers))
    n = args.batch_size

    results = []
    g = torch.Generator(device="cpu").manual_seed(3)
    for name, c, h, w, k in LAYERS:
        if name not in wanted:
            continue
        x = torch.rand(n, c, h, w, generator=g).to(device)
        weight = (torch.rand(k, c, 3, 3, generator=g) - 0.5).to(device)
        bias = torch.zeros(k).to(device)
        dy = (torch.rand(n, k, h - 2, w - 2, generator=g) - 0.5).to(device)
        aten = torch.ops.aten.convolution_backward

        def forward():
            torch.nn.functional.conv2d(x, weight, bias)

        def backward(mask):
            return lambda: aten(dy, x, weight, [k], [1, 1], [0, 0], [1, 1], False, [0, 0], 1, mask)

        def backward_bias():
            dy.sum(dim=(0, 2, 3))

        for pass_name, op in (("forward", forward), ("backwardData", backward([True, False, False])),
                              ("backwardFilter", backward([False, True, False])), ("backwardBias", backward_bias)):
            t = common.time_operation(op, sync, args.warmup_time, args.min_time, args.rounds)
            gflops = 0.0 if pass_name == "backwardBias" else flops(n, c, h, w, k) / t["seconds"] / 1e9
            print(f"torch {name:18s} {pass_name:14s}: {t['seconds'] * 1e3:8.3f} ms  {gflops:7.1f} GFLOP/s", file=sys.stderr)
            results.append({"kind": "conv2d", "layer": name, "pass": pass_name, "batch_size": n, "gflops": gflops, **t})

    env = common.environment(threads, device)
    env["mkldnn"] = torch.backends.mkldnn.is_available()
    label = f"PyTorch {common.torch_version()}" + (" cuda" if device == "cuda" else "")
    document = {"library": "torch", "library_version": torch.__version__, "label": label,
                "openblas_core_type": common.openblas_core_type(env["blas"]), "environment": env, "results": results}
    suffix = f"-{args.tag}" if args.tag else ""
    common.write_json(f"{args.out_dir}/reference-conv-torch-{device}{suffix}.json", document)


if __name__ == "__main__":
    main()
