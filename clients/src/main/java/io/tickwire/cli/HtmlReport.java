package io.tickwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.AlertHistory;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalEvent;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.format.EntryFigures;
import io.tickwire.journal.format.LatencyFigures;
import io.tickwire.journal.format.ReportFormat;
import io.tickwire.journal.format.RunReport;
import io.tickwire.journal.format.ServiceFigures;
import io.tickwire.journal.format.WindowRollup;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static io.tickwire.journal.format.ReportFormat.decimal;
import static io.tickwire.journal.format.ReportFormat.seconds;

/**
 * {@code tickwire report --html}: one self-contained HTML file (inline CSS, script and SVG; no URL is fetched).
 * <p>
 * The page holds the summary tables of {@code report} (rendered here) and the data of its plots as one JSON block,
 * drawn by {@code report/report.js}: per service, throughput, error rate, p50/p99/p99.9, utilisation and cumulative
 * cost per window over the whole journal, and the latency percentile distribution of the report window (after the
 * warm-up), HdrHistogram style. Windows are a whole number of ticks, chosen so that a series has at most
 * {@value #MAX_POINTS} points however long the run. Every figure is the tick fold's ({@code TickFold}): a point is one
 * window of a {@link WindowRollup}, as {@code export --window} has it (percentiles from merged histograms), and the
 * tables are the {@link RunReport}'s; only the page is rendered here. A run that operates (autoscalers, faults, live
 * edits, replica lifecycle) also gets, per service concerned, its replicas over time (the mean serving replicas per
 * window, and the desired replicas its scale decisions set) with its events as markers, and the list of events.
 */
final class HtmlReport {
    /** Points per time series at most: enough to see a spike, few enough to draw at once. */
    static final int MAX_POINTS = 200;
    /** Percentile points per halving of the distance to 100% (HdrHistogram's outputPercentileDistribution uses 5). */
    private static final int TICKS_PER_HALF_DISTANCE = 5;
    private static final double NANOS_PER_MILLI = 1e6;
    private static final double NANOS_PER_SECOND = 1e9;
    private static final int MAX_NINES = 7;
    /** Events drawn and listed at most (a run may have millions of replica events); the counts are exact. */
    static final int MAX_EVENTS = 2000;

    private HtmlReport() {
    }

