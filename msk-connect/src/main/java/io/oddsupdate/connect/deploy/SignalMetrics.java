package io.oddsupdate.connect.deploy;

import static io.oddsupdate.connect.deploy.Generate.obj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Our plugins' own signals in CloudWatch. MSK Connect publishes only its worker metrics ({@link Alarms}); each task of
 * ours writes its signals to the worker log instead, every {@code signals.log.interval.ms}, one line per signal ending
 * with {@code ODDSUPDATE_SIGNAL <plugin> <signal> <connector> <task> <tag> <value>} (the plugins' {@code Signals}), and
 * MSK Connect delivers the worker log to the environment's log group. Metric filters on that group turn the lines into
 * metrics in namespace {@value #NAMESPACE}, dimension {@code ConnectorName} (and {@code Reason} or {@code League}).
 *
 * <p>The filter pattern is space-delimited and anchored at the end of the line: {@code [..., marker="ODDSUPDATE_SIGNAL",
 * plugin, signal="<signal>", connector, task, tag, value, location]}, whatever the log layout puts in front (MSK Connect
 * adds its worker id, the layout a timestamp, level and the task's context). The last field is the location Connect's
 * log4j layout ({@code [%d] %p %X{connector.context}%m (%c:%L)%n}) writes after the message. CloudWatch's embedded
 * metric format cannot serve: it needs the whole log event to be one JSON object, and these are log4j lines.
 *
 * <p>A metric filter has one metric and at most three dimensions, and an alarm watches one metric with exact
 * dimensions: a signal with a tag gets two filters, one per connector (what the alarm watches) and one per connector
 * and tag value (what an operator breaks it down by).
 */
final class SignalMetrics {

    static final String NAMESPACE = "OddsUpdate/Connect";
    static final String MARKER = "ODDSUPDATE_SIGNAL";
    static final String DIMENSION = Alarms.DIMENSION;

    // signal names, as the plugins write them (common's Signals)
    static final String DEAD_LETTERS = "dead-letters";
    static final String ODDS_PUBLISHED = "odds-published";
    static final String OBJECTS_COMMITTED = "objects-committed";
    static final String ROWS_INSERTED = "rows-inserted";
    static final String LATENCY_MS = "latency-ms";

    // alarm suffixes: docs/operations.md has a section for each
    static final String DEAD_LETTERS_ALARM = "dead-letters";
    static final String ODDS_PUBLISHED_LOW = "odds-published-low";
    static final String BRONZE_OBJECTS_NONE = "bronze-objects-none";
    static final String LATENCY_HIGH = "latency-high";

    /** Defaults of the environment's optional {@code msk.signalAlarms}. */
    static final int DEFAULT_LATENCY_MAX_MS = 30_000;
    static final int DEFAULT_ODDS_PUBLISHED_MIN = 1;
    static final int DEFAULT_ODDS_QUIET_MINUTES = 15;

    /** One metric filter: lines of {@code signal} → metric {@code metric} with these dimensions (name → field). */
    record Filter(String name, String signal, String metric, Map<String, String> dimensions, String unit) {
        String pattern() {
            return pattern(signal);
        }

        static String pattern(String signal) {
            return "[..., marker=\"" + MARKER + "\", plugin, signal=\"" + signal + "\", connector, task, tag, value, location]";
        }
    }

    private SignalMetrics() {
    }

    /** Every filter of the environment, named {@code <prefix>signal-<metric>}; they apply to every connector. */
    static List<Filter> filters(String prefix) {
        List<Filter> f = new ArrayList<>();
        f.add(filter(prefix, DEAD_LETTERS, "DeadLetters", obj(DIMENSION, "$connector"), "Count"));
        f.add(filter(prefix, DEAD_LETTERS, "DeadLettersByReason", obj(DIMENSION, "$connector", "Reason", "$tag"), "Count"));
        f.add(filter(prefix, ODDS_PUBLISHED, "PublishedOdds", obj(DIMENSION, "$connector"), "Count"));
        f.add(filter(prefix, ODDS_PUBLISHED, "PublishedOddsByLeague", obj(DIMENSION, "$connector", "League", "$tag"), "Count"));
        f.add(filter(prefix, OBJECTS_COMMITTED, "ObjectsCommitted", obj(DIMENSION, "$connector"), "Count"));
        f.add(filter(prefix, ROWS_INSERTED, "RowsInserted", obj(DIMENSION, "$connector"), "Count"));
        f.add(filter(prefix, LATENCY_MS, "LatencyMs", obj(DIMENSION, "$connector"), "Milliseconds"));
        return f;
    }

    private static Filter filter(String prefix, String signal, String metric, Map<String, Object> dimensions, String unit) {
        Map<String, String> d = new LinkedHashMap<>();
        dimensions.forEach((k, v) -> d.put(k, (String) v));
        return new Filter(KubernetesNames.subdomain(prefix + "signal-" + metric), signal, metric, d, unit);
    }

    /**
     * The signal alarms of one connector, by what its plugin writes:
     * <ul>
     *   <li>{@code dead-letters}: any record dead-lettered in 5 minutes (odds sink and source, bronze and ClickHouse sinks,
     *   and a MirrorMaker connector whose transforms have a {@code dlq.topic}). Missing data is fine: nothing to report.</li>
     *   <li>{@code odds-published-low}: fewer than {@code oddsPublishedMin} odds updates reached Kafka in
     *   {@code oddsQuietMinutes} (odds source). Missing data breaches: no task is reporting.</li>
     *   <li>{@code bronze-objects-none}: no Parquet object committed in twice {@code rotate.schedule.interval.ms}
     *   (at least 10 minutes), when every partition with records closes its files once per interval. Missing data
     *   breaches.</li>
     *   <li>{@code latency-high}: the largest record-timestamp-to-output latency above {@code latencyMaxMs} in 5
     *   consecutive minutes (connectors that measure it).</li>
     * </ul>
     */
    static List<Alarms.Alarm> alarms(String alarmPrefix, String connector, Map<String, String> config, JsonNode settings) {
        String prefix = alarmPrefix + connector + "-";
        String runbook = " Runbook: docs/operations.md#";
        String cls = config.getOrDefault("connector.class", "");
        List<Alarms.Alarm> alarms = new ArrayList<>();
        boolean mirror = cls.endsWith(".TopicMappingMirrorSourceConnector");
        boolean transformsDeadLetter = mirror && config.entrySet().stream()
                .anyMatch(e -> e.getKey().startsWith("transforms.") && e.getKey().endsWith(".dlq.topic") && !e.getValue().isBlank());
        boolean transformsMeasure = mirror && config.entrySet().stream()
                .anyMatch(e -> e.getKey().startsWith("transforms.") && e.getKey().endsWith(".type") && e.getValue().startsWith("io.oddsupdate.connect.smt."));
        boolean deadLetters = cls.endsWith(".OddsSinkConnector") || cls.endsWith(".OddsSourceConnector") || cls.endsWith(".S3ParquetSinkConnector")
                || cls.endsWith(".ClickHouseSinkConnector") || transformsDeadLetter;
        boolean latency = cls.endsWith(".OddsSinkConnector") || cls.endsWith(".OddsSourceConnector")
                || cls.endsWith(".ClickHouseSinkConnector") || transformsMeasure;
        if (deadLetters) {
            alarms.add(new Alarms.Alarm(prefix + DEAD_LETTERS_ALARM, connector + ": records were dead-lettered in the last 5 minutes"
                    + " (metric DeadLettersByReason tells why)." + runbook + DEAD_LETTERS_ALARM,
                    NAMESPACE, "DeadLetters", Map.of(), "Sum", 300, "GreaterThanThreshold", 0, 1, 1, "notBreaching"));
        }
        if (cls.endsWith(".OddsSourceConnector")) {
            int min = settings.path("oddsPublishedMin").asInt(DEFAULT_ODDS_PUBLISHED_MIN);
            int minutes = settings.path("oddsQuietMinutes").asInt(DEFAULT_ODDS_QUIET_MINUTES);
            alarms.add(new Alarms.Alarm(prefix + ODDS_PUBLISHED_LOW, connector + ": fewer than " + min + " odds update(s) published in "
                    + minutes + " minutes, or no task reporting." + runbook + ODDS_PUBLISHED_LOW,
                    NAMESPACE, "PublishedOdds", Map.of(), "Sum", minutes * 60, "LessThanThreshold", min, 1, 1, "breaching"));
        }
        if (cls.endsWith(".S3ParquetSinkConnector")) {
            long rotateMs = Long.parseLong(config.getOrDefault("rotate.schedule.interval.ms", "600000"));
            int period = (int) Math.max(600, ceilToMinute(2 * Math.max(rotateMs, 0) / 1000));
            alarms.add(new Alarms.Alarm(prefix + BRONZE_OBJECTS_NONE, connector + ": no Parquet object committed to S3 in "
                    + period / 60 + " minutes, or no task reporting." + runbook + BRONZE_OBJECTS_NONE,
                    NAMESPACE, "ObjectsCommitted", Map.of(), "Sum", period, "LessThanThreshold", 1, 1, 1, "breaching"));
        }
        if (latency) {
            int max = settings.path("latencyMaxMs").asInt(DEFAULT_LATENCY_MAX_MS);
            alarms.add(new Alarms.Alarm(prefix + LATENCY_HIGH, connector + ": records reach the output more than " + max
                    + " ms after their timestamp, for 5 minutes." + runbook + LATENCY_HIGH,
                    NAMESPACE, "LatencyMs", Map.of(), "Maximum", Alarms.PERIOD_SECONDS, "GreaterThanThreshold", max, 5, 5, "notBreaching"));
        }
        return alarms;
    }

    private static long ceilToMinute(long seconds) {
        return (seconds + 59) / 60 * 60;
    }

    /** The {@code aws logs put-metric-filter --cli-input-json} request. */
    static Map<String, Object> putMetricFilter(Filter f, String logGroup) {
        return obj("logGroupName", logGroup, "filterName", f.name(), "filterPattern", f.pattern(),
                "metricTransformations", List.of(transformation(f, "metricName", "metricNamespace", "metricValue")));
    }

    /** {@code spec.forProvider} of a {@code cloudwatchlogs.aws.upbound.io/v1beta2} MetricFilter (its metricTransformation is one object). */
    static Map<String, Object> crossplane(Filter f, String region, String logGroupMeta) {
        return obj("region", region, "logGroupNameRef", obj("name", logGroupMeta), "pattern", f.pattern(),
                "metricTransformation", transformation(f, "name", "namespace", "value"));
    }

    /** The same transformation under the API's names or the provider's: the value is the line's last signal field. */
    private static Map<String, Object> transformation(Filter f, String nameKey, String namespaceKey, String valueKey) {
        return obj(nameKey, f.metric(), namespaceKey, NAMESPACE, valueKey, "$value", "dimensions", f.dimensions(), "unit", f.unit());
    }
}
