#!/usr/bin/python3
"""Writes the real CIFAR-10 images as a class-per-folder image tree, the layout torchvision's
ImageFolder, Keras' image_dataset_from_directory and `ingot train --dataset` read:

    OUT/train/<class>/<index>.jpg   (50,000 images)
    OUT/test/<class>/<index>.jpg    (10,000 images)

from the distributed binary batches (data_batch_1..5.bin[.gz], test_batch.bin[.gz]) in
DATA_DIR/cifar-10. --size 224 (or anything from 33 up) upscales with bicubic resampling to load the
decoder the way ImageNet-sized photographs would; --format png keeps the pixels exact.
Needs Pillow (Debian: python3-pil). Datasets are never committed: write OUT outside the repository.

    scripts/cifar10-image-folder.py --data-dir ../shared/data --output /tmp/cifar10-jpeg
    scripts/cifar10-image-folder.py --data-dir ../shared/data --output /tmp/cifar10-jpeg444 --subsampling 4:4:4
    scripts/cifar10-image-folder.py --data-dir ../shared/data --output /tmp/cifar10-jpeg-224 --size 224 --limit-train 10000 --limit-test 2000
"""
import argparse
import gzip
import os
import sys

from PIL import Image

RECORD = 1 + 3 * 32 * 32


def batches(folder, names):
    for name in names:
        for candidate in (name + ".gz", name):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                opener = gzip.open if candidate.endswith(".gz") else open
                with opener(path, "rb") as f:
                    data = f.read()
                if len(data) % RECORD:
                    sys.exit(f"{path}: {len(data)} bytes is not a whole number of {RECORD}-byte records")
                for i in range(0, len(data), RECORD):
                    yield data[i], data[i + 1:i + RECORD]
                break
        else:
            sys.exit(f"{os.path.join(folder, name)}[.gz] not found")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="folder holding cifar-10/ (e.g. ../shared/data)")
    p.add_argument("--output", required=True)
    p.add_argument("--size", type=int, default=32, help="side in pixels (32: as stored; larger: bicubic upscale)")
    p.add_argument("--format", choices=["jpg", "png"], default="jpg")
    p.add_argument("--quality", type=int, default=95, help="JPEG quality (default 95)")
    p.add_argument("--subsampling", choices=["4:2:0", "4:2:2", "4:4:4"], default="4:2:0",
                   help="JPEG chroma subsampling (default 4:2:0, as Pillow and most cameras write; 4:4:4 keeps "
                        "colour at full resolution, which matters at 32 px)")
    p.add_argument("--limit-train", type=int, default=50000)
    p.add_argument("--limit-test", type=int, default=10000)
    a = p.parse_args()
    folder = os.path.join(a.data_dir, "cifar-10")
    with open(os.path.join(folder, "batches.meta.txt")) as f:
        classes = [line.strip() for line in f if line.strip()]
    splits = [("train", [f"data_batch_{i}.bin" for i in range(1, 6)], a.limit_train),
              ("test", ["test_batch.bin"], a.limit_test)]
    for split, names, limit in splits:
        for c in classes:
            os.makedirs(os.path.join(a.output, split, c), exist_ok=True)
        n = 0
        for label, pixels in batches(folder, names):
            if n >= limit:
                break
            # stored as 1024 R, 1024 G, 1024 B bytes: planar to interleaved
            planes = [Image.frombytes("L", (32, 32), pixels[k * 1024:(k + 1) * 1024]) for k in range(3)]
            image = Image.merge("RGB", planes)
            if a.size != 32:
                image = image.resize((a.size, a.size), Image.BICUBIC)
            path = os.path.join(a.output, split, classes[label], f"{n:05d}.{a.format}")
            if a.format == "jpg":
                image.save(path, quality=a.quality, subsampling=a.subsampling)
            else:
                image.save(path)
            n += 1
        print(f"{split}: {n} images in {os.path.join(a.output, split)}")


if __name__ == "__main__":
    main()
