package io.tickwire.cli;

import io.tickwire.journal.test.SmallFilesystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The diagram fuzzer: a seeded corpus of mutations of every example and documented diagram — lines deleted,
 * duplicated, re-indented or cut; values swapped for absurd numbers, rates and durations, for other types, for huge
 * or unicode text; raw bytes that are not UTF-8; YAML's own traps (aliases, deep nesting, tabs). Every case must end
 * as {@code tickwire validate} exit 0, or exit 2 with one line naming a field path or a line and column — never exit
 * 1, a stack trace, or more than a few seconds. The valid ones are then run for two ticks. A handful go through a
 * real process too.
 */
@Timeout(600)
class DiagramFuzzTest {
    private static final long SEED = 20_261_203L;
    private static final int MUTANTS_PER_SEED = 45;
    /** A refusal names where: {@code services[2].latency.mean: ...}, or a line and column, or the whole input. */
    private static final Pattern FIELD_PATH = Pattern.compile("^[^\\s:\\[\\]]+(?:\\[\\d+\\])*(?:\\.[^\\s:\\[\\]]+"
        + "(?:\\[\\d+\\])*)*: \\S.*");
    private static final Pattern LINE_COLUMN = Pattern.compile(".* at line \\d+, column \\d+.*");
    /** A key the format does not know is named as written, spaces and all: {@code [services[0].]key: unknown...}. */
    private static final Pattern UNKNOWN_FIELD = Pattern.compile(".+: unknown field \\(expected one of \\[.*");
    private static final List<String> WHOLE_INPUT = List.of("a diagram is a mapping with name, services and load",
        "the diagram is ");
    /** A case slower than this would hang a user: a hang detector, far above what any case takes. */
    private static final long SLOW_NS = 10_000_000_000L;

    private static final String[] ABSURD_NUMBERS = {"0", "-1", "2147483647", "-2147483648", "9223372036854775807",
        "99999999999999999999999", "1e308", "1.7976931348623157e308", "1e2147483647", "-1e2147483647", "1e-400",
        ".inf", "-.inf", ".nan", "0x7fffffff", "0.0000000001", "-0"};
    private static final String[] ABSURD_UNITS = {"1e12/s", "1/ns", "1e300/s", "1e2147483647/s", "0/s", "-5/s",
        "1e300ms", "99999999999999999999h", "-5ms", "0ns", "1e-30s", "5parsecs", "NaNms", "1e12GB", "1e12GB/day",
        "5", "/s", "ms"};
    private static final String[] OTHER_TYPES = {"[1, 2]", "{a: 1}", "null", "~", "yes", "no", "true", "''", "\"\"",
        "[]", "{}", "!!binary AAAA", "&anchor 1", "*unknown", "'5ms'", "- x"};
    private static final String[] UNICODE = {"é", "\u0000", "\u202e", "\uFEFF", "😀", "\u00a0", "名前", "\t",
        "\u2028", "\uD800"};

    @TempDir
    Path tmp;

