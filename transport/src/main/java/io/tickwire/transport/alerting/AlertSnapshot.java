package io.tickwire.transport.alerting;

import java.util.Map;

/**
 * One alert as one notification carries it: immutable, made by the sender thread and queued to each target.
 *
 * @param labels       the alert's identity, sorted by name: alertname, run, simulation, service, the rule's.
 * @param startsAtNs   epoch ns.
 * @param endsAtNs     epoch ns: the resolution time, or (firing) Prometheus' ValidUntil, now + 4 x resend delay.
 * @param generatorUrl the run on the dashboard, or null when the notifier knows no URL of its own.
 */
record AlertSnapshot(Map<String, String> labels, Map<String, String> annotations, long startsAtNs, long endsAtNs,
                     String generatorUrl, boolean resolved) {
    String alertName() {
        return labels.get(AlertPayloads.ALERTNAME);
    }
}
