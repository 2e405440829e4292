package dev.ingot.distributed;

import java.util.Map;
import java.util.OptionalInt;

/**
 * What the launcher says about this process: its rank, the number of ranks and its rank on this
 * machine, read from the environment that {@code mpirun} (Open MPI: {@code OMPI_COMM_WORLD_*}),
 * Slurm's {@code srun} ({@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID}) or a
 * PMI launcher ({@code PMI_RANK}, {@code PMI_SIZE}) sets. MPI's own view wins; this is used to
 * catch a launch that MPI did not see (e.g. {@code srun} without PMI support, where every task
 * initialises as rank 0 of 1) and to pick the GPU of a rank (its local rank).
 */
public record LaunchEnvironment(String launcher, OptionalInt rank, OptionalInt size, OptionalInt localRank) {

    public static LaunchEnvironment of(Map<String, String> env) {
        if (env.containsKey("OMPI_COMM_WORLD_RANK")) {
            return new LaunchEnvironment("mpirun (Open MPI)", number(env, "OMPI_COMM_WORLD_RANK"),
                    number(env, "OMPI_COMM_WORLD_SIZE"), number(env, "OMPI_COMM_WORLD_LOCAL_RANK"));
        }
        if (env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_STEP_ID")) {
            return new LaunchEnvironment("srun (Slurm)", number(env, "SLURM_PROCID"), number(env, "SLURM_NTASKS"),
                    number(env, "SLURM_LOCALID"));
        }
        if (env.containsKey("PMI_RANK")) {
            return new LaunchEnvironment("PMI", number(env, "PMI_RANK"), number(env, "PMI_SIZE"),
                    number(env, "MPI_LOCALRANKID"));
        }
        return new LaunchEnvironment("none", OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty());
    }

    /**
     * Throws when the launcher started several ranks but MPI sees another rank or size: the
     * processes would each train alone and write the same files.
     */
    public void requireAgreesWith(int mpiRank, int mpiSize) {
        if (size.isPresent() && size.getAsInt() != mpiSize || rank.isPresent() && rank.getAsInt() != mpiRank) {
            throw new IllegalStateException(launcher + " started this process as rank "
                    + (rank.isPresent() ? rank.getAsInt() : "?") + " of " + (size.isPresent() ? size.getAsInt() : "?")
                    + " but MPI sees rank " + mpiRank + " of " + mpiSize + ": the launcher and Open MPI do not talk"
                    + " (under Slurm use srun --mpi=pmix, or start the job with mpirun inside the allocation)");
        }
    }

    private static OptionalInt number(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the launcher's " + name + "='" + v + "' is not a number");
        }
    }
}
