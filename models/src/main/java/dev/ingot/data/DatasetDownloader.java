package dev.ingot.data;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Downloads dataset files over HTTP(S) and verifies each against its published checksum.
 *
 * <p>A file is streamed into a temporary {@code NAME.*.part} file in the target folder while its
 * digest is computed, flushed to disk, and only if the digest matches is it renamed (atomically)
 * to its final name; whatever goes wrong, the partial file is deleted. So a file under its final
 * name is always complete and verified.
 *
 * <p>Each file is tried at every mirror of its {@link DatasetSource} in turn. If the system
 * property {@value #MIRROR_PROPERTY} (or the constructor's {@code mirror}) is set, it replaces
 * them: a base address laid out like the data folder, so that {@code MIRROR/mnist/NAME} is tried
 * instead (a local copy, or a test server). When a file cannot be had, the download stops with a
 * {@link MissingDatasetException} that says which files to put where.
 *
 * <p>No call hangs: connecting is bounded by {@code connectTimeout}, waiting for the response
 * headers by the same again, and a body that stops delivering bytes for {@code stallTimeout} is
 * abandoned.
 */
public final class DatasetDownloader {
    /** System property: a base address that replaces the publishers' mirrors. */
    public static final String MIRROR_PROPERTY = "ingot.data.mirror";
    private static final long PROGRESS_MIN_BYTES = 1 << 20;
    private static final int COPY_BUFFER = 1 << 16;

    private final URI mirror;
    private final boolean showProgress;
    private final Duration connectTimeout;
    private final Duration stallTimeout;

    /** The publishers' mirrors (or {@value #MIRROR_PROPERTY}), progress bars on, 20 s / 60 s timeouts. */
    public DatasetDownloader() {
        this(mirrorFromProperty(), true, Duration.ofSeconds(20), Duration.ofSeconds(60));
    }

    /**
     * @param mirror         replaces every publisher's address when not null (see the class comment)
     * @param showProgress   draw a progress bar on the console for files of 1 MiB or more
     * @param connectTimeout bound on connecting, and again on waiting for the response headers
     * @param stallTimeout   a download that receives nothing for this long is abandoned
     */
    public DatasetDownloader(URI mirror, boolean showProgress, Duration connectTimeout, Duration stallTimeout) {
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()
                || stallTimeout == null || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("DatasetDownloader: timeouts must be positive, got connect "
                    + connectTimeout + ", stall " + stallTimeout);
        }
        if (mirror != null && !mirror.isAbsolute()) {
            throw new IllegalArgumentException("DatasetDownloader: mirror must be an absolute address, got " + mirror);
        }
        this.mirror = mirror == null || mirror.toString().endsWith("/") ? mirror : URI.create(mirror + "/");
        this.showProgress = showProgress;
        this.connectTimeout = connectTimeout;
        this.stallTimeout = stallTimeout;
    }

    private static URI mirrorFromProperty() {
        String value = System.getProperty(MIRROR_PROPERTY);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return URI.create(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property " + MIRROR_PROPERTY + " is not an address: '" + value + "'", e);
        }
    }

    /** The addresses {@code file} is tried at, in order. */
    public List<URI> addressesOf(DatasetSource source, RemoteFile file) {
        if (mirror != null) {
            return List.of(mirror.resolve(source.folder() + "/" + file.name()));
        }
        return source.mirrors().stream().map(m -> m.resolve(file.name())).toList();
    }

    /**
     * Downloads {@code files} of {@code source} into {@code folder} (created if needed), each
     * verified and put in place atomically.
     *
     * @throws MissingDatasetException when a file could not be had from any address; the message
     *                                 lists the attempts and the files still to put in place
     */
    public void download(DatasetSource source, Path folder, List<RemoteFile> files) {
        List<String> attempts = new ArrayList<>();
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        try {
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw MissingDatasetException.of(source, folder, files, "Dataset '" + source.dataset()
                        + "' cannot be downloaded: the folder " + folder + " cannot be created (" + e + ").", attempts, e);
            }
            for (int i = 0; i < files.size(); i++) {
                RemoteFile file = files.get(i);
                Exception last = null;
                for (URI address : addressesOf(source, file)) {
                    try {
                        fetch(client, address, file, folder.resolve(file.name()));
                        last = null;
                        break;
                    } catch (IOException e) {
                        last = e;
                        attempts.add(address + ": " + describe(e));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        attempts.add(address + ": interrupted");
                        last = e;
                        break;
                    }
                }
                if (last != null) {
                    // Stop at the first file that cannot be had: with the network down, trying the
                    // rest would only add a timeout per file and mirror.
                    throw MissingDatasetException.of(source, folder, files.subList(i, files.size()),
                            "Dataset '" + source.dataset() + "' is not in " + folder + " and downloading "
                                    + file.name() + " failed.", attempts, last);
                }
            }
        } finally {
            client.shutdownNow();
        }
    }

    /**
     * The exception and its causes, e.g. "ConnectException <- UnresolvedAddressException": the
     * HTTP client's own exceptions often carry no message, their causes say what happened.
     */
    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        String previous = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            String part = t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
            if (!part.equals(previous)) {
                text.append(previous == null ? "" : " <- ").append(part);
            }
            if (t instanceof java.nio.channels.UnresolvedAddressException) {
                text.append(" (the host name did not resolve: no network or no DNS?)");
            }
            previous = part;
            if (t == e && message != null && !message.isBlank() && !(t instanceof java.net.ConnectException)) {
                break;   // our own messages say everything; library exceptions need their causes
            }
        }
        return text.toString();
    }

    /** Downloads one address into {@code target} through a temporary file; throws unless verified. */
    private void fetch(HttpClient client, URI address, RemoteFile file, Path target)
            throws IOException, InterruptedException {
        Path part = Files.createTempFile(target.getParent(), file.name() + ".", ".part");
        try {
            HttpRequest request = HttpRequest.newBuilder(address).timeout(connectTimeout).GET().build();
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            byte[] digest;
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("the server answered HTTP " + response.statusCode() + ", expected 200");
                }
                long length = response.headers().firstValueAsLong("Content-Length").orElse(file.bytes() > 0 ? file.bytes() : -1);
                digest = copy(body, part, file, length);
            }
            String actual = HexFormat.of().formatHex(digest);
            if (!actual.equals(file.checksum())) {
                throw new IOException("checksum mismatch: the downloaded " + file.name() + " has " + file.algorithm() + " "
                        + actual + ", expected " + file.checksum() + " as published; the download was discarded");
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Same folder, so a plain rename is still a rename: never a half-written target.
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** Streams {@code body} into {@code part}, flushed to disk; returns the digest of the bytes. */
    private byte[] copy(InputStream body, Path part, RemoteFile file, long length) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(file.algorithm());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK lacks the " + file.algorithm() + " digest", e);
        }
        byte[] buffer = new byte[COPY_BUFFER];
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             ProgressBar bar = progressBar(file, length);
             StallWatchdog watchdog = new StallWatchdog(Thread.currentThread(), stallTimeout)) {
            try {
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    watchdog.progress();
                    digest.update(buffer, 0, n);
                    ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                    if (bar != null) {
                        bar.stepBy(n);
                    }
                }
            } catch (IOException e) {
                if (watchdog.stalled()) {
                    throw new IOException("no data arrived for " + stallTimeout.toMillis() + " ms; gave up", e);
                }
                throw e;
            }
            out.force(true);
        }
        return digest.digest();
    }

    private ProgressBar progressBar(RemoteFile file, long length) {
        if (!showProgress || (length >= 0 && length < PROGRESS_MIN_BYTES)) {
            return null;
        }
        return new ProgressBarBuilder()
                .setTaskName(file.name())
                .setInitialMax(length)
                .setUnit(" MiB", 1 << 20)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .showSpeed()
                .build();
    }

    /**
     * Interrupts the downloading thread when no bytes arrive for {@code timeout}: reading an HTTP
     * body has no timeout of its own, and an interrupt makes the blocked read fail.
     */
    private static final class StallWatchdog implements AutoCloseable {
        private final Thread reader;
        private final long timeoutNanos;
        private final Thread watcher;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean stalled;

        StallWatchdog(Thread reader, Duration timeout) {
            this.reader = reader;
            this.timeoutNanos = timeout.toNanos();
            long checkMillis = Math.max(10, Math.min(1000, timeout.toMillis() / 4));
            this.watcher = Thread.ofPlatform().daemon().name("ingot-download-watchdog").start(() -> {
                try {
                    while (true) {
                        Thread.sleep(checkMillis);
                        if (System.nanoTime() - lastProgress > timeoutNanos) {
                            stalled = true;
                            this.reader.interrupt();
                            return;
                        }
                    }
                } catch (InterruptedException closed) {
                    // close() stops the watcher.
                }
            });
        }

        void progress() {
            lastProgress = System.nanoTime();
        }

        boolean stalled() {
            return stalled;
        }

        @Override
        public void close() {
            watcher.interrupt();
            boolean interruptedMeanwhile = false;
            while (true) {
                try {
                    watcher.join();
                    break;
                } catch (InterruptedException e) {
                    interruptedMeanwhile = true;
                }
            }
            if (stalled) {
                // The interrupt was ours, not the caller's: do not leave it set.
                Thread.interrupted();
            } else if (interruptedMeanwhile) {
                reader.interrupt();
            }
        }
    }
}
