package io.tickwire.cli;

import io.tickwire.client.FeedClient;
import io.tickwire.client.FeedListener;
import io.tickwire.client.Subscription;
import io.tickwire.journal.format.TickFormatter;
import io.tickwire.codec.FeedQuery;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;
import org.agrona.DirectBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

@Command(name = "tail", mixinStandardHelpOptions = true,
    description = {"Print each tick of a feed as one JSON line, e.g. tickwire tail ws://127.0.0.1:8080/feed.",
        "Resumes where it was after a lost connection (no gap, no duplicate).",
        "Ends after --count ticks or when the simulation ends."})
final class TailCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "URL",
        description = "The feed: ws://host:port/feed (?sim=&from=&services=&policy= give defaults for the options;"
            + " from is the URL's name of --from-seq)")
    String url;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "File holding the server's bearer token (default $TICKWIRE_TOKEN).")
    Path tokenFile;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N ticks.")
    Long count;

    @Option(names = "--sim", paramLabel = "ID", description = "The simulation to follow (default: the latest).")
    Long simulationId;

    @Option(names = "--services", paramLabel = "a,b", description = "Only these services' rows (default: all).")
    String services;

    /** The subscription's {@code fromSequence}; {@code --from-sequence} is its long name. */
    @Option(names = {"--from-seq", "--from-sequence"}, paramLabel = "N",
        description = "fromSequence: start at tick N, out of the server's journal, then live (default: the latest"
            + " tick, then live).")
    Long fromSequence;

    @Option(names = "--policy", paramLabel = "conflate|disconnect",
        description = "When this reader falls behind: the server conflates ticks (announced gaps) or disconnects "
            + "(tail then resumes without a gap). Default: conflate.")
    String policy;

    @Override
    protected int execute() throws Exception {
        if (count != null && count < 1) {
            throw new BadInputException("--count must be >= 1, got " + count);
        }
        final URI uri = uri();
        final Subscription subscription = subscription(uri);
        final Printer printer = new Printer(out(), err(), count == null ? Long.MAX_VALUE : count);
        final FeedClient client;
        try {
            client = FeedClient.connect(new FeedClient.Context().uri(FeedClient.withoutAutoSubscribe(uri))
                .token(ClientToken.read(tokenFile)), printer);
        } catch (final IOException ex) {
            return fail(FAILURE, ex.getMessage());
        }
        try {
            client.subscribe(subscription); // an Error answer reaches the printer's onError too
            printer.done.await();
        } finally {
            client.close();
        }
        if (printer.serverError != null) {
            return fail(printer.serverErrorCode == ErrorCode.INTERNAL.value() ? FAILURE : BAD_INPUT,
                "server error: " + printer.serverError);
        }
        if (printer.closedEarly != null) {
            return fail(FAILURE, "connection closed: " + printer.closedEarly);
        }
        return OK;
    }

    private URI uri() throws BadInputException {
        try {
            final URI uri = new URI(url);
            if (!"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new BadInputException("not a feed URL (ws://host:port/feed): " + url);
            }
            if (uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
                return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), "/feed", uri.getQuery(), null);
            }
            return uri;
        } catch (final URISyntaxException ex) {
            throw new BadInputException("bad URL " + url + ": " + ex.getMessage(), ex);
        }
    }

    /** The URL's auto-subscribe parameters, overridden by the options. */
    private Subscription subscription(final URI uri) throws BadInputException {
        final FeedQuery query = FeedQuery.parse(uri.getRawQuery());
        try {
            final long sim = simulationId != null ? simulationId : query.simulationId();
            final Long from = fromSequence != null ? fromSequence
                : query.has(FeedQuery.FROM) ? Long.valueOf(query.fromSequence()) : null;
            Subscription s = Subscription.to(atLeast(sim, "--sim", 0));
            if (from != null) {
                s = s.fromSequence(atLeast(from, "--from-seq", 0));
            }
            s = s.services(services != null ? services : query.services());
            return s.policy(policy != null ? policyOption() : query.policy());
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException(ex.getMessage(), ex); // a value of the URL that is not one
        }
    }

    private ConflationPolicy policyOption() throws BadInputException {
        try {
            return FeedQuery.policy(policy);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("--policy must be conflate or disconnect, got " + policy, ex);
        }
    }

    private static long atLeast(final long value, final String what, final long min) throws BadInputException {
        if (value < min) {
            throw new BadInputException(what + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** Prints on the client's event-loop thread; the command's thread waits on {@link #done}. */
    private static final class Printer implements FeedListener {
        final CountDownLatch done = new CountDownLatch(1);
        private final PrintWriter out;
        private final PrintWriter err;
        private final long limit;
        private final TickFormatter formatter = new TickFormatter();
        private final StringBuilder line = new StringBuilder(1024);
        private long printed;
        volatile String closedEarly;
        volatile String serverError;
        volatile int serverErrorCode;

        Printer(final PrintWriter out, final PrintWriter err, final long limit) {
            this.out = out;
            this.err = err;
            this.limit = limit;
        }

        // Holes in the stream are told on stderr, so that stdout stays one JSON tick per line.
        @Override
        public void onGapNotice(final long simulationId, final long from, final long to) {
            err.println("tickwire: ticks " + from + ".." + to + " of simulation " + simulationId
                + " skipped by the server: this reader fell behind (--policy disconnect resumes instead)");
            err.flush();
        }

        @Override
        public void onGap(final long simulationId, final long from, final long to) {
            err.println("tickwire: ticks " + from + ".." + to + " of simulation " + simulationId + " missing");
            err.flush();
        }

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            formatter.catalog(buffer, offset, length);
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            if (printed >= limit) {
                return;
            }
            line.setLength(0);
            formatter.format(buffer, offset, length, line);
            out.append(line).append('\n');
            // checkError() flushes; true once stdout is gone (piped into head): nobody reads, so stop. picocli's
            // writer wraps System.out, a PrintStream that keeps write errors to itself: ask it too.
            if (out.checkError() || System.out.checkError() || ++printed == limit) {
                done.countDown();
            }
        }

        @Override
        public void onEnd(final long simulationId, final long lastSequence) {
            done.countDown();
        }

        @Override
        public void onError(final long requestId, final int code, final String text) {
            if (done.getCount() > 0) {
                serverErrorCode = code;
                serverError = text;
                done.countDown();
            }
        }

        @Override
        public void onClose(final int statusCode, final String reason) {
            if (done.getCount() > 0) {
                closedEarly = statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason);
                done.countDown();
            }
        }
    }
}
