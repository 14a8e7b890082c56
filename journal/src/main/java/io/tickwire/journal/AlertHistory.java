package io.tickwire.journal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickwire.engine.diagram.AlertSpec;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.sbe.AlertEventDecoder;
import io.tickwire.sbe.AlertState;
import io.tickwire.sbe.MessageHeaderDecoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A journaled run's alert rules and when each fired, from its {@code AlertEvent}s: per rule its firing intervals in
 * simulated time, {@code [from, to)} (from the end of the tick it began firing at to the end of the tick it resolved
 * at), and the total; an alert still firing when the journal ends is counted to the end and said so. What
 * {@code tickwire report} shows in its Alerts section (text, JSON and HTML). Rules come from the journal's diagram
 * (an observed run's: its configuration, {@code observe.yaml}), so a rule that never fired is listed too. Over the whole run, whatever the report's warm-up.
 */
public final class AlertHistory {
    /** One firing interval: {@code [fromNs, toNs)}; {@code open} when it was still firing at the journal's end. */
    public record Interval(long fromNs, long toNs, boolean open) {
    }

    /** A rule, as its diagram writes it, and its intervals in order. */
    public record Rule(int index, String name, String expr, List<Interval> intervals) {
        public long firingNs() {
            long sum = 0;
            for (final Interval i : intervals) {
                sum += i.toNs() - i.fromNs();
            }
            return sum;
        }

        public boolean firingAtEnd() {
            return !intervals.isEmpty() && intervals.get(intervals.size() - 1).open();
        }
    }

    private final List<Rule> rules;

    private AlertHistory(final List<Rule> rules) {
        this.rules = rules;
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Read every alert event of {@code reader}'s journal (it is left at the end). */
    public static AlertHistory read(final JournalReader reader) {
        final List<String> names = new ArrayList<>();
        final List<String> exprs = new ArrayList<>();
        try {
            final List<AlertSpec> alerts = reader.diagramSource() == null ? List.of() : reader.observed()
                ? ObserveLoader.parse(reader.diagramSource()).alerts()
                : DiagramLoader.parse(reader.diagramSource()).alerts();
            for (final AlertSpec a : alerts) {
                names.add(a.name());
                exprs.add(a.expr());
            }
        } catch (final DiagramException ex) {
            // a diagram that no longer loads: the rules the events name are listed
        }
        final List<List<Interval>> intervals = new ArrayList<>();
        final List<Long> firingSince = new ArrayList<>();
        final long endNs = (reader.lastTick() + 1) * reader.tickLengthNs();
        if (reader.seek(Math.max(0, reader.firstTick()))) {
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final AlertEventDecoder d = new AlertEventDecoder();
            reader.forEachEvent((buffer, offset, length, tick, templateId) -> {
                if (templateId != AlertEventDecoder.TEMPLATE_ID) {
                    return;
                }
                header.wrap(buffer, offset);
                d.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                final int rule = d.rule();
                final AlertState from = d.fromState();
                final AlertState to = d.toState();
                final long at = d.simTimeNs();
                final String name = d.name();
                while (names.size() <= rule) {
                    names.add("#" + names.size());
                    exprs.add("");
                }
                if (names.get(rule).startsWith("#")) {
                    names.set(rule, name);
                }
                while (intervals.size() <= rule) {
                    intervals.add(new ArrayList<>());
                    firingSince.add(-1L);
                }
                if (to == AlertState.FIRING) {
                    firingSince.set(rule, at);
                } else if (from == AlertState.FIRING && firingSince.get(rule) >= 0) {
                    intervals.get(rule).add(new Interval(firingSince.get(rule), at, false));
                    firingSince.set(rule, -1L);
                }
            });
        }
        final List<Rule> rules = new ArrayList<>();
        for (int r = 0; r < names.size(); r++) {
            final List<Interval> list = r < intervals.size() ? intervals.get(r) : new ArrayList<>();
            if (r < firingSince.size() && firingSince.get(r) >= 0) {
                list.add(new Interval(firingSince.get(r), Math.max(endNs, firingSince.get(r)), true));
            }
            rules.add(new Rule(r, names.get(r), exprs.get(r), List.copyOf(list)));
        }
        return new AlertHistory(List.copyOf(rules));
    }

    /** The Alerts section of the text report; nothing for a run without rules. */
    public void appendText(final StringBuilder sb) {
        if (rules.isEmpty()) {
            return;
        }
        sb.append('\n').append("alerts  ").append(rules.size()).append(rules.size() == 1 ? " rule" : " rules")
            .append(" (firing intervals [from, to) in simulated seconds)\n");
        int width = 0;
        for (final Rule r : rules) {
            width = Math.max(width, r.name().length());
        }
        for (final Rule r : rules) {
            sb.append("  ").append(r.name()).append(" ".repeat(width - r.name().length())).append("  ")
                .append(r.expr().isEmpty() ? "" : r.expr() + "  ");
            if (r.intervals().isEmpty()) {
                sb.append("never fired\n");
                continue;
            }
            sb.append("fired ").append(r.intervals().size()).append(r.intervals().size() == 1 ? " time, " : " times, ")
                .append(seconds(r.firingNs())).append(" s firing");
            sb.append(':');
            for (final Interval i : r.intervals()) {
                sb.append(" [").append(seconds(i.fromNs())).append(", ").append(seconds(i.toNs()))
                    .append(i.open() ? ") still firing" : ")");
            }
            sb.append('\n');
        }
    }

    /**
     * {@code "alerts": [{"rule", "name", "expr", "firingNs", "firingAtEnd", "intervals": [{"fromNs", "toNs",
     * "open"}]}]}.
     */
    public void putJson(final ObjectNode root) {
        final ArrayNode list = root.putArray("alerts");
        for (final Rule r : rules) {
            final ObjectNode node = list.addObject();
            node.put("rule", r.index());
            node.put("name", r.name());
            node.put("expr", r.expr());
            node.put("firingNs", r.firingNs());
            node.put("firingAtEnd", r.firingAtEnd());
            final ArrayNode intervals = node.putArray("intervals");
            for (final Interval i : r.intervals()) {
                intervals.addObject().put("fromNs", i.fromNs()).put("toNs", i.toNs()).put("open", i.open());
            }
        }
    }

    private static String seconds(final long ns) {
        return String.format(Locale.ROOT, "%.3f", ns / 1e9);
    }
}
