package io.tickwire.cli;

import io.tickwire.engine.LaunchParameters;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run examples/checkout.yaml live with the dashboard at http://127.0.0.1:8080 and a journal "
        + "under <data>/journals/, until Ctrl-C.", "<data> is " + DataDirectory.DESCRIPTION + "."})
final class DemoCommand extends CliCommand {
    static final String EXAMPLE = "examples/checkout.yaml";

    @Option(names = "--port", paramLabel = "P", defaultValue = "8080",
        description = "Port of the dashboard and feed (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--speed", paramLabel = "N", defaultValue = "1",
        description = "Simulated seconds per wall-clock second (default ${DEFAULT-VALUE}).")
    String speed;

    @Mixin
    JournalOptions journalOptions = new JournalOptions();

    @Mixin
    ConfigOptions config = new ConfigOptions();

    @Mixin
    AlertingOptions alerting = new AlertingOptions();

    @Override
    protected int execute() throws Exception {
        final TickwireConfig cfg = alerting.applyTo(config).resolve();
        final Diagram d = Diagrams.load(findExample());
        if (port < 0 || port > 65535) {
            throw new BadInputException("--port must be 0..65535, got " + port);
        }
        final Simulation.Context ctx = RunCommand.context(d,
            launchParameter(new LaunchParameters(), LaunchParameters.SPEED, speed), false, null, cfg);
        return new SimulationRunner(err(), null).run(new SimulationRunner.Plan(
            d, ctx, SimulationRunner.defaultJournalDir(cfg.journalDir(), d), true, port, journalOptions.rollCycle(cfg),
            journalOptions.retention(cfg), journalOptions.minFreeBytes(cfg), cfg, null));
    }

    /** $TICKWIRE_HOME (set by ./tickwire), then the working directory, then the repo the jar was built in. */
    static Path findExample() throws BadInputException {
        final List<Path> candidates = new ArrayList<>();
        final String home = System.getenv("TICKWIRE_HOME");
        if (home != null && !home.isBlank()) {
            candidates.add(Paths.get(home, EXAMPLE));
        }
        candidates.add(Paths.get(EXAMPLE));
        try {
            // clients/target/tickwire.jar (or clients/target/classes) -> the repo root is two levels up.
            final Path code = Paths.get(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (code.getParent() != null && code.getParent().getParent() != null
                && code.getParent().getParent().getParent() != null) {
                candidates.add(code.getParent().getParent().getParent().resolve(EXAMPLE));
            }
        } catch (final URISyntaxException | SecurityException | NullPointerException ex) {
            // no code source: the other candidates stand
        }
        for (final Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new BadInputException("cannot find " + EXAMPLE + " (run from the repo root, or set TICKWIRE_HOME)");
    }
}