    /**
     * Render the page for {@code report}, reading the journal again for the series. The reader is left at its end.
     */
    static String render(final JournalReader reader, final RunReport report, final String journalLabel,
                         final AlertHistory alerts) throws IOException {
        final CatalogInfo catalog = CatalogInfo.decode(reader.catalog());
        final long tickLengthNs = reader.tickLengthNs();
        final long first = reader.firstTick();
        final long last = reader.lastTick();
        final long ticks = last - first + 1;
        final long ticksPerWindow = Math.max(1, (ticks + MAX_POINTS - 1) / MAX_POINTS);
        final ObjectMapper mapper = new ObjectMapper();
        final int[] concurrency = concurrency(reader.diagramSource(), catalog.serviceCount());
        final ObjectNode data = mapper.createObjectNode();
        data.put("name", report.simulationName());
        data.put("windowS", ticksPerWindow * tickLengthNs / NANOS_PER_SECOND);
        data.put("startS", first * tickLengthNs / NANOS_PER_SECOND);
        data.put("endS", (last + 1) * tickLengthNs / NANOS_PER_SECOND);
        data.put("warmupS", report.windowStartNs() / NANOS_PER_SECOND);
        final ArrayNode services = data.putArray("services");
        final ObjectNode[] byId = new ObjectNode[catalog.serviceCount()];
        final double[] cumulativeCost = new double[catalog.serviceCount()];
        for (int id = 0; id < catalog.serviceCount(); id++) {
            final ObjectNode s = services.addObject();
            s.put("name", catalog.name(id));
            for (final String key : new String[] {"t", "throughput", "errorRate", "p50", "p99", "p999", "utilization",
                "cost", "replicas"}) {
                s.putArray(key);
            }
            byId[id] = s;
        }

        if (!reader.seek(first)) {
            throw new IllegalStateException("journal has no tick " + first);
        }
        // Every figure from the fold of each window, as export --window has them.
        final WindowRollup.WindowHandler series = (w, partial) -> {
            for (int i = 0; i < w.serviceCount(); i++) {
                final ServiceFigures s = w.service(i);
                final ObjectNode node = byId[s.id()];
                final boolean latencies = s.completed() > 0;
                ((ArrayNode)node.get("t")).add(w.endNs() / NANOS_PER_SECOND);
                ((ArrayNode)node.get("throughput")).add(s.throughputPerSecond());
                addOrNull(node, "errorRate", s.errorRatio());
                addOrNull(node, "p50", latencies ? s.p50Ns() / NANOS_PER_MILLI : Double.NaN);
                addOrNull(node, "p99", latencies ? s.p99Ns() / NANOS_PER_MILLI : Double.NaN);
                addOrNull(node, "p999", latencies ? s.p999Ns() / NANOS_PER_MILLI : Double.NaN);
                addOrNull(node, "utilization", s.utilization());
                // Serving replicas (their servers over the window, per replica): what scaling and crashes change.
                addOrNull(node, "replicas", s.integralsKnown() && concurrency[s.id()] > 0
                    ? (double)s.serverTimeNs() / w.lengthNs() / concurrency[s.id()] : Double.NaN);
                if (s.costKnown()) {
                    cumulativeCost[s.id()] += s.cost();
                    ((ArrayNode)node.get("cost")).add(cumulativeCost[s.id()]);
                } else {
                    ((ArrayNode)node.get("cost")).addNull();
                }
            }
        };
        try (WindowRollup rollup = new WindowRollup(catalog, tickLengthNs, ticksPerWindow * tickLengthNs, null, series)) {
            while (reader.next(rollup)) {
                // everything happens in the handler
            }
            rollup.finish();
        }

        events(reader, first, catalog, data, byId);

        for (final ServiceFigures s : report.services()) {
            if (s.id() < byId.length) {
                byId[s.id()].set("distribution", distribution(mapper, s.histogram(), s.maxNs()));
            }
        }
        for (final ObjectNode s : byId) {
            if (!s.has("distribution")) {
                s.putArray("distribution");
            }
        }

        final String meta = "seed " + report.seed() + " · " + report.ticks() + " ticks of "
            + millis(tickLengthNs) + " ms · " + seconds(report.simulatedNs()) + " simulated · summary over "
            + seconds(report.windowStartNs()) + " to " + seconds(report.simulatedNs()) + " (warm-up "
            + seconds(report.warmupNs()) + ")";
        return resource("report.html")
            .replace("{{TITLE}}", escape(report.simulationName()))
            .replace("{{META}}", escape(meta))
            .replace("{{JOURNAL}}", escape(journalLabel))
            .replace("{{SUMMARY}}", summary(report) + alerts(alerts))
            // "</" would end the script element early; "<\/" means the same to JSON.
            .replace("{{DATA}}", mapper.writeValueAsString(data).replace("</", "<\\/"))
            .replace("{{SCRIPT}}", resource("report.js"));
    }

