package dev.ingot.distributed;

import dev.ingot.cli.IngotCli;
import dev.ingot.data.SharedData;
import dev.ingot.nn.TrainingProgress;
import dev.ingot.nn.checkpoint.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mpirun -np 2 ingot train ... --distributed mpi}: only rank 0 prints and writes; the
 * checkpoint's progress counts global batches and images, so a 2-rank run resumes with 1 rank (and
 * the reverse) and carries on from the same place. mnist-mlp on 256 images keeps it short.
 */
class DistributedTrainCommandTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void openMpi() {
        MpiJob.assumeOpenMpi();
    }

    private static List<String> train(Path data, Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--model", "mnist-mlp", "--limit-train", "256",
                "--batch-size", "64", "--seed", "5", "--backend", "cpu", "--output", out.toString(), "--data-dir",
                data.toString(), "--no-download", "--no-validation", "--no-progress", "--collective-timeout", "120"));
        args.addAll(List.of(more));
        return MpiJob.java(IngotCli.class.getName(), args.toArray(String[]::new));
    }

    @Test
    void twoRanksWriteOnceAndResumeAtAnyRankCount() throws Exception {
        Path data = SharedData.require("mnist");
        Path out = dir.resolve("run");
        MpiJob.Result first = MpiJob.run(2, List.of(), train(data, out, "--epochs", "1", "--distributed", "mpi"),
                Map.of("INGOT_CPU_THREADS", "1"), dir.resolve("log1"), 240);
        String log = first.output();
        assertEquals(0, first.exitCode(), log);
        assertEquals(1, count(log, "data-parallel over 2 ranks"), "only rank 0 prints:\n" + log);
        assertEquals(1, count(log, "wrote checkpoint.safetensors"), log);
        assertTrue(log.contains("gradient all-reduce:"), log);
        TrainingProgress p1 = Checkpoint.read(out.resolve("checkpoint.safetensors")).progress();
        assertEquals(1, p1.epoch());
        assertEquals(4, p1.globalStep(), "4 global batches of 64");

        // The second epoch with one process, then the third with two again.
        MpiJob.Result second = MpiJob.start(train(data, out, "--epochs", "2", "--resume"), Map.of(), dir.resolve("log2"),
                240);
        assertEquals(0, second.exitCode(), second.output());
        assertEquals(8, Checkpoint.read(out.resolve("checkpoint.safetensors")).progress().globalStep());
        MpiJob.Result third = MpiJob.run(2, List.of(), train(data, out, "--epochs", "3", "--resume", "--distributed",
                "mpi"), Map.of("INGOT_CPU_THREADS", "1"), dir.resolve("log3"), 240);
        assertEquals(0, third.exitCode(), third.output());
        assertTrue(third.output().contains("resuming"), third.output());
        TrainingProgress p3 = Checkpoint.read(out.resolve("checkpoint.safetensors")).progress();
        assertEquals(3, p3.epoch());
        assertEquals(12, p3.globalStep());
        assertTrue(Files.exists(out.resolve("metrics.json")) && Files.exists(out.resolve("training-curves.png")));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
