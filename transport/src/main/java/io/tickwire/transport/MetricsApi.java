package io.tickwire.transport;

import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.observe.Observation;
import io.tickwire.engine.observe.SourceStats;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.journal.JournalWriter;
import io.tickwire.transport.alerting.AlertNotifier;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /metrics}: the server's and its runs' health in the Prometheus exposition format, written by the
 * Prometheus Java client (text format; OpenMetrics when the scraper asks for it).
 * <pre>
 *   GET /metrics     200 text/plain; version=0.0.4    (or application/openmetrics-text on request)
 * </pre>
 * Everything is read at scrape time from what the threads already keep — the simulation's counters, the rings'
 * sequences, the journal writer's and the feed's counters, each run's {@link RunMetrics} (a listener thread of its
 * own) — so a scrape adds nothing to any engine stage. Per run the labels are {@code run} (its id) and
 * {@code simulation} (its name); per service also {@code service}. The JVM's own (memory, GC, threads, ...) come from
 * the client's JVM instrumentation. Every metric is listed in docs/configuration.md.
 */
final class MetricsApi {
    static final String PATH = "/metrics";
    /** Upper bounds of the latency histograms' buckets, seconds: 1 µs to 10 s, 1-2-5 steps. */
    private static final double[] LATENCY_BOUNDS = latencyBounds();
    private static final String[] RINGS = {"command", "metrics", "output"};
    private static final int[] RING_IDS = {Simulation.COMMAND_RING, Simulation.METRICS_RING, Simulation.OUTPUT_RING};

    private final FeedRuntime runtime;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
    private final OpenMetricsTextFormatWriter openMetrics = OpenMetricsTextFormatWriter.create();
    /** Cumulative latencies per run id, fed by each scrape from the runs' recorders. Guarded by this. */
    private final Map<Long, Histogram> closeLatencies = new HashMap<>();
    private final Map<Long, Histogram> appendLatencies = new HashMap<>();

    MetricsApi(final FeedRuntime runtime) {
        this.runtime = runtime;
        JvmMetrics.builder().register(registry);
        registry.register(new EngineCollector());
    }

    void register(final HttpRoutes routes) {
        routes.add(HttpMethod.GET, PATH, ex -> scrape(ex.request().headers().get(HttpHeaderNames.ACCEPT)));
    }

