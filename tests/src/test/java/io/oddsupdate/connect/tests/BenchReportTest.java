package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The bench's HTML report: self-contained (nothing fetched, no script), a chart per hop and rate, and the table. */
class BenchReportTest {

    @Test
    void selfContainedWithAChartPerHopAndRate() {
        List<LocalPipeline.Result> results = List.of(result(500, 0), result(2000, 1));
        List<String> table = LocalPipeline.benchTable(results);
        String html = BenchReport.html(results, table, "20260101-120000");

        assertFalse(html.contains("<script"), "no script");
        Matcher urls = Pattern.compile("(?:src|href)\\s*=|url\\(|@import|https?://(?!www\\.w3\\.org/2000/svg)").matcher(html);
        assertFalse(urls.find(), () -> "fetches nothing: " + html.substring(Math.max(0, urls.start() - 40), urls.end() + 40));
        int hops = LocalPipeline.componentHops().size() + 1;
        assertEquals(3 + results.size() * hops, count(html, "<svg "), "3 overview charts, then one per hop and rate");
        assertTrue(html.contains("<h2>2,000 events/s: latency percentiles over time, per hop</h2>"));
        assertTrue(html.contains("<b>not reconciled</b>"), "a failed run says so");
        // the rate table (a header and a row per rate), then per rate the CPU by component (a header, two components, the total)
        assertEquals(1 + results.size() + results.size() * 4, count(html, "<tr>"), "the rate table and the CPU tables");
        assertTrue(html.contains("<h3>CPU by component at 2,000 events/s (measured window, 1,000 events):</h3>"), "a CPU table per rate");
        assertTrue(html.contains("M"), "lines drawn");
    }

    @Test
    void repeatedRatesGetTheirMedianAndSpread() {
        List<LocalPipeline.Result> results = List.of(result(500, 0), result(1000, 0), result(500, 0), result(1000, 0), result(500, 0));
        List<String> table = LocalPipeline.benchTable(results);
        assertEquals(5, table.stream().filter(l -> l.matches("\\| (500|1,000) \\| .*")).filter(l -> l.contains("yes (")).count(), "a row per run");
        assertTrue(table.contains("| 500 | 3 | 0 | 490 (490–490) | 120 (120–120) | 900 (900–900) | 0.600 (0.600–0.600) | 3.0–5.0 |"),
                String.join("\n", table));
        assertTrue(table.contains("CPU by component at 1,000 events/s, median (min–max) over 2 runs' measured windows:"), String.join("\n", table));
        assertTrue(table.contains("| kafka core brokers | 0.600 (0.600–0.600) |"), String.join("\n", table));
        assertTrue(table.contains("| **pipeline (all but the harness)** | **0.600** (0.600–0.600) |"), String.join("\n", table));
    }

    @Test
    void aChartWithoutDataSaysSo() {
        String svg = BenchReport.chart("empty", "x", "y", List.of(new BenchReport.Series("s", "#000", false, false, List.of())), true, List.of(), 300, 200);
        assertTrue(svg.contains("no data"), svg);
    }

    private static LocalPipeline.Result result(double rate, int status) {
        List<LocalPipeline.Sample> timeline = new ArrayList<>();
        for (int t = 1; t <= 20; t++) {
            Map<PipelineTally.Hop, long[]> hops = new EnumMap<>(PipelineTally.Hop.class);
            for (PipelineTally.Hop h : PipelineTally.Hop.values()) {
                hops.put(h, t == 7 ? null : new long[] {10L * t, 20L * t, 40L * t, 50L * t, (long) rate});
            }
            timeline.add(new LocalPipeline.Sample(t, (long) (rate * Math.min(t, 15)), (long) (5 * rate * t), hops));
        }
        Map<PipelineTally.Hop, long[]> all = new EnumMap<>(PipelineTally.Hop.class);
        for (PipelineTally.Hop h : PipelineTally.Hop.values()) {
            all.put(h, new long[] {100, 400, 1000});
        }
        LocalPipeline.Settings settings = new LocalPipeline.Settings(rate, 3, 12, false, 100_000, 0.001, false, 30, null, false);
        return new LocalPipeline.Result(settings, status, (long) (rate * 15), rate * 0.98, 1.5, new long[] {120, 900, 1000}, all, 1.2, 3.0, 5.0,
                timeline, 3, 15, new LocalPipeline.MeasuredCpu(Map.of("kafka core brokers", 600_000_000L, CpuByComponent.HARNESS, 100_000_000L), 1_000));
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
