package dev.ingot.bench;

/**
 * The JVM options every forked benchmark JVM gets ({@code @Fork(jvmArgsAppend = ...)}): the Vector
 * API incubator module, native access for the CUDA backend's FFM calls, and the garbage collector the
 * {@code ingot} launcher trains with, so that GC numbers measured here hold for real runs.
 */
public final class ForkOptions {
    public static final String VECTOR_API = "--add-modules=jdk.incubator.vector";
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    public static final String GC = "-XX:+UseParallelGC";
    public static final String HEAP = "-Xmx3g";

    private ForkOptions() {
    }
}
