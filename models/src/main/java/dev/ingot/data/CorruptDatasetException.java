package dev.ingot.data;

/**
 * A dataset file that does not hold what its format promises: a bad magic number, a count that
 * disagrees with the data, a label out of range, a truncated or damaged gzip stream. The message
 * names the file, the byte offset where reading went wrong and what was expected there.
 *
 * <p>Offsets count bytes of the <em>decompressed</em> content for {@code .gz} files and tar
 * entries (a gzip stream cannot be addressed any other way), and bytes of the file itself for
 * plain files; the message says which.
 */
public final class CorruptDatasetException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;

    /**
     * @param file    the file (or {@code archive!entry}) being read
     * @param offset  byte offset where the problem is
     * @param where   how to read the offset, e.g. "of the decompressed data"
     * @param problem what is wrong and what was expected
     */
    public CorruptDatasetException(String file, long offset, String where, String problem, Throwable cause) {
        super("corrupt dataset file " + file + " at byte offset " + offset + " " + where + ": " + problem, cause);
        this.file = file;
        this.offset = offset;
    }

    /** The file (or {@code archive!entry}) that is corrupt. */
    public String file() {
        return file;
    }

    /** The byte offset where reading went wrong. */
    public long offset() {
        return offset;
    }
}
