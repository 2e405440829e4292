package dev.ingot.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DataLoaderTest {

    /**
     * n images of 2x3x4; image i has label i (so a label identifies the image) and pixel k of image i
     * is i * 1000 + k, so both travel together and can be checked.
     */
    static Dataset numbered(int n) {
        int size = 2 * 3 * 4;
        float[] images = new float[n * size];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < size; k++) {
                images[i * size + k] = i * 1000 + k;
            }
        }
        int[] labels = IntStream.range(0, n).toArray();
        List<String> classes = IntStream.range(0, n).mapToObj(Integer::toString).toList();
        return new Dataset("numbered", 2, 3, 4, images, labels, classes);
    }

    /** A batch copied out of the loader's ring. */
    record Copy(float[] images, int[] labels) {
        static Copy of(Batch b) {
            return new Copy(b.images().clone(), b.labels().clone());
        }
    }

    static List<Copy> read(DataLoader.Epoch epoch) {
        List<Copy> out = new ArrayList<>();
        try (epoch) {
            for (Batch b : epoch) {
                out.add(Copy.of(b));
            }
        }
        return out;
    }

    static void assertSameBatches(List<Copy> expected, List<Copy> actual) {
        assertEquals(expected.size(), actual.size(), "batch count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).labels(), actual.get(i).labels(), "labels of batch " + i);
            assertArrayEquals(expected.get(i).images(), actual.get(i).images(), "images of batch " + i);
        }
    }

    static int[] labelsOf(List<Copy> batches) {
        return batches.stream().flatMapToInt(c -> Arrays.stream(c.labels())).toArray();
    }

    static long loaderThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ingot-data-") && t.isAlive()).count();
    }

    @AfterEach
    void noLoaderThreadOutlivesItsTest() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (loaderThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, loaderThreads(), "loader threads still alive after the test");
    }

    @Test
    void eachEpochVisitsEveryImageOnceWithItsOwnPixels() {
        Dataset data = numbered(103);
        try (DataLoader loader = DataLoader.builder(data).batchSize(10).seed(5).build()) {
            List<Copy> batches = read(loader.epoch(0));
            int[] labels = labelsOf(batches);
            assertArrayEquals(loader.order(0), labels);
            assertArrayEquals(IntStream.range(0, 103).toArray(), Arrays.stream(labels).sorted().toArray());
            for (Copy c : batches) {
                for (int i = 0; i < c.labels().length; i++) {
                    for (int k = 0; k < 24; k++) {
                        assertEquals(c.labels()[i] * 1000 + k, c.images()[i * 24 + k]);
                    }
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameOrderAndAnotherSeedAnother() {
        Dataset data = numbered(200);
        try (DataLoader a = DataLoader.builder(data).batchSize(16).seed(42).build();
             DataLoader b = DataLoader.builder(data).batchSize(16).seed(42).build();
             DataLoader c = DataLoader.builder(data).batchSize(16).seed(43).build()) {
            assertSameBatches(read(a.epoch(0)), read(b.epoch(0)));
            assertNotEquals(Arrays.toString(a.order(0)), Arrays.toString(c.order(0)));
            assertNotEquals(Arrays.toString(a.order(0)), Arrays.toString(a.order(1)), "each epoch reshuffles");
        }
    }

    @Test
    void theOrderIsPinnedSoResumesAcrossVersionsSeeTheSameData() {
        // If this changes, checkpoints from earlier versions would resume with other batches.
        try (DataLoader loader = DataLoader.builder(numbered(10)).seed(42).build()) {
            assertArrayEquals(new int[] {7, 9, 3, 5, 1, 0, 2, 8, 6, 4}, loader.order(0));
            assertEquals(new Augmentation.Draw(3, 2, true), Augmentation.cifarStandard().draw(42, 0, 0));
        }
    }

    @Test
    void epochEIsTheSameWhetherOrNotEarlierEpochsWereRead() {
        Dataset data = numbered(97);
        List<Copy> uninterrupted;
        try (DataLoader loader = DataLoader.builder(data).batchSize(8).seed(9)
                .augmentation(new Augmentation(true, 1, true)).build()) {
            read(loader.epoch(0));
            read(loader.epoch(1));
            uninterrupted = read(loader.epoch(2));
        }
        try (DataLoader resumed = DataLoader.builder(data).batchSize(8).seed(9)
                .augmentation(new Augmentation(true, 1, true)).build()) {
            assertSameBatches(uninterrupted, read(resumed.epoch(2)));
            // Resuming in the middle of the epoch gives the rest of it.
            List<Copy> rest = read(resumed.epoch(2, 5));
            assertSameBatches(uninterrupted.subList(5, uninterrupted.size()), rest);
        }
    }

    @Test
    void theLastBatchIsPartialUnlessDropped() {
        Dataset data = numbered(10);
        try (DataLoader keep = DataLoader.builder(data).batchSize(4).shuffle(false).build()) {
            assertEquals(3, keep.batchesPerEpoch());
            assertEquals(10, keep.imagesPerEpoch());
            List<Copy> batches = read(keep.epoch(0));
            assertEquals(List.of(4, 4, 2), batches.stream().map(c -> c.labels().length).toList());
            assertEquals(2 * 24, batches.get(2).images().length, "a partial batch's arrays have its exact size");
            assertArrayEquals(new int[] {8, 9}, batches.get(2).labels());
        }
        try (DataLoader drop = DataLoader.builder(data).batchSize(4).shuffle(false).dropLast(true).build()) {
            assertEquals(2, drop.batchesPerEpoch());
            assertEquals(8, drop.imagesPerEpoch());
            assertEquals(List.of(4, 4), read(drop.epoch(0)).stream().map(c -> c.labels().length).toList());
        }
        try (DataLoader small = DataLoader.builder(data).batchSize(32).build()) {
            assertEquals(1, small.batchesPerEpoch());
            assertEquals(10, read(small.epoch(3)).getFirst().labels().length);
        }
    }

    @Test
    void withoutShuffleBatchesFollowTheDataset() {
        Dataset data = numbered(9);
        try (DataLoader loader = DataLoader.sequential(data, 3)) {
            for (int epoch = 0; epoch < 2; epoch++) {
                List<Copy> batches = read(loader.epoch(epoch));
                assertArrayEquals(IntStream.range(0, 9).toArray(), labelsOf(batches));
                assertArrayEquals(Arrays.copyOfRange(data.images(), 3 * 24, 6 * 24), batches.get(1).images());
            }
        }
    }

    @Test
    void augmentedBatchesHoldEachImageWithItsOwnDraw() {
        Dataset data = numbered(20);
        Augmentation aug = Augmentation.cifarStandard();
        try (DataLoader loader = DataLoader.builder(data).batchSize(6).seed(11).augmentation(aug).build()) {
            int epoch = 4;
            for (Copy c : read(loader.epoch(epoch))) {
                for (int i = 0; i < c.labels().length; i++) {
                    int index = c.labels()[i];
                    float[] expected = new float[24];
                    Augmentation.apply(data.images(), index * 24, expected, 0, 2, 3, 4, aug.draw(11, epoch, index));
                    assertArrayEquals(expected, Arrays.copyOfRange(c.images(), i * 24, (i + 1) * 24), "image " + index);
                }
            }
        }
    }

    /**
     * A uint8 dataset gives uint8 batches (NCHW, scaled by 1/255 on the backend) that hold, once
     * scaled, exactly the float batches of its {@code p / 255f} twin, augmentation included.
     */
    @Test
    void uint8DatasetsGiveUint8BatchesEqualToTheirFloatTwins() {
        int n = 30, size = 3 * 5 * 6;
        byte[] pixels = new byte[n * size];
        float[] floats = new float[n * size];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) r.nextInt(256);
            floats[i] = (pixels[i] & 0xFF) / 255f;
        }
        int[] labels = IntStream.range(0, n).map(i -> i % 4).toArray();
        List<String> classes = List.of("a", "b", "c", "d");
        Dataset bytes = Dataset.ofPixels("u8", 3, 5, 6, pixels, labels, classes);
        Dataset twin = new Dataset("f32", 3, 5, 6, floats, labels, classes);
        assertArrayEquals(floats, bytes.images());
        for (Augmentation aug : List.of(Augmentation.none(), Augmentation.cifarStandard(), Augmentation.airbench(2))) {
            try (DataLoader a = DataLoader.builder(bytes).batchSize(7).seed(9).augmentation(aug).build();
                 DataLoader b = DataLoader.builder(twin).batchSize(7).seed(9).augmentation(aug).build()) {
                for (int epoch = 0; epoch < 2; epoch++) {
                    List<Copy> fromBytes = new ArrayList<>();
                    try (DataLoader.Epoch e = a.epoch(epoch)) {
                        for (Batch batch : e) {
                            assertEquals(null, batch.images(), "a uint8 batch");
                            assertEquals(dev.ingot.core.spec.ImageNormalization.Layout.NCHW,
                                    batch.pixels().normalization().layout());
                            fromBytes.add(new Copy(batch.toFloats(), batch.labels().clone()));
                        }
                    }
                    assertSameBatches(read(b.epoch(epoch)), fromBytes);
                }
            }
        }
        assertEquals(bytes.subset(3, 9).pixels().length, 6 * size);
        assertTrue(bytes.subset(3, 9).holdsPixels());
    }

    @Test
    void batchBuffersAreReusedNotReallocated() {
        Dataset data = numbered(64);
        List<float[]> arrays = new ArrayList<>();
        try (DataLoader loader = DataLoader.builder(data).batchSize(4).prefetch(2).build()) {
            for (int epoch = 0; epoch < 3; epoch++) {
                try (DataLoader.Epoch e = loader.epoch(epoch)) {
                    for (Batch b : e) {
                        if (arrays.stream().noneMatch(a -> a == b.images())) {
                            arrays.add(b.images());
                        }
                    }
                }
            }
        }
        assertEquals(3, arrays.size(), "prefetch 2 + the batch in use: a ring of 3 buffers");
    }

    @Test
    void closingAnEpochEarlyStopsItsThread() throws InterruptedException {
        Dataset data = numbered(1000);
        try (DataLoader loader = DataLoader.builder(data).batchSize(2).prefetch(3).build()) {
            DataLoader.Epoch epoch = loader.epoch(0);
            Thread worker = epoch.worker();
            try (epoch) {
                for (Batch b : epoch) {
                    if (b.labels().length > 0 && epoch.nextBatchIndex() == 3) {
                        break;
                    }
                }
                Thread.sleep(50);   // let the thread fill the ring and block
                assertTrue(worker.isAlive(), "the thread waits for a free buffer while the epoch is open");
            }
            assertFalse(worker.isAlive(), "closing the epoch stopped its thread");
            assertThrows(IllegalStateException.class, epoch::hasNext);
        }
    }

    @Test
    void leavingAForLoopWithoutClosingIsCleanedUpByTheNextEpochAndByClose() {
        Dataset data = numbered(1000);
        DataLoader loader = DataLoader.builder(data).batchSize(2).build();
        DataLoader.Epoch first = loader.epoch(0);
        for (Batch b : first) {
            break;
        }
        DataLoader.Epoch second = loader.epoch(1);
        assertFalse(first.worker().isAlive(), "starting epoch 1 stopped epoch 0's thread");
        IllegalStateException e = assertThrows(IllegalStateException.class, first::next);
        assertTrue(e.getMessage().contains("epoch 0 of the DataLoader over 'numbered' is closed"), e.getMessage());
        second.next();
        loader.close();
        assertFalse(second.worker().isAlive(), "closing the loader stopped epoch 1's thread");
        assertThrows(IllegalStateException.class, () -> loader.epoch(2));
        loader.close();   // idempotent
    }

    @Test
    void aConsumerThatThrowsInsideTryWithResourcesStopsTheThread() {
        Dataset data = numbered(1000);
        Thread[] worker = new Thread[1];
        try (DataLoader loader = DataLoader.builder(data).batchSize(2).build()) {
            assertThrows(ArithmeticException.class, () -> {
                try (DataLoader.Epoch epoch = loader.epoch(0)) {
                    worker[0] = epoch.worker();
                    for (Batch b : epoch) {
                        if (epoch.nextBatchIndex() == 2) {
                            throw new ArithmeticException("the training step failed");
                        }
                    }
                }
            });
            assertFalse(worker[0].isAlive());
        }
    }

    @Test
    void anExceptionOnTheLoaderThreadReachesTheConsumerAfterTheGoodBatches() {
        Dataset data = numbered(40);
        try (DataLoader loader = DataLoader.builder(data).batchSize(5).shuffle(false)
                .transform((batch, epoch, index) -> {
                    if (index == 3) {
                        throw new IllegalArgumentException("cannot normalise batch " + index);
                    }
                }).build()) {
            DataLoader.Epoch epoch = loader.epoch(7);
            List<Integer> seen = new ArrayList<>();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                for (Batch b : epoch) {
                    seen.add(b.labels()[0]);
                }
            });
            assertEquals(List.of(0, 5, 10), seen, "batches before the failure arrive in order");
            assertTrue(e.getMessage().contains("failed preparing batch 3 of epoch 7"), e.getMessage());
            assertTrue(e.getCause() instanceof IllegalArgumentException);
            assertEquals("cannot normalise batch 3", e.getCause().getMessage());
            assertThrows(IllegalStateException.class, epoch::hasNext, "the failure is reported again, not hidden");
            epoch.close();
        }
    }

    @Test
    void theTransformRunsOnTheLoaderThreadBeforeTheConsumerSeesTheBatch() {
        Dataset data = numbered(12);
        try (DataLoader loader = DataLoader.builder(data).batchSize(4).shuffle(false)
                .transform((batch, epoch, index) -> {
                    assertTrue(Thread.currentThread().getName().startsWith("ingot-data-numbered-epoch-"));
                    for (int i = 0; i < batch.images().length; i++) {
                        batch.images()[i] = -batch.images()[i];
                    }
                }).build()) {
            for (Copy c : read(loader.epoch(0))) {
                assertEquals(-(c.labels()[0] * 1000f), c.images()[0]);
            }
        }
    }

    @Test
    void closeFromAnotherThreadReleasesAConsumerWaitingForABatch() throws InterruptedException {
        Dataset data = numbered(10);
        CountDownLatch transformEntered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        DataLoader loader = DataLoader.builder(data).batchSize(2)
                .transform((batch, epoch, index) -> {
                    if (index == 1) {
                        transformEntered.countDown();
                        try {
                            never.await();   // a slow batch; interruptible, as a transform should be
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted");
                        }
                    }
                }).build();
        DataLoader.Epoch epoch = loader.epoch(0);
        epoch.next();
        Thread closer = Thread.ofPlatform().start(() -> {
            try {
                transformEntered.await();
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                return;
            }
            loader.close();
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, epoch::next);
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        closer.join();
        assertFalse(epoch.worker().isAlive());
    }

    @Test
    void anEpochIsIterableOnceAndEndsWithNoSuchElement() {
        try (DataLoader loader = DataLoader.builder(numbered(4)).batchSize(2).build()) {
            DataLoader.Epoch epoch = loader.epoch(0);
            Iterator<Batch> it = epoch.iterator();
            assertSame(epoch, it);
            assertThrows(IllegalStateException.class, epoch::iterator);
            it.next();
            it.next();
            assertFalse(it.hasNext());
            assertThrows(NoSuchElementException.class, it::next);
            assertEquals(2, epoch.nextBatchIndex());
            epoch.close();
        }
    }

    @Test
    void badArgumentsAreRejectedWithTheirValues() {
        Dataset data = numbered(10);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).batchSize(0))
                .getMessage().contains("batchSize must be >= 1, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(data).prefetch(0))
                .getMessage().contains("prefetch must be within 1..16, got 0"));
        try (DataLoader loader = DataLoader.builder(data).batchSize(4).build()) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> loader.epoch(0, 4))
                    .getMessage().contains("firstBatch 4 is outside 0..3"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> loader.epoch(-1))
                    .getMessage().contains("epoch must be >= 0, got -1"));
            assertFalse(loader.epoch(0, 3).hasNext(), "starting after the last batch gives an empty epoch");
        }
    }

    @Test
    void realMnistBatchesMatchTheDataset() {
        Dataset test = Datasets.load("mnist", Split.TEST, SharedData.require("mnist"), false);
        try (DataLoader loader = DataLoader.builder(test).batchSize(128).seed(1).build()) {
            int[] order = loader.order(0);
            int seen = 0;
            try (DataLoader.Epoch epoch = loader.epoch(0)) {
                for (Batch b : epoch) {
                    float[] images = b.toFloats();   // a uint8 batch, as the backend would scale it
                    for (int i = 0; i < b.size(); i++) {
                        int index = order[seen + i];
                        assertEquals(test.labels()[index], b.labels()[i]);
                        assertEquals(test.images()[index * 784 + 400], images[i * 784 + 400]);
                    }
                    seen += b.size();
                }
            }
            assertEquals(10_000, seen);
            assertEquals(79, loader.batchesPerEpoch());
        }
    }
}
