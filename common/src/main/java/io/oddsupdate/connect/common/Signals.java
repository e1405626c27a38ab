package io.oddsupdate.connect.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The operator signals of one task (records dead-lettered per reason, odds published per league, objects committed,
 * rows inserted, latency), read two ways:
 * <ul>
 *   <li>as JMX, through Kafka's own {@link Metrics} and {@link JmxReporter}: MBean
 *   {@code io.oddsupdate.connect:type=<plugin>,connector=<name>,task=<id>[,<tag>=<value>]}, attribute
 *   {@code <signal>-total} for a counter (cumulative since the task started, what the Prometheus JMX exporter turns
 *   into a counter), {@code <signal>-max} (the largest of the last log interval, or since the start when no lines are written) and
 *   {@code <signal>-last} for a latency;</li>
 *   <li>as one worker log line per signal every {@link #LOG_INTERVAL_CONFIG} ms, for CloudWatch: MSK Connect publishes
 *   only its own worker metrics, but delivers worker logs to a CloudWatch log group, where a metric filter turns these
 *   lines into metrics. A line ends with {@link #LOG_MARKER} and six space-separated fields,
 *   {@code <plugin> <signal> <connector> <task> <tag> <value>} (the value of the interval: a counter's increase, a
 *   latency's maximum), so that a space-delimited filter pattern anchored at the end ({@code [..., marker=..., ...]})
 *   finds them whatever the log layout puts in front. CloudWatch's embedded metric format is not an option: it needs
 *   the whole log event to be JSON, and Connect's log4j lines are not.</li>
 * </ul>
 *
 * <p>Everything is per instance: a task creates its own in {@code start} and closes it in {@code stop}, which
 * unregisters its MBeans. Two connectors (or two tasks) in one worker share nothing; their MBean names differ by the
 * connector and task tags. Counting is a {@link LongAdder} increment on the task's thread, after one map look-up for a
 * tagged counter: no allocation once a tag value has been seen.
 */
public final class Signals implements AutoCloseable {

    public static final String JMX_DOMAIN = "io.oddsupdate.connect";
    /** The token a signal log line's fields follow; the CloudWatch metric filters match it. */
    public static final String LOG_MARKER = "ODDSUPDATE_SIGNAL";
    /** Logger of the signal lines: an operator can route or silence them on their own. */
    public static final String LOGGER = Signals.class.getName();
    /** The value of a line's tag field for a signal without a tag. */
    public static final String NO_TAG = "-";

    public static final String LOG_INTERVAL_CONFIG = "signals.log.interval.ms";
    public static final long LOG_INTERVAL_DEFAULT = 60_000L;
    private static final String LOG_INTERVAL_DOC = "How often each task writes its operator signals (dead letters per"
            + " reason, records published or committed, latency) to the worker log, one line per signal starting at '"
            + LOG_MARKER + "', for CloudWatch Logs metric filters (MSK Connect publishes no plugin metrics itself). Keep it"
            + " at or below the alarms' period (60 s). 0: no lines; the signals stay readable as JMX (domain "
            + JMX_DOMAIN + ").";

    // The signals of the bundle, shared with the generated CloudWatch metric filters.
    public static final String DEAD_LETTERS = "dead-letters";
    public static final String ODDS_PUBLISHED = "odds-published";
    public static final String OBJECTS_COMMITTED = "objects-committed";
    public static final String ROWS_INSERTED = "rows-inserted";
    public static final String LATENCY_MS = "latency-ms";
    public static final String REASON_TAG = "reason";
    public static final String LEAGUE_TAG = "league";

    /** Connect's MDC key for a task thread's log context, {@code [<connector>|task-<n>] } (its LoggingContext). */
    private static final String CONNECT_LOG_CONTEXT = "connector.context";
    private static final Pattern TASK_CONTEXT = Pattern.compile("\\[(.+)\\|task-(\\d+)\\]\\s*");
    /** Characters a log field cannot hold: CloudWatch splits fields at spaces and groups "..." and [...] into one. */
    private static final Pattern NOT_A_FIELD = Pattern.compile("[\\s\"\\[\\]()]");

    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final String plugin;
    private final String connector;
    private final String task;
    private final Metrics metrics;
    private final List<Signal> signals = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService reporter;

    /**
     * Signals of the task running on this thread: its connector and task id come from Connect's log context, which the
     * worker sets around a task's {@code start} (the Connect API gives a task neither).
     *
     * @param plugin the JMX {@code type}, e.g. {@code odds-sink}
     * @param props the task's config, for {@code name} when no log context is set (a test)
     * @param logIntervalMs {@link #LOG_INTERVAL_CONFIG}; 0 writes no lines
     */
    public static Signals forTask(String plugin, Map<String, String> props, long logIntervalMs) {
        return forTask(plugin, props, Map.of(), logIntervalMs);
    }

    /**
     * The same, with tags of its own on every MBean: a transform's alias, so that two transforms of one task do not
     * share MBeans (their log lines may be alike: CloudWatch sums or maximises them per period).
     */
    public static Signals forTask(String plugin, Map<String, ?> props, Map<String, String> ownTags, long logIntervalMs) {
        Matcher m = TASK_CONTEXT.matcher(String.valueOf(MDC.get(CONNECT_LOG_CONTEXT)));
        if (m.matches()) {
            return new Signals(plugin, m.group(1), m.group(2), ownTags, logIntervalMs, Time.SYSTEM);
        }
        // not on a Connect task thread: unique per instance, so two such tasks in one JVM do not share MBeans
        Object name = props.get("name");
        return new Signals(plugin, name == null ? plugin : name.toString(), "x" + Integer.toHexString(System.identityHashCode(props)),
                ownTags, logIntervalMs, Time.SYSTEM);
    }

    public Signals(String plugin, String connector, String task, long logIntervalMs, Time time) {
        this(plugin, connector, task, Map.of(), logIntervalMs, time);
    }

    public Signals(String plugin, String connector, String task, Map<String, String> ownTags, long logIntervalMs, Time time) {
        this.plugin = field(plugin);
        this.connector = field(connector);
        this.task = field(task);
        JmxReporter jmx = new JmxReporter();
        jmx.configure(Map.of());
        // connector and task tag every metric, Metrics' own metric count included: its MBean would be shared otherwise
        Map<String, String> taskTags = new LinkedHashMap<>();
        taskTags.put("connector", this.connector);
        taskTags.put("task", this.task);
        ownTags.forEach((k, v) -> taskTags.put(k, field(v)));
        this.metrics = new Metrics(new MetricConfig().tags(taskTags), List.of(jmx), time, new KafkaMetricsContext(JMX_DOMAIN));
        if (logIntervalMs > 0) {
            reporter = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "signals-" + this.connector + "-" + this.task);
                t.setDaemon(true);
                return t;
            });
            reporter.scheduleAtFixedRate(this::logReport, logIntervalMs, logIntervalMs, TimeUnit.MILLISECONDS);
        } else {
            reporter = null;
        }
    }

    /** Adds {@link #LOG_INTERVAL_CONFIG} to a plugin's config. */
    public static ConfigDef define(ConfigDef def) {
        return def.define(LOG_INTERVAL_CONFIG, ConfigDef.Type.LONG, LOG_INTERVAL_DEFAULT, ConfigDef.Range.atLeast(0L),
                ConfigDef.Importance.LOW, LOG_INTERVAL_DOC);
    }

    /** A counter without a tag, e.g. objects committed. */
    public Counter counter(String signal, String description) {
        return counters(signal, null, description).get(NO_TAG);
    }

    /** Counters of one signal by the value of a tag, e.g. dead letters by reason. */
    public Counters counters(String signal, String tag, String description) {
        Counters c = new Counters(signal, tag, description);
        signals.add(c);
        return c;
    }

    /** A latency: the largest observation of each interval, and the last one. */
    public Latency latency(String signal, String description) {
        Latency l = new Latency(signal, description);
        signals.add(l);
        return l;
    }

    /**
     * The lines for the interval that ends now, one per signal and tag value, and starts the next interval. Public for
     * tests; the reporter thread logs them.
     */
    public List<String> report() {
        List<String> lines = new ArrayList<>();
        for (Signal s : signals) {
            s.report(lines);
        }
        return lines;
    }

    private void logReport() {
        try {
            for (String line : report()) {
                log.info(line);
            }
        } catch (RuntimeException e) {
            log.warn("cannot report the signals of {} task {}: {}", connector, task, e.toString()); // keep the schedule
        }
    }

    /** The line of one value: {@value #LOG_MARKER} and the six fields. */
    public static String line(String plugin, String signal, String connector, String task, String tagValue, long value) {
        return LOG_MARKER + " " + field(plugin) + " " + field(signal) + " " + field(connector) + " " + field(task) + " "
                + field(tagValue) + " " + value;
    }

    /** Stops the reporter, logs the last (partial) interval, and unregisters the MBeans. */
    @Override
    public void close() {
        if (reporter != null) {
            reporter.shutdownNow();
            logReport();
        }
        metrics.close();
    }

    static String field(String value) {
        if (value == null || value.isBlank()) {
            return NO_TAG;
        }
        return NOT_A_FIELD.matcher(value.strip()).replaceAll("_");
    }

    /** A signal's own tag; {@link Metrics} puts the connector and task tags first. */
    private static Map<String, String> tags(String tag, String value) {
        return tag == null ? Map.of() : Map.of(tag, value);
    }

    private interface Signal {
        void report(List<String> lines);
    }

    /** A count that only grows. */
    public static final class Counter {
        private final LongAdder total = new LongAdder();
        private long reported;

        public void increment() {
            total.increment();
        }

        public void add(long n) {
            total.add(n);
        }

        public long total() {
            return total.sum();
        }

        /** The increase since the last call (the reporter thread's only). */
        synchronized long interval() {
            long now = total.sum();
            long delta = now - reported;
            reported = now;
            return delta;
        }
    }

    /** Counters of one signal, one per tag value, each registered as an MBean when first used. */
    public final class Counters implements Signal {
        private final String signal;
        private final String tag;
        private final String description;
        private final ConcurrentMap<String, Counter> byTag = new ConcurrentHashMap<>();

        private Counters(String signal, String tag, String description) {
            this.signal = signal;
            this.tag = tag;
            this.description = description;
        }

        /** The counter of a tag value (of the one counter, for a signal without a tag). */
        public Counter get(String tagValue) {
            Counter c = byTag.get(tagValue);
            return c != null ? c : byTag.computeIfAbsent(tagValue, this::register);
        }

        private Counter register(String tagValue) {
            Counter c = new Counter();
            MetricName name = metrics.metricName(signal + "-total", plugin, description, tags(tag, field(tagValue)));
            metrics.addMetric(name, (Measurable) (config, now) -> c.total());
            return c;
        }

        @Override
        public void report(List<String> lines) {
            byTag.forEach((value, c) -> lines.add(line(plugin, signal, connector, task, tag == null ? NO_TAG : value, c.interval())));
        }
    }

    /** Milliseconds from a record's timestamp to the moment it reached this task's output. */
    public final class Latency implements Signal {
        private final String signal;
        private final AtomicLong intervalMax = new AtomicLong(-1);
        private volatile long lastMax = -1;
        private volatile long last = -1;

        private Latency(String signal, String description) {
            this.signal = signal;
            // with no log lines there are no intervals: the largest since the task started
            metrics.addMetric(metrics.metricName(signal + "-max", plugin, description
                    + " (largest of the last reporting interval, or since start without log lines; -1: none)", tags(null, null)),
                    (Measurable) (c, now) -> reporter == null ? intervalMax.get() : lastMax);
            metrics.addMetric(metrics.metricName(signal + "-last", plugin, description + " (latest; -1: none)",
                    tags(null, null)), (Measurable) (c, now) -> last);
        }

        public void record(long ms) {
            last = ms;
            intervalMax.accumulateAndGet(ms, Math::max);
        }

        @Override
        public void report(List<String> lines) {
            long max = intervalMax.getAndSet(-1);
            lastMax = max;
            if (max >= 0) { // nothing arrived: no data point, rather than a latency of 0
                lines.add(line(plugin, signal, connector, task, NO_TAG, max));
            }
        }
    }
}
