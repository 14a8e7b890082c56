package io.tickwire.cli;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.JournalRetention;
import io.tickwire.journal.JournaledEdits;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.RunLauncher;
import io.tickwire.transport.alerting.AlertNotifier;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs one simulation for {@code run} and {@code demo}, launched by transport's {@link RunLauncher} (which attaches
 * the listeners), with (unless {@code --no-serve}) the feed server.
 * <pre>
 *  --no-serve:  RunLauncher (no feed) ──► Simulation ──► JournalWriter
 *  serving:     FeedServer.registry().launch(…) ──► RunLauncher ──► Simulation ──► JournalWriter
 *                                                                              └─► Broadcaster ──► /feed
 * </pre>
 * The calling thread prints a status line a second on stderr until the run ends; Ctrl-C (a shutdown hook) stops the
 * simulation so that every tick already issued reaches the journal and the journal ends properly.
 */
final class SimulationRunner {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final long DRAIN_TIMEOUT_S = 30;

    /**
     * What to run. {@code port} is ignored unless {@code serve}; 0 picks a free port. {@code config} gives the
     * server's other settings (bind, token, TLS, limits, layout, pretouch); {@code resume}, if not null, says where
     * the journal's run stopped.
     */
    record Plan(Diagram diagram, Simulation.Context context, Path journalDir, boolean serve, int port,
                String rollCycle, JournalRetention.Policy retention, long minFreeBytes, TickwireConfig config,
                Resume resume) {
    }

    /**
     * Where a journal given to {@code run --resume} stands: its run's identity and launch, and its last complete
     * tick; or, for a writer killed before it wrote the run's identity ({@code hasRun} false), nothing but the
     * diagram to start over with, in the same directory.
     */
    record Resume(Path dir, Diagram diagram, Long seed, long simulationId, Long ticks, String speed, boolean hasRun,
                  boolean hasCatalog, long ticksJournaled, List<Simulation.JournaledEdit> edits) {
        static Resume of(final Path dir, final Path diagramArg) throws BadInputException {
            if (Files.isRegularFile(dir.resolve(JournalLayout.RUN_FILE))) {
                try (JournalReader reader = JournalReader.open(dir)) {
                    if (reader.ended()) {
                        throw new BadInputException("journal " + dir + " has ended (" + reader.endReason()
                            + "): nothing to resume");
                    }
                    reader.lastTick(); // looks at its tail
                    if (reader.damage() != null) {
                        // Ticks appended after an excerpt that is not ours could never be read back.
                        throw new BadInputException("cannot resume " + dir + ": " + reader.damage());
                    }
                    final Diagram diagram = parse(reader.diagramSource(), dir);
                    if (diagramArg != null && !Diagrams.load(diagramArg).source().equals(diagram.source())) {
                        throw new BadInputException("the diagram " + diagramArg + " differs from the journal's ("
                            + dir.resolve(JournalLayout.DIAGRAM_FILE) + ")");
                    }
                    // The live edits it took, at their ticks: the resumed run re-simulates its ticks with them, as
                    // verify does, or it would go on from a state the journal never had.
                    final List<Simulation.JournaledEdit> edits = JournaledEdits.read(dir);
                    return new Resume(dir, diagram, reader.seed(), reader.simulationId(), reader.launchTicks(),
                        reader.launchSpeed(), true, reader.catalog() != null, reader.lastTick() + 1, edits);
                } catch (final IOException ex) {
                    throw new BadInputException("cannot resume " + dir + ": " + ex.getMessage(), ex);
                }
            }
            // Killed before run.properties: at most a diagram and an empty queue. Start over there.
            final Path journaledDiagram = dir.resolve(JournalLayout.DIAGRAM_FILE);
            final Diagram diagram;
            if (diagramArg != null) {
                diagram = Diagrams.load(diagramArg);
            } else if (Files.isRegularFile(journaledDiagram)) {
                diagram = Diagrams.load(journaledDiagram);
            } else {
                throw new BadInputException("journal " + dir + " holds no run (killed before it started): give its "
                    + "diagram, tickwire run DIAGRAM --resume " + dir + " [--seed S --ticks N ...]");
            }
            clearUnstarted(dir);
            return new Resume(dir, diagram, null, 1, null, null, false, false, 0, List.of());
        }

        private static Diagram parse(final String source, final Path dir) throws BadInputException {
            try {
                return io.tickwire.engine.diagram.DiagramLoader.parse(source);
            } catch (final io.tickwire.engine.diagram.DiagramException ex) {
                throw new BadInputException("journal " + dir + ": its diagram does not load: " + ex.getMessage(), ex);
            }
        }

        /** Remove what a writer killed during start-up leaves (no run.properties): an empty queue, a diagram. */
        private static void clearUnstarted(final Path dir) throws BadInputException {
            if (!Files.isDirectory(dir)) {
                return;
            }
            try (Stream<Path> entries = Files.walk(dir)) {
                final List<Path> all = entries.sorted(Comparator.reverseOrder()).toList();
                for (final Path p : all) {
                    final String name = p.getFileName().toString();
                    if (Files.isRegularFile(p) && name.endsWith(".cq4")) {
                        throw new BadInputException("journal " + dir + " has queue files but no "
                            + JournalLayout.RUN_FILE + ": not a Tickwire journal to resume");
                    }
                }
                for (final Path p : all) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            } catch (final IOException ex) {
                throw new BadInputException("cannot clear " + dir + " to start over: " + ex.getMessage(), ex);
            }
        }
    }

