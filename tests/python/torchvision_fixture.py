"""Writes seeded PyTorch networks and their logits as safetensors, for Ingot's import tests.

    python3 torchvision_fixture.py OUTPUT_DIR

Writes, all random-initialised from fixed seeds (nothing is downloaded):
  resnet18.safetensors        torchvision resnet18 (1000 classes) state dict, F32, BatchNorm
                              num_batches_tracked as I64, exactly as torch saves it
  resnet18-logits.safetensors "input" (2, 3, 64, 64) and "logits" (2, 1000), eval mode
  cifar-resnet8.safetensors   a CIFAR ResNet-8 (He et al. 6n+2, n=1, option-B projections, Ingot's
                              layout) state dict in BF16; the model runs on the BF16-rounded weights
  cifar-resnet8-logits.safetensors  "input" (2, 3, 32, 32) and "logits" (2, 10)
  image0.png, image1.png       two random 32x32 RGB images; images-probabilities.safetensors: the
                              CIFAR ResNet-8's softmax on them after ToTensor + Normalize(CIFAR mean, std)
  dtypes.safetensors          the same values as F16, BF16 and F32 ("x.f16", "x.bf16", "x.f16.as_f32",
                              "x.bf16.as_f32") to pin the half-precision decoders

BatchNorm scales, shifts and running statistics are randomised too (a fresh torchvision model
has gamma 1, beta 0, mean 0, var 1, which would not catch a swapped or skipped buffer).
The safetensors files are written with struct + json so that the `safetensors` package is not needed.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torchvision

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.bfloat16:
            # numpy has no bfloat16: take the raw 16 bits through int16.
            data = t.view(torch.int16).numpy().tobytes()
        else:
            data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def randomise_batchnorm(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=gen) * 1.0 + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 1.0 + 0.5)
                m.num_batches_tracked.fill_(7)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return torch.relu(h + (x if self.downsample is None else self.downsample(x)))


class CifarResNet(nn.Module):
    """He et al. 2016 section 4.2 with option-B shortcuts: Ingot's ResNets.cifarResNet."""

    def __init__(self, n, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for stage, width in enumerate([16, 32, 64]):
            blocks = []
            for b in range(n):
                blocks.append(BasicBlock(cin, width, 2 if stage > 0 and b == 0 else 1))
                cin = width
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.layer3(self.layer2(self.layer1(h)))
        return self.fc(h.mean(dim=(2, 3)))


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(20261207)
    gen = torch.Generator().manual_seed(16)

    model = torchvision.models.resnet18()
    randomise_batchnorm(model, gen)
    model.eval()
    x = torch.rand(2, 3, 64, 64, generator=gen)
    with torch.no_grad():
        logits = model(x)
    write_safetensors(os.path.join(out, "resnet18.safetensors"), model.state_dict())
    write_safetensors(os.path.join(out, "resnet18-logits.safetensors"), {"input": x, "logits": logits})

    cifar = CifarResNet(1, 10)
    randomise_batchnorm(cifar, gen)
    with torch.no_grad():
        for p in list(cifar.parameters()) + [b for n, b in cifar.named_buffers() if "running" in n]:
            p.copy_(p.to(torch.bfloat16).to(torch.float32))
    cifar.eval()
    x = torch.rand(2, 3, 32, 32, generator=gen)
    with torch.no_grad():
        logits = cifar(x)
    state = {k: (v.to(torch.bfloat16) if v.is_floating_point() else v) for k, v in cifar.state_dict().items()}
    write_safetensors(os.path.join(out, "cifar-resnet8.safetensors"), state)
    write_safetensors(os.path.join(out, "cifar-resnet8-logits.safetensors"), {"input": x, "logits": logits})

    # Two PNG images and the class probabilities torchvision's ToTensor + Normalize pipeline gives.
    from PIL import Image
    mean, std = [0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]
    pixels = (torch.rand(2, 32, 32, 3, generator=gen) * 256).clamp(0, 255).to(torch.uint8)
    for i in range(2):
        Image.fromarray(pixels[i].numpy(), "RGB").save(os.path.join(out, "image%d.png" % i))
    x = pixels.permute(0, 3, 1, 2).to(torch.float32) / 255
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    with torch.no_grad():
        probs = torch.softmax(cifar(x), dim=1)
    write_safetensors(os.path.join(out, "images-probabilities.safetensors"), {"probabilities": probs})

    v = torch.cat([torch.randn(61, generator=gen) * 100,
                   torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 1e-7, 3.0e38, 1e-40])])
    write_safetensors(os.path.join(out, "dtypes.safetensors"), {
        "x.f16": v.clamp(-65504, 65504).to(torch.float16),
        "x.bf16": v.to(torch.bfloat16),
        "x.f16.as_f32": v.clamp(-65504, 65504).to(torch.float16).to(torch.float32),
        "x.bf16.as_f32": v.to(torch.bfloat16).to(torch.float32),
    })
    print("wrote fixtures to", out, "torch", torch.__version__, "torchvision", torchvision.__version__)


if __name__ == "__main__":
    main(sys.argv[1])
