package io.tickwire.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code doctor --layout}: proposes a thread → CPU layout for this host, written as the {@code layout:} section of
 * tickwire.yaml (which {@code serve} and {@code run} apply, see {@link ThreadLayout}).
 * <pre>
 *   housekeeping core (CPU 0 and its SMT siblings): the OS, Netty's event loops, the orchestrator (it parks between
 *                                                    ticks), the metrics listener, and any role left without a core
 *   one whole core each (one SMT sibling used, the other left idle), isolated CPUs first, on one NUMA node:
 *      worker 0..N-1, then the aggregator, the journal writer, the broadcaster
 *   wait strategies: a role alone on an isolated CPU busy-spins; alone on a shared CPU it yields; sharing a CPU it
 *                    blocks (workers, listeners) or sleeps (the aggregator)
 * </pre>
 * What it cannot isolate (too few cores) it says, in the notes.
 */
final class LayoutPlanner {
    /** The plan: the layout's keys, the notes, and the CPUs Tickwire uses (for systemd's CPUAffinity=). */
    record Plan(Map<ConfigKey, String> settings, List<String> notes, CpuSet allCpus) {
        /** The plan as a tickwire.yaml section, with the notes as comments. */
        String yaml(final String header) {
            final StringBuilder sb = new StringBuilder();
            sb.append("# ").append(header).append('\n');
            notes.forEach(n -> sb.append("# ").append(n).append('\n'));
            sb.append("# systemd: CPUAffinity=").append(allCpus).append(" (systemctl edit tickwire)\n");
            sb.append("layout:\n");
            String section = null;
            for (final Map.Entry<ConfigKey, String> e : settings.entrySet()) {
                final String[] parts = e.getKey().key.split("\\.");
                if (!parts[1].equals(section)) {
                    section = parts[1];
                    sb.append("  ").append(section).append(":\n");
                }
                sb.append("    ").append(parts[2]).append(": \"").append(e.getValue()).append("\"\n");
            }
            return sb.toString();
        }
    }

    private LayoutPlanner() {
    }

    static Plan plan(final HostProbe host, final int workers) {
        final List<String> notes = new ArrayList<>();
        final CpuSet online = host.online();
        final Map<Integer, CpuSet> siblings = host.siblings();
        final CpuSet isolated = host.isolated();
        final int[] cpus = online.isEmpty() ? new int[] {0} : online.cpus();

        // Keep to the NUMA node with the most isolated CPUs (else node 0): memory and caches stay local.
        final Map<Integer, CpuSet> nodes = host.numaNodes();
        CpuSet node = online;
        if (nodes.size() > 1) {
            int best = -1;
            for (final Map.Entry<Integer, CpuSet> e : nodes.entrySet()) {
                final int n = (int)Arrays.stream(e.getValue().cpus()).filter(c -> contains(isolated, c)).count();
                if (best < n) {
                    best = n;
                    node = e.getValue();
                }
            }
            notes.add(nodes.size() + " NUMA nodes: every role on node of CPUs " + node
                + " (bind its memory too: NUMAPolicy=bind in the unit)");
        }

        final int housekeepingCpu = firstIn(cpus, node);
        final CpuSet housekeeping = siblings.getOrDefault(housekeepingCpu, CpuSet.of(housekeepingCpu));
        // One CPU per physical core (the lowest sibling), outside the housekeeping core, on the node.
        final TreeSet<Integer> seenCores = new TreeSet<>();
        final List<Integer> isolatedCores = new ArrayList<>();
        final List<Integer> otherCores = new ArrayList<>();
        for (final int c : cpus) {
            if (!contains(node, c) || contains(housekeeping, c)) {
                continue;
            }
            final CpuSet core = siblings.getOrDefault(c, CpuSet.of(c));
            if (!seenCores.add(core.cpus()[0])) {
                continue;
            }
            (contains(isolated, c) ? isolatedCores : otherCores).add(c);
        }
        final List<Integer> free = new ArrayList<>(isolatedCores);
        free.addAll(otherCores);
        if (siblings.values().stream().anyMatch(s -> s.cpus().length > 1)) {
            notes.add("SMT: one sibling of each engine core used, the other left idle");
        }
        if (isolated.isEmpty()) {
            notes.add("no isolcpus: the scheduler may still run other tasks on the engine's CPUs (see doctor)");
        }

        final List<String> roles = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            roles.add("worker " + w);
        }
        roles.addAll(List.of("aggregator", "journal", "broadcaster"));
        final Map<String, Integer> dedicated = new LinkedHashMap<>();
        final List<String> shared = new ArrayList<>();
        for (final String role : roles) {
            if (dedicated.size() < free.size()) {
                dedicated.put(role, free.get(dedicated.size()));
            } else {
                shared.add(role);
            }
        }
        if (!shared.isEmpty()) {
            notes.add(cpus.length + " CPUs: cannot isolate " + String.join(", ", shared) + " — they share the "
                + "housekeeping CPUs " + housekeeping + " with the OS, Netty and the orchestrator, and wait without "
                + "spinning");
        }

