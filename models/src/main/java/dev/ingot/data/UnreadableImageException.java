package dev.ingot.data;

/**
 * An image that cannot be read or decoded: a zero-byte or truncated file, a format or colour space
 * no codec here handles, a file that is not an image. The message names the file and the codec's
 * reason, e.g. {@code "cannot use image /data/train/cat/0042.jpg: TurboJPEG warns (the data is
 * damaged or truncated): Premature end of JPEG file"}.
 */
public final class UnreadableImageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;

    public UnreadableImageException(String source, String reason, Throwable cause) {
        super("cannot use image " + source + ": " + reason, cause);
        this.source = source;
    }

    /** The file (or {@code dataset[index]}) that could not be used. */
    public String source() {
        return source;
    }
}
