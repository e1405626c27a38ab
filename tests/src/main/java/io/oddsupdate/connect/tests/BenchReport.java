package io.oddsupdate.connect.tests;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The HTML report of {@code ./run-local.sh --bench}: one self-contained page (inline SVG and CSS, no script, nothing
 * fetched) a browser opens offline. Throughput per rate (sustained against offered, and events/s over time), vendor→edge
 * latency per rate, then for each rate every hop's latency percentiles (p50, p90, p99) second by second, with the end of
 * the warm-up and the vendor's stop marked; and the bench's table.
 */
final class BenchReport {

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"};

    /** A line of a chart: its points (x, y), drawn solid or dashed, with dots at the points or not. */
    record Series(String name, String color, boolean dashed, boolean dots, List<double[]> points) {
    }

    private BenchReport() {
    }

    static String html(List<LocalPipeline.Result> results, List<String> table, String stamp) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>odds pipeline bench ").append(esc(stamp)).append("</title>\n")
                .append("<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:20px}h2{font-size:17px;margin-top:32px}"
                        + "h3{font-size:15px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
                        + "th{background:#f4f4f4}.charts{display:flex;flex-wrap:wrap;gap:12px}svg{background:#fff;border:1px solid #ddd}"
                        + ".note{color:#555;max-width:1000px}</style></head><body>\n");
        b.append("<h1>Whole-pipeline bench (<code>./run-local.sh --bench</code>), ").append(esc(stamp)).append("</h1>\n");
        b.append("<p class=\"note\">").append(esc(table.get(0).replaceFirst("^==== bench: ", ""))).append(". One fresh pipeline per rate: warm-up,"
                + " measured run, drain. Latencies from the brokers' append times (the runner sets LogAppendTime on the pipeline's topics) and"
                + " the values' event_ts; each point is one second's records. Sustained: events in over the time from the first send to the"
                + " last record's arrival.</p>\n");

