package dev.ingot.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ImageLoaderTest {
    static final String EVERY_RANDOM_STEP = "resize:20,random-resized-crop:16:0.3:1,hflip,rotate:15,jitter:0.4,pad-crop:2,"
            + "normalize:cifar10";

    /** n RGB images of 8x8 with byte values (as the built-in readers make them: b / 255f). */
    static Dataset byteDataset(int n) {
        int size = 3 * 8 * 8;
        float[] images = new float[n * size];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < size; k++) {
                images[i * size + k] = ((i * 31 + k * 7) & 0xff) / 255f;
            }
        }
        int[] labels = IntStream.range(0, n).map(i -> i % 3).toArray();
        return new Dataset("bytes", 3, 8, 8, images, labels, List.of("a", "b", "c"));
    }

    record Seen(List<float[]> images, List<int[]> labels) {
    }

    static Seen collect(ImageLoader loader, int epoch, int firstBatch) {
        List<float[]> images = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        try (ImageLoader.Epoch e = loader.epoch(epoch, firstBatch)) {
            for (Batch b : e) {
                images.add(b.toFloats().clone());
                labels.add(b.labels().clone());
            }
        }
        return new Seen(images, labels);
    }

    static void assertSame(Seen a, Seen b) {
        assertEquals(a.images().size(), b.images().size());
        for (int i = 0; i < a.images().size(); i++) {
            assertArrayEquals(a.images().get(i), b.images().get(i), "batch " + i);
            assertArrayEquals(a.labels().get(i), b.labels().get(i), "batch " + i);
        }
    }

    @Test
    void servesTheInMemoryDatasetExactlyAsTheDataLoaderDoes() {
        Dataset d = byteDataset(50);
        try (DataLoader reference = DataLoader.builder(d).batchSize(8).seed(5).build();
             ImageLoader loader = ImageLoader.builder(InMemoryImages.of(d), 3, 8, 8).batchSize(8).seed(5).workers(3).build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                Seen seen = collect(loader, epoch, 0);
                int i = 0;
                try (DataLoader.Epoch e = reference.epoch(epoch)) {
                    for (Batch b : e) {
                        assertArrayEquals(b.toFloats(), seen.images().get(i), "epoch " + epoch + " batch " + i);
                        assertArrayEquals(b.labels(), seen.labels().get(i), "epoch " + epoch + " batch " + i);
                        i++;
                    }
                }
                assertEquals(i, seen.images().size());
            }
        }
    }

    @Test
    void batchesDoNotDependOnTheNumberOfWorkersAndResumeMatches(@TempDir Path root) {
        for (int i = 0; i < 13; i++) {
            TestImages.write(root.resolve("c" + (i % 3) + "/" + i + ".jpg"), TestImages.jpeg(TestImages.rgb(24, 30, i)));
        }
        ImageFolder folder = ImageFolder.scan(root, "t", null, BadImagePolicy.FAIL, m -> { });
        ImageTransforms transforms = ImageTransforms.parse(EVERY_RANDOM_STEP);
        Seen one;
        try (ImageLoader loader = ImageLoader.builder(folder, 3, 16, 16).batchSize(4).seed(9).transforms(transforms)
                .workers(1).build()) {
            one = collect(loader, 1, 0);
            assertEquals(4, one.images().size());
            assertEquals(1, one.labels().get(3).length);   // 13 = 3 * 4 + 1: the partial last batch is kept
            Seen other = collect(loader, 2, 0);
            assertTrue(IntStream.range(0, 3).anyMatch(i -> !java.util.Arrays.equals(one.images().get(i),
                    other.images().get(i))), "epochs 1 and 2 look the same");
        }
        for (int workers : new int[]{2, 5}) {
            try (ImageLoader loader = ImageLoader.builder(folder, 3, 16, 16).batchSize(4).seed(9).transforms(transforms)
                    .workers(workers).prefetch(1).build()) {
                assertSame(one, collect(loader, 1, 0));
                Seen resumed = collect(loader, 1, 2);
                assertSame(new Seen(one.images().subList(2, 4), one.labels().subList(2, 4)), resumed);
            }
        }
    }

    /**
     * {@code --augment alternating-flip}: image i of epoch e is mirrored exactly when airbench's
     * in-memory {@link Augmentation#draw} mirrors it (one coin per image, reversed on odd epochs), so
     * epochs 0 and 1 show every image both ways; batches do not depend on the workers, and a resumed
     * epoch matches.
     */
    @Test
    void theAlternatingFlipShowsEachImageBothWaysIndependentOfWorkersAndResume() {
        Dataset d = byteDataset(37);
        ImageTransforms flip = ImageTransforms.parse("alternating-flip");
        assertEquals("alternating-flip", flip.spec().split(",")[0].strip());
        Augmentation airbench = Augmentation.airbench(2);
        int size = 3 * 8 * 8;
        Seen[] seen = new Seen[3];
        int[][] orders = new int[3][];
        try (ImageLoader loader = ImageLoader.builder(InMemoryImages.of(d), 3, 8, 8).batchSize(8).seed(5)
                .transforms(flip).workers(1).build()) {
            for (int epoch = 0; epoch < 3; epoch++) {
                seen[epoch] = collect(loader, epoch, 0);
                orders[epoch] = loader.order(epoch);
            }
        }
        int[] mirrored = new int[37];
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int k = 0; k < 37; k++) {
                int index = orders[epoch][k];
                boolean flipped = airbench.draw(5, epoch, index).flip();
                float[] got = Arrays.copyOfRange(seen[epoch].images().get(k / 8), (k % 8) * size, (k % 8 + 1) * size);
                float[] want = new float[size];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 8; y++) {
                        for (int x = 0; x < 8; x++) {
                            want[(c * 8 + y) * 8 + x] = d.images()[index * size + (c * 8 + y) * 8 + (flipped ? 7 - x : x)];
                        }
                    }
                }
                assertArrayEquals(want, got, "epoch " + epoch + " image " + index);
                if (epoch < 2 && flipped) {
                    mirrored[index]++;
                }
            }
        }
        for (int i = 0; i < 37; i++) {
            assertEquals(1, mirrored[i], "image " + i + " is mirrored in exactly one of epochs 0 and 1");
        }
        for (int workers : new int[]{2, 5}) {
            try (ImageLoader loader = ImageLoader.builder(InMemoryImages.of(d), 3, 8, 8).batchSize(8).seed(5)
                    .transforms(flip).workers(workers).prefetch(1).build()) {
                assertSame(seen[1], collect(loader, 1, 0));
                assertSame(new Seen(seen[1].images().subList(2, 5), seen[1].labels().subList(2, 5)), collect(loader, 1, 2));
            }
        }
        // without an epoch (packing, prediction) it refuses, naming itself
        var image = new dev.ingot.data.image.UInt8Image(2, 2, 3, new byte[12]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> flip.apply(image, SplitMix64.of(1, 2, 3, 4)));
        assertTrue(e.getMessage().contains("alternating-flip depends on the epoch"), e.getMessage());
    }

    @Test
    void aWrongOutputSizeNamesTheFileAndTheFix(@TempDir Path root) {
        TestImages.write(root.resolve("a/0.png"), TestImages.encode(TestImages.rgb(10, 12, 0), "png"));
        ImageFolder folder = ImageFolder.scan(root, "t", null, BadImagePolicy.FAIL, m -> { });
        try (ImageLoader loader = ImageLoader.builder(folder, 3, 8, 8).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> collect(loader, 0, 0));
            assertTrue(e.getMessage().contains("0.png is 10x12 after the transforms") && e.getMessage().contains(
                    "resize:8,center-crop:8"), e.getMessage());
        }
    }

    @Test
    void theWeightedSamplerDrawsByWeightAndBalancesClasses() {
        Dataset d = byteDataset(30);
        int[] labels = new int[30];   // 27 of class 0, 3 of class 1
        for (int i = 27; i < 30; i++) {
            labels[i] = 1;
        }
        Dataset skewed = new Dataset("skewed", 3, 8, 8, d.images(), labels, List.of("common", "rare"));
        ImageRecords records = InMemoryImages.of(skewed);
        try (ImageLoader loader = ImageLoader.builder(records, 3, 8, 8).seed(3)
                .sampleWeights(ImageLoader.balancedWeights(records)).build()) {
            int rare = 0;
            int draws = 0;
            for (int epoch = 0; epoch < 40; epoch++) {
                for (int i : loader.order(epoch)) {
                    rare += labels[i];
                    draws++;
                }
            }
            double fraction = rare / (double) draws;   // 1200 draws, expected 0.5, sd ~0.014
            assertTrue(Math.abs(fraction - 0.5) < 0.06, "rare class drawn " + fraction + " of the time");
            assertArrayEquals(loader.order(4), loader.order(4));
            assertNotEquals(java.util.Arrays.toString(loader.order(4)), java.util.Arrays.toString(loader.order(5)));
        }
        assertThrows(IllegalArgumentException.class, () -> ImageLoader.builder(records, 3, 8, 8)
                .sampleWeights(new double[30]));
    }
}