    /**
     * The journal's events (up to {@link #MAX_EVENTS}) as {@code data.events} [{t, type, kind, service, text}], and
     * per service its desired replicas as set by its scale decisions, {@code desired}: [[t, replicas], ...] from
     * the diagram's replicas.
     */
    private static void events(final JournalReader reader, final long first, final CatalogInfo catalog,
                               final ObjectNode data, final ObjectNode[] byId) {
        final ArrayNode list = data.putArray("events");
        final long[] total = {0};
        for (int id = 0; id < byId.length; id++) {
            byId[id].putArray("desired");
        }
        if (!reader.seek(first)) {
            return;
        }
        reader.forEachEvent((buffer, offset, length, tick, templateId) -> {
            final JournalEvent e = JournalEvent.decode(buffer, offset, catalog);
            if (e == null) {
                return;
            }
            total[0]++;
            final double t = e.simTimeNs() / NANOS_PER_SECOND;
            if (JournalEvent.SCALE.equals(e.type()) && e.serviceId() < byId.length) {
                final ArrayNode desired = (ArrayNode)byId[e.serviceId()].get("desired");
                if (desired.isEmpty()) {
                    desired.addArray().add(first * reader.tickLengthNs() / NANOS_PER_SECOND)
                        .add((int)e.fields().get("from"));
                }
                desired.addArray().add(t).add((int)e.fields().get("to"));
            }
            if (list.size() < MAX_EVENTS) {
                final ObjectNode node = list.addObject().put("t", t).put("tick", e.tick()).put("type", e.type())
                    .put("kind", e.kind()).put("text", e.text());
                if (e.serviceId() >= 0 && e.serviceId() < byId.length) {
                    node.put("service", catalog.name(e.serviceId()));
                }
                if (e.peerId() >= 0 && e.peerId() < byId.length) {
                    node.put("peer", catalog.name(e.peerId()));
                }
            }
        });
        data.put("eventCount", total[0]);
    }

    /** Each service's servers per replica, from the journal's diagram (0 when it does not load any more). */
    private static int[] concurrency(final String source, final int services) {
        final int[] concurrency = new int[services];
        try {
            final Diagram diagram = DiagramLoader.parse(source);
            for (int id = 0; id < Math.min(services, diagram.services().size()); id++) {
                concurrency[id] = diagram.service(id).concurrency();
            }
        } catch (final DiagramException ex) {
            // No replicas series: the rest of the report stands.
        }
        return concurrency;
    }

    /**
     * The percentile distribution as HdrHistogram prints it, as [x, latency ms] pairs with x = log10(1 / (1 - p)):
     * 0 at 0%, 1 at 90%, 2 at 99%, 3 at 99.9% ... Values are the top of their bucket capped at the exact max, like
     * every percentile of the report.
     */
    static ArrayNode distribution(final ObjectMapper mapper, final Histogram histogram, final long maxNs) {
        final ArrayNode points = mapper.createArrayNode();
        if (histogram.getTotalCount() == 0) {
            return points;
        }
        double lastX = 0;
        for (final HistogramIterationValue v : histogram.percentiles(TICKS_PER_HALF_DISTANCE)) {
            final double p = v.getPercentileLevelIteratedTo() / 100.0;
            if (p >= 1.0) {
                break;
            }
            final double x = Math.log10(1.0 / (1.0 - p));
            if (x > MAX_NINES) {
                break;
            }
            final long value = Math.min(v.getValueIteratedTo(), maxNs);
            points.addArray().add(round(x, 4)).add(value / NANOS_PER_MILLI);
            lastX = x;
        }
        // The maximum, at the last percentile the histogram can tell apart (1 - 1/count), or the last drawn.
        final double top = Math.min(MAX_NINES, Math.max(lastX, Math.log10(histogram.getTotalCount())));
        points.addArray().add(round(top, 4)).add(maxNs / NANOS_PER_MILLI);
        return points;
    }

