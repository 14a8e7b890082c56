package io.tickwire.cli;

import io.tickwire.engine.LaunchParameters;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * A subcommand's exit-code contract in one place: 0 success, 2 bad input (one line on stderr), 1 internal failure
 * (one line, and the stack trace when {@code TICKWIRE_DEBUG} is set). A user sees a reason, never a Java class name:
 * the line says where the details are.
 */
abstract class CliCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int BAD_INPUT = 2;
    /** Set in the environment: a failure prints its stack trace. */
    static final String DEBUG_VARIABLE = "TICKWIRE_DEBUG";

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (final BadInputException ex) {
            return fail(BAD_INPUT, ex.getMessage());
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
            return fail(FAILURE, "interrupted");
        } catch (final Exception ex) {
            if (System.getenv(DEBUG_VARIABLE) != null) {
                ex.printStackTrace(err());
            }
            return fail(FAILURE, "internal error" + reason(ex) + (System.getenv(DEBUG_VARIABLE) != null ? ""
                : " (set " + DEBUG_VARIABLE + "=1 for the stack trace)"));
        }
    }

    protected abstract int execute() throws Exception;

    /** Print {@code tickwire: <reason>} on stderr and return {@code code}. */
    int fail(final int code, final String reason) {
        err().println("tickwire: " + oneLine(reason));
        err().flush();
        return code;
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /**
     * Set launch parameter {@code name} from the text of option {@code --name}: parsed by {@link LaunchParameters},
     * as the REST API's are.
     *
     * @throws BadInputException naming the option: {@code --workers must be >= 1, got 0}.
     */
    static LaunchParameters launchParameter(final LaunchParameters params, final String name, final String text)
        throws BadInputException {
        try {
            return params.set(name, text);
        } catch (final LaunchParameters.BadParameterException ex) {
            throw badOption(ex);
        }
    }

    /** A launch parameter's problem, said of its option: {@code --speed must be a number > 0 or max, got 'fast'}. */
    static BadInputException badOption(final LaunchParameters.BadParameterException ex) {
        return new BadInputException("--" + ex.parameter() + " " + ex.problem(), ex);
    }

    /** A failure's message on one line, without its class: what a user can read. */
    static String oneLine(final Throwable t) {
        final String message = t.getMessage();
        return message == null || message.isBlank() ? "an unexpected failure (no message)" : oneLine(message);
    }

    /** {@code ": <message>"}, or nothing when the failure has no message worth showing. */
    private static String reason(final Throwable t) {
        final String message = t.getMessage();
        return message == null || message.isBlank() ? "" : ": " + oneLine(message);
    }

    static String oneLine(final String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
