#!/usr/bin/env python3
"""The PyTorch twin of `./ingot train --model cifar10-resnet20`: the same network, initialisation,
data, augmentation and recipe, so that the two test accuracies can be compared.

  /usr/bin/python3 bench/python/resnet20_reference.py --epochs 50 --threads 2 --out runs/resnet20-torch.json \
      --checkpoint runs/resnet20-torch.pt [--resume]

A 50-epoch run takes longer than some sessions last: with --checkpoint the state (weights, optimizer,
both random streams, history, elapsed time) is written atomically after every epoch, and --resume
continues from it, so a resumed run draws the same batches and crops as an uninterrupted one.

Network (Ingot's ResNets.resnet20(), He et al. 2016 section 4.2): 3x3 conv to 16 channels, BN, ReLU;
three stages of three basic blocks at 16/32/64 channels (the first block of stages 2 and 3 has
stride 2); shortcuts that change shape are 1x1 conv + BN projections (option B, torchvision's
"downsample"); global average pooling; a dense layer to 10 classes. 272,474 parameters.
Initialisation as Ingot's: convolutions He-normal with fan-out (torchvision's
kaiming_normal_(mode='fan_out', nonlinearity='relu')), BN gamma 1 / beta 0, dense weights
Glorot-uniform and zero bias (Keras' defaults, Ingot's Linear).

Recipe (Ingot's ReferenceModels.resnet20Optimizer): SGD momentum 0.9, weight decay 5e-4 on every
parameter, learning rate 0.1 at batch 128, a linear warm-up over the first epoch (rate
0.1 * (t+1)/W) then cosine to 0 over the remaining steps, stepped per batch; cross-entropy;
pixels in [0, 1] without mean/std normalisation (as Ingot's datasets); augmentation: pad 4 with
zeros, random 32x32 crop, random horizontal flip; the last partial batch is kept. Validation on
the test set after every epoch, in eval mode (running BN statistics).

Differences that remain: the random streams (weights, order, crops) are PyTorch's, not Ingot's;
Ingot's momentum update is Keras' v = m v - lr_t g; p += v, this script's PyTorch's
v = m v + g; p -= lr_t v (the same while the rate is constant; see docs/decisions.md).
"""
import argparse
import gzip
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, 0, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class ResNet20(nn.Module):
    def __init__(self, classes=10, blocks=3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, inplanes = [], 16
        for stage, planes in enumerate((16, 32, 64)):
            stage_blocks = []
            for b in range(blocks):
                stage_blocks.append(BasicBlock(inplanes, planes, 2 if stage > 0 and b == 0 else 1))
                inplanes = planes
            layers.append(nn.Sequential(*stage_blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.xavier_uniform_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def load_cifar10(root):
    """CIFAR-10's binary version as Ingot reads it: pixels in [0, 1], NCHW float32; labels int64."""
    def read(names):
        raw = []
        for n in names:
            with gzip.open(root / "cifar-10" / n, "rb") as f:
                raw.append(np.frombuffer(f.read(), dtype=np.uint8).reshape(-1, 1 + 3 * 32 * 32))
        raw = np.concatenate(raw)
        images = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
        return torch.from_numpy(images), torch.from_numpy(raw[:, 0].astype(np.int64))
    train = read([f"data_batch_{i}.bin.gz" for i in range(1, 6)])
    test = read(["test_batch.bin.gz"])
    return train, test


def augment(images, generator):
    """Pad 4 with zeros, random 32x32 crop, random horizontal flip, per image."""
    n = images.shape[0]
    padded = F.pad(images, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=generator)
    dx = torch.randint(0, 9, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(images)
    for i in range(n):
        crop = padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32]
        out[i] = crop.flip(2) if flip[i] else crop
    return out


def learning_rate(step, steps_per_epoch, epochs, peak=0.1):
    """Ingot's recipe: linear warm-up over min(1 epoch, total/10) steps, then cosine to 0."""
    total = steps_per_epoch * epochs
    warmup = min(steps_per_epoch, max(1, total // 10))
    if step < warmup:
        return peak * (step + 1) / warmup
    t, span = step - warmup, max(1, total - warmup)
    return 0.0 if t >= span else peak * (1 + math.cos(math.pi * t / span)) / 2


@torch.no_grad()
def evaluate(model, images, labels, batch=1000):
    model.eval()
    correct, loss = 0, 0.0
    for i in range(0, images.shape[0], batch):
        logits = model(images[i:i + batch])
        loss += F.cross_entropy(logits, labels[i:i + batch], reduction="sum").item()
        correct += (logits.argmax(1) == labels[i:i + batch]).sum().item()
    model.train()
    return loss / images.shape[0], correct / images.shape[0]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--limit-train", type=int, default=None, help="train on the first N training images only")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all logical CPUs)")
    p.add_argument("--data-dir", default=None, help="holds cifar-10/ (default: INGOT_DATA_DIR, ~/.ingot/datasets)")
    p.add_argument("--out", default=None, help="write the per-epoch history and final accuracy as JSON here")
    p.add_argument("--checkpoint", default=None, help="write the training state here after every epoch")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint when it exists")
    args = p.parse_args()
    threads = args.threads or common.os.cpu_count()
    torch.set_num_threads(threads)
    common.limit_blas_threads(threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    (train_x, train_y), (test_x, test_y) = load_cifar10(common.data_dir(args.data_dir))
    if args.limit_train:
        train_x, train_y = train_x[:args.limit_train], train_y[:args.limit_train]
    model = ResNet20()
    print(f"ResNet-20: {sum(p.numel() for p in model.parameters()):,} parameters, {threads} threads,"
          f" {train_x.shape[0]:,} training images, batch {args.batch_size}")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    steps_per_epoch = math.ceil(train_x.shape[0] / args.batch_size)
    history, step, start, first_epoch, elapsed_before = [], 0, time.time(), 0, 0.0
    if args.resume and args.checkpoint and Path(args.checkpoint).exists():
        state = torch.load(args.checkpoint)
        if (state["epochs"], state["batch_size"], state["seed"], state["train_images"]) != (
                args.epochs, args.batch_size, args.seed, int(train_x.shape[0])):
            raise SystemExit(f"{args.checkpoint}: written for epochs/batch/seed/images "
                             f"{(state['epochs'], state['batch_size'], state['seed'], state['train_images'])}, "
                             f"not {(args.epochs, args.batch_size, args.seed, int(train_x.shape[0]))}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history, step, first_epoch, elapsed_before = state["history"], state["step"], state["epoch"], state["elapsed"]
        print(f"resuming {args.checkpoint} at epoch {first_epoch + 1}, step {step}", flush=True)
    for epoch in range(first_epoch, args.epochs):
        t0 = time.time()
        order = torch.randperm(train_x.shape[0], generator=generator)
        seen, loss_sum, correct = 0, 0.0, 0
        for i in range(0, train_x.shape[0], args.batch_size):
            idx = order[i:i + args.batch_size]
            x, y = augment(train_x[idx], generator), train_y[idx]
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, steps_per_epoch, args.epochs)
            optimizer.zero_grad(set_to_none=True)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            step += 1
            seen += y.shape[0]
            loss_sum += loss.item() * y.shape[0]
            correct += (logits.argmax(1) == y).sum().item()
        train_seconds = time.time() - t0
        val_loss, val_acc = evaluate(model, test_x, test_y)
        history.append({"epoch": epoch + 1, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
                        "validation_loss": val_loss, "validation_accuracy": val_acc,
                        "images_per_second": seen / train_seconds, "seconds": time.time() - t0})
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / seen:.4f}, accuracy {correct / seen:.4f},"
              f" val_loss {val_loss:.4f}, val_accuracy {val_acc:.4f}, {seen / train_seconds:.0f} images/s,"
              f" {time.time() - t0:.1f} s", flush=True)
        if args.checkpoint:
            Path(args.checkpoint).parent.mkdir(parents=True, exist_ok=True)
            partial = Path(str(args.checkpoint) + ".partial")
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "generator": generator.get_state(), "torch_rng": torch.get_rng_state(),
                        "history": history, "step": step, "epoch": epoch + 1,
                        "elapsed": elapsed_before + time.time() - start, "epochs": args.epochs,
                        "batch_size": args.batch_size, "seed": args.seed,
                        "train_images": int(train_x.shape[0])}, partial)
            partial.replace(args.checkpoint)
    result = {"model": "cifar10-resnet20", "framework": "pytorch " + torch.__version__, "threads": threads,
              "epochs": args.epochs, "batch_size": args.batch_size, "train_images": int(train_x.shape[0]),
              "history": history, "test_accuracy": history[-1]["validation_accuracy"] if history else None,
              "wall_seconds": elapsed_before + time.time() - start,
              "resumed": first_epoch > 0}
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"test accuracy {100 * (result['test_accuracy'] or 0):.2f} % in {result['wall_seconds']:.0f} s")


if __name__ == "__main__":
    main()
