package io.tickwire.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the build cannot install, for the Node.js and browser tests: Node.js and Chromium (Debian packages, named in
 * the README's requirements). Absent means the test FAILS with one line saying what to install, never a skip. The npm
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
