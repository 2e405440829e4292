"""The three reference models in PyTorch, layer for layer the Keras models Ingot trains.

Keras' Conv2D/Dense with 'valid' padding, ReLU, MaxPooling2D(2), Dropout(0.2), glorot_uniform kernels
and zero biases; logits out (the loss applies the softmax). Keras flattens channels-last, PyTorch
channels-first: the same number of features in another order, which changes neither the parameter
count nor the work. KERAS_PARAMETERS are the totals model.summary() prints for the Keras originals.
"""
import torch
from torch import nn

KERAS_PARAMETERS = {"mnist-mlp": 101_770, "mnist-cnn": 93_322, "cifar10-cnn": 122_570,
                    # not a Keras model: Ingot's ResNets.resnet20() (He et al. 2016), its PyTorch twin's count
                    "cifar10-resnet20": 272_474}
DATASET = {"mnist-mlp": "mnist", "mnist-cnn": "mnist", "cifar10-cnn": "cifar10", "cifar10-resnet20": "cifar10"}
INPUT_SHAPE = {"mnist": (1, 28, 28), "cifar10": (3, 32, 32)}


def _conv_stack(in_channels, flat_features):
    return [
        nn.Conv2d(in_channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(flat_features, 64), nn.ReLU(),
        nn.Linear(64, 10),
    ]


def build(name):
    if name == "cifar10-resnet20":
        from resnet20_reference import ResNet20  # the twin of `./ingot train --model cifar10-resnet20`
        return ResNet20()
    if name == "mnist-mlp":
        layers = [nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10)]
    elif name == "mnist-cnn":
        layers = _conv_stack(1, 64 * 3 * 3)
    elif name == "cifar10-cnn":
        layers = _conv_stack(3, 64 * 4 * 4)
    else:
        raise SystemExit(f"unknown model {name!r}; known: {sorted(KERAS_PARAMETERS)}")
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # Keras glorot_uniform: fan_in = C*R*S, fan_out = K*R*S
            nn.init.zeros_(m.bias)
    return model


def parameter_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def optimizer(name, model):
    """The model's training recipe's optimizer, as Ingot's ReferenceModels: Adam for the Keras models; SGD
    momentum 0.9, weight decay 5e-4, rate 0.1 for ResNet-20 (the step's cost does not depend on the rate)."""
    if name == "cifar10-resnet20":
        return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    return adam(model)


def adam(model):
    """Keras' Adam defaults: lr 1e-3, betas (0.9, 0.999), epsilon 1e-7 (PyTorch's default is 1e-8)."""
    return torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)


if __name__ == "__main__":
    for name, expected in KERAS_PARAMETERS.items():
        count = parameter_count(build(name))
        print(f"{name}: {count} parameters (Keras: {expected}) {'OK' if count == expected else 'MISMATCH'}")
