package io.oddsupdate.connect.odds;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.util.ConnectorUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.oddsupdate.connect.common.Signals;
import io.oddsupdate.connect.common.Version;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Publishes the odds updates {@link OddsSinkConnector} appends to the per-league Redis streams
 * ({@code <prefix>:{league}:stream}) to {@code odds.updates.internal.{league}}: key {@code game_id}, headers
 * {@code league}, {@code game_id}, {@code player_id}, {@code model_version}, value the internal {@code OddsUpdate}
 * ({@code schemas/odds-update-internal/v2.avsc}) as a Struct, so any converter works.
 *
 * <p>Source offsets are stream entry ids, so a restarted task resumes exactly where it left off; with
 * {@code exactly.once.source.support=enabled} on the workers, records and offsets commit in one transaction
 * (KIP-618). Entries are trimmed from a stream once Kafka has acknowledged them, so Redis memory stays bounded.
 * Streams are spread over up to {@code tasks.max} tasks; a new league's stream is picked up without a restart.
 *
 * <p>An entry that is not an odds update (nothing but the sink should write these streams) is moved, under its own id
 * and with the reason in {@code __dead_letter.reason}, to {@code <prefix>:{league}:dead-letters} and logged: the task
 * goes on, and nothing is dropped.
 */
public class OddsSourceConnector extends SourceConnector {

    private static final Logger log = LoggerFactory.getLogger(OddsSourceConnector.class);

    public static final String TOPIC_TEMPLATE = "topic.template";
    public static final String LEAGUES = "leagues";
    public static final String DISCOVERY_INTERVAL_MS = "leagues.discovery.interval.ms";
    public static final String BATCH_SIZE = "batch.size";
    public static final String POLL_BLOCK_MS = "poll.block.ms";
    static final String TASK_LEAGUES = "task.leagues";
    static final String LEAGUE_PLACEHOLDER = "${league}";

    public static final ConfigDef CONFIG_DEF = Signals.define(RedisSettings.define(new ConfigDef()
            .define(TOPIC_TEMPLATE, ConfigDef.Type.STRING, "odds.updates.internal." + LEAGUE_PLACEHOLDER,
                    new ConfigDef.NonEmptyStringWithoutControlChars(), ConfigDef.Importance.HIGH,
                    "Target topic of a league's odds updates; " + LEAGUE_PLACEHOLDER + " is replaced by the league.")
            .define(LEAGUES, ConfigDef.Type.LIST, "", ConfigDef.Importance.MEDIUM,
                    "Leagues to publish; empty (default) publishes every league stream found in Redis, including new ones.")
            .define(DISCOVERY_INTERVAL_MS, ConfigDef.Type.LONG, 10_000L, ConfigDef.Range.atLeast(100L), ConfigDef.Importance.LOW,
                    "How often the connector scans Redis for new league streams (then reassigns streams to tasks).")
            .define(BATCH_SIZE, ConfigDef.Type.INT, 1_000, ConfigDef.Range.between(1, 100_000), ConfigDef.Importance.LOW,
                    "Most entries read from each stream per poll.")
            .define(POLL_BLOCK_MS, ConfigDef.Type.INT, 500, ConfigDef.Range.between(0, 10_000), ConfigDef.Importance.LOW,
                    "How long a poll waits for new entries when the streams are idle.")));

    private Map<String, String> props;
    private AbstractConfig config;
    private JedisPool pool;
    private ScheduledExecutorService discovery;
    private volatile SortedSet<String> leagues = new TreeSet<>();

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
        this.config = new AbstractConfig(CONFIG_DEF, props, false);
        if (!config.getString(TOPIC_TEMPLATE).contains(LEAGUE_PLACEHOLDER) && config.getList(LEAGUES).size() != 1) {
            log.warn("OddsSourceConnector: {} has no {}: every league goes to one topic", TOPIC_TEMPLATE, LEAGUE_PLACEHOLDER);
        }
        if (!config.getList(LEAGUES).isEmpty()) {
            leagues = new TreeSet<>(config.getList(LEAGUES));
            return;
        }
        pool = RedisSettings.pool(config, "OddsSourceConnector-" + props.getOrDefault("name", "odds-source"));
        leagues = discover();
        long interval = config.getLong(DISCOVERY_INTERVAL_MS);
        discovery = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "odds-source-discovery-" + props.getOrDefault("name", ""));
            t.setDaemon(true);
            return t;
        });
        discovery.scheduleWithFixedDelay(this::rediscover, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void rediscover() {
        try {
            SortedSet<String> found = discover();
            if (found != null && !found.equals(leagues)) {
                log.info("OddsSourceConnector: league streams changed from {} to {}; reconfiguring tasks", leagues, found);
                leagues = found;
                context.requestTaskReconfiguration();
            }
        } catch (RuntimeException e) {
            // an exception would cancel the schedule: log it and look again next time
            log.warn("OddsSourceConnector: league discovery failed, retrying in {} ms: {}", config.getLong(DISCOVERY_INTERVAL_MS), e.toString());
        }
    }

    /** Every league with a stream in Redis; null if Redis cannot be reached (keep what we have). */
    private SortedSet<String> discover() {
        String prefix = config.getString(RedisSettings.KEY_PREFIX);
        SortedSet<String> found = new TreeSet<>();
        try (Jedis j = pool.getResource()) {
            ScanParams params = new ScanParams().match(RedisSettings.streamKeyPattern(prefix)).count(1000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = j.scan(cursor, params, "stream");
                for (String key : page.getResult()) {
                    String league = RedisSettings.leagueOfStream(prefix, key);
                    if (league != null) {
                        found.add(league);
                    }
                }
                cursor = page.getCursor();
            } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
            return found;
        } catch (RuntimeException e) {
            log.warn("OddsSourceConnector: cannot scan Redis for league streams: {}", e.toString());
            return leagues.isEmpty() ? found : null;
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return OddsSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<String> all = new ArrayList<>(leagues);
        List<Map<String, String>> configs = new ArrayList<>();
        if (all.isEmpty()) {
            return configs; // no stream yet: discovery reconfigures when the sink creates the first one
        }
        for (List<String> group : ConnectorUtils.groupPartitions(all, Math.min(maxTasks, all.size()))) {
            Map<String, String> c = new HashMap<>(props);
            c.put(TASK_LEAGUES, String.join(",", group));
            configs.add(c);
        }
        return configs;
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED; // offsets are stream ids read back from Connect's offsets, nothing else
    }

    @Override
    public void stop() {
        if (discovery != null) {
            discovery.shutdownNow();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.VERSION;
    }

    static void requireLeagues(String value) {
        if (value == null) {
            throw new ConfigException(TASK_LEAGUES, null, "missing: set by OddsSourceConnector");
        }
    }
}
