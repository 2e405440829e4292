package dev.ingot.distributed;

import dev.ingot.data.Dataset;
import dev.ingot.data.SharedData;
import dev.ingot.nn.Replicas;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training with ranks as threads ({@link InProcessCollective}) on real MNIST: after K
 * Adam steps, the weights of R ranks on a global batch of B equal those of one process on the same
 * batches, within {@link #TOLERANCE}; every rank ends with the same weights, bit for bit.
 */
class DataParallelTest {
    /**
     * Max |w_R - w_1| / (1 + |w_1|) after 8 steps. The sums differ in order only (R partial means
     * scaled by m/n and added, against one mean over n), a few float32 ulps per gradient element;
     * Adam divides by sqrt(v), which can turn an ulp-level difference in a near-zero gradient into
     * a step difference of order lr = 1e-3 in the rare element whose gradient is ~1e-7; none
     * did here (measured: 1.5e-7 on MNIST, mnist-cnn, 8 steps of 64, seed 3), so the bound is
     * 1e-5: 100x the measured float32 noise, 100x below one Adam step of lr 1e-3.
     */
    static final double TOLERANCE = 1e-5;
    static final int STEPS = 8;
    static final int BATCH = 64;
    static Dataset train;

    @BeforeAll
    static void load() throws Exception {
        train = ReplicaRun.mnist(SharedData.require("mnist"), STEPS * BATCH);
    }

    static List<float[]> onThreads(int ranks, int steps, int batch, Dataset data) throws Exception {
        return onThreads(ranks, steps, batch, data, DataParallel::new);
    }

    static List<float[]> onThreads(int ranks, int steps, int batch, Dataset data,
                                   Function<InProcessCollective, DataParallel> make) throws Exception {
        List<InProcessCollective> group = InProcessCollective.group(ranks, 120);
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (InProcessCollective c : group) {
                futures.add(pool.submit(() -> ReplicaRun.train("mnist-cnn", data, steps, batch, 3, trainer -> {
                    DataParallel dp = make.apply(c);
                    dp.synchronise(trainer.model(), trainer.optimizer());
                    return dp;
                })));
            }
            List<float[]> out = new ArrayList<>();
            for (Future<float[]> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoRanksMatchOneProcessOnTheSameGlobalBatches() throws Exception {
        float[] alone = ReplicaRun.train("mnist-cnn", train, STEPS, BATCH, 3, null);
        List<float[]> ranks = onThreads(2, STEPS, BATCH, train);
        assertArrayEquals(ranks.get(0), ranks.get(1), "the two ranks' weights differ");
        double diff = ReplicaRun.maxDifference(ranks.get(0), alone);
        System.out.printf("data-parallel (threads): 2 ranks vs 1 process after %d steps of batch %d:"
                + " max |dw|/(1+|w|) = %.3g (tolerance %.0e)%n", STEPS, BATCH, diff, TOLERANCE);
        assertTrue(diff <= TOLERANCE, "2-rank weights differ from 1-rank by " + diff);
    }

    @Test
    void bucketsOverlappedWithBackwardGiveTheSameWeightsAsOneReductionAfterIt() throws Exception {
        // 4 KiB buckets cut mnist-cnn's gradients into many; 1 GiB makes one; without overlap: the old path.
        List<float[]> after = onThreads(3, 4, 30, train, c -> new DataParallel(c, 1L << 30, false));
        DataParallel[] rank0 = new DataParallel[1];
        List<float[]> small = onThreads(3, 4, 30, train, c -> {
            DataParallel dp = new DataParallel(c, 4096, true);
            if (c.rank() == 0) {
                rank0[0] = dp;
            }
            return dp;
        });
        // mnist-cnn's gradients are 373 KB; the first buckets (the last layers) start before backward ends.
        assertTrue(rank0[0].bucketsStartedDuringBackward() >= 4, "no bucket started during the backward pass: "
                + rank0[0].bucketsStartedDuringBackward());
        List<float[]> one = onThreads(3, 4, 30, train, c -> new DataParallel(c, 1L << 30, true));
        // The in-process collective sums in rank order whatever the bucket: bit for bit the same.
        assertArrayEquals(after.get(0), small.get(0), "4 KiB overlapped buckets changed the weights");
        assertArrayEquals(after.get(0), one.get(0), "one overlapped bucket changed the weights");
        assertArrayEquals(small.get(0), small.get(2));
    }

    @Test
    void unevenShardsAndABatchSmallerThanTheRanksAreWeightedByTheirImages() throws Exception {
        // 3 ranks on global batches of 10 (shards 3/3/4) and a last batch of 2 (one rank has none).
        Dataset data = train.subset(0, 22);
        float[] alone = ReplicaRun.train("mnist-cnn", data, 3, 10, 3, null);
        List<float[]> ranks = onThreads(3, 3, 10, data);
        assertArrayEquals(ranks.get(0), ranks.get(2));
        double diff = ReplicaRun.maxDifference(ranks.get(0), alone);
        assertTrue(diff <= TOLERANCE, "3-rank weights differ from 1-rank by " + diff);
    }

    @Test
    void shardsCoverTheGlobalBatchInOrder() {
        for (int n : new int[] {1, 2, 7, 64, 65}) {
            for (int size = 1; size <= 4; size++) {
                int next = 0;
                for (int r = 0; r < size; r++) {
                    int rank = r;
                    int count = size;
                    Replicas rep = new Replicas() {
                        public int rank() {
                            return rank;
                        }

                        public int count() {
                            return count;
                        }

                        public void reduceGradients(dev.ingot.nn.Model model, int s, int b) {
                        }

                        public void sumTotals(float[] t) {
                        }
                    };
                    assertEquals(next, rep.shardStart(n), "n " + n + " size " + size + " rank " + r);
                    next += rep.shardSize(n);
                }
                assertEquals(n, next);
            }
        }
    }
}
