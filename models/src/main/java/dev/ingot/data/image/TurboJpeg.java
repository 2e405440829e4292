package dev.ingot.data.image;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One TurboJPEG decompressor ({@code tjhandle}) from libjpeg-turbo, bound with FFM: the fast JPEG
 * path of the image pipeline. The library is found at run time, like the CUDA libraries: Debian's
 * {@code libturbojpeg0} ({@code libturbojpeg.so.0}, TurboJPEG 2.x API), or the file named by
 * {@code -Dingot.turbojpeg.path}; {@code -Dingot.turbojpeg=off} turns it off. When it is absent,
 * {@link #status()} says why and the pipeline decodes with {@link ImageIoDecoder}.
 *
 * <p>The 2.x entry points used are those Debian bookworm's 2.1.5 exports (checked with
 * {@code nm -D}): {@code tjInitDecompress}, {@code tjDecompressHeader3}, {@code tjGetScalingFactors},
 * {@code tjDecompress2}, {@code tjGetErrorStr2}, {@code tjGetErrorCode}, {@code tjDestroy}. The
 * 3.x library keeps them as a compatibility layer.
 *
 * <p>A handle is not thread-safe: each pipeline worker opens its own and closes it when it ends
 * (one owner, freed deterministically). Pixels go straight from and to Java arrays: the two
 * decoding calls are bound {@code critical} with heap access, so nothing is copied through native
 * buffers.
 */
@SuppressWarnings("restricted") // binding a C library is this class's job; the JVM runs with --enable-native-access
public final class TurboJpeg implements AutoCloseable {
    private static final int TJPF_RGB = 0;
    private static final int TJPF_GRAY = 6;
    private static final int TJPF_CMYK = 11;
    private static final int TJCS_CMYK = 3;
    private static final int TJCS_YCCK = 4;
    private static final int TJERR_WARNING = 0;

    /** The bound functions, or why there are none. */
    private record Binding(String library, MethodHandle init, MethodHandle header, MethodHandle decompress,
                           MethodHandle errorString, MethodHandle errorCode, MethodHandle destroy,
                           int[] factorNum, int[] factorDenom) {
    }

    private static final Binding BINDING;
    private static final String UNAVAILABLE;

    static {
        Binding binding = null;
        String why = null;
        try {
            binding = bind();
        } catch (Throwable t) {   // UnsatisfiedLink-like failures come as IllegalArgumentException or NoSuchElementException
            why = t.getMessage() == null ? t.toString() : t.getMessage();
        }
        BINDING = binding;
        UNAVAILABLE = why;
    }

    private final MemorySegment handle;
    private final int[] dims = new int[4];
    private boolean closed;

    private TurboJpeg(MemorySegment handle) {
        this.handle = handle;
    }

    /** Whether TurboJPEG is loaded and usable here. */
    public static boolean available() {
        return BINDING != null;
    }

    /** One line for {@code ingot doctor}: the library loaded, or why it is unavailable. */
    public static String status() {
        if (BINDING != null) {
            StringBuilder factors = new StringBuilder();
            for (int i = 0; i < BINDING.factorNum.length; i++) {
                factors.append(i == 0 ? "" : " ").append(BINDING.factorNum[i]).append('/').append(BINDING.factorDenom[i]);
            }
            return "available: " + BINDING.library + " (TurboJPEG 2.x API; scaling factors " + factors + ")";
        }
        return "unavailable because " + UNAVAILABLE + "; JPEGs are decoded with javax.imageio (slower)."
                + " On Debian/Ubuntu: apt-get install libturbojpeg0";
    }

    /** A new decompressor; throws {@link IllegalStateException} with the reason when TurboJPEG is unavailable. */
    public static TurboJpeg open() {
        if (BINDING == null) {
            throw new IllegalStateException("TurboJPEG is " + status());
        }
        try {
            MemorySegment h = (MemorySegment) BINDING.init.invokeExact();
            if (h.address() == 0) {
                throw new IllegalStateException("tjInitDecompress returned NULL (out of memory?)");
            }
            return new TurboJpeg(h);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("tjInitDecompress failed: " + t, t);
        }
    }

