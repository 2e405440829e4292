package dev.ingot.cuda.cudnn;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.cuda.ffm.Cudnn;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A shape's algorithm is searched once per process and settings, not once per backend (test class). */
class AlgorithmCacheTest {

    private static AlgorithmChoice.Choice choice(int algo) {
        return new AlgorithmChoice.Choice(new AlgorithmChoice.Perf(algo, Cudnn.CUDNN_STATUS_SUCCESS, 0.5f, 0,
                Cudnn.CUDNN_DETERMINISTIC, Cudnn.CUDNN_FMA_MATH), true, "deterministic");
    }

    @Test
    void aSecondPlanOfTheSameShapeAndSettingsReusesTheSearch() {
        // A shape no other test uses, so that the process-wide cache starts without it.
        Conv2dGeometry g = Conv2dGeometry.of("conv2d", dev.ingot.core.Shape.of(7, 3, 31, 29), dev.ingot.core.Shape.of(5, 3, 3, 3),
                Conv2dSpec.DEFAULT);
        AtomicInteger searches = new AtomicInteger();
        AlgorithmCache.Key find = new AlgorithmCache.Key(0, g, "forward", false, CudnnConvolution.Search.FIND, 1L << 30);
        AlgorithmChoice.Choice first = AlgorithmCache.get(find, () -> {
            searches.incrementAndGet();
            return choice(1);
        });
        AlgorithmChoice.Choice second = AlgorithmCache.get(find, () -> {
            searches.incrementAndGet();
            return choice(6);
        });
        assertSame(first, second);
        assertEquals(1, searches.get());

        // Another setting, direction or device is another search.
        for (AlgorithmCache.Key other : new AlgorithmCache.Key[] {
                new AlgorithmCache.Key(0, g, "forward", false, CudnnConvolution.Search.GEMM, 1L << 30),
                new AlgorithmCache.Key(0, g, "backward data", false, CudnnConvolution.Search.FIND, 1L << 30),
                new AlgorithmCache.Key(1, g, "forward", false, CudnnConvolution.Search.FIND, 1L << 30),
                new AlgorithmCache.Key(0, g, "forward", true, CudnnConvolution.Search.FIND, 1L << 30),
                new AlgorithmCache.Key(0, g, "forward", false, CudnnConvolution.Search.FIND, 1L << 20)}) {
            AlgorithmCache.get(other, () -> {
                searches.incrementAndGet();
                return choice(0);
            });
        }
        assertEquals(6, searches.get());
    }
}
