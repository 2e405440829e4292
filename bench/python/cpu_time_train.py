"""One PyTorch training step (train_reference.py's: forward, cross-entropy, backward, Adam on one
fixed batch of real images) on one thread, timed in the thread's CPU time as well as wall time: the
reference side of `CpuTimeProbe --train`, for A/B comparisons on a machine other processes share.

  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 \\
      /usr/bin/python3 bench/python/cpu_time_train.py mnist-cnn,cifar10-cnn 64
"""
import sys

import torch

import common
import reference_models
from train_reference import training_step


def main():
    models = (sys.argv[1] if len(sys.argv) > 1 else "mnist-cnn,cifar10-cnn").split(",")
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    torch.set_num_threads(1)
    common.limit_blas_threads(1)
    cap = next((l.split(":", 1)[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l), "?")
    print(f"torch {torch.__version__}, 1 thread, ATen CPU capability {cap}")
    root = common.data_dir(None)
    for name in models:
        images_all, labels_all = common.load_first_images(reference_models.DATASET[name], batch, root)
        torch.manual_seed(42)
        model = reference_models.build(name).train()
        step = training_step(model, reference_models.optimizer(name, model), torch.from_numpy(images_all[:batch]),
                             torch.from_numpy(labels_all[:batch]))
        cpu_per_step, wall_per_step, n = common.cpu_time_per_call(step, seconds)   # budgets in CPU seconds, as CpuTimeProbe's
        print(f"train {name:<12} batch {batch}: {cpu_per_step * 1e3:7.2f} ms CPU per step = {batch / cpu_per_step:6.0f} images "
              f"per CPU s  (wall {wall_per_step * 1e3:.2f} ms, {n} steps)")


if __name__ == "__main__":
    main()
