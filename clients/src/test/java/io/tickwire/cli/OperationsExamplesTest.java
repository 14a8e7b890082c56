package io.tickwire.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.tickwire.cli.ExampleRuns.assertNothingLost;
import static io.tickwire.cli.ExampleRuns.withoutWallClock;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12's must-show, by the commands a user types: examples/autoscale.yaml and examples/chaos.yaml, run with 1, 2
 * and 4 workers, export byte-identical CSV but for the wall-clock column and list identical events, and {@code verify}
 * finds every journal identical to its re-simulation, events included; the events their headers work out come, and
 * nothing is lost tick by tick through scaling, crashes and a partition.
 */
@Timeout(600)
class OperationsExamplesTest {
    @TempDir
    Path tmp;

    @Test
    void shouldRunTheAutoscaleExampleIdenticallyWithOneTwoAndFourWorkers() {
        // 8 minutes: the campaign, the scale-out and the scale-in after it.
        final String[] one = runExportAndVerify("autoscale", "1", "8m");
        // As its header works out: 2 -> 4 at 3:15 (the campaign's first sync), 4 -> 3 at ~7:00 (the 120 s window).
        assertThat(one[1]).contains("{\"type\":\"scale\",\"tick\":3900,\"simTimeNs\":195000000000,"
            + "\"service\":\"web\",\"algorithm\":\"hpa\",\"limitedBy\":\"none\",\"from\":2,\"to\":4,")
            .contains("{\"type\":\"scale\",\"tick\":8400,\"simTimeNs\":420000000000,"
                + "\"service\":\"web\",\"algorithm\":\"hpa\",\"limitedBy\":\"none\",\"from\":4,\"to\":3,")
            .contains("\"service\":\"web\",\"replica\":3,\"kind\":\"draining\"");
        assertNothingLost(one[0]); // through the scale-out and the scale-in
        for (final String workers : new String[] {"2", "4"}) {
            final String[] other = runExportAndVerify("autoscale", workers, "8m");
            assertThat(withoutWallClock(other[0])).isEqualTo(withoutWallClock(one[0]));
            assertThat(other[1]).isEqualTo(one[1]);
        }
    }

    @Test
    void shouldRunTheChaosExampleIdenticallyWithOneTwoAndFourWorkers() {
        final String[] one = runExportAndVerify("chaos", "1", "400s");
        assertThat(one[1]).contains("\"kind\":\"partition\"").contains("\"kind\":\"database_slow\"")
            // As its header works out: the crashed replicas found unhealthy at 1:21 and 5:51, and replaced.
            .contains("{\"type\":\"replica\",\"tick\":1620,\"simTimeNs\":81000000000,\"service\":\"frontend\","
                + "\"replica\":1,\"kind\":\"unhealthy\"")
            .contains("{\"type\":\"replica\",\"tick\":7020,\"simTimeNs\":351000000000,\"service\":\"orders\","
                + "\"replica\":0,\"kind\":\"replaced\"");
        assertNothingLost(one[0]); // through the crashes, the partition and the drain after it
        for (final String workers : new String[] {"2", "4"}) {
            final String[] other = runExportAndVerify("chaos", workers, "400s");
            assertThat(withoutWallClock(other[0])).isEqualTo(withoutWallClock(one[0]));
            assertThat(other[1]).isEqualTo(one[1]);
        }
    }

    /** The run's CSV export and its events as JSON lines, after verify has proven its journal. */
    private String[] runExportAndVerify(final String example, final String workers, final String duration) {
        final ExampleRuns.Exported run = ExampleRuns.runExportAndVerify(tmp.resolve(example + "-" + workers), example,
            workers, duration);
        return new String[] {run.csv(), run.events()};
    }
}
