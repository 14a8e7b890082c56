package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.TickSummaryEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory tail of framed ticks and the byte-copying service filter, on their own. */
class TickTailTest {
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(true);

    @Test
    void shouldHoldTheLatestTicksByCountAndBytesAndReleaseWhatItEvicts() {
        final TickTail tail = new TickTail(4, 1_000);
        final List<TickFrames> appended = new ArrayList<>();
        for (long t = 10; t < 16; t++) {
            final TickFrames f = frames(t, 100);
            appended.add(f);
            tail.append(f);
        }
        assertThat(tail.newest()).isEqualTo(15);
        assertThat(tail.oldest()).isEqualTo(12); // 4 ticks at most
        assertThat(tail.retain(11)).isNull();
        assertThat(appended.get(0).all.refCnt()).as("evicted and released").isZero();
        assertThat(appended.get(1).all.refCnt()).isZero();

        final TickFrames held = tail.retain(12);
        assertThat(held).isNotNull();
        assertThat(held.tick).isEqualTo(12);
        tail.append(frames(16, 100)); // evicts 12, which is still being read
        assertThat(tail.retain(12)).isNull();
        assertThat(held.all.refCnt()).as("still held by its reader").isEqualTo(1);
        held.release();
        assertThat(held.all.refCnt()).isZero();

        tail.append(frames(17, 700)); // by bytes: 13..16 are 4 x 102, 17 is 702: room for 15, 16 and 17 (906)
        assertThat(tail.oldest()).isEqualTo(15);
        assertThat(tail.retain(17).tick).isEqualTo(17);

        tail.clear();
        assertThat(tail.retain(17)).isNull();
        assertThat(tail.oldest()).isGreaterThan(tail.newest());
        tail.append(frames(18, 10));
        assertThat(tail.oldest()).isEqualTo(18);
        assertThat(tail.newest()).isEqualTo(18);
    }

    @Test
    void shouldKeepOnlyTheFilteredServiceRowsAndEverythingElseAsItIs() {
        final byte[] message = tickSummary(7, new int[] {0, 1, 2, 3}, new int[] {0, 300, 5, 70});
        final UnsafeBuffer source = new UnsafeBuffer(message);
        final ServiceFilter filter = new ServiceFilter(new int[] {3, 1, 1});
        assertThat(filter.key()).isEqualTo(new ServiceFilter(new int[] {1, 3}).key());

        final ByteBuf frame = TickFrames.encode(ALLOC, source, 0, message.length, filter);
        final int payload = filter.filteredLength(source, 0, message.length);
        assertThat(frame.readableBytes()).isEqualTo(BinaryFrameHeader.length(payload) + payload);
        final byte[] filtered = new byte[payload];
        frame.getBytes(frame.readerIndex() + BinaryFrameHeader.length(payload), filtered);

        final TickSummaryDecoder d = decode(filtered);
        assertThat(d.simulationId()).isEqualTo(9);
        assertThat(d.tick()).isEqualTo(7);
        final List<String> rows = new ArrayList<>();
        for (final TickSummaryDecoder.ServicesDecoder s : d.services()) {
            final byte[] histogram = new byte[s.histogramLength()];
            s.getHistogram(histogram, 0, histogram.length);
            rows.add(s.serviceId() + ":" + s.arrivals() + ":" + histogram.length + ":"
                + (histogram.length == 0 ? "-" : histogram[histogram.length - 1]));
        }
        assertThat(rows).containsExactly("1:1000:300:" + (byte)299, "3:3000:70:69");
        final TickSummaryDecoder.EntriesDecoder entries = d.entries();
        assertThat(entries.count()).isEqualTo(1);
        assertThat(entries.next().completed()).isEqualTo(42);

        // No row kept, and every row kept.
        assertThat(decode(payloadOf(TickFrames.encode(ALLOC, source, 0, message.length,
            new ServiceFilter(new int[] {99})))).services().count()).isZero();
        final ByteBuf all = TickFrames.encode(ALLOC, source, 0, message.length, new ServiceFilter(new int[] {0, 1,
            2, 3}));
        assertThat(payloadOf(all)).isEqualTo(message);
    }

    private static byte[] payloadOf(final ByteBuf frame) {
        final int second = frame.getUnsignedByte(frame.readerIndex() + 1) & 0x7f;
        final int header = second <= 125 ? 2 : second == 126 ? 4 : 10;
        final byte[] bytes = new byte[frame.readableBytes() - header];
        frame.getBytes(frame.readerIndex() + header, bytes);
        return bytes;
    }

    private static TickSummaryDecoder decode(final byte[] message) {
        final UnsafeBuffer b = new UnsafeBuffer(message);
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, 0);
        return new TickSummaryDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    private static TickFrames frames(final long tick, final int bytes) {
        final ByteBuf all = ALLOC.directBuffer(bytes + 2);
        BinaryFrameHeader.write(all, bytes);
        all.writeZero(bytes);
        return new TickFrames(tick, all, new ServiceFilter[0], new ByteBuf[0]);
    }

    /** A TickSummary with one row per id (arrivals 1000 x id, a histogram of the given length) and one entry. */
    static byte[] tickSummary(final long tick, final int[] ids, final int[] histogramLengths) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
        final TickSummaryEncoder e = new TickSummaryEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(9).tick(tick).simTimeNs(tick * 1000).tickLengthNs(1000).wallTimeNs(123);
        final TickSummaryEncoder.ServicesEncoder services = e.servicesCount(ids.length);
        for (int i = 0; i < ids.length; i++) {
            final byte[] histogram = new byte[histogramLengths[i]];
            for (int j = 0; j < histogram.length; j++) {
                histogram[j] = (byte)j;
            }
            services.next().serviceId(ids[i]).arrivals(1000L * ids[i]).putHistogram(histogram, 0, histogram.length);
        }
        final TickSummaryEncoder.EntriesEncoder entries = e.entriesCount(1);
        entries.next().sourceId(0).completed(42).putHistogram(new byte[] {1, 2, 3}, 0, 3);
        final byte[] message = new byte[MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength()];
        buffer.getBytes(0, message);
        return message;
    }
}
