package io.tickwire.dist;

import io.tickwire.journal.JournalLayout;
import io.tickwire.journal.JournalReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run killed with SIGKILL at several points — during start-up (before its journal directory holds anything, and
 * as soon as it appears), and at random ticks — then {@code run --resume} continues it from its last complete tick;
 * {@code verify} finds every journal identical to its re-simulation, and its CSV export (wall-clock stamps aside)
 * equals that of an uninterrupted run of the same diagram and seed.
 */
@Timeout(600)
class ResumeAfterKillTest {
    private static final String TICKS = "1500";
    private static final String[] RUN = {"--speed", "50", "--ticks", TICKS, "--seed", "11", "--no-serve"};

    @TempDir
    Path tmp;

    @Test
    void shouldResumeARunKilledAtAnyPointToTheSameTicksAsAnUninterruptedOne() throws Exception {
        final Installation tw = Installation.unpack(tmp);
        final String diagram = tw.home.resolve("examples/mm1.yaml").toString();
        final Installation.Outcome reference = tw.tickwire(120, args("run", diagram, "--journal", "reference"));
        assertThat(reference.code()).as(reference.err()).isZero();
        final List<String> expected = csv(tw, "reference");
        assertThat(expected).hasSize(Integer.parseInt(TICKS) + 1);

        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        System.out.println("kill points drawn with seed " + seed);
        final List<Kill> kills = List.of(new Kill("before anything", 150, -2), new Kill("as the journal appears", 0, -1),
            new Kill("early", 0, 1 + random.nextInt(100)), new Kill("mid-run", 0, 300 + random.nextInt(900)));
        for (final Kill kill : kills) {
            final Path journal = tmp.resolve("killed-" + kill.name.replace(' ', '-'));
            final Installation.Running run = tw.start(args("run", diagram, "--journal", journal.toString()));
            try {
                waitFor(kill, journal, run.process);
                run.process.destroyForcibly(); // SIGKILL
                assertThat(run.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                run.close();
            }
            final long journaled = ticksIn(journal);
            System.out.println("killed " + kill.name + ": " + journaled + " ticks journaled, exit "
                + run.process.exitValue());

            final Installation.Outcome resumed = tw.tickwire(180, args("run", diagram, "--resume",
                journal.toString()));
            assertThat(resumed.code()).as(kill.name + ": " + resumed.err()).isZero();
            final Installation.Outcome verify = tw.tickwire(120, "verify", journal.toString());
            assertThat(verify.out()).as(kill.name + ": " + verify.err()).contains("identical: " + TICKS + " ticks");
            assertThat(csv(tw, journal.toString())).as(kill.name).isEqualTo(expected);
            final Installation.Outcome again = tw.tickwire(60, args("run", diagram, "--resume", journal.toString()));
            assertThat(again.code()).isEqualTo(2);
            assertThat(again.err()).contains("has ended");
        }
    }

    /** How to pick the moment: after {@code delayMs}, or once the journal appears (-1), or holds {@code ticks}. */
    private record Kill(String name, long delayMs, long ticks) {
    }

    private static void waitFor(final Kill kill, final Path journal, final Process process) throws Exception {
        if (kill.ticks == -2) {
            Thread.sleep(kill.delayMs);
            return;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (kill.ticks == -1 ? Files.exists(journal) : ticksIn(journal) >= kill.ticks) {
                return;
            }
            Thread.sleep(kill.ticks == -1 ? 1 : 5);
        }
        throw new AssertionError("the run ended (or stalled) before " + kill.name);
    }

    private static long ticksIn(final Path journal) {
        if (!JournalLayout.isJournal(journal) || !Files.isRegularFile(journal.resolve(JournalLayout.RUN_FILE))) {
            return 0;
        }
        try (JournalReader reader = JournalReader.open(journal)) {
            return reader.lastTick() + 1;
        } catch (final Exception ex) {
            return 0; // being created
        }
    }

    /** The journal as CSV, without the wall-clock column (the one thing a resumed run cannot repeat). */
    private static List<String> csv(final Installation tw, final String journal) throws Exception {
        final Installation.Outcome export = tw.tickwire(120, "export", journal, "--format", "csv");
        assertThat(export.code()).as(export.err()).isZero();
        final List<String> rows = new ArrayList<>();
        for (final String line : export.out().split("\\R")) {
            rows.add(line.substring(0, line.lastIndexOf(',')));
        }
        return rows;
    }

    private static String[] args(final String... first) {
        final String[] all = new String[first.length + RUN.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(RUN, 0, all, first.length, RUN.length);
        return all;
    }
}
