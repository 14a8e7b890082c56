package io.tickwire.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/** Node.js and Chromium for the interop and dashboard tests: absent means FAIL, with the way to install them. */
final class ExternalTools {
    static final String INSTALL_HINT = "run .ci/run from the repo root, which installs it (apt-get, npm)";

    private ExternalTools() {
    }

    static Path node() {
        return onPath(List.of("node", "nodejs"), "Node.js (node)");
    }

    /** The {@code ws} package that {@code clients/src/test/js/ws-interop.mjs} imports. */
    static Path wsPackage() {
        final Path ws = Paths.get("src/test/js/node_modules/ws/package.json");
        if (!Files.isRegularFile(ws)) {
            fail("the Node.js package 'ws' is not installed in clients/src/test/js/node_modules: " + INSTALL_HINT);
        }
        return ws.getParent();
    }

    static Path chromium() {
        return onPath(List.of("chromium", "chromium-browser"), "Chromium (chromium)");
    }

    private static Path onPath(final List<String> names, final String what) {
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
        return fail(what + " is not on the PATH: " + INSTALL_HINT);
    }
}
