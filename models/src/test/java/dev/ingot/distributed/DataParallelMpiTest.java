package dev.ingot.distributed;

import dev.ingot.data.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real thing on one machine: {@code mpirun -np 2} JVM ranks talking TCP over the loopback
 * interface ({@code --mca btl tcp,self --mca btl_tcp_if_include lo}) train mnist-cnn data-parallel
 * for K steps; rank 0's weights equal those of one process on the same global batches within
 * {@link DataParallelTest#TOLERANCE}.
 */
class DataParallelMpiTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void openMpi() {
        MpiJob.assumeOpenMpi();
    }

    @Test
    void twoMpiRanksOverLoopbackTcpMatchOneProcess() throws Exception {
        Path data = SharedData.require("mnist");
        int steps = DataParallelTest.STEPS;
        int batch = DataParallelTest.BATCH;
        Path weights = dir.resolve("rank0.f32");
        MpiJob.Result r = MpiJob.run(2, List.of("--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo"),
                MpiJob.java(DataParallelRankMain.class.getName(), data.toString(), String.valueOf(steps),
                        String.valueOf(batch), "3", weights.toString()),
                Map.of("INGOT_CPU_THREADS", "1"), dir.resolve("log"), 240);
        assertEquals(0, r.exitCode(), r.output());
        float[] distributed = DataParallelRankMain.read(weights);
        float[] alone = ReplicaRun.train("mnist-cnn", ReplicaRun.mnist(data, steps * batch), steps, batch, 3, null);
        double diff = ReplicaRun.maxDifference(distributed, alone);
        System.out.printf("data-parallel (mpirun -np 2, TCP over lo): after %d steps of batch %d: max |dw|/(1+|w|) ="
                + " %.3g (tolerance %.0e), job %.1f s%n%s", steps, batch, diff, DataParallelTest.TOLERANCE, r.seconds(),
                r.output().lines().filter(l -> l.startsWith("rank ")).map(l -> "  " + l + "\n").reduce("", String::concat));
        assertTrue(diff <= DataParallelTest.TOLERANCE, "2-rank MPI weights differ from 1-rank by " + diff);
    }
}
