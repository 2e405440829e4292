package dev.ingot.cli;

import dev.ingot.core.BackendException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@code ingot} command line: one runnable jar, one subcommand per job. Started by the
 * {@code ./ingot} script at the project root, which picks a JDK 25 and adds the JVM flags the
 * engine needs.
 *
 * <p>Errors the user can fix (a bad option, a missing or corrupt file, an unavailable backend)
 * print one message, without a stack trace, and exit with status 1; set {@code INGOT_DEBUG=1} to
 * see the trace. Anything else is a bug and prints its stack trace.
 */
@Command(name = "ingot", mixinStandardHelpOptions = true, version = "ingot 0.1.0",
        description = "Trains and runs convolutional networks on a CPU or an NVIDIA GPU, in pure Java.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, DemoCommand.class, DoctorCommand.class,
                PredictCommand.class, ExportCommand.class, FinetuneCommand.class,
                CommandLine.HelpCommand.class})
public final class IngotCli {
    private final CountDownLatch finished = new CountDownLatch(1);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        IngotCli root = new IngotCli();
        CommandLine cli = new CommandLine(root);
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            boolean userError = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof IOException || e instanceof UncheckedIOException || e instanceof BackendException;
            if (!userError || System.getenv("INGOT_DEBUG") != null) {
                e.printStackTrace(command.getErr());
            }
            command.getErr().println("ingot " + command.getCommandName() + ": " + e.getMessage());
            return 1;
        });
        try {
            return cli.execute(args);
        } finally {
            root.finished.countDown();
        }
    }

    /**
     * Waits until the command has returned and its last message is printed. A shutdown hook (Ctrl-C)
     * that asked a command to stop calls this, so that the JVM exits only after the command has
     * saved its work and said so.
     *
     * @return whether it finished within {@code seconds}
     */
    boolean awaitFinished(long seconds) throws InterruptedException {
        return finished.await(seconds, TimeUnit.SECONDS);
    }
}
