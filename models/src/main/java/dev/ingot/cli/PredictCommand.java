package dev.ingot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.transfer.ImageInput;
import dev.ingot.transfer.Prediction;
import dev.ingot.transfer.Predictor;
import dev.ingot.transfer.Preprocessing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ingot predict}: the top-k classes of image files, from an Ingot checkpoint or from PyTorch
 * weights. Pixels / 255, then (pixel - mean) / std per channel when given, as torchvision's
 * {@code ToTensor} + {@code Normalize}.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Top-k classes with probabilities for image files (PNG, JPEG, BMP, GIF).")
final class PredictCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    NetworkOptions network = new NetworkOptions();

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "image files")
    List<Path> images;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "classes per image (default 5)")
    int top;

    @Option(names = "--mean", paramLabel = "a,b,c", description = "per-channel mean subtracted after /255")
    String mean;

    @Option(names = "--std", paramLabel = "a,b,c", description = "per-channel standard deviation divided by after the mean")
    String std;

    @Option(names = "--image-size", paramLabel = "S", defaultValue = "0",
            description = "resize every image to SxS (bilinear) first; default: each image at its own size")
    int imageSize;

    @Option(names = "--json", description = "one JSON line per image: {\"image\", \"classes\", \"probabilities\"}")
    boolean json;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto", description = "cpu, cuda or auto (default)")
    String backend;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "images per forward pass (default 32)")
    int batchSize;

    @Override
    public Integer call() throws IOException {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        Preprocessing pre = new Preprocessing(Preprocessing.parseList("--mean", mean),
                Preprocessing.parseList("--std", std), imageSize);
        NetworkOptions.Network net = network.resolve();
        List<ImageInput> inputs = new ArrayList<>();
        for (Path p : images) {
            inputs.add(ImageInput.read(p, net.channels(), imageSize));
        }
        try (Backend b = Backends.get(backend);
             Predictor predictor = new Predictor(b, net.factory(), net.weights(), net.channels(), net.fixedInput(), pre,
                     batchSize)) {
            List<Prediction> out = predictor.predict(inputs);
            for (Prediction full : out) {
                Prediction p = full.top(top);
                if (json) {
                    ObjectNode line = JSON.createObjectNode();
                    line.put("image", p.image().toString());
                    var classes = line.putArray("classes");
                    for (int c : p.classes()) {
                        classes.add(c);
                    }
                    var probs = line.putArray("probabilities");
                    for (float f : p.probabilities()) {
                        probs.add(f);
                    }
                    System.out.println(JSON.writeValueAsString(line));
                } else {
                    StringBuilder s = new StringBuilder(p.image().toString()).append(':');
                    for (int i = 0; i < p.classes().length; i++) {
                        s.append(String.format(Locale.ROOT, "  %d %.4f", p.classes()[i], p.probabilities()[i]));
                    }
                    System.out.println(s);
                }
            }
        }
        return 0;
    }
}
