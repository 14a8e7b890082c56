package io.tickwire.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The exit-code contract: 0 success, 2 bad input with one line on stderr, 1 internal failure. */
class TickwireCliTest {
    static final String EXAMPLES = "../examples/";

    @TempDir
    Path tmp;

    @Test
    void shouldValidateAGoodDiagram() {
        final Cli.Result r = Cli.execute("validate", EXAMPLES + "checkout.yaml");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("ok: checkout, 8 services, 1 load source" + System.lineSeparator());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void shouldExitTwoNamingTheFieldOfANegativeLatency() {
        final Cli.Result r = Cli.execute("validate", EXAMPLES + "bad-negative-latency.yaml");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("tickwire: ").contains("services[0].latency.mean").contains("-5ms");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void shouldExitTwoNamingAnUnknownCallTarget() {
        final Cli.Result r = Cli.execute("validate", EXAMPLES + "bad-unknown-call.yaml");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("services[1].calls[1].to").contains("biling");
    }

    @Test
    void shouldExitTwoForADiagramThatDoesNotExist() {
        for (final String command : new String[] {"validate", "run"}) {
            final Cli.Result r = Cli.execute(command, tmp.resolve("nope.yaml").toString());
            assertThat(r.code()).as(command).isEqualTo(2);
            assertThat(r.errLines()).as(command).containsExactly("tickwire: no such file: " + tmp.resolve("nope.yaml"));
        }
    }

    @Test
    void shouldValidateAgainstTheConfiguredLimitsAsRunDoes() {
        // checkout.yaml asks for thousands of visits per simulated second: fine by default, over a limit of 10.
        assertThat(Cli.execute("validate", EXAMPLES + "checkout.yaml").code()).isZero();
        for (final String command : new String[] {"validate", "run"}) {
            final Cli.Result r = Cli.execute(command, EXAMPLES + "checkout.yaml", "--set",
                "limits.maxVisitsPerSecond=10");
            assertThat(r.code()).as(command).isEqualTo(2);
            assertThat(r.err()).as(command).contains("visits");
        }
    }

    @Test
    void shouldExitTwoOnParameterErrors() {
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--speed", "fast").code()).isEqualTo(2);
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--ticks", "5", "--duration", "1s").code()).isEqualTo(2);
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--port", "1", "--no-serve").code()).isEqualTo(2);
        assertThat(Cli.execute("validate").code()).isEqualTo(2);
        assertThat(Cli.execute("frobnicate").code()).isEqualTo(2);
        assertThat(Cli.execute().code()).isEqualTo(2);

        // As main() runs it: one line, not a usage page.
        final Cli.Result r = Cli.execute(TickwireCli.commandLine(), "run", EXAMPLES + "mm1.yaml", "--speed", "fast");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("tickwire: ").contains("--speed").contains("fast");
    }

    @Test
    void shouldSayLaunchParameterProblemsInTheWordsOfTheRestApi() {
        final String journal = tmp.resolve("j").toString();
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--speed", "fast", "--journal", journal)
            .errLines()).containsExactly("tickwire: --speed must be a number > 0 or max, got 'fast'");
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--ticks", "0", "--journal", journal)
            .errLines()).containsExactly("tickwire: --ticks must be >= 1, got 0");
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--seed", "x", "--journal", journal)
            .errLines()).containsExactly("tickwire: --seed must be an integer, got 'x'");
        assertThat(Cli.execute("replay", journal, "--speed", "0").errLines())
            .containsExactly("tickwire: --speed must be a number > 0 or max, got '0'");
        assertThat(tmp.resolve("j")).doesNotExist();
    }

    @Test
    void shouldExitTwoForBadRunSettings() {
        final Path journal = tmp.resolve("j");
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--duration", "-3s", "--journal",
            journal.toString()).err()).contains("--duration");
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--wait", "spin", "--journal",
            journal.toString()).code()).isEqualTo(2);
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--workers", "0", "--journal",
            journal.toString()).code()).isEqualTo(2);
        assertThat(journal).doesNotExist();
    }

    @Test
    void shouldExitTwoForABadJournalDirectory() throws Exception {
        final Path file = Files.writeString(tmp.resolve("file"), "x");
        final Cli.Result run = Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--ticks", "1", "--journal",
            file.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.errLines()).containsExactly("tickwire: journal path is not a directory: " + file);

        final Path notEmpty = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(notEmpty.resolve("something"), "x");
        assertThat(Cli.execute("run", EXAMPLES + "mm1.yaml", "--no-serve", "--ticks", "1", "--journal",
            notEmpty.toString()).err()).startsWith("tickwire: journal directory is not empty");

        final Cli.Result missing = Cli.execute("export", tmp.resolve("none").toString(), "--format", "csv");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.errLines()).containsExactly("tickwire: no such journal: " + tmp.resolve("none"));

        final Cli.Result notJournal = Cli.execute("export", notEmpty.toString(), "--format", "csv");
        assertThat(notJournal.code()).isEqualTo(2);
        assertThat(notJournal.errLines()).hasSize(1);
        assertThat(notJournal.err()).startsWith("tickwire: not a journal: " + notEmpty);
    }

    @Test
    void shouldExitOneWhenTheFeedCannotBeReached() throws Exception {
        final int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        final Cli.Result r = Cli.execute("tail", "ws://127.0.0.1:" + port + "/feed", "--count", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("tickwire: cannot connect to ws://127.0.0.1:" + port + "/feed");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void shouldExitTwoForAFeedUrlThatIsNotWebSocket() {
        final Cli.Result r = Cli.execute("tail", "http://127.0.0.1:8080/feed");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).containsExactly("tickwire: not a feed URL (ws://host:port/feed): "
            + "http://127.0.0.1:8080/feed");
    }
}
