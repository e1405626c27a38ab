package io.oddsupdate.connect.odds;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.oddsupdate.connect.common.PayloadCodec;
import io.oddsupdate.connect.common.Signals;
import io.oddsupdate.connect.common.Version;
import io.oddsupdate.connect.odds.OddsWriter.Step;

/** The task of {@link OddsSinkConnector}. */
public class OddsSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(OddsSinkTask.class);
    /** The JMX type and log name of this plugin's signals. */
    static final String SIGNALS = "odds-sink";
    // dead-letter reasons besides OddsWriter's (the signals' reason tag)
    static final String TOMBSTONE = "tombstone";
    static final String MALFORMED = "malformed";

    private final Time time;
    private ReferenceDataCache cache;
    private OddsWriter writer;
    /** Last offset applied to Redis per assigned partition: records at or below it are skipped. */
    private final Map<TopicPartition, Long> applied = new HashMap<>();
    /** Partitions whose stored offset is not yet read (Redis was unreachable in open()). */
    private final Set<TopicPartition> unresolved = new HashSet<>();
    /** Reads JSON values (for a JSON or byte-array converter); a converter's Struct or Map is used as it is. */
    private final PayloadCodec json = new PayloadCodec(null);
    private Signals signals;
    private Signals.Counters deadLetters;
    private Signals.Latency latency;

    public OddsSinkTask() {
        this(Time.SYSTEM);
    }

    OddsSinkTask(Time time) {
        this.time = time;
    }

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        AbstractConfig config = new AbstractConfig(OddsSinkConnector.CONFIG_DEF, props, false);
        Password pgPassword = config.getPassword(OddsSinkConnector.POSTGRES_PASSWORD);
        cache = new ReferenceDataCache(config.getString(OddsSinkConnector.POSTGRES_URL),
                config.getString(OddsSinkConnector.POSTGRES_USER), pgPassword == null ? null : pgPassword.value(),
                config.getString(OddsSinkConnector.POSTGRES_SSLMODE),
                ReferenceDataCache.Migrations.valueOf(config.getString(OddsSinkConnector.POSTGRES_MIGRATIONS).toUpperCase(java.util.Locale.ROOT)),
                config.getLong(OddsSinkConnector.REFRESH_MS), config.getLong(OddsSinkConnector.MISSING_RELOAD_MS), time);
        signals = Signals.forTask(SIGNALS, props, config.getLong(Signals.LOG_INTERVAL_CONFIG));
        deadLetters = signals.counters(Signals.DEAD_LETTERS, Signals.REASON_TAG, "Events sent to the dead-letter queue, by reason");
        latency = signals.latency(Signals.LATENCY_MS, "Milliseconds from the oldest record timestamp of a batch to its events being applied in Redis");
        String name = props.getOrDefault("name", "odds-sink");
        writer = new OddsWriter(RedisSettings.pool(config, "OddsSinkConnector-" + name), config.getString(RedisSettings.KEY_PREFIX),
                name, config.getInt(OddsSinkConnector.STATE_TTL_S), config.getInt(OddsSinkConnector.MIN_REPLICAS),
                config.getInt(RedisSettings.TIMEOUT_MS) / 2); // WAIT must return before the socket times out
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        unresolved.addAll(partitions);
        try {
            resolveOffsets();
        } catch (RetriableException e) {
            log.warn("OddsSinkConnector: cannot read stored offsets yet ({}); will before the next batch", e.getMessage());
        }
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> {
            applied.remove(tp);
            unresolved.remove(tp);
        });
    }

    /**
     * Seeks each newly assigned partition to just after the offset stored in Redis with the last applied event. Returns
     * the partitions rewound to before what the consumer already delivered: their records in this batch are dropped
     * (Connect redelivers them from the stored offset).
     */
    private Set<TopicPartition> resolveOffsets() {
        if (unresolved.isEmpty()) {
            return Set.of();
        }
        Map<TopicPartition, Long> stored = writer.storedOffsets();
        Map<TopicPartition, Long> seeks = new HashMap<>();
        for (TopicPartition tp : unresolved) {
            Long offset = stored.get(tp);
            if (offset != null) {
                applied.put(tp, offset);
                seeks.put(tp, offset + 1);
            }
        }
        if (!seeks.isEmpty()) {
            log.info("OddsSinkConnector: resuming from the offsets stored in Redis: {}", seeks);
            context.offset(seeks);
        }
        Set<TopicPartition> rewound = new HashSet<>(seeks.keySet());
        unresolved.clear();
        return rewound;
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty() && unresolved.isEmpty()) {
            return;
        }
        cache.newBatch(); // the records were polled before this: a snapshot loaded from now on knows their games
        ReferenceData ref = cache.get();
        Set<TopicPartition> rewound = resolveOffsets();
        List<Step> steps = new ArrayList<>(records.size());
        List<SinkRecord> rejected = new ArrayList<>();
        List<DataException> reasons = new ArrayList<>();
        long oldest = Long.MAX_VALUE;
        for (SinkRecord r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
            Long done = applied.get(tp);
            if (rewound.contains(tp) && (done == null || r.kafkaOffset() > done)) {
                continue; // redelivered after the seek
            }
            if (done != null && r.kafkaOffset() <= done) {
                continue; // already applied before a restart or rebalance
            }
            try {
                VendorEvent e = VendorEvent.from(r.value(), json);
                ref = resolve(ref, r, e, steps);
                if (r.timestamp() != null && r.timestamp() < oldest) {
                    oldest = r.timestamp();
                }
            } catch (DataException e) {
                rejected.add(r);
                reasons.add(e);
            }
        }
        if (!steps.isEmpty()) {
            writer.apply(steps, ref, time.milliseconds());
            if (oldest != Long.MAX_VALUE) {
                latency.record(Math.max(0, time.milliseconds() - oldest));
            }
            for (Step s : steps) {
                applied.merge(s.topicPartition(), s.offset(), Math::max);
            }
        }
        if (!rejected.isEmpty()) {
            deadLetter(rejected, reasons);
        }
    }

    private ReferenceData resolve(ReferenceData ref, SinkRecord r, VendorEvent e, List<Step> steps) {
        if (!ref.games().containsKey(e.gameId())) {
            ref = cache.reloadForMissing();
        }
        steps.add(Step.resolve(ref, e, r.topic(), r.kafkaPartition(), r.kafkaOffset()));
        return ref;
    }

    /**
     * Sends unusable records to the DLQ, waits until the DLQ has them, then stores their offsets in Redis like those of
     * applied events, so a restart does not dead-letter them again.
     */
    private void deadLetter(List<SinkRecord> rejected, List<DataException> reasons) {
        ErrantRecordReporter reporter = context.errantRecordReporter();
        List<Future<Void>> sent = new ArrayList<>(rejected.size());
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (int i = 0; i < rejected.size(); i++) {
            SinkRecord r = rejected.get(i);
            String where = r.topic() + "/" + r.kafkaPartition() + "@" + r.kafkaOffset();
            DataException e = new DataException("OddsSinkConnector: unusable event at " + where + ": " + reasons.get(i).getMessage(), reasons.get(i));
            if (reporter == null) {
                throw e; // errors.tolerance=none: Connect's contract is to fail the task
            }
            log.warn("{}; sent to the dead-letter queue", e.getMessage());
            sent.add(reporter.report(r, e));
            offsets.merge(new TopicPartition(r.topic(), r.kafkaPartition()), r.kafkaOffset(), Math::max);
        }
        for (Future<Void> f : sent) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetriableException("OddsSinkConnector: interrupted while dead-lettering", e);
            } catch (ExecutionException e) {
                throw new ConnectException("OddsSinkConnector: the dead-letter queue did not take a record", e.getCause());
            }
        }
        writer.storeOffsets(offsets);
        offsets.forEach((tp, offset) -> applied.merge(tp, offset, Math::max));
        for (int i = 0; i < rejected.size(); i++) {
            deadLetters.get(reason(rejected.get(i), reasons.get(i))).increment();
        }
    }

    /** The reason tag of a dead letter: OddsWriter's for an event the reference data cannot price, else the record's. */
    static String reason(SinkRecord r, DataException e) {
        return e instanceof OddsWriter.Unresolved u ? u.reason : r.value() == null ? TOMBSTONE : MALFORMED;
    }

    @Override
    public void stop() {
        if (writer != null) {
            writer.close();
        }
        if (cache != null) {
            cache.close();
        }
        if (signals != null) {
            signals.close();
            signals = null;
        }
    }
}
