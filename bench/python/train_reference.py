#!/usr/bin/env python3
"""Times one training step (forward, cross-entropy loss, backward, Adam; SGD for ResNet-20) of the reference models
in PyTorch eager mode, at the batch sizes of Ingot's TrainingStepBenchmark, on one fixed batch of
real images (the first of the test split, as the Java side), and writes the results as JSON.

  /usr/bin/python3 bench/python/train_reference.py --threads 2 --out-dir bench/target/results

--device cuda runs on the GPU with torch.backends.cudnn.benchmark = True (cuDNN picks its fastest
algorithm per shape, as Ingot's CUDA backend does) and a synchronize after every step.
"""
import argparse
import sys

import torch
import torch.nn.functional as F

import common
import reference_models


def training_step(model, optimizer, images, labels):
    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
    return step


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="mnist-mlp,mnist-cnn,cifar10-cnn,cifar10-resnet20")
    p.add_argument("--batch-sizes", default="32,64,128")
    p.add_argument("--resnet20-batch-sizes", default="128",
                   help="batch sizes of cifar10-resnet20 (its recipe's 128; TrainingStepBenchmark times it there)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all logical CPUs)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--data-dir", default=None, help="holds mnist/ and cifar-10/ (default: INGOT_DATA_DIR, ~/.ingot/datasets)")
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
    root = common.data_dir(args.data_dir)
    batch_sizes = common.parse_list(args.batch_sizes, int)
    resnet_batches = common.parse_list(args.resnet20_batch_sizes, int)

    results, parameters = [], {}
    for name in common.parse_list(args.models):
        dataset = reference_models.DATASET[name]
        images_all, labels_all = common.load_first_images(dataset, max(batch_sizes + resnet_batches), root)
        torch.manual_seed(42)
        model = reference_models.build(name).to(device).train()
        count = reference_models.parameter_count(model)
        parameters[name] = count
        print(f"{name}: {count} trainable parameters (expected: {reference_models.KERAS_PARAMETERS[name]})",
              file=sys.stderr)
        if count != reference_models.KERAS_PARAMETERS[name]:
            raise SystemExit(f"{name}: PyTorch model has {count} parameters, the Keras original "
                             f"{reference_models.KERAS_PARAMETERS[name]}: the architectures differ")
        optimizer = reference_models.optimizer(name, model)
        for batch in (resnet_batches if name == "cifar10-resnet20" else batch_sizes):
            images = torch.from_numpy(images_all[:batch]).to(device)
            labels = torch.from_numpy(labels_all[:batch]).to(device)
            t = common.time_operation(training_step(model, optimizer, images, labels), sync,
                                      args.warmup_time, args.min_time, args.rounds)
            ips = batch / t["seconds"]
            print(f"torch {name:12s} batch {batch:4d}: {t['seconds'] * 1e3:8.3f} ms/step  {ips:9.0f} images/s",
                  file=sys.stderr)
            results.append({"kind": "train_step", "model": name, "batch_size": batch, "images_per_second": ips, **t})

    env = common.environment(threads, device)
    core = common.openblas_core_type(env["blas"])
    label = f"PyTorch {common.torch_version()}" + (" cuda" if device == "cuda" else "")
    env["torch_config"] = torch.__config__.show()
    env["torch_parallel"] = torch.__config__.parallel_info()
    if device == "cuda":
        env["gpu"] = torch.cuda.get_device_name(0)
        env["cudnn"] = torch.backends.cudnn.version()
    document = {"library": "torch", "library_version": torch.__version__, "label": label, "openblas_core_type": core,
                "parameters": parameters, "environment": env, "results": results}
    suffix = f"-{args.tag}" if args.tag else ""
    common.write_json(f"{args.out_dir}/reference-train-torch-{device}{suffix}.json", document)


if __name__ == "__main__":
    main()
