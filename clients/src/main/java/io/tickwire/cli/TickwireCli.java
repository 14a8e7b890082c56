package io.tickwire.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tickwire}: the composition root. Each subcommand composes the modules it needs (engine, journal, transport,
 * the feed client); every run it starts is built, and given its listeners, by transport's {@code RunLauncher}.
 * <p>
 * Exit codes (a contract): 0 success, 2 bad input with one line on stderr ({@code tickwire: <reason>}), 1 an
 * internal failure. Picocli's own parameter errors exit 2 as well.
 */
@Command(name = "tickwire", mixinStandardHelpOptions = true, versionProvider = TickwireCli.Version.class,
    description = "Simulate systems tick by tick and watch them live.",
    footer = {"", "Runs without --journal journal under <data>/journals/; <data> is " + DataDirectory.DESCRIPTION + "."},
    subcommands = {DemoCommand.class, RunCommand.class, ServeCommand.class, ObserveCommand.class,
        RunsCommand.class, ValidateCommand.class, TailCommand.class, ReplayCommand.class, EditCommand.class,
        EventsCommand.class, ExportCommand.class, ReportCommand.class, VerifyCommand.class, ConfigCommand.class,
        DoctorCommand.class, CommandLine.HelpCommand.class})
public final class TickwireCli implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(final String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@code main} runs it: parameter errors on one line instead of a usage page. */
    public static CommandLine commandLine() {
        final CommandLine cmd = new CommandLine(new TickwireCli());
        cmd.setParameterExceptionHandler((ex, args) -> {
            final CommandLine c = ex.getCommandLine();
            c.getErr().println("tickwire: " + CliCommand.oneLine(ex.getMessage()) + " (see '"
                + c.getCommandSpec().qualifiedName() + " --help')");
            c.getErr().flush();
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cmd;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required: "
            + String.join(", ", spec.subcommands().keySet()));
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            final String v = TickwireCli.class.getPackage().getImplementationVersion();
            return new String[] {"tickwire " + (v == null ? "dev" : v)};
        }
    }
}
