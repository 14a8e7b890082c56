package io.tickwire.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code doctor} knows of the host, read from {@code /proc} and {@code /sys} under a root that tests replace with
 * a fixture tree ({@code <root>/proc/cmdline}, {@code <root>/sys/devices/system/cpu/...}). Each reader returns null
 * (or empty) for what the host does not expose, which a check then says.
 */
final class HostProbe {
    private final Path root;

    HostProbe(final Path root) {
        this.root = root;
    }

    static HostProbe live() {
        return new HostProbe(Path.of("/"));
    }

    Path path(final String relative) {
        return root.resolve(relative);
    }

    /** The file's text, trimmed; null if it cannot be read. */
    String read(final String relative) {
        try {
            return Files.readString(path(relative), StandardCharsets.UTF_8).trim();
        } catch (final IOException | RuntimeException ex) {
            return null;
        }
    }

    CpuSet online() {
        final String s = read("sys/devices/system/cpu/online");
        return s == null ? CpuSet.EMPTY : CpuSet.parse(s);
    }

    /** The kernel's isolated CPUs ({@code isolcpus}), from sysfs, else from the command line. */
    CpuSet isolated() {
        final String s = read("sys/devices/system/cpu/isolated");
        if (s != null && !s.isEmpty()) {
            return CpuSet.parse(s);
        }
        final String v = cmdlineValue("isolcpus");
        if (v == null) {
            return CpuSet.EMPTY;
        }
        // isolcpus=[flags,]list: keep the numeric part
        final StringBuilder list = new StringBuilder();
        for (final String part : v.split(",")) {
            if (!part.isEmpty() && Character.isDigit(part.charAt(0))) {
                list.append(list.length() == 0 ? "" : ",").append(part);
            }
        }
        try {
            return CpuSet.parse(list.toString());
        } catch (final IllegalArgumentException ex) {
            return CpuSet.EMPTY;
        }
    }

    String cmdline() {
        final String s = read("proc/cmdline");
        return s == null ? "" : s;
    }

    /** The value of {@code key=} on the kernel command line, or null. */
    String cmdlineValue(final String key) {
        for (final String arg : cmdline().split("\\s+")) {
            if (arg.startsWith(key + "=")) {
                return arg.substring(key.length() + 1);
            }
        }
        return null;
    }

    /** Each online CPU's SMT siblings (itself included). */
    Map<Integer, CpuSet> siblings() {
        final Map<Integer, CpuSet> map = new TreeMap<>();
        for (final int cpu : online().cpus()) {
            final String s = read("sys/devices/system/cpu/cpu" + cpu + "/topology/thread_siblings_list");
            map.put(cpu, s == null ? CpuSet.of(cpu) : CpuSet.parse(s));
        }
        return map;
    }

    /** Physical cores: one entry per distinct sibling set. */
    int physicalCores() {
        return (int)siblings().values().stream().distinct().count();
    }

    /** Governor per CPU that has cpufreq. */
    Map<Integer, String> governors() {
        final Map<Integer, String> map = new TreeMap<>();
        for (final int cpu : online().cpus()) {
            final String g = read("sys/devices/system/cpu/cpu" + cpu + "/cpufreq/scaling_governor");
            if (g != null) {
                map.put(cpu, g);
            }
        }
        return map;
    }

    /** The selected value of a sysfs choice ({@code always [madvise] never} -> madvise). */
    String selected(final String relative) {
        final String s = read(relative);
        if (s == null) {
            return null;
        }
        final int open = s.indexOf('[');
        final int close = s.indexOf(']');
        return open >= 0 && close > open ? s.substring(open + 1, close) : s;
    }

    /** NUMA nodes and their CPUs. */
    Map<Integer, CpuSet> numaNodes() {
        final Map<Integer, CpuSet> nodes = new TreeMap<>();
        final Path dir = path("sys/devices/system/node");
        if (!Files.isDirectory(dir)) {
            return nodes;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "node[0-9]*")) {
            for (final Path node : entries) {
                final int id = Integer.parseInt(node.getFileName().toString().substring(4));
                final String cpus = read("sys/devices/system/node/" + node.getFileName() + "/cpulist");
                nodes.put(id, cpus == null ? CpuSet.EMPTY : CpuSet.parse(cpus));
            }
        } catch (final IOException | RuntimeException ex) {
            return nodes;
        }
        return nodes;
    }

    /** kB of swap configured (SwapTotal); -1 if unknown. */
    long swapKb() {
        final String meminfo = read("proc/meminfo");
        if (meminfo == null) {
            return -1;
        }
        for (final String line : meminfo.split("\\R")) {
            if (line.startsWith("SwapTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** A soft limit of this process from {@code proc/self/limits} ("Max open files"); -1 unknown, MAX unlimited. */
    long softLimit(final String name) {
        final String limits = read("proc/self/limits");
        if (limits == null) {
            return -1;
        }
        for (final String line : limits.split("\\R")) {
            if (line.startsWith(name)) {
                final String[] f = line.substring(name.length()).trim().split("\\s+");
                return "unlimited".equals(f[0]) ? Long.MAX_VALUE : Long.parseLong(f[0]);
            }
        }
        return -1;
    }

    /** The mount holding {@code dir} (longest mount point that is a prefix): {mountPoint, fsType}. */
    String[] mountOf(final Path dir) {
        final String mounts = read("proc/mounts");
        if (mounts == null) {
            return null;
        }
        String[] best = null;
        final String target = dir.toAbsolutePath().normalize().toString();
        for (final String line : mounts.split("\\R")) {
            final String[] f = line.split("\\s+");
            if (f.length < 3) {
                continue;
            }
            final String mp = f[1].replace("\\040", " ");
            final boolean under = target.equals(mp) || target.startsWith(mp.endsWith("/") ? mp : mp + "/");
            if (under && (best == null || mp.length() > best[0].length())) {
                best = new String[] {mp, f[2]};
            }
        }
        return best;
    }

    /** Free bytes for {@code dir} (its nearest existing ancestor); -1 if unknown. */
    static long usableBytes(final Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return -1;
        }
        try {
            final FileStore store = Files.getFileStore(p);
            return store.getUsableSpace();
        } catch (final IOException ex) {
            return -1;
        }
    }

    /** The JVM's input arguments and version, for the JVM checks; a record so that tests can give others. */
    record Jvm(int feature, String version, List<String> arguments) {
        static Jvm current() {
            return new Jvm(Runtime.version().feature(), System.getProperty("java.vm.vendor") + " "
                + Runtime.version(), new ArrayList<>(java.lang.management.ManagementFactory.getRuntimeMXBean()
                .getInputArguments()));
        }
    }
}
