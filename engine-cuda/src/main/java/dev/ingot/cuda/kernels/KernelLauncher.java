package dev.ingot.cuda.kernels;

import dev.ingot.cuda.ffm.CudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Launches our kernels on the backend's stream. {@code cuLaunchKernel} takes {@code void** kernelParams}:
 * one pointer per parameter, to a copy of its value; the driver copies the values at launch, so
 * one native scratch area (slots of 8 bytes, and the pointer array to them, built once) serves
 * every launch.
 *
 * <pre>{@code launcher.kernel(Kernel.ADD).i64(n).ptr(a).ptr(b).ptr(out).launch(n);}</pre>
 *
 * Each argument is checked against {@link Kernel#args()}, so a Java call that does not match the
 * kernel's C signature fails with a message instead of corrupting a launch.
 */
public final class KernelLauncher implements AutoCloseable {
    /** Threads per block of every 1-D kernel. */
    public static final int BLOCK = 256;
    private static final int MAX_ARGS = 32;

    private final KernelModules modules;
    private final MemorySegment stream;
    private final int maxBlocks;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment values = arena.allocate(8L * MAX_ARGS, 8);
    private final MemorySegment params = arena.allocate(ValueLayout.ADDRESS, MAX_ARGS);
    private final Launch launch = new Launch();

    /**
     * @param multiprocessors the device's SM count: grids are capped at 32 blocks per SM, enough to
     *                        fill it, and grid-stride loops cover the rest
     */
    public KernelLauncher(KernelModules modules, MemorySegment stream, int multiprocessors) {
        this.modules = modules;
        this.stream = stream;
        this.maxBlocks = Math.max(1, multiprocessors * 32);
        for (int i = 0; i < MAX_ARGS; i++) {
            params.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(8L * i, 8));
        }
    }

    /** Starts a launch of {@code kernel}; add its arguments in order, then {@link Launch#launch}. */
    public Launch kernel(Kernel kernel) {
        launch.start(kernel);
        return launch;
    }

    /** Blocks of {@link #BLOCK} threads for {@code work} grid-stride items: enough to cover it, at most 32 per SM. */
    public int blocksFor(long work) {
        return (int) Math.max(1, Math.min((work + BLOCK - 1) / BLOCK, maxBlocks));
    }

    /** One launch being assembled (reused; the backend is called from one thread at a time). */
    public final class Launch {
        private Kernel kernel;
        private int next;

        private void start(Kernel k) {
            kernel = k;
            next = 0;
        }

        private int slot(Kernel.Arg expected) {
            if (next >= kernel.args().size()) {
                throw new IllegalStateException("kernel " + kernel.function() + " takes " + kernel.args().size()
                        + " arguments; got more");
            }
            Kernel.Arg declared = kernel.args().get(next);
            if (declared != expected) {
                throw new IllegalStateException("kernel " + kernel.function() + " argument " + next + " is " + declared
                        + ", got " + expected);
            }
            return next++;
        }

        /** A device pointer ({@code T*}). */
        public Launch ptr(long devicePointer) {
            values.set(ValueLayout.JAVA_LONG, 8L * slot(Kernel.Arg.POINTER), devicePointer);
            return this;
        }

        public Launch i32(int value) {
            values.set(ValueLayout.JAVA_INT, 8L * slot(Kernel.Arg.INT), value);
            return this;
        }

        public Launch i64(long value) {
            values.set(ValueLayout.JAVA_LONG, 8L * slot(Kernel.Arg.LONG), value);
            return this;
        }

        public Launch f32(float value) {
            values.set(ValueLayout.JAVA_FLOAT, 8L * slot(Kernel.Arg.FLOAT), value);
            return this;
        }

        /** Launches over {@code work} grid-stride items in 1-D blocks of {@link #BLOCK} threads. */
        public void launch(long work) {
            launchGrid(blocksFor(work), BLOCK);
        }

        /** Launches with an explicit grid (for kernels whose threads are not one per item). */
        public void launchGrid(int blocks, int threadsPerBlock) {
            if (next != kernel.args().size()) {
                throw new IllegalStateException("kernel " + kernel.function() + " takes " + kernel.args().size()
                        + " arguments; got " + next);
            }
            MemorySegment function = modules.function(kernel);
            CudaDriver.check(CudaDriver.cuLaunchKernel(function, blocks, 1, 1, threadsPerBlock, 1, 1, 0, stream, params,
                    MemorySegment.NULL), "cuLaunchKernel", kernel.function() + " <<<" + blocks + ", " + threadsPerBlock + ">>>");
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
