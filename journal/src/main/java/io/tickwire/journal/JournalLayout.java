package io.tickwire.journal;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of a journal: one directory per run.
 * <pre>
 *  &lt;dir&gt;/
 *    run.properties   the run's identity: seed, simulationId, schemaId, schemaVersion, created (ISO-8601 UTC),
 *                     tickLengthNs, name, rollCycle, retain (if set), ticks and speed (the launch's budget and
 *                     pace, for run --resume). Written at create, before the queue and any tick; its presence
 *                     makes the directory a journal.
 *    diagram.yaml     the diagram source, verbatim (UTF-8), written at create; an observed run has instead
 *    observe.yaml     its observe configuration, verbatim, and kind=observed in run.properties.
 *    catalog.sbe      the Catalog message, also kept here when retention may delete the first cycle (which holds
 *                     its excerpt); an observed run's, with a service named for every row so far (rewritten with
 *                     each CatalogUpdate)
 *    series.sbe       an observed run's rows described: one CatalogUpdate of every row so far.
 *    queue/           a Chronicle Queue (binary wire, cycles of run.properties' rollCycle, FAST_HOURLY by default;
 *                     older journals have no rollCycle and are FAST_HOURLY), one SBE message per excerpt:
 *                       Catalog, then one TickSummary per tick (0, 1, 2, ...), then SimulationEnd if the run's end
 *                       reached the writer; an observed run's CatalogUpdates before the first tick holding their
 *                       rows. See {@link JournalWriter}.
 * </pre>
 * The queue is readable by Chronicle's own tools (e.g. {@code DumpMain}); each excerpt is raw SBE bytes.
 */
public final class JournalLayout {
    public static final String QUEUE_DIR = "queue";
    public static final String DIAGRAM_FILE = "diagram.yaml";
    public static final String RUN_FILE = "run.properties";
    public static final String CATALOG_FILE = "catalog.sbe";
    public static final String OBSERVE_FILE = "observe.yaml";
    public static final String SERIES_FILE = "series.sbe";
    /** run.properties' {@code kind} of an observed run (absent: a simulation). */
    public static final String OBSERVED = "observed";

    // Keys of run.properties.
    static final String SEED = "seed";
    static final String SIMULATION_ID = "simulationId";
    static final String SCHEMA_ID = "schemaId";
    static final String SCHEMA_VERSION = "schemaVersion";
    static final String CREATED = "created";
    static final String TICK_LENGTH_NS = "tickLengthNs";
    static final String NAME = "name";
    static final String ROLL_CYCLE = "rollCycle";
    static final String RETAIN = "retain";
    static final String KIND = "kind";
    /** The run's tick budget (-1: until stopped) and speed (a number or max), for run --resume; absent in older. */
    public static final String TICKS = "ticks";
    public static final String SPEED = "speed";

    private JournalLayout() {
    }

    /** @return true if {@code dir} holds a journal: its {@code run.properties} and its queue directory. */
    public static boolean isJournal(final Path dir) {
        return Files.isRegularFile(dir.resolve(RUN_FILE)) && Files.isDirectory(dir.resolve(QUEUE_DIR));
    }
}
