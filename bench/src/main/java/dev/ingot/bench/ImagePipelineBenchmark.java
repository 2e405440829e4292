package dev.ingot.bench;

import dev.ingot.data.BadImagePolicy;
import dev.ingot.data.Batch;
import dev.ingot.data.ImageFolder;
import dev.ingot.data.ImageLoader;
import dev.ingot.data.ImagePack;
import dev.ingot.data.ImageRecords;
import dev.ingot.data.PackedImages;
import dev.ingot.data.ImageTransforms;
import dev.ingot.data.image.TurboJpeg;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Throughput of the image pipeline alone: read + decode + transforms + batch, on an image folder,
 * with N worker threads, the consumer doing nothing but take the batches. The PyTorch twin is
 * {@code bench/python/image_pipeline_reference.py} (torchvision {@code ImageFolder} +
 * {@code DataLoader(num_workers=N)}, the same transforms).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.ingot.bench.ImagePipelineBenchmark \
 *     --root /tmp/cifar10-jpeg/train --size 32 --augment pad-crop:4,hflip,normalize:cifar10 --workers 2 --batches 300
 * </pre>
 * The first {@code --warmup} batches (JIT, page cache) are not timed. {@code -Dingot.turbojpeg=off}
 * measures the javax.imageio fallback.
 */
public final class ImagePipelineBenchmark {
    private ImagePipelineBenchmark() {
    }

    public static void main(String[] args) {
        Path root = null;
        int size = 32;
        String augment = "";
        int workers = 2;
        int batches = 300;
        int warmup = 30;
        int batchSize = 64;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--augment" -> augment = args[++i];
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--batch-size" -> batchSize = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (root == null) {
            throw new IllegalArgumentException("--root DIR is required");
        }
        // An image folder, or a file written by `ingot pack` (its train split).
        ImageRecords folder = ImagePack.isPack(root) ? PackedImages.open(root, "train")
                : ImageFolder.scan(root, root.toString(), null, BadImagePolicy.FAIL, m -> System.err.println(m));
        // The spec is the whole pipeline, as torchvision's Compose is: nothing is prepended.
        ImageTransforms transforms = ImageTransforms.parse(augment);
        try (ImageLoader loader = ImageLoader.builder(folder, 3, size, size).batchSize(batchSize).seed(1)
                .transforms(transforms).workers(workers).build();
             ImageLoader.Epoch epoch = loader.epoch(0)) {
            long start = 0;
            long images = 0;
            int seen = 0;
            double checksum = 0;
            for (Batch b : epoch) {
                if (seen == warmup) {
                    start = System.nanoTime();
                    images = 0;
                }
                checksum += b.images()[0];
                images += b.size();
                if (++seen == warmup + batches) {
                    break;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "ingot pipeline: %s, %dx%d, transforms [%s], %d workers, batch %d, JPEG %s:"
                            + " %,.0f images/s over %d batches (%.1f s; checksum %.3f)%n", root, size, size,
                    transforms.spec(), workers, batchSize, TurboJpeg.available() ? "TurboJPEG" : "javax.imageio",
                    images / seconds, seen - warmup, seconds, checksum);
        }
    }
}
