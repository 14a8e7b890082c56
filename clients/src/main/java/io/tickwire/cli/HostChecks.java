package io.tickwire.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code tickwire doctor}'s checks of a host: each says PASS, WARN or FAIL, what it found, and the fix. Read from a
 * {@link HostProbe} (so a fixture tree stands in for the host in tests) and the JVM's own figures.
 */
final class HostChecks {
    enum Status {
        PASS, WARN, FAIL
    }

    /** One check's verdict. {@code fix} is empty when there is nothing to do. */
    record Check(String name, Status status, String found, String fix) {
    }

    /** The names of every check, in order: {@code doctor --json} names each one. */
    static final List<String> NAMES = List.of("cpu.cores", "cpu.smt", "kernel.isolcpus", "kernel.nohz_full",
        "kernel.rcu_nocbs", "cpu.governor", "memory.thp", "numa.nodes", "clock.source", "memory.swap",
        "limits.nofile", "limits.memlock", "net.somaxconn", "journal.space", "journal.filesystem", "jvm.version",
        "jvm.flags");

    private static final long GB = 1024L * 1024 * 1024;
    private static final Set<String> NETWORK_FILESYSTEMS = Set.of("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p",
        "fuse.sshfs", "ceph", "glusterfs", "fuse.glusterfs", "afs", "virtiofs", "fuse.s3fs", "lustre");

    private final HostProbe host;
    private final Path journalDir;
    private final int plannedClients;
    private final HostProbe.Jvm jvm;

    HostChecks(final HostProbe host, final Path journalDir, final int plannedClients, final HostProbe.Jvm jvm) {
        this.host = host;
        this.journalDir = journalDir;
        this.plannedClients = plannedClients;
        this.jvm = jvm;
    }

    List<Check> run() {
        final List<Check> checks = new ArrayList<>();
        checks.add(cores());
        checks.add(smt());
        checks.add(kernelList("kernel.isolcpus", "isolcpus", "the scheduler puts other tasks on the engine's CPUs"));
        checks.add(kernelList("kernel.nohz_full", "nohz_full", "the timer tick interrupts the engine's CPUs"));
        checks.add(kernelList("kernel.rcu_nocbs", "rcu_nocbs", "RCU callbacks run on the engine's CPUs"));
        checks.add(governor());
        checks.add(thp());
        checks.add(numa());
        checks.add(clocksource());
        checks.add(swap());
        checks.add(nofile());
        checks.add(memlock());
        checks.add(somaxconn());
        checks.add(journalSpace());
        checks.add(journalFilesystem());
        checks.add(jvmVersion());
        checks.add(jvmFlags());
        return checks;
    }

    private Check cores() {
        final int cpus = host.online().cpus().length;
        final int cores = host.physicalCores();
        final String found = cpus + " CPUs online, " + cores + " physical cores";
        if (cpus == 0) {
            return new Check("cpu.cores", Status.WARN, "cannot read sys/devices/system/cpu/online", "");
        }
        if (cores >= 6) {
            return new Check("cpu.cores", Status.PASS, found, "");
        }
        return new Check("cpu.cores", cores >= 3 ? Status.WARN : Status.FAIL, found,
            "a pinned layout wants a core each for the orchestrator, every worker, the aggregator, the journal writer "
                + "and the broadcaster, plus one for the OS and Netty (6+); below that threads share cores and "
                + "latency percentiles carry the scheduler's stalls");
    }

    private Check smt() {
        final Map<Integer, CpuSet> siblings = host.siblings();
        final boolean shared = siblings.values().stream().anyMatch(s -> s.cpus().length > 1);
        final String control = host.read("sys/devices/system/cpu/smt/control");
        if (!shared) {
            return new Check("cpu.smt", Status.PASS, "no SMT siblings" + (control == null ? "" : " (smt " + control
                + ")"), "");
        }
        final StringBuilder pairs = new StringBuilder();
        siblings.values().stream().distinct().limit(4).forEach(s -> pairs.append(pairs.length() == 0 ? "" : " ")
            .append(s));
        return new Check("cpu.smt", Status.WARN, "SMT on: siblings " + pairs + (siblings.size() > 8 ? " ..." : ""),
            "latency threads share a core's execution units with their sibling: give each pinned role a whole core "
                + "(doctor --layout leaves siblings idle) or boot with nosmt");
    }

    private Check kernelList(final String name, final String key, final String consequence) {
        final String value = host.cmdlineValue(key);
        if (value != null && !value.isEmpty()) {
            return new Check(name, Status.PASS, key + "=" + value, "");
        }
        final int[] cpus = host.online().cpus();
        final String range = cpus.length > 2 ? "2-" + cpus[cpus.length - 1] : "<engine cpus>";
        return new Check(name, Status.WARN, "not on the kernel command line: " + consequence,
            "add " + key + "=" + range + " to GRUB_CMDLINE_LINUX (with isolcpus, nohz_full and rcu_nocbs on the same "
                + "CPUs), update-grub, reboot; then put the engine's roles there (doctor --layout)");
    }

