package dev.ingot.data;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset that is not in the data folder and could not be (or was not allowed to be)
 * downloaded. The message lists every file to put where, by full path, with the addresses to get
 * it from and its checksum, and, after a failed download, what each attempt ran into.
 */
public final class MissingDatasetException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final List<Path> missingFiles;

    private MissingDatasetException(String message, List<Path> missingFiles, Throwable cause) {
        super(message, cause);
        this.missingFiles = List.copyOf(missingFiles);
    }

    /** The full paths of the files that have to be put in place. */
    public List<Path> missingFiles() {
        return missingFiles;
    }

    /**
     * Builds the "put these files there" report.
     *
     * @param headline one sentence: which dataset is missing where, and why it was not downloaded
     * @param attempts one line per failed download attempt ("address: what went wrong"), may be empty
     */
    static MissingDatasetException of(DatasetSource source, Path folder, List<RemoteFile> files, String headline,
                                      List<String> attempts, Throwable cause) {
        StringBuilder m = new StringBuilder(headline);
        if (!attempts.isEmpty()) {
            m.append("\nDownload attempts:");
            for (String attempt : attempts) {
                m.append("\n  ").append(attempt);
            }
        }
        m.append("\nPut ").append(files.size() == 1 ? "this file" : "these files").append(" there:");
        List<Path> paths = files.stream().map(f -> folder.resolve(f.name())).toList();
        for (int i = 0; i < files.size(); i++) {
            RemoteFile f = files.get(i);
            m.append("\n  ").append(paths.get(i));
            String from = " from ";
            for (URI mirror : source.mirrors()) {
                m.append("\n      ").append(from).append(mirror.resolve(f.name()));
                from = "   or ";
            }
            m.append("\n       ").append(f.describeChecksum());
        }
        if (!source.note().isEmpty()) {
            m.append("\n").append(source.note());
        }
        m.append("\nThe data folder is --data-dir when given, else $").append(DataDir.ENVIRONMENT_VARIABLE)
                .append(", else ~/.ingot/datasets.");
        return new MissingDatasetException(m.toString(), paths, cause);
    }
}
