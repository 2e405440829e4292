package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import static dev.ingot.cli.CliRun.run;
import dev.ingot.data.SharedData;
import dev.ingot.nn.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user sees when a command cannot run: one line that says what is wrong (and for argument
 * mistakes where help is), never the whole usage or a stack trace; the reason a folder cannot be
 * created; a --data-dir that is a file; running out of memory.
 */
class CliMessagesTest {
    @Test
    void argumentMistakesGetOneLineAndAPointerToHelp() {
        for (String[] args : List.of(new String[] {"train", "--bogus"}, new String[] {"train", "--model"},
                new String[] {"train", "--model", "mnist-mlp", "--epochs", "two", "--output", "x"},
                new String[] {"evaluate"}, new String[] {"frobnicate"})) {
            Result r = run(args);
            assertEquals(2, r.code(), r.show());
            assertEquals(2, r.errLines().size(), "the error and where help is, nothing more: " + r.show());
            assertTrue(r.errLines().get(1).matches("see 'ingot( \\w+)? --help'"), r.show());
            assertFalse(r.err().contains("Usage:"), r.show());
        }
        Result r = run("train", "--model", "mnist-mlp", "--output", "x", "--bogus");
        assertEquals("ingot train: Unknown option: '--bogus'", r.errLines().get(0), r.show());
        assertEquals("see 'ingot train --help'", r.errLines().get(1), r.show());
    }

    @Test
    void anOutputFolderThatCannotBeCreatedSaysWhy(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Result r = run("train", "--model", "mnist-mlp", "--output", file.resolve("run").toString(), "--backend",
                TestBackend.name(), "--no-download");
        assertEquals(1, r.code(), r.show());
        assertEquals(1, r.errLines().size(), r.show());
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("ingot train: --output " + file.resolve("run") + " cannot be created: "), line);
        assertTrue(line.length() > ("ingot train: --output " + file.resolve("run") + " cannot be created: ").length()
                + file.toString().length(), "the reason, not only the path: " + line);
    }

    @Test
    void aDataDirThatIsAFileIsSaidToBeOne(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("data.tar"), "x");
        Result r = run("train", "--model", "mnist-mlp", "--output", dir.resolve("out").toString(), "--data-dir",
                file.toString(), "--backend", TestBackend.name(), "--no-download");
        assertEquals(1, r.code(), r.show());
        assertEquals(List.of("ingot train: --data-dir " + file + " is a file, not a folder; it must name the folder"
                + " that holds mnist/, fashion-mnist/ and cifar-10/"), r.errLines(), r.show());
        r = run("evaluate", "--checkpoint", file.toString(), "--data-dir", file.toString());
        assertEquals(1, r.code(), r.show());
        assertEquals(1, r.errLines().size(), r.show());
    }

    @Test
    void runningOutOfMemoryIsOneLine(@TempDir Path dir) throws Exception {
        Path data = SharedData.require("cifar-10");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        // 48 MiB of heap cannot hold CIFAR-10's 600 MB of pixels.
        Process p = new ProcessBuilder(javaBin, "-Xmx48m", "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true", "-cp",
                System.getProperty("java.class.path"), IngotCli.class.getName(), "train", "--model", "cifar10-cnn",
                "--output", dir.resolve("out").toString(), "--data-dir", data.toString(), "--no-download",
                "--backend", "cpu", "--no-progress")
                .redirectError(dir.resolve("err.txt").toFile()).redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        List<String> err = Files.readAllLines(dir.resolve("err.txt")).stream()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(1, p.exitValue(), String.join("\n", err));
        assertEquals(1, err.size(), "one line, no stack trace: " + String.join("\n", err));
        assertTrue(err.get(0).startsWith("ingot train: out of memory (Java heap space; the Java heap limit is "),
                err.get(0));
        assertTrue(err.get(0).contains("INGOT_JAVA_OPTS=-Xmx8g"), err.get(0));
    }
}
