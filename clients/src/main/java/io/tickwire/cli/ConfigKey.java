package io.tickwire.cli;

import io.tickwire.engine.WaitStrategies;
import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.JournalRetention;
import io.tickwire.transport.alerting.AlertNotifier;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every key of {@code tickwire.yaml}: its name (dotted: {@code server.port} is {@code port:} under {@code server:}),
 * its environment variable ({@code TICKWIRE_SERVER_PORT}), its default, what it means, and how its text is checked.
 * The one table of settings: {@link TickwireConfig} resolves them (defaults &lt; file &lt; environment &lt; flags),
 * {@code tickwire config} prints them, docs/configuration.md lists them (a test holds the two together).
 */
enum ConfigKey {
    SERVER_BIND("server.bind", "127.0.0.1", Kind.TEXT,
        "Address the server listens on. Anything but loopback needs server.token (or server.insecure)."),
    SERVER_PORT("server.port", "8080", Kind.PORT, "Port of REST, the feed, /metrics and the dashboard; 0: any free."),
    SERVER_TOKEN("server.token", "", Kind.SECRET,
        "Bearer token required by control, ingest, /metrics and the feed (16+ letters, digits, -._~...). "
            + "Prefer server.tokenFile: a file readable by the service only."),
    SERVER_TOKEN_FILE("server.tokenFile", "", Kind.PATH, "File holding the bearer token (first line); wins over "
        + "server.token."),
    SERVER_INSECURE("server.insecure", "false", Kind.BOOLEAN,
        "Allow a non-loopback bind without a token: anyone who reaches the port controls the server."),
    SERVER_TLS_CERTIFICATE("server.tls.certificate", "", Kind.PATH,
        "PEM certificate chain: serve HTTPS and WSS (with server.tls.privateKey)."),
    SERVER_TLS_PRIVATE_KEY("server.tls.privateKey", "", Kind.PATH, "PEM private key (PKCS#8) of the certificate."),
    SERVER_ALLOWED_HOSTS("server.allowedHosts", "", Kind.TEXT, "Names the Host header may give besides the bound "
        + "address (and localhost on loopback), comma-separated: name (any port) or name:port. Others get 421."),
    SERVER_ALLOWED_ORIGINS("server.allowedOrigins", "", Kind.TEXT, "Origins (https://dash.example.com) besides the "
        + "server's own whose pages may change state and open the feed, comma-separated. Others get 403."),
    SERVER_IO_THREADS("server.ioThreads", "0", Kind.NON_NEGATIVE_INT,
        "Netty event-loop threads; 0: twice the cores."),
    DATA_DIR("data.dir", "", Kind.PATH,
        "Data directory; empty: $TICKWIRE_DATA_DIR, else $XDG_DATA_HOME/tickwire, else ~/.local/share/tickwire."),
    JOURNAL_DIR("journal.dir", "", Kind.PATH, "Where runs journal (sim-<id>-<name>/); empty: <data.dir>/journals."),
    JOURNAL_ROLL_CYCLE("journal.rollCycle", JournalRetention.DEFAULT_ROLL_CYCLE, Kind.ROLL_CYCLE,
        "Journal file cycle: MINUTELY ... FAST_HOURLY ... DAILY."),
    JOURNAL_RETAIN("journal.retain", "", Kind.RETENTION,
        "Delete whole journal cycles older than an age (7d) or beyond a size (10GB); empty: keep all."),
    JOURNAL_MIN_FREE("journal.minFree", "64MB", Kind.SIZE, "Space a journal leaves free on its filesystem: below "
        + "it the journal ends at a tick (SimulationEnd DISK_FULL) and its run stops. At least 2MB."),
    JOURNAL_PRETOUCH("journal.pretouch", "true", Kind.BOOLEAN,
        "Touch the journal's next pages ahead of the writer on a background thread, so appends do not fault."),
    LIMITS_MAX_FRAME_PAYLOAD_BYTES("limits.maxFramePayloadBytes", "65536", Kind.POSITIVE_INT,
        "Largest WebSocket message a client may send (larger: close 1009)."),
    LIMITS_WRITE_BUFFER_HIGH_WATER_MARK("limits.writeBufferHighWaterMark", "1048576", Kind.POSITIVE_INT,
        "Outbound bytes queued per connection before it is a slow reader (conflated or closed 1008)."),
    LIMITS_MAX_CONTROL_MESSAGES_PER_SECOND("limits.maxControlMessagesPerSecond", "100", Kind.POSITIVE_INT,
        "Client messages per second per connection before it is closed (1008)."),
    LIMITS_MAX_SUBSCRIPTIONS_PER_CONNECTION("limits.maxSubscriptionsPerConnection", "64", Kind.POSITIVE_INT,
        "Simulations one feed connection may subscribe to at once."),
    LIMITS_TAIL_TICKS("limits.tailTicks", "4096", Kind.POWER_OF_TWO,
        "Recent ticks each run keeps in memory for live fan-out and resumes (a power of two)."),
    LIMITS_REPLAY_THREADS("limits.replayThreads", "2", Kind.POSITIVE_INT,
        "Threads reading journals for subscriptions resuming from before the in-memory tail."),
    LIMITS_MAX_INGEST_BODY_BYTES("limits.maxIngestBodyBytes", "8388608", Kind.POSITIVE_INT,
        "Largest ingest request body (remote-write, line protocol, JSON); larger: 413."),
    LIMITS_MAX_INGEST_DECODED_BYTES("limits.maxIngestDecodedBytes", "67108864", Kind.POSITIVE_INT,
        "Largest remote-write body once decompressed; larger: 413."),
    LIMITS_INGEST_WINDOW_BYTES("limits.ingestWindowBytes", "1048576", Kind.POSITIVE_INT,
        "WebSocket /ingest flow-control window: bytes a client may send beyond those announced consumed (more: 1008)."),
    LIMITS_MAX_RUNS("limits.maxRuns", "16", Kind.POSITIVE_INT,
        "Runs (not replays) running at once; one more POST /simulations gets 429 with Retry-After."),
    LIMITS_MAX_CONNECTIONS("limits.maxConnections", "4096", Kind.POSITIVE_INT,
        "Connections open at once; one more is answered 503 and closed."),
    LIMITS_IDLE_TIMEOUT("limits.idleTimeout", "120s", Kind.DURATION,
        "A connection with nothing read or written for this long is closed (a feed one with 1001; a subscribed one "
            + "gets heartbeats)."),
    LIMITS_REQUEST_TIMEOUT("limits.requestTimeout", "10s", Kind.DURATION,
        "An HTTP request must arrive whole within this of its first byte, else 408 and closed (slowloris)."),
    LIMITS_MAX_DIAGRAM_BYTES("limits.maxDiagramBytes", "1MB", Kind.SIZE,
        "Largest diagram POSTed to /simulations (413), checked before it is parsed."),
    LIMITS_MAX_VISITS_PER_SECOND("limits.maxVisitsPerSecond", "1e8", Kind.POSITIVE_NUMBER,
        "Work budget: service visits per simulated second a diagram may ask for (estimated from its traffic "
            + "equations before it runs; more: refused, 400 / exit 2)."),
    LIMITS_MAX_PENDING_EVENTS("limits.maxPendingEvents", "2097152", Kind.POSITIVE_LONG,
        "Requests and events a run may hold pending at once: refused before it runs if its estimate is above, ended "
            + "as OVERLOADED at run time."),
    LAYOUT_ORCHESTRATOR_CPUS("layout.orchestrator.cpus", "", Kind.CPUS, "CPUs of the orchestrator (tick clock)."),
    LAYOUT_WORKERS_CPUS("layout.workers.cpus", "", Kind.CPUS,
        "CPUs of the workers: worker i runs on the i-th (round robin)."),
    LAYOUT_WORKERS_WAIT("layout.workers.wait", "blocking", Kind.WAIT,
        "How workers wait for the next tick (the command ring): blocking, sleeping, yielding, busy-spin."),
    LAYOUT_AGGREGATOR_CPUS("layout.aggregator.cpus", "", Kind.CPUS, "CPUs of the aggregator."),
    LAYOUT_AGGREGATOR_WAIT("layout.aggregator.wait", "sleeping", Kind.WAIT,
        "How the aggregator waits for samples (the metrics ring)."),
    LAYOUT_LISTENERS_WAIT("layout.listeners.wait", "blocking", Kind.WAIT,
        "How the listener threads (journal writer, broadcaster, metrics) wait for closed ticks (the output ring)."),
    LAYOUT_JOURNAL_CPUS("layout.journal.cpus", "", Kind.CPUS, "CPUs of the journal writer."),
    LAYOUT_BROADCASTER_CPUS("layout.broadcaster.cpus", "", Kind.CPUS, "CPUs of the feed's broadcaster."),
    LAYOUT_NETTY_CPUS("layout.netty.cpus", "", Kind.CPUS, "CPUs of Netty's event loops (accept and I/O)."),
    METRICS_ENABLED("metrics.enabled", "true", Kind.BOOLEAN, "Serve GET /metrics (Prometheus)."),
    ALERTING_ALERTMANAGERS("alerting.alertmanagers", "", Kind.URLS, "Alertmanagers (base URLs, comma-separated or "
        + "a YAML list) every run's alerts are posted to: POST {url}/api/v2/alerts. --alertmanager adds one."),
    ALERTING_WEBHOOKS("alerting.webhooks", "", Kind.URLS, "Webhook URLs every run's alert changes are posted to, in "
        + "Alertmanager's webhook format (version 4). --alert-webhook adds one."),
    ALERTING_RESEND_DELAY("alerting.resendDelay", "1m", Kind.DURATION, "How often a firing alert is sent again to "
        + "the Alertmanagers; its endsAt is 4 times this ahead (Prometheus' --rules.alert.resend-delay)."),
    ALERTING_TIMEOUT("alerting.timeout", "10s", Kind.DURATION, "Time limit of one notification POST."),
    ALERTING_RETRY_FOR("alerting.retryFor", "1m", Kind.DURATION, "How long a failed notification is retried (back-off "
        + "0.5 s doubling to 30 s, with jitter; at most 10 attempts) before its alerts count as failed."),
    ALERTING_EXTERNAL_URL("alerting.externalUrl", "", Kind.URLS, "The dashboard's URL as receivers should link it "
        + "(generatorURL {url}/?sim=ID); empty: the server's own address."),
    LOG_FORMAT("log.format", "text", Kind.LOG_FORMAT, "Log lines as text, or json (one JSON object a line)."),
    LOG_LEVEL("log.level", "INFO", Kind.LOG_LEVEL, "Level of Tickwire's own loggers: ERROR, WARN, INFO, DEBUG.");

