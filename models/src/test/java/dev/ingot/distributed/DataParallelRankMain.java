package dev.ingot.distributed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One rank of {@link DataParallelMpiTest}, started by {@code mpirun}: trains mnist-cnn data-parallel
 * over MPI for K steps of the global batch B and, on rank 0, writes the weights (little-endian
 * float32) to the file given.
 * Arguments: data folder, K, B, seed, output file.
 */
public final class DataParallelRankMain {
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        Path out = Path.of(args[4]);
        try (MpiCollective mpi = MpiCollective.initialise(60, System.err)) {
            LaunchEnvironment launch = LaunchEnvironment.of(System.getenv());
            launch.requireAgreesWith(mpi.rank(), mpi.size()); // what `ingot train --distributed` checks
            DataParallel[] dp = new DataParallel[1];
            float[] w = ReplicaRun.train("mnist-cnn", ReplicaRun.mnist(dataDir, steps * batch), steps, batch, seed,
                    trainer -> {
                        dp[0] = new DataParallel(mpi);
                        dp[0].synchronise(trainer.model(), trainer.optimizer());
                        return dp[0];
                    });
            System.out.print(String.format("rank %d of %d (%s): %d steps, gradient all-reduce %.1f ms per step"
                            + " after backward, %d buckets started during it%n", // one write
                    mpi.rank(), mpi.size(), launch.launcher(), dp[0].reducedSteps(),
                    dp[0].reduceSeconds() * 1e3 / dp[0].reducedSteps(), dp[0].bucketsStartedDuringBackward()));
            if (mpi.rank() == 0) {
                ByteBuffer bytes = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(w);
                Files.write(out, bytes.array());
            }
        }
    }

    static float[] read(Path file) throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] w = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(w);
        return w;
    }
}
