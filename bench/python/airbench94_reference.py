#!/usr/bin/env python3
"""The PyTorch twin of the cifar10-airbench94 recipe: KellerJordan/cifar10-airbench legacy/airbench94.py
(94.01 % mean in 3.83 s on an A100) ported to the CPU in float32, eager, with a fixed thread count, so
that Ingot's recipe can be compared on the same machine:

  /usr/bin/python3 bench/python/airbench94_reference.py --threads 2 --seeds 0,1,2 --data-dir ../shared/data
  /usr/bin/python3 bench/python/airbench94_reference.py --threads 1 --step-only   # CPU s of one step at batch 1024

Changes from the original, all forced by the CPU: float32 instead of half, no channels_last, no
torch.compile/cudnn; time from time.perf_counter. Everything else (whitening init on 5000 images,
Dirac init, BatchNorm with frozen weight, momentum 0.6 and eps 1e-12, GELU, widths 64/256/256, scale
1/9, Nesterov SGD with airbench's decay, bias lr x64, triangular schedule to 0.07, label smoothing 0.2
with summed loss, flip + 2-pixel reflect translate with the alternating flip, lookahead EMA every 5
steps, TTA level 2) follows the original line for line.

Status: --step-only run (session 6, see README); the full 3-seed run has not been run yet.
"""
import argparse
import gzip
import json
import sys
import time
from math import ceil

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common import data_dir, _require

HYP = dict(epochs=9.9, batch_size=1024, lr=11.5, momentum=0.85, weight_decay=0.0153, bias_scaler=64.0,
           label_smoothing=0.2, whiten_bias_epochs=3, translate=2, widths=(64, 256, 256), bn_momentum=0.6,
           scaling_factor=1 / 9, tta_level=2)
MEAN = torch.tensor((0.4914, 0.4822, 0.4465)).view(1, 3, 1, 1)
STD = torch.tensor((0.2470, 0.2435, 0.2616)).view(1, 3, 1, 1)


def load_cifar(root, train):
    record = 1 + 3 * 32 * 32
    names = [f"data_batch_{i}.bin.gz" for i in range(1, 6)] if train else ["test_batch.bin.gz"]
    raws = []
    for name in names:
        with gzip.open(_require(root / "cifar-10" / name), "rb") as f:
            raws.append(np.frombuffer(f.read(), dtype=np.uint8).reshape(-1, record))
    raw = np.concatenate(raws)
    images = torch.tensor(raw[:, 1:].reshape(-1, 3, 32, 32), dtype=torch.float32) / 255
    return (images - MEAN) / STD, torch.tensor(raw[:, 0], dtype=torch.int64)


class BatchNorm(nn.BatchNorm2d):
    def __init__(self, num_features, momentum, eps=1e-12):
        super().__init__(num_features, eps=eps, momentum=1 - momentum)
        self.weight.requires_grad = False


class Conv(nn.Conv2d):
    def __init__(self, cin, cout, kernel_size=3, padding="same", bias=False):
        super().__init__(cin, cout, kernel_size=kernel_size, padding=padding, bias=bias)

    def reset_parameters(self):
        super().reset_parameters()
        if self.bias is not None:
            self.bias.data.zero_()
        w = self.weight.data
        torch.nn.init.dirac_(w[:w.size(1)])


class ConvGroup(nn.Module):
    def __init__(self, cin, cout, momentum):
        super().__init__()
        self.conv1, self.pool, self.norm1 = Conv(cin, cout), nn.MaxPool2d(2), BatchNorm(cout, momentum)
        self.conv2, self.norm2, self.activ = Conv(cout, cout), BatchNorm(cout, momentum), nn.GELU()

    def forward(self, x):
        x = self.activ(self.norm1(self.pool(self.conv1(x))))
        return self.activ(self.norm2(self.conv2(x)))


class Mul(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return x * self.scale


def make_net():
    w, m = HYP["widths"], HYP["bn_momentum"]
    net = nn.Sequential(Conv(3, 24, 2, padding=0, bias=True), nn.GELU(), ConvGroup(24, w[0], m),
                        ConvGroup(w[0], w[1], m), ConvGroup(w[1], w[2], m), nn.MaxPool2d(3), nn.Flatten(),
                        nn.Linear(w[2], 10, bias=False), Mul(HYP["scaling_factor"]))
    net[0].weight.requires_grad = False
    return net


def init_whitening_conv(layer, images, eps=5e-4):
    c, (h, w) = images.shape[1], layer.weight.shape[2:]
    patches = images.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c, h, w)
    flat = patches.view(len(patches), -1)
    values, vectors = torch.linalg.eigh(flat.T @ flat / len(flat), UPLO="U")
    values, vectors = values.flip(0).view(-1, 1, 1, 1), vectors.T.reshape(c * h * w, c, h, w).flip(0)
    scaled = vectors / torch.sqrt(values + eps)
    layer.weight.data[:] = torch.cat((scaled, -scaled))