    /** How a key's text is checked; the message says what is wanted. */
    enum Kind {
        TEXT(null), SECRET(null), PATH(null), BOOLEAN("true or false"), PORT("an integer in 0..65535"),
        NON_NEGATIVE_INT("an integer >= 0"), POSITIVE_INT("an integer >= 1"), POSITIVE_LONG("an integer >= 1"),
        POSITIVE_NUMBER("a number > 0"), DURATION("a duration > 0 (500ms, 30s, 2m)"), SIZE("a size (64MB, 1GB)"), POWER_OF_TWO("a power of two >= 2"),
        ROLL_CYCLE("a roll cycle"), RETENTION("an age (7d, 12h) or a size (10GB)"),
        WAIT("one of " + String.join(", ", WaitStrategies.NAMES)), CPUS("CPU numbers and ranges, e.g. 2,4-7"),
        LOG_FORMAT("text or json"), LOG_LEVEL("one of ERROR, WARN, INFO, DEBUG, TRACE"),
        URLS("http:// or https:// URLs, comma-separated");

        final String wanted;

        Kind(final String wanted) {
            this.wanted = wanted;
        }
    }

    private static final Map<String, ConfigKey> BY_NAME;

    static {
        final Map<String, ConfigKey> byName = new LinkedHashMap<>();
        for (final ConfigKey k : values()) {
            byName.put(k.key, k);
        }
        BY_NAME = Collections.unmodifiableMap(byName);
    }

