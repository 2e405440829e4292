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
        subcommands = {TrainCommand.class, EvaluateCommand.class, DemoCommand.class, DoctorCommand.class, PackCommand.class,
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
        // A mistyped option: the one line that says what is wrong and where help is, not the whole
        // usage (which pushed the error off the screen).
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine command = e.getCommandLine();
            String name = commandPath(command);
            command.getErr().println(name + ": " + e.getMessage());
            command.getErr().println("see '" + name + " --help'");
            return command.getCommandSpec().exitCodeOnInvalidInput();
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            OutOfMemoryError oom = outOfMemory(e);
            if (oom != null) {
                command.getErr().println(commandPath(command) + ": " + outOfMemoryMessage(oom));
                return 1;
            }
            boolean userError = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof IOException || e instanceof UncheckedIOException || e instanceof BackendException;
            if (!userError || System.getenv("INGOT_DEBUG") != null) {
                e.printStackTrace(command.getErr());
            }
            command.getErr().println(commandPath(command) + ": " + describe(e));
            return 1;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // Thrown outside a command's call (picocli passes Errors through): still one line.
            String name = args.length > 0 && !args[0].startsWith("-") ? "ingot " + args[0] : "ingot";
            System.err.println(name + ": " + outOfMemoryMessage(e));
            return 1;
        } finally {
            root.finished.countDown();
        }
    }

    private static String commandPath(CommandLine command) {
        String name = command.getCommandName();
        return command.getParent() == null ? name : "ingot " + name;
    }

    private static OutOfMemoryError outOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) {
                return oom;
            }
        }
        return null;
    }

    /** One line for an {@link OutOfMemoryError}: what ran out and how to give it more. */
    static String outOfMemoryMessage(OutOfMemoryError e) {
        long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
        return "out of memory (" + e.getMessage() + "; the Java heap limit is " + heapMiB + " MiB): give the JVM"
                + " more with INGOT_JAVA_OPTS=-Xmx8g, or use a smaller --batch-size";
    }

    /**
     * An exception's message with the reason a bare {@link java.nio.file.FileSystemException}
     * leaves out (its message is often just the path: "/out/run1").
     */
    static String describe(Throwable e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null) {
            String why = switch (f) {
                case java.nio.file.AccessDeniedException a -> "permission denied";
                case java.nio.file.NoSuchFileException n -> "no such file or folder";
                case java.nio.file.FileAlreadyExistsException x -> "a file of that name is in the way";
                case java.nio.file.NotDirectoryException d -> "not a folder";
                default -> f.getClass().getSimpleName();
            };
            return f.getMessage() + ": " + why;
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
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
