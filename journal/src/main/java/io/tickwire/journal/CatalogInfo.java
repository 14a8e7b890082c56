package io.tickwire.journal;

import io.tickwire.codec.CatalogUpdates;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MetricKind;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * A {@code Catalog} message decoded once into plain values: what a run is, its services' names and servers by id,
 * and its load sources' names and entry points by id. For reports and diagnostics, where names are printed; the
 * per-tick paths keep the ids.
 */
public final class CatalogInfo {
    private final long simulationId;
    private final long tickLengthNs;
    private final long seed;
    private final String simulationName;
    private final String[] names;
    private final int[] servers;
    private final String[] sourceNames;
    private final int[] targets;
    /** An observed run's rows described, by id; null for a simulation. */
    private final CatalogUpdates.Series[] series;

    private CatalogInfo(final long simulationId, final long tickLengthNs, final long seed,
                        final String simulationName, final String[] names, final int[] servers,
                        final String[] sourceNames, final int[] targets, final CatalogUpdates.Series[] series) {
        this.simulationId = simulationId;
        this.tickLengthNs = tickLengthNs;
        this.seed = seed;
        this.simulationName = simulationName;
        this.names = names;
        this.servers = servers;
        this.sourceNames = sourceNames;
        this.targets = targets;
        this.series = series;
    }

    /**
     * An observed run's catalog: {@code catalog} and its rows described by {@code seriesMessage} (a
     * {@code CatalogUpdate} of them all, {@link JournalReader#series()}); null for a simulation's.
     */
    public static CatalogInfo decode(final byte[] catalog, final byte[] seriesMessage) {
        final CatalogInfo plain = decode(catalog);
        if (seriesMessage == null) {
            return plain;
        }
        final CatalogUpdates merged = CatalogUpdates.of(catalog, seriesMessage);
        CatalogUpdates.Series[] byId = new CatalogUpdates.Series[0];
        for (final CatalogUpdates.Series s : merged.seriesList()) {
            if (s.serviceId() >= byId.length) {
                byId = Arrays.copyOf(byId, s.serviceId() + 1);
            }
            byId[s.serviceId()] = s;
        }
        final CatalogInfo named = decode(merged.catalog());
        return new CatalogInfo(named.simulationId, named.tickLengthNs, named.seed, named.simulationName, named.names,
            named.servers, named.sourceNames, named.targets, byId);
    }

    /** Whether this is an observed run's catalog: its rows are series of sources ({@link #series}). */
    public boolean observed() {
        return series != null;
    }

    /** An observed run's row {@code id} described; null if unknown (or a simulation's). */
    public CatalogUpdates.Series series(final int id) {
        return series != null && id >= 0 && id < series.length ? series[id] : null;
    }

    /** An observed run's row's kind; null if unknown. */
    public MetricKind kind(final int id) {
        final CatalogUpdates.Series s = series(id);
        return s == null ? null : s.kind();
    }

    /**
     * Decode a {@code Catalog} message, header included (as {@link JournalReader#catalog()} returns it).
     *
     * @throws IllegalArgumentException if the bytes are not a Catalog of our schema.
     */
    public static CatalogInfo decode(final byte[] catalog) {
        final UnsafeBuffer buffer = new UnsafeBuffer(catalog);
        if (catalog.length < MessageHeaderDecoder.ENCODED_LENGTH) {
            throw new IllegalArgumentException("not a Catalog message: " + catalog.length + " bytes");
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        if (header.schemaId() != Schema.ID || header.templateId() != CatalogDecoder.TEMPLATE_ID) {
            throw new IllegalArgumentException("not a Catalog message: schema " + header.schemaId() + ", template "
                + header.templateId());
        }
        final CatalogDecoder d = new CatalogDecoder()
            .wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        String[] names = new String[0];
        int[] servers = new int[0];
        // Groups and variable-length fields are read in schema order: services, sources, then the simulation's name.
        for (final CatalogDecoder.ServicesDecoder s : d.services()) {
            final int id = s.serviceId();
            if (id >= names.length) {
                names = Arrays.copyOf(names, id + 1);
                servers = Arrays.copyOf(servers, id + 1);
            }
            servers[id] = s.servers();
            names[id] = s.name();
        }
        String[] sourceNames = new String[0];
        int[] targets = new int[0];
        // Absent before schema version 2: the decoder then gives an empty group.
        for (final CatalogDecoder.SourcesDecoder s : d.sources()) {
            final int id = s.sourceId();
            if (id >= sourceNames.length) {
                sourceNames = Arrays.copyOf(sourceNames, id + 1);
                targets = Arrays.copyOf(targets, id + 1);
            }
            targets[id] = s.targetServiceId();
            sourceNames[id] = s.name();
        }
        return new CatalogInfo(d.simulationId(), d.tickLengthNs(), d.seed(), d.simulationName(), names, servers,
            sourceNames, targets, null);
    }

    public long simulationId() {
        return simulationId;
    }

    public long tickLengthNs() {
        return tickLengthNs;
    }

    public long seed() {
        return seed;
    }

    public String simulationName() {
        return simulationName;
    }

    /** One more than the highest service id. */
    public int serviceCount() {
        return names.length;
    }

    /** The name of service {@code id}, or its id as text if the catalog does not name it. */
    public String name(final int id) {
        return id >= 0 && id < names.length && names[id] != null ? names[id] : Integer.toString(id);
    }

    /** Servers (replicas x concurrency) of service {@code id} when the run started; 0 if unknown. */
    public int servers(final int id) {
        return id >= 0 && id < servers.length ? servers[id] : 0;
    }

    /** One more than the highest load source id; 0 before schema version 2. */
    public int sourceCount() {
        return sourceNames.length;
    }

    /** The name of load source {@code id}, or its id as text if the catalog does not name it. */
    public String sourceName(final int id) {
        return id >= 0 && id < sourceNames.length && sourceNames[id] != null ? sourceNames[id] : Integer.toString(id);
    }

    /** The service that load source {@code id} sends its requests to (its entry point); -1 if unknown. */
    public int target(final int id) {
        return id >= 0 && id < targets.length ? targets[id] : -1;
    }
}
