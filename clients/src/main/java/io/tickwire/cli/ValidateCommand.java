package io.tickwire.cli;

import io.tickwire.engine.diagram.Diagram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Check a diagram against the configured limits: print a one-line summary, or exit 2 naming the "
        + "field at fault.")
final class ValidateCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "DIAGRAM", description = "The diagram, YAML or JSON.")
    Path diagram;

    // The limits.* a run would apply, so that validate accepts exactly what run accepts.
    @Mixin
    ConfigOptions config = new ConfigOptions();

    @Override
    protected int execute() throws BadInputException {
        final Diagram d = Diagrams.load(diagram, config.resolve().diagramLimits());
        out().println("ok: " + d.name() + ", " + count(d.services().size(), "service") + ", "
            + count(d.load().size(), "load source"));
        out().flush();
        return OK;
    }

    private static String count(final int n, final String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
