package dev.ingot.data.image;

/**
 * The decoder one pipeline worker uses: JPEG through its own {@link TurboJpeg} handle when the
 * library is available, everything else (and JPEG without TurboJPEG) through
 * {@link ImageIoDecoder}. Not thread-safe: one per thread, closed by the thread that made it.
 */
public final class ImageDecoding implements AutoCloseable {
    private final TurboJpeg turbo;

    private ImageDecoding(TurboJpeg turbo) {
        this.turbo = turbo;
    }

    /** With TurboJPEG when available. */
    public static ImageDecoding open() {
        return new ImageDecoding(TurboJpeg.available() ? TurboJpeg.open() : null);
    }

    /** javax.imageio only (for comparisons and tests of the fallback). */
    public static ImageDecoding imageIoOnly() {
        return new ImageDecoding(null);
    }

    /** Whether JPEGs go through TurboJPEG. */
    public boolean usesTurboJpeg() {
        return turbo != null;
    }

    /**
     * Decodes {@code encoded} to {@code channels} channels; a JPEG may come out smaller than stored,
     * but never with a shorter side below {@code minShorterSide} ({@code <= 0}: full size).
     */
    public UInt8Image decode(byte[] encoded, int channels, int minShorterSide) throws ImageDecodeException {
        if (turbo != null && isJpeg(encoded)) {
            return turbo.decode(encoded, channels, minShorterSide);
        }
        return ImageIoDecoder.decode(encoded, channels);
    }

    /** JPEG files start with the SOI marker FF D8 and the first marker's FF. */
    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff;
    }

    @Override
    public void close() {
        if (turbo != null) {
            turbo.close();
        }
    }
}
