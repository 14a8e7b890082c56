package io.tickwire.journal.test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A size-limited filesystem for tests of a full disk: a tmpfs of a few MiB, mounted in a new user and mount namespace
 * ({@code unshare --user --map-root-user --mount}), so that it works as root and as a normal user alike, and leaves
 * nothing mounted behind. Only the processes a script starts in there see it: the script copies out what the test
 * reads afterwards. Published in journal's test-jar for the modules above it.
 * <p>
 * A host that cannot make the namespace (no {@code unshare}, unprivileged user namespaces disabled) fails the test,
 * saying so: it is never skipped.
 */
public final class SmallFilesystem {
    /** Printed by the script once the tmpfs is mounted: its absence means the namespace could not be made. */
    private static final String MOUNTED = "small-filesystem-mounted";

    private SmallFilesystem() {
    }

    /** What the script did: its exit code and output (stderr without the mount marker). */
    public record Outcome(int code, String out, String err) {
    }

    /**
     * Run {@code script} ({@code sh}) with a tmpfs of {@code megabytes} MiB at {@code mountPoint} (created if absent;
     * {@code $SMALL_FS} in the script), in {@code workDir} with {@code env} added. A script that serves (a server
     * that prints its port) is given to {@code onStart} once started: its stdout and stdin are then the caller's to
     * read and close (and {@link Outcome#out()} is empty); otherwise its stdin is closed at once.
     *
     * @throws AssertionError if the namespace or the mount cannot be made (naming what the host lacks), or the script
     *                        runs longer than {@code timeoutS}.
     */
    public static Outcome run(final Path mountPoint, final int megabytes, final String script,
                              final Map<String, String> env, final Path workDir, final long timeoutS,
                              final Consumer<Process> onStart) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        final String wrapped = "mount -t tmpfs -o size=" + megabytes + "m tickwire-small \"$SMALL_FS\" || exit 97\n"
            + "echo " + MOUNTED + " >&2\n" + script;
        final Path out = Files.createTempFile(workDir, "small-fs-out", ".txt");
        final Path err = Files.createTempFile(workDir, "small-fs-err", ".txt");
        final ProcessBuilder pb = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            wrapped).directory(workDir.toFile()).redirectError(err.toFile());
        if (onStart == null) {
            pb.redirectOutput(out.toFile());
        }
        pb.environment().putAll(env);
        pb.environment().put("SMALL_FS", mountPoint.toAbsolutePath().toString());
        final Process p;
        try {
            p = pb.start();
        } catch (final IOException ex) {
            throw new AssertionError("this host cannot run unshare (util-linux) to make a user and mount namespace "
                + "with a small tmpfs for the full-disk test: " + ex.getMessage(), ex);
        }
        if (onStart != null) {
            onStart.accept(p);
        } else {
            p.getOutputStream().close();
        }
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("the script did not finish in " + timeoutS + " s; stderr: " + read(err));
        }
        final String errText = read(err);
        if (!errText.contains(MOUNTED)) {
            throw new AssertionError("this host cannot make a user and mount namespace with a " + megabytes + " MiB "
                + "tmpfs (unshare --user --map-root-user --mount; mount -t tmpfs) for the full-disk test: unprivileged "
                + "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces, "
                + "or an AppArmor/seccomp policy of the container). unshare said (exit " + p.exitValue() + "): "
                + errText.strip());
        }
        return new Outcome(p.exitValue(), read(out), errText.replace(MOUNTED + "\n", ""));
    }

    /** This JVM's {@code java}, with its flags (Chronicle's) and class path: a child that runs {@code mainClass}. */
    public static List<String> javaCommand(final String mainClass) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
                command.add(arg);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        return command;
    }

    /** {@code words} as one line of {@code sh}, each quoted. */
    public static String shell(final List<String> words) {
        final StringBuilder line = new StringBuilder();
        for (final String word : words) {
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append('\'').append(word.replace("'", "'\\''")).append('\'');
        }
        return line.toString();
    }

    private static String read(final Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
