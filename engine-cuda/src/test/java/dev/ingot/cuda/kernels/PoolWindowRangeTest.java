package dev.ingot.cuda.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The index arithmetic at the heart of {@code pooling.cu}'s gathers, checked by brute force: for an
 * input row {@code h}, the output rows whose windows contain it are
 * {@code [ceil((h + pad - kernel + 1) / stride), floor((h + pad) / stride)]} clipped to {@code [0, P)}.
 * The two lines below are the kernel's, in Java (integer division of non-negative ints rounds down in
 * both languages); if the kernel's formula changes, change them here too.
 */
class PoolWindowRangeTest {

    private static int first(int h, int kernel, int stride, int pad) {
        return h + pad - kernel + 1 <= 0 ? 0 : (h + pad - kernel + 1 + stride - 1) / stride; // pooling.cu: firstP
    }

    private static int last(int h, int stride, int pad, int outputs) {
        return Math.min((h + pad) / stride, outputs - 1); // pooling.cu: lastP
    }

    @Test
    void theRangeIsExactlyTheWindowsThatContainTheRow() {
        int checked = 0;
        for (int kernel = 1; kernel <= 5; kernel++) {
            for (int stride = 1; stride <= 4; stride++) {
                for (int pad = 0; pad <= kernel / 2; pad++) {
                    for (int size = kernel; size <= 13; size++) {
                        if (size + 2 * pad < kernel) {
                            continue;
                        }
                        int outputs = (size + 2 * pad - kernel) / stride + 1;
                        for (int h = 0; h < size; h++) {
                            int lo = first(h, kernel, stride, pad);
                            int hi = last(h, stride, pad, outputs);
                            for (int p = 0; p < outputs; p++) {
                                boolean contains = p * stride - pad <= h && h < p * stride - pad + kernel;
                                assertEquals(contains, p >= lo && p <= hi, "row " + h + ", output " + p + ", kernel "
                                        + kernel + ", stride " + stride + ", pad " + pad + ", size " + size);
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }
}
