package io.tickwire.cli;

import io.tickwire.journal.JournalReader;
import io.tickwire.journal.test.SmallFilesystem;
import io.tickwire.sbe.EndReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tickwire run} as a real process, the way an unlucky host or an impatient user meets it: a full disk, a
 * system overloaded without bound, Ctrl-C and SIGTERM in the middle of a huge tick. Each ends in seconds with one
 * line, exit 1 (or the signal's), and a journal that reads back and verifies up to its last complete tick.
 */
@Timeout(180)
class RunProcessTest {
    /** Two cheap ticks of a second, then ticks of 5e7 visits (many seconds each, no memory: every one rejected). */
    private static final String HUGE_TICKS = """
        name: huge
        tick: 1s
        seed: 5
        services:
          - name: api
            queue: 0
            latency: {mean: 1ms}
        load:
          - {target: api, rate: 100/s, schedule: [{at: 2s, step: 5e7/s}]}
        """;

    /** ρ = 2000 with an unbounded queue: a million requests wait after half a simulated second. */
    private static final String OVERLOADED = """
        name: overloaded
        seed: 5
        services:
          - name: api
            latency: {mean: 1ms}
        load:
          - {target: api, rate: 2e6/s}
        """;

    @TempDir
    Path tmp;

    @Test
    void shouldStopCleanlyBeforeTheDiskIsFull() throws Exception {
        final Path out = tmp.resolve("out");
        final List<String> command = new ArrayList<>(SmallFilesystem.javaCommand(TickwireCli.class.getName()));
        command.addAll(List.of("run", Path.of("../examples/checkout.yaml").toAbsolutePath().toString(), "--speed",
            "max", "--duration", "100000s", "--journal", "JOURNAL", "--no-serve", "--min-free", "8MB"));
        final String script = SmallFilesystem.shell(command).replace("'JOURNAL'", "\"$SMALL_FS/j\"") + "\n"
            + "rc=$?\ncp -a \"$SMALL_FS/j\" \"$OUT/j\"\nexit $rc\n";
        Files.createDirectories(out);
        final SmallFilesystem.Outcome run = SmallFilesystem.run(tmp.resolve("small"), 32, script,
            Map.of("OUT", out.toString()), tmp, 150, null);

        assertThat(run.code()).as(run.err()).isEqualTo(1);
        final List<String> reasons = run.err().lines().filter(line -> line.startsWith("tickwire: ")).toList();
        assertThat(reasons).as(run.err()).hasSize(2); // the banner, then the reason
        assertThat(reasons.get(1)).matches("tickwire: journal .*/small/j: its filesystem has [0-9.]+ MiB free, "
            + "less than the 8.0 MiB to keep free \\(--min-free, journal.minFree\\): the run stopped at tick \\d+, where the journal "
            + "ends");
        assertThat(run.err()).doesNotContain("Exception", "InternalError", "\tat ");

        final Path journal = out.resolve("j");
        final long lastTick;
        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.endReason()).isEqualTo(EndReason.DISK_FULL);
            assertThat(reader.damage()).isNull();
            lastTick = reader.lastTick();
            assertThat(lastTick).isGreaterThan(1000);
        }
        final Cli.Result export = Cli.execute("export", journal.toString(), "--format", "csv", "--out",
            tmp.resolve("j.csv").toString());
        assertThat(export.code()).as(export.err()).isZero();
        final Cli.Result report = Cli.execute("report", journal.toString());
        assertThat(report.code()).as(report.err()).isZero();
        final Cli.Result verify = Cli.execute("verify", journal.toString());
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).isEqualTo("identical: " + (lastTick + 1) + " ticks\n");
    }

    @Test
    void shouldEndAnOverloadedRunWithOneLineInsteadOfRunningOutOfMemory() throws Exception {
        final Path diagram = Files.writeString(tmp.resolve("overloaded.yaml"), OVERLOADED);
        final Path journal = tmp.resolve("j");
        final List<String> command = new ArrayList<>(SmallFilesystem.javaCommand(TickwireCli.class.getName()));
        command.add(1, "-Xmx384m");
        command.addAll(List.of("run", diagram.toString(), "--speed", "max", "--journal", journal.toString(),
            "--no-serve"));
        final Processes.Outcome run = Processes.run(command, tmp, 150);

        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).doesNotContain("OutOfMemoryError", "Exception", "\tat ");
        assertThat(run.err().lines().filter(line -> line.startsWith("tickwire: ")).toList()).last().asString()
            .matches("tickwire: the run stopped at tick \\d+: more than 2097152 requests and events pending at once "
                + "\\(a service overloaded, with an unbounded queue\\?\\); the journal ends there");
        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.endReason()).isEqualTo(EndReason.OVERLOADED);
            assertThat(reader.lastTick()).isGreaterThanOrEqualTo(0);
        }
        final Cli.Result verify = Cli.execute("verify", journal.toString());
        assertThat(verify.code()).as(verify.err()).isZero();
    }

    @Test
    void shouldHonourCtrlCInTheMiddleOfAHugeTick() throws Exception {
        stopInTheMiddleOfAHugeTick("INT", 130);
    }

    @Test
    void shouldHonourSigtermInTheMiddleOfAHugeTick() throws Exception {
        stopInTheMiddleOfAHugeTick("TERM", 143);
    }

    private void stopInTheMiddleOfAHugeTick(final String signal, final int exitCode) throws Exception {
        final Path diagram = Files.writeString(tmp.resolve("huge.yaml"), HUGE_TICKS);
        final Path journal = tmp.resolve("j-" + signal);
        final List<String> command = new ArrayList<>(SmallFilesystem.javaCommand(TickwireCli.class.getName()));
        command.addAll(List.of("run", diagram.toString(), "--speed", "max", "--journal", journal.toString(),
            "--no-serve"));
        final Process child = new ProcessBuilder(command).directory(tmp.toFile())
            .redirectOutput(tmp.resolve("out-" + signal).toFile()).start();
        final StringBuilder err = new StringBuilder();
        final CompletableFuture<Void> inTick2 = new CompletableFuture<>();
        final Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (err) {
                        err.append(line).append('\n');
                    }
                    if (line.startsWith("tick 2 ")) {
                        inTick2.complete(null); // ticks 0 and 1 closed, tick 2 (5e7 visits) in progress
                    }
                }
            } catch (final java.io.IOException ex) {
                inTick2.completeExceptionally(ex);
            }
        });
        reader.start();
        try {
            inTick2.get(60, TimeUnit.SECONDS);
            final long signalled = System.nanoTime();
            // kill(1) rather than Process.destroy(), which sends SIGTERM but also closes our end of its stderr.
            assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).start().waitFor())
                .isZero();
            // Before, the stop waited for tick 2 and every tick issued after it: minutes.
            assertThat(child.waitFor(15, TimeUnit.SECONDS)).as("exited; stderr:%n%s", err).isTrue();
            System.out.printf("SIG%s: exited %.2f s after the signal%n", signal,
                (System.nanoTime() - signalled) / 1e9);
            assertThat(child.exitValue()).isEqualTo(exitCode);
        } finally {
            child.destroyForcibly();
            reader.join(5_000);
        }
        synchronized (err) {
            assertThat(err.toString()).contains("stopping:").doesNotContain("Exception", "\tat ");
        }
        try (JournalReader journaled = JournalReader.open(journal)) {
            assertThat(journaled.endReason()).isEqualTo(EndReason.STOPPED);
            assertThat(journaled.lastTick()).isEqualTo(1);
        }
        final Cli.Result verify = Cli.execute("verify", journal.toString());
        assertThat(verify.out()).isEqualTo("identical: 2 ticks\n");
    }
}
