package dev.ingot.distributed;

import dev.ingot.core.collective.Reduction;

import java.util.Arrays;

/**
 * One rank of the MPI tests, started by {@code mpirun} from {@link MpiCollectiveTest}: runs the
 * collectives on known values and prints what it got, one line per check, for the test to read.
 * With {@code hang} as the argument, rank 1 stops calling collectives (as a hung rank would) and
 * rank 0 must be stopped by its watchdog; with {@code die}, rank 1 exits mid-run.
 */
public final class MpiRankMain {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "check";
        double timeout = args.length > 1 ? Double.parseDouble(args[1]) : 30;
        try (MpiCollective mpi = MpiCollective.initialise(timeout, System.err)) {
            int r = mpi.rank();
            int n = mpi.size();
            System.out.println("rank " + r + " size " + n + " " + mpi.description());
            if (mode.equals("hang") || mode.equals("die")) {
                mpi.barrier();
                if (r == 1) {
                    if (mode.equals("die")) {
                        System.out.println("rank 1 exits without MPI_Finalize");
                        System.out.flush();
                        Runtime.getRuntime().halt(7);
                    }
                    System.out.println("rank 1 hangs");
                    System.out.flush();
                    Thread.sleep(600_000);
                }
                float[] x = new float[1000];
                mpi.allReduce(x, Reduction.SUM);
                System.out.println("rank " + r + " was not stopped");
                return;
            }
            float[] x = new float[100_003];
            for (int i = 0; i < x.length; i++) {
                x[i] = (r + 1) * 0.5f + i;
            }
            mpi.allReduce(x, Reduction.SUM);
            boolean ok = true;
            for (int i = 0; i < x.length; i++) {
                float expected = 0;
                for (int q = 0; q < n; q++) {
                    expected += (q + 1) * 0.5f + i;
                }
                ok &= x[i] == expected;
            }
            System.out.println("rank " + r + " allReduce sum " + (ok ? "ok" : "WRONG " + x[0] + " " + x[1]));
            float[] y = {r, 2 * r};
            mpi.allReduce(y, 0, 2, Reduction.AVERAGE);
            System.out.println("rank " + r + " allReduce average " + Arrays.toString(y));
            float[] z = new float[5];
            if (r == 0) {
                Arrays.fill(z, 42.5f);
            }
            mpi.broadcast(z, 1, 3, 0);
            System.out.println("rank " + r + " broadcast " + Arrays.toString(z));
            byte[] id = new byte[128];
            if (r == n - 1) {
                for (int i = 0; i < id.length; i++) {
                    id[i] = (byte) (i * 7 + 1);
                }
            }
            mpi.broadcast(id, n - 1);
            System.out.println("rank " + r + " broadcast bytes " + (id[127] == (byte) (127 * 7 + 1) ? "ok" : "WRONG"));
            mpi.barrier();
            System.out.println("rank " + r + " done");
        }
    }
}
