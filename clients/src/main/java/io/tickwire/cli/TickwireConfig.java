package io.tickwire.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tickwire.engine.diagram.DiagramLimits;
import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.JournalRetention;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The effective configuration: every {@link ConfigKey} with its value and where that value came from, resolved
 * once with the precedence <b>defaults &lt; {@code tickwire.yaml} &lt; {@code TICKWIRE_*} environment &lt;
 * flags</b>, every value checked ({@link BadInputException} naming the key and, for the file, {@code file:line}).
 * Typed getters read it; {@code tickwire config} prints it with the origins.
 * <p>
 * The file: {@code --config FILE}, else {@code $TICKWIRE_CONFIG}, else {@code $TICKWIRE_HOME/conf/tickwire.yaml}
 * when it exists (the distribution's), else none.
 */
final class TickwireConfig {
    static final String CONFIG_ENV = "TICKWIRE_CONFIG";

    /** A value and where it came from: {@code default}, {@code file:line}, {@code env NAME}, {@code flag --x}. */
    record Value(String text, String origin) {
    }

    private final Map<ConfigKey, Value> values;
    private final Path file;

    private TickwireConfig(final Map<ConfigKey, Value> values, final Path file) {
        this.values = values;
        this.file = file;
    }

    /**
     * Resolve the configuration.
     *
     * @param configFile {@code --config}, or null to look for one.
     * @param env        the environment ({@code System.getenv()}).
     * @param flags      values given by flags, by key, with the flag's name as origin (may be empty).
     * @throws BadInputException naming the key (and file:line) of a bad or unknown value.
     */
    static TickwireConfig resolve(final Path configFile, final Map<String, String> env,
                                  final Map<ConfigKey, Value> flags) throws BadInputException {
        final Map<ConfigKey, Value> values = new EnumMap<>(ConfigKey.class);
        for (final ConfigKey k : ConfigKey.values()) {
            values.put(k, new Value(k.defaultText, "default"));
        }
        final Path file = findFile(configFile, env);
        if (file != null) {
            readFile(file, values);
        }
        for (final ConfigKey k : ConfigKey.values()) {
            final String v = env.get(k.env());
            if (v != null) {
                put(values, k, new Value(v.trim(), "env " + k.env()));
            }
        }
        for (final Map.Entry<ConfigKey, Value> f : flags.entrySet()) {
            put(values, f.getKey(), f.getValue());
        }
        final TickwireConfig config = new TickwireConfig(values, file);
        config.check();
        return config;
    }

    /** Defaults, this process's environment and the file found as described: for commands with no flags of it. */
    static TickwireConfig fromEnvironment(final Path configFile) throws BadInputException {
        return resolve(configFile, System.getenv(), Map.of());
    }

    private static Path findFile(final Path configFile, final Map<String, String> env) throws BadInputException {
        Path file = configFile;
        if (file == null && env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank()) {
            file = Paths.get(env.get(CONFIG_ENV));
        }
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new BadInputException("no such configuration file: " + file);
            }
            return file.toAbsolutePath().normalize();
        }
        final String home = env.get("TICKWIRE_HOME");
        if (home != null && !home.isBlank()) {
            final Path shipped = Paths.get(home, "conf", "tickwire.yaml");
            if (Files.isRegularFile(shipped)) {
                return shipped.toAbsolutePath().normalize();
            }
        }
        return null;
    }

    private static void put(final Map<ConfigKey, Value> values, final ConfigKey key, final Value value)
        throws BadInputException {
        final String problem = key.problem(value.text());
        if (problem != null) {
            throw new BadInputException(key.key + ": " + problem + " (" + value.origin() + ")");
        }
        values.put(key, value);
    }

    /**
     * The file's scalars by dotted path, each with its line: a YAML map of maps; a list of scalars is joined with
     * commas ({@code cpus: [2, 3]} is {@code 2,3}).
     */
    private static void readFile(final Path file, final Map<ConfigKey, Value> values) throws BadInputException {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final IOException ex) {
            throw new BadInputException("cannot read configuration " + file + ": " + ex.getMessage(), ex);
        }
        final Deque<String> path = new ArrayDeque<>();
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            if (p.nextToken() == null) {
                return; // an empty file: all defaults
            }
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new BadInputException("configuration " + file + ": expected a map of settings ("
                    + file + ":" + line(p.currentLocation()) + ")");
            }
            String field = null;
            StringJoiner list = null;
            int listLine = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case FIELD_NAME -> field = p.currentName();
                    case START_OBJECT -> {
                        path.addLast(field);
                        field = null;
                    }
                    case END_OBJECT -> {
                        if (!path.isEmpty()) {
                            path.removeLast();
                        }
                    }
                    case START_ARRAY -> {
                        list = new StringJoiner(",");
                        listLine = line(p.currentLocation());
                    }
                    case END_ARRAY -> {
                        set(values, file, join(path, field), list.toString(), listLine);
                        list = null;
                    }
                    default -> {
                        final String scalar = t == JsonToken.VALUE_NULL ? "" : p.getText();
                        if (list != null) {
                            list.add(scalar);
                        } else {
                            set(values, file, join(path, field), scalar, line(p.currentLocation()));
                        }
                    }
                }
            }
        } catch (final IOException ex) {
            throw new BadInputException("configuration " + file + " is not valid YAML: "
                + CliCommand.oneLine(ex.getMessage()), ex);
        }
    }

    private static void set(final Map<ConfigKey, Value> values, final Path file, final String dotted,
                            final String text, final int line) throws BadInputException {
        final ConfigKey key = ConfigKey.of(dotted);
        final String where = file + ":" + line;
        if (key == null) {
            throw new BadInputException("unknown configuration key '" + dotted + "' (" + where + "); keys: see "
                + "docs/configuration.md or tickwire config");
        }
        put(values, key, new Value(text.trim(), where));
    }

    private static String join(final Deque<String> path, final String field) {
        final StringJoiner j = new StringJoiner(".");
        path.forEach(j::add);
        j.add(field);
        return j.toString();
    }

    private static int line(final JsonLocation location) {
        return location.getLineNr();
    }

    /** Checks across keys. */
    private void check() throws BadInputException {
        if (text(ConfigKey.SERVER_TLS_CERTIFICATE).isEmpty() != text(ConfigKey.SERVER_TLS_PRIVATE_KEY).isEmpty()) {
            throw new BadInputException("server.tls.certificate and server.tls.privateKey go together ("
                + origin(ConfigKey.SERVER_TLS_CERTIFICATE) + ", " + origin(ConfigKey.SERVER_TLS_PRIVATE_KEY) + ")");
        }
        for (final ConfigKey k : new ConfigKey[] {ConfigKey.SERVER_TLS_CERTIFICATE, ConfigKey.SERVER_TLS_PRIVATE_KEY,
            ConfigKey.SERVER_TOKEN_FILE}) {
            final Path p = path(k);
            if (p != null && !Files.isReadable(p)) {
                throw new BadInputException(k.key + ": cannot read " + p + " (" + origin(k) + ")");
            }
        }
    }

    /** {@code base} with {@code overrides} (by a command from its own flags), checked as the rest. */
    static TickwireConfig override(final TickwireConfig base, final Map<ConfigKey, String> overrides)
        throws BadInputException {
        final Map<ConfigKey, Value> values = new EnumMap<>(base.values);
        for (final Map.Entry<ConfigKey, String> e : overrides.entrySet()) {
            put(values, e.getKey(), new Value(e.getValue(), "flag"));
        }
        final TickwireConfig config = new TickwireConfig(values, base.file);
        config.check();
        return config;
    }

    Map<ConfigKey, Value> values() {
        return values;
    }

    /** The file read, or null. */
    Path file() {
        return file;
    }

    String text(final ConfigKey key) {
        return values.get(key).text();
    }

    String origin(final ConfigKey key) {
        return values.get(key).origin();
    }

    int integer(final ConfigKey key) {
        return Integer.parseInt(text(key));
    }

    long longValue(final ConfigKey key) {
        return Long.parseLong(text(key));
    }

    double number(final ConfigKey key) {
        return Double.parseDouble(text(key));
    }

    /** A duration key, in milliseconds. */
    long millis(final ConfigKey key) {
        return Units.parseDurationNs(text(key)) / 1_000_000;
    }

    /** A size key, in bytes. */
    long bytes(final ConfigKey key) {
        return Units.parseBytes(text(key));
    }

    /** What a diagram may ask for: limits.maxDiagramBytes, limits.maxVisitsPerSecond, limits.maxPendingEvents. */
    DiagramLimits diagramLimits() {
        return DiagramLimits.DEFAULT
            .withMaxBytes(bytes(ConfigKey.LIMITS_MAX_DIAGRAM_BYTES))
            .withMaxVisitsPerSecond(number(ConfigKey.LIMITS_MAX_VISITS_PER_SECOND))
            .withMaxPendingEvents(longValue(ConfigKey.LIMITS_MAX_PENDING_EVENTS));
    }

    /** A comma-separated key (a YAML list is read as one), its items trimmed; empty if unset. */
    List<String> list(final ConfigKey key) {
        final List<String> items = new ArrayList<>();
        for (final String item : text(key).split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    boolean bool(final ConfigKey key) {
        return Boolean.parseBoolean(text(key));
    }

    /** A path key, or null if unset. */
    Path path(final ConfigKey key) {
        final String t = text(key);
        return t.isEmpty() ? null : Paths.get(t).toAbsolutePath().normalize();
    }

    CpuSet cpus(final ConfigKey key) {
        return CpuSet.parse(text(key));
    }

    /** {@code data.dir}, else {@link DataDirectory}'s default. */
    Path dataDir() {
        final Path p = path(ConfigKey.DATA_DIR);
        return p != null ? p : DataDirectory.root();
    }

    /** {@code journal.dir}, else {@code <data.dir>/journals}. */
    Path journalDir() {
        final Path p = path(ConfigKey.JOURNAL_DIR);
        return p != null ? p : dataDir().resolve(DataDirectory.JOURNALS);
    }

    JournalRetention.Policy retention() {
        final String t = text(ConfigKey.JOURNAL_RETAIN);
        return t.isEmpty() ? JournalRetention.Policy.KEEP_ALL : JournalRetention.Policy.parse(t);
    }

    /** The bearer token: the first line of server.tokenFile, else server.token; null if neither. */
    String token() throws BadInputException {
        final Path file = path(ConfigKey.SERVER_TOKEN_FILE);
        if (file != null) {
            try {
                final String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
                return first.trim().isEmpty() ? null : first.trim();
            } catch (final IOException ex) {
                throw new BadInputException("server.tokenFile: cannot read " + file + ": " + ex.getMessage(), ex);
            }
        }
        final String t = text(ConfigKey.SERVER_TOKEN);
        return t.isEmpty() ? null : t;
    }

    /** Every key as {@code key = value  (origin)}, secrets masked, in the table's order. */
    Map<String, String[]> describe() {
        final Map<String, String[]> rows = new LinkedHashMap<>();
        for (final ConfigKey k : ConfigKey.values()) {
            final Value v = values.get(k);
            final String shown = k.kind == ConfigKey.Kind.SECRET && !v.text().isEmpty() ? "********" : v.text();
            rows.put(k.key, new String[] {shown, v.origin()});
        }
        return rows;
    }
}
