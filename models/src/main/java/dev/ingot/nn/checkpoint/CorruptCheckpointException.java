package dev.ingot.nn.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file that is not a valid safetensors file, or not a checkpoint this program wrote:
 * the message names the file, the byte offset (from the start of the file) and what was expected
 * there.
 */
public final class CorruptCheckpointException extends IllegalArgumentException {
    private final transient Path file;
    private final long offset;

    public CorruptCheckpointException(Path file, long offset, String problem) {
        super(file + ": corrupt checkpoint at byte offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    public CorruptCheckpointException(Path file, long offset, String problem, Throwable cause) {
        this(file, offset, problem);
        initCause(cause);
    }

    public Path file() {
        return file;
    }

    /** Byte offset from the start of the file. */
    public long offset() {
        return offset;
    }
}