    private final PrintWriter err;
    private final Consumer<FeedServer> onServing;
    private Simulation simulation;
    private RunLauncher.Run run; // --no-serve; when serving, the server's registry holds the run
    private AlertNotifier notifier; // --no-serve, when alerting is configured; when serving, the server's
    private FeedServer server;
    private long startNanos;
    private boolean finished;

    /** @param onServing called once the server listens, before the launch (tests connect there); may be null. */
    SimulationRunner(final PrintWriter err, final Consumer<FeedServer> onServing) {
        this.err = err;
        this.onServing = onServing;
    }

    /** {@code <journals>/<name>-<yyyyMMdd-HHmmss>}; journals is {@code journal.dir}, {@code <data>/journals} by default. */
    static Path defaultJournalDir(final Path journals, final Diagram diagram) {
        return journals.resolve(diagram.name() + "-" + LocalDateTime.now().format(STAMP));
    }

    /** Refuse a journal path that is a file or an existing non-empty directory; nothing is created yet. */
    static Path checkJournalDir(final Path dir) throws BadInputException {
        final Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new BadInputException("journal path is not a directory: " + dir);
        }
        if (Files.isDirectory(abs)) {
            try (Stream<Path> entries = Files.list(abs)) {
                if (entries.findAny().isPresent()) {
                    throw new BadInputException("journal directory is not empty: " + dir
                        + " (give a new --journal directory)");
                }
            } catch (final IOException ex) {
                throw new BadInputException("cannot read journal directory " + dir + ": " + ex.getMessage(), ex);
            }
        }
        return abs;
    }

    private static void createJournalDir(final Path dir) throws BadInputException {
        try {
            Files.createDirectories(dir);
        } catch (final IOException ex) {
            throw new BadInputException("cannot create journal directory " + dir + ": " + ex.getMessage(), ex);
        }
    }

    /** Run the plan to its end (or Ctrl-C); returns the exit code. */
    int run(final Plan plan) throws Exception {
        final boolean resuming = plan.resume() != null && plan.resume().hasRun();
        final Path journalDir = resuming ? plan.journalDir().toAbsolutePath().normalize()
            : checkJournalDir(plan.journalDir());
        final Thread hook = new Thread(() -> {
            if (!isFinished()) {
                err.println("stopping:  the journal keeps every tick closed so far");
            }
            shutdown();
        }, "tickwire-shutdown");
        try {
            start(plan, journalDir);
            Runtime.getRuntime().addShutdownHook(hook);
            final Simulation sim = simulation;
            long lastTicks = 0;
            long lastVisits = 0;
            long lastNanos = startNanos;
            while (!sim.awaitTermination(1, TimeUnit.SECONDS)) {
                final long now = System.nanoTime();
                final long ticks = sim.ticksClosed();
                final long visits = sim.visits();
                status("tick " + ticks + "  sim " + seconds(ticks * plan.diagram().tickLengthNs()) + "  "
                    + rate(visits - lastVisits, now - lastNanos) + " visits/s  (+" + (ticks - lastTicks) + " ticks)");
                lastTicks = ticks;
                lastVisits = visits;
                lastNanos = now;
            }
        } finally {
            shutdown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (final IllegalStateException | IllegalArgumentException ex) {
                // The JVM is already shutting down (the hook is running), or start() failed before adding it.
            }
        }
        final Throwable failure = simulation.failure();
        if (failure != null) {
            err.println("tickwire: simulation failed: " + CliCommand.oneLine(failure)
                + (System.getenv(CliCommand.DEBUG_VARIABLE) != null ? "" : " (the stack trace is logged above)"));
            err.flush();
            return CliCommand.FAILURE;
        }
        final TickListener.EndReason reason = simulation.endReason();
        if (reason == TickListener.EndReason.DISK_FULL) {
            err.println("tickwire: journal " + journalDir + ": its filesystem has " + mib(freeSpace(journalDir))
                + " free, less than the " + mib(plan.minFreeBytes()) + " to keep free (--min-free, journal.minFree): the run stopped "
                + "at tick " + (simulation.ticksClosed() - 1) + ", where the journal ends");
            err.flush();
            return CliCommand.FAILURE;
        }
        if (reason == TickListener.EndReason.OVERLOADED) {
            err.println("tickwire: the run stopped at tick " + (simulation.ticksClosed() - 1) + ": more than "
                + plan.context().maxPendingEvents() + " requests and events pending at once (a service overloaded, "
                + "with an unbounded queue?); the journal ends there");
            err.flush();
            return CliCommand.FAILURE;
        }
        return CliCommand.OK;
    }

    private void start(final Plan plan, final Path journalDir) throws Exception {
        final Diagram diagram = plan.diagram();
        final Simulation.Context ctx = plan.context();
        if (plan.serve()) {
            // First, so that a taken port is refused before anything is printed or created.
            // Runs POSTed to /simulations journal where the default ones go: <journal.dir>/sim-<id>-<name>.
            server = ServeCommand.startServer(TickwireConfig.override(plan.config(), Map.of(
                ConfigKey.SERVER_PORT, Integer.toString(plan.port()),
                ConfigKey.JOURNAL_ROLL_CYCLE, plan.rollCycle(),
                ConfigKey.JOURNAL_RETAIN, plan.retention().keepsAll() ? "" : plan.retention().toString(),
                ConfigKey.JOURNAL_MIN_FREE, Long.toString(plan.minFreeBytes()))));
        }
        final Resume resume = plan.resume();
        final boolean resuming = resume != null && resume.hasRun();
        if (!resuming) {
            createJournalDir(journalDir);
        }
        err.println("tickwire: " + diagram.name() + ", " + diagram.services().size() + " services, tick "
            + seconds(diagram.tickLengthNs()) + ", speed " + speed(ctx.speed())
            + (ctx.ticks() < 0 ? ", until Ctrl-C" : ", " + ctx.ticks() + " ticks"));
        err.println("journal:   " + journalDir + (plan.retention().keepsAll() ? ""
            : " (" + plan.rollCycle() + " cycles, retaining " + retained(plan.retention()) + ")"));
        startNanos = System.nanoTime();
        if (resuming) {
            err.println("resuming: after tick " + (resume.ticksJournaled() - 1) + " (" + resume.ticksJournaled()
                + " ticks journaled; re-simulated, not re-journaled)");
        }
        if (server != null) {
            final String url = ServeCommand.url(server, server.context().bindAddress());
            err.println("dashboard: " + url + "/");
            err.println("feed:      " + url.replaceFirst("^http", "ws") + "/feed");
            err.flush();
            if (onServing != null) {
                onServing.accept(server);
            }
            simulation = resuming
                ? server.registry().resume(diagram, ctx, journalDir, resume.hasCatalog(), resume.ticksJournaled())
                : server.registry().launch(diagram, ctx, journalDir);
        } else {
            err.flush();
            final RunLauncher.Context launch = new RunLauncher.Context().feed(false)
                .journalRollCycle(plan.rollCycle())
                .journalRetention(plan.retention())
                .journalMinFreeBytes(plan.minFreeBytes())
                .journalPretouch(plan.config().bool(ConfigKey.JOURNAL_PRETOUCH));
            notifier = AlertingOptions.notifier(plan.config());
            if (notifier != null) {
                launch.listener(notifier.listenerFactory());
            }
            final RunLauncher launcher = new RunLauncher(launch);
            run = resuming
                ? launcher.resume(diagram, ctx, ctx.simulationId(), journalDir, resume.hasCatalog(),
                    resume.ticksJournaled())
                : launcher.launch(diagram, ctx, ctx.simulationId(), journalDir);
            simulation = run.simulation();
        }
        err.println("seed:      " + simulation.seed() + "  workers: " + simulation.workers());
        err.flush();
    }

    /**
     * Stop, drain and close everything, once: from the calling thread when the run ends, or from the shutdown hook
     * on Ctrl-C (then the JVM waits for this before it exits).
     */
    private synchronized void shutdown() {
        if (finished) {
            return;
        }
        finished = true;
        final Simulation sim = simulation;
        if (sim != null) {
            sim.stop();
            try {
                if (!sim.awaitTermination(DRAIN_TIMEOUT_S, TimeUnit.SECONDS)) {
                    err.println("tickwire: the simulation did not drain in " + DRAIN_TIMEOUT_S + " s");
                }
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            sim.close();
        }
        closeQuietly(run);
        closeQuietly(notifier); // after the run: its last alerts are delivered (bounded)
        closeQuietly(server);
        if (sim != null) {
            err.println("done:      " + summary(sim, System.nanoTime() - startNanos));
        }
        err.flush();
    }

    /** {@code 40000 ticks, 2000.0 s simulated in 5.8 s (344.1x), 1599767 visits (275.2 k/s), ended (completed)} */
    private static String summary(final Simulation sim, final long wallNs) {
        final long ticks = sim.ticksClosed();
        final long simulatedNs = ticks * sim.diagram().tickLengthNs();
        final long visits = sim.visits();
        final String reason = sim.endReason() == null ? "" : " (" + lower(sim.endReason().name()) + ")";
        return ticks + " ticks, " + seconds(simulatedNs) + " simulated in " + seconds(wallNs)
            + String.format(Locale.ROOT, " (%.1fx), ", simulatedNs / (double)Math.max(1, wallNs))
            + visits + " visits (" + rate(visits, wallNs) + "/s), " + lower(sim.state().name()) + reason;
    }

    private static String lower(final String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private synchronized boolean isFinished() {
        return finished;
    }

    private void status(final String line) {
        err.println(line);
        err.flush();
    }

    private void closeQuietly(final AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (final Exception ex) {
            err.println("tickwire: closing " + c.getClass().getSimpleName() + " failed: " + CliCommand.oneLine(ex));
        }
    }

    private static long freeSpace(final Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (final IOException ex) {
            return -1;
        }
    }

    private static String mib(final long bytes) {
        return bytes < 0 ? "? MiB" : String.format(Locale.ROOT, "%.1f MiB", bytes / (double)(1 << 20));
    }

    private static String retained(final JournalRetention.Policy policy) {
        return policy.maxAgeMs() > 0 ? seconds(policy.maxAgeMs() * 1_000_000L)
            : String.format(Locale.ROOT, "%.1f MB", policy.maxBytes() / 1e6);
    }

    static String seconds(final long ns) {
        if (ns < 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.0f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f s", ns / 1e9);
    }

    static String speed(final double speed) {
        if (speed == Simulation.Context.SPEED_MAX) {
            return "max";
        }
        return speed == Math.rint(speed) ? (long)speed + "x" : speed + "x";
    }

    /** {@code count} per {@code ns} as a per-second figure with a k/M suffix. */
    static String rate(final long count, final long ns) {
        final double perSec = ns <= 0 ? 0 : count * 1e9 / ns;
        if (perSec >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M", perSec / 1e6);
        }
        if (perSec >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k", perSec / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSec);
    }
}