    /** The tables of {@code report}: requests per service, occupancy and cost, and end to end per entry point. */
    static String summary(final RunReport report) {
        final StringBuilder sb = new StringBuilder(4096);
        sb.append("<table id=\"summary-requests\">\n<tr><th>service</th><th>arrivals</th><th>completed</th>"
            + "<th>errors</th><th>rejected</th><th>timeouts</th><th>retries</th><th>mean ms</th><th>p50 ms</th>"
            + "<th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>\n");
        for (final ServiceFigures s : report.services()) {
            sb.append("<tr><td>").append(escape(s.name())).append("</td>");
            cells(sb, s.arrivals(), s.completed(), s.errors(), s.rejected(), s.timeouts(), s.retries());
            latencyCells(sb, s);
            sb.append("</tr>\n");
        }
        sb.append("</table>\n<table id=\"summary-occupancy\">\n<tr><th>service</th><th>utilization</th>"
            + "<th>mean queue</th><th>mean in system</th><th>throughput/s</th><th>L/(lambda*W)</th>"
            + "<th>storage GB</th><th>cost</th></tr>\n");
        for (final ServiceFigures s : report.services()) {
            sb.append("<tr><td>").append(escape(s.name())).append("</td>");
            cell(sb, decimal(s.utilization(), 3));
            cell(sb, decimal(s.meanQueue(), 3));
            cell(sb, decimal(s.meanInSystem(), 3));
            cell(sb, decimal(s.throughputPerSecond(), 3));
            cell(sb, decimal(s.littleRatio(), 4));
            cell(sb, s.storageBytes() > 0 ? decimal(s.storageBytes() / 1e9, 3) : "-");
            cell(sb, decimal(s.cost(), 6));
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
        if (!report.entries().isEmpty()) {
            sb.append("<table id=\"summary-entries\">\n<tr><th>entry point</th><th>into</th><th>completed</th>"
                + "<th>errors</th><th>rejected</th><th>timeouts</th><th>mean ms</th><th>p50 ms</th><th>p90 ms</th>"
                + "<th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>\n");
            for (final EntryFigures e : report.entries()) {
                sb.append("<tr><td>").append(escape(e.name())).append("</td>");
                cell(sb, escape(e.target()));
                cells(sb, e.completed(), e.errors(), e.rejected(), e.timeouts());
                latencyCells(sb, e);
                sb.append("</tr>\n");
            }
            sb.append("</table>\n");
        }
        return sb.toString();
    }

    /** The Alerts section: each rule, how long it fired and its firing intervals [from, to) in simulated seconds. */
    static String alerts(final AlertHistory alerts) {
        if (alerts.rules().isEmpty()) {
            return "";
        }
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("<h2>Alerts</h2>\n<table id=\"summary-alerts\">\n<tr><th>rule</th><th>expression</th>"
            + "<th>fired</th><th>firing s</th><th>firing intervals [from, to) s</th></tr>\n");
        for (final AlertHistory.Rule r : alerts.rules()) {
            sb.append("<tr><td>").append(escape(r.name())).append("</td>");
            cell(sb, escape(r.expr()));
            cell(sb, Integer.toString(r.intervals().size()));
            cell(sb, decimal(r.firingNs() / NANOS_PER_SECOND, 3));
            final StringBuilder intervals = new StringBuilder();
            for (final AlertHistory.Interval i : r.intervals()) {
                intervals.append(intervals.length() == 0 ? "" : " ").append('[')
                    .append(decimal(i.fromNs() / NANOS_PER_SECOND, 3)).append(", ")
                    .append(decimal(i.toNs() / NANOS_PER_SECOND, 3)).append(')');
            }
            if (r.firingAtEnd()) {
                intervals.append(" still firing at the end");
            }
            sb.append("<td class=\"firing\">").append(r.intervals().isEmpty() ? "never fired" : intervals)
                .append("</td></tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    /** The latency columns, as the text report has them. */
    private static void latencyCells(final StringBuilder sb, final LatencyFigures r) {
        for (final String text : ReportFormat.latencyCells(r)) {
            cell(sb, text);
        }
    }

    private static void cells(final StringBuilder sb, final long... values) {
        for (final long v : values) {
            cell(sb, Long.toString(v));
        }
    }

    private static void cell(final StringBuilder sb, final String text) {
        sb.append("<td>").append(text).append("</td>");
    }

    private static void addOrNull(final ObjectNode node, final String key, final double value) {
        if (Double.isFinite(value)) {
            ((ArrayNode)node.get(key)).add(value);
        } else {
            ((ArrayNode)node.get(key)).addNull();
        }
    }

    private static String resource(final String name) throws IOException {
        try (InputStream in = HtmlReport.class.getResourceAsStream("/report/" + name)) {
            if (in == null) {
                throw new IOException("report template " + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String escape(final String text) {
        final StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static double round(final double value, final int decimals) {
        final double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }

    private static String millis(final long ns) {
        return decimal(ns / NANOS_PER_MILLI, ns % 1_000_000 == 0 ? 0 : 3);
    }
}
