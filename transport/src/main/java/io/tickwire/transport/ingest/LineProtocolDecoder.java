package io.tickwire.transport.ingest;

import io.netty.buffer.ByteBuf;
import io.tickwire.engine.observe.SeriesRegistry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * InfluxDB line protocol ({@code POST /api/v2/write}, {@code POST /write}), as Telegraf sends it:
 * <pre>
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *   cpu,host=web-1,cpu=cpu0 usage_user=12.5,usage_idle=80i 1733222400000000000
 * </pre>
 * Each numeric field is a sample of series {@code measurement_field} ({@code measurement} for a field named
 * {@code value}) of the source named by the tag {@code sourceTag} (default {@code host}, else a {@code source} tag);
 * the other tags are its labels. Floats, integers ({@code 12i}, {@code 12u}) and booleans (1, 0) are taken; string
 * fields are not metrics and are skipped. Timestamps are in {@code precision} (ns default; us, ms, s); none: the
 * server's time. Comments ({@code #}) and blank lines are skipped. A problem names its line: {@code line 3: ...},
 * and nothing of the body is taken.
 */
public final class LineProtocolDecoder {
    private final Map<String, int[]> inputs = new HashMap<>();
    private SeriesRegistry registry;
    private String sourceTag;

    /** Nanoseconds per unit of a {@code precision} parameter (v2: ns, us, ms, s; v1 also n, u, m, h); 0 if unknown. */
    public static long precisionNs(final String precision) {
        if (precision == null) {
            return 1;
        }
        return switch (precision) {
            case "ns", "n" -> 1;
            case "us", "u", "µ" -> 1_000;
            case "ms" -> 1_000_000;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 0;
        };
    }

