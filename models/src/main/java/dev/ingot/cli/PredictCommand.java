package dev.ingot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.data.ImageTransforms;
import dev.ingot.data.image.ImageDecoding;
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
 * {@code ToTensor} + {@code Normalize}. Files are decoded as {@code ingot train --dataset} decodes
 * them ({@link ImageInput}: TurboJPEG or javax.imageio). A checkpoint trained through an image
 * pipeline records its image size and normalisation ({@code ingot.image_size},
 * {@code ingot.transforms}); those are the defaults when {@code --image-size} and
 * {@code --mean}/{@code --std} are not given, so its predictions see images as its validation did.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Top-k classes with probabilities for image files (JPEG, PNG, BMP, GIF).")
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
            description = "resize the shorter side to S (antialiased bilinear) and take the central SxS first;"
                    + " default: the checkpoint's training size if it has one, else each image at its own size")
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
        if (imageSize < 0) {
            throw new IllegalArgumentException("--image-size must be positive, got " + imageSize);
        }
        NetworkOptions.Network net = network.resolve();
        float[] meanValues = Preprocessing.parseList("--mean", mean);
        float[] stdValues = Preprocessing.parseList("--std", std);
        String trainedTransforms = net.metadata().get("ingot.transforms");
        if (meanValues == null && stdValues == null && trainedTransforms != null) {
            ImageTransforms trained = ImageTransforms.parse(trainedTransforms);
            boolean normalizes = !(trained.mean().length == 1 && trained.mean()[0] == 0f && trained.std()[0] == 1f);
            meanValues = normalizes ? trained.mean() : null;
            stdValues = normalizes ? trained.std() : null;
        }
        int size = imageSize > 0 ? imageSize
                : net.metadata().containsKey("ingot.image_size") ? Integer.parseInt(net.metadata().get("ingot.image_size"))
                : 0;
        Preprocessing pre = new Preprocessing(meanValues, stdValues, size);
        List<ImageInput> inputs = new ArrayList<>();
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (Path p : images) {
                inputs.add(ImageInput.read(decoder, p, net.channels(), size));
            }
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
