package io.tickwire.cli;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.ThreadStartHook;
import net.openhft.affinity.Affinity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.BitSet;
import java.util.Map;

/**
 * The {@code layout:} of tickwire.yaml applied: each thread pinned to its role's CPUs as it starts (OpenHFT
 * affinity, {@code sched_setaffinity}), and each ring's wait strategy set. Roles by thread name:
 * <pre>
 *   orchestrator  tw-orchestrator           workers      tw-worker-N (the N-th CPU of layout.workers.cpus)
 *   aggregator    tw-aggregator             journal      tw-out-*-ClosingJournal
 *   broadcaster   tw-out-*-Broadcaster      netty        tw-accept-*, tw-io-*, and other listeners (metrics)
 * </pre>
 * Wait strategies belong to rings, not threads: workers wait on the command ring, the aggregator on the metrics
 * ring, every listener thread (journal, broadcaster, metrics) on the output ring. The orchestrator paces by parking
 * and Netty's loops by epoll. A role with no CPUs is left to the scheduler.
 */
final class ThreadLayout implements ThreadStartHook {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadLayout.class);

    private final CpuSet orchestrator;
    private final CpuSet workers;
    private final CpuSet aggregator;
    private final CpuSet journal;
    private final CpuSet broadcaster;
    private final CpuSet netty;
    private final String workersWait;
    private final String aggregatorWait;
    private final String listenersWait;

    ThreadLayout(final TickwireConfig config) {
        orchestrator = config.cpus(ConfigKey.LAYOUT_ORCHESTRATOR_CPUS);
        workers = config.cpus(ConfigKey.LAYOUT_WORKERS_CPUS);
        aggregator = config.cpus(ConfigKey.LAYOUT_AGGREGATOR_CPUS);
        journal = config.cpus(ConfigKey.LAYOUT_JOURNAL_CPUS);
        broadcaster = config.cpus(ConfigKey.LAYOUT_BROADCASTER_CPUS);
        netty = config.cpus(ConfigKey.LAYOUT_NETTY_CPUS);
        workersWait = config.text(ConfigKey.LAYOUT_WORKERS_WAIT);
        aggregatorWait = config.text(ConfigKey.LAYOUT_AGGREGATOR_WAIT);
        listenersWait = config.text(ConfigKey.LAYOUT_LISTENERS_WAIT);
    }

    boolean pins() {
        return !(orchestrator.isEmpty() && workers.isEmpty() && aggregator.isEmpty() && journal.isEmpty()
            && broadcaster.isEmpty() && netty.isEmpty());
    }

    /** Set the rings' wait strategies and this layout's pinning on a run's context. */
    void apply(final Simulation.Context ctx) {
        ctx.commandWaitStrategy(workersWait).metricsWaitStrategy(aggregatorWait).outputWaitStrategy(listenersWait);
        if (pins()) {
            ctx.threadStartHook(this);
        }
    }

    /** The CPUs of the thread called {@code name}; empty if its role is not pinned. */
    CpuSet cpusOf(final String name) {
        if (name.equals("tw-orchestrator")) {
            return orchestrator;
        }
        if (name.startsWith("tw-worker-")) {
            if (workers.isEmpty()) {
                return workers;
            }
            try {
                final int n = Integer.parseInt(name.substring("tw-worker-".length()));
                return CpuSet.of(workers.cpus()[n % workers.cpus().length]);
            } catch (final NumberFormatException ex) {
                return workers;
            }
        }
        if (name.equals("tw-aggregator")) {
            return aggregator;
        }
        if (name.startsWith("tw-out-") && name.endsWith("-ClosingJournal")) {
            return journal;
        }
        if (name.startsWith("tw-out-") && name.endsWith("-Broadcaster")) {
            return broadcaster;
        }
        if (name.startsWith("tw-accept") || name.startsWith("tw-io") || name.startsWith("tw-out-")) {
            return netty; // and the other listeners (metrics): the housekeeping CPUs
        }
        return CpuSet.EMPTY;
    }

    @Override
    public void onStart(final String threadName) {
        final CpuSet cpus = cpusOf(threadName);
        if (cpus.isEmpty()) {
            return;
        }
        final BitSet mask = cpus.bits();
        Affinity.setAffinity(mask);
        LOG.info("{} pinned to cpus {}", threadName, cpus);
    }

    /** Role to CPUs, for printing. */
    Map<String, CpuSet> roles() {
        return Map.of("orchestrator", orchestrator, "workers", workers, "aggregator", aggregator, "journal", journal,
            "broadcaster", broadcaster, "netty", netty);
    }
}
