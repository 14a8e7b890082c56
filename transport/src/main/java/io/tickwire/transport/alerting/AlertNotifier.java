package io.tickwire.transport.alerting;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.TickSource;
import io.tickwire.transport.RunLauncher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Posts the runs' alerts to Alertmanagers (API v2) and webhooks, off the hot path, in the manner of Prometheus'
 * notifier (notifier/ and rules/alerting.go).
 * <pre>
 *  run 1 output ring ─► AlertListener ─┐ AlertNotice                       ┌─► Alertmanager  POST {url}/api/v2/alerts
 *  run 2 output ring ─► AlertListener ─┼─► bounded queue ─► sender thread ─┼─► Alertmanager  ...
 *  (one listener thread per run)       ┘ (full: drop oldest)  alert state  └─► webhook       POST {url} (version 4)
 *                                                              per-target queues, retries; HTTP is asynchronous
 * </pre>
 * A run's listener thread only turns an {@code AlertEvent} into an {@link AlertNotice} and offers it: it never waits
 * (a full queue drops its oldest notice, counted as dropped for every target). The sender thread keeps each alert's
 * state and gives each {@link NotificationTarget} its own bounded queue, its own batch in flight and its own retries,
 * so a dead target never delays another, nor the run.
 * <p>
 * What is sent (Prometheus' semantics):
 * <ul>
 *   <li>an alert's labels: {@code alertname} (the rule's name), {@code run} (the run's id), {@code simulation} (its
 *       name), {@code service} (when the rule reads one), then the rule's labels; annotations: the rule's, and
 *       {@code value} (the expression's value at the change) unless the rule sets one;</li>
 *   <li>to Alertmanagers: a firing alert with {@code endsAt} = now + 4 x resend delay (Prometheus' ValidUntil), sent
 *       again every resend delay while it fires, so that Alertmanager keeps it active and resolves it by itself if
 *       Tickwire goes away; a resolved alert with {@code endsAt} = its resolution, sent again every resend delay for
 *       15 minutes (Prometheus' resolvedRetention: an Alertmanager that restarted still learns of it). A run that
 *       ends stops the re-sending of its firing alerts, as a rule removed from Prometheus: Alertmanager resolves them
 *       at their endsAt;</li>
 *   <li>to webhooks: one notification per change (firing, then resolved), in Alertmanager's webhook format;</li>
 *   <li>{@code generatorURL}: the run on the dashboard, {@code {externalUrl}/?sim={id}} (and {@code &focus=} the
 *       service), where the external URL is {@link Context#externalUrl} or else the server's own
 *       ({@link #serverUrl}).</li>
 * </ul>
 * Times: see {@link AlertListener} (simulated time to the wall clock). Lifecycle: {@link #start}, then
 * {@link #listenerFactory()} in a {@link RunLauncher.Context}; {@link #close()} once the runs have ended: it delivers
 * what is queued within {@link Context#drainTimeoutMs} and drops the rest (counted).
 */
public final class AlertNotifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertNotifier.class);
    /** How long a resolved alert is re-sent to Alertmanagers: Prometheus' resolvedRetention. */
    static final long RESOLVED_RETENTION_NS = TimeUnit.MINUTES.toNanos(15);
    private static final long MAX_PARK_NS = TimeUnit.SECONDS.toNanos(1);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Context ctx;
    private final List<NotificationTarget> targets = new ArrayList<>();
    private final boolean hasAlertmanagers;
    private final ArrayBlockingQueue<AlertNotice> notices;
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final ExecutorService httpExecutor;
    private final HttpClient http;
    private final Thread sender;
    /** Alerts firing, and resolved ones still re-sent, by labels. Sender thread only. */
    private final Map<Map<String, String>, ActiveAlert> alerts = new HashMap<>();
    private volatile boolean closing;
    private volatile boolean stopped;
    private volatile String serverUrl;

    /** The answer to one POST, handed from the HTTP client's threads to the sender thread. */
    private record Answer(NotificationTarget target, int status, Throwable error) {
    }

    /** An alert the sender keeps: firing, or resolved and still re-sent. Sender thread only. */
    private static final class ActiveAlert {
        final long runId;
        final Map<String, String> labels;
        final Map<String, String> annotations;
        final long startsAtNs;
        final String generatorUrl;
        boolean resolved;
        long endsAtNs;
        long lastSentNs;
        long resolvedAtNs;

        ActiveAlert(final long runId, final Map<String, String> labels, final Map<String, String> annotations,
                    final long startsAtNs, final String generatorUrl) {
            this.runId = runId;
            this.labels = labels;
            this.annotations = annotations;
            this.startsAtNs = startsAtNs;
            this.generatorUrl = generatorUrl;
        }
    }

    /** Built, its sender not started: {@link #start} starts it (tests fill the queue first). */
    AlertNotifier(final Context ctx) {
        this.ctx = ctx.conclude();
        for (final String url : this.ctx.alertmanagers) {
            targets.add(new NotificationTarget(NotificationTarget.Kind.ALERTMANAGER, url, this.ctx));
        }
        for (final String url : this.ctx.webhooks) {
            targets.add(new NotificationTarget(NotificationTarget.Kind.WEBHOOK, url, this.ctx));
        }
        hasAlertmanagers = !this.ctx.alertmanagers.isEmpty();
        notices = new ArrayBlockingQueue<>(this.ctx.queueCapacity);
        httpExecutor = Executors.newFixedThreadPool(2, r -> {
            final Thread t = new Thread(r, "tw-alert-http-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(this.ctx.requestTimeoutMs))
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(httpExecutor)
            .build();
        sender = new Thread(this::runSender, "tw-alert-sender");
        sender.setDaemon(true);
    }

    /**
     * A notifier with its sender thread started.
     *
     * @throws IllegalArgumentException if the context is invalid (naming the setting).
     */
    public static AlertNotifier start(final Context ctx) {
        final AlertNotifier notifier = new AlertNotifier(ctx);
        notifier.startSender();
        return notifier;
    }

    void startSender() {
        sender.start();
    }

    public Context context() {
        return ctx;
    }

    /**
     * Makes each run's listener (simulations and observed runs), with the rule table {@link Context#rules} gives for
     * the run. Add it to a {@link RunLauncher.Context#listener} (or a server's {@code alertNotifier}).
     */
    public RunLauncher.ListenerFactory listenerFactory() {
        return new RunLauncher.ListenerFactory() {
            @Override
            public TickListener newListener(final Simulation simulation) {
                return newListener((TickSource)simulation);
            }

            @Override
            public TickListener newListener(final TickSource source) {
                return AlertNotifier.this.newListener(source.id(), ctx.rules.apply(source));
            }
        };
    }

    /**
     * The listener of run {@code runId}, whose {@code AlertEvent.rule} indexes {@code rules} (a rule it does not hold
     * is notified by the event's name alone).
     */
    public TickListener newListener(final long runId, final List<AlertRule> rules) {
        return new AlertListener(this, runId, rules);
    }

    /**
     * The server's own URL ({@code http://127.0.0.1:8080}): the base of generatorURL unless
     * {@link Context#externalUrl} is set. Set by the server once it listens.
     */
    public void serverUrl(final String url) {
        serverUrl = url;
    }

    /** Per target: its counters, for {@code /metrics}. Any thread. */
    public List<TargetStats> targets() {
        final List<TargetStats> stats = new ArrayList<>(targets.size());
        for (final NotificationTarget t : targets) {
            stats.add(new TargetStats(t.kind().label, t.name(), t.sent(), t.failed(), t.dropped(), t.queued()));
        }
        return stats;
    }

    List<NotificationTarget> targetList() {
        return targets;
    }

    /**
     * One target's counters, in alerts (a notification of n alerts counts n).
     *
     * @param kind   {@code alertmanager} or {@code webhook}.
     * @param target its URL as configured.
     * @param queued alerts waiting for it now.
     */
    public record TargetStats(String kind, String target, long sent, long failed, long dropped, int queued) {
    }

    /**
     * From a run's listener thread: queue {@code notice} for the sender; never waits. A full queue drops its oldest
     * notice (counted as dropped by every target).
     */
    void offer(final AlertNotice notice) {
        if (stopped) {
            countDropped(notice);
            return;
        }
        while (!notices.offer(notice)) {
            final AlertNotice oldest = notices.poll();
            if (oldest != null) {
                countDropped(oldest);
            }
        }
        LockSupport.unpark(sender);
    }

    private void countDropped(final AlertNotice notice) {
        if (notice.kind() == AlertNotice.Kind.RUN_ENDED) {
            return;
        }
        for (final NotificationTarget t : targets) {
            t.countDropped(1);
        }
    }

    /** Now on the wall clock, epoch ns. */
    long epochNanos() {
        return ctx.epochClock.getAsLong();
    }

    /**
     * Stop: deliver what is queued within {@link Context#drainTimeoutMs} (no more re-sending), drop the rest
     * (counted), stop the threads. Idempotent.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        LockSupport.unpark(sender);
        try {
            if (sender.isAlive()) {
                sender.join(ctx.drainTimeoutMs + 2_000);
            }
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        stopped = true;
        httpExecutor.shutdownNow();
    }

    private void runSender() {
        long drainDeadlineNs = 0;
        try {
            while (true) {
                final long now = System.nanoTime();
                int work = drainNotices(now);
                work += drainAnswers(now);
                long nextNs = now + MAX_PARK_NS;
                if (closing) {
                    if (drainDeadlineNs == 0) {
                        drainDeadlineNs = now + TimeUnit.MILLISECONDS.toNanos(ctx.drainTimeoutMs);
                    }
                    if (notices.isEmpty() && allIdle()) {
                        break;
                    }
                    if (now - drainDeadlineNs >= 0) {
                        stopped = true;
                        drainNotices(now);
                        for (final NotificationTarget t : targets) {
                            t.dropAll();
                        }
                        break;
                    }
                    nextNs = Math.min(nextNs, drainDeadlineNs);
                } else {
                    nextNs = Math.min(nextNs, resendDue(now));
                }
                for (final NotificationTarget t : targets) {
                    final byte[] body = t.nextBody(now, externalUrl());
                    if (body != null) {
                        post(t, body);
                        work++;
                    }
                    nextNs = Math.min(nextNs, t.nextDueNs());
                }
                if (work == 0) {
                    LockSupport.parkNanos(this, Math.max(1, nextNs - now));
                }
            }
        } catch (final RuntimeException | Error ex) {
            LOG.error("alert notifier's sender failed: no more notifications", ex);
        } finally {
            stopped = true;
        }
    }

    private boolean allIdle() {
        for (final NotificationTarget t : targets) {
            if (!t.idle()) {
                return false;
            }
        }
        return true;
    }

    private int drainNotices(final long now) {
        int n = 0;
        AlertNotice notice;
        while ((notice = notices.poll()) != null) {
            onNotice(notice, now);
            n++;
        }
        return n;
    }

    private int drainAnswers(final long now) {
        int n = 0;
        Answer a;
        while ((a = answers.poll()) != null) {
            a.target().onAnswer(a.status(), a.error(), now);
            n++;
        }
        return n;
    }

    private void onNotice(final AlertNotice notice, final long now) {
        switch (notice.kind()) {
            case FIRING -> {
                final Map<String, String> labels = labels(notice);
                final ActiveAlert a = new ActiveAlert(notice.runId(), labels, annotations(notice),
                    notice.startsAtNs(), generatorUrl(notice));
                if (hasAlertmanagers) {
                    alerts.put(labels, a);
                }
                send(a, now, true);
            }
            case RESOLVED -> {
                final Map<String, String> labels = labels(notice);
                ActiveAlert a = alerts.get(labels);
                if (a == null) { // its firing was before a resume, or dropped: resolve it all the same
                    a = new ActiveAlert(notice.runId(), labels, annotations(notice), notice.startsAtNs(),
                        generatorUrl(notice));
                }
                a.resolved = true;
                a.endsAtNs = Math.max(notice.endsAtNs(), a.startsAtNs);
                a.resolvedAtNs = now;
                if (hasAlertmanagers) {
                    alerts.put(labels, a);
                }
                send(a, now, true);
            }
            case RUN_ENDED -> alerts.values().removeIf(a -> a.runId == notice.runId() && !a.resolved);
            default -> throw new IllegalStateException("unknown notice " + notice.kind());
        }
    }

    /** Re-send what is due to the Alertmanagers; returns when the next is due. */
    private long resendDue(final long now) {
        if (alerts.isEmpty()) {
            return Long.MAX_VALUE;
        }
        final long resendNs = TimeUnit.MILLISECONDS.toNanos(ctx.resendDelayMs);
        long next = Long.MAX_VALUE;
        final var it = alerts.values().iterator();
        while (it.hasNext()) {
            final ActiveAlert a = it.next();
            if (a.resolved && now - a.resolvedAtNs > RESOLVED_RETENTION_NS) {
                it.remove();
                continue;
            }
            if (now - a.lastSentNs >= resendNs) {
                send(a, now, false);
            }
            next = Math.min(next, a.lastSentNs + resendNs);
        }
        return next;
    }

    /** Queue {@code a} to the Alertmanagers (and, for a change, the webhooks). */
    private void send(final ActiveAlert a, final long now, final boolean change) {
        a.lastSentNs = now;
        final long endsAt = a.resolved ? a.endsAtNs
            : epochNanos() + 4 * TimeUnit.MILLISECONDS.toNanos(ctx.resendDelayMs); // ValidUntil
        final AlertSnapshot snapshot = new AlertSnapshot(a.labels, a.annotations, a.startsAtNs, endsAt, a.generatorUrl,
            a.resolved);
        for (final NotificationTarget t : targets) {
            if (t.kind() == NotificationTarget.Kind.ALERTMANAGER || change) {
                t.enqueue(snapshot);
            }
        }
    }

    private void post(final NotificationTarget target, final byte[] body) {
        try {
            final HttpRequest request = HttpRequest.newBuilder(target.endpoint())
                .timeout(Duration.ofMillis(ctx.requestTimeoutMs))
                .header("Content-Type", "application/json")
                .header("User-Agent", "Tickwire")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
            http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                answers.add(new Answer(target, response == null ? -1 : response.statusCode(), error));
                LockSupport.unpark(sender);
            });
        } catch (final RuntimeException ex) {
            answers.add(new Answer(target, -1, ex));
        }
    }

    private static Map<String, String> labels(final AlertNotice n) {
        final Map<String, String> labels = new TreeMap<>();
        labels.put("run", Long.toString(n.runId()));
        labels.put("simulation", n.runName() == null ? "" : n.runName());
        if (n.service() != null) {
            labels.put("service", n.service());
        }
        if (n.rule() != null) {
            labels.putAll(n.rule().labels());
        }
        labels.put(AlertPayloads.ALERTNAME, n.alertName());
        return java.util.Collections.unmodifiableMap(labels);
    }

    private static Map<String, String> annotations(final AlertNotice n) {
        final Map<String, String> annotations = new TreeMap<>();
        if (n.rule() != null) {
            annotations.putAll(n.rule().annotations());
        }
        if (!Double.isNaN(n.value())) {
            annotations.putIfAbsent("value", value(n.value()));
        }
        return java.util.Collections.unmodifiableMap(annotations);
    }

    /** {@code 512}, {@code 0.0125}: an integral value without its {@code .0}. */
    static String value(final double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long)v) : Double.toString(v);
    }

    private String externalUrl() {
        return ctx.externalUrl != null ? ctx.externalUrl : serverUrl;
    }

    private String generatorUrl(final AlertNotice n) {
        final String base = externalUrl();
        if (base == null || base.isEmpty()) {
            return null;
        }
        final String root = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return root + "/?sim=" + n.runId()
            + (n.service() == null ? "" : "&focus=" + URLEncoder.encode(n.service(), StandardCharsets.UTF_8));
    }

    /** Configuration: fluent setters, defaults, one {@link #conclude()} that validates. */
    public static final class Context {
        public static final long DEFAULT_RESEND_DELAY_MS = 60_000;
        public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
        public static final long DEFAULT_RETRY_FOR_MS = 60_000;
        public static final int DEFAULT_MAX_ATTEMPTS = 10;
        public static final long DEFAULT_INITIAL_BACKOFF_MS = 500;
        public static final long DEFAULT_MAX_BACKOFF_MS = 30_000;
        public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
        public static final int DEFAULT_MAX_BATCH_SIZE = 64;
        public static final long DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

        private List<String> alertmanagers = new ArrayList<>();
        private List<String> webhooks = new ArrayList<>();
        private long resendDelayMs = DEFAULT_RESEND_DELAY_MS;
        private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
        private long retryForMs = DEFAULT_RETRY_FOR_MS;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private long initialBackoffMs = DEFAULT_INITIAL_BACKOFF_MS;
        private long maxBackoffMs = DEFAULT_MAX_BACKOFF_MS;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
        private long drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS;
        private String externalUrl;
        private Function<TickSource, List<AlertRule>> rules = AlertRule::of;
        private LongSupplier epochClock = () -> {
            final Instant now = Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
        private boolean concluded;

        /** Alertmanagers' base URLs ({@code http://127.0.0.1:9093}); alerts go to {@code {url}/api/v2/alerts}. */
        public Context alertmanagers(final List<String> urls) {
            this.alertmanagers = new ArrayList<>(urls);
            return this;
        }

        /** Webhook URLs, posted Alertmanager's webhook notifications as they are. */
        public Context webhooks(final List<String> urls) {
            this.webhooks = new ArrayList<>(urls);
            return this;
        }

        /** How often a firing alert is sent again to Alertmanagers (Prometheus' resend delay). Default 1 min. */
        public Context resendDelayMs(final long ms) {
            this.resendDelayMs = ms;
            return this;
        }

        /** Time limit of one POST, connecting included. Default 10 s. */
        public Context requestTimeoutMs(final long ms) {
            this.requestTimeoutMs = ms;
            return this;
        }

        /** How long a batch is retried after its first attempt, at most. Default 1 min. */
        public Context retryForMs(final long ms) {
            this.retryForMs = ms;
            return this;
        }

        /** Attempts per batch, at most. Default 10. */
        public Context maxAttempts(final int attempts) {
            this.maxAttempts = attempts;
            return this;
        }

        /** Back-off after the first failed attempt, doubled after each (with jitter). Default 500 ms. */
        public Context initialBackoffMs(final long ms) {
            this.initialBackoffMs = ms;
            return this;
        }

        /** Longest back-off. Default 30 s. */
        public Context maxBackoffMs(final long ms) {
            this.maxBackoffMs = ms;
            return this;
        }

        /** Notices the notifier's queue holds, and alerts each target's queue holds. Default 10 000. */
        public Context queueCapacity(final int capacity) {
            this.queueCapacity = capacity;
            return this;
        }

        /** Alerts per POST to an Alertmanager, at most. Default 64. */
        public Context maxBatchSize(final int size) {
            this.maxBatchSize = size;
            return this;
        }

        /** What {@link AlertNotifier#close()} waits for queued notifications, at most. Default 5 s. */
        public Context drainTimeoutMs(final long ms) {
            this.drainTimeoutMs = ms;
            return this;
        }

        /** The dashboard's URL as receivers should link it (generatorURL); default: the server's own. */
        public Context externalUrl(final String url) {
            this.externalUrl = url == null || url.isBlank() ? null : url;
            return this;
        }

        /** Each run's rule table (the diagram's {@code alerts:}, in order). Default: {@link AlertRule#of(TickSource)}. */
        public Context rules(final Function<TickSource, List<AlertRule>> rules) {
            this.rules = Objects.requireNonNull(rules, "rules");
            return this;
        }

        /** The wall clock, epoch ns (tests). */
        public Context epochClock(final LongSupplier clock) {
            this.epochClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public List<String> alertmanagers() {
            return alertmanagers;
        }

        public List<String> webhooks() {
            return webhooks;
        }

        public long resendDelayMs() {
            return resendDelayMs;
        }

        long retryForMs() {
            return retryForMs;
        }

        int maxAttempts() {
            return maxAttempts;
        }

        long initialBackoffMs() {
            return initialBackoffMs;
        }

        long maxBackoffMs() {
            return maxBackoffMs;
        }

        int queueCapacity() {
            return queueCapacity;
        }

        int maxBatchSize() {
            return maxBatchSize;
        }

        /**
         * Validate; idempotent.
         *
         * @throws IllegalArgumentException naming the setting at fault.
         */
        public Context conclude() {
            if (concluded) {
                return this;
            }
            alertmanagers = List.copyOf(alertmanagers);
            webhooks = List.copyOf(webhooks);
            for (final String url : alertmanagers) {
                checkUrl("alertmanager", url);
            }
            for (final String url : webhooks) {
                checkUrl("webhook", url);
            }
            if (externalUrl != null) {
                checkUrl("externalUrl", externalUrl);
            }
            positive("resendDelayMs", resendDelayMs);
            positive("requestTimeoutMs", requestTimeoutMs);
            positive("retryForMs", retryForMs);
            positive("maxAttempts", maxAttempts);
            positive("initialBackoffMs", initialBackoffMs);
            positive("maxBackoffMs", maxBackoffMs);
            positive("queueCapacity", queueCapacity);
            positive("maxBatchSize", maxBatchSize);
            if (drainTimeoutMs < 0) {
                throw new IllegalArgumentException("drainTimeoutMs must be >= 0, got " + drainTimeoutMs);
            }
            concluded = true;
            return this;
        }

        /** An absolute http or https URL with a host, else what is wrong. */
        public static void checkUrl(final String what, final String url) {
            final URI uri;
            try {
                uri = new URI(url);
            } catch (final java.net.URISyntaxException ex) {
                throw new IllegalArgumentException(what + ": not a URL: '" + url + "'", ex);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException(what + ": want an http:// or https:// URL with a host, got '" + url
                    + "'");
            }
        }

        private static void positive(final String name, final long value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + value);
            }
        }
    }
}