    /**
     * Decodes a JPEG to {@code channels} (1 or 3) channels at the smallest of TurboJPEG's scales
     * (1/8 to 1, in eighths) whose shorter side is still at least {@code minShorterSide}: the
     * codec skips the detail a later resize would throw away. {@code minShorterSide <= 0} decodes
     * at full size. A warning (a truncated file: "Premature end of JPEG file") is an error, as
     * Pillow's "image file is truncated" is.
     */
    public UInt8Image decode(byte[] jpeg, int channels, int minShorterSide) throws ImageDecodeException {
        if (closed) {
            throw new IllegalStateException("TurboJpeg: decode after close");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("TurboJpeg: channels must be 1 or 3, got " + channels);
        }
        if (jpeg.length == 0) {
            throw new ImageDecodeException("the file is empty (0 bytes)");
        }
        MemorySegment src = MemorySegment.ofArray(jpeg);
        MemorySegment dimSeg = MemorySegment.ofArray(dims);
        int rc;
        try {
            rc = (int) BINDING.header.invokeExact(handle, src, (long) jpeg.length, dimSeg, dimSeg.asSlice(4),
                    dimSeg.asSlice(8), dimSeg.asSlice(12));
        } catch (Throwable t) {
            throw new ImageDecodeException("tjDecompressHeader3 failed: " + t, t);
        }
        if (rc != 0) {
            throw new ImageDecodeException("TurboJPEG cannot read the header: " + error());
        }
        int width = dims[0], height = dims[1], colourspace = dims[3];
        int num = 1, denom = 1;
        if (minShorterSide > 0) {
            int shorter = Math.min(width, height);
            long best = Long.MAX_VALUE;
            for (int i = 0; i < BINDING.factorNum.length; i++) {
                int n = BINDING.factorNum[i], d = BINDING.factorDenom[i];
                long scaled = scaled(shorter, n, d);
                if (n <= d && scaled >= minShorterSide && scaled < best) {
                    best = scaled;
                    num = n;
                    denom = d;
                }
            }
        }
        int w = (int) scaled(width, num, denom);
        int h = (int) scaled(height, num, denom);
        boolean cmyk = colourspace == TJCS_CMYK || colourspace == TJCS_YCCK;
        int format = cmyk ? TJPF_CMYK : channels == 3 ? TJPF_RGB : TJPF_GRAY;
        int pixelBytes = cmyk ? 4 : channels;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), pixelBytes)];
        try {
            rc = (int) BINDING.decompress.invokeExact(handle, src, (long) jpeg.length, MemorySegment.ofArray(out),
                    w, w * pixelBytes, h, format, 0);
        } catch (Throwable t) {
            throw new ImageDecodeException("tjDecompress2 failed: " + t, t);
        }
        if (rc != 0) {
            String message = error();
            boolean warning = errorCode() == TJERR_WARNING;
            throw new ImageDecodeException("TurboJPEG " + (warning ? "warns (the data is damaged or truncated): "
                    : "cannot decode it: ") + message);
        }
        if (cmyk) {
            return new UInt8Image(h, w, channels, fromAdobeCmyk(out, w * h, channels));
        }
        return new UInt8Image(h, w, channels, out);
    }

    /**
     * CMYK as Photoshop writes it into JPEGs (inverted: 255 is no ink) to RGB the way Pillow
     * converts it: {@code R = C * K / 255} on the stored, inverted samples.
     */
    private static byte[] fromAdobeCmyk(byte[] cmyk, int pixels, int channels) {
        byte[] out = new byte[pixels * channels];
        for (int p = 0; p < pixels; p++) {
            int c = cmyk[4 * p] & 0xff, m = cmyk[4 * p + 1] & 0xff, y = cmyk[4 * p + 2] & 0xff, k = cmyk[4 * p + 3] & 0xff;
            int r = (c * k + 127) / 255, g = (m * k + 127) / 255, b = (y * k + 127) / 255;
            if (channels == 3) {
                out[3 * p] = (byte) r;
                out[3 * p + 1] = (byte) g;
                out[3 * p + 2] = (byte) b;
            } else {
                out[p] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
            }
        }
        return out;
    }

    /** TJSCALED: {@code ceil(dimension * num / denom)}. */
    static long scaled(int dimension, int num, int denom) {
        return ((long) dimension * num + denom - 1) / denom;
    }

    private String error() {
        try {
            MemorySegment s = (MemorySegment) BINDING.errorString.invokeExact(handle);
            return s.address() == 0 ? "(no message)" : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "(tjGetErrorStr2 failed: " + t + ")";
        }
    }

    private int errorCode() {
        try {
            return (int) BINDING.errorCode.invokeExact(handle);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Frees the decompressor. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) BINDING.destroy.invokeExact(handle);
        } catch (Throwable t) {
            throw new IllegalStateException("tjDestroy failed: " + t, t);
        }
    }

    private static Binding bind() throws IOException {
        if ("off".equals(System.getProperty("ingot.turbojpeg"))) {
            throw new IllegalStateException("-Dingot.turbojpeg=off turned it off");
        }
        String explicit = System.getProperty("ingot.turbojpeg.path");
        List<String> candidates = explicit != null ? List.of(explicit)
                : List.of("libturbojpeg.so.0", "libturbojpeg.so", "/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0",
                "/usr/lib64/libturbojpeg.so.0", "/usr/local/lib/libturbojpeg.so.0", "/opt/libjpeg-turbo/lib64/libturbojpeg.so.0");
        SymbolLookup lookup = null;
        String loaded = null;
        List<String> failures = new ArrayList<>();
        for (String candidate : candidates) {
            try {
                lookup = SymbolLookup.libraryLookup(candidate.contains("/") ? Path.of(candidate).toString() : candidate,
                        Arena.global());
                loaded = candidate;
                break;
            } catch (IllegalArgumentException e) {
                failures.add(candidate);
            }
        }
        if (lookup == null) {
            throw new IllegalStateException("no TurboJPEG library could be loaded (tried " + String.join(", ", failures)
                    + ")");
        }
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT;
        ValueLayout.OfLong ulong = ValueLayout.JAVA_LONG;
        var address = ValueLayout.ADDRESS;
        MethodHandle init = linker.downcallHandle(lookup.findOrThrow("tjInitDecompress"), FunctionDescriptor.of(address));
        MethodHandle header = linker.downcallHandle(lookup.findOrThrow("tjDecompressHeader3"),
                FunctionDescriptor.of(i32, address, address, ulong, address, address, address, address), critical);
        MethodHandle decompress = linker.downcallHandle(lookup.findOrThrow("tjDecompress2"),
                FunctionDescriptor.of(i32, address, address, ulong, address, i32, i32, i32, i32, i32), critical);
        MethodHandle errorString = linker.downcallHandle(lookup.findOrThrow("tjGetErrorStr2"),
                FunctionDescriptor.of(address, address));
        MethodHandle errorCode = linker.downcallHandle(lookup.findOrThrow("tjGetErrorCode"),
                FunctionDescriptor.of(i32, address));
        MethodHandle destroy = linker.downcallHandle(lookup.findOrThrow("tjDestroy"), FunctionDescriptor.of(i32, address));
        MethodHandle factors = linker.downcallHandle(lookup.findOrThrow("tjGetScalingFactors"),
                FunctionDescriptor.of(address, address));
        int[] num;
        int[] denom;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment array = (MemorySegment) factors.invokeExact(count);
            int n = count.get(ValueLayout.JAVA_INT, 0);
            if (array.address() == 0 || n <= 0 || n > 64) {
                throw new IllegalStateException("tjGetScalingFactors returned " + n + " factors");
            }
            MemorySegment pairs = array.reinterpret(8L * n);   // tjscalingfactor { int num; int denom; }
            num = new int[n];
            denom = new int[n];
            for (int i = 0; i < n; i++) {
                num[i] = pairs.get(ValueLayout.JAVA_INT, 8L * i);
                denom[i] = pairs.get(ValueLayout.JAVA_INT, 8L * i + 4);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("tjGetScalingFactors failed: " + t, t);
        }
        return new Binding(resolved(loaded), init, header, decompress, errorString, errorCode, destroy, num, denom);
    }

    /** The file the loader mapped for {@code name}, from /proc/self/maps, else the name. */
    private static String resolved(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.contains("libturbojpeg")) {
                    Path file = Path.of(line.substring(slash));
                    return file.toRealPath().toString();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or maps unreadable: the name we asked for is the best we have
        }
        return name;
    }
}
