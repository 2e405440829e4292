package dev.ingot.nn.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs tests/python/torchvision_fixture.py once per test JVM (into target/torch-fixtures) and says
 * where its files are, or why it could not run (no python3, no torch/torchvision): the tests that
 * need the real PyTorch then skip with that reason printed, never fail for a missing peer.
 */
public final class TorchFixtures {
    private static final Path SCRIPT = Path.of("..", "tests", "python", "torchvision_fixture.py");
    private static final Path OUT = Path.of("target", "torch-fixtures");
    private static Optional<Path> dir;
    private static String whyNot = "";

    private TorchFixtures() {
    }

    /** The folder with the fixture files, or empty (see {@link #whyNot()}). */
    public static synchronized Optional<Path> dir() {
        if (dir == null) {
            dir = generate();
            if (dir.isEmpty()) {
                System.out.println("[torch fixtures] skipped: " + whyNot);
            }
        }
        return dir;
    }

    public static synchronized String whyNot() {
        return whyNot;
    }

    private static Optional<Path> generate() {
        if (!Files.isRegularFile(SCRIPT)) {
            whyNot = "no fixture script at " + SCRIPT.toAbsolutePath();
            return Optional.empty();
        }
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        try {
            Files.createDirectories(OUT);
            Path log = OUT.resolve("fixture.log");
            Process p = new ProcessBuilder(python, SCRIPT.toString(), OUT.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                whyNot = python + " " + SCRIPT + " did not finish in 300 s";
                return Optional.empty();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                whyNot = python + " " + SCRIPT + " exited " + p.exitValue() + " (is python3-torch / python3-torchvision"
                        + " installed?): " + output.substring(Math.max(0, output.length() - 400));
                return Optional.empty();
            }
            System.out.println("[torch fixtures] " + output);
            return Optional.of(OUT);
        } catch (IOException e) {
            whyNot = "cannot run " + python + ": " + e.getMessage();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            whyNot = "interrupted";
            return Optional.empty();
        }
    }
}
