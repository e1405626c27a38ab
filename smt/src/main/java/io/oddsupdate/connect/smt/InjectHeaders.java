package io.oddsupdate.connect.smt;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.header.Headers;

import io.oddsupdate.connect.common.FieldPath;
import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadException;
import io.oddsupdate.connect.common.PayloadTransformation;

/**
 * Adds the routing headers downstream consumers filter on ({@code league}, {@code game_id}, {@code event_id},
 * {@code player_id}, {@code model_version}) as strings, replacing any header of the same name.
 */
public class InjectHeaders<R extends ConnectRecord<R>> extends PayloadTransformation<R> {

    public static final String OVERVIEW_DOC = "Adds or replaces (never duplicates) the string headers <code>league</code>"
            + " (from the topic name, through <code>league.topic.regex</code>), <code>game_id</code>, <code>event_id</code>,"
            + " <code>player_id</code> and <code>model_version</code> (from the value, through the <code>*.paths</code>"
            + " settings; <code>model_version</code> falls back to <code>model.version</code>). Works on Struct, Map, JSON"
            + " and Glue-Avro bytes values (Glue-Avro read with this transform's own <code>glue.*</code> settings). A header whose value is missing is left out (an existing header of that name is kept) unless it"
            + " is listed in <code>required.headers</code>: then the record is dead-lettered (<code>dlq.topic</code>) or fails."
            + " Numbers and booleans become their string form; an object or array is a failure. Headers are written as Strings,"
            + " or as UTF-8 bytes with <code>header.format=bytes</code> (for a ByteArrayConverter header converter, as"
            + " MirrorMaker should use). Tombstones pass untouched.";

    public static final String LEAGUE = "league";
    public static final String GAME_ID = "game_id";
    public static final String EVENT_ID = "event_id";
    public static final String PLAYER_ID = "player_id";
    public static final String MODEL_VERSION = "model_version";

    public static final String LEAGUE_TOPIC_REGEX_CONFIG = "league.topic.regex";
    public static final String GAME_ID_PATHS_CONFIG = "game.id.paths";
    public static final String EVENT_ID_PATHS_CONFIG = "event.id.paths";
    public static final String PLAYER_ID_PATHS_CONFIG = "player.id.paths";
    public static final String MODEL_VERSION_PATHS_CONFIG = "model.version.paths";
    public static final String MODEL_VERSION_CONFIG = "model.version";
    public static final String REQUIRED_HEADERS_CONFIG = "required.headers";

    private static final int MAX_CACHED_TOPICS = 10_000;

    public static final String DEFAULT_LEAGUE_TOPIC_REGEX =
            "^(?:.+\\.)?(?:vendor\\.raw\\.events|raw\\.events|odds\\.updates\\.internal|odds\\.updates\\.public)\\.(?<league>[A-Za-z0-9_-]+)$";

    public static final ConfigDef CONFIG_DEF = define(new ConfigDef()
            .define(LEAGUE_TOPIC_REGEX_CONFIG, ConfigDef.Type.STRING, DEFAULT_LEAGUE_TOPIC_REGEX, new LeagueRegex(),
                    ConfigDef.Importance.HIGH, "Regex matched against the whole topic name; its named group 'league' is the"
                            + " league header. The default matches vendor.raw.events.X, raw.events.X, odds.updates.internal.X and"
                            + " odds.updates.public.X, also behind a replication prefix such as 'vendor.'. Note it also matches a"
                            + " dead-letter topic such as raw.events.dlq (league 'dlq').")
            .define(GAME_ID_PATHS_CONFIG, ConfigDef.Type.LIST, "game_id,gameId,game.id", FieldPath.validList(true),
                    ConfigDef.Importance.MEDIUM, "Dotted value paths for the game_id header, tried in order.")
            .define(EVENT_ID_PATHS_CONFIG, ConfigDef.Type.LIST, "event_id,eventId,event.id", FieldPath.validList(true),
                    ConfigDef.Importance.MEDIUM, "Dotted value paths for the event_id header, tried in order.")
            .define(PLAYER_ID_PATHS_CONFIG, ConfigDef.Type.LIST, "payload.player_id,player_id,playerId,player.id",
                    FieldPath.validList(true), ConfigDef.Importance.MEDIUM,
                    "Dotted value paths for the player_id header, tried in order (the raw vendor event has it at payload.player_id).")
            .define(MODEL_VERSION_PATHS_CONFIG, ConfigDef.Type.LIST, "model_version,modelVersion,model.version",
                    FieldPath.validList(true), ConfigDef.Importance.MEDIUM,
                    "Dotted value paths for the model_version header, tried in order.")
            .define(MODEL_VERSION_CONFIG, ConfigDef.Type.STRING, "", ConfigDef.Importance.MEDIUM,
                    "Static model_version header value used when the value has none. Empty: no fallback.")
            .define(REQUIRED_HEADERS_CONFIG, ConfigDef.Type.LIST, "league,game_id",
                    ConfigDef.ValidList.in(LEAGUE, GAME_ID, EVENT_ID, PLAYER_ID, MODEL_VERSION), ConfigDef.Importance.HIGH,
                    "Headers a record must get; if one cannot be set, the record is dead-lettered or fails."));

