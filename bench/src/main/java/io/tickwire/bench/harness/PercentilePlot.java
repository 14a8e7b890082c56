package io.tickwire.bench.harness;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained HTML page (inline SVG, no script, no external URL) of a histogram's percentile spectrum, drawn
 * as HdrHistogram's plotter draws it: x is {@code 1/(1−p)} on a log scale (so 90%, 99%, 99.9% ... are equally
 * spaced), y the latency in µs on a linear scale.
 */
public final class PercentilePlot {
    private static final int W = 900;
    private static final int H = 480;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private PercentilePlot() {
    }

    public static String html(final String title, final Histogram h) {
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
            "<svg width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                + "font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", W, H));
        final List<double[]> points = new ArrayList<>();
        if (h.getTotalCount() > 0) {
            for (final HistogramIterationValue v : h.percentiles(5)) {
                final double p = v.getPercentileLevelIteratedTo() / 100.0;
                if (p >= 1.0) {
                    break;
                }
                points.add(new double[] {1.0 / (1.0 - p), v.getValueIteratedTo() / 1000.0});
            }
        }
        final double xMaxDecades = Math.max(1, Math.ceil(Math.log10(Math.max(10, h.getTotalCount()))));
        final double yMax = niceCeil(Math.max(1, h.getTotalCount() == 0 ? 1 : h.getMaxValue() / 1000.0));
        final int pw = W - LEFT - RIGHT;
        final int ph = H - TOP - BOTTOM;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", LEFT,
            escape(title)));
        for (int d = 0; d <= xMaxDecades; d++) {
            final double x = LEFT + pw * d / xMaxDecades;
            final String label = d == 0 ? "0%" : percentLabel(d);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, TOP, x, TOP + ph, x,
                TOP + ph + 18, label));
        }
        for (int i = 0; i <= 5; i++) {
            final double y = TOP + ph - ph * i / 5.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, y, LEFT + pw, y, LEFT - 6, y + 4,
                trim(yMax * i / 5)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile "
            + "(x = 1/(1-p), log scale)</text>%n", LEFT + pw / 2, H - 12));
        svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" "
            + "text-anchor=\"middle\">latency (us)</text>%n", TOP + ph / 2, TOP + ph / 2));
        if (!points.isEmpty()) {
            svg.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"");
            for (final double[] pt : points) {
                final double x = LEFT + pw * Math.min(1.0, Math.log10(pt[0]) / xMaxDecades);
                final double y = TOP + ph - ph * Math.min(1.0, pt[1] / yMax);
                svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append("\"/>\n");
        }
        svg.append("</svg>\n");
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head>"
            + "<body>\n" + svg + String.format(Locale.ROOT, "<p>%d values; p50 %s, p99 %s, p99.9 %s, max %s</p>%n",
            h.getTotalCount(), Summary.us(h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(50)),
            Summary.us(h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(99)),
            Summary.us(h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(99.9)),
            Summary.us(h.getTotalCount() == 0 ? -1 : h.getMaxValue())) + "</body></html>\n";
    }

    /** 1 → 90%, 2 → 99%, 3 → 99.9%, ... */
    private static String percentLabel(final int decades) {
        return decades == 1 ? "90%" : "99" + (decades > 2 ? "." + "9".repeat(decades - 2) : "") + "%";
    }

    private static double niceCeil(final double v) {
        final double mag = Math.pow(10, Math.floor(Math.log10(v)));
        for (final double m : new double[] {1, 2, 5, 10}) {
            if (v <= m * mag) {
                return m * mag;
            }
        }
        return 10 * mag;
    }

    private static String trim(final double v) {
        return v == Math.rint(v) ? Long.toString((long)v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String escape(final String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
