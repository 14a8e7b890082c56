package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.LatencySpec;
import io.tickwire.engine.sim.KernelAction;
import io.tickwire.engine.sim.KernelActionSource;
import io.tickwire.engine.sim.KernelActions;
import io.tickwire.engine.sim.LatencyDistribution;
import io.tickwire.engine.test.TickCollector;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.ReplicaEventDecoder;
import io.tickwire.sbe.ReplicaEventKind;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Operations through the whole engine: a diagram with every balancer, start-up times, failure models and health
 * checks, and a schedule of every {@link KernelAction} fed to the orchestrator, gives identical ticks — every byte
 * but the wall-clock stamp — and identical replica events with 1, 2 and 4 workers; the events follow their tick in
 * the fixed order; and tick by tick, for every service, arrivals = completed + rejected + the change of in flight.
 */
@Timeout(300)
class OperationsDeterminismTest {
    static final String DIAGRAM = """
        name: ops
        tick: 50ms
        seed: 99
        partitions: 4
        services:
          - name: gateway
            replicas: 3
            concurrency: 4
            queue: 50
            balancer: least-connections
            startup: { distribution: uniform, min: 500ms, max: 1500ms }
            terminationGrace: 200ms
            failures: { mtbf: 20s }
            health: { interval: 1s, timeout: 200ms, unhealthyThreshold: 2 }
            latency: { distribution: exponential, mean: 2ms }
            calls:
              - { to: auth, mode: sync, delay: 1ms, timeout: 30ms, retry: { attempts: 1, backoff: 5ms } }
              - { to: orders, probability: 0.6, delay: 2ms }
          - name: auth
            replicas: 2
            concurrency: 4
            balancer: power-of-two
            startup: 1s
            failures: { mtbf: 15s, distribution: weibull, shape: 1.5 }
            health: { interval: 500ms, timeout: 100ms, unhealthyThreshold: 2 }
            latency: { distribution: exponential, mean: 3ms }
          - name: orders
            replicas: 2
            concurrency: 8
            balancer: round-robin
            latency: { distribution: lognormal, mean: 10ms, sd: 5ms }
            database: { latency: { mean: 2ms }, connections: 4 }
            calls: [ { to: payments, mode: sync, delay: 1ms, timeout: 100ms } ]
          - name: payments
            replicas: 2
            concurrency: 4
            balancer: random
            failures: { mtbf: 30s }
            latency: { mean: 8ms }
          - name: batch
            replicas: 2
            startup: 2s
            latency: { distribution: constant, mean: 5ms }
        load:
          - { name: web, target: gateway, rate: 800/s }
          - { name: jobs, target: batch, rate: 50/s, arrivals: constant }
        """;
    private static final int GATEWAY = 0;
    private static final int AUTH = 1;
    private static final int ORDERS = 2;
    private static final int PAYMENTS = 3;
    private static final int BATCH = 4;
    private static final int WEB = 0;
    private static final int JOBS = 1;
    private static final long TICKS = 400;

    /** Every action kind, at fixed ticks; SET_LATENCY names entry 0 of the run's table (4 ms constant). */
    static KernelActionSource schedule() {
        final Map<Long, KernelActions> at = new HashMap<>();
        at.put(20L, new KernelActions().add(KernelAction.SET_REPLICAS, GATEWAY, 5, 0)
            .add(KernelAction.LOAD_FACTOR, WEB, 2 * KernelAction.ONE, 0));
        at.put(60L, new KernelActions().add(KernelAction.CRASH_REPLICAS, ORDERS, 1, 0)
            .add(KernelAction.PARTITION, ORDERS, PAYMENTS, KernelAction.HANG));
        at.put(80L, new KernelActions().add(KernelAction.PARTITION, ORDERS, PAYMENTS, KernelAction.HEALED)
            .add(KernelAction.LATENCY_FACTOR, PAYMENTS, 3 * KernelAction.ONE, 1_000_000));
        at.put(100L, new KernelActions().add(KernelAction.SET_REPLICAS, GATEWAY, 2, 0)
            .add(KernelAction.FAILURE_RATE, AUTH, 200_000_000L, 0)
            .add(KernelAction.PARTITION, GATEWAY, AUTH, KernelAction.FAIL));
        at.put(120L, new KernelActions().add(KernelAction.PARTITION, GATEWAY, AUTH, KernelAction.HEALED)
            .add(KernelAction.FAILURE_RATE, AUTH, KernelAction.RESTORE, 0)
            .add(KernelAction.SET_CONCURRENCY, ORDERS, 2, 0)
            .add(KernelAction.LOAD_RATE, JOBS, 200_000, 0));
        at.put(150L, new KernelActions().add(KernelAction.SET_LATENCY, PAYMENTS, 0, 0)
            .add(KernelAction.LOAD_FACTOR, WEB, KernelAction.ONE, 0)
            .add(KernelAction.SET_REPLICAS, BATCH, 4, 0));
        at.put(200L, new KernelActions().add(KernelAction.SET_REPLICAS, BATCH, 1, 0)
            .add(KernelAction.CRASH_REPLICAS, GATEWAY, 2, 0));
        return (tick, into) -> {
            final KernelActions actions = at.get(tick);
            if (actions != null) {
                into.addAll(actions);
            }
        };
    }

