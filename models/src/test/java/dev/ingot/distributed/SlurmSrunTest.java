package dev.ingot.distributed;

import dev.ingot.data.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Slurm route: {@code srun -n 2 --mpi=pmix} starts two JVM ranks (no {@code mpirun}); Open MPI
 * learns its rank and size from Slurm's PMIx server, the launch check agrees with
 * {@code SLURM_PROCID}/{@code SLURM_NTASKS}, and after K steps rank 0's weights equal one process's
 * within {@link DataParallelTest#TOLERANCE}. Needs a running Slurm cluster that {@code sinfo}
 * reaches ({@code .ci/run} starts a single-node one, with {@code SLURM_CONF} pointing at it); skipped,
 * saying why, elsewhere.
 */
class SlurmSrunTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void slurm() throws Exception {
        MpiJob.assumeOpenMpi();
        String why = null;
        String sinfo = output(List.of("sinfo", "-h", "-o", "%a %T"));
        String mpis = output(List.of("srun", "--mpi=list"));
        if (sinfo == null) {
            why = "no sinfo/srun on the PATH or no Slurm controller answers (apt-get install slurmd slurmctld"
                    + " slurm-client munge and start a cluster: see .ci/run)";
        } else if (!sinfo.contains("up") || sinfo.contains("down") || sinfo.contains("drain")) {
            why = "the Slurm partition is not up and idle: " + sinfo.strip();
        } else if (mpis == null || !mpis.contains("pmix")) {
            why = "srun has no pmix plugin: " + mpis;
        }
        if (why != null) {
            System.out.println("Slurm test skipped: " + why);
        }
        assumeTrue(why == null, why);
    }

    /** The command's output, or null when it cannot run, fails or takes more than 15 s. */
    private static String output(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes());
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Test
    void twoRanksStartedBySrunMatchOneProcess() throws Exception {
        Path data = SharedData.require("mnist");
        int steps = DataParallelTest.STEPS;
        int batch = DataParallelTest.BATCH;
        Path weights = dir.resolve("rank0.f32");
        List<String> command = new ArrayList<>(List.of("srun", "-n", "2", "--mpi=pmix", "--time=5", "--kill-on-bad-exit=1"));
        command.addAll(MpiJob.java(DataParallelRankMain.class.getName(), data.toString(), String.valueOf(steps),
                String.valueOf(batch), "3", weights.toString()));
        MpiJob.Result r = MpiJob.start(command, Map.of("INGOT_CPU_THREADS", "1"), dir.resolve("log"), 240);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("rank 0 of 2 (srun (Slurm))") && r.output().contains("rank 1 of 2 (srun (Slurm))"),
                r.output());
        float[] distributed = DataParallelRankMain.read(weights);
        float[] alone = ReplicaRun.train("mnist-cnn", ReplicaRun.mnist(data, steps * batch), steps, batch, 3, null);
        double diff = ReplicaRun.maxDifference(distributed, alone);
        System.out.printf("data-parallel (srun -n 2 --mpi=pmix): after %d steps of batch %d: max |dw|/(1+|w|) ="
                + " %.3g (tolerance %.0e), job %.1f s%n%s", steps, batch, diff, DataParallelTest.TOLERANCE, r.seconds(),
                r.output().lines().filter(l -> l.startsWith("rank ")).map(l -> "  " + l + "\n").reduce("", String::concat));
        assertTrue(diff <= DataParallelTest.TOLERANCE, "2-rank srun weights differ from 1-rank by " + diff);
    }
}
