package dev.ingot.distributed;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The multi-machine path without a second machine: two network namespaces, each with one end of a
 * veth pair and one address of the private test range 10.217.42.0/24 (which exists only inside
 * them), stand in for two hosts. {@code mpirun} runs in the first; Open MPI "logs in" to the second
 * host through a {@code plm_rsh_agent} script that runs the command in the second namespace instead
 * of ssh; the two ranks talk TCP over the veth ({@code --mca btl tcp,self}, {@code btl_tcp_if_include}
 * and {@code oob_tcp_if_include} the test subnet). The test checks the collectives' values and that
 * the bytes went through the veth (its counters). Needs root (CAP_NET_ADMIN); skipped with the
 * reason printed otherwise. The namespaces are removed afterwards (the veth pair goes with them).
 */
class NetworkNamespacesMpiTest {
    private static final String SUBNET = "10.217.42.0/24";
    private static final String HOST0 = "10.217.42.1";
    private static final String HOST1 = "10.217.42.2";

    @TempDir
    Path dir;

    private final String ns0 = "ingot-r0-" + ProcessHandle.current().pid();
    private final String ns1 = "ingot-r1-" + ProcessHandle.current().pid();
    private final List<String> made = new ArrayList<>();

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
        }
        return out;
    }

    private void setUpNamespaces() throws Exception {
        try {
            run(List.of("ip", "netns", "add", ns0));
        } catch (IOException e) {
            String why = "cannot create a network namespace here (needs root / CAP_NET_ADMIN and iproute2): "
                    + e.getMessage();
            System.out.println("network-namespace MPI test skipped: " + why);
            assumeTrue(false, why);
        }
        made.add(ns0);
        run(List.of("ip", "netns", "add", ns1));
        made.add(ns1);
        String v0 = "ingv0-" + ProcessHandle.current().pid() % 100000;
        String v1 = "ingv1-" + ProcessHandle.current().pid() % 100000;
        run(List.of("ip", "link", "add", v0, "type", "veth", "peer", "name", v1));
        run(List.of("ip", "link", "set", v0, "netns", ns0));
        run(List.of("ip", "link", "set", v1, "netns", ns1));
        run(List.of("ip", "-n", ns0, "addr", "add", HOST0 + "/24", "dev", v0));
        run(List.of("ip", "-n", ns1, "addr", "add", HOST1 + "/24", "dev", v1));
        for (String[] nsDev : new String[][] {{ns0, v0}, {ns1, v1}}) {
            run(List.of("ip", "-n", nsDev[0], "link", "set", nsDev[1], "up"));
            run(List.of("ip", "-n", nsDev[0], "link", "set", "lo", "up"));
        }
    }

    @AfterEach
    void removeNamespaces() throws Exception {
        for (String ns : made) {
            run(List.of("ip", "netns", "del", ns));
        }
    }

    private long txBytes(String ns) throws Exception {
        String v = ns.equals(ns0) ? "ingv0-" : "ingv1-";
        String dev = v + ProcessHandle.current().pid() % 100000;
        return Long.parseLong(run(List.of("ip", "netns", "exec", ns, "cat", "/sys/class/net/" + dev
                + "/statistics/tx_bytes")).strip());
    }

    @Test
    void twoRanksInTwoNamespacesTalkTcpOverTheVeth() throws Exception {
        MpiJob.assumeOpenMpi();
        setUpNamespaces();
        Path agent = dir.resolve("netns-agent.sh");
        Files.writeString(agent, """
                #!/bin/sh
                # Open MPI's plm_rsh_agent: instead of ssh to host $1, run the command in its namespace.
                host="$1"; shift
                [ "$host" = "%s" ] || { echo "netns-agent: unknown host $host" >&2; exit 1; }
                exec ip netns exec %s /bin/sh -c "$*"
                """.formatted(HOST1, ns1));
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, HOST0 + " slots=1\n" + HOST1 + " slots=1\n");
        long before = txBytes(ns1);
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns0, MpiJob.mpirun(),
                "--allow-run-as-root", "-np", "2", "--hostfile", hosts.toString(),
                "--mca", "plm_rsh_agent", agent.toString(), "--mca", "btl", "tcp,self",
                "--mca", "btl_tcp_if_include", SUBNET, "--mca", "oob_tcp_if_include", SUBNET));
        command.addAll(MpiJob.java(MpiRankMain.class.getName(), "check", "60"));
        MpiJob.Result r = MpiJob.start(command, Map.of(), dir.resolve("log"), 120);
        long sent = txBytes(ns1) - before;
        String out = r.output();
        assertEquals(0, r.exitCode(), out);
        for (int rank = 0; rank < 2; rank++) {
            assertTrue(out.contains("rank " + rank + " allReduce sum ok"), out);
            assertTrue(out.contains("rank " + rank + " broadcast bytes ok"), out);
            assertTrue(out.contains("rank " + rank + " done"), out);
        }
        // The 100,003-float all-reduce alone sends at least its 400 kB share from the second namespace.
        assertTrue(sent > 400_000, "only " + sent + " bytes left " + ns1 + " through the veth");
        System.out.printf("network namespaces: 2 ranks over TCP on a veth (%s), %,d bytes sent by rank 1's"
                + " namespace, %.1f s%n", SUBNET, sent, r.seconds());
    }
}
