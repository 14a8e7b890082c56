package io.tickwire.codec;

import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.CatalogUpdateDecoder;
import io.tickwire.sbe.CatalogUpdateEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricKind;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * An observed run's catalog as it grows: its {@code Catalog} (whose services are the rows so far, by name: what
 * readers of any version understand) and every row's description ({@code CatalogUpdate} series), merged from the
 * run's {@code CatalogUpdate} messages. The feed sends a new subscriber both ({@link #catalog()}, {@link #series()});
 * the journal keeps both beside its queue. Immutable: {@link #plus} makes the next one. Not for hot paths (it
 * decodes and encodes whole messages), which is fine: rows are added rarely.
 */
public final class CatalogUpdates {
    private final byte[] catalog;
    private final List<Series> series;
    private final byte[] seriesMessage;

    /** One row's description. */
    public record Series(int serviceId, MetricKind kind, String name, String source, String metric, String labels,
                         String unit) {
    }

    private CatalogUpdates(final byte[] catalog, final List<Series> series) {
        this.catalog = catalog;
        this.series = List.copyOf(series);
        this.seriesMessage = encodeSeries(simulationId(catalog), 0, series);
    }

    /** The run as its first {@code Catalog} says, with no series described yet. */
    public static CatalogUpdates of(final byte[] catalog) {
        return new CatalogUpdates(catalog.clone(), List.of());
    }

    /** As {@link #of}, with the rows described by the {@code CatalogUpdate} {@code seriesMessage} (may be null). */
    public static CatalogUpdates of(final byte[] catalog, final byte[] seriesMessage) {
        final CatalogUpdates c = of(catalog);
        return seriesMessage == null ? c : c.plus(new UnsafeBuffer(seriesMessage), 0, seriesMessage.length);
    }

    /** This, with the rows of the {@code CatalogUpdate} at {@code offset} (header included); those known are kept. */
    public CatalogUpdates plus(final DirectBuffer buffer, final int offset, final int length) {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        if (header.templateId() != CatalogUpdateDecoder.TEMPLATE_ID || header.schemaId() != Schema.ID) {
            throw new IllegalArgumentException("not a CatalogUpdate: template " + header.templateId());
        }
        final CatalogUpdateDecoder d = new CatalogUpdateDecoder().wrap(buffer,
            offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final List<Series> all = new ArrayList<>(series);
        final boolean[] known = new boolean[65_536];
        for (final Series s : series) {
            known[s.serviceId()] = true;
        }
        for (final CatalogUpdateDecoder.SeriesDecoder s : d.series()) {
            final int id = s.serviceId();
            final MetricKind kind = s.kind();
            final Series next = new Series(id, kind, s.name(), s.source(), s.metric(), s.labels(), s.unit());
            if (!known[id]) {
                known[id] = true;
                all.add(next);
            }
        }
        all.sort((a, b) -> Integer.compare(a.serviceId(), b.serviceId()));
        return new CatalogUpdates(withServices(catalog, all), all);
    }

    /** The {@code Catalog}: the run's, with a service of each row named (servers 0). */
    public byte[] catalog() {
        return catalog;
    }

    /** A {@code CatalogUpdate} (fromTick 0) describing every row so far: for a reader that starts now. */
    public byte[] series() {
        return seriesMessage;
    }

    public List<Series> seriesList() {
        return series;
    }

    /** Rows described so far. */
    public int rows() {
        return series.size();
    }

    /** A {@code CatalogUpdate} of {@code series}, header included. */
    public static byte[] encodeSeries(final long simulationId, final long fromTick, final List<Series> series) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CatalogUpdateEncoder e = new CatalogUpdateEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId)
            .fromTick(fromTick);
        final CatalogUpdateEncoder.SeriesEncoder g = e.seriesCount(series.size());
        for (final Series s : series) {
            g.next().serviceId(s.serviceId()).kind(s.kind()).name(s.name()).source(s.source()).metric(s.metric())
                .labels(s.labels()).unit(s.unit());
        }
        final byte[] bytes = new byte[MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    private static long simulationId(final byte[] catalog) {
        final UnsafeBuffer b = new UnsafeBuffer(catalog);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(b, 0);
        return new CatalogDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version()).simulationId();
    }

    /** {@code catalog} re-encoded with its services, then one per row of {@code series} not among them. */
    private static byte[] withServices(final byte[] catalog, final List<Series> series) {
        final UnsafeBuffer in = new UnsafeBuffer(catalog);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(in, 0);
        final CatalogDecoder d = new CatalogDecoder().wrap(in, MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
        final List<int[]> services = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final boolean[] known = new boolean[65_536];
        for (final CatalogDecoder.ServicesDecoder s : d.services()) {
            services.add(new int[] {s.serviceId(), s.servers()});
            names.add(s.name());
            known[s.serviceId()] = true;
        }
        final List<int[]> sources = new ArrayList<>();
        final List<String> sourceNames = new ArrayList<>();
        for (final CatalogDecoder.SourcesDecoder s : d.sources()) {
            sources.add(new int[] {s.sourceId(), s.targetServiceId()});
            sourceNames.add(s.name());
        }
        final String simulationName = d.simulationName();
        for (final Series s : series) {
            if (!known[s.serviceId()]) {
                services.add(new int[] {s.serviceId(), 0});
                names.add(s.name());
            }
        }
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(catalog.length + 64 * series.size());
        final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(out, 0, new MessageHeaderEncoder())
            .simulationId(d.simulationId())
            .tickLengthNs(d.tickLengthNs())
            .seed(d.seed())
            .startWallTimeNs(d.startWallTimeNs())
            .schemaVersion(d.schemaVersion())
            .workers(d.workers());
        final CatalogEncoder.ServicesEncoder sg = e.servicesCount(services.size());
        for (int i = 0; i < services.size(); i++) {
            sg.next().serviceId(services.get(i)[0]).servers(services.get(i)[1]).name(names.get(i));
        }
        final CatalogEncoder.SourcesEncoder lg = e.sourcesCount(sources.size());
        for (int i = 0; i < sources.size(); i++) {
            lg.next().sourceId(sources.get(i)[0]).targetServiceId(sources.get(i)[1]).name(sourceNames.get(i));
        }
        e.simulationName(simulationName);
        final byte[] bytes = new byte[MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength()];
        out.getBytes(0, bytes);
        return bytes;
    }
}
