package io.tickwire.cli;

import io.tickwire.engine.Simulation;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/** The browser dashboard, in headless Chromium, decodes the live binary feed and shows every service. */
@Timeout(90)
class DashboardTest {
    private static final List<String> SERVICES =
        List.of("gateway", "auth", "catalog", "orders", "payments", "inventory", "catalog.db", "orders.db");
    private static final Pattern TICK = Pattern.compile("id=\"seq\">(\\d+)<");
    private static final int ATTEMPTS = 3;

    @TempDir
    Path tmp;

    @Test
    void shouldRenderTheLiveFeedInHeadlessChromium() throws Exception {
        final Path chromium = ExternalTools.chromium();
        // Fast ticks: headless virtual time runs ahead of the wall clock, so the page must get ticks at once.
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(200), null).awaitTicks(5)) {
            String dom = "";
            long tick = -1;
            for (int attempt = 1; attempt <= ATTEMPTS && tick <= 0; attempt++) {
                final Processes.Outcome dump = Processes.run(command(chromium, "profile-dom-" + attempt,
                    "--dump-dom", feed.pageUrl()), tmp, 40);
                assertThat(dump.code()).as(dump.err()).isZero();
                dom = dump.out();
                final Matcher m = TICK.matcher(dom);
                tick = m.find() ? Long.parseLong(m.group(1)) : -1;
            }
            for (final String service : SERVICES) {
                assertThat(dom).contains("<td>" + service + "</td>");
            }
            assertThat(tick).as(dom).isGreaterThan(0);
            assertThat(dom).contains("<title>checkout · Tickwire</title>");

            final Path png = tmp.resolve("dashboard.png");
            final Processes.Outcome shot = Processes.run(command(chromium, "profile-shot",
                "--screenshot=" + png, "--window-size=1280,900", feed.pageUrl()), tmp, 40);
            assertThat(shot.code()).as(shot.err()).isZero();
            assertThat(png).exists();
            assertThat(Files.size(png)).isGreaterThan(10_000);
            final BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(1280);
            assertThat(image.getHeight()).isEqualTo(900);
            assertThat(colours(image)).as("distinct colours: a blank page has one").isGreaterThan(50);
            Files.createDirectories(Paths.get("target"));
            Files.copy(png, Paths.get("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private List<String> command(final Path chromium, final String profile, final String... extra) {
        final List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
            "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + tmp.resolve(profile),
            "--virtual-time-budget=5000"));
        command.addAll(List.of(extra));
        return command;
    }

    private static int colours(final BufferedImage image) {
        final Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
