package io.tickwire.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a page script of src/test/js ({@code dashboard-page.mjs}, {@code report-page.mjs}): Node.js drives headless
 * Chromium with playwright-core, waits for a DOM condition, writes a screenshot and prints the DOM. The scripts wait
 * on conditions; the limit here only ends a run that hangs.
 */
final class Browser {
    /** Far above any healthy run on a loaded machine: a guard against hangs, not a budget. */
    static final long HANG_GUARD_S = 600;

    private Browser() {
    }

    /** Run {@code script} with a fresh profile under {@code workDir}; its screenshot goes to {@code png}. */
    static Processes.Outcome run(final String script, final Path workDir, final String url, final Path png,
                                 final String... extra) throws Exception {
        return run(script, workDir, url, png, HANG_GUARD_S, extra);
    }

    /** As {@link #run(String, Path, String, Path, String...)}, for a script that runs long on purpose (a soak). */
    static Processes.Outcome run(final String script, final Path workDir, final String url, final Path png,
                                 final long hangGuardS, final String... extra) throws Exception {
        final Path node = ExternalTools.node();
        final Path chromium = ExternalTools.chromium();
        ExternalTools.npmPackage("playwright-core");
        final Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        Files.createDirectories(png.toAbsolutePath().getParent());
        final List<String> command = new ArrayList<>(List.of(node.toString(),
            Paths.get("src/test/js", script).toAbsolutePath().toString(), chromium.toString(), profile.toString(),
            url, png.toAbsolutePath().toString()));
        command.addAll(List.of(extra));
        return Processes.run(command, workDir, hangGuardS);
    }

    /** Distinct colours on a 2-pixel grid: a blank page has one. */
    static int colours(final BufferedImage image) {
        final Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