    final String key;
    final String defaultText;
    final Kind kind;
    final String description;

    ConfigKey(final String key, final String defaultText, final Kind kind, final String description) {
        this.key = key;
        this.defaultText = defaultText;
        this.kind = kind;
        this.description = description;
    }

    /** {@code server.tls.privateKey} -> {@code TICKWIRE_SERVER_TLS_PRIVATE_KEY}. */
    String env() {
        return "TICKWIRE_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
    }

    static ConfigKey of(final String key) {
        return BY_NAME.get(key);
    }

    static List<String> names() {
        return new ArrayList<>(BY_NAME.keySet());
    }

    /**
     * Check {@code text} for this key (empty text is "not set" for every optional key).
     *
     * @return null if it is fine, else what is wrong: {@code must be an integer in 0..65535, got 'x'}.
     */
    String problem(final String text) {
        if (text.isEmpty()) {
            return switch (kind) {
                case TEXT, SECRET, PATH, RETENTION, CPUS, URLS -> null;
                default -> "must be " + kind.wanted + ", got nothing";
            };
        }
        try {
            switch (kind) {
                case BOOLEAN -> {
                    if (!text.equals("true") && !text.equals("false")) {
                        return wanted(text);
                    }
                }
                case PORT -> {
                    final int p = Integer.parseInt(text);
                    if (p < 0 || p > 65_535) {
                        return wanted(text);
                    }
                }
                case NON_NEGATIVE_INT -> {
                    if (Integer.parseInt(text) < 0) {
                        return wanted(text);
                    }
                }
                case POSITIVE_INT -> {
                    if (Integer.parseInt(text) < 1) {
                        return wanted(text);
                    }
                }
                case POSITIVE_LONG -> {
                    if (Long.parseLong(text) < 1) {
                        return wanted(text);
                    }
                }
                case POSITIVE_NUMBER -> {
                    final double d = Double.parseDouble(text);
                    if (!(d > 0) || Double.isInfinite(d)) {
                        return wanted(text);
                    }
                }
                case DURATION -> {
                    if (Units.parseDurationNs(text) < 1_000_000) {
                        return wanted(text);
                    }
                }
                case SIZE -> Units.parseBytes(text);
                case POWER_OF_TWO -> {
                    final int n = Integer.parseInt(text);
                    if (n < 2 || Integer.bitCount(n) != 1) {
                        return wanted(text);
                    }
                }
                case ROLL_CYCLE -> JournalRetention.rollCycle(text);
                case RETENTION -> JournalRetention.Policy.parse(text);
                case WAIT -> {
                    if (!WaitStrategies.NAMES.contains(text)) {
                        return wanted(text);
                    }
                }
                case CPUS -> CpuSet.parse(text);
                case URLS -> {
                    for (final String url : text.split(",")) {
                        if (!url.isBlank()) {
                            AlertNotifier.Context.checkUrl("URL", url.trim());
                        }
                    }
                }
                case LOG_FORMAT -> {
                    if (!text.equals("text") && !text.equals("json")) {
                        return wanted(text);
                    }
                }
                case LOG_LEVEL -> {
                    if (!List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(text.toUpperCase(Locale.ROOT))) {
                        return wanted(text);
                    }
                }
                default -> {
                }
            }
            return null;
        } catch (final NumberFormatException ex) {
            return wanted(text);
        } catch (final IllegalArgumentException ex) {
            return ex.getMessage();
        }
    }

    private String wanted(final String text) {
        return "must be " + kind.wanted + ", got '" + text + "'";
    }
}
