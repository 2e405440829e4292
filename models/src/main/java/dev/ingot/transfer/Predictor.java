package dev.ingot.transfer;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.nn.Model;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Predicts classes of images with a trained network: preprocesses pixels
 * ({@link Preprocessing}), batches images of the same size, and runs {@link Model#predict}.
 *
 * <p>Ingot's models are built for one input shape; images at their own size therefore get one
 * model per distinct size (built and loaded on first use, kept until {@link #close}). Models with
 * a fixed input (Flatten + Dense heads) pass {@code fixedInput} and refuse other sizes by name.
 */
public final class Predictor implements AutoCloseable {
    /** Puts the trained weights into a freshly built model. */
    @FunctionalInterface
    public interface WeightLoader {
        void load(Model built) throws IOException;
    }

    private final Backend backend;
    private final Supplier<Model> factory;
    private final WeightLoader weights;
    private final int channels;
    private final Shape fixedInput;
    private final Preprocessing preprocessing;
    private final int batchSize;
    private final Map<Shape, Model> models = new LinkedHashMap<>();

    /**
     * @param factory    a new, unbuilt copy of the network
     * @param weights    loads its weights once built
     * @param channels   input channels the network takes (3 for RGB, 1 for grey)
     * @param fixedInput the only sample shape the network takes, or null if any size works
     */
    public Predictor(Backend backend, Supplier<Model> factory, WeightLoader weights, int channels, Shape fixedInput,
                     Preprocessing preprocessing, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.backend = backend;
        this.factory = factory;
        this.weights = weights;
        this.channels = channels;
        this.fixedInput = fixedInput;
        this.preprocessing = preprocessing;
        this.batchSize = batchSize;
    }

    public int channels() {
        return channels;
    }

    /** Predictions for {@code images}, in their order. */
    public List<Prediction> predict(List<ImageInput> images) throws IOException {
        Prediction[] out = new Prediction[images.size()];
        Map<Shape, List<Integer>> bySize = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            ImageInput im = images.get(i);
            if (im.channels() != channels) {
                throw new IllegalArgumentException("image " + name(im, i) + " has " + im.channels()
                        + " channels; the network takes " + channels);
            }
            Shape s = Shape.of(channels, im.height(), im.width());
            if (fixedInput != null && !s.equals(fixedInput)) {
                throw new IllegalArgumentException("image " + name(im, i) + " is " + im.width() + "x" + im.height()
                        + " but the network takes only " + fixedInput + " inputs; pass --image-size "
                        + fixedInput.dim(2));
            }
            bySize.computeIfAbsent(s, k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Shape, List<Integer>> e : bySize.entrySet()) {
            Shape sample = e.getKey();
            Model model = model(sample);
            List<Integer> idx = e.getValue();
            int per = (int) sample.size();
            for (int start = 0; start < idx.size(); start += batchSize) {
                int n = Math.min(batchSize, idx.size() - start);
                float[] x = new float[n * per];
                for (int b = 0; b < n; b++) {
                    int[] px = images.get(idx.get(start + b)).pixels();
                    int plane = per / channels;
                    for (int j = 0; j < per; j++) {
                        x[b * per + j] = preprocessing.apply(px[j], j / plane);
                    }
                }
                try (Tensor t = backend.fromHost(Shape.of(n, channels, sample.dim(1), sample.dim(2)), x)) {
                    float[][] probs = model.predict(t);
                    for (int b = 0; b < n; b++) {
                        int i = idx.get(start + b);
                        out[i] = Prediction.of(images.get(i).path(), probs[b]);
                    }
                }
            }
        }
        return List.of(out);
    }

    private Model model(Shape sample) throws IOException {
        Model m = models.get(sample);
        if (m == null) {
            m = factory.get();
            try {
                m.build(backend, sample, 0);
                weights.load(m);
            } catch (RuntimeException | IOException e) {
                m.close();
                throw e;
            }
            models.put(sample, m);
        }
        return m;
    }

    private static String name(ImageInput im, int i) {
        return im.path() != null ? im.path().toString() : "#" + i;
    }

    @Override
    public void close() {
        models.values().forEach(Model::close);
        models.clear();
    }
}