    private FullHttpResponse scrape(final String accept) {
        final ExpositionFormatWriter writer = accept != null && openMetrics.accepts(accept) ? openMetrics : text;
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
            Unpooled.buffer(16 * 1024));
        try (ByteBufOutputStream out = new ByteBufOutputStream(response.content())) {
            writer.write(out, registry.scrape());
        } catch (final IOException ex) {
            response.release();
            throw new UncheckedIOException(ex);
        }
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
        return response;
    }

    /** The engine's, the journal's and the feed's figures, per run and per service, read at scrape time. */
    private final class EngineCollector implements MultiCollector {
        @Override
        public MetricSnapshots collect() {
            synchronized (MetricsApi.this) {
                return collectRuns();
            }
        }
    }

    private MetricSnapshots collectRuns() {
        final Families f = new Families();
        f.gauge("tickwire_feed_connections", "Open feed (WebSocket) connections", Labels.EMPTY,
            runtime.connections().size());
        long conflated = 0;
        for (final FeedFrameHandler c : runtime.connections()) {
            conflated += c.ticksConflated();
        }
        f.gauge("tickwire_feed_open_connections_ticks_conflated",
            "Ticks skipped by conflation on the open feed connections", Labels.EMPTY, conflated);
        runtime.counters().disconnectsByReason().forEach((reason, n) -> f.counter("tickwire_feed_disconnects",
            "Feed connections the server closed, by reason (close code)", Labels.of("reason", reason), n));

        for (final FeedCounters.IngestProtocol p : FeedCounters.IngestProtocol.values()) {
            final Labels protocol = Labels.of("protocol", p.label);
            f.counter("tickwire_ingest_samples_accepted", "Samples ingest took into observed runs, by protocol",
                protocol, runtime.counters().ingestAccepted(p));
            f.counter("tickwire_ingest_samples_rejected", "Samples ingest refused (a malformed or oversized request "
                + "counts 1), by protocol", protocol, runtime.counters().ingestRejected(p));
        }

        final AlertNotifier notifier = runtime.ctx().alertNotifier();
        if (notifier != null) {
            for (final AlertNotifier.TargetStats t : notifier.targets()) {
                final Labels target = Labels.of("kind", t.kind(), "target", t.target());
                f.counter("tickwire_alert_notifications_sent", "Alerts delivered to each Alertmanager and webhook",
                    target, t.sent());
                f.counter("tickwire_alert_notifications_failed", "Alerts given up on after retries, or refused (4xx), "
                    + "by target", target, t.failed());
                f.counter("tickwire_alert_notifications_dropped", "Alerts dropped unsent from a full queue (or at "
                    + "shutdown), by target", target, t.dropped());
                f.gauge("tickwire_alert_notifications_queued", "Alerts waiting for each target", target, t.queued());
            }
        }

        final List<Long> live = new ArrayList<>();
        for (final RunLauncher.Run run : runtime.registry().launchedRuns()) {
            final Simulation sim = run.simulation();
            if (sim == null) {
                observed(f, run.observation());
                continue;
            }
            final long id = sim.id();
            live.add(id);
            final Labels labels = Labels.of("run", Long.toString(id), "simulation", sim.diagram().name());
            f.gauge("tickwire_run_running", "1 while the run runs, 0 once it has ended", labels,
                sim.state() == Simulation.State.RUNNING ? 1 : 0);
            f.counter("tickwire_ticks_closed", "Ticks closed by the aggregator", labels, sim.ticksClosed());
            f.counter("tickwire_visits", "Simulated service visits", labels, sim.visits());
            for (int r = 0; r < RINGS.length; r++) {
                final long free = sim.ringRemainingCapacity(RING_IDS[r]);
                if (free >= 0) {
                    f.gauge("tickwire_ring_remaining_capacity", "Free slots of each ring of the run",
                        Labels.of("run", Long.toString(id), "simulation", sim.diagram().name(), "ring", RINGS[r]),
                        free);
                }
            }
            final Broadcaster feed = run.feed();
            if (feed != null) {
                f.counter("tickwire_feed_frames_sent", "Frames of the run's feed written to subscribers", labels,
                    feed.framesSent());
                f.gauge("tickwire_feed_subscribers", "Subscribers of the run's feed", labels, feed.subscriberCount());
                f.counter("tickwire_feed_slow_reader_disconnects", "Subscribers disconnected (1008) as slow readers",
                    labels, feed.slowReaderDisconnects());
            }
            final JournalWriter journal = run.journalWriter();
            if (journal != null) {
                f.counter("tickwire_journal_appends", "Ticks appended to the run's journal", labels,
                    journal.ticksWritten());
                f.counter("tickwire_journal_bytes", "Bytes of messages appended to the run's journal", labels,
                    journal.bytesWritten());
                final Histogram h = appendLatencies.computeIfAbsent(id, k -> new Histogram(3));
                journal.addAppendLatencies(h);
                f.histogram("tickwire_journal_append_latency_seconds",
                    "Journal append latency, one append in " + JournalWriter.LATENCY_SAMPLE_EVERY + " timed", labels, h);
            }
            final RunMetrics metrics = run.metrics();
            if (metrics != null) {
                final Histogram h = closeLatencies.computeIfAbsent(id, k -> new Histogram(3));
                metrics.addCloseLatencies(h);
                f.histogram("tickwire_tick_close_latency_seconds", "From a tick's intended close (its window's end "
                    + "on the pacing clock; at speed max its close) to its delivery to the run's listeners", labels, h);
                serviceGauges(f, sim, metrics);
            }
        }
        closeLatencies.keySet().retainAll(live);
        appendLatencies.keySet().retainAll(live);
        return f.snapshots();
    }

    /** An observed run's sources: what each sent, by outcome (accepted, late, or the reason it was refused). */
    private static void observed(final Families f, final Observation obs) {
        final String run = Long.toString(obs.id());
        final String name = obs.spec().name();
        f.gauge("tickwire_run_running", "1 while the run runs, 0 once it has ended", Labels.of("run", run,
            "simulation", name), obs.state() == Simulation.State.RUNNING ? 1 : 0);
        final List<SourceStats> sources = new ArrayList<>(obs.registry().sources());
        sources.add(obs.registry().unattributed());
        for (final SourceStats s : sources) {
            final String source = s.name().isEmpty() ? "(unattributed)" : s.name();
            source(f, run, name, source, "accepted", s.accepted());
            source(f, run, name, source, "late", s.late());
            for (final IngestRejection reason : IngestRejection.values()) {
                if (reason != IngestRejection.NULL_VAL) {
                    source(f, run, name, source, reason.name().toLowerCase(Locale.ROOT), s.rejected(reason));
                }
            }
        }
    }

    private static void source(final Families f, final String run, final String name, final String source,
                               final String outcome, final long samples) {
        f.counter("tickwire_ingest_source_samples", "Samples of each source of an observed run, by outcome",
            Labels.of("run", run, "simulation", name, "source", source, "outcome", outcome), samples);
    }

    private static void serviceGauges(final Families f, final Simulation sim, final RunMetrics metrics) {
        final RunMetrics.Latest latest = metrics.latest();
        if (latest == null) {
            return;
        }
        final String run = Long.toString(sim.id());
        final String name = sim.diagram().name();
        f.gauge("tickwire_run_latest_tick", "The run's latest tick seen by the metrics listener",
            Labels.of("run", run, "simulation", name), latest.tick());
        for (int i = 0; i < metrics.services().size(); i++) {
            final Labels labels = Labels.of("run", run, "simulation", name, "service",
                metrics.services().get(i).name());
            f.gauge("tickwire_service_requests_per_second", "Requests completed per second in the latest tick",
                labels, latest.requestsPerSecond()[i]);
            f.gauge("tickwire_service_errors_per_second", "Requests failed per second in the latest tick", labels,
                latest.errorsPerSecond()[i]);
            f.gauge("tickwire_service_latency_p50_seconds", "Median latency in the latest tick", labels,
                latest.p50Seconds()[i]);
            f.gauge("tickwire_service_latency_p99_seconds", "99th percentile latency in the latest tick", labels,
                latest.p99Seconds()[i]);
            f.gauge("tickwire_service_utilisation_ratio", "Busy servers over servers in the latest tick", labels,
                latest.utilisation()[i]);
            f.gauge("tickwire_service_servers", "Servers (replicas x concurrency) in the latest tick", labels,
                latest.servers()[i]);
            f.gauge("tickwire_service_queue_depth", "Requests waiting at the end of the latest tick", labels,
                latest.queueDepth()[i]);
            f.gauge("tickwire_service_replicas", "Replicas provisioned (starting, ready or draining) at the end of the "
                + "latest tick", labels, latest.replicas()[i]);
            f.gauge("tickwire_service_ready_replicas", "Replicas serving at the end of the latest tick", labels,
                latest.readyReplicas()[i]);
        }
    }

    private static double[] latencyBounds() {
        final List<Double> bounds = new ArrayList<>();
        for (double decade = 1e-6; decade < 10; decade *= 10) {
            bounds.add(decade);
            bounds.add(decade * 2);
            bounds.add(decade * 5);
        }
        bounds.add(10.0);
        bounds.add(Double.POSITIVE_INFINITY);
        return bounds.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Data points grouped by metric name, in the order first seen: one family per name. */
    private static final class Families {
        private final Map<String, Object> builders = new java.util.LinkedHashMap<>();

        void gauge(final String name, final String help, final Labels labels, final double value) {
            ((GaugeSnapshot.Builder)builders.computeIfAbsent(name, n -> GaugeSnapshot.builder().name(n).help(help)))
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        void counter(final String name, final String help, final Labels labels, final double value) {
            ((CounterSnapshot.Builder)builders.computeIfAbsent(name,
                n -> CounterSnapshot.builder().name(n).help(help)))
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        /** A classic histogram of {@code ns} (an HdrHistogram of nanoseconds), in seconds. */
        void histogram(final String name, final String help, final Labels labels, final Histogram ns) {
            final long[] counts = new long[LATENCY_BOUNDS.length];
            long below = 0;
            for (int b = 0; b < LATENCY_BOUNDS.length - 1; b++) {
                final long upTo = ns.getTotalCount() == 0 ? 0
                    : ns.getCountBetweenValues(0, (long)(LATENCY_BOUNDS[b] * 1e9));
                counts[b] = upTo - below;
                below = upTo;
            }
            counts[LATENCY_BOUNDS.length - 1] = ns.getTotalCount() - below;
            ((HistogramSnapshot.Builder)builders.computeIfAbsent(name,
                n -> HistogramSnapshot.builder().name(n).help(help)))
                .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(labels)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(LATENCY_BOUNDS, counts))
                    .sum(ns.getTotalCount() == 0 ? 0 : ns.getMean() * ns.getTotalCount() / 1e9)
                    .build());
        }

        MetricSnapshots snapshots() {
            final List<MetricSnapshot> list = new ArrayList<>(builders.size());
            for (final Object b : builders.values()) {
                if (b instanceof GaugeSnapshot.Builder g) {
                    list.add(g.build());
                } else if (b instanceof CounterSnapshot.Builder c) {
                    list.add(c.build());
                } else {
                    list.add(((HistogramSnapshot.Builder)b).build());
                }
            }
            return new MetricSnapshots(list);
        }
    }
}
