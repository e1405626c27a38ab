package io.oddsupdate.connect.odds;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkTask;

import io.oddsupdate.connect.common.Signals;
import io.oddsupdate.connect.common.Version;

/**
 * Prices in-play odds from vendor events ({@code raw.events.{league}}): reference data from Postgres, game state in
 * Redis, and every event applied in one atomic Redis script (dedupe by event id and vendor seq, state update, XADD of
 * the odds updates to the league's stream {@code <prefix>:{league}:stream}, and the Kafka offset). Tasks resume from
 * the offsets stored in Redis, so a restart or rebalance neither loses nor repeats an output.
 * {@link OddsSourceConnector} publishes the streams to Kafka.
 *
 * <p>Subscribe with {@code topics.regex=raw\.events\.(?!dlq$).+} ({@link #RECOMMENDED_TOPICS_REGEX}): plain
 * {@code raw\.events\..*} also matches {@code raw.events.dlq}, which the connector refuses. Unusable events
 * (malformed, tombstone, unknown game, league mismatch) go to {@code errors.deadletterqueue.topic.name} with the reason
 * (set {@code errors.tolerance=all}; {@code errors.deadletterqueue.context.headers.enable=true} adds it as headers).
 */
public class OddsSinkConnector extends SinkConnector {

    public static final String RECOMMENDED_TOPICS_REGEX = "raw\\.events\\.(?!dlq$).+";
    static final String RAW_DLQ = "raw.events.dlq";

    public static final String POSTGRES_URL = "postgres.url";
    public static final String POSTGRES_USER = "postgres.user";
    public static final String POSTGRES_PASSWORD = "postgres.password";
    public static final String POSTGRES_SSLMODE = "postgres.sslmode";
    public static final String POSTGRES_MIGRATIONS = "postgres.migrations";
    public static final String REFRESH_MS = "reference.refresh.interval.ms";
    public static final String MISSING_RELOAD_MS = "reference.missing.reload.interval.ms";
    public static final String STATE_TTL_S = "state.ttl.seconds";
    public static final String MIN_REPLICAS = "redis.min.replicas";

    public static final ConfigDef CONFIG_DEF = Signals.define(RedisSettings.define(new ConfigDef()
            .define(POSTGRES_URL, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.HIGH, "JDBC URL of the reference database, e.g. jdbc:postgresql://host:5432/odds.")
            .define(POSTGRES_USER, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.HIGH, "Database user (read access to the odds_* tables; DDL rights if migrations are on).")
            .define(POSTGRES_PASSWORD, ConfigDef.Type.PASSWORD, null, ConfigDef.Importance.HIGH,
                    "Database password; use a config provider reference, never a literal secret.")
            .define(POSTGRES_SSLMODE, ConfigDef.Type.STRING, "prefer",
                    ConfigDef.ValidString.in("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
                    ConfigDef.Importance.MEDIUM, "PostgreSQL JDBC sslmode; require or verify-full for RDS in production.")
            .define(POSTGRES_MIGRATIONS, ConfigDef.Type.STRING, "schema",
                    ConfigDef.ValidString.in("none", "schema", "schema_and_seed"), ConfigDef.Importance.MEDIUM,
                    "Which shipped migrations a task applies before its first load (recorded in odds_schema_version, "
                            + "under an advisory lock): none, schema (the odds_* tables), or schema_and_seed (plus the "
                            + "nba/nfl/mlb seed data for local runs and tests; never in production).")
            .define(REFRESH_MS, ConfigDef.Type.LONG, 30_000L, ConfigDef.Range.atLeast(1_000L), ConfigDef.Importance.MEDIUM,
                    "Reference data is reloaded this often: a change in Postgres is priced in within this interval plus "
                            + "one batch, without a restart.")
            .define(MISSING_RELOAD_MS, ConfigDef.Type.LONG, 250L, ConfigDef.Range.atLeast(0L), ConfigDef.Importance.LOW,
                    "An event for a game not in the loaded reference data is judged on a snapshot loaded after the event "
                            + "arrived (the game may have been added since the last load): an older snapshot is reloaded first, "
                            + "and such reloads are at least this far apart (the task waits out the rest). Only then is the "
                            + "event dead-lettered as an unknown game; while PostgreSQL cannot be read it is retried instead.")
            .define(STATE_TTL_S, ConfigDef.Type.INT, 172_800, ConfigDef.Range.atLeast(0), ConfigDef.Importance.LOW,
                    "Seconds a game's state and applied event ids live in Redis after its last event (0 = forever). "
                            + "Dedupe holds for events arriving within this time.")
            .define(MIN_REPLICAS, ConfigDef.Type.INT, 0, ConfigDef.Range.between(0, 5), ConfigDef.Importance.MEDIUM,
                    "After each batch, wait (Redis WAIT, up to half of redis.timeout.ms) until this many replicas have its writes "
                            + "before the batch counts as done; fewer is a retriable error. Redis replicates asynchronously, so "
                            + "with 0 a failover can lose the last writes after Kafka committed past them; set 1 on an "
                            + "ElastiCache replication group with a replica.")));

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new AbstractConfig(CONFIG_DEF, props, false);
        checkSubscription(props);
        this.props = props;
    }

    /** The DLQ must never be consumed: it would price dead letters and dead-letter them again, forever. */
    static void checkSubscription(Map<String, String> props) {
        String dlq = props.getOrDefault("errors.deadletterqueue.topic.name", "");
        String regex = props.get(SinkTask.TOPICS_REGEX_CONFIG);
        for (String forbidden : new String[] {RAW_DLQ, dlq}) {
            if (forbidden.isEmpty()) {
                continue;
            }
            if (regex != null && !regex.isBlank() && Pattern.compile(regex).matcher(forbidden).matches()) {
                throw new ConfigException(SinkTask.TOPICS_REGEX_CONFIG, regex, "OddsSinkConnector: matches the dead-letter topic '"
                        + forbidden + "'; use " + RECOMMENDED_TOPICS_REGEX);
            }
            String topics = props.get(SinkTask.TOPICS_CONFIG);
            if (topics != null && List.of(topics.split("\\s*,\\s*")).contains(forbidden)) {
                throw new ConfigException(SinkTask.TOPICS_CONFIG, topics, "OddsSinkConnector: lists the dead-letter topic '" + forbidden + "'");
            }
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return OddsSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(new HashMap<>(props));
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.VERSION;
    }
}
