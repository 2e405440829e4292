package dev.ingot.parity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Counts what the suites really checked: every (kernel, shape case, backend) comparison that ran
 * and passed, every one skipped (with the reason), and every one that failed. A green build with
 * nothing checked must not look like a green build with everything checked, so the run ends with
 * one summary line per suite (see {@link ParitySummaryListener}), e.g.
 * {@code parity: 812 cases checked (kernel x shape x backend) on [cpu]; 812 skipped on [cuda]: no driver}.
 *
 * <p>Shared by the whole test JVM (surefire runs every class in one fork); thread-safe.
 */
public final class ParityLedger {

    /** The suites that report through the ledger, with the unit each one counts. */
    public enum Suite {
        PARITY("parity", "cases checked (kernel x shape x backend)"),
        GRADCHECK("gradcheck", "gradient checks (kernel x shape x backend)"),
        BAD_INPUT("bad-input", "rejections checked (case x backend)");

        private final String label;
        private final String unit;

        Suite(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }
    }

    /** One comparison: a kernel (or bad-input case), a shape case and a backend. */
    public record Entry(Suite suite, String kernel, String testCase, String backend) {
    }

    private static final Map<Entry, String> PASSED = new LinkedHashMap<>();
    private static final Map<Entry, String> SKIPPED = new LinkedHashMap<>();
    private static final Map<Entry, String> FAILED = new LinkedHashMap<>();
    /** Per (suite, kernel, backend): the largest |error| / allowed seen in a passing comparison, and where. */
    private static final Map<String, Margin> CLOSEST = new TreeMap<>();
    private static final ThreadLocal<Entry> CURRENT = new ThreadLocal<>();

    private record Margin(double ratio, String testCase) {
    }

    private ParityLedger() {
    }

    public static synchronized void passed(Entry e) {
        PASSED.put(e, "");
    }

    public static synchronized void skipped(Entry e, String reason) {
        SKIPPED.put(e, reason);
    }

    public static synchronized void failed(Entry e, String cause) {
        FAILED.put(e, cause);
    }

    /** The comparison running on this thread (set by {@link ParityBackends}), for {@link #observe}. */
    static void begin(Entry e) {
        CURRENT.set(e);
    }

    static void end() {
        CURRENT.remove();
    }

    /**
     * Records how close a comparison came to its tolerance ({@code |error| / allowed}, 1 fails), so
     * the summary file can show how much room each kernel leaves: a tolerance that is never approached
     * may be looser than it needs to be.
     */
    public static synchronized void observe(double ratio) {
        Entry e = CURRENT.get();
        if (e == null || !(ratio >= 0)) {
            return;
        }
        String key = e.suite().label + " " + e.backend() + " " + e.kernel();
        Margin old = CLOSEST.get(key);
        if (old == null || ratio > old.ratio()) {
            CLOSEST.put(key, new Margin(ratio, e.testCase()));
        }
    }

    /** One line per (suite, backend, kernel): the closest call to the tolerance among passing comparisons. */
    public static synchronized List<String> closestCalls() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Margin> e : CLOSEST.entrySet()) {
            lines.add(String.format("  %-55s %.3g  [%s]", e.getKey(), e.getValue().ratio(), e.getValue().testCase()));
        }
        return lines;
    }

    public static synchronized boolean isEmpty() {
        return PASSED.isEmpty() && SKIPPED.isEmpty() && FAILED.isEmpty();
    }

    /** One line per suite that recorded anything, in {@link Suite} order. */
    public static synchronized List<String> summaryLines() {
        List<String> lines = new ArrayList<>();
        for (Suite suite : Suite.values()) {
            int passed = count(PASSED, suite);
            int skipped = count(SKIPPED, suite);
            int failed = count(FAILED, suite);
            if (passed + skipped + failed == 0) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            sb.append(suite.label).append(": ").append(passed).append(' ').append(suite.unit)
                    .append(" on ").append(backends(PASSED, suite));
            // One clause per skipped backend, with its reason (all skips of a backend share it).
            Map<String, Set<String>> reasons = new TreeMap<>();
            Map<String, Integer> counts = new TreeMap<>();
            for (Map.Entry<Entry, String> e : SKIPPED.entrySet()) {
                if (e.getKey().suite() == suite) {
                    reasons.computeIfAbsent(e.getKey().backend(), b -> new LinkedHashSet<>()).add(e.getValue());
                    counts.merge(e.getKey().backend(), 1, Integer::sum);
                }
            }
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                sb.append("; ").append(e.getValue()).append(" skipped on [").append(e.getKey()).append("]: ")
                        .append(brief(String.join(" | ", reasons.get(e.getKey()))));
            }
            if (failed > 0) {
                sb.append("; ").append(failed).append(" FAILED on ").append(backends(FAILED, suite));
            }
            lines.add(sb.toString());
        }
        return lines;
    }

    /** Longest skip reason shown in the summary line; the file lists the full reasons. */
    private static final int BRIEF = 160;

    /** The first clause of a (possibly long) probe reason, so the summary stays one readable line. */
    static String brief(String reason) {
        int cut = reason.indexOf("; ");
        if (cut < 0 && reason.length() <= BRIEF) {
            return reason;
        }
        int end = Math.min(cut < 0 ? reason.length() : cut, BRIEF);
        return reason.substring(0, end) + " ... (full reasons in parity-summary.txt)";
    }

    /** Every distinct skip reason per backend, in full. */
    public static synchronized List<String> skipReasons() {
        Map<String, Set<String>> reasons = new TreeMap<>();
        for (Map.Entry<Entry, String> e : SKIPPED.entrySet()) {
            reasons.computeIfAbsent(e.getKey().backend(), b -> new LinkedHashSet<>()).add(e.getValue());
        }
        List<String> lines = new ArrayList<>();
        reasons.forEach((backend, why) -> why.forEach(r -> lines.add("  " + backend + ": " + r)));
        return lines;
    }

    private static int count(Map<Entry, String> map, Suite suite) {
        return (int) map.keySet().stream().filter(e -> e.suite() == suite).count();
    }

    private static String backends(Map<Entry, String> map, Suite suite) {
        Set<String> names = new LinkedHashSet<>();
        for (Entry e : map.keySet()) {
            if (e.suite() == suite) {
                names.add(e.backend());
            }
        }
        return names.toString();
    }
}
