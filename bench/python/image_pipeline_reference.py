#!/usr/bin/python3
"""PyTorch's side of the image-pipeline race: torchvision ImageFolder + DataLoader(num_workers=N),
the consumer doing nothing but take the batches; the twin of dev.ingot.bench.ImagePipelineBenchmark.

    bench/python/image_pipeline_reference.py --root /tmp/cifar10-jpeg/train --size 32 --augment cifar --workers 2
    bench/python/image_pipeline_reference.py --root /tmp/cifar10-jpeg-224/train --size 224 --augment imagenet --workers 2
    bench/python/image_pipeline_reference.py --root /tmp/cifar10-jpeg-224/train --size 224 --augment imagenet --profile 600
"""
import argparse
import time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

CIFAR_MEAN, CIFAR_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--augment", choices=["cifar", "imagenet"], default="cifar")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batches", type=int, default=300)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--profile", type=int, default=0,
                   help="instead of the race: CPU time per stage of N images on this one thread")
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.augment == "cifar":   # = ingot --augment pad-crop:4,hflip,normalize:cifar10
        t = transforms.Compose([transforms.RandomCrop(a.size, padding=4), transforms.RandomHorizontalFlip(),
                                transforms.ToTensor(), transforms.Normalize(CIFAR_MEAN, CIFAR_STD)])
    else:                      # = ingot --augment random-resized-crop:224,hflip,normalize:imagenet
        t = transforms.Compose([transforms.RandomResizedCrop(a.size), transforms.RandomHorizontalFlip(),
                                transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    if a.profile:
        profile(datasets.ImageFolder(a.root), t, a)
        return
    data = datasets.ImageFolder(a.root, transform=t)
    loader = DataLoader(data, batch_size=a.batch_size, shuffle=True, num_workers=a.workers,
                        generator=torch.Generator().manual_seed(1))
    seen = images = 0
    start = time.perf_counter()
    for x, y in loader:
        if seen == a.warmup:
            start = time.perf_counter()
            images = 0
        images += x.shape[0]
        seen += 1
        if seen == a.warmup + a.batches:
            break
    seconds = time.perf_counter() - start
    print(f"torchvision pipeline: {a.root}, {a.size}x{a.size}, {a.augment} transforms, {a.workers} workers, "
          f"batch {a.batch_size}: {images / seconds:,.0f} images/s over {seen - a.warmup} batches ({seconds:.1f} s)")


def profile(data, compose, a):
    """What one DataLoader worker does per image (ImageFolder.__getitem__: PIL open + convert('RGB'),
    then each transform), charged in this thread's CPU time (time.thread_time), which other load on
    the machine does not inflate: the twin of ImagePipelineBenchmark --profile."""
    torch.manual_seed(1)
    stages = {"read + decode (PIL open, convert RGB)": 0.0}
    for step in compose.transforms:
        stages[type(step).__name__] = 0.0
    warmup = max(1, a.profile // 10)
    for k in range(warmup + a.profile):
        path, _ = data.samples[k % len(data.samples)]
        t0 = time.thread_time()
        img = data.loader(path)
        t1 = time.thread_time()
        if k >= warmup:
            stages["read + decode (PIL open, convert RGB)"] += t1 - t0
        for step in compose.transforms:
            s0 = time.thread_time()
            img = step(img)
            s1 = time.thread_time()
            if k >= warmup:
                stages[type(step).__name__] += s1 - s0
    total = sum(stages.values())
    print(f"torchvision pipeline profile: {a.root}, {a.size}x{a.size}, {a.augment} transforms, {a.profile} images,"
          f" CPU time of one thread:")
    for name, sec in stages.items():
        print(f"  {name:40s} {sec / a.profile * 1e6:9.1f} us/image  {100 * sec / total:5.1f} %")
    print(f"  {'total':40s} {total / a.profile * 1e6:9.1f} us/image  ({a.profile / total:,.0f} images/s per thread)")


if __name__ == "__main__":
    main()
