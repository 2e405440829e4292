package dev.ingot.models;

import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.nn.BasicBlock;
import dev.ingot.nn.BatchNorm2d;
import dev.ingot.nn.Bottleneck;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.Graph;
import dev.ingot.nn.GlobalAvgPool2d;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.ReLU;
import dev.ingot.core.spec.Conv2dSpec;

/**
 * Residual networks as {@link Graph}s, with torchvision's node (and so parameter) names:
 * {@code conv1}, {@code bn1}, {@code layer<stage>.<block>.conv1}, ..., {@code fc}.
 * Convolutions are bias-free with He-normal (fan-out) weights, BatchNorms start at gamma 1, beta 0
 * (torchvision's initialisation); the classifier is a Glorot-uniform dense layer with zero bias.
 */
public final class ResNets {
    private ResNets() {
    }

    /**
     * He et al. 2016's CIFAR ResNet of depth {@code 6n + 2} (section 4.2): a 3x3 convolution to 16
     * channels, three stages of {@code n} basic blocks at 16, 32 and 64 channels (the first block of
     * stages 2 and 3 halves the resolution), global average pooling and a dense layer. Shortcuts
     * that change shape are 1x1 projections (option B); see docs/decisions.md.
     *
     * @param blocksPerStage n: 3 for ResNet-20, 5 for ResNet-32, 9 for ResNet-56
     */
    public static Graph cifarResNet(int blocksPerStage, int classes) {
        if (blocksPerStage < 1 || classes < 1) {
            throw new IllegalArgumentException("cifarResNet needs at least 1 block per stage and 1 class, got "
                    + blocksPerStage + " and " + classes);
        }
        Graph.Builder g = Graph.builder();
        Graph.Node h = g.input();
        h = g.apply("conv1", new Conv2d(16, 3, 3, Conv2dSpec.of(1, 1)).withoutBias().heNormal(), h);
        h = g.apply("bn1", new BatchNorm2d(), h);
        h = g.apply("relu", new ReLU(), h);
        int in = 16;
        int[] widths = {16, 32, 64};
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < blocksPerStage; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                h = new BasicBlock(in, widths[stage], stride).applyTo(g, "layer" + (stage + 1) + "." + block, h);
                in = widths[stage];
            }
        }
        h = g.apply("avgpool", new GlobalAvgPool2d(), h);
        return g.build(g.apply("fc", new Linear(classes), h));
    }

    /** ResNet-20: {@link #cifarResNet} with 3 blocks per stage, 10 classes. */
    public static Graph resnet20() {
        return cifarResNet(3, 10);
    }

    /**
     * torchvision's {@code resnet18}: 7x7/2 convolution to 64 channels, 3x3/2 max-pool, four stages
     * of two basic blocks at 64, 128, 256 and 512 channels, global average pooling, a dense layer.
     * Any input size that survives the five halvings (32x32 and up) and any class count; 11,689,512
     * parameters at 1,000 classes, as torchvision's.
     */
    public static Graph resnet18(int classes) {
        return imagenetResNet(new int[] {2, 2, 2, 2}, false, classes);
    }

    /** torchvision's {@code resnet34}: blocks 3, 4, 6, 3. */
    public static Graph resnet34(int classes) {
        return imagenetResNet(new int[] {3, 4, 6, 3}, false, classes);
    }

    /** torchvision's {@code resnet50}: bottleneck blocks 3, 4, 6, 3; 25,557,032 parameters at 1,000 classes. */
    public static Graph resnet50(int classes) {
        return imagenetResNet(new int[] {3, 4, 6, 3}, true, classes);
    }

    private static Graph imagenetResNet(int[] blocks, boolean bottleneck, int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("a ResNet needs at least 1 class, got " + classes);
        }
        Graph.Builder g = Graph.builder();
        Graph.Node h = g.input();
        h = g.apply("conv1", new Conv2d(64, 7, 7, Conv2dSpec.of(2, 3)).withoutBias().heNormal(), h);
        h = g.apply("bn1", new BatchNorm2d(), h);
        h = g.apply("relu", new ReLU(), h);
        h = g.apply("maxpool", new MaxPool2d(Pool2dSpec.of(3, 2, 1)), h);
        int in = 64;
        for (int stage = 0; stage < 4; stage++) {
            int width = 64 << stage;
            for (int block = 0; block < blocks[stage]; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                String name = "layer" + (stage + 1) + "." + block;
                if (bottleneck) {
                    Bottleneck b = new Bottleneck(in, width, stride);
                    h = b.applyTo(g, name, h);
                    in = b.outChannels();
                } else {
                    h = new BasicBlock(in, width, stride).applyTo(g, name, h);
                    in = width;
                }
            }
        }
        h = g.apply("avgpool", new GlobalAvgPool2d(), h);
        return g.build(g.apply("fc", new Linear(classes), h));
    }
}
