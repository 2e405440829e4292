package dev.ingot.transfer;

import dev.ingot.models.ResNets;
import dev.ingot.nn.Graph;
import java.util.List;
import java.util.Locale;

/**
 * The architectures whose PyTorch weights Ingot can load, by the names PyTorch users know:
 * torchvision's {@code resnet18}, {@code resnet34}, {@code resnet50}, and He et al.'s CIFAR
 * ResNets {@code cifar-resnet<6n+2>} ({@code cifar-resnet20}, {@code -32}, {@code -56}, ...).
 * All take any input size that survives their downsampling.
 */
public final class Architectures {
    public static final List<String> NAMES = List.of("resnet18", "resnet34", "resnet50", "cifar-resnet<6n+2>");

    private Architectures() {
    }

    /**
     * The image size an image folder is resized to for {@code name} when {@code --image-size} is not
     * given: the size the weights are usually trained at, 224 for torchvision's ImageNet ResNets
     * (torchvision's {@code Resize(256)}, {@code CenterCrop(224)} recipe) and 32 for the CIFAR ResNets.
     */
    public static int defaultImageSize(String name) {
        create(name, 2).close();   // the name's error, if it is not one of ours
        return name.toLowerCase(Locale.ROOT).startsWith("cifar-resnet") ? 32 : 224;
    }

    /** A fresh, unbuilt network called {@code name} with {@code classes} outputs. */
    public static Graph create(String name, int classes) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "resnet18":
                return ResNets.resnet18(classes);
            case "resnet34":
                return ResNets.resnet34(classes);
            case "resnet50":
                return ResNets.resnet50(classes);
            default:
                break;
        }
        if (n.startsWith("cifar-resnet")) {
            try {
                int depth = Integer.parseInt(n.substring("cifar-resnet".length()));
                if (depth >= 8 && (depth - 2) % 6 == 0) {
                    return ResNets.cifarResNet((depth - 2) / 6, classes);
                }
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("no architecture called '" + name + "'; known: " + NAMES
                + " (CIFAR depths 8, 14, 20, 26, 32, ..., 56, ...)");
    }
}
