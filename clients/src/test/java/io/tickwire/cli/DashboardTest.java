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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser dashboard, in headless Chromium, decodes the live binary feed and shows every service. The page script
 * waits until every service has a row and the page has rendered {@value #TICKS} more ticks, however long a loaded
 * machine takes; the screenshot is kept in target/dashboard.png.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // a guard against hangs only
class DashboardTest {
    private static final List<String> SERVICES =
        List.of("gateway", "auth", "catalog", "orders", "payments", "inventory", "catalog.db", "orders.db");
    private static final Pattern TICK = Pattern.compile("id=\"seq\">(\\d+)<");
    private static final int TICKS = 20;

    @TempDir
    Path tmp;

    @Test
    void shouldRenderTheLiveFeedInHeadlessChromium() throws Exception {
        final Path png = Paths.get("target", "dashboard.png");
        Files.deleteIfExists(png);
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(10), null).awaitTicks(5)) {
            final Processes.Outcome page = Browser.run("dashboard-page.mjs", tmp, feed.pageUrl(), png,
                Integer.toString(SERVICES.size()), Integer.toString(TICKS));
            assertThat(page.code()).as(page.err()).isZero();
            final String dom = page.out();
            for (final String service : SERVICES) {
                assertThat(dom).contains("<td>" + service + "</td>");
            }
            final Matcher m = TICK.matcher(dom);
            assertThat(m.find() ? Long.parseLong(m.group(1)) : -1).as(dom).isGreaterThan(0);
            assertThat(dom).contains("<title>checkout · Tickwire</title>");

            assertThat(png).exists();
            assertThat(Files.size(png)).isGreaterThan(10_000);
            final BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(1280);
            assertThat(image.getHeight()).isEqualTo(900);
            assertThat(Browser.colours(image)).as("distinct colours: a blank page has one").isGreaterThan(50);
        }
    }
}