    private Pattern leagueRegex;
    /** League per topic name (a task sees few topics; the regex costs more than the rest of the transform). */
    private final Cache<String, Optional<String>> leagueOfTopic = new SynchronizedCache<>(new LRUCache<>(MAX_CACHED_TOPICS));
    private final Map<String, List<FieldPath>> valuePaths = new LinkedHashMap<>();
    private String modelVersionFallback;
    private Set<String> required;

    @Override
    protected void configure(AbstractConfig config) {
        leagueRegex = Pattern.compile(config.getString(LEAGUE_TOPIC_REGEX_CONFIG));
        valuePaths.clear();
        valuePaths.put(GAME_ID, FieldPath.parseAll(GAME_ID_PATHS_CONFIG, config.getList(GAME_ID_PATHS_CONFIG)));
        valuePaths.put(EVENT_ID, FieldPath.parseAll(EVENT_ID_PATHS_CONFIG, config.getList(EVENT_ID_PATHS_CONFIG)));
        valuePaths.put(PLAYER_ID, FieldPath.parseAll(PLAYER_ID_PATHS_CONFIG, config.getList(PLAYER_ID_PATHS_CONFIG)));
        valuePaths.put(MODEL_VERSION, FieldPath.parseAll(MODEL_VERSION_PATHS_CONFIG, config.getList(MODEL_VERSION_PATHS_CONFIG)));
        String fallback = config.getString(MODEL_VERSION_CONFIG);
        modelVersionFallback = fallback == null || fallback.isBlank() ? null : fallback.strip();
        required = Set.copyOf(config.getList(REQUIRED_HEADERS_CONFIG));
    }

    @Override
    protected R transform(R record, Payload payload) {
        Headers headers = record.headers().duplicate();
        String league = league(record.topic());
        if (league == null) {
            missing(LEAGUE, "topic '" + record.topic() + "' does not match " + LEAGUE_TOPIC_REGEX_CONFIG);
        } else {
            headerFormat().add(headers.remove(LEAGUE), LEAGUE, league);
        }
        for (Map.Entry<String, List<FieldPath>> e : valuePaths.entrySet()) {
            Object v = e.getValue().isEmpty() ? null : payload.firstScalar(e.getValue());
            String value = v == null ? null : v.toString();
            if (value == null && MODEL_VERSION.equals(e.getKey())) {
                value = modelVersionFallback;
            }
            if (value == null || value.isEmpty()) {
                missing(e.getKey(), "no " + e.getKey() + " in the " + payload.form() + " value at any of " + e.getValue());
            } else {
                headerFormat().add(headers.remove(e.getKey()), e.getKey(), value);
            }
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                record.valueSchema(), record.value(), record.timestamp(), headers);
    }

    private String league(String topic) {
        Optional<String> league = leagueOfTopic.get(topic);
        if (league == null) {
            Matcher m = leagueRegex.matcher(topic);
            league = Optional.ofNullable(m.matches() ? m.group(LEAGUE) : null);
            leagueOfTopic.put(topic, league);
        }
        return league.orElse(null);
    }

    /** A header without a value: omitted, unless it is required (only then is the reason worth building). */
    private void missing(String name, String why) {
        if (required.contains(name)) {
            throw new PayloadException(name, "required header '" + name + "': " + why);
        }
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    /** A valid regex with a named group 'league'. */
    private static final class LeagueRegex implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                Pattern p = Pattern.compile((String) value);
                if (!p.pattern().contains("(?<" + LEAGUE + ">")) {
                    throw new ConfigException(name, value, "needs a named group (?<league>...)");
                }
            } catch (PatternSyntaxException e) {
                throw new ConfigException(name, value, "not a valid regex: " + e.getDescription());
            }
        }

        @Override
        public String toString() {
            return "regex with a named group (?<league>...)";
        }
    }
}
