package dev.ingot.bench;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.data.BadImagePolicy;
import dev.ingot.data.Batch;
import dev.ingot.data.ImageFolder;
import dev.ingot.data.ImageLoader;
import dev.ingot.data.ImagePipelineProfile;
import dev.ingot.data.ImagePack;
import dev.ingot.data.ImageRecords;
import dev.ingot.data.PackedImages;
import dev.ingot.data.ImageTransforms;
import dev.ingot.data.image.TurboJpeg;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Throughput of the image pipeline alone: read + decode + transforms + batch, on an image folder,
 * with N worker threads, the consumer doing nothing but take the batches and normalise them into an
 * input tensor on the CPU backend ({@code imagesFromHost}, where torchvision's workers normalise). The PyTorch twin is
 * {@code bench/python/image_pipeline_reference.py} (torchvision {@code ImageFolder} +
 * {@code DataLoader(num_workers=N)}, the same transforms).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.ingot.bench.ImagePipelineBenchmark \
 *     --root /tmp/cifar10-jpeg/train --size 32 --augment pad-crop:4,hflip,normalize:cifar10 --workers 2 --batches 300
 * </pre>
 * The first {@code --warmup} batches (JIT, page cache) are not timed. {@code -Dingot.turbojpeg=off}
 * measures the javax.imageio fallback. {@code --profile N} instead prints one worker's CPU time per
 * stage over N images and the consumer's {@code imagesFromHost} (run it with
 * {@code -Dingot.cpu.threads=1} so the kernel's CPU time is the calling thread's); the Python twin
 * takes the same option.
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
        int profile = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--augment" -> augment = args[++i];
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--batch-size" -> batchSize = Integer.parseInt(args[++i]);
                case "--profile" -> profile = Integer.parseInt(args[++i]);
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
        if (profile > 0) {
            profile(folder, transforms, size, batchSize, profile);
            return;
        }
        try (ImageLoader loader = ImageLoader.builder(folder, 3, size, size).batchSize(batchSize).seed(1)
                .transforms(transforms).workers(workers).build();
             Backend cpu = Backends.get("cpu");
             Tensor x = cpu.zeros(Shape.of(batchSize, 3, size, size));
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
                // the batch as the trainer takes it: bytes normalised into the input tensor by the
                // backend (torchvision's workers hand over normalised float tensors: same end point)
                if (b.size() == batchSize) {
                    b.upload(cpu, x);
                }
                checksum += b.labels()[0];
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

    /**
     * {@code --profile N}: one worker's CPU time per stage over N images (after N/10 unprofiled), then
     * the normalisation of 20 batches into an input tensor on the CPU backend (wall time, the
     * backend's threads).
     */
    private static void profile(ImageRecords records, ImageTransforms transforms, int size, int batchSize, int images) {
        ImagePipelineProfile p = ImagePipelineProfile.measure(records, 3, transforms, Math.max(1, images / 10), images);
        System.out.printf(Locale.ROOT, "ingot pipeline profile: %s, %dx%d, transforms [%s], JPEG %s, %d images, CPU time"
                        + " of one worker thread:%n%s", records.name(), size, size, transforms.spec(),
                TurboJpeg.available() ? "TurboJPEG" : "javax.imageio", images, p.table());
        byte[] pixels = new byte[batchSize * 3 * size * size];
        new java.util.SplittableRandom(1).nextBytes(pixels);
        try (Backend cpu = Backends.get("cpu");
             Tensor x = cpu.zeros(Shape.of(batchSize, 3, size, size))) {
            for (int i = 0; i < 20; i++) {
                cpu.imagesFromHost(pixels, 0, transforms.normalization(), x);
            }
            java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = System.nanoTime();
            long c0 = bean.getCurrentThreadCpuTime();
            for (int i = 0; i < 20; i++) {
                cpu.imagesFromHost(pixels, 0, transforms.normalization(), x);
            }
            double cpuUs = (bean.getCurrentThreadCpuTime() - c0) / 1e3 / (20.0 * batchSize);
            double us = (System.nanoTime() - t0) / 1e3 / (20.0 * batchSize);
            // with -Dingot.cpu.threads=1 the kernel runs on this thread, and its CPU time is all of it
            System.out.printf(Locale.ROOT, "  %-40s %9.1f us/image  (consumer side: CPU time of the calling thread;"
                    + " %.1f us wall; %s)%n", "imagesFromHost (backend)", cpuUs, us, cpu.description());
        }
    }
}
