package io.tickwire.transport;

import io.tickwire.codec.Schema;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.ServiceSpec;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * A run's listener for {@code GET /metrics}: keeps the latest tick's figures per service and the tick-close latency,
 * for {@link MetricsApi} to read at scrape time. It runs on a listener thread of its own (never the engine's
 * stages), decodes each tick into preallocated arrays and allocates nothing; a scrape copies them under a sequence
 * lock (the writer never waits) and drains the latency recorder.
 * <p>
 * Tick-close latency: from the tick's intended close (the end of its window on the run's pacing clock) to its
 * delivery here; at speed max, where no close is intended, from its close by the aggregator (its wall-clock stamp).
 */
final class RunMetrics implements TickListener {
    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(RunMetrics.class, "version", long.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** The latest tick of each service, in the diagram's order. */
    record Latest(long tick, double[] requestsPerSecond, double[] errorsPerSecond, double[] p50Seconds,
                  double[] p99Seconds, double[] utilisation, int[] servers, int[] queueDepth, int[] replicas,
                  int[] readyReplicas) {
    }

    private final Simulation simulation;
    private final List<ServiceSpec> services;
    private final int[] indexOfId;
    private final EpochNanoClock epochClock = new OffsetEpochNanoClock();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder tick = new TickSummaryDecoder();
    private final SingleWriterRecorder closeLatency = new SingleWriterRecorder(3);
    private Histogram closeInterval; // scrape side

    // Written by the listener thread between two bumps of version (odd while writing), read by scrapes.
    @SuppressWarnings("unused")
    private volatile long version;
    private long latestTick = -1;
    private final double[] requestsPerSecond;
    private final double[] errorsPerSecond;
    private final double[] p50Seconds;
    private final double[] p99Seconds;
    private final double[] utilisation;
    private final int[] servers;
    private final int[] queueDepth;
    private final int[] replicas;
    private final int[] readyReplicas;

    RunMetrics(final Simulation simulation) {
        this.simulation = simulation;
        this.services = simulation.diagram().services();
        int maxId = 0;
        for (final ServiceSpec s : services) {
            maxId = Math.max(maxId, s.id());
        }
        indexOfId = new int[maxId + 1];
        java.util.Arrays.fill(indexOfId, -1);
        for (int i = 0; i < services.size(); i++) {
            indexOfId[services.get(i).id()] = i;
        }
        final int n = services.size();
        requestsPerSecond = new double[n];
        errorsPerSecond = new double[n];
        p50Seconds = new double[n];
        p99Seconds = new double[n];
        utilisation = new double[n];
        servers = new int[n];
        queueDepth = new int[n];
        replicas = new int[n];
        readyReplicas = new int[n];
    }

    Simulation simulation() {
        return simulation;
    }

    List<ServiceSpec> services() {
        return services;
    }

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long t,
                      final boolean endOfBatch) {
        header.wrap(buffer, offset);
        if (header.schemaId() != Schema.ID || header.templateId() != TickSummaryDecoder.TEMPLATE_ID) {
            return;
        }
        tick.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        recordCloseLatency(t, tick.tickLengthNs(), tick.wallTimeNs());
        final double tickSeconds = tick.tickLengthNs() / 1e9;
        final long v = version;
        VERSION.setOpaque(this, v + 1);
        VarHandle.storeStoreFence();
        latestTick = t;
        for (final TickSummaryDecoder.ServicesDecoder s : tick.services()) {
            final int id = s.serviceId();
            final int i = id >= 0 && id < indexOfId.length ? indexOfId[id] : -1;
            if (i >= 0) {
                requestsPerSecond[i] = s.completed() / tickSeconds;
                errorsPerSecond[i] = s.errors() / tickSeconds;
                p50Seconds[i] = s.p50Ns() / 1e9;
                p99Seconds[i] = s.p99Ns() / 1e9;
                final long busy = s.busyTimeNs();
                utilisation[i] = s.servers() <= 0 || busy == TickSummaryDecoder.ServicesDecoder.busyTimeNsNullValue()
                    ? 0 : busy / ((double)s.servers() * tick.tickLengthNs());
                servers[i] = s.servers();
                queueDepth[i] = s.queueDepth();
                replicas[i] = s.replicas();
                readyReplicas[i] = s.readyReplicas();
            }
            s.skipHistogram();
        }
        VERSION.setRelease(this, v + 2);
    }

    private void recordCloseLatency(final long t, final long tickLengthNs, final long wallTimeNs) {
        final double speed = simulation.context().speed();
        final long origin = simulation.pacingOriginNanos();
        final long latencyNs;
        if (speed != Simulation.Context.SPEED_MAX && origin != Long.MIN_VALUE) {
            latencyNs = System.nanoTime() - (origin + (long)((t + 1) * tickLengthNs / speed));
        } else {
            latencyNs = epochClock.nanoTime() - wallTimeNs;
        }
        closeLatency.recordValue(Math.max(0, latencyNs));
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
    }

    /** A consistent copy of the latest tick's figures, or null before the first tick. Scrape side. */
    Latest latest() {
        while (true) {
            final long v1 = (long)VERSION.getAcquire(this);
            if ((v1 & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            final Latest copy = new Latest(latestTick, requestsPerSecond.clone(), errorsPerSecond.clone(),
                p50Seconds.clone(), p99Seconds.clone(), utilisation.clone(), servers.clone(), queueDepth.clone(),
                replicas.clone(), readyReplicas.clone());
            VarHandle.loadLoadFence();
            if ((long)VERSION.getOpaque(this) == v1) {
                return copy.tick() < 0 ? null : copy;
            }
        }
    }

    /** Add the close latencies (ns) recorded since the last call to {@code into}. One scraper at a time. */
    synchronized void addCloseLatencies(final Histogram into) {
        closeInterval = closeLatency.getIntervalHistogram(closeInterval);
        into.add(closeInterval);
    }
}
