package dev.ingot.distributed;

import dev.ingot.core.collective.CollectiveException;
import dev.ingot.core.collective.Reduction;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InProcessCollectiveTest {

    private static <T> List<T> onRanks(int n, double timeout, BiFunction<InProcessCollective, Integer, T> body)
            throws Exception {
        List<InProcessCollective> group = InProcessCollective.group(n, timeout);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                InProcessCollective c = group.get(r);
                int rank = r;
                futures.add(pool.submit(() -> body.apply(c, rank)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void allReduceSumsInRankOrderAndAverages() throws Exception {
        List<float[]> out = onRanks(3, 10, (c, r) -> {
            float[] x = {r, 1, 10f * r, 7};
            c.allReduce(x, 1, 2, Reduction.SUM);
            float[] y = {r, 3};
            c.allReduce(y, Reduction.AVERAGE);
            return new float[] {x[0], x[1], x[2], x[3], y[0], y[1]};
        });
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(new float[] {r, 3, 30, 7, 1, 3}, out.get(r), "rank " + r);
        }
    }

    @Test
    void broadcastCopiesTheRootsValues() throws Exception {
        List<String> out = onRanks(2, 10, (c, r) -> {
            float[] x = {r + 1, r + 1};
            c.broadcast(x, 0, 2, 1);
            byte[] b = new byte[4];
            if (r == 0) {
                b = new byte[] {1, 2, 3, 4};
            }
            c.broadcast(b, 0);
            c.barrier();
            return Arrays.toString(x) + Arrays.toString(b);
        });
        assertEquals(List.of("[2.0, 2.0][1, 2, 3, 4]", "[2.0, 2.0][1, 2, 3, 4]"), out);
    }

    @Test
    void aRankThatNeverArrivesMakesTheOthersTimeOut() throws Exception {
        List<String> out = onRanks(2, 0.5, (c, r) -> {
            if (r == 1) {
                return "absent";
            }
            CollectiveException e = assertThrows(CollectiveException.class, () -> c.allReduce(new float[4],
                    Reduction.SUM));
            assertTrue(e.timedOut(), e.getMessage());
            return e.getMessage();
        });
        assertTrue(out.get(0).contains("rank 0 of 2: allReduce waited more than 0.5 s"), out.get(0));
    }

    @Test
    void abortCancelsTheOthersWithTheReason() throws Exception {
        List<String> out = onRanks(2, 30, (c, r) -> {
            if (r == 1) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                c.abort(3, "out of memory");
                return "aborted";
            }
            CollectiveException e = assertThrows(CollectiveException.class, c::barrier);
            return e.getMessage();
        });
        assertTrue(out.get(0).contains("rank 1 aborted (code 3): out of memory"), out.get(0));
    }

    @Test
    void badArgumentsAreNamed() {
        InProcessCollective c = InProcessCollective.group(1, 1).get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.allReduce(new float[3], 2, 2, Reduction.SUM));
        assertTrue(e.getMessage().contains("allReduce: range [2, 2 + 2) is outside an array of 3 floats"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.broadcast(new float[1], 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> InProcessCollective.group(0, 1));
    }
}
