package io.oddsupdate.connect.odds;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.oddsupdate.connect.common.Signals;
import io.oddsupdate.connect.common.Version;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.params.XTrimParams;
import redis.clients.jedis.resps.StreamEntry;

/** The task of {@link OddsSourceConnector}: reads its leagues' streams from the entry after its committed offset. */
public class OddsSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(OddsSourceTask.class);
    static final String PARTITION_KEY = "stream";
    static final String OFFSET_KEY = "id";
    private static final long BACKOFF_MS = 1_000;
    /** Fields a dead-lettered entry gets besides its own: why, and the stream it came from. */
    static final String DEAD_LETTER_REASON = "__dead_letter.reason";
    static final String DEAD_LETTER_STREAM = "__dead_letter.stream";
    /** The JMX type and log name of this plugin's signals. */
    static final String SIGNALS = "odds-source";
    /** The dead-letter reason of the signals: the only one a source entry has. */
    static final String NOT_AN_ODDS_UPDATE = "not-an-odds-update";

    private JedisPool pool;
    private String topicTemplate;
    private String keyPrefix;
    private int batchSize;
    private int blockMs;
    private final Map<String, String> leagueOfStream = new LinkedHashMap<>();
    /** Next id to read from, per stream (exclusive: XREAD returns entries after it). */
    private final Map<String, StreamEntryID> position = new ConcurrentHashMap<>();
    /** Entries handed to Connect and not yet acknowledged by Kafka, per stream. */
    private final Map<String, NavigableSet<StreamEntryID>> inFlight = new ConcurrentHashMap<>();
    private Signals signals;
    /** Odds updates Kafka acknowledged, per stream (the counter of its league). */
    private final Map<String, Signals.Counter> published = new HashMap<>();
    private Signals.Latency latency;
    private Signals.Counters deadLetters;

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        AbstractConfig config = new AbstractConfig(OddsSourceConnector.CONFIG_DEF, props, false);
        String leagues = props.get(OddsSourceConnector.TASK_LEAGUES);
        OddsSourceConnector.requireLeagues(leagues);
        String prefix = config.getString(RedisSettings.KEY_PREFIX);
        keyPrefix = prefix;
        topicTemplate = config.getString(OddsSourceConnector.TOPIC_TEMPLATE);
        batchSize = config.getInt(OddsSourceConnector.BATCH_SIZE);
        blockMs = config.getInt(OddsSourceConnector.POLL_BLOCK_MS);
        signals = Signals.forTask(SIGNALS, props, config.getLong(Signals.LOG_INTERVAL_CONFIG));
        Signals.Counters byLeague = signals.counters(Signals.ODDS_PUBLISHED, Signals.LEAGUE_TAG, "Odds updates Kafka acknowledged, by league");
        latency = signals.latency(Signals.LATENCY_MS, "Milliseconds from an odds update's Redis stream entry to Kafka's acknowledgement");
        deadLetters = signals.counters(Signals.DEAD_LETTERS, Signals.REASON_TAG, "Stream entries moved to the league's dead-letter stream");
        for (String league : leagues.split(",")) {
            if (!league.isBlank()) {
                String stream = RedisSettings.streamKey(prefix, league.trim());
                leagueOfStream.put(stream, league.trim());
                inFlight.put(stream, new ConcurrentSkipListSet<>());
                published.put(stream, byLeague.get(league.trim())); // registered now: a quiet league reports 0
            }
        }
        List<Map<String, String>> partitions = leagueOfStream.keySet().stream().map(OddsSourceTask::sourcePartition).toList();
        Map<Map<String, String>, Map<String, Object>> offsets = context.offsetStorageReader().offsets(partitions);
        for (String stream : leagueOfStream.keySet()) {
            Map<String, Object> offset = offsets == null ? null : offsets.get(sourcePartition(stream));
            position.put(stream, offset == null || offset.get(OFFSET_KEY) == null
                    ? new StreamEntryID(0, 0) : new StreamEntryID((String) offset.get(OFFSET_KEY)));
        }
        log.info("OddsSourceConnector: task reading {} from {}", leagueOfStream.values(), position);
        pool = RedisSettings.pool(config, "OddsSourceConnector-" + props.getOrDefault("name", "odds-source"));
    }

    static Map<String, String> sourcePartition(String stream) {
        return Map.of(PARTITION_KEY, stream);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        List<Map.Entry<String, List<StreamEntry>>> read;
        try (Jedis j = pool.getResource()) {
            read = j.xread(XReadParams.xReadParams().count(batchSize).block(blockMs), new HashMap<>(position));
        } catch (JedisException e) {
            Thread.sleep(BACKOFF_MS);
            throw new RetriableException("OddsSourceConnector: Redis unavailable: " + e.getMessage(), e);
        }
        if (read == null || read.isEmpty()) {
            return null;
        }
        List<SourceRecord> records = new ArrayList<>();
        for (Map.Entry<String, List<StreamEntry>> stream : read) {
            String key = stream.getKey();
            String league = leagueOfStream.get(key);
            for (StreamEntry entry : stream.getValue()) {
                SourceRecord r;
                try {
                    r = record(key, league, entry);
                } catch (RuntimeException e) {
                    if (!deadLetter(key, league, entry, e)) {
                        break; // Redis went away: this entry is read again at the next poll
                    }
                    position.put(key, entry.getID());
                    continue;
                }
                position.put(key, entry.getID());
                inFlight.get(key).add(entry.getID());
                records.add(r);
            }
        }
        return records;
    }

    private SourceRecord record(String stream, String league, StreamEntry entry) {
        Struct value = OddsUpdates.struct(entry.getFields());
        String gameId = value.getString("game_id");
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("league", value.getString("league"));
        headers.addString("game_id", gameId);
        headers.addString("player_id", value.getString("player_id"));
        headers.addString("model_version", value.getString("model_version"));
        return new SourceRecord(sourcePartition(stream), Map.of(OFFSET_KEY, entry.getID().toString()),
                topicTemplate.replace(OddsSourceConnector.LEAGUE_PLACEHOLDER, league), null,
                Schema.STRING_SCHEMA, gameId, OddsUpdates.SCHEMA, value, null, headers);
    }

    /**
     * Moves an entry that is not an odds update (only our sink writes these streams, so something else did) to the
     * league's dead-letter stream, under its own id, with the reason: a source connector has no Kafka dead-letter queue,
     * and the converter of this connector can only write odds updates. The same id makes a replay after a restart a
     * no-op. Returns false if Redis cannot take it now (the entry is read again at the next poll).
     */
    private boolean deadLetter(String stream, String league, StreamEntry entry, RuntimeException reason) {
        String message = "OddsSourceConnector: unreadable entry " + entry.getID() + " of " + stream + ": "
                + (reason.getMessage() == null ? reason.toString() : reason.getMessage());
        Map<String, String> fields = new LinkedHashMap<>(entry.getFields());
        fields.put(DEAD_LETTER_REASON, message);
        fields.put(DEAD_LETTER_STREAM, stream);
        String deadLetters = RedisSettings.deadLetterKey(keyPrefix, league);
        try (Jedis j = pool.getResource()) {
            j.xadd(deadLetters, XAddParams.xAddParams().id(entry.getID()), fields);
        } catch (JedisDataException e) {
            if (e.getMessage() != null && e.getMessage().contains("equal or smaller")) {
                return true; // moved before a restart
            }
            // e.g. the key holds something else: the stream stops at this entry, loudly, rather than lose it
            log.error("OddsSourceConnector: cannot dead-letter entry {} of {} to {}; retrying: {}", entry.getID(), stream, deadLetters, e.toString());
            return false;
        } catch (JedisException e) {
            log.warn("OddsSourceConnector: cannot dead-letter entry {} of {} now: {}", entry.getID(), stream, e.toString());
            return false;
        }
        log.error("{}; moved to {}", message, deadLetters);
        this.deadLetters.get(NOT_AN_ODDS_UPDATE).increment();
        return true;
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        String stream = (String) record.sourcePartition().get(PARTITION_KEY);
        NavigableSet<StreamEntryID> pending = inFlight.get(stream);
        StreamEntryID id = new StreamEntryID((String) record.sourceOffset().get(OFFSET_KEY));
        if (pending != null) {
            pending.remove(id);
        }
        Signals.Counter counter = published.get(stream);
        if (metadata != null && counter != null) { // null metadata: a transform dropped the record
            counter.increment();
            latency.record(Math.max(0, System.currentTimeMillis() - id.getTime())); // an entry id starts with its XADD time
        }
    }

    /**
     * Trims every stream up to its oldest entry not yet acknowledged (or up to the last entry read, when all are): an
     * acknowledged entry is in Kafka, so a restart that resumes from an older committed offset just finds it gone.
     */
    @Override
    public void commit() {
        if (pool == null) {
            return;
        }
        try (Jedis j = pool.getResource()) {
            for (Map.Entry<String, NavigableSet<StreamEntryID>> e : inFlight.entrySet()) {
                StreamEntryID read = position.get(e.getKey());
                StreamEntryID oldest = e.getValue().isEmpty() ? null : e.getValue().first();
                StreamEntryID keepFrom = oldest != null ? oldest
                        : read.getTime() == 0 && read.getSequence() == 0 ? null : new StreamEntryID(read.getTime(), read.getSequence() + 1);
                if (keepFrom != null) {
                    j.xtrim(e.getKey(), XTrimParams.xTrimParams().minId(keepFrom.toString()).exactTrimming());
                }
            }
        } catch (JedisException e) {
            log.warn("OddsSourceConnector: cannot trim streams now, will at the next commit: {}", e.toString());
        }
    }

    @Override
    public void stop() {
        if (pool != null) {
            pool.close();
        }
        if (signals != null) {
            signals.close();
            signals = null;
        }
    }
}
