"""PyTorch's side of `CpuTimeProbe --layers resnet20`: ResNet-20's 3x3 stride-1 convolutions (no bias),
forward, backward to the input and backward to the weights, each timed alone in the thread's CPU time
on one thread (the ATen entry point autograd uses, torch.ops.aten.convolution_backward, with an
output mask selecting one gradient).

  OMP_NUM_THREADS=1 [ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2] \\
      /usr/bin/python3 bench/python/cpu_time_conv.py [batch] [seconds]
"""
import sys

import torch

import common

# (name, C, H, K): 3x3, stride 1, padding 1, as CpuTimeProbe's resnet-stem, resnet-16, resnet-32, resnet-64
LAYERS = [("resnet-stem", 3, 32, 16), ("resnet-16", 16, 32, 16), ("resnet-32", 32, 16, 32), ("resnet-64", 64, 8, 64)]


def main():
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    torch.set_num_threads(1)
    common.limit_blas_threads(1)
    torch.manual_seed(0)
    for name, c, h, k in LAYERS:
        x = torch.randn(batch, c, h, h)
        w = torch.randn(k, c, 3, 3)
        dy = torch.randn(batch, k, h, h)
        flop = 2.0 * batch * k * h * h * c * 9
        passes = {
            "forward": lambda: torch.nn.functional.conv2d(x, w, None, 1, 1),
            "backwardData": lambda: torch.ops.aten.convolution_backward(
                dy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, False, False]),
            "backwardFilter": lambda: torch.ops.aten.convolution_backward(
                dy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [False, True, False]),
        }
        for what, fn in passes.items():
            with torch.no_grad():
                t, _, _ = common.cpu_time_per_call(fn, seconds)
            print(f"{name:12s} {what:15s} {t * 1e3:8.3f} ms CPU per call = {flop / t * 1e-9:6.1f} GFLOP per CPU s")


if __name__ == "__main__":
    main()
