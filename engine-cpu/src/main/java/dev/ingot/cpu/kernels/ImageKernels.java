package dev.ingot.cpu.kernels;

import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.cpu.parallel.Parallel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Input images from host bytes to a normalised float batch:
 * {@code y[n,c,h,w] = (p / 255f - mean[c]) / std[c]}, p the unsigned byte at the image's NHWC or
 * NCHW index (see {@link ImageNormalization}).
 *
 * <p>Two loops, both exact (the same float operations as the reference, so the result is the same
 * bits on any thread count and any vector width):
 * <ul>
 *   <li>Planar bytes (NCHW, or one channel): per (n, c) plane, a vector loop widens bytes to ints
 *       (masking the sign), converts them to floats and does the two divisions and the subtraction
 *       in the lanes; bandwidth-bound, one byte in and four out per element.</li>
 *   <li>Interleaved bytes (NHWC with C > 1, what a decoder writes): a channel's samples are C bytes
 *       apart, which the Vector API can only reach with gathers. A byte has 256 values, so the
 *       formula is evaluated once per (channel, value) into a table and the loop is one table load
 *       per element, streaming one byte run in and C planes out: no arithmetic at all, and faster
 *       than the planar path's divisions.</li>
 * </ul>
 * Split over threads by planes (planar) or pixels (interleaved), in ranges of about {@link #GRAIN}
 * elements. The table is kept between calls (one per backend, calls come from one thread at a time)
 * and rebuilt only when the normalisation changes: steady state allocates nothing.
 */
public final class ImageKernels {
    /** Elements per thread below which the kernel stays on the calling thread (see ElementwiseKernels.GRAIN). */
    static final int GRAIN = 1 << 16;

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    /** Bytes loaded per step: one float vector's lanes, at least the 64 bits the smallest byte vector has. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class,
            jdk.incubator.vector.VectorShape.forBitSize(Math.max(64, FLOATS.length() * 8)));
    /** Float vectors per byte vector (2 where floats are 128-bit and bytes 64-bit, else 1). */
    private static final int PARTS = BYTES.length() / FLOATS.length();

    private final Parallel parallel;
    private float[] table = new float[3 * 256];
    private ImageNormalization tableSpec;
    private int tableChannels;

    public ImageKernels(Parallel parallel) {
        this.parallel = parallel;
    }

    /** y (batch, channels, plane) from {@code pixels[offset...]} (checked by the caller). */
    public void fromHost(byte[] pixels, int offset, ImageNormalization spec, float[] y, int batch, int channels,
                         int plane) {
        if (spec.layout() == ImageNormalization.Layout.NCHW || channels == 1) {
            planar(pixels, offset, spec, y, batch * channels, channels, plane);
        } else {
            interleaved(pixels, offset, tableFor(spec, channels), y, batch, channels, plane);
        }
    }

    private void planar(byte[] pixels, int offset, ImageNormalization spec, float[] y, int planes, int channels,
                        int plane) {
        parallel.forRange(planes, Math.max(1, GRAIN / plane), (start, end) -> {
            for (int pl = start; pl < end; pl++) {
                int c = pl % channels;
                normalisePlane(pixels, offset + pl * plane, spec.meanOf(c), spec.stdOf(c), y, pl * plane, plane);
            }
        });
    }

    /** {@code y[out + i] = (p_i / 255f - mean) / std} for {@code i < count}: vector body, scalar tail. */
    static void normalisePlane(byte[] src, int in, float mean, float std, float[] y, int out, int count) {
        int i = 0;
        int step = BYTES.length();
        for (int bound = BYTES.loopBound(count); i < bound; i += step) {
            ByteVector bytes = ByteVector.fromArray(BYTES, src, in + i);
            for (int part = 0; part < PARTS; part++) {
                IntVector ints = ((IntVector) bytes.convertShape(VectorOperators.B2I, INTS, part)).and(0xff);
                FloatVector p = (FloatVector) ints.convert(VectorOperators.I2F, 0);
                p.div(255f).sub(mean).div(std).intoArray(y, out + i + part * FLOATS.length());
            }
        }
        for (; i < count; i++) {
            y[out + i] = ((src[in + i] & 0xff) / 255f - mean) / std;
        }
    }

    /**
     * {@code y[n][c][q] = table[c][p]} with p the byte of channel c of pixel q of image n: split
     * over pixels of the whole batch, each pixel read once, its C values written to C planes.
     */
    private void interleaved(byte[] pixels, int offset, float[] table, float[] y, int batch, int channels, int plane) {
        parallel.forRange(batch * plane, Math.max(1, GRAIN / channels), (start, end) -> {
            int q = start;
            while (q < end) {
                int n = q / plane;
                int stop = Math.min(end, (n + 1) * plane);
                int outBase = n * channels * plane - n * plane;   // y index of (n, 0, q - n*plane) is outBase + q
                int in = offset + q * channels;
                if (channels == 3) {
                    for (; q < stop; q++, in += 3) {
                        y[outBase + q] = table[pixels[in] & 0xff];
                        y[outBase + plane + q] = table[256 + (pixels[in + 1] & 0xff)];
                        y[outBase + 2 * plane + q] = table[512 + (pixels[in + 2] & 0xff)];
                    }
                } else {
                    for (; q < stop; q++, in += channels) {
                        for (int c = 0; c < channels; c++) {
                            y[outBase + c * plane + q] = table[c * 256 + (pixels[in + c] & 0xff)];
                        }
                    }
                }
            }
        });
    }

    /** {@code table[c*256 + p] = (p / 255f - mean[c]) / std[c]}, rebuilt only when the spec changes. */
    private float[] tableFor(ImageNormalization spec, int channels) {
        if (spec.equals(tableSpec) && channels == tableChannels) {
            return table;
        }
        if (table.length < channels * 256) {
            table = new float[channels * 256];
        }
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < 256; p++) {
                table[c * 256 + p] = spec.apply(p, c);
            }
        }
        tableSpec = spec;
        tableChannels = channels;
        return table;
    }
}
