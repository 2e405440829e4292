package dev.ingot.nn;

import dev.ingot.core.spec.Conv2dSpec;

/**
 * The residual block of ResNet-18/34 and of He et al.'s CIFAR ResNets (torchvision's
 * {@code BasicBlock}), added to a {@link Graph} as nodes:
 * <pre>
 *   out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
 *   conv1: 3x3, stride s, pad 1;  conv2: 3x3, stride 1, pad 1;  no biases (the BatchNorms shift)
 *   shortcut: x itself, or bn(conv 1x1 stride s (x)) when the stride or the width changes
 *             (He et al.'s option B, torchvision's "downsample")
 * </pre>
 * Node names follow torchvision's state dict: {@code <name>.conv1}, {@code <name>.bn1},
 * {@code <name>.conv2}, {@code <name>.bn2}, {@code <name>.downsample.0} and {@code .1}; the
 * element-wise nodes are {@code <name>.relu1}, {@code <name>.add}, {@code <name>.relu2}.
 *
 * @param inChannels channels coming in
 * @param channels   channels going out (torchvision's {@code planes})
 * @param stride     1, or 2 to halve the resolution
 */
public record BasicBlock(int inChannels, int channels, int stride) {

    public BasicBlock {
        if (inChannels < 1 || channels < 1 || stride < 1) {
            throw new IllegalArgumentException("BasicBlock needs positive channels and stride, got in " + inChannels
                    + ", out " + channels + ", stride " + stride);
        }
    }

    /** Adds the block's nodes under {@code name} reading {@code x}; returns the block's output node. */
    public Graph.Node applyTo(Graph.Builder g, String name, Graph.Node x) {
        Graph.Node h = g.apply(name + ".conv1", conv(channels, 3, stride, 1), x);
        h = g.apply(name + ".bn1", new BatchNorm2d(), h);
        h = g.apply(name + ".relu1", new ReLU(), h);
        h = g.apply(name + ".conv2", conv(channels, 3, 1, 1), h);
        h = g.apply(name + ".bn2", new BatchNorm2d(), h);
        Graph.Node shortcut = projection(g, name, x, inChannels, channels, stride);
        return g.apply(name + ".relu2", new ReLU(), g.add(name + ".add", h, shortcut));
    }

    /** A bias-free convolution with He-normal (fan-out) weights, torchvision's ResNet initialisation. */
    static Conv2d conv(int filters, int kernel, int stride, int padding) {
        return new Conv2d(filters, kernel, kernel, Conv2dSpec.of(stride, padding)).withoutBias().heNormal();
    }

    /** {@code x}, or a 1x1 projection with BatchNorm when the shape changes (torchvision's downsample). */
    static Graph.Node projection(Graph.Builder g, String name, Graph.Node x, int in, int out, int stride) {
        if (stride == 1 && in == out) {
            return x;
        }
        Graph.Node p = g.apply(name + ".downsample.0", conv(out, 1, stride, 0), x);
        return g.apply(name + ".downsample.1", new BatchNorm2d(), p);
    }
}