    /** Decode {@code body} into {@code batch}, timestamps in units of {@code precisionNs}. */
    public void decode(final ByteBuf body, final long precisionNs, final IngestBatch batch) throws IngestException {
        if (registry != batch.registry()) {
            registry = batch.registry();
            sourceTag = registry.spec().sourceTag();
            inputs.clear();
        }
        final String text = body.toString(StandardCharsets.UTF_8);
        final long now = batch.nowNs();
        int lineNo = 0;
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            lineNo++;
            final String line = text.substring(start, end).strip();
            start = end + 1;
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            try {
                line(line, precisionNs, now, batch);
            } catch (final IngestException ex) {
                throw new IngestException("line " + lineNo + ": " + ex.getMessage());
            }
        }
    }

    private void line(final String line, final long precisionNs, final long now, final IngestBatch batch)
        throws IngestException {
        final Cursor c = new Cursor(line);
        final String measurement = c.token(",  ", "measurement");
        final TreeMap<String, String> tags = new TreeMap<>();
        while (c.peek() == ',') {
            c.next();
            final String key = c.token("=", "tag key");
            c.expect('=', "tag " + key);
            tags.put(key, c.token(", ", "tag " + key + " value"));
        }
        c.expect(' ', "a space before the fields");
        final List<String> names = new ArrayList<>();
        final List<Double> values = new ArrayList<>();
        do {
            if (c.peek() == ',') {
                c.next();
            }
            final String field = c.token("=", "field key");
            c.expect('=', "field " + field);
            final double v = c.fieldValue(field);
            if (!Double.isNaN(v)) {
                names.add(field);
                values.add(v);
            }
        } while (c.peek() == ',');
        long timestampNs = now;
        if (c.peek() == ' ') {
            c.next();
            final String ts = c.rest().strip();
            if (!ts.isEmpty()) {
                try {
                    timestampNs = Math.multiplyExact(Long.parseLong(ts), precisionNs);
                } catch (final NumberFormatException | ArithmeticException ex) {
                    throw new IngestException("timestamp '" + ts + "' is not an integer of the precision");
                }
            }
        } else if (!c.atEnd()) {
            throw new IngestException("unexpected '" + c.peek() + "' at column " + (c.at + 1));
        }
        String source = tags.remove(sourceTag);
        if (source == null) {
            source = tags.remove("source");
        }
        if (source == null || source.isEmpty()) {
            throw new IngestException("no source: a tag '" + sourceTag + "' (or 'source') names it");
        }
        final String series = source + '\u0000' + measurement + '\u0000' + tags;
        for (int i = 0; i < names.size(); i++) {
            final String field = names.get(i);
            final String metric = "value".equals(field) ? measurement : measurement + '_' + field;
            final String key = series + '\u0000' + field;
            int[] known = inputs.get(key);
            if (known == null) {
                final int input = registry.input(source, metric, tags, null, null, SeriesRegistry.Protocol.EVENTS);
                known = new int[] {input, batch.sourceIndex(source)};
                inputs.put(key, known);
            }
            if (known[0] < 0) {
                batch.refuse(known[0], known[1]);
            } else {
                batch.add(known[0], known[1], timestampNs, values.get(i));
            }
        }
    }

    /** Reads one line: tokens up to unescaped delimiters. */
    private static final class Cursor {
        private final String line;
        private int at;

        Cursor(final String line) {
            this.line = line;
        }

        boolean atEnd() {
            return at >= line.length();
        }

        char peek() {
            return atEnd() ? '\n' : line.charAt(at);
        }

        void next() {
            at++;
        }

        void expect(final char c, final String what) throws IngestException {
            if (peek() != c) {
                throw new IngestException("expected '" + (c == ' ' ? "space" : String.valueOf(c)) + "' after "
                    + what + (atEnd() ? " (the line ends)" : ", got '" + peek() + "' at column " + (at + 1)));
            }
            at++;
        }

        String rest() {
            final String r = line.substring(Math.min(at, line.length()));
            at = line.length();
            return r;
        }

        /** Text up to one of {@code delimiters} (unescaped); backslash escapes the next character. */
        String token(final String delimiters, final String what) throws IngestException {
            final StringBuilder sb = new StringBuilder();
            while (!atEnd()) {
                final char c = line.charAt(at);
                if (c == '\\' && at + 1 < line.length()) {
                    sb.append(line.charAt(at + 1));
                    at += 2;
                    continue;
                }
                if (delimiters.indexOf(c) >= 0) {
                    break;
                }
                sb.append(c);
                at++;
            }
            if (sb.length() == 0) {
                throw new IngestException("empty " + what + " at column " + (at + 1));
            }
            return sb.toString();
        }

        /** A field's value: a number, {@code 12i}/{@code 12u}, a boolean (1/0); NaN for a string (skipped). */
        double fieldValue(final String field) throws IngestException {
            if (peek() == '"') {
                at++;
                while (!atEnd() && line.charAt(at) != '"') {
                    at += line.charAt(at) == '\\' ? 2 : 1;
                }
                if (atEnd()) {
                    throw new IngestException("field " + field + ": unterminated string");
                }
                at++;
                return Double.NaN;
            }
            final int start = at;
            while (!atEnd() && line.charAt(at) != ',' && line.charAt(at) != ' ') {
                at++;
            }
            String v = line.substring(start, at);
            switch (v) {
                case "t", "T", "true", "True", "TRUE" -> {
                    return 1;
                }
                case "f", "F", "false", "False", "FALSE" -> {
                    return 0;
                }
                default -> {
                    if (v.endsWith("i") || v.endsWith("u")) {
                        v = v.substring(0, v.length() - 1);
                    }
                }
            }
            try {
                final double d = Double.parseDouble(v);
                if (!Double.isFinite(d) || v.isEmpty() || Character.isLetter(v.charAt(v.length() - 1))) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (final NumberFormatException ex) {
                throw new IngestException("field " + field + ": '" + line.substring(start, at)
                    + "' is not a number, integer, boolean or string");
            }
        }
    }
}
