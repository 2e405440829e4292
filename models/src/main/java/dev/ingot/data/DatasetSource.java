package dev.ingot.data;

import java.net.URI;
import java.util.List;

/**
 * Where a dataset comes from: its folder under the data folder, the addresses that publish it (in
 * the order to try) and its files with their published checksums.
 *
 * @param dataset the name {@link Datasets#load} knows it by
 * @param folder  its folder under the data folder
 * @param mirrors base addresses, each ending in {@code /}; a file is fetched from {@code mirror + name}
 * @param files   every file the dataset needs
 * @param note    extra advice for the "put these files there" message (another accepted layout), or ""
 */
public record DatasetSource(String dataset, String folder, List<URI> mirrors, List<RemoteFile> files, String note) {

    public DatasetSource {
        if (dataset == null || folder == null || mirrors == null || files == null || note == null) {
            throw new IllegalArgumentException("DatasetSource: no component may be null");
        }
        if (mirrors.isEmpty() || files.isEmpty()) {
            throw new IllegalArgumentException("DatasetSource " + dataset + ": needs at least one mirror and one file");
        }
        for (URI mirror : mirrors) {
            if (!mirror.toString().endsWith("/")) {
                throw new IllegalArgumentException("DatasetSource " + dataset + ": mirror " + mirror + " must end with '/'");
            }
        }
        mirrors = List.copyOf(mirrors);
        files = List.copyOf(files);
    }

    /**
     * MNIST (LeCun, Cortes, Burges). The canonical host, yann.lecun.com, now often refuses
     * downloads; PyTorch's mirror on S3 serves the same bytes and is tried first. The SHA-256 sums
     * are those of the canonical files (see shared/data/README.md; their MD5s equal the published
     * ones: f68b3c2d…, d53e105e…, 9fb629c4…, ec29112d…).
     */
    public static final DatasetSource MNIST = new DatasetSource("mnist", "mnist",
            List.of(URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
                    URI.create("http://yann.lecun.com/exdb/mnist/")),
            List.of(new RemoteFile("train-images-idx3-ubyte.gz", "SHA-256",
                            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
                    new RemoteFile("train-labels-idx1-ubyte.gz", "SHA-256",
                            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
                    new RemoteFile("t10k-images-idx3-ubyte.gz", "SHA-256",
                            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
                    new RemoteFile("t10k-labels-idx1-ubyte.gz", "SHA-256",
                            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542)),
            "The same files uncompressed (without .gz) are accepted too.");

    /**
     * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017). Addresses and MD5 sums as published in the
     * "Get the Data" table of https://github.com/zalandoresearch/fashion-mnist (README.md); the
     * same files are in that repository's data/fashion/ folder, the fallback mirror.
     */
    public static final DatasetSource FASHION_MNIST = new DatasetSource("fashion-mnist", "fashion-mnist",
            List.of(URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
                    URI.create("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")),
            List.of(new RemoteFile("train-images-idx3-ubyte.gz", "MD5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26_421_880),
                    new RemoteFile("train-labels-idx1-ubyte.gz", "MD5", "25c81989df183df01b3e8a0aad5dffbe", 29_515),
                    new RemoteFile("t10k-images-idx3-ubyte.gz", "MD5", "bef4ecab320f06d8554ea6380940ec79", 4_422_102),
                    new RemoteFile("t10k-labels-idx1-ubyte.gz", "MD5", "bb300cfdad3c16e7a12a480ee83cd310", 5_148)),
            "The same files uncompressed (without .gz) are accepted too.");

    /**
     * CIFAR-10, binary version (Krizhevsky 2009). Address and MD5 as published on
     * https://www.cs.toronto.edu/~kriz/cifar.html ("CIFAR-10 binary version (suitable for C
     * programs)", 162 MB, c32a1d4ab5d03f1284b67883e8d87530).
     */
    public static final DatasetSource CIFAR10 = new DatasetSource("cifar10", "cifar-10",
            List.of(URI.create("https://www.cs.toronto.edu/~kriz/")),
            List.of(new RemoteFile(Cifar10Reader.TARBALL, "MD5", "c32a1d4ab5d03f1284b67883e8d87530", 170_052_171)),
            "Instead of the tarball, its extracted batch files (data_batch_1.bin ... data_batch_5.bin, test_batch.bin,"
                    + " batches.meta.txt; each plain or gzipped as .bin.gz) may sit directly in this folder or in its "
                    + Cifar10Reader.EXTRACTED_FOLDER + "/ subfolder.");
}