    private Check governor() {
        final Map<Integer, String> governors = host.governors();
        if (governors.isEmpty()) {
            return new Check("cpu.governor", Status.PASS, "no cpufreq exposed (a VM, or fixed frequency)", "");
        }
        final long notPerformance = governors.values().stream().filter(g -> !"performance".equals(g)).count();
        if (notPerformance == 0) {
            return new Check("cpu.governor", Status.PASS, "performance on all " + governors.size() + " CPUs", "");
        }
        return new Check("cpu.governor", Status.WARN, notPerformance + " of " + governors.size()
            + " CPUs not on performance (e.g. " + governors.values().stream().filter(g -> !"performance".equals(g))
            .findFirst().orElse("") + ")",
            "cpupower frequency-set -g performance (or echo performance > /sys/devices/system/cpu/cpu*/cpufreq/"
                + "scaling_governor): clock ramps add µs to the first ticks after idle");
    }

    private Check thp() {
        final String enabled = host.selected("sys/kernel/mm/transparent_hugepage/enabled");
        if (enabled == null) {
            return new Check("memory.thp", Status.PASS, "transparent huge pages not exposed", "");
        }
        if ("always".equals(enabled)) {
            return new Check("memory.thp", Status.WARN, "transparent_hugepage=always",
                "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (or transparent_hugepage=madvise on the "
                    + "kernel command line): khugepaged's compaction stalls threads for ms");
        }
        return new Check("memory.thp", Status.PASS, "transparent_hugepage=" + enabled, "");
    }

    private Check numa() {
        final Map<Integer, CpuSet> nodes = host.numaNodes();
        if (nodes.size() <= 1) {
            return new Check("numa.nodes", Status.PASS, nodes.isEmpty() ? "no NUMA information (one node)"
                : "1 node", "");
        }
        final StringBuilder found = new StringBuilder(nodes.size() + " nodes:");
        nodes.forEach((id, cpus) -> found.append(" node").append(id).append("=").append(cpus));
        return new Check("numa.nodes", Status.WARN, found.toString(),
            "keep every role on one node's CPUs (doctor --layout does) and its memory there: "
                + "numactl --cpunodebind=0 --membind=0, or NUMAPolicy=bind NUMAMask=0 in the systemd unit");
    }

    private Check clocksource() {
        final String cs = host.read("sys/devices/system/clocksource/clocksource0/current_clocksource");
        if (cs == null) {
            return new Check("clock.source", Status.WARN, "cannot read the clocksource", "");
        }
        if ("tsc".equals(cs)) {
            return new Check("clock.source", Status.PASS, "tsc", "");
        }
        final boolean slow = "hpet".equals(cs) || "acpi_pm".equals(cs);
        return new Check("clock.source", slow ? Status.FAIL : Status.WARN, cs + (slow
            ? ": System.nanoTime() takes a system call (µs)" : ": slower than tsc"),
            "echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource if the TSC is stable "
                + "(constant_tsc nonstop_tsc in /proc/cpuinfo; tsc=reliable on the kernel command line)");
    }

    private Check swap() {
        final long kb = host.swapKb();
        if (kb < 0) {
            return new Check("memory.swap", Status.WARN, "cannot read proc/meminfo", "");
        }
        if (kb == 0) {
            return new Check("memory.swap", Status.PASS, "no swap", "");
        }
        return new Check("memory.swap", Status.WARN, (kb / 1024) + " MiB of swap",
            "swapoff -a (and remove it from /etc/fstab), or sysctl vm.swappiness=1: a swapped-out page of the heap or "
                + "a ring stalls its thread for ms");
    }

    private Check nofile() {
        final long limit = host.softLimit("Max open files");
        final long needed = plannedClients + 256L;
        if (limit < 0) {
            return new Check("limits.nofile", Status.WARN, "cannot read proc/self/limits", "");
        }
        final String found = "open files " + (limit == Long.MAX_VALUE ? "unlimited" : limit) + ", needed ~" + needed
            + " for " + plannedClients + " clients (one descriptor each, plus journals and the JVM)";
        if (limit >= needed) {
            return new Check("limits.nofile", Status.PASS, found, "");
        }
        return new Check("limits.nofile", Status.FAIL, found,
            "LimitNOFILE=" + Math.max(65_536, needed) + " in the systemd unit, or ulimit -n " + needed
                + " (raise the hard limit in /etc/security/limits.conf first)");
    }

