package dev.ingot.distributed;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.GradientsReadyListener;
import dev.ingot.nn.Layer;
import dev.ingot.nn.Mode;
import dev.ingot.nn.Model;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overlapped buckets allocate nothing in steady state: after warm-up steps, the training thread
 * (arming, the hook calls a backward pass makes, the wait and the copies back) and the
 * communication thread (hand-over and all-reduce) allocate 0 bytes per step (cifar10-resnet20, a
 * {@code Graph}, in 64 KiB buckets; a one-rank in-process collective, which meets nobody).
 */
class GradientBucketsAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void stepsAfterWarmUpAllocateNothingInTheBucketsOrTheCommunicationThread() {
        ReferenceModel recipe = ReferenceModels.get("cifar10-resnet20");
        InProcessCollective collective = InProcessCollective.group(1, 60).get(0);
        try (Backend b = Backends.get("cpu");
             Model model = recipe.newModel().build(b, recipe.inputShape(), 1);
             DataParallel dp = new DataParallel(collective, 64 << 10, true)) {
            int n = 2;
            SplittableRandom r = new SplittableRandom(1);
            float[] pixels = new float[(int) (n * recipe.inputShape().size())];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) r.nextDouble();
            }
            CrossEntropyLoss loss = new CrossEntropyLoss();
            try (Tensor x = b.fromHost(Shape.of(n, 3, 32, 32), pixels); Tensor y = b.fromHost(Shape.of(n), new int[] {1, 7})) {
                // Three real steps (the hook called from backward; the first allocates the buckets).
                for (int step = 0; step < 3; step++) {
                    loss.forward(model.forward(x, Mode.training(step)), y, true);
                    dp.beforeBackward(model, n, n);
                    model.backward(loss.gradient());
                    dp.reduceGradients(model, n, n);
                }
                // Then steps whose backward pass is replaced by the hook calls it makes (reverse layer
                // order), so the count is ours alone: arming, hooks, hand-over, wait, copies back.
                List<Layer> reversed = new ArrayList<>(model.layers());
                Collections.reverse(reversed);
                GradientsReadyListener hook = dp.listener();
                Thread comm = dp.communicationThread();
                long[] perStep = new long[3];
                long[] commPerStep = new long[3];
                for (int step = 0; step < perStep.length; step++) {
                    long c0 = THREADS.getThreadAllocatedBytes(comm.threadId());
                    long t0 = THREADS.getCurrentThreadAllocatedBytes();
                    dp.beforeBackward(model, n, n);
                    for (int i = 0; i < reversed.size(); i++) { // indexed: an iterator would be the only allocation
                        hook.gradientsReady(reversed.get(i));
                    }
                    dp.reduceGradients(model, n, n);
                    perStep[step] = THREADS.getCurrentThreadAllocatedBytes() - t0;
                    commPerStep[step] = THREADS.getThreadAllocatedBytes(comm.threadId()) - c0;
                }
                assertTrue(dp.bucketCount() > 4, "buckets: " + dp.bucketCount());
                assertTrue(dp.bucketsStartedDuringBackward() > 0);
                assertEquals("[0, 0, 0]", Arrays.toString(perStep), "bytes allocated by the training thread per step");
                assertEquals("[0, 0, 0]", Arrays.toString(commPerStep), "bytes allocated by the communication thread per step");
            }
        }
    }
}
