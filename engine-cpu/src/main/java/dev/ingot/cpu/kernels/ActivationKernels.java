package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ReLU forward and backward on flat arrays of any shape. Streaming kernels: one load and one store
 * per element, so they run at memory speed once vectorised; threads only help for large tensors.
 */
public final class ActivationKernels {
    private ActivationKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Elements per thread below which splitting costs more than it saves (see ElementwiseKernels.GRAIN). */
    static final int GRAIN = ElementwiseKernels.GRAIN;

    /**
     * {@code y[i] = max(x[i], 0)}; a NaN stays NaN (Math.max semantics, lane and tail alike), so a
     * diverged activation is not silently turned into zeros. {@code y} may be {@code x}.
     *
     * <p>One pass, L lanes per step ({@code FloatVector.SPECIES_PREFERRED}), scalar tail; split over
     * threads in contiguous ranges of at least {@link #GRAIN} elements.
     */
    public static void reluForward(Parallel parallel, float[] x, float[] y, int n) {
        parallel.forRange(n, GRAIN, (start, end) -> reluForwardRange(x, y, start, end));
    }

    private static void reluForwardRange(float[] x, float[] y, int start, int end) {
        int i = start;
        for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, i).lanewise(VectorOperators.MAX, 0f).intoArray(y, i);
        }
        for (; i < end; i++) {
            y[i] = Math.max(x[i], 0f);
        }
    }

    /**
     * {@code dx[i] = y[i] > 0 ? dy[i] : 0}, from the forward <em>output</em> y (which is 0 exactly
     * where the input was not positive). {@code dx} may be {@code dy} (each element is read before
     * it is written).
     *
     * <p>One pass: compare y with 0 into a lane mask, blend dy over zeros; scalar tail.
     */
    public static void reluBackward(Parallel parallel, float[] y, float[] dy, float[] dx, int n) {
        parallel.forRange(n, GRAIN, (start, end) -> reluBackwardRange(y, dy, dx, start, end));
    }

    private static void reluBackwardRange(float[] y, float[] dy, float[] dx, int start, int end) {
        FloatVector zero = FloatVector.zero(SPECIES);
        int i = start;
        for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
            FloatVector yv = FloatVector.fromArray(SPECIES, y, i);
            zero.blend(FloatVector.fromArray(SPECIES, dy, i), yv.compare(VectorOperators.GT, 0f)).intoArray(dx, i);
        }
        for (; i < end; i++) {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }
}
