package io.oddsupdate.connect.deploy;

import static io.oddsupdate.connect.deploy.Generate.obj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CloudWatch alarms of one connector, on the metrics MSK Connect publishes for it: namespace
 * {@code AWS/KafkaConnect}, dimension {@code ConnectorName} (AWS MSK developer guide, "Monitoring Amazon MSK Connect";
 * check with {@code aws cloudwatch list-metrics --namespace AWS/KafkaConnect}). What each alarm means and what to do is
 * in {@code docs/operations.md}, under the alarm's suffix.
 *
 * <p>Our plugins' own signals (records dead-lettered, odds published, objects committed, latency) are not among those
 * metrics: {@link SignalMetrics} makes metrics of them from the worker log, and adds alarms of this shape on them.
 */
final class Alarms {

    static final String NAMESPACE = "AWS/KafkaConnect";
    static final String DIMENSION = "ConnectorName";
    static final String ERRORED_TASKS = "errored-tasks";
    static final String RUNNING_TASKS_LOW = "running-tasks-low";
    static final int PERIOD_SECONDS = 60;

    /**
     * One alarm, in the terms of PutMetricAlarm, on a metric of {@code namespace} with dimension {@code ConnectorName}
     * plus {@code dimensions}.
     */
    record Alarm(String name, String description, String namespace, String metric, Map<String, String> dimensions,
                 String statistic, int period, String comparison, int threshold, int evaluationPeriods, int datapointsToAlarm,
                 String treatMissingData) {
    }

    private Alarms() {
    }

    /**
     * <ul>
     *   <li>{@code errored-tasks}: {@code ErroredTaskCount} above 0 in 2 consecutive minutes. A task that failed stays
     *   failed until restarted (Connect does not restart it), so two minutes only skip a momentary blip. Missing data
     *   (no connector) is left to the next alarm.</li>
     *   <li>{@code running-tasks-low}: {@code RunningTaskCount} (maximum per minute) below the connector's healthy task
     *   count in 3 of 5 minutes: longer than a rebalance, and it fires too when the connector is gone or its workers
     *   publish nothing (missing data counts as breaching).</li>
     * </ul>
     */
    static List<Alarm> of(String alarmPrefix, String connector, Capacity capacity) {
        String prefix = alarmPrefix + connector + "-";
        List<Alarm> alarms = new ArrayList<>();
        alarms.add(new Alarm(prefix + ERRORED_TASKS,
                connector + ": a task has failed and stays failed until restarted. Runbook: docs/operations.md#" + ERRORED_TASKS,
                NAMESPACE, "ErroredTaskCount", Map.of(), "Maximum", PERIOD_SECONDS, "GreaterThanThreshold", 0, 2, 2, "notBreaching"));
        alarms.add(new Alarm(prefix + RUNNING_TASKS_LOW,
                connector + ": fewer than " + capacity.minimumRunningTasks() + " task(s) running (" + capacity.describe()
                        + "), or no metrics (connector gone). Runbook: docs/operations.md#" + RUNNING_TASKS_LOW,
                NAMESPACE, "RunningTaskCount", Map.of(), "Maximum", PERIOD_SECONDS, "LessThanThreshold", capacity.minimumRunningTasks(),
                5, 3, "breaching"));
        return alarms;
    }

    /**
     * The {@code aws cloudwatch put-metric-alarm --cli-input-json} request: the same fields as {@link #crossplane},
     * capitalised as the CloudWatch API names them, dimensions as a list of name/value pairs.
     */
    static Map<String, Object> putMetricAlarm(Alarm a, String connector, String alarmTopicArn) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("AlarmName", a.name());
        fields(a, connector, alarmTopicArn).forEach((k, v) -> r.put(k.equals("okActions") ? "OKActions"
                : Character.toUpperCase(k.charAt(0)) + k.substring(1), v));
        List<Map<String, Object>> dimensions = new ArrayList<>();
        dimensions(a, connector).forEach((name, value) -> dimensions.add(obj("Name", name, "Value", value)));
        r.put("Dimensions", dimensions);
        return r;
    }

    /** {@code spec.forProvider} of a {@code cloudwatch.aws.upbound.io/v1beta2} MetricAlarm for the same alarm. */
    static Map<String, Object> crossplane(Alarm a, String connector, String region, String alarmTopicArn) {
        Map<String, Object> fp = new LinkedHashMap<>();
        fp.put("region", region);
        fp.putAll(fields(a, connector, alarmTopicArn));
        return fp;
    }

    private static Map<String, Object> dimensions(Alarm a, String connector) {
        Map<String, Object> d = obj(DIMENSION, connector);
        d.putAll(a.dimensions());
        return d;
    }

    private static Map<String, Object> fields(Alarm a, String connector, String alarmTopicArn) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("alarmDescription", a.description());
        f.put("namespace", a.namespace());
        f.put("metricName", a.metric());
        f.put("dimensions", dimensions(a, connector));
        f.put("statistic", a.statistic());
        f.put("period", a.period());
        f.put("evaluationPeriods", a.evaluationPeriods());
        f.put("datapointsToAlarm", a.datapointsToAlarm());
        f.put("threshold", a.threshold());
        f.put("comparisonOperator", a.comparison());
        f.put("treatMissingData", a.treatMissingData());
        if (!alarmTopicArn.isBlank()) {
            f.put("alarmActions", List.of(alarmTopicArn));
            f.put("okActions", List.of(alarmTopicArn));
        }
        return f;
    }
}
