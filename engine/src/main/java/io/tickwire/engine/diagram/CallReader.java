package io.tickwire.engine.diagram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static io.tickwire.engine.diagram.DiagramLoader.DEFAULT_CALL_DELAY_NS;

/** Reads {@code services[i].calls}: forward calls (routing by probability) and sync calls with their retry. */
final class CallReader {
    private static final Set<String> FIELDS = Set.of("to", "probability", "delay", "mode", "timeout", "retry",
        "bulkhead", "breaker");
    /** What a forward call refuses: it does not wait for an answer. */
    private static final String[] SYNC_ONLY = {"timeout", "retry", "bulkhead", "breaker"};

    private CallReader() {
    }

    /** @return the calls whose target is known, in order; the forward ones may sum to at most 1. */
    static List<CallSpec> read(final DiagramNode callsNode, final ServiceIds ids) {
        final List<CallSpec> calls = new ArrayList<>();
        double forwardSum = 0;
        final List<DiagramNode> elements = callsNode.elements(false);
        if (elements.size() > DiagramLimits.MAX_CALLS_PER_SERVICE) {
            callsNode.problem("at most " + DiagramLimits.MAX_CALLS_PER_SERVICE + " calls (got " + elements.size()
                + ")");
            return calls;
        }
        for (final DiagramNode call : elements) {
            if (!call.isObject()) {
                call.problem("must be a mapping with 'to'");
                continue;
            }
            call.refuseUnknownFields(FIELDS);
            final Integer target = ids.target(call, "to", "is required: the name of the called service");
            final CallSpec.Mode mode = CallSpec.Mode.valueOf(
                call.optionalChoice("mode", "forward", "forward", "sync").toUpperCase(Locale.ROOT));
            final int mark = call.problems().mark();
            final double p = call.optionalPositiveProbability("probability", 1.0);
            if (call.problems().noneSince(mark) && mode == CallSpec.Mode.FORWARD) {
                forwardSum += p;
            }
            final long delay = call.optionalNonNegativeDuration("delay", DEFAULT_CALL_DELAY_NS);
            long timeout = CallSpec.NO_TIMEOUT;
            RetrySpec retry = RetrySpec.NONE;
            BulkheadSpec bulkhead = null;
            BreakerSpec breaker = null;
            if (mode == CallSpec.Mode.SYNC) {
                timeout = call.optionalPositiveDuration("timeout", CallSpec.NO_TIMEOUT);
                retry = RetryReader.read(call.child("retry"));
                bulkhead = ResilienceReader.bulkhead(call.child("bulkhead"));
                breaker = ResilienceReader.breaker(call.child("breaker"));
            } else {
                for (final String field : SYNC_ONLY) {
                    if (call.has(field)) {
                        call.problem(field, "only a sync call takes " + field
                            + ": a forward call does not wait for an answer");
                    }
                }
            }
            if (target != null) {
                calls.add(new CallSpec(target, call.text("to"), p, delay, mode,
                    timeout == DiagramNode.INVALID ? CallSpec.NO_TIMEOUT : timeout, retry, bulkhead, breaker));
            }
        }
        if (forwardSum > 1.0 + 1e-9) {
            callsNode.problem("forward probabilities sum to " + Math.round(forwardSum * 1e9) / 1e9 + ", more than 1");
        }
        return calls;
    }
}
