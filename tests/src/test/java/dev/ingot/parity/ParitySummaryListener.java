package dev.ingot.parity;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Prints the {@link ParityLedger}'s summary lines when the test run ends, and writes them to the
 * file named by the system property {@code ingot.parity.summary} (default
 * {@code target/parity-summary.txt}; surefire sets it to
 * {@code tests/target/parity-summary.txt}), followed there by the closest call of every kernel to
 * its tolerance. Registered through
 * {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}, so it runs under
 * surefire and any other JUnit Platform launcher without being named anywhere.
 */
public final class ParitySummaryListener implements LauncherSessionListener {

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (ParityLedger.isEmpty()) {
            return;
        }
        List<String> lines = ParityLedger.summaryLines();
        for (String line : lines) {
            System.out.println(line);
        }
        // Surefire names the file; any other launcher (the JUnit console launcher of scripts/gpu-run.sh)
        // gets target/parity-summary.txt under its working directory.
        String file = System.getProperty("ingot.parity.summary", "target/parity-summary.txt");
        if (!file.isBlank()) {
            try {
                Path path = Path.of(file);
                Files.createDirectories(path.toAbsolutePath().getParent());
                List<String> content = new java.util.ArrayList<>(lines);
                List<String> skipReasons = ParityLedger.skipReasons();
                if (!skipReasons.isEmpty()) {
                    content.add("");
                    content.add("why backends were skipped (their providers' probes):");
                    content.addAll(skipReasons);
                }
                List<String> closest = ParityLedger.closestCalls();
                if (!closest.isEmpty()) {
                    content.add("");
                    content.add("closest calls: the largest |error| / allowed of any passing comparison, per suite,"
                            + " backend and kernel (1 would fail; exact kernels show 0)");
                    content.addAll(closest);
                }
                Files.write(path, content, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the parity summary to " + file, e);
            }
        }
    }
}