        final Map<ConfigKey, String> s = new LinkedHashMap<>();
        s.put(ConfigKey.LAYOUT_ORCHESTRATOR_CPUS, housekeeping.toString());
        final List<Integer> workerCpus = new ArrayList<>();
        boolean workersAlone = true;
        boolean workersIsolated = true;
        for (int w = 0; w < workers; w++) {
            final Integer c = dedicated.get("worker " + w);
            if (c == null) {
                workersAlone = false;
                workerCpus.add(housekeeping.cpus()[0]);
            } else {
                workerCpus.add(c);
                workersIsolated &= contains(isolated, c);
            }
        }
        s.put(ConfigKey.LAYOUT_WORKERS_CPUS, join(workerCpus));
        s.put(ConfigKey.LAYOUT_WORKERS_WAIT, wait(workersAlone, workersIsolated, "blocking"));
        final Integer agg = dedicated.get("aggregator");
        s.put(ConfigKey.LAYOUT_AGGREGATOR_CPUS, agg == null ? housekeeping.toString() : agg.toString());
        s.put(ConfigKey.LAYOUT_AGGREGATOR_WAIT, wait(agg != null, agg != null && contains(isolated, agg),
            "sleeping"));
        final Integer journal = dedicated.get("journal");
        final Integer broadcaster = dedicated.get("broadcaster");
        s.put(ConfigKey.LAYOUT_JOURNAL_CPUS, journal == null ? housekeeping.toString() : journal.toString());
        s.put(ConfigKey.LAYOUT_BROADCASTER_CPUS, broadcaster == null ? housekeeping.toString()
            : broadcaster.toString());
        // One strategy for the output ring: the metrics listener lives on the housekeeping CPUs, so never spin.
        s.put(ConfigKey.LAYOUT_LISTENERS_WAIT, journal != null && broadcaster != null ? "yielding" : "blocking");
        s.put(ConfigKey.LAYOUT_NETTY_CPUS, housekeeping.toString());

        final TreeSet<Integer> all = new TreeSet<>();
        Arrays.stream(housekeeping.cpus()).forEach(all::add);
        all.addAll(dedicated.values());
        return new Plan(s, notes, CpuSet.of(all.stream().mapToInt(Integer::intValue).toArray()));
    }

    private static String wait(final boolean alone, final boolean isolated, final String sharing) {
        return !alone ? sharing : isolated ? "busy-spin" : "yielding";
    }

    private static String join(final List<Integer> cpus) {
        final StringBuilder sb = new StringBuilder();
        for (final int c : cpus) {
            sb.append(sb.length() == 0 ? "" : ",").append(c);
        }
        return sb.toString();
    }

    private static int firstIn(final int[] cpus, final CpuSet node) {
        for (final int c : cpus) {
            if (contains(node, c)) {
                return c;
            }
        }
        return cpus[0];
    }

    private static boolean contains(final CpuSet set, final int cpu) {
        return Arrays.binarySearch(set.cpus(), cpu) >= 0;
    }
}
