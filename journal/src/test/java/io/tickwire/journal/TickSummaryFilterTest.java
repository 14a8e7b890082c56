package io.tickwire.journal;

import io.tickwire.engine.test.TickCollector;
import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A filtered copy of a real tick decodes as the same tick with only the kept services; keeping all is a copy. */
@Timeout(60)
class TickSummaryFilterTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepOnlyTheIncludedServicesAndEverythingElse() throws Exception {
        SimulatedJournals.run(dir, SimulatedJournals.TWO_SYSTEMS, 3, 50, 1);
        final TickSummaryFilter all = new TickSummaryFilter(new boolean[] {true, true, true});
        final TickSummaryFilter middle = new TickSummaryFilter(new boolean[] {false, true}); // id 2 beyond: dropped
        final List<String> checked = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            while (reader.next((buffer, offset, length, tick) -> {
                final int copied = all.filter(buffer, offset, length);
                assertThat(TickCollector.copy(all.buffer(), 0, copied))
                    .isEqualTo(TickCollector.copy(buffer, offset, length));

                final int kept = middle.filter(buffer, offset, length);
                final List<String> original = describe(buffer, offset);
                final List<String> filtered = describe(middle.buffer(), 0);
                assertThat(filtered).hasSize(1 + 1 + countEntries(original));
                assertThat(filtered.get(0)).isEqualTo(original.get(0));
                assertThat(filtered.get(1)).isEqualTo(original.get(2)); // service id 1, histogram included
                assertThat(filtered.subList(2, filtered.size())).isEqualTo(original.subList(4, original.size()));
                assertThat(kept).isLessThan(length);
                checked.add(filtered.get(1));
            })) {
                // checking
            }
        }
        assertThat(checked).hasSize(50);
    }

    private static int countEntries(final List<String> described) {
        return (int)described.stream().filter(s -> s.startsWith("entry")).count();
    }

    /** The root, each service (all fields and its histogram's bytes), each entry point, as text. */
    private static List<String> describe(final DirectBuffer buffer, final int offset) {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        final TickSummaryDecoder t = new TickSummaryDecoder().wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
        final List<String> out = new ArrayList<>();
        out.add(t.simulationId() + " " + t.tick() + " " + t.simTimeNs() + " " + t.wallTimeNs());
        for (final TickSummaryDecoder.ServicesDecoder s : t.services()) {
            final byte[] h = new byte[s.histogramLength()];
            s.getHistogram(h, 0, h.length);
            out.add("service " + s.serviceId() + " " + s.arrivals() + " " + s.completed() + " " + s.errors() + " "
                + s.p99Ns() + " " + s.busyTimeNs() + " " + s.costNanos() + " " + s.storageBytes() + " "
                + java.util.Arrays.toString(h));
        }
        for (final TickSummaryDecoder.EntriesDecoder e : t.entries()) {
            final byte[] h = new byte[e.histogramLength()];
            e.getHistogram(h, 0, h.length);
            out.add("entry " + e.sourceId() + " " + e.completed() + " " + e.p99Ns() + " " + java.util.Arrays.toString(h));
        }
        return out;
    }
}