    @Test
    void shouldGiveIdenticalTicksAndEventsWithOneTwoAndFourWorkers() throws Exception {
        final Diagram diagram = DiagramLoader.parse(DIAGRAM);
        final TickCollector one = run(diagram, 1);
        final TickCollector two = run(diagram, 2);
        final TickCollector four = run(diagram, 4);
        TickCollector.assertSameRun(one, two);
        TickCollector.assertSameRun(one, four);

        // The run is not idle: scaling, crashes (the failure models' and the actions') and replacements happened.
        final List<ReplicaEventKind> kinds = one.events.stream().map(e -> event(e).kind()).toList();
        assertThat(kinds).contains(ReplicaEventKind.STARTING, ReplicaEventKind.READY, ReplicaEventKind.CRASHED,
            ReplicaEventKind.UNHEALTHY, ReplicaEventKind.REPLACED, ReplicaEventKind.DRAINING,
            ReplicaEventKind.REMOVED);
        assertThat(replicas(one, 30, GATEWAY)).isEqualTo(5);
        assertThat(replicas(one, 399, BATCH)).isEqualTo(1);

        // A tick's events follow it, in (simTimeNs, serviceId, kind, replica) order, each within its tick.
        for (int i = 0; i < one.events.size(); i++) {
            final ReplicaEventDecoder e = event(one.events.get(i));
            assertThat(e.tick()).isEqualTo(one.eventTicks.get(i));
            assertThat(e.simTimeNs()).isBetween(e.tick() * diagram.tickLengthNs(), (e.tick() + 1) * diagram.tickLengthNs() - 1);
            if (i > 0) {
                final ReplicaEventDecoder p = event(one.events.get(i - 1));
                final long[] a = {p.simTimeNs(), p.serviceId(), p.kind().value(), p.replica()};
                final long[] b = {e.simTimeNs(), e.serviceId(), e.kind().value(), e.replica()};
                assertThat(java.util.Arrays.compare(a, b)).as("event %d after %d", i, i - 1).isLessThanOrEqualTo(0);
            }
        }
        assertConserved(one);
    }

    /** arrivals = completed (OK and errors) + rejected + (queueDepth + busyServers) - the same a tick before. */
    static void assertConserved(final TickCollector run) {
        final Map<Integer, Long> inFlight = new HashMap<>();
        for (int t = 0; t < run.ticks.size(); t++) {
            final TickSummaryDecoder.ServicesDecoder s = run.decode(t).services();
            while (s.hasNext()) {
                s.next();
                final long now = s.queueDepth() + s.busyServers();
                final long before = inFlight.getOrDefault(s.serviceId(), 0L);
                assertThat(s.arrivals()).as("tick %d service %d", t, s.serviceId())
                    .isEqualTo(s.completed() + s.rejected() + now - before);
                inFlight.put(s.serviceId(), now);
                s.skipHistogram();
            }
        }
    }

    static TickCollector run(final Diagram diagram, final int workers) throws InterruptedException {
        final TickCollector collector = new TickCollector();
        try (Simulation sim = Simulation.create(diagram, new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX).ticks(TICKS).workers(workers).actionSource(schedule()))) {
            assertThat(sim.partitions()).isGreaterThanOrEqualTo(4);
            assertThat(sim.workers()).isEqualTo(workers);
            assertThat(sim.latencyTable().add(new LatencyDistribution(LatencySpec.constant(4_000_000L)))).isZero();
            sim.addListener(collector).start();
            assertThat(sim.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            assertThat(sim.failure()).isNull();
        }
        assertThat(collector.violation).isNull();
        assertThat(collector.ticks).hasSize((int)TICKS);
        return collector;
    }

    private static int replicas(final TickCollector run, final int tick, final int service) {
        final TickSummaryDecoder.ServicesDecoder s = run.decode(tick).services();
        while (s.hasNext()) {
            s.next();
            if (s.serviceId() == service) {
                return s.replicas();
            }
            s.skipHistogram();
        }
        throw new AssertionError("no service " + service);
    }

    static ReplicaEventDecoder event(final byte[] bytes) {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        assertThat(header.templateId()).isEqualTo(ReplicaEventDecoder.TEMPLATE_ID);
        return new ReplicaEventDecoder().wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version());
    }
}
