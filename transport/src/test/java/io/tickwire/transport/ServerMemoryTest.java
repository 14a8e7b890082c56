package io.tickwire.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.json;
import static io.tickwire.transport.TestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server gives back the memory of the runs that ended: 200 runs, journaled and not, in waves as its run limit
 * allows, and the heap that stays after them is a small fraction of what they held while running (each run's rings
 * alone are ~10 MiB).
 */
@Timeout(300)
class ServerMemoryTest {
    private static final int RUNS = 200;
    private static final int AT_ONCE = 8;

    @TempDir
    Path journals;

    @Test
    void shouldGiveBackTheMemoryOfEndedRuns() throws Exception {
        final String checkout = Files.readString(Path.of("../examples/checkout.yaml"));
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0).journalRoot(journals)
            .maxRuns(AT_ONCE))) {
            final int port = server.port();
            // One run first, so that the classes and pools any run needs are in the "before".
            launchAndWait(port, checkout, 1);
            final long heapBefore = usedHeapAfterGc();
            final long rssBefore = rss();
            long peak = 0;
            for (int launched = 0; launched < RUNS; launched += AT_ONCE) {
                final long[] ids = new long[AT_ONCE];
                for (int i = 0; i < AT_ONCE; i++) {
                    final HttpResponse<String> response = send(port, "POST", "/simulations?speed=max&ticks=200",
                        (launched + i) % 2 == 0 ? checkout : TestSupport.TWO_SERVICES);
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
                    ids[i] = json(response).path("id").asLong();
                }
                peak = Math.max(peak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                for (final long id : ids) {
                    awaitEnded(port, id);
                }
            }
            final long heapAfter = usedHeapAfterGc();
            final long rssAfter = rss();
            System.out.printf("%d runs: heap %.1f MiB before, %.1f MiB at a peak, %.1f MiB after; RSS %.1f MiB "
                + "before, %.1f MiB after%n", RUNS, mib(heapBefore), mib(peak), mib(heapAfter), mib(rssBefore),
                mib(rssAfter));
            assertThat(heapAfter - heapBefore).as("heap kept by %d ended runs", RUNS).isLessThan(64L << 20);
        }
    }

    private static void launchAndWait(final int port, final String diagram, final int count) throws Exception {
        for (int i = 0; i < count; i++) {
            final HttpResponse<String> response = send(port, "POST", "/simulations?speed=max&ticks=200", diagram);
            assertThat(response.statusCode()).isEqualTo(201);
            awaitEnded(port, json(response).path("id").asLong());
        }
    }

    private static void awaitEnded(final int port, final long id) throws InterruptedException {
        await("run " + id + " ended", 60_000, () -> {
            try {
                return "ENDED".equals(json(TestSupport.get(port, "/simulations/" + id)).path("state").asText());
            } catch (final Exception ex) {
                return false;
            }
        });
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** This process's resident set, from /proc (Linux). */
    private static long rss() throws Exception {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static double mib(final long bytes) {
        return bytes / (double)(1 << 20);
    }
}
