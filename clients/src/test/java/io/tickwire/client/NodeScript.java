package io.tickwire.client;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/** Runs a Node.js script of src/test/js with one argument, a working directory, and returns its stdout. */
final class NodeScript {
    private NodeScript() {
    }

    /** {@code node SCRIPT DIR}: must exit 0 within 30 s; its stderr goes to DIR/node.err. */
    static String run(final String script, final Path dir) throws Exception {
        final Process p = new ProcessBuilder(nodeBinary(), Paths.get("src/test/js", script).toAbsolutePath().toString(),
            dir.toString())
            .redirectError(dir.resolve("node.err").toFile())
            .start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out + Files.readString(dir.resolve("node.err"))).isZero();
        return out;
    }

    private static String nodeBinary() {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (final String name : List.of("node", "nodejs")) {
                final Path candidate = Paths.get(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return fail("Node.js not found (no node on the PATH): apt-get install nodejs");
    }
}
