package dev.ingot.cpu.kernels;

import dev.ingot.cpu.parallel.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch normalisation of NCHW activations, PyTorch's convention (see {@code BatchNormSpec}). A
 * channel's M = N*H*W values lie in N planes of H*W contiguous floats, {@code (n*C + c)*HW} apart.
 *
 * <p>Readable reference: {@code ReferenceBackend.batchNorm2dForwardTraining} / {@code ...Backward}
 * in the tests module (three plain loops per channel, in double).
 *
 * <p><b>Statistics in one pass, shifted.</b> {@code var = E[(x-K)^2] - (E[x-K])^2} holds for any
 * shift K; taking K = the channel's first value puts K within a few standard deviations of the
 * mean, so the subtraction cancels little even when |mean| is much larger than the standard
 * deviation (the textbook {@code E[x^2] - E[x]^2} with K = 0 loses everything there). Each
 * channel sums {@code x-K} and {@code (x-K)^2} in two vectors of float lanes over a group of planes
 * of about 1024 values ({@link #planesPerSum}), adds the lanes along a fixed tree, and adds the
 * groups in double, so the error does not grow with the batch.
 *
 * <p><b>Memory order.</b> Both passes of both directions go through memory image by image: for each
 * image, the planes of a thread's channel range one after another (a contiguous run), each channel's
 * lane sums kept in a per-thread array ({@code ChannelSums}) between images. Per channel, plane by
 * plane (the order before, 2026-12-07) read 4 KB planes 64 KB apart on ResNet-20's first stage: the
 * hardware prefetchers stop at every page, and forward + backward took 8.8-11 times a copy of the
 * tensor; in memory order 5.6-7 (docs/benchmarks.md, "BatchNorm and the rest of the ResNet-20
 * step"). A channel's planes still meet its sums in image order, so the sums do not depend on the
 * thread count. One read of x for the statistics, one read and one write for y, the second pass going
 * through the images back to front so that it starts on the images the first pass left in cache.
 * Plane sums keep two pairs of vector accumulators, so the add and fma latencies do not bound them.
 *
 * <p><b>Backward, fused.</b> One pass per channel for both sums, {@code dbeta = sum dy} and
 * {@code sum dy*(x-mean)} (so {@code dgamma = invStd * that}); a second pass writes
 * {@code dx = k*dy + (x-mean)*cx + c0} with {@code k = gamma*invStd},
 * {@code cx = -k*invStd*dgamma/M}, {@code c0 = -k*dbeta/M}: the Javadoc's
 * {@code gamma*invStd/M * (M*dy - dbeta - xhat*dgamma)} expanded. {@code x - mean} is formed before
 * any product, so a large mean does not cancel.
 *
 * <p><b>Threads and determinism.</b> Channels are split over threads (each thread a contiguous range),
 * and a channel is always summed by one thread in the same order, so results do not depend on the
 * thread count. Inference splits (n, c) planes.
 *
 * <p><b>Partial vectors.</b> A plane's last partial vector (H*W not a multiple of the lane count) is
 * copied into a per-thread buffer of whole vectors ({@link #TAIL}), its dead lanes set so they add
 * exactly 0, and run through the same lane operations; so any H*W (down to 1x1) takes the same path.
 * Not a masked step: a masked access reaching past the end of the array (the last plane's tail) runs
 * the JDK's lane bounds check, whose mask C2 was seen to box, up to 5 KiB per call for good, once
 * other kernels had run in the JVM (docs/benchmarks.md, "Masked accesses past an array's end").
 */
public final class BatchNormKernels {
    private BatchNormKernels() {
    }

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    /** Elements per thread below which a split costs more than it saves (see ElementwiseKernels.GRAIN). */
    static final int GRAIN = ElementwiseKernels.GRAIN;

    /** Per thread: up to three operands of a plane's last partial vector, {@code LANES} floats each. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[3 * LANES]);

    /** Rotations by L/2, L/4, ..., 1 lanes: the fixed tree lane sums add along (as in RowPrimitives). */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] HALVING_ROTATIONS =
            new VectorShuffle[Integer.numberOfTrailingZeros(LANES)];

    static {
        for (int level = 0; level < HALVING_ROTATIONS.length; level++) {
            HALVING_ROTATIONS[level] = VectorShuffle.iota(SPECIES, LANES >> (level + 1), 1, true);
        }
    }

    /**
     * Training-mode forward. Per channel c: shifted sums over its planes (double across groups of
     * planes), {@code mean = K + S1/M}, {@code var = max(0, S2/M - (S1/M)^2)} (biased), then
     * {@code y = fma(x - mean, gamma*invStd, beta)}; running statistics move by momentum towards the
     * mean and the unbiased variance {@code var*M/(M-1)}. A NaN in x makes its channel's outputs and
     * statistics NaN.
     */
    public static void forwardTraining(Parallel parallel, float[] x, float[] gamma, float[] beta, float epsilon,
                                       float momentum, float[] runningMean, float[] runningVar, float[] y,
                                       float[] saveMean, float[] saveInvStd, int n, int c, int hw) {
        long m = (long) n * hw;
        int grain = (int) Math.max(1, GRAIN / m);
        int group = planesPerSum(hw);
        parallel.forRange(c, grain, (c0, c1) -> {
            ChannelSums sums = ChannelSums.forThread(c1 - c0);
            float[] lanes = sums.lanes;
            double[] totals = sums.totals;
            float[] shift = sums.first;
            for (int ch = c0; ch < c1; ch++) {
                shift[ch - c0] = x[ch * hw];
            }
            // pass 1, in memory order: image by image, the range's planes of each image one after another
            for (int img = 0; img < n; img++) {
                shiftedMoments(x, (img * c + c0) * hw, c1 - c0, hw, shift, lanes);
                if ((img + 1) % group == 0 || img == n - 1) {
                    sums.addLanesToTotals(c1 - c0);
                }
            }
            float[] scale = sums.second;
            for (int ch = c0; ch < c1; ch++) {
                int k = ch - c0;
                double d = totals[2 * k] / m;
                double mean = shift[k] + d;
                double var = totals[2 * k + 1] / m - d * d;
                if (var < 0) {
                    var = 0;    // rounding only; NaN stays NaN
                }
                double invStd = 1 / Math.sqrt(var + epsilon);
                saveMean[ch] = (float) mean;
                saveInvStd[ch] = (float) invStd;
                scale[k] = (float) (gamma[ch] * invStd);
                runningMean[ch] = (float) ((1.0 - momentum) * runningMean[ch] + (double) momentum * mean);
                runningVar[ch] = (float) ((1.0 - momentum) * runningVar[ch] + (double) momentum * var * m / (m - 1));
            }
            // pass 2, images back to front: the images summed last are the ones still in cache
            for (int img = n - 1; img >= 0; img--) {
                normalizePlanes(x, y, (img * c + c0) * hw, c1 - c0, hw, saveMean, scale, beta, c0);
            }
        });
    }

    /**
     * Inference-mode forward: {@code y = fma(x - runningMean[c], gamma[c]/sqrt(runningVar[c] + eps), beta[c])}
     * (the scale in double, rounded once); y may be x. Split over the N*C planes.
     */
    public static void forwardInference(Parallel parallel, float[] x, float[] gamma, float[] beta,
                                        float[] runningMean, float[] runningVar, float epsilon, float[] y,
                                        int n, int c, int hw) {
        parallel.forRange(n * c, Math.max(1, GRAIN / hw), (p0, p1) -> {
            for (int plane = p0; plane < p1; plane++) {
                int ch = plane % c;
                float scale = (float) (gamma[ch] / Math.sqrt((double) runningVar[ch] + epsilon));
                normalizePlane(x, y, plane * hw, hw, runningMean[ch], scale, beta[ch]);
            }
        });
    }

    /**
     * Fused backward (see the class comment): pass 1 sums dy and dy*(x - mean) per channel (float lanes
     * per group of planes, double across groups); pass 2, skipped when dx is null, writes
     * {@code dx = fma(x - mean, cx, fma(dy, k, c0))}. Both passes go through memory image by image,
     * as the forward pass does.
     */
    public static void backward(Parallel parallel, float[] x, float[] dy, float[] gamma, float[] saveMean,
                                float[] saveInvStd, float[] dx, float[] dgamma, float[] dbeta, int n, int c, int hw) {
        long m = (long) n * hw;
        int grain = (int) Math.max(1, GRAIN / m);
        int group = planesPerSum(hw);
        parallel.forRange(c, grain, (c0, c1) -> {
            ChannelSums sums = ChannelSums.forThread(c1 - c0);
            float[] lanes = sums.lanes;
            double[] totals = sums.totals;
            for (int img = 0; img < n; img++) {
                gradientSums(x, dy, (img * c + c0) * hw, c1 - c0, hw, saveMean, c0, lanes);
                if ((img + 1) % group == 0 || img == n - 1) {
                    sums.addLanesToTotals(c1 - c0);
                }
            }
            float[] k = sums.first, cx = sums.second, cc = sums.third;
            for (int ch = c0; ch < c1; ch++) {
                int j = ch - c0;
                double sumDy = totals[2 * j], sumDyXc = totals[2 * j + 1];
                double invStd = saveInvStd[ch];
                double dg = sumDyXc * invStd;
                dbeta[ch] = (float) sumDy;
                dgamma[ch] = (float) dg;
                double scale = gamma[ch] * invStd;
                k[j] = (float) scale;
                cx[j] = (float) (-scale * invStd * dg / m);
                cc[j] = (float) (-scale * sumDy / m);
            }
            if (dx == null) {
                return;
            }
            // back to front: the images summed last are the ones still in cache
            for (int img = n - 1; img >= 0; img--) {
                inputGradientPlanes(x, dy, dx, (img * c + c0) * hw, c1 - c0, hw, saveMean, c0, k, cx, cc);
            }
        });
    }

    /**
     * Per thread: the running sums of a range of channels while pass 1 goes through memory image by
     * image. {@code lanes} holds two vectors of float partial sums per channel (reset after each group
     * of {@link #planesPerSum} images), {@code totals} two doubles per channel, and {@code first},
     * {@code second}, {@code third} one float per channel for the constants of pass 2. Grown to the
     * largest channel count a thread has seen, then reused: steady-state training allocates nothing.
     */
    private static final class ChannelSums {
        private static final ThreadLocal<ChannelSums> PER_THREAD = ThreadLocal.withInitial(() -> new ChannelSums(0));

        final float[] lanes;
        final double[] totals;
        final float[] first, second, third;

        private ChannelSums(int channels) {
            lanes = new float[2 * LANES * channels];
            totals = new double[2 * channels];
            first = new float[channels];
            second = new float[channels];
            third = new float[channels];
        }

        /** This thread's sums, room for {@code channels}, lanes and totals zeroed. */
        static ChannelSums forThread(int channels) {
            ChannelSums s = PER_THREAD.get();
            if (s.first.length < channels) {
                s = new ChannelSums(channels);
                PER_THREAD.set(s);
            }
            Arrays.fill(s.lanes, 0, 2 * LANES * channels, 0f);
            Arrays.fill(s.totals, 0, 2 * channels, 0.0);
            return s;
        }

        /** Adds each channel's two lane vectors (along the fixed tree) to its two totals, and zeroes them. */
        void addLanesToTotals(int channels) {
            for (int k = 0, off = 0; k < channels; k++, off += 2 * LANES) {
                FloatVector s1 = FloatVector.fromArray(SPECIES, lanes, off);
                FloatVector s2 = FloatVector.fromArray(SPECIES, lanes, off + LANES);
                for (VectorShuffle<Float> rotation : HALVING_ROTATIONS) {
                    s1 = s1.add(s1.rearrange(rotation));
                    s2 = s2.add(s2.rearrange(rotation));
                }
                totals[2 * k] += s1.lane(0);
                totals[2 * k + 1] += s2.lane(0);
                FloatVector.zero(SPECIES).intoArray(lanes, off);
                FloatVector.zero(SPECIES).intoArray(lanes, off + LANES);
            }
        }
    }

    /**
     * Images whose planes a channel sums into its float lanes before their lane tree and the double total:
     * about {@link #FLOAT_SUM_LENGTH} values, so small planes (8x8 at the end of ResNet-20) do not pay a
     * lane tree per 64 values, and no float partial sum grows long.
     */
    static int planesPerSum(int hw) {
        return Math.max(1, FLOAT_SUM_LENGTH / hw);
    }

    /** Values per float partial sum (64 per lane at 16 lanes). */
    static final int FLOAT_SUM_LENGTH = 1024;

    /**
     * For each of {@code planes} consecutive planes of {@code len} values from {@code off} (channels k = 0,
     * 1, ... of a thread's range in one image): adds {@code x - shift[k]} and {@code (x - shift[k])^2}
     * to channel k's two lane vectors, {@code sums[2k*LANES]} and {@code sums[(2k+1)*LANES]}.
     */
    private static void shiftedMoments(float[] x, int off, int planes, int len, float[] shift, float[] sums) {
        for (int k = 0, base = off, at = 0; k < planes; k++, base += len, at += 2 * LANES) {
            FloatVector s1 = FloatVector.fromArray(SPECIES, sums, at);
            FloatVector s2 = FloatVector.fromArray(SPECIES, sums, at + LANES);
            FloatVector t1 = FloatVector.zero(SPECIES);
            FloatVector t2 = FloatVector.zero(SPECIES);
            FloatVector shifts = FloatVector.broadcast(SPECIES, shift[k]);
            int i = 0;
            // two vectors a step into two pairs of sums: the add/fma latency, not the loads, bounded one pair
            for (int bound = len - 2 * LANES; i <= bound; i += 2 * LANES) {
                FloatVector d = FloatVector.fromArray(SPECIES, x, base + i).sub(shifts);
                FloatVector e = FloatVector.fromArray(SPECIES, x, base + i + LANES).sub(shifts);
                s1 = s1.add(d);
                s2 = d.fma(d, s2);
                t1 = t1.add(e);
                t2 = e.fma(e, t2);
            }
            for (int bound = len - LANES; i <= bound; i += LANES) {
                FloatVector d = FloatVector.fromArray(SPECIES, x, base + i).sub(shifts);
                s1 = s1.add(d);
                s2 = d.fma(d, s2);
            }
            if (i < len) {
                float[] tail = TAIL.get();
                System.arraycopy(x, base + i, tail, 0, len - i);
                // dead lanes hold the shift, so they add x - shift = +0
                Arrays.fill(tail, len - i, LANES, shift[k]);
                FloatVector d = FloatVector.fromArray(SPECIES, tail, 0).sub(shifts);
                s1 = s1.add(d);
                s2 = d.fma(d, s2);
            }
            s1.add(t1).intoArray(sums, at);
            s2.add(t2).intoArray(sums, at + LANES);
        }
    }

    /**
     * {@code y = fma(x - mean[c], scale[k], beta[c])} over {@code planes} consecutive planes of
     * {@code len} values from {@code off}, plane k of channel {@code c = c0 + k}; y may be x.
     */
    private static void normalizePlanes(float[] x, float[] y, int off, int planes, int len, float[] mean,
                                        float[] scale, float[] beta, int c0) {
        for (int k = 0, base = off; k < planes; k++, base += len) {
            normalizePlane(x, y, base, len, mean[c0 + k], scale[k], beta[c0 + k]);
        }
    }

    /** {@code y = fma(x - mean, scale, shift)} over {@code [off, off+len)}; y may be x. */
    private static void normalizePlane(float[] x, float[] y, int off, int len, float mean, float scale, float shift) {
        FloatVector scales = FloatVector.broadcast(SPECIES, scale);
        FloatVector shifts = FloatVector.broadcast(SPECIES, shift);
        int i = 0;
        for (int bound = SPECIES.loopBound(len); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, x, off + i).sub(mean).fma(scales, shifts).intoArray(y, off + i);
        }
        if (i < len) {
            float[] tail = TAIL.get();
            System.arraycopy(x, off + i, tail, 0, len - i);
            FloatVector.fromArray(SPECIES, tail, 0).sub(mean).fma(scales, shifts).intoArray(tail, LANES);
            System.arraycopy(tail, LANES, y, off + i, len - i);
        }
    }

    /**
     * As {@link #shiftedMoments}: adds {@code dy} and {@code dy * (x - mean[c0 + k])} over plane k to
     * channel k's two lane vectors.
     */
    private static void gradientSums(float[] x, float[] dy, int off, int planes, int len, float[] mean, int c0,
                                     float[] sums) {
        for (int k = 0, base = off, at = 0; k < planes; k++, base += len, at += 2 * LANES) {
            float m = mean[c0 + k];
            FloatVector s1 = FloatVector.fromArray(SPECIES, sums, at);
            FloatVector s2 = FloatVector.fromArray(SPECIES, sums, at + LANES);
            FloatVector t1 = FloatVector.zero(SPECIES);
            FloatVector t2 = FloatVector.zero(SPECIES);
            int i = 0;
            for (int bound = len - 2 * LANES; i <= bound; i += 2 * LANES) {
                FloatVector g = FloatVector.fromArray(SPECIES, dy, base + i);
                FloatVector h = FloatVector.fromArray(SPECIES, dy, base + i + LANES);
                s1 = s1.add(g);
                s2 = FloatVector.fromArray(SPECIES, x, base + i).sub(m).fma(g, s2);
                t1 = t1.add(h);
                t2 = FloatVector.fromArray(SPECIES, x, base + i + LANES).sub(m).fma(h, t2);
            }
            for (int bound = len - LANES; i <= bound; i += LANES) {
                FloatVector g = FloatVector.fromArray(SPECIES, dy, base + i);
                s1 = s1.add(g);
                s2 = FloatVector.fromArray(SPECIES, x, base + i).sub(m).fma(g, s2);
            }
            if (i < len) {
                float[] tail = TAIL.get();
                System.arraycopy(dy, base + i, tail, 0, len - i);
                System.arraycopy(x, base + i, tail, LANES, len - i);
                // dead lanes hold dy = 0 and x = 0, so their (0 - mean) * 0 adds 0
                Arrays.fill(tail, len - i, LANES, 0f);
                Arrays.fill(tail, LANES + len - i, 2 * LANES, 0f);
                FloatVector g = FloatVector.fromArray(SPECIES, tail, 0);
                s1 = s1.add(g);
                s2 = FloatVector.fromArray(SPECIES, tail, LANES).sub(m).fma(g, s2);
            }
            s1.add(t1).intoArray(sums, at);
            s2.add(t2).intoArray(sums, at + LANES);
        }
    }

    /** {@link #inputGradientPlane} over {@code planes} consecutive planes, plane k of channel {@code c0 + k}. */
    private static void inputGradientPlanes(float[] x, float[] dy, float[] dx, int off, int planes, int len,
                                            float[] mean, int c0, float[] k, float[] cx, float[] cc) {
        for (int j = 0, base = off; j < planes; j++, base += len) {
            inputGradientPlane(x, dy, dx, base, len, mean[c0 + j], k[j], cx[j], cc[j]);
        }
    }

    /** {@code dx = fma(x - mean, cx, fma(dy, k, c0))} over {@code [off, off+len)}. */
    private static void inputGradientPlane(float[] x, float[] dy, float[] dx, int off, int len, float mean, float k,
                                           float cx, float c0) {
        FloatVector ks = FloatVector.broadcast(SPECIES, k);
        FloatVector cxs = FloatVector.broadcast(SPECIES, cx);
        FloatVector c0s = FloatVector.broadcast(SPECIES, c0);
        int i = 0;
        for (int bound = SPECIES.loopBound(len); i < bound; i += LANES) {
            FloatVector base = FloatVector.fromArray(SPECIES, dy, off + i).fma(ks, c0s);
            FloatVector.fromArray(SPECIES, x, off + i).sub(mean).fma(cxs, base).intoArray(dx, off + i);
        }
        if (i < len) {
            float[] tail = TAIL.get();
            System.arraycopy(dy, off + i, tail, 0, len - i);
            System.arraycopy(x, off + i, tail, LANES, len - i);
            FloatVector base = FloatVector.fromArray(SPECIES, tail, 0).fma(ks, c0s);
            FloatVector.fromArray(SPECIES, tail, LANES).sub(mean).fma(cxs, base).intoArray(tail, 2 * LANES);
            System.arraycopy(tail, 2 * LANES, dx, off + i, len - i);
        }
    }
}
