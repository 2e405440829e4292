package dev.ingot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ingot} command line: one runnable jar, one subcommand per job. Started by the
 * {@code ./ingot} script at the project root, which picks a JDK 25 and adds the JVM flags the
 * engine needs.
 */
@Command(name = "ingot", mixinStandardHelpOptions = true, version = "ingot 0.1.0",
        description = "Trains and runs convolutional networks on a CPU or an NVIDIA GPU, in pure Java.",
        subcommands = {DemoCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class})
public final class IngotCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new IngotCli()).execute(args);
    }
}