    @Test
    void shouldRefuseEveryMutantWithAFieldPathOrAccept() throws Exception {
        final Map<String, String> seeds = seeds();
        final Random random = new Random(SEED);
        final List<byte[]> cases = new ArrayList<>();
        final List<String> labels = new ArrayList<>();
        for (final Map.Entry<String, String> seed : seeds.entrySet()) {
            for (int m = 0; m < MUTANTS_PER_SEED; m++) {
                final StringBuilder how = new StringBuilder();
                cases.add(mutate(seed.getValue(), random, how));
                labels.add(seed.getKey() + " #" + m + " (" + how + ")");
            }
        }
        cases.addAll(traps());
        for (int t = 0; labels.size() < cases.size(); t++) {
            labels.add("trap #" + t);
        }
        assertThat(cases).hasSizeGreaterThan(300);

        int accepted = 0;
        int refused = 0;
        final Map<String, Integer> firstWords = new LinkedHashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            final Path file = tmp.resolve("case-" + i + ".yaml");
            Files.write(file, cases.get(i));
            final String label = labels.get(i) + " in " + file;
            final long start = System.nanoTime();
            final Cli.Result result = Cli.execute("validate", file.toString());
            final long took = System.nanoTime() - start;
            assertThat(took).as("%s took %d ms", label, took / 1_000_000).isLessThan(SLOW_NS);
            assertThat(result.err()).as(label).doesNotContain("\tat ", "Exception", "Error:");
            if (result.code() == 0) {
                accepted++;
                runTwoTicks(file, label);
                continue;
            }
            assertThat(result.code()).as("%s: %s", label, result.err()).isEqualTo(2);
            assertThat(result.errLines()).as(label).hasSize(1);
            final String prefix = "tickwire: " + file + ": ";
            assertThat(result.err()).as(label).startsWith(prefix);
            final String problem = result.err().substring(prefix.length()).strip();
            assertThat(FIELD_PATH.matcher(problem).matches() || LINE_COLUMN.matcher(problem).matches()
                || UNKNOWN_FIELD.matcher(problem).matches()
                || WHOLE_INPUT.stream().anyMatch(problem::startsWith)).as("%s: names no field: %s", label, problem)
                .isTrue();
            assertThat(problem.length()).as("%s: a readable line", label).isLessThan(600);
            refused++;
            firstWords.merge(problem.replaceAll("[:\\[ ].*", ""), 1, Integer::sum);
        }
        System.out.printf("diagram fuzz: %d cases, %d accepted (each run for 2 ticks), %d refused; refusals by "
            + "field: %s%n", cases.size(), accepted, refused, firstWords);
        assertThat(accepted).isPositive();
        assertThat(refused).isPositive();
    }

    @Test
    void shouldAnswerAHandfulOfMutantsTheSameThroughARealProcess() throws Exception {
        final Random random = new Random(SEED + 1);
        final List<String> texts = new ArrayList<>(seeds().values());
        for (int i = 0; i < 6; i++) {
            final byte[] mutant = mutate(texts.get(i % texts.size()), random, new StringBuilder());
            final Path file = tmp.resolve("process-" + i + ".yaml");
            Files.write(file, mutant);
            final Cli.Result inProcess = Cli.execute("validate", file.toString());
            final List<String> command = new ArrayList<>(SmallFilesystem.javaCommand(TickwireCli.class.getName()));
            command.add("validate");
            command.add(file.toString());
            final Processes.Outcome process = Processes.run(command, tmp, 60);
            assertThat(process.code()).as(process.err()).isEqualTo(inProcess.code()).isIn(0, 2);
            assertThat(process.err().lines().filter(l -> l.startsWith("tickwire: ")).toList())
                .containsExactlyElementsOf(inProcess.err().lines().toList());
            assertThat(process.err()).doesNotContain("\tat ", "Exception");
        }
    }

    /** A diagram that validates runs: two ticks, no journal left behind, exit 0 (or 1 only for an overload). */
    private void runTwoTicks(final Path file, final String label) throws Exception {
        final Path journal = Files.createTempDirectory(tmp, "journal");
        final long start = System.nanoTime();
        final Cli.Result run = Cli.execute("run", file.toString(), "--ticks", "2", "--speed", "max", "--no-serve",
            "--journal", journal.toString(), "--min-free", "2MB");
        final long took = System.nanoTime() - start;
        assertThat(took).as("%s: run took %d ms", label, took / 1_000_000).isLessThan(SLOW_NS);
        assertThat(run.code()).as("%s: %s", label, run.err()).isZero();
        assertThat(run.err()).as(label).doesNotContain("\tat ", "Exception");
    }

    /** Every example, the benchmark's scenario, and every whole diagram of docs/diagram.md. */
    private static Map<String, String> seeds() throws Exception {
        final Map<String, String> seeds = new LinkedHashMap<>();
        try (var files = Files.list(Path.of("../examples"))) {
            for (final Path f : files.sorted().toList()) {
                seeds.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        seeds.put("scale100.yaml", Files.readString(Path.of("../bench/scenarios/scale100.yaml")));
        final Matcher blocks = Pattern.compile("```yaml\n(name: .*?)```", Pattern.DOTALL)
            .matcher(Files.readString(Path.of("../docs/diagram.md")));
        for (int i = 0; blocks.find(); i++) {
            seeds.put("diagram.md block " + i, blocks.group(1));
        }
        seeds.put("closed and scheduled", """
            name: mixed
            tick: 10ms
            services:
              - {name: web, replicas: 2, concurrency: 4, queue: 50, latency: {distribution: erlang, mean: 2ms, k: 3},
                 calls: [{to: auth, mode: sync, timeout: 20ms, retry: {attempts: 2, backoff: 1ms}}]}
              - {name: auth, latency: {distribution: empirical, points: {p50: 1ms, p99: 8ms, p100: 20ms}}}
            load:
              - {target: web, rate: 200/s, schedule: [{at: 1s, ramp: 400/s, over: 2s}, {at: 5s, spike: 900/s, for: 1s}],
                 diurnal: {period: 10s, amplitude: 0.3}}
              - {name: people, target: web, users: 20, think: 50ms}
            """);
        return seeds;
    }

    private static byte[] mutate(final String text, final Random random, final StringBuilder how) {
        final List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        final int rounds = 1 + random.nextInt(3);
        byte[] raw = null;
        for (int r = 0; r < rounds; r++) {
            final int at = random.nextInt(lines.size());
            final String line = lines.get(at);
            final int op = random.nextInt(12);
            how.append(how.isEmpty() ? "" : ", ");
            switch (op) {
                case 0 -> {
                    lines.remove(at);
                    how.append("delete line ").append(at + 1);
                    if (lines.isEmpty()) {
                        lines.add("");
                    }
                }
                case 1 -> {
                    lines.add(at, line);
                    how.append("duplicate line ").append(at + 1);
                }
                case 2 -> {
                    lines.set(at, replaceValue(line, pick(random, ABSURD_NUMBERS)));
                    how.append("absurd number at line ").append(at + 1);
                }
                case 3 -> {
                    lines.set(at, replaceValue(line, pick(random, ABSURD_UNITS)));
                    how.append("absurd unit at line ").append(at + 1);
                }
                case 4 -> {
                    lines.set(at, replaceValue(line, pick(random, OTHER_TYPES)));
                    how.append("other type at line ").append(at + 1);
                }
                case 5 -> {
                    final int col = line.isEmpty() ? 0 : random.nextInt(line.length() + 1);
                    lines.set(at, line.substring(0, col) + pick(random, UNICODE) + line.substring(col));
                    how.append("unicode at line ").append(at + 1);
                }
                case 6 -> {
                    lines.set(at, replaceValue(line, "a".repeat(1 + random.nextInt(200_000))));
                    how.append("huge value at line ").append(at + 1);
                }
                case 7 -> {
                    lines.set(at, (random.nextBoolean() ? "  " : "") + line.stripLeading());
                    how.append("re-indent line ").append(at + 1);
                }
                case 8 -> {
                    lines.set(at, line.replaceFirst("([a-z])([a-z]*):", "$1x$2:"));
                    how.append("misspell a key at line ").append(at + 1);
                }
                case 9 -> {
                    final String joined = String.join("\n", lines);
                    final int cut = random.nextInt(joined.length() + 1);
                    lines.clear();
                    lines.addAll(List.of(joined.substring(0, cut).split("\n", -1)));
                    how.append("cut at byte ").append(cut);
                }
                case 10 -> {
                    lines.set(at, line.replaceFirst("(\\d+)", "$1$1$1$1$1$1$1$1$1$1"));
                    how.append("long number at line ").append(at + 1);
                }
                default -> {
                    raw = new byte[] {(byte)0xC3, (byte)0x28, (byte)0xFF};
                    how.append("bytes not UTF-8 after line ").append(at + 1);
                    lines.add(at + 1, "#");
                }
            }
        }
        final byte[] text2 = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        if (raw == null) {
            return text2;
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(text2);
        out.writeBytes(raw);
        return out.toByteArray();
    }

    /** A line {@code key: value} with another value (or the line itself after its dash or colon). */
    private static String replaceValue(final String line, final String value) {
        final int colon = line.indexOf(": ");
        if (colon >= 0) {
            return line.substring(0, colon + 2) + value;
        }
        return line + " " + value;
    }

    private static <T> T pick(final Random random, final T[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** YAML's own traps, and inputs a parser may choke on. */
    private static List<byte[]> traps() {
        final List<String> traps = new ArrayList<>();
        traps.add("""
            a: &a ["x","x","x","x","x","x","x","x","x"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            name: laughs
            """);
        traps.add("name: deep\nservices: " + "[".repeat(5_000) + "]".repeat(5_000) + "\n");
        traps.add("{\"name\": \"deep\", \"services\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}");
        traps.add("name: tabs\nservices:\n\t- name: api\n");
        traps.add("--- \nname: one\n---\nname: two\n");
        traps.add("");
        traps.add("\uFEFF");
        traps.add("name: " + "x".repeat(1 << 20));
        traps.add("!!java.lang.Runtime {}");
        traps.add("name: shop\nservices: [{name: api, latency: {mean: 1ms}}]\nload: [{target: api, rate: 1/s}]\n"
            + "partitions: 99999999999999999999999999999\n");
        traps.add("name: shop\nservices: [{name: api, latency: {mean: 1ms}}]\nload: [{target: api, rate: 1/s}]\n"
            + "seed: 1e400\n");
        traps.add("name: shop\nservices: [{name: api, latency: {mean: 1ms}}]\nload: [{target: api, rate: "
            + "1" + "0".repeat(5_000) + "}]\n");
        final List<byte[]> bytes = new ArrayList<>();
        for (final String trap : traps) {
            bytes.add(trap.getBytes(StandardCharsets.UTF_8));
        }
        bytes.add(new byte[] {'n', 'a', 'm', 'e', ':', ' ', (byte)0xED, (byte)0xA0, (byte)0x80, '\n'});
        return bytes;
    }
}
