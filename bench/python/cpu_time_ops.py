"""Everything of a ResNet-20 training step outside the convolutions, op by op at ResNet-20's shapes,
on one thread, timed in the thread's CPU time: the reference side of
`CpuTimeProbe --layers resnet20-rest`, with the same ops, shapes, counts per step and output lines.

  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 [ATEN_CPU_CAPABILITY=avx2] \\
      /usr/bin/python3 bench/python/cpu_time_ops.py [batch] [seconds]

Each op is the ATen call autograd makes in training (so each allocates its output, as PyTorch does):
native_batch_norm (training) and native_batch_norm_backward, relu and threshold_backward, add, the
adaptive average pool to 1x1 and its backward, and torch.optim.SGD's step (momentum 0.9, weight decay
5e-4) over ResNet-20's 65 parameter tensors (272,474 values); `copy` is Tensor.copy_ into an
existing tensor, the yardstick of BatchNorm's target (forward + backward <= 5 copies).
"""
import sys

import torch
import torch.nn.functional as F

import common

STAGES = [(16, 32, 32), (32, 16, 16), (64, 8, 8)]
BATCH_NORMS = [7, 7, 7]
RELUS = [7, 6, 6]
ADDS = [3, 3, 3]
GRADIENT_SUMS = [4, 3, 2]


def measure(label, seconds, body):
    """CpuTimeProbe.measure: ms of CPU per call of body(), printed under `label`."""
    cpu, _, n = common.cpu_time_per_call(body, seconds)
    print(f"{label:<32} {cpu * 1e3:8.3f} ms CPU per call ({n} calls)")
    return cpu * 1e3


def resnet20_parameter_shapes():
    shapes = [(16, 3, 3, 3), (16,), (16,)]
    inp = 16
    for stage in range(3):
        width = 16 << stage
        for _ in range(3):
            shapes += [(width, inp, 3, 3), (width,), (width,), (width, width, 3, 3), (width,), (width,)]
            if inp != width:
                shapes += [(width, inp, 1, 1), (width,), (width,)]
            inp = width
    return shapes + [(10, 64), (10,)]


def main():
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    torch.set_num_threads(1)
    common.limit_blas_threads(1)
    cap = next((l.split(":", 1)[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l), "?")
    print(f"torch {torch.__version__}, 1 thread, ATen CPU capability {cap}; batch {batch}")
    torch.manual_seed(42)
    per_step = {}

    def add_step(key, ms):
        per_step[key] = per_step.get(key, 0.0) + ms

    aten = torch.ops.aten
    with torch.no_grad():
        for s, (c, h, w) in enumerate(STAGES):
            stage = f"{c}x{h}x{w}"
            x = torch.rand(batch, c, h, w) * 4 - 1
            y = torch.zeros_like(x)
            dy = torch.rand_like(x) * 2 - 1
            gamma = torch.rand(c) + 0.5
            beta = torch.rand(c) * 2 - 1
            running_mean, running_var = torch.zeros(c), torch.ones(c)
            _, save_mean, save_invstd = aten.native_batch_norm(x, gamma, beta, running_mean, running_var, True, 0.1,
                                                               1e-5)
            copy = measure(f"{stage} copy", seconds, lambda: y.copy_(x))
            bn_forward = measure(f"{stage} batchNorm forward", seconds, lambda: aten.native_batch_norm(
                x, gamma, beta, running_mean, running_var, True, 0.1, 1e-5))
            bn_backward = measure(f"{stage} batchNorm backward", seconds, lambda: aten.native_batch_norm_backward(
                dy, x, gamma, running_mean, running_var, save_mean, save_invstd, True, 1e-5, [True, True, True]))
            ratio = (bn_forward + bn_backward) / copy
            print(f"{stage + ' batchNorm fwd+bwd':<32} {ratio:8.2f} x copy (target <= 5: "
                  f"{'met' if ratio <= 5 else 'not met'})")
            relu_out = torch.relu(x)
            relu_forward = measure(f"{stage} relu forward", seconds, lambda: torch.relu(x))
            relu_backward = measure(f"{stage} relu backward", seconds, lambda: aten.threshold_backward(dy, relu_out, 0))
            add = measure(f"{stage} add", seconds, lambda: torch.add(x, dy))
            add_step("batchNorm forward", bn_forward * BATCH_NORMS[s])
            add_step("batchNorm backward", bn_backward * BATCH_NORMS[s])
            add_step("relu forward", relu_forward * RELUS[s])
            add_step("relu backward", relu_backward * RELUS[s])
            add_step("residual add", add * ADDS[s])
            add_step("gradient sum (fan-out)", add * GRADIENT_SUMS[s])
            if s == len(STAGES) - 1:
                pooled = F.adaptive_avg_pool2d(x, 1)
                d_pooled = torch.rand_like(pooled)
                pool_forward = measure(f"{stage} global avg pool fwd", seconds, lambda: F.adaptive_avg_pool2d(x, 1))
                pool_backward = measure(f"{stage} global avg pool bwd", seconds,
                                        lambda: aten._adaptive_avg_pool2d_backward(d_pooled, x))
                add_step("global avg pool", pool_forward + pool_backward)
    shapes = resnet20_parameter_shapes()
    params = [torch.nn.Parameter(torch.rand(shape) * 0.2 - 0.1) for shape in shapes]
    count = sum(p.numel() for p in params)
    assert count == 272_474, count
    for p in params:
        p.grad = torch.rand_like(p) * 0.02 - 0.01
    optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4)
    add_step("sgd step", measure(f"sgd momentum+wd, {len(params)} tensors", seconds, optimizer.step))
    total = 0.0
    for key, ms in per_step.items():
        print(f"per step: {key:<24} {ms:8.2f} ms CPU")
        total += ms
    print(f"per step: {'total outside convs':<24} {total:8.2f} ms CPU")


if __name__ == "__main__":
    main()
