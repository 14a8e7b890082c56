package io.tickwire.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the build cannot install, for the Node.js, browser and ingest tests: Node.js, Chromium, Prometheus and its node
 * exporter (Debian packages, named in the README's requirements and installed by .ci/run). Absent means the test FAILS with one line saying what to install, never a skip. The npm
 * packages come from the build itself (npm ci from clients/package-lock.json, phase generate-test-resources).
 */
final class ExternalTools {
    private ExternalTools() {
    }

    static Path node() {
        return onPath(List.of("node", "nodejs"), "Node.js not found (no node on the PATH): apt-get install nodejs");
    }

    static Path chromium() {
        return onPath(List.of("chromium", "chromium-browser"),
            "Chromium not found (no chromium on the PATH): apt-get install chromium");
    }

    /** Prometheus (Debian's package), for the remote-write integration test and the ingest benchmark's peer. */
    static Path prometheus() {
        return onPath(List.of("prometheus"), "Prometheus not found (no prometheus on the PATH): "
            + "apt-get install prometheus");
    }

    /** The Prometheus node exporter (Debian's package): a real source of the host's metrics. */
    static Path nodeExporter() {
        return onPath(List.of("prometheus-node-exporter", "node_exporter"), "the node exporter not found (no "
            + "prometheus-node-exporter on the PATH): apt-get install prometheus-node-exporter");
    }

    /** An npm package the build installed into clients/node_modules (the tests run in clients/). */
    static Path npmPackage(final String name) {
        final Path dir = Paths.get("node_modules", name);
        if (!Files.isRegularFile(dir.resolve("package.json"))) {
            fail("the npm package " + name + " is not in clients/node_modules: the build installs it (npm ci in "
                + "generate-test-resources), so run the tests with Maven, e.g. mvn -B verify");
        }
        return dir.toAbsolutePath();
    }

    private static Path onPath(final List<String> names, final String missing) {
        final String path = System.getenv("PATH");
        if (path != null) {
            for (final String dir : path.split(File.pathSeparator)) {
                for (final String name : names) {
                    final Path candidate = Paths.get(dir, name);
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return candidate;
                    }
                }
            }
        }
        return fail(missing);
    }
}
