package io.tickwire.dist;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The distribution as an operator gets it: the tarball the build made, unpacked into an empty directory, run as
 * real processes ({@code bin/tickwire ...}) with their own data directory. Tools the tests drive (curl, openssl,
 * promtool, prometheus, systemd-analyze, node) must be installed: a missing one FAILS the test with one line saying
 * what to install (.ci/run installs them).
 */
final class Installation {
    private static final Pattern SERVING = Pattern.compile("serving on (https?://[^ ]+)");

    final Path root;
    final Path home;
    final Path data;

    private Installation(final Path root, final Path home, final Path data) {
        this.root = root;
        this.home = home;
        this.data = data;
    }

    /** Unpack the tarball into {@code dir} (empty), as {@code tar xzf} would. */
    static Installation unpack(final Path dir) throws Exception {
        final Path tarball = Paths.get(System.getProperty("tickwire.dist", "target/missing.tar.gz"));
        if (!Files.isRegularFile(tarball)) {
            fail("no distribution at " + tarball + ": run the tests with Maven (mvn -pl clients/dist -am verify)");
        }
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                fail(dir + " is not empty");
            }
        }
        final Outcome untar = run(List.of(tool("tar", "tar"), "xzf", tarball.toString(), "-C", dir.toString()), dir,
            60, Map.of());
        if (untar.code() != 0) {
            fail("tar failed: " + untar.err());
        }
        final Path home = dir.resolve(System.getProperty("tickwire.dist.name"));
        final Path data = Files.createDirectories(dir.resolve("data"));
        return new Installation(dir, home, data);
    }

    Path bin() {
        return home.resolve("bin/tickwire");
    }

    /** The environment of a process of this installation: its own data directory, no stray configuration. */
    Map<String, String> env() {
        return Map.of("TICKWIRE_DATA_DIR", data.toString(), "TICKWIRE_CONFIG", "", "JAVA_OPTS", "-Xmx512m");
    }

    /** {@code bin/tickwire args...} to completion. */
    Outcome tickwire(final long timeoutS, final String... args) throws Exception {
        final List<String> command = new ArrayList<>();
        command.add(bin().toString());
        command.addAll(List.of(args));
        return run(command, root, timeoutS, env());
    }

    /** {@code bin/tickwire args...} started; its stderr lines are collected. */
    Running start(final String... args) throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(bin().toString());
        command.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile())
            .redirectOutput(root.resolve("stdout-" + System.nanoTime() + ".txt").toFile());
        pb.environment().putAll(env());
        return new Running(pb.start());
    }

    /** A started {@code tickwire} process and its stderr, line by line. */
    static final class Running implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuffer err = new StringBuffer();
        private final Thread reader;

        Running(final Process process) {
            this.process = process;
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        err.append(line).append('\n');
                        lines.add(line);
                    }
                } catch (final IOException ex) {
                    // the process is gone
                }
            }, "stderr-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        /** Wait for {@code serving on URL} and return the URL. */
        String awaitServing(final long timeoutS) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
            while (System.nanoTime() < deadline) {
                final String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    final Matcher m = SERVING.matcher(line);
                    if (m.find()) {
                        return m.group(1);
                    }
                }
                if (!process.isAlive() && lines.isEmpty()) {
                    break;
                }
            }
            return fail("the server did not say 'serving on' in " + timeoutS + " s; stderr:\n" + err);
        }

        /** SIGTERM, then the exit code. */
        int terminate(final long timeoutS) throws InterruptedException {
            // SIGTERM through the handle: Process.destroy() would also close our end of its stderr at once.
            process.toHandle().destroy();
            if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("no exit " + timeoutS + " s after SIGTERM; stderr:\n" + err);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10)); // every line it printed
            return process.exitValue();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    record Outcome(int code, String out, String err) {
    }

    static Outcome run(final List<String> command, final Path workDir, final long timeoutS,
                       final Map<String, String> env) throws Exception {
        return run(command, workDir, timeoutS, env, null);
    }

    /** Run to completion with a time limit; {@code stdin} (may be null) is written to its input. */
    static Outcome run(final List<String> command, final Path workDir, final long timeoutS,
                       final Map<String, String> env, final byte[] stdin) throws Exception {
        final Path out = Files.createTempFile(workDir, "out", ".txt");
        final Path err = Files.createTempFile(workDir, "err", ".txt");
        final ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        final Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail(command.get(0) + " did not finish in " + timeoutS + " s; stderr: "
                + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A program on the PATH, or a one-line failure naming the Debian package to install. */
    static String tool(final String name, final String debianPackage) {
        final String path = System.getenv("PATH");
        if (path != null) {
            for (final String dir : path.split(File.pathSeparator)) {
                final Path candidate = Paths.get(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return fail(name + " not found on the PATH: apt-get install " + debianPackage);
    }
}
