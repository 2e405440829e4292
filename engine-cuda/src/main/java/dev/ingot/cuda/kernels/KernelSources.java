package dev.ingot.cuda.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the {@code .cu} files shipped as resources under {@code dev/ingot/cuda/kernels/}. */
public final class KernelSources {
    /** The resource folder of our kernels. */
    public static final String FOLDER = "/dev/ingot/cuda/kernels/";

    private KernelSources() {
    }

    /** The source text of {@code <module>.cu}. */
    public static String read(String module) {
        String resource = FOLDER + module + ".cu";
        try (InputStream in = KernelSources.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + resource + " is missing from the engine-cuda jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + resource, e);
        }
    }
}