def batch_crop(padded, r, generator):
    n = len(padded)
    shifts = torch.randint(-r, r + 1, size=(n, 2), generator=generator)
    out = torch.empty((n, 3, 32, 32))
    for sy in range(-r, r + 1):
        for sx in range(-r, r + 1):
            mask = (shifts[:, 0] == sy) & (shifts[:, 1] == sx)
            out[mask] = padded[mask, :, r + sy:r + sy + 32, r + sx:r + sx + 32]
    return out


def infer(net, images, tta_level):
    def mirror(x):
        return 0.5 * net(x) + 0.5 * net(x.flip(-1))

    def mirror_translate(x):
        padded = F.pad(x, (1,) * 4, "reflect")
        shifted = [mirror(padded[:, :, 0:32, 0:32]), mirror(padded[:, :, 2:34, 2:34])]
        return 0.5 * mirror(x) + 0.5 * torch.stack(shifted).mean(0)

    fn = [net, mirror, mirror_translate][tta_level]
    net.eval()
    with torch.no_grad():
        return torch.cat([fn(x) for x in images.split(2000)])


def lookahead(ema, net, decay):
    for e, v in zip(ema.values(), net.state_dict().values()):
        if v.dtype == torch.float32:
            e.lerp_(v, 1 - decay)
            v.copy_(e)


def run(seed, train, test, step_only=False):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    bs, momentum = HYP["batch_size"], HYP["momentum"]
    kilostep = 1024 * (1 + 1 / (1 - momentum))
    lr, wd = HYP["lr"] / kilostep, HYP["weight_decay"] * bs / kilostep
    lr_biases = lr * HYP["bias_scaler"]
    images, labels = train
    steps_per_epoch = len(images) // bs
    total = ceil(steps_per_epoch * HYP["epochs"])
    net = make_net()
    norm = [p for k, p in net.named_parameters() if "norm" in k and p.requires_grad]
    other = [p for k, p in net.named_parameters() if "norm" not in k and p.requires_grad]
    opt = torch.optim.SGD([dict(params=norm, lr=lr_biases, weight_decay=wd / lr_biases),
                           dict(params=other, lr=lr, weight_decay=wd / lr)], momentum=momentum, nesterov=True)
    warm = int(total * 0.23)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.2 * (1 - s / warm) + s / warm if s < warm
                                              else (1 - (s - warm) / (total - warm)) + 0.07 * (s - warm) / (total - warm))
    alpha = 0.95 ** 5 * (torch.arange(total + 1) / total) ** 3
    ema = {k: v.clone() for k, v in net.state_dict().items()}
    loss_fn = nn.CrossEntropyLoss(label_smoothing=HYP["label_smoothing"], reduction="none")
    t0 = time.perf_counter()
    init_whitening_conv(net[0], images[:5000])
    flipped = torch.where((torch.rand(len(images), generator=g) < 0.5).view(-1, 1, 1, 1), images.flip(-1), images)
    padded = F.pad(flipped, (HYP["translate"],) * 4, "reflect")
    step = 0
    if step_only:
        x, y = images[:bs], labels[:bs]
        net.train()
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).sum().backward()  # warm-up: allocations, oneDNN primitives
        opt.step()
        # CPU time of this thread (the whole step's with --threads 1), beside wall time, as CpuTimeProbe.
        cpu, t, n = time.thread_time(), time.perf_counter(), 3
        for _ in range(n):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).sum().backward()
            opt.step()
        cpu, wall = (time.thread_time() - cpu) / n, (time.perf_counter() - t) / n
        return dict(batch=bs, cpu_seconds_per_step=cpu, wall_seconds_per_step=wall, images_per_cpu_second=bs / cpu,
                    images_per_second=bs / wall)
    for epoch in range(ceil(HYP["epochs"])):
        net[0].bias.requires_grad = epoch < HYP["whiten_bias_epochs"]
        epoch_images = batch_crop(padded, HYP["translate"], g)
        if epoch % 2 == 1:
            epoch_images = epoch_images.flip(-1)
        order = torch.randperm(len(images), generator=g)
        net.train()
        for i in range(steps_per_epoch):
            idx = order[i * bs:(i + 1) * bs]
            loss = loss_fn(net(epoch_images[idx]), labels[idx]).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 5 == 0:
                lookahead(ema, net, alpha[step].item())
            if step >= total:
                lookahead(ema, net, 1.0)  # airbench's last update: the weights take the average's value
                break
        print(f"seed {seed} epoch {epoch + 1}: {time.perf_counter() - t0:.1f} s", flush=True)
    logits = infer(net, test[0], HYP["tta_level"])
    accuracy = (logits.argmax(1) == test[1]).float().mean().item()
    return dict(seed=seed, tta_accuracy=accuracy, seconds=time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--data-dir")
    p.add_argument("--step-only", action="store_true", help="time the training step at batch 1024 only")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    root = data_dir(args.data_dir)
    train = load_cifar(root, True)
    test = load_cifar(root, False)
    results = [run(int(s), train, test, args.step_only) for s in args.seeds.split(",")]
    json.dump(dict(threads=args.threads, torch=torch.__version__, results=results), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
