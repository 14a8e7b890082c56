package io.tickwire.cli;

import io.tickwire.engine.LaunchParameters;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.JournalVerifier;
import io.tickwire.journal.ObservedJournalCheck;
import io.tickwire.journal.JournaledEdits;
import io.tickwire.transport.RunLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code tickwire verify}: re-simulates a journal's diagram with its seed and its live edits (each at the tick it took
 * effect at), as fast as possible, and compares every tick and every event with the journaled one as it closes
 * (wall-clock stamps aside).
 * <pre>
 *  journal ──diagram.yaml, seed, id, last tick──► RunLauncher: Simulation (speed max, --workers) ──► JournalVerifier
 *     └─────────────────────────────────────── ticks, one at a time ────────────────────────────────────────┘
 * </pre>
 * Exit 0 printing {@code identical: N ticks}; exit 1 printing {@code differs at tick T: <field> journal=<a>
 * simulated=<b>} (then {@code differs at catalog: ...} if the catalogs differ too); exit 2 for a journal that cannot
 * be verified (none, no ticks, a diagram that no longer loads).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Prove a journal: re-simulate its diagram and seed and compare every tick (all but wall-clock "
        + "stamps). Exit 0 if identical, 1 at the first difference, naming the tick and the field."})
final class VerifyCommand extends CliCommand {
    private static final long PROGRESS_INTERVAL_S = 1;

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A journal directory.")
    Path journal;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
        description = "Worker threads of the re-simulation; any number gives the same ticks (default 1).")
    String workersText;

    @Override
    protected int execute() throws Exception {
        final int workers;
        try {
            workers = LaunchParameters.parseWorkers(workersText);
        } catch (final LaunchParameters.BadParameterException ex) {
            throw badOption(ex);
        }
        final String source;
        final long seed;
        final long simulationId;
        final long firstTick;
        final long lastTick;
        final List<Simulation.JournaledEdit> edits;
        try (JournalReader reader = Journals.openWithTicks(journal, err())) {
            if (reader.observed()) {
                return verifyObserved(reader);
            }
            source = reader.diagramSource();
            seed = reader.seed();
            simulationId = reader.simulationId();
            firstTick = reader.firstTick();
            lastTick = reader.lastTick();
            edits = JournaledEdits.read(reader);
        }
        final Diagram diagram;
        try {
            diagram = DiagramLoader.parse(source);
        } catch (final DiagramException ex) {
            throw new BadInputException("journal " + journal + ": its diagram does not load: " + ex.getMessage(), ex);
        }

        final long ticks = lastTick + 1;
        // The verifier is the run's one listener: no journal, no feed. It stops the run at the first difference.
        final JournalVerifier[] made = new JournalVerifier[1];
        final RunLauncher launcher = new RunLauncher(new RunLauncher.Context().feed(false)
            .listener(run -> made[0] = new JournalVerifier(journal, run::stop)));
        final Simulation.Context context = new Simulation.Context()
            .speed(Simulation.Context.SPEED_MAX)
            .ticks(ticks)
            .maxPendingEvents(Long.MAX_VALUE) // the journaled ticks held what they held: bounded already
            .diagramLimits(DiagramLimits.UNBOUNDED) // and its edits were accepted within the run's limits
            .seed(seed)
            .workers(workers)
            .journaledEdits(edits);
        final RunLauncher.Run launched;
        try {
            launched = launcher.launch(diagram, context, simulationId, null);
        } catch (final IllegalArgumentException ex) { // a journaled edit that no longer applies to its diagram
            throw new BadInputException("journal " + journal + ": " + oneLine(ex.getMessage()), ex);
        }
        final Simulation sim;
        try (RunLauncher.Run run = launched) {
            sim = run.simulation();
            while (!run.awaitTermination(PROGRESS_INTERVAL_S, TimeUnit.SECONDS)) {
                err().println("verifying: " + made[0].ticksCompared() + " of " + ticks + " ticks identical so far");
                err().flush();
            }
        }
        final JournalVerifier verifier = made[0];

        if (verifier.failure() != null) {
            throw new IllegalStateException("reading the journal failed: " + oneLine(verifier.failure()),
                verifier.failure());
        }
        if (verifier.difference() != null || verifier.catalogDifference() != null) {
            // The first differing tick leads: it is what a reader acts on; a catalog difference follows it.
            if (verifier.difference() != null) {
                out().println(verifier.difference());
            }
            if (verifier.catalogDifference() != null) {
                out().println(verifier.catalogDifference());
            }
            out().flush();
            return FAILURE;
        }
        if (sim.failure() != null) {
            return fail(FAILURE, "re-simulation failed: " + oneLine(sim.failure()));
        }
        final long compared = verifier.ticksCompared();
        // Every journaled tick must have been compared: a shorter re-simulation proves nothing about the rest.
        final long expected = ticks - firstTick;
        if (compared != expected) {
            return fail(FAILURE, "compared " + compared + " of " + expected + " ticks");
        }
        out().println("identical: " + compared + " ticks" + (verifier.eventsCompared() > 0
            ? ", " + verifier.eventsCompared() + " events" + (edits.isEmpty() ? "" : " (" + edits.size()
            + " live edit" + (edits.size() == 1 ? "" : "s") + " re-applied)") : ""));
        out().flush();
        return OK;
    }

    /**
     * An observed run's journal cannot be re-simulated (its samples came from real sources): it is checked for
     * consistency with itself ({@link ObservedJournalCheck} says exactly what).
     */
    private int verifyObserved(final JournalReader reader) throws Exception {
        final ObservedJournalCheck.Result result = ObservedJournalCheck.check(reader);
        if (result.problem() != null) {
            out().println(result.problem());
            out().flush();
            return FAILURE;
        }
        out().println("consistent: " + result.ticks() + " ticks (an observed run: checked against itself, not "
            + "re-simulated)");
        out().flush();
        return OK;
    }
}