        b.append("<h2>Throughput per rate</h2>\n<div class=\"charts\">\n");
        List<double[]> sustained = new ArrayList<>();
        List<double[]> offered = new ArrayList<>();
        for (LocalPipeline.Result r : results) {
            sustained.add(new double[] {r.settings().rate(), r.sustained()});
            offered.add(new double[] {r.settings().rate(), r.settings().rate()});
        }
        b.append(chart("sustained against offered", "offered (events/s)", "events/s", List.of(
                new Series("offered (keeping up)", "#999", true, false, offered), new Series("sustained", COLORS[0], false, true, sustained)), false, List.of(), 460, 300));
        List<Series> perSecond = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            LocalPipeline.Result r = results.get(i);
            List<double[]> sent = new ArrayList<>();
            List<double[]> priced = new ArrayList<>();
            Point previous = null;
            for (LocalPipeline.Sample s : r.timeline()) {
                double dt = previous == null ? s.t() : s.t() - previous.t();
                if (dt > 0) {
                    sent.add(new double[] {s.t(), (s.sent() - (previous == null ? 0 : previous.sent())) / dt});
                    long[] c = s.hops().get(PipelineTally.Hop.VENDOR_TO_CONSUMER);
                    priced.add(new double[] {s.t(), (c == null ? 0 : c[4]) / dt});
                }
                previous = new Point(s.t(), s.sent());
            }
            String color = COLORS[i % COLORS.length];
            perSecond.add(new Series(rate(r) + " sent", color, false, false, sent));
            perSecond.add(new Series(rate(r) + " priced at the edge", color, true, false, priced));
        }
        b.append(chart("events per second over time", "seconds since the first send", "events/s", perSecond, false, List.of(), 900, 300));
        List<double[]> p50 = new ArrayList<>();
        List<double[]> p99 = new ArrayList<>();
        for (LocalPipeline.Result r : results) {
            if (r.vendorToEdge() != null) {
                p50.add(new double[] {r.settings().rate(), Math.max(1, r.vendorToEdge()[0])});
                p99.add(new double[] {r.settings().rate(), Math.max(1, r.vendorToEdge()[1])});
            }
        }
        b.append(chart("vendor → edge consumer latency per rate (after the warm-up)", "offered (events/s)", "ms (log)", List.of(
                new Series("p50", COLORS[0], false, true, p50), new Series("p99", COLORS[1], false, true, p99)), true, List.of(), 460, 300));
        b.append("</div>\n");

        for (LocalPipeline.Result r : results) {
            b.append("<h2>").append(esc(rate(r))).append(": latency percentiles over time, per hop</h2>\n");
            b.append("<p class=\"note\">").append(r.status() == 0 ? "reconciled: " + r.in() + " events" : "<b>not reconciled</b>")
                    .append(String.format(Locale.ROOT, "; sustained %,.0f events/s; drain after the stop %.1f s.", r.sustained(), r.drainS()))
                    .append(" Dotted verticals: end of the warm-up, vendor stopped.</p>\n<div class=\"charts\">\n");
            List<double[]> markers = new ArrayList<>();
            if (r.warmupEndS() > 0) {
                markers.add(new double[] {r.warmupEndS()});
            }
            markers.add(new double[] {r.stopS()});
            List<PipelineTally.Hop> hops = new ArrayList<>(LocalPipeline.componentHops());
            hops.add(PipelineTally.Hop.VENDOR_TO_CONSUMER);
            for (PipelineTally.Hop hop : hops) {
                List<Series> series = new ArrayList<>();
                String[] names = {"p50", "p90", "p99"};
                for (int q = 0; q < names.length; q++) {
                    List<double[]> points = new ArrayList<>();
                    for (LocalPipeline.Sample s : r.timeline()) {
                        long[] w = s.hops().get(hop);
                        points.add(w == null ? null : new double[] {s.t(), Math.max(1, w[q])});
                    }
                    series.add(new Series(names[q], COLORS[q], q == 1, false, points));
                }
                b.append(chart(hop.description, "seconds since the first send", "ms (log)", series, true, markers, 440, 260));
            }
            b.append("</div>\n");
        }

        // the Markdown of the bench's tables: the rate table, then a CPU-by-component table per rate, each after its title
        b.append("<h2>Table</h2>\n");
        boolean inTable = false;
        boolean head = false;
        for (String line : table.subList(1, table.size())) {
            if (line.startsWith("|---")) {
                continue;
            }
            if (!line.startsWith("|")) {
                if (inTable) {
                    b.append("</table>\n");
                    inTable = false;
                }
                if (!line.isBlank()) {
                    b.append("<h3>").append(esc(line.replace("\\*", "*"))).append("</h3>\n"); // a footnote's Markdown escape
                }
                continue;
            }
            if (!inTable) {
                b.append("<table>\n");
                inTable = true;
                head = true;
            }
            b.append("<tr>");
            String[] cells = line.substring(1, line.length() - 1).split("\\|");
            for (String c : cells) {
                b.append(head ? "<th>" : "<td>").append(esc(c.strip().replace("**", ""))).append(head ? "</th>" : "</td>");
            }
            b.append("</tr>\n");
            head = false;
        }
        if (inTable) {
            b.append("</table>\n");
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    /** A second of the timeline, for rates between samples. */
    private record Point(double t, long sent) {
    }

    private static String rate(LocalPipeline.Result r) {
        return String.format(Locale.ROOT, "%,.0f events/s", r.settings().rate());
    }

    /**
     * A line chart as inline SVG: {@code points} entries that are null break a line (no data that second); {@code logY}
     * for latencies (1 ms floor); {@code markers}: x positions of dotted verticals.
     */
    static String chart(String title, String xLabel, String yLabel, List<Series> series, boolean logY, List<double[]> markers, int w, int h) {
        int left = 62;
        int right = 12;
        int top = 28;
        // the legend flows left to right under the plot, wrapping at its width (text width estimated at 6.5 px a character)
        List<double[]> legend = new ArrayList<>();
        double lx = 0;
        int row = 0;
        for (Series s : series) {
            double itemW = 30 + 6.5 * s.name().length();
            if (lx > 0 && lx + itemW > w - left - right) {
                lx = 0;
                row++;
            }
            legend.add(new double[] {lx, row});
            lx += itemW;
        }
        int bottom = 40 + 16 * (row + 1);
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMin = Double.MAX_VALUE;
        double yMax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double[] p : s.points()) {
                if (p != null) {
                    xMin = Math.min(xMin, p[0]);
                    xMax = Math.max(xMax, p[0]);
                    yMin = Math.min(yMin, p[1]);
                    yMax = Math.max(yMax, p[1]);
                }
            }
        }
        for (double[] m : markers) {
            xMin = Math.min(xMin, m[0]);
            xMax = Math.max(xMax, m[0]);
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"system-ui,sans-serif\" font-size=\"11\">",
                w, h, w, h));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"17\" font-size=\"13\" font-weight=\"600\">%s</text>", left, esc(title)));
        if (xMin == Double.MAX_VALUE) {
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#777\">no data</text></svg>\n", left, h / 2));
            return b.toString();
        }
        if (xMax == xMin) {
            xMin -= 1;
            xMax += 1;
        }
        double[] yTicks;
        if (logY) {
            yMin = Math.pow(10, Math.floor(Math.log10(Math.max(1, yMin))));
            yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(yMax, yMin * 10))));
            List<Double> t = new ArrayList<>();
            for (double d = yMin; d <= yMax * 1.001; d *= 10) {
                for (double m : new double[] {1, 2, 5}) {
                    if (d * m <= yMax * 1.001) {
                        t.add(d * m);
                    }
                }
            }
            yTicks = t.stream().mapToDouble(Double::doubleValue).toArray();
        } else {
            yMin = Math.min(0, yMin);
            double step = niceStep((yMax - yMin) / 5);
            yMax = Math.max(step, Math.ceil(yMax / step) * step);
            List<Double> t = new ArrayList<>();
            for (double v = yMin; v <= yMax + step / 2; v += step) {
                t.add(v);
            }
            yTicks = t.stream().mapToDouble(Double::doubleValue).toArray();
        }
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        final double x0 = xMin;
        final double x1 = xMax;
        final double y0 = yMin;
        final double y1 = yMax;
        java.util.function.DoubleUnaryOperator sx = x -> left + (x - x0) / (x1 - x0) * plotW;
        java.util.function.DoubleUnaryOperator sy = y -> logY
                ? top + plotH - (Math.log10(Math.max(y, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) * plotH
                : top + plotH - (y - y0) / (y1 - y0) * plotH;
        for (double t : yTicks) {
            double y = sy.applyAsDouble(t);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, left + plotW, y, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>", left - 5, y + 4, number(t)));
        }
        double xStep = niceStep((xMax - xMin) / 6);
        for (double t = Math.ceil(xMin / xStep) * xStep; t <= xMax + xStep / 1000; t += xStep) {
            double x = sx.applyAsDouble(t);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", x, x, top, top + plotH));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">%s</text>", x, top + plotH + 14, number(t)));
        }
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>", left, top, plotW, plotH));
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#333\">%s</text>", left + plotW / 2, top + plotH + 30, esc(xLabel)));
        b.append(String.format(Locale.ROOT, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">%s</text>", top + plotH / 2, esc(yLabel)));
        for (double[] m : markers) {
            double x = sx.applyAsDouble(m[0]);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#666\" stroke-dasharray=\"2 3\"/>", x, x, top, top + plotH));
        }
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (double[] p : s.points()) {
                if (p == null) {
                    pen = false;
                    continue;
                }
                path.append(pen ? " L" : " M").append(String.format(Locale.ROOT, "%.1f %.1f", sx.applyAsDouble(p[0]), sy.applyAsDouble(p[1])));
                pen = true;
                if (s.dots()) {
                    b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s: %s</title></circle>",
                            sx.applyAsDouble(p[0]), sy.applyAsDouble(p[1]), s.color(), esc(s.name()), number(p[1])));
                }
            }
            if (path.length() > 0) {
                b.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s><title>%s</title></path>", path.toString().strip(),
                        s.color(), s.dashed() ? " stroke-dasharray=\"5 3\"" : "", esc(s.name())));
            }
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            double x = left + legend.get(i)[0];
            double y = top + plotH + 46 + 16 * legend.get(i)[1];
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>", x, x + 18, y - 4, y - 4,
                    s.color(), s.dashed() ? " stroke-dasharray=\"5 3\"" : ""));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", x + 22, y, esc(s.name())));
        }
        return b.append("</svg>\n").toString();
    }

    private static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }

    private static String number(double v) {
        return v >= 1000 && v % 1000 == 0 ? String.format(Locale.ROOT, "%,.0f", v)
                : v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