    private Check memlock() {
        final long limit = host.softLimit("Max locked memory");
        if (limit < 0) {
            return new Check("limits.memlock", Status.WARN, "cannot read proc/self/limits", "");
        }
        final String found = "locked memory " + (limit == Long.MAX_VALUE ? "unlimited" : (limit / 1024) + " KiB");
        if (limit == Long.MAX_VALUE) {
            return new Check("limits.memlock", Status.PASS, found, "");
        }
        return new Check("limits.memlock", Status.WARN, found,
            "LimitMEMLOCK=infinity in the systemd unit (ulimit -l unlimited), so that the heap and rings may be "
                + "locked in memory");
    }

    private Check somaxconn() {
        final String s = host.read("proc/sys/net/core/somaxconn");
        if (s == null) {
            return new Check("net.somaxconn", Status.WARN, "cannot read proc/sys/net/core/somaxconn", "");
        }
        final int n = Integer.parseInt(s.trim());
        if (n >= 1024) {
            return new Check("net.somaxconn", Status.PASS, "somaxconn " + n, "");
        }
        return new Check("net.somaxconn", Status.WARN, "somaxconn " + n + ": a burst of connecting clients is refused",
            "sysctl -w net.core.somaxconn=4096 (and in /etc/sysctl.d/)");
    }

    private Check journalSpace() {
        final long free = HostProbe.usableBytes(journalDir);
        if (free < 0) {
            return new Check("journal.space", Status.WARN, "cannot tell the free space of " + journalDir, "");
        }
        final String found = String.format(Locale.ROOT, "%.1f GiB free for %s", free / (double)GB, journalDir);
        if (free >= 10 * GB) {
            return new Check("journal.space", Status.PASS, found, "");
        }
        return new Check("journal.space", free >= GB ? Status.WARN : Status.FAIL, found,
            "give journal.dir a disk with room (a 100-service tick is ~27 KB: 100 ticks/s is ~230 GB a day), or set "
                + "journal.retain (7d, 10GB)");
    }

    private Check journalFilesystem() {
        final String[] mount = host.mountOf(journalDir);
        if (mount == null) {
            return new Check("journal.filesystem", Status.WARN, "cannot tell the filesystem of " + journalDir, "");
        }
        final String fs = mount[1];
        final String found = journalDir + " is on " + fs + " (" + mount[0] + ")";
        if ("tmpfs".equals(fs) || "ramfs".equals(fs)) {
            return new Check("journal.filesystem", Status.WARN, found + ": in memory, gone at reboot",
                "put journal.dir on a local disk (ext4, xfs) unless the journals are scratch");
        }
        if (NETWORK_FILESYSTEMS.contains(fs) || fs.startsWith("nfs") || fs.startsWith("fuse.")) {
            return new Check("journal.filesystem", Status.FAIL, found + ": a network filesystem",
                "Chronicle Queue memory-maps its files: put journal.dir on a local disk (ext4, xfs)");
        }
        return new Check("journal.filesystem", Status.PASS, found, "");
    }

    private Check jvmVersion() {
        if (jvm.feature() >= 17) {
            return new Check("jvm.version", Status.PASS, jvm.version(), "");
        }
        return new Check("jvm.version", Status.FAIL, jvm.version(), "install a JRE 17 or later (openjdk-17-jre-headless)");
    }

    private Check jvmFlags() {
        final List<String> args = jvm.arguments();
        final List<String> missing = new ArrayList<>();
        for (final String needed : List.of("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "-Dchronicle.analytics.disable=true")) {
            if (!args.contains(needed)) {
                missing.add(needed);
            }
        }
        if (!missing.isEmpty()) {
            return new Check("jvm.flags", Status.FAIL, "missing " + String.join(" ", missing),
                "start Tickwire with bin/tickwire (it carries the flags); JAVA_OPTS adds to them");
        }
        final String xms = args.stream().filter(a -> a.startsWith("-Xms")).findFirst().orElse(null);
        final String xmx = args.stream().filter(a -> a.startsWith("-Xmx")).findFirst().orElse(null);
        if (xms == null || xmx == null || !xms.substring(4).equals(xmx.substring(4))) {
            return new Check("jvm.flags", Status.WARN, "Chronicle flags present; heap not fixed (" + (xms == null
                ? "no -Xms" : xms) + ", " + (xmx == null ? "no -Xmx" : xmx) + ")",
                "JAVA_OPTS=\"-Xms2g -Xmx2g -XX:+AlwaysPreTouch\" (in the unit's Environment=): a heap that grows "
                    + "or faults in pages pauses threads");
        }
        return new Check("jvm.flags", Status.PASS, "Chronicle flags present, heap " + xmx.substring(4) + " fixed", "");
    }
}
