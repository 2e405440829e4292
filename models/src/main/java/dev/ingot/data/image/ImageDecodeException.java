package dev.ingot.data.image;

import java.io.IOException;

/**
 * Bytes that a codec cannot turn into pixels: truncated or damaged data, an unsupported colour
 * space, not an image at all. The message says which codec refused and why, in its own words;
 * the dataset that read the bytes adds the file.
 */
public final class ImageDecodeException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
