#!/usr/bin/python3
"""Pretrains a CIFAR ResNet (He et al. 6n+2, option-B projections: Ingot's `cifar-resnet<depth>`
layout and PyTorch state-dict names) on some CIFAR-10 classes with PyTorch, and writes its state
dict as safetensors for `ingot finetune --weights`. The transfer experiment in README's transfer
section: pretrain on classes 0-4 (airplane..deer), fine-tune in Ingot on classes 5-9 (dog..truck).

    /usr/bin/python3 scripts/cifar-resnet-pretrain.py --data-dir ../shared/data --classes 0,1,2,3,4 \
        --depth 8 --epochs 6 --output /tmp/transfer/pretrained.safetensors \
        --random-output /tmp/transfer/random.safetensors

--random-output also writes the same network untrained (the seeded initialisation), the
random-init baseline fine-tuned with the same command and budget. Inputs are normalised with
CIFAR-10's mean and std (Ingot: --augment ...,normalize:cifar10); training uses pad-4 crop + flip,
SGD momentum 0.9, weight decay 5e-4, cosine learning rate from 0.1, batch 128.
Needs python3-torch. Datasets and weights are never committed: write OUTPUT outside the repository.
"""
import argparse
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from torchvision_fixture import CifarResNet, write_safetensors  # noqa: E402

MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
STD = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)


def load(folder, names, classes):
    xs, ys = [], []
    for name in names:
        path = os.path.join(folder, name + ".gz")
        opener = gzip.open if os.path.exists(path) else open
        with opener(path if os.path.exists(path) else os.path.join(folder, name), "rb") as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8).reshape(-1, 1 + 3 * 32 * 32)
        keep = np.isin(raw[:, 0], classes)
        xs.append(raw[keep, 1:].reshape(-1, 3, 32, 32))
        ys.append(raw[keep, 0])
    x = torch.from_numpy(np.concatenate(xs).astype(np.float32) / 255.0)
    y = torch.from_numpy(np.concatenate(ys).astype(np.int64))
    remap = {c: i for i, c in enumerate(classes)}
    y = torch.tensor([remap[int(v)] for v in y])
    return (x - MEAN) / STD, y


def augment(x, gen):
    n = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=gen)
    dx = torch.randint(0, 9, (n,), generator=gen)
    out = torch.empty_like(x)
    flip = torch.rand(n, generator=gen) < 0.5
    for i in range(n):
        crop = padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        out[i] = crop.flip(2) if flip[i] else crop
    return out


def accuracy(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x), 500):
            correct += (model(x[s:s + 500]).argmax(1) == y[s:s + 500]).sum().item()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="folder holding cifar-10/ (e.g. ../shared/data)")
    p.add_argument("--classes", default="0,1,2,3,4")
    p.add_argument("--depth", type=int, default=8, help="6n+2: 8, 14, 20, ...")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", required=True)
    p.add_argument("--random-output", help="also write the untrained network (the random-init baseline)")
    a = p.parse_args()
    if a.depth < 8 or (a.depth - 2) % 6:
        sys.exit(f"--depth must be 6n+2 (8, 14, 20, ...), got {a.depth}")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    classes = [int(c) for c in a.classes.split(",")]
    folder = os.path.join(a.data_dir, "cifar-10")
    x, y = load(folder, [f"data_batch_{i}.bin" for i in range(1, 6)], classes)
    tx, ty = load(folder, ["test_batch.bin"], classes)
    model = CifarResNet((a.depth - 2) // 6, len(classes))
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    if a.random_output:
        write_safetensors(a.random_output, model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    steps = a.epochs * math.ceil(len(x) / a.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    start = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total, seen = 0.0, 0
        for s in range(0, len(x), a.batch_size):
            idx = order[s:s + a.batch_size]
            loss = F.cross_entropy(model(augment(x[idx], gen)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        print(f"epoch {epoch + 1}/{a.epochs}: train loss {total / seen:.4f}, test accuracy "
              f"{100 * accuracy(model, tx, ty):.2f}% on {len(tx)} images of classes {classes} "
              f"({time.time() - start:.0f} s)", flush=True)
    write_safetensors(a.output, model.state_dict())
    print(f"wrote {a.output}: cifar-resnet{a.depth}, {len(classes)} classes, {len(x)} training images, "
          f"{time.time() - start:.0f} s, CPU {time.process_time():.0f} s")


if __name__ == "__main__":
    main()
