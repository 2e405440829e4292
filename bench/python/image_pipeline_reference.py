#!/usr/bin/python3
"""PyTorch's side of the image-pipeline race: torchvision ImageFolder + DataLoader(num_workers=N),
the consumer doing nothing but take the batches; the twin of dev.ingot.bench.ImagePipelineBenchmark.

    bench/python/image_pipeline_reference.py --root /tmp/cifar10-jpeg/train --size 32 --augment cifar --workers 2
    bench/python/image_pipeline_reference.py --root /tmp/cifar10-jpeg-224/train --size 224 --augment imagenet --workers 2
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
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.augment == "cifar":   # = ingot --augment pad-crop:4,hflip,normalize:cifar10
        t = transforms.Compose([transforms.RandomCrop(a.size, padding=4), transforms.RandomHorizontalFlip(),
                                transforms.ToTensor(), transforms.Normalize(CIFAR_MEAN, CIFAR_STD)])
    else:                      # = ingot --augment random-resized-crop:224,hflip,normalize:imagenet
        t = transforms.Compose([transforms.RandomResizedCrop(a.size), transforms.RandomHorizontalFlip(),
                                transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
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


if __name__ == "__main__":
    main()
