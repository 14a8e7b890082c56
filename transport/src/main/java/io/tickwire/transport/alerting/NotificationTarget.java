package io.tickwire.transport.alerting;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One receiver of notifications (an Alertmanager or a webhook) and its own delivery state: a bounded queue of alerts
 * (full: the oldest dropped, counted), at most one batch in flight, and that batch's retries. A slow or dead target
 * holds up its own queue only. State is confined to the notifier's sender thread; the counters are read by
 * {@code /metrics} from any thread.
 * <p>
 * Retries: a batch that fails (no connection, a timeout, 408, 429 or 5xx) is sent again after an exponential
 * back-off with jitter — attempt n waits {@code min(maxBackoff, initialBackoff x 2^(n-1))}, half of it fixed and half
 * random ("equal jitter") — until it is delivered, or it has been tried {@code maxAttempts} times, or
 * {@code retryFor} has passed since its first attempt: then its alerts count as failed. Any other 4xx is not retried
 * (the receiver refused the alerts). Every alert of a batch counts: sent, failed or dropped.
 */
final class NotificationTarget {
    private static final Logger LOG = LoggerFactory.getLogger(NotificationTarget.class);

    /** What the target speaks. */
    enum Kind {
        ALERTMANAGER("alertmanager"), WEBHOOK("webhook");

        final String label;

        Kind(final String label) {
            this.label = label;
        }
    }

    private final Kind kind;
    private final String name;
    private final URI endpoint;
    private final AlertNotifier.Context ctx;
    private final ArrayDeque<AlertSnapshot> queue = new ArrayDeque<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private volatile int queued;
    // The batch being delivered (sender thread only).
    private List<AlertSnapshot> batch;
    private byte[] body;
    private int attempts;
    private long firstAttemptNs;
    private long nextAttemptNs;
    private boolean inFlight;

    /**
     * @param name the URL as configured (the {@code target} label of its counters).
     */
    NotificationTarget(final Kind kind, final String name, final AlertNotifier.Context ctx) {
        this.kind = kind;
        this.name = name;
        this.ctx = ctx;
        this.endpoint = kind == Kind.ALERTMANAGER ? alertmanagerEndpoint(name) : URI.create(name);
    }

    /** {@code {url}/api/v2/alerts}, unless the URL already names that path. */
    static URI alertmanagerEndpoint(final String url) {
        final String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return URI.create(base.endsWith("/api/v2/alerts") ? base : base + "/api/v2/alerts");
    }

    Kind kind() {
        return kind;
    }

    /** The URL as configured. */
    String name() {
        return name;
    }

    URI endpoint() {
        return endpoint;
    }

    /** Alerts delivered (a 2xx answer). */
    long sent() {
        return sent.get();
    }

    /** Alerts given up on: retries exhausted, or refused (4xx). */
    long failed() {
        return failed.get();
    }

    /** Alerts dropped unsent: from a full queue (this target's or the notifier's), or left at close. */
    long dropped() {
        return dropped.get();
    }

    /** Attempts that failed (refused, timed out, or a status other than 2xx), retried or not. */
    long failedAttempts() {
        return failedAttempts.get();
    }

    /** Alerts waiting for this target, not counting the batch in flight. */
    int queued() {
        return queued;
    }

    /** Counted from the listener threads, for a notice the notifier's full queue dropped. */
    void countDropped(final long alerts) {
        dropped.addAndGet(alerts);
    }

    /** Queue {@code alert}; a full queue drops its oldest. Sender thread. */
    void enqueue(final AlertSnapshot alert) {
        if (queue.size() >= ctx.queueCapacity()) {
            queue.pollFirst();
            dropped.incrementAndGet();
        }
        queue.addLast(alert);
        queued = queue.size();
    }

    /** Nothing queued, in flight or waiting for a retry. */
    boolean idle() {
        return batch == null && queue.isEmpty();
    }

    /**
     * The body to post now, or null if there is none (nothing to send, a batch in flight, or its retry not yet due);
     * marks it in flight. Sender thread.
     */
    byte[] nextBody(final long nowNs, final String externalUrl) {
        if (inFlight) {
            return null;
        }
        if (batch == null) {
            if (queue.isEmpty()) {
                return null;
            }
            final int size = kind == Kind.WEBHOOK ? 1 : Math.min(queue.size(), ctx.maxBatchSize());
            batch = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                batch.add(queue.pollFirst());
            }
            queued = queue.size();
            body = kind == Kind.WEBHOOK ? AlertPayloads.webhook(batch.get(0), externalUrl)
                : AlertPayloads.alertmanager(batch);
            attempts = 0;
            firstAttemptNs = nowNs;
            nextAttemptNs = nowNs;
        }
        if (nowNs - nextAttemptNs < 0) {
            return null;
        }
        attempts++;
        inFlight = true;
        return body;
    }

    /** When this target wants the sender thread next: its retry time, or {@code Long.MAX_VALUE} if not waiting. */
    long nextDueNs() {
        return batch != null && !inFlight ? nextAttemptNs : Long.MAX_VALUE;
    }

    /**
     * The answer to the batch in flight: {@code status} (or -1 with {@code error}). Delivered, given up, or its retry
     * scheduled. Sender thread.
     */
    void onAnswer(final int status, final Throwable error, final long nowNs) {
        inFlight = false;
        if (batch == null) {
            return; // dropped at close while in flight
        }
        if (status >= 200 && status < 300) {
            sent.addAndGet(batch.size());
            batch = null;
            body = null;
            return;
        }
        failedAttempts.incrementAndGet();
        final String why = error != null ? error.getClass().getSimpleName() + ": " + error.getMessage()
            : "HTTP " + status;
        final boolean retryable = error != null || status == 408 || status == 429 || status >= 500;
        final long backoffNs = backoffNs(attempts);
        if (!retryable || attempts >= ctx.maxAttempts()
            || nowNs + backoffNs - firstAttemptNs > ctx.retryForMs() * 1_000_000L) {
            LOG.warn("{} {}: gave up on {} alert(s) after {} attempt(s): {}", kind.label, name, batch.size(), attempts,
                why);
            failed.addAndGet(batch.size());
            batch = null;
            body = null;
            return;
        }
        LOG.debug("{} {}: attempt {} failed ({}), next in {} ms", kind.label, name, attempts, why,
            backoffNs / 1_000_000);
        nextAttemptNs = nowNs + backoffNs;
    }

    /** Drop everything unsent (the notifier closes). Sender thread. */
    void dropAll() {
        long n = queue.size();
        queue.clear();
        queued = 0;
        if (batch != null) {
            n += batch.size();
            batch = null;
            body = null;
        }
        dropped.addAndGet(n);
    }

    /** Back-off after attempt {@code n} (1-based): exponential, capped, equal jitter. */
    private long backoffNs(final int n) {
        final long capMs = ctx.maxBackoffMs();
        final long ms = Math.min(capMs, ctx.initialBackoffMs() << Math.min(n - 1, 20));
        final long half = ms * 1_000_000L / 2;
        return half + ThreadLocalRandom.current().nextLong(half + 1);
    }
}
