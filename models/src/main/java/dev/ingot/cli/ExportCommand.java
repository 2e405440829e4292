package dev.ingot.cli;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.core.Shape;
import dev.ingot.nn.Model;
import dev.ingot.transfer.OnnxExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ingot export}: a trained network as an ONNX model (inference graph and weights), from an
 * Ingot checkpoint or from PyTorch weights.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a trained network as an ONNX model (opset 13) with its weights.")
final class ExportCommand implements Callable<Integer> {

    @Mixin
    NetworkOptions network = new NetworkOptions();

    @Option(names = "--format", paramLabel = "F", defaultValue = "onnx", description = "onnx (the only format so far)")
    String format;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "where to write, e.g. model.onnx")
    Path output;

    @Option(names = "--image-size", paramLabel = "S", defaultValue = "0",
            description = "input height and width for size-agnostic networks (default: 224 for resnet18/34/50, 32 for"
                    + " CIFAR ResNets); checkpoints of fixed-size models use their own")
    int imageSize;

    @Override
    public Integer call() throws IOException {
        if (!format.toLowerCase(Locale.ROOT).equals("onnx")) {
            throw new IllegalArgumentException("--format: '" + format + "' is not supported; use onnx");
        }
        NetworkOptions.Network net = network.resolve();
        Shape sample = net.fixedInput();
        if (sample == null) {
            int s = imageSize > 0 ? imageSize : net.name().startsWith("cifar") ? 32 : 224;
            sample = Shape.of(net.channels(), s, s);
        } else if (imageSize > 0 && imageSize != sample.dim(2)) {
            throw new IllegalArgumentException("--image-size " + imageSize + ": " + net.name() + " takes only "
                    + sample + " inputs");
        }
        // Weights are read back to the host for the file; the CPU backend avoids a GPU round trip.
        try (Backend b = Backends.get("cpu"); Model m = net.factory().get()) {
            m.build(b, sample, 0);
            net.weights().load(m);
            OnnxExport.write(m, output, net.name());
        }
        System.out.printf(Locale.ROOT, "wrote %s (%,d bytes): ONNX opset 13, input \"input\" (N, %s), %s%n", output,
                Files.size(output), sample.dim(0) + ", " + sample.dim(1) + ", " + sample.dim(2),
                "output \"logits\" (N, classes)");
        return 0;
    }
}
