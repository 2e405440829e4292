package dev.ingot.data;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The downloader against a real HTTP server on 127.0.0.1 (there is no internet here): serving the
 * shared dataset files, wrong bytes, errors, nothing at all, or a body that stalls.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatasetDownloaderTest {
    private static final Duration SHORT = Duration.ofSeconds(5);

    @TempDir
    Path tmp;
    private HttpServer server;
    private final CountDownLatch releaseStalled = new CountDownLatch(1);

    @AfterEach
    void stopServer() {
        releaseStalled.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    /** Starts a server on 127.0.0.1, port 0, with one handler for every path; returns its base address. */
    private URI start(HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", handler);
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** Serves the files under {@code root}: GET /a/b is root/a/b, else 404. */
    private static HttpHandler files(Path root) {
        return exchange -> {
            try (exchange) {
                Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
                if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, Files.size(file));
                try (OutputStream out = exchange.getResponseBody()) {
                    Files.copy(file, out);
                }
            }
        };
    }

    private static HttpHandler status(int code) {
        return exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(code, -1);
            }
        };
    }

    private DatasetDownloader downloader(URI mirror) {
        return new DatasetDownloader(mirror, false, SHORT, SHORT);
    }

    private static List<Path> listing(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }

    @Test
    void downloadsVerifiesAndLoadsMnist() throws IOException {
        Path shared = SharedData.require("mnist");
        URI mirror = start(files(shared));
        Path data = tmp.resolve("data");

        Dataset test = Datasets.load("mnist", Split.TEST, data, downloader(mirror));

        Dataset reference = Datasets.load("mnist", Split.TEST, shared, false);
        assertArrayEquals(reference.labels(), test.labels());
        assertArrayEquals(reference.images(), test.images());
        List<Path> got = listing(data.resolve("mnist"));
        assertEquals(4, got.size(), "the four files, and no partial ones: " + got);
        for (RemoteFile f : DatasetSource.MNIST.files()) {
            assertEquals(-1, Files.mismatch(shared.resolve("mnist").resolve(f.name()), data.resolve("mnist").resolve(f.name())),
                    f.name() + " is a byte-exact copy");
        }
        // Present now: loading needs no server (the downloader points nowhere and is not used).
        server.stop(0);
        server = null;
        assertEquals(60_000, Datasets.load("mnist", Split.TRAIN, data, false).size());
    }

    @Test
    void theBooleanApiDownloadsFromTheMirrorProperty() throws IOException {
        Path shared = SharedData.require("mnist");
        URI mirror = start(files(shared));
        String before = System.getProperty(DatasetDownloader.MIRROR_PROPERTY);
        System.setProperty(DatasetDownloader.MIRROR_PROPERTY, mirror.toString());
        try {
            // Also draws the progress bar for the 1.6 MB and 9.9 MB files.
            Dataset test = Datasets.load("mnist", Split.TEST, tmp, true);
            assertEquals(10_000, test.size());
        } finally {
            if (before == null) {
                System.clearProperty(DatasetDownloader.MIRROR_PROPERTY);
            } else {
                System.setProperty(DatasetDownloader.MIRROR_PROPERTY, before);
            }
        }
    }

    @Test
    void aChecksumMismatchIsRejectedAndNoFileIsLeft() throws Exception {
        Path mirrorRoot = Files.createDirectories(tmp.resolve("mirror/mnist"));
        byte[] wrong = "these are not the MNIST bytes".getBytes(StandardCharsets.US_ASCII);
        for (RemoteFile f : DatasetSource.MNIST.files()) {
            Files.write(mirrorRoot.resolve(f.name()), wrong);
        }
        URI mirror = start(files(tmp.resolve("mirror")));
        Path data = tmp.resolve("data");

        MissingDatasetException e = assertThrows(MissingDatasetException.class,
                () -> Datasets.load("mnist", Split.TRAIN, data, downloader(mirror)));

        String m = e.getMessage();
        assertTrue(m.contains("checksum mismatch: the downloaded train-images-idx3-ubyte.gz has SHA-256 "
                + hex("SHA-256", wrong) + ", expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"), m);
        assertTrue(m.contains("the download was discarded"), m);
        assertEquals(List.of(), listing(data.resolve("mnist")), "neither the file nor a partial one is left");
    }

    @Test
    void aServerErrorEndsInPutTheseFilesThere() throws IOException {
        URI mirror = start(status(500));
        Path data = tmp.resolve("data");

        MissingDatasetException e = assertThrows(MissingDatasetException.class,
                () -> Datasets.load("mnist", Split.TEST, data, downloader(mirror)));

        String m = e.getMessage();
        assertTrue(m.contains(mirror.resolve("mnist/train-images-idx3-ubyte.gz") + ": IOException: the server answered HTTP 500"), m);
        assertTrue(m.contains("Put these files there:"), m);
        for (RemoteFile f : DatasetSource.MNIST.files()) {
            assertTrue(m.contains("\n  " + data.toAbsolutePath().resolve("mnist").resolve(f.name()) + "\n"), m);
            assertTrue(m.contains("https://ossci-datasets.s3.amazonaws.com/mnist/" + f.name()), m);
            assertTrue(m.contains("http://yann.lecun.com/exdb/mnist/" + f.name()), m);
            assertTrue(m.contains(f.checksum()), m);
        }
        assertEquals(4, e.missingFiles().size());
        assertEquals(List.of(), listing(data.resolve("mnist")));
    }

    @Test
    void anUnreachableHostEndsInPutTheseFilesThere() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort + "/");
        Path data = tmp.resolve("data");

        MissingDatasetException e = assertThrows(MissingDatasetException.class,
                () -> Datasets.load("cifar10", Split.TEST, data, downloader(nowhere)));

        String m = e.getMessage();
        assertTrue(m.startsWith("Dataset 'cifar10' is not in " + data.toAbsolutePath().resolve("cifar-10")
                + " and downloading cifar-10-binary.tar.gz failed."), m);
        assertTrue(m.contains(nowhere + "cifar-10/cifar-10-binary.tar.gz: ConnectException"), m);
        assertTrue(m.contains("\n  " + data.toAbsolutePath().resolve("cifar-10/cifar-10-binary.tar.gz") + "\n"), m);
        assertTrue(m.contains("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), m);
        assertTrue(m.contains("cifar-10-batches-bin/"), m);
    }

    @Test
    void aStalledDownloadIsAbandoned() throws IOException {
        URI mirror = start(exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, 1_000_000);
                OutputStream out = exchange.getResponseBody();
                out.write(new byte[1000]);
                out.flush();
                releaseStalled.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Path data = tmp.resolve("data");
        DatasetDownloader impatient = new DatasetDownloader(mirror, false, SHORT, Duration.ofMillis(300));
        long start = System.nanoTime();

        MissingDatasetException e = assertThrows(MissingDatasetException.class,
                () -> Datasets.load("mnist", Split.TEST, data, impatient));

        assertTrue(e.getMessage().contains("no data arrived for 300 ms; gave up"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "gave up promptly");
        assertTrue(!Thread.currentThread().isInterrupted(), "the watchdog's interrupt does not leak to the caller");
        assertEquals(List.of(), listing(data.resolve("mnist")));
    }

    @Test
    void eachMirrorIsTriedInTurnAndMd5IsVerified() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root/second"));
        byte[] bytes = new byte[3_000_000];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(root.resolve("blob.bin"), bytes);
        URI base = start(files(tmp.resolve("root")));
        DatasetSource source = new DatasetSource("blob", "blob",
                List.of(base.resolve("first/"), base.resolve("second/")),
                List.of(new RemoteFile("blob.bin", "MD5", hex("MD5", bytes), bytes.length)), "");
        DatasetDownloader downloader = new DatasetDownloader(null, false, SHORT, SHORT);
        assertEquals(List.of(base.resolve("first/blob.bin"), base.resolve("second/blob.bin")),
                downloader.addressesOf(source, source.files().getFirst()));

        downloader.download(source, tmp.resolve("data/blob"), source.files());

        assertArrayEquals(bytes, Files.readAllBytes(tmp.resolve("data/blob/blob.bin")));
        assertEquals(List.of(tmp.resolve("data/blob/blob.bin")), listing(tmp.resolve("data/blob")));
    }

    @Test
    void aMirrorOverrideReplacesThePublishersAddresses() {
        DatasetDownloader local = new DatasetDownloader(URI.create("http://localhost:8000/datasets"), false, SHORT, SHORT);
        RemoteFile tarball = DatasetSource.CIFAR10.files().getFirst();
        assertEquals(List.of(URI.create("http://localhost:8000/datasets/cifar-10/cifar-10-binary.tar.gz")),
                local.addressesOf(DatasetSource.CIFAR10, tarball));
        DatasetDownloader publishers = new DatasetDownloader(null, false, SHORT, SHORT);
        assertEquals(List.of(URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")),
                publishers.addressesOf(DatasetSource.CIFAR10, tarball));
    }

    @Test
    void badDownloaderSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new DatasetDownloader(null, false, Duration.ZERO, SHORT));
        assertThrows(IllegalArgumentException.class, () -> new DatasetDownloader(URI.create("relative/"), false, SHORT, SHORT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RemoteFile("a.gz", "MD5", "abc", 0));
        assertTrue(e.getMessage().contains("a MD5 checksum is 32 hex digits, got 'abc'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile("../a.gz", "SHA-256", "0".repeat(64), 0));
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile("a.gz", "SHA-1", "0".repeat(40), 0));
    }
}
