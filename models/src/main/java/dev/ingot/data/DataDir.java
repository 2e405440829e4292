package dev.ingot.data;

import java.nio.file.Path;

/**
 * Where datasets live: the {@code --data-dir} value when given, else the environment variable
 * {@value #ENVIRONMENT_VARIABLE}, else {@code ~/.ingot/datasets}. Inside it each dataset has its
 * own folder ({@code mnist/}, {@code fashion-mnist/}, {@code cifar-10/}; see the package
 * documentation).
 */
public final class DataDir {
    /** The environment variable that names the data folder when no {@code --data-dir} is given. */
    public static final String ENVIRONMENT_VARIABLE = "INGOT_DATA_DIR";

    private DataDir() {
    }

    /**
     * The data folder, absolute and normalised.
     *
     * @param cliValue the {@code --data-dir} value, or {@code null}/blank when not given
     */
    public static Path resolve(String cliValue) {
        return resolve(cliValue, System.getenv(ENVIRONMENT_VARIABLE), System.getProperty("user.home"));
    }

    /** {@link #resolve(String)} with the environment and home folder passed in (for tests). */
    static Path resolve(String cliValue, String environmentValue, String userHome) {
        String chosen = !isBlank(cliValue) ? cliValue : !isBlank(environmentValue) ? environmentValue : null;
        if (chosen == null) {
            return Path.of(userHome, ".ingot", "datasets").toAbsolutePath().normalize();
        }
        chosen = chosen.strip();
        // A quoted "~/data" reaches us unexpanded; expand it as a shell would.
        if (chosen.equals("~") || chosen.startsWith("~/")) {
            chosen = userHome + chosen.substring(1);
        }
        return Path.of(chosen).toAbsolutePath().normalize();
    }

    /**
     * {@code folder}, or an exception saying that {@code option} names a file where a folder is
     * needed (a missing folder is fine: datasets are downloaded into it).
     */
    public static Path requireFolder(Path folder, String option) {
        if (java.nio.file.Files.exists(folder) && !java.nio.file.Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + folder + " is a file, not a folder; it must name the"
                    + " folder that holds mnist/, fashion-mnist/ and cifar-10/");
        }
        return folder;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
