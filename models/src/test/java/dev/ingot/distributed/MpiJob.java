package dev.ingot.distributed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Starts a real {@code mpirun} job whose ranks are JVMs on this test's class path, with a time
 * limit, and returns its exit status and output. As root (CI containers) it passes
 * {@code --allow-run-as-root} and sets {@code OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)}; {@code --oversubscribe}
 * lets 2 ranks run on fewer cores.
 */
final class MpiJob {
    record Result(int exitCode, String output, double seconds) {
    }

    private MpiJob() {
    }

    /** Skips the calling test, printing why, when Open MPI's launcher or library is missing. */
    static void assumeOpenMpi() {
        String launcher = mpirun();
        if (launcher == null) {
            System.out.println("MPI tests skipped: no mpirun on the PATH (apt-get install openmpi-bin libopenmpi-dev)");
        }
        assumeTrue(launcher != null, "no mpirun on the PATH");
        if (!OpenMpi.LIBRARY.ok()) {
            System.out.println("MPI tests skipped: " + OpenMpi.LIBRARY.failure());
        }
        assumeTrue(OpenMpi.LIBRARY.ok(), OpenMpi.LIBRARY.failure());
    }

    static String mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** The JVM command of one rank: this JVM's java, class path and native-access flags, then {@code args}. */
    static List<String> java(String mainClass, String... args) {
        List<String> c = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), mainClass));
        c.addAll(List.of(args));
        return c;
    }

    /** {@code mpirun -np ranks [mpiOptions] command}, killed after {@code limitSeconds}. */
    static Result run(int ranks, List<String> mpiOptions, List<String> command, Map<String, String> env, Path log,
                      double limitSeconds) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(mpirun(), "--allow-run-as-root", "--oversubscribe", "-np",
                String.valueOf(ranks)));
        c.addAll(mpiOptions);
        c.addAll(command);
        return start(c, env, log, limitSeconds);
    }

    static Result start(List<String> command, Map<String, String> env, Path log, double limitSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        boolean done = p.waitFor((long) (limitSeconds * 1000), TimeUnit.MILLISECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String out = Files.readString(log);
        if (!done) {
            throw new AssertionError("the MPI job did not finish within " + limitSeconds + " s: " + command
                    + "\n" + out);
        }
        return new Result(p.exitValue(), out, seconds);
    }
}
