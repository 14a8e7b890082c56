package io.tickwire.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Absurd and malformed diagrams through the CLI: exit 2 with one line naming the field (or the line and column),
 * never a stack trace or a Java class name; and an internal failure is one line a user can read.
 */
@Timeout(60)
class BadInputCliTest {
    private static final String SHOP = """
        name: shop
        services:
          - name: api
            queue: 100
            latency: {mean: 1ms}
        load:
          - target: api
            rate: 100/s
        """;

    @TempDir
    Path tmp;

    @Test
    void shouldRefuseTwoBillionUsersNamingTheField() throws Exception {
        assertRefused(SHOP.replace("rate: 100/s", "users: 2147483647"),
            "load[0].users: must be an integer in [1, 1000000] (got 2147483647)");
    }

    @Test
    void shouldSayARateIsTooLargeRatherThanNotPositive() throws Exception {
        assertRefused(SHOP.replace("100/s", "1e2147483647/s"), "load[0].rate: rate too large: '1e2147483647/s'");
        assertRefused(SHOP.replace("100/s", "1e12/s"),
            "load[0].rate: must be at most 1e9/s, one arrival a nanosecond (got 1e12/s)");
    }

    @Test
    void shouldRefuseABooleanServiceNameWithADatabaseNamingTheField() throws Exception {
        assertRefused("""
            name: shop
            services:
              - {name: yes, latency: {mean: 1ms}, database: {latency: {mean: 1ms}}}
            load: [{target: api, rate: 1/s}]
            """, "services[0].name: must be 1-64 of letters, digits, '_', '.', '-' (got true) (and 1 more)");
    }

    @Test
    void shouldRefuseInvalidUtf8WithTheServersMessage() throws Exception {
        final Path file = tmp.resolve("latin1.yaml");
        Files.write(file, ("# caf\u00e9\n" + SHOP).getBytes(StandardCharsets.ISO_8859_1));
        final Cli.Result result = Cli.execute("validate", file.toString());
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("tickwire: " + file + ": not valid UTF-8: byte 0xE9 at line 1, column 6\n");
    }

    @Test
    void shouldRefuseAHugeNameAndAHugeCommentBeforeReadingThem() throws Exception {
        final Path name = tmp.resolve("name.yaml");
        Files.writeString(name, SHOP.replace("name: shop", "name: " + "n".repeat(10 << 20)));
        final Cli.Result byName = Cli.execute("validate", name.toString());
        assertThat(byName.code()).isEqualTo(2);
        assertThat(byName.err()).startsWith("tickwire: " + name + ": the diagram is 10240.").hasLineCount(1)
            .hasSizeLessThan(300);

        final Path comment = tmp.resolve("comment.yaml");
        try (OutputStream out = Files.newOutputStream(comment)) {
            out.write(SHOP.getBytes(StandardCharsets.UTF_8));
            out.write('#');
            final byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte)'x');
            for (int i = 0; i < 100; i++) {
                out.write(chunk);
            }
        }
        final Cli.Result byComment = Cli.execute("run", comment.toString(), "--no-serve", "--ticks", "1",
            "--journal", tmp.resolve("j").toString());
        assertThat(byComment.code()).isEqualTo(2);
        assertThat(byComment.err()).startsWith("tickwire: " + comment + ": the diagram is 102400.1 KiB")
            .hasLineCount(1);
        assertThat(tmp.resolve("j")).doesNotExist();
    }

    @Test
    void shouldCutALongValueInTheOneLine() throws Exception {
        final Cli.Result result = validate(SHOP.replace("mean: 1ms", "mean: " + "7".repeat(20_000) + "ms"));
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("…(20002 bytes)").hasSizeLessThan(300);
    }

    @Test
    void shouldSayWhatAnInternalFailureIsWithoutAJavaClassName() {
        final Cli.Result result = Cli.execute(new CommandLine(new Failing()));
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("tickwire: internal error (set TICKWIRE_DEBUG=1 for the stack trace)\n");
        final Cli.Result withMessage = Cli.execute(new CommandLine(new Failing()), "boom");
        assertThat(withMessage.err()).isEqualTo("tickwire: internal error: the boom happened "
            + "(set TICKWIRE_DEBUG=1 for the stack trace)\n");
    }

    /** A command that fails as a bug would: a NullPointerException, or an exception with a message. */
    @Command(name = "failing")
    static final class Failing extends CliCommand {
        @CommandLine.Parameters(arity = "0..1")
        String what;

        @Override
        protected int execute() {
            if (what == null) {
                throw new NullPointerException();
            }
            throw new IllegalStateException("the " + what + " happened");
        }
    }

    private Cli.Result validate(final String yaml) throws IOException {
        final Path file = Files.createTempFile(tmp, "diagram", ".yaml");
        Files.writeString(file, yaml);
        return Cli.execute("validate", file.toString());
    }

    private void assertRefused(final String yaml, final String problem) throws IOException {
        final Path file = Files.createTempFile(tmp, "diagram", ".yaml");
        Files.writeString(file, yaml);
        final Cli.Result result = Cli.execute("validate", file.toString());
        assertThat(result.code()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("tickwire: " + file + ": " + problem + "\n");
    }
}
