/**
 * Datasets: readers for MNIST, Fashion-MNIST and CIFAR-10 (held as uint8 pixels, scaled on the
 * backend), a checksum-verifying downloader, and a {@link dev.ingot.data.DataLoader} that batches,
 * shuffles and augments on a background thread.
 *
 * <h2>Image datasets from disk</h2>
 * {@link dev.ingot.data.ImageRecords} serves a labelled image set one record at a time:
 * {@link dev.ingot.data.ImageFolder} (files on disk, decoded by {@code dev.ingot.data.image}),
 * {@link dev.ingot.data.PackedImages} (memory-mapped, CRC32C-checked shards written by
 * {@link dev.ingot.data.ImagePack}) and {@link dev.ingot.data.InMemoryImages} (the built-in sets as
 * bytes). {@link dev.ingot.data.ImageLoader} batches them with N worker threads, applying
 * {@link dev.ingot.data.ImageTransforms}; it and the {@code DataLoader} are both a
 * {@link dev.ingot.data.BatchSource}, which is what the trainer consumes, and share one epoch
 * machinery ({@code EpochRun}: workers, the ordered hand-out, failures, closing).
 *
 * <h2>Folder layout</h2>
 * The data folder is {@code --data-dir}, else {@code $INGOT_DATA_DIR}, else
 * {@code ~/.ingot/datasets} ({@link dev.ingot.data.DataDir}). Inside it:
 * <pre>
 * mnist/          train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
 *                 t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz   (or the same without .gz)
 * fashion-mnist/  the same four names
 * cifar-10/       one of: cifar-10-binary.tar.gz (read in place, never extracted)
 *                         cifar-10-batches-bin/data_batch_{1..5}.bin, test_batch.bin, batches.meta.txt
 *                         data_batch_{1..5}.bin, test_batch.bin, batches.meta.txt directly here
 *                 (each .bin may also be gzipped as .bin.gz; batches.meta.txt is optional)
 * </pre>
 * A missing dataset is downloaded into that layout when allowed, or the load stops with a
 * {@link dev.ingot.data.MissingDatasetException} naming each file to put where.
 *
 * <h2>Formats and validation</h2>
 * IDX (MNIST, Fashion-MNIST) and the CIFAR-10 binary records are described in
 * {@code IdxReader} and {@code Cifar10Reader}. Every header field, the exact length, every label
 * and, for downloads, the published checksum is checked. A damaged file is a
 * {@link dev.ingot.data.CorruptDatasetException} (an {@code IllegalArgumentException}) that names
 * the file (or {@code archive!entry}) and the byte offset, counted in the decompressed data for
 * gzip files and tar entries, and says what was expected there. Pixels become floats
 * {@code k / 255f} in [0, 1]; images are NCHW.
 *
 * <h2>Batches, lifetime and determinism</h2>
 * A {@link dev.ingot.data.DataLoader} reuses a small ring of batch buffers: a
 * {@link dev.ingot.data.Batch} is valid until the next {@code hasNext()}/{@code next()} of its
 * epoch or until that epoch closes. The order of epoch e is a pure function of (seed, e), and an
 * image's augmentation a pure function of (seed, e, image index), both drawn from
 * {@code SplitMix64} written out in this package so that no JDK version changes them. Only one
 * epoch of a loader is open at a time; its thread stops when the epoch or the loader closes.
 *
 * <h2>Rules</h2>
 * No dependency on a backend: this package produces host arrays, the layers copy them to a
 * device. Downloads never leave a partial file under a final name. Nothing here blocks without a
 * bound: downloads have connect and stall timeouts, loader threads stop within one batch.
 */
package dev.ingot.data;
