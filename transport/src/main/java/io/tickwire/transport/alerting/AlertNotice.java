package io.tickwire.transport.alerting;

/**
 * What a run's {@link AlertListener} hands the notifier's sender thread for one alert state change (or the run's end):
 * small, immutable, made on the listener thread from an {@code AlertEvent} with the times already on the wall clock
 * (epoch ns). Labels, payloads and HTTP are the sender's business.
 *
 * @param rule        the run's rule (labels, annotations), or null when the run's rule table does not hold it.
 * @param service     the name of the service the rule reads, or null for none.
 * @param startsAtNs  epoch ns the condition became true (the alert's startsAt).
 * @param endsAtNs    epoch ns it was resolved (RESOLVED); 0 otherwise.
 */
record AlertNotice(Kind kind, long runId, String runName, int ruleIndex, AlertRule rule, String alertName,
                   String service, double value, long startsAtNs, long endsAtNs) {
    enum Kind {
        /** The rule started firing. */
        FIRING,
        /** It stopped firing (Prometheus' resolved). */
        RESOLVED,
        /** The run ended: its firing alerts are no longer re-sent (Alertmanager lets them expire at endsAt). */
        RUN_ENDED
    }

    static AlertNotice runEnded(final long runId) {
        return new AlertNotice(Kind.RUN_ENDED, runId, null, -1, null, null, null, Double.NaN, 0, 0);
    }
}
