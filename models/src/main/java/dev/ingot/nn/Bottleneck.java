package dev.ingot.nn;

/**
 * The residual block of ResNet-50/101/152 (torchvision's {@code Bottleneck}, stride on the 3x3
 * convolution as in torchvision's "ResNet v1.5"), added to a {@link Graph} as nodes:
 * <pre>
 *   out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x))
 *   conv1: 1x1 to width;  conv2: 3x3 stride s pad 1;  conv3: 1x1 to 4 * width;  no biases
 *   shortcut: x, or bn(conv 1x1 stride s (x)) when the stride or the width changes
 * </pre>
 * Node names follow torchvision's state dict ({@code <name>.conv1} ... {@code <name>.bn3},
 * {@code <name>.downsample.0/1}).
 *
 * @param inChannels channels coming in
 * @param width      channels inside the block (torchvision's {@code planes}); 4 * width go out
 * @param stride     1, or 2 to halve the resolution
 */
public record Bottleneck(int inChannels, int width, int stride) {
    /** Output channels per inner channel. */
    public static final int EXPANSION = 4;

    public Bottleneck {
        if (inChannels < 1 || width < 1 || stride < 1) {
            throw new IllegalArgumentException("Bottleneck needs positive channels and stride, got in " + inChannels
                    + ", width " + width + ", stride " + stride);
        }
    }

    /** Channels going out: {@code 4 * width}. */
    public int outChannels() {
        return EXPANSION * width;
    }

    /** Adds the block's nodes under {@code name} reading {@code x}; returns the block's output node. */
    public Graph.Node applyTo(Graph.Builder g, String name, Graph.Node x) {
        Graph.Node h = g.apply(name + ".conv1", BasicBlock.conv(width, 1, 1, 0), x);
        h = g.apply(name + ".bn1", new BatchNorm2d(), h);
        h = g.apply(name + ".relu1", new ReLU(), h);
        h = g.apply(name + ".conv2", BasicBlock.conv(width, 3, stride, 1), h);
        h = g.apply(name + ".bn2", new BatchNorm2d(), h);
        h = g.apply(name + ".relu2", new ReLU(), h);
        h = g.apply(name + ".conv3", BasicBlock.conv(outChannels(), 1, 1, 0), h);
        h = g.apply(name + ".bn3", new BatchNorm2d(), h);
        Graph.Node shortcut = BasicBlock.projection(g, name, x, inChannels, outChannels(), stride);
        return g.apply(name + ".relu3", new ReLU(), g.add(name + ".add", h, shortcut));
    }
}
