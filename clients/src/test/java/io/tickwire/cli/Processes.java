package io.tickwire.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external program to completion with a time limit, keeping its output. */
final class Processes {
    private Processes() {
    }

    record Outcome(int code, String out, String err) {
    }

    static Outcome run(final List<String> command, final Path workDir, final long timeoutS)
        throws IOException, InterruptedException {
        return run(command, workDir, timeoutS, Map.of());
    }

    /** As {@link #run(List, Path, long)}, with {@code env} added to this process's environment. */
    static Outcome run(final List<String> command, final Path workDir, final long timeoutS,
                       final Map<String, String> env) throws IOException, InterruptedException {
        final Path out = Files.createTempFile(workDir, "out", ".txt");
        final Path err = Files.createTempFile(workDir, "err", ".txt");
        final ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().putAll(env);
        final Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(command.get(0) + " did not finish in " + timeoutS + " s; stderr: "
                + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    }
}
