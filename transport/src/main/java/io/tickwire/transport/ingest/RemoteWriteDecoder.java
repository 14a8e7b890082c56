package io.tickwire.transport.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.netty.buffer.ByteBuf;
import io.tickwire.engine.observe.SeriesRegistry;
import io.tickwire.sbe.MetricKind;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.xerial.snappy.Snappy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * Prometheus remote-write 1.0 ({@code POST /api/v1/write}): a snappy block (snappy-java) holding a protobuf
 * {@code prometheus.WriteRequest}, read field by field with protobuf-java's {@link CodedInputStream} straight from
 * the decompressed bytes — no generated classes, no objects per series or sample:
 * <pre>
 *   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; (exemplars 3, histograms 4: skipped) }
 *   Label        { string name = 1; string value = 2; }        Sample { double value = 1; int64 timestamp = 2; }
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; ... }
 * </pre>
 * A series is known by the bytes of its labels: their hash finds its input in a cache of this decoder (one per
 * connection), checked byte for byte; only a series seen for the first time is decoded into strings and registered
 * ({@code __name__} is its metric, the label {@code sourceLabel} — default {@code instance}, else {@code job} — its
 * source, the others its labels). Samples are epoch milliseconds; NaN values (Prometheus' staleness markers) are
 * skipped. Metadata tells the kind of families registered afterwards.
 * <p>
 * <b>Not thread safe</b>: one per connection (event loop). Allocation-free once its buffers and cache have grown.
 */
public final class RemoteWriteDecoder {
    private static final int TIMESERIES = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int METADATA = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int LABEL = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int SAMPLE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int SAMPLE_VALUE = tag(1, WireFormat.WIRETYPE_FIXED64);
    private static final int SAMPLE_TIMESTAMP = tag(2, WireFormat.WIRETYPE_VARINT);
    private static final int META_TYPE = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int META_NAME = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final int maxDecodedBytes;

    /** A field's tag: its number and wire type, as protobuf writes it. */
    private static int tag(final int field, final int wireType) {
        return field << 3 | wireType;
    }
    private ByteBuffer compressed = BufferUtil.allocateDirectAligned(64 * 1024, 64);
    private ByteBuffer decoded = BufferUtil.allocateDirectAligned(256 * 1024, 64);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private SeriesRegistry registry;
    private String sourceLabel;

    // A series' samples, until its labels are resolved (labels may follow samples on the wire).
    private long[] timestamps = new long[16];
    private double[] values = new double[16];

    // The cache: open addressing by the labels' hash, checked against their bytes.
    private long[] hashes = new long[1024];
    private byte[][] keys = new byte[1024][];
    private int[] inputs = new int[1024];
    private int[] sources = new int[1024];
    private int cached;

    /** @param maxDecodedBytes the largest decompressed body taken (a snappy block says its length first). */
    public RemoteWriteDecoder(final int maxDecodedBytes) {
        this.maxDecodedBytes = maxDecodedBytes;
    }

    /** Decode the snappy-compressed {@code body} into {@code batch}. */
    public void decode(final ByteBuf body, final IngestBatch batch) throws IngestException {
        if (registry != batch.registry()) {
            registry = batch.registry();
            sourceLabel = registry.spec().sourceLabel();
            clearCache();
        }
        final int length = decompress(body);
        decodeRequest(length, batch);
    }

    /** Decode an uncompressed {@code WriteRequest} of {@code length} bytes at the start of {@code request}. */
    public void decodeUncompressed(final ByteBuffer request, final int length, final IngestBatch batch)
        throws IngestException {
        if (registry != batch.registry()) {
            registry = batch.registry();
            sourceLabel = registry.spec().sourceLabel();
            clearCache();
        }
        if (decoded.capacity() < length) {
            decoded = BufferUtil.allocateDirectAligned(BitSizes.next(length), 64);
        }
        decoded.clear();
        decoded.put(request.duplicate().position(0).limit(length));
        decodeRequest(length, batch);
    }

    private int decompress(final ByteBuf body) throws IngestException {
        final int n = body.readableBytes();
        final ByteBuffer in;
        if (body.isDirect() && body.nioBufferCount() == 1) {
            in = body.nioBuffer(body.readerIndex(), n);
        } else {
            if (compressed.capacity() < n) {
                compressed = BufferUtil.allocateDirectAligned(BitSizes.next(n), 64);
            }
            compressed.clear();
            body.getBytes(body.readerIndex(), compressed.limit(n));
            compressed.flip();
            in = compressed;
        }
        try {
            final int length = Snappy.uncompressedLength(in);
            if (length > maxDecodedBytes) {
                throw new IngestException("the body decompresses to " + length + " bytes, more than "
                    + maxDecodedBytes, true);
            }
            if (decoded.capacity() < length) {
                decoded = BufferUtil.allocateDirectAligned(BitSizes.next(length), 64);
            }
            decoded.clear();
            return Snappy.uncompress(in, decoded);
        } catch (final IOException ex) {
            throw new IngestException("not a snappy block (remote-write 1.0 bodies are snappy block format, "
                + "Content-Encoding: snappy): " + ex.getMessage());
        }
    }

    private void decodeRequest(final int length, final IngestBatch batch) throws IngestException {
        final ByteBuffer request = decoded.duplicate().position(0).limit(length);
        view.wrap(BufferUtil.address(decoded), length);
        final CodedInputStream in = CodedInputStream.newInstance(request);
        int series = 0;
        try {
            while (!in.isAtEnd()) {
                final int tag = in.readTag();
                if (tag == TIMESERIES) {
                    final int limit = in.pushLimit(in.readRawVarint32());
                    timeSeries(in, batch, series++);
                    in.popLimit(limit);
                } else if (tag == METADATA) {
                    final int limit = in.pushLimit(in.readRawVarint32());
                    metadata(in);
                    in.popLimit(limit);
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (final IOException | IndexOutOfBoundsException ex) {
            throw new IngestException("malformed WriteRequest at byte " + in.getTotalBytesRead() + " (timeseries["
                + (series - 1) + "]): " + ex.getMessage());
        }
    }

    private void timeSeries(final CodedInputStream in, final IngestBatch batch, final int index)
        throws IOException, IngestException {
        int labelsFrom = -1;
        int labelsTo = -1;
        int count = 0;
        boolean split = false;
        while (!in.isAtEnd()) {
            final int tag = in.readTag();
            if (tag == LABEL) {
                final int at = in.getTotalBytesRead() - 1; // the tag's one byte
                final int len = in.readRawVarint32();
                in.skipRawBytes(len);
                if (labelsFrom < 0) {
                    labelsFrom = at;
                } else if (labelsTo != at) {
                    split = true; // labels not in one run: no cache for this one
                }
                labelsTo = in.getTotalBytesRead();
            } else if (tag == SAMPLE) {
                final int limit = in.pushLimit(in.readRawVarint32());
                double value = 0;
                long timestamp = 0;
                while (!in.isAtEnd()) {
                    final int t = in.readTag();
                    if (t == SAMPLE_VALUE) {
                        value = in.readDouble();
                    } else if (t == SAMPLE_TIMESTAMP) {
                        timestamp = in.readInt64();
                    } else if (!in.skipField(t)) {
                        break;
                    }
                }
                in.popLimit(limit);
                if (count == values.length) {
                    values = Arrays.copyOf(values, count * 2);
                    timestamps = Arrays.copyOf(timestamps, count * 2);
                }
                values[count] = value;
                timestamps[count++] = timestamp;
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        if (labelsFrom < 0) {
            throw new IngestException("timeseries[" + index + "] has no labels");
        }
        final int slot = split ? -1 : lookup(labelsFrom, labelsTo);
        final int input;
        final int source;
        if (slot >= 0) {
            input = inputs[slot];
            source = sources[slot];
        } else {
            final int[] resolved = resolve(labelsFrom, labelsTo, index);
            input = resolved[0];
            source = resolved[1];
            if (!split) {
                store(labelsFrom, labelsTo, input, source);
            }
        }
        for (int i = 0; i < count; i++) {
            final double v = values[i];
            if (Double.isNaN(v)) {
                continue; // a staleness marker: the series went away
            }
            if (input < 0) {
                batch.refuse(input, source);
            } else {
                batch.add(input, source, timestamps[i] * NANOS_PER_MILLI, v);
            }
        }
    }

    /** A series seen for the first time: its labels as strings, registered. Allocates (once per series). */
    private int[] resolve(final int from, final int to, final int index) throws IOException, IngestException {
        final CodedInputStream in = CodedInputStream.newInstance(
            decoded.duplicate().position(from).limit(to).slice());
        final TreeMap<String, String> labels = new TreeMap<>();
        while (!in.isAtEnd()) {
            final int tag = in.readTag();
            if (tag != LABEL) {
                in.skipField(tag);
                continue;
            }
            final int limit = in.pushLimit(in.readRawVarint32());
            String name = null;
            String value = "";
            while (!in.isAtEnd()) {
                final int t = in.readTag();
                if (t == tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                    name = in.readStringRequireUtf8();
                } else if (t == tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                    value = in.readStringRequireUtf8();
                } else {
                    in.skipField(t);
                }
            }
            in.popLimit(limit);
            if (name == null) {
                throw new IngestException("timeseries[" + index + "] has a label without a name");
            }
            labels.put(name, value);
        }
        final String metric = labels.remove("__name__");
        if (metric == null || metric.isEmpty()) {
            throw new IngestException("timeseries[" + index + "] has no __name__ label");
        }
        String source = labels.remove(sourceLabel);
        if (source == null || source.isEmpty()) {
            source = labels.getOrDefault("job", "prometheus");
        }
        final int input = registry.input(source, metric, labels, null, null, SeriesRegistry.Protocol.PROMETHEUS);
        final io.tickwire.engine.observe.SourceStats stats = registry.source(source);
        return new int[] {input, stats == null ? -1 : stats.index()};
    }

    private void metadata(final CodedInputStream in) throws IOException {
        int type = 0;
        String family = null;
        while (!in.isAtEnd()) {
            final int tag = in.readTag();
            if (tag == META_TYPE) {
                type = in.readEnum();
            } else if (tag == META_NAME) {
                family = in.readStringRequireUtf8();
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        final MetricKind kind = switch (type) {
            case 1 -> MetricKind.COUNTER;
            case 2 -> MetricKind.GAUGE;
            case 3, 4 -> MetricKind.HISTOGRAM;
            case 5 -> MetricKind.SUMMARY;
            default -> null;
        };
        if (family != null && kind != null) {
            registry.metadata(family, kind);
        }
    }

    private int lookup(final int from, final int to) {
        final long hash = hash(from, to);
        final int mask = hashes.length - 1;
        for (int slot = (int)hash & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash && sameBytes(keys[slot], from, to)) {
                return slot;
            }
        }
        return -1;
    }

    private void store(final int from, final int to, final int input, final int source) {
        if (2 * (cached + 1) > hashes.length) {
            if (hashes.length >= 1 << 22) {
                clearCache(); // a bound on memory: series beyond it are resolved again
            } else {
                rehash(hashes.length * 2);
            }
        }
        final long hash = hash(from, to);
        final byte[] key = new byte[to - from];
        view.getBytes(from, key);
        put(hash, key, input, source);
    }

    private void put(final long hash, final byte[] key, final int input, final int source) {
        final int mask = hashes.length - 1;
        int slot = (int)hash & mask;
        while (keys[slot] != null) {
            slot = (slot + 1) & mask;
        }
        hashes[slot] = hash;
        keys[slot] = key;
        inputs[slot] = input;
        sources[slot] = source;
        cached++;
    }

    private void rehash(final int capacity) {
        final long[] oldHashes = hashes;
        final byte[][] oldKeys = keys;
        final int[] oldInputs = inputs;
        final int[] oldSources = sources;
        hashes = new long[capacity];
        keys = new byte[capacity][];
        inputs = new int[capacity];
        sources = new int[capacity];
        cached = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                put(oldHashes[i], oldKeys[i], oldInputs[i], oldSources[i]);
            }
        }
    }

    private void clearCache() {
        Arrays.fill(keys, null);
        cached = 0;
    }

    private boolean sameBytes(final byte[] key, final int from, final int to) {
        if (key.length != to - from) {
            return false;
        }
        int i = 0;
        for (; i + 8 <= key.length; i += 8) {
            if (view.getLong(from + i, ByteOrder.LITTLE_ENDIAN) != BitSizes.longAt(key, i)) {
                return false;
            }
        }
        for (; i < key.length; i++) {
            if (view.getByte(from + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /** A 64-bit hash of the bytes (8 at a time, multiply-xorshift mixing). */
    private long hash(final int from, final int to) {
        long h = 0x9E3779B97F4A7C15L ^ (to - from);
        int i = from;
        for (; i + 8 <= to; i += 8) {
            h = (h ^ view.getLong(i, ByteOrder.LITTLE_ENDIAN)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        for (; i < to; i++) {
            h = (h ^ (view.getByte(i) & 0xff)) * 0x94D049BB133111EBL;
        }
        h ^= h >>> 29;
        return h;
    }

    /** Small helpers: sizes and reading a long from bytes. */
    private static final class BitSizes {
        static int next(final int n) {
            return Math.max(64, Integer.highestOneBit(Math.max(1, n - 1)) << 1);
        }

        static long longAt(final byte[] b, final int i) {
            return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24
                | (b[i + 4] & 0xffL) << 32 | (b[i + 5] & 0xffL) << 40 | (b[i + 6] & 0xffL) << 48
                | (b[i + 7] & 0xffL) << 56;
        }
    }
}
