package dev.ingot.nn.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The safetensors element types this reader widens to float32, and their decoders.
 * <pre>
 *   F32   IEEE binary32, as is
 *   F16   IEEE binary16: Float.float16ToFloat (exact; subnormals, infinities and NaN kept)
 *   BF16  bfloat16, the top 16 bits of a binary32: value = intBitsToFloat(bits &lt;&lt; 16) (exact)
 *   I64   signed 64-bit integers (PyTorch's BatchNorm num_batches_tracked); |v| &le; 2^24 so that
 *         the float holds it exactly, anything larger is refused
 * </pre>
 * Every other dtype (F64, I32, U8, BOOL, F8_*, ...) is refused by name: widening F64 would round
 * silently, and integer tensors other than counters are not weights.
 */
final class StoredDtype {
    static final String READABLE = "F32, F16, BF16 (and I64 counters such as num_batches_tracked)";
    private static final long LARGEST_EXACT = 1L << 24;

    private StoredDtype() {
    }

    /** Bytes per element of {@code dtype}, or 0 if this reader does not take it. */
    static int bytesPerValue(String dtype) {
        if (dtype == null) {
            return 0;
        }
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "I64" -> 8;
            default -> 0;
        };
    }

    /** Decodes {@code count} little-endian values of {@code dtype} from {@code buf}. */
    static float[] decode(String dtype, ByteBuffer buf, int count, Path file, long fileOffset, String name) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        switch (dtype) {
            case "F32" -> b.asFloatBuffer().get(out);
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.float16ToFloat(b.getShort());
                }
            }
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                }
            }
            case "I64" -> {
                for (int i = 0; i < count; i++) {
                    long v = b.getLong();
                    if (v > LARGEST_EXACT || v < -LARGEST_EXACT) {
                        throw new CorruptCheckpointException(file, fileOffset + 8L * i, "I64 tensor '" + name
                                + "' element " + i + " is " + v + ", beyond what a float holds exactly (2^24)");
                    }
                    out[i] = v;
                }
            }
            default -> throw new IllegalArgumentException("no decoder for dtype " + dtype);
        }
        return out;
    }
}
