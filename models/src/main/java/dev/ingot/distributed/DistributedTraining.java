package dev.ingot.distributed;

import dev.ingot.core.Backend;
import dev.ingot.core.collective.Collective;
import dev.ingot.core.collective.DeviceCollectiveProvider;
import dev.ingot.nn.Model;
import dev.ingot.nn.Trainer;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * One process's part of a data-parallel run started by {@code mpirun}/{@code srun} with
 * {@code ingot train --distributed mpi|nccl}: joins the MPI job, checks it against the launcher's
 * environment, and attaches a {@link DataParallel} to the trainer, reducing gradients through MPI
 * (host memory) or NCCL (device memory, with MPI for the setup). Rank 0 alone prints and writes
 * files; the others print nothing but errors.
 */
public final class DistributedTraining implements AutoCloseable {
    /** What non-zero ranks print to: nothing. */
    public static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());

    private final String mode;
    private final MpiCollective mpi;
    private final LaunchEnvironment launch;
    private final double timeoutSeconds;
    private Collective device;
    private DataParallel parallel;

    private DistributedTraining(String mode, MpiCollective mpi, LaunchEnvironment launch, double timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
        this.mode = mode;
        this.mpi = mpi;
        this.launch = launch;
    }

    /**
     * @param mode           "mpi" or "nccl"
     * @param timeoutSeconds how long any collective call may wait for the other ranks
     */
    public static DistributedTraining open(String mode, double timeoutSeconds) {
        if (!mode.equals("mpi") && !mode.equals("nccl")) {
            throw new IllegalArgumentException("--distributed must be none, mpi or nccl, got '" + mode + "'");
        }
        LaunchEnvironment launch = LaunchEnvironment.of(System.getenv());
        MpiCollective mpi = MpiCollective.initialise(timeoutSeconds, System.err);
        try {
            launch.requireAgreesWith(mpi.rank(), mpi.size());
        } catch (RuntimeException e) {
            mpi.abort(2, e.getMessage());
        }
        return new DistributedTraining(mode, mpi, launch, timeoutSeconds);
    }

    public int rank() {
        return mpi.rank();
    }

    public int size() {
        return mpi.size();
    }

    /** Whether this rank writes the run's files (rank 0). */
    public boolean writes() {
        return mpi.rank() == 0;
    }

    /** The launcher's local rank of this process (0 when unknown): which GPU of the machine it should use. */
    public int localRank() {
        return launch.localRank().orElse(0);
    }

    /**
     * Makes {@code trainer} one of the job's replicas: picks the collective for the model's backend,
     * copies rank 0's weights, buffers and optimizer state to every rank, and shards each batch.
     */
    public DataParallel attach(Trainer trainer, Model model) {
        return attach(trainer, model, DataParallel.DEFAULT_BUCKET_BYTES, true);
    }

    /**
     * As {@link #attach(Trainer, Model)}, with the gradient buckets of at most {@code bucketBytes}
     * all-reduced while the backward pass runs when {@code overlap} is asked for and possible: over
     * MPI when the library granted at least {@code MPI_THREAD_SERIALIZED} (a communication thread
     * makes the calls). NCCL reduces after the backward pass (its tensors live on the device).
     */
    public DataParallel attach(Trainer trainer, Model model, long bucketBytes, boolean overlap) {
        Collective collective = mpi;
        if (mode.equals("nccl")) {
            device = deviceCollective("nccl", model.backend(), mpi, timeoutSeconds);
            collective = device;
        }
        boolean canOverlap = device == null && mpi.threadLevel() >= OpenMpi.MPI_THREAD_SERIALIZED;
        parallel = new DataParallel(collective, bucketBytes, overlap && canOverlap);
        parallel.synchronise(model, trainer.optimizer());
        trainer.replicas(parallel);
        return parallel;
    }

    /** One line for the log: ranks, library, launcher. */
    public String description() {
        String exchange = parallel == null ? "" : parallel.overlapped()
                ? String.format(Locale.ROOT, "; gradients all-reduced during the backward pass in buckets of %,d bytes",
                        parallel.bucketBytes())
                : "; gradients all-reduced after the backward pass";
        return String.format(Locale.ROOT, "data-parallel over %d ranks (%s; launched by %s)%s%s", mpi.size(),
                mpi.description(), launch.launcher(), device == null ? "" : "; gradients through " + device.description(),
                exchange);
    }

    /** Time spent in the gradient exchange, for the log. */
    public String reduceSummary() {
        if (parallel == null || parallel.reducedSteps() == 0) {
            return "";
        }
        return String.format(Locale.ROOT, "gradient all-reduce: %.2f s over %d steps (%.2f ms per step)",
                parallel.reduceSeconds(), parallel.reducedSteps(),
                parallel.reduceSeconds() * 1e3 / parallel.reducedSteps());
    }

    /** Ends the whole job now (MPI_Abort), so the other ranks do not wait for this one. */
    public void abortOthers(Throwable cause) {
        if (mpi.size() > 1) {
            mpi.abort(1, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    /** For {@code doctor}: whether --distributed mpi and nccl can run here, with versions or reasons. */
    public static String report() {
        StringBuilder sb = new StringBuilder("distributed (train --distributed):\n");
        String mpi = MpiCollective.availability();
        if (OpenMpi.LIBRARY.ok()) {
            String version;
            try {
                version = MpiCollective.libraryVersion();
            } catch (RuntimeException e) {
                version = "MPI_Get_library_version failed: " + e.getMessage();
            }
            sb.append("  mpi: available: ").append(version).append(" (").append(mpi).append(")\n");
        } else {
            sb.append("  mpi: unavailable: ").append(mpi).append("\n");
        }
        boolean nccl = false;
        for (DeviceCollectiveProvider p : ServiceLoader.load(DeviceCollectiveProvider.class)) {
            String why = p.unavailableReason();
            sb.append("  ").append(p.name()).append(": ").append(why == null ? "library found" : "unavailable: " + why)
                    .append("\n");
            nccl |= p.name().equals("nccl");
        }
        if (!nccl) {
            sb.append("  nccl: unavailable: no NCCL collective on the class path\n");
        }
        return sb.toString();
    }

    static Collective deviceCollective(String name, Backend backend, Collective bootstrap, double timeoutSeconds) {
        List<String> reasons = new ArrayList<>();
        for (DeviceCollectiveProvider p : ServiceLoader.load(DeviceCollectiveProvider.class)) {
            if (p.name().equals(name)) {
                String why = p.unavailableReason();
                if (why == null) {
                    return p.create(backend, bootstrap, timeoutSeconds);
                }
                reasons.add(why);
            }
        }
        throw new IllegalStateException("--distributed " + name + " cannot run here: " + (reasons.isEmpty()
                ? "no " + name + " collective on the class path" : String.join("; ", reasons)));
    }

    @Override
    public void close() {
        try {
            if (parallel != null) {
                parallel.close();
            }
            if (device != null) {
                device.close();
            }
        } finally {
            mpi.close();
        }
    }
}
