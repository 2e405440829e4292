package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The bias gradient must give the same bits on its first, interpreted call as after C2 has
 * compiled it: a resumed training run replays steps on a cold JVM and must end bit-identical to an
 * uninterrupted one. (With the JDK's {@code reduceLanes(ADD)} the sums differed in the last bit.)
 */
class Conv2dBiasDeterminismTest {

    @Test
    void sameBitsBeforeAndAfterCompilation() {
        int n = 3, k = 5, pq = 37;
        float[] dy = new float[n * k * pq];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) (random.nextDouble() * 2 - 1);
        }
        try (Conv2dKernels conv = new Conv2dKernels(Parallel.withThreads(1))) {
            float[] first = new float[k];
            conv.backwardBias(n, k, pq, dy, first);
            float[] later = new float[k];
            for (int call = 0; call < 200_000; call++) {
                conv.backwardBias(n, k, pq, dy, later);
            }
            assertArrayEquals(first, later, "bias gradient changed after JIT compilation");
        }
    }
}
