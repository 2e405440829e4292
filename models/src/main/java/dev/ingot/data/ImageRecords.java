package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.util.List;

/**
 * A labelled image set served one record at a time, by index: an image folder on disk
 * ({@link ImageFolder}), a packed file ({@link PackedImages}) or the in-memory arrays of the
 * built-in datasets ({@link InMemoryImages}). Nothing forces the whole set into memory: an
 * {@link ImageLoader} asks for the records of the next few batches only, so a dataset may be
 * many times the heap.
 *
 * <p>Implementations are safe to read from several threads at once; the decoder passed in belongs
 * to the calling thread.
 */
public interface ImageRecords {
    /** What it is, e.g. {@code "cifar10-jpeg/train"}. */
    String name();

    /** Number of records, N. */
    int size();

    /** The class names, in label order (sorted folder names for an image folder). */
    List<String> classes();

    /** The label of record {@code index}, in {@code [0, classes().size())}; cheap (no decoding). */
    int label(int index);

    /** Where record {@code index} comes from, for messages: a file path, or {@code name[index]}. */
    String source(int index);

    /**
     * Record {@code index} decoded to {@code channels} (1 or 3) channels. A codec that can decode
     * smaller (TurboJPEG's scaling) may return an image whose shorter side is as small as
     * {@code minShorterSide}, never smaller; {@code <= 0} means full size.
     *
     * @throws UnreadableImageException naming {@link #source} when the record cannot be read or decoded
     */
    UInt8Image read(int index, int channels, int minShorterSide, ImageDecoding decoder);

    /** How many records carry each label, indexed by label. */
    default int[] labelCounts() {
        int[] counts = new int[classes().size()];
        for (int i = 0; i < size(); i++) {
            counts[label(i)]++;
        }
        return counts;
    }
}
