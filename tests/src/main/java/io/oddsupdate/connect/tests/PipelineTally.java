package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import redis.clients.jedis.Jedis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Watches the pipeline's outputs and reconciles them, per vendor event and per odds update, with what the
 * {@link VendorSimulator} sent and what each event must produce ({@link OddsOracle}: the model replayed offline over the
 * same reference data). Reads every record of {@code raw.events.*} and {@code odds.updates.internal.*} (core),
 * {@code odds.updates.public.*} (edge) and the DLQs, checks each edge record (public-schema fields only, key = game id,
 * headers, per-game order) and measures hop latencies.
 *
 * <p>Exact accounting ({@link #reconcile}): every odds update the oracle expects is on {@code odds.updates.internal.*}
 * exactly once with the model's values; at the edge exactly once with the public fields of those values, or in the edge
 * DLQ; in bronze exactly once, or in the bronze DLQ ({@link #reconcileBronze}); no other odds update anywhere (records a
 * test wrote itself, {@link Pipeline#inject}, are expected where their topic's records go). Every malformed vendor event
 * is in exactly one DLQ record with its reason, no valid one in any, and an event is "applied with nothing to price"
 * only where the oracle says it prices nothing and the odds sink recorded it as applied.
 */
final class PipelineTally implements AutoCloseable {

    static final String ERROR_MESSAGE = "__connect.errors.exception.message";

    /** Where each vendor event ended up. */
    enum Outcome {
        PRICED, DEAD_LETTERED,
        /**
         * Applied by the odds sink (its event id is in the game's applied set in Redis) where the oracle says it prices
         * nothing: a {@code GAME_END}, or every market suspended.
         */
        APPLIED_NOTHING_TO_PRICE,
        /** On {@code raw.events.*} at core, where the pipeline ends while the odds stages are not running. */
        AT_CORE,
        PENDING
    }

    /**
     * Where the time between a vendor event and its first odds update goes, from the brokers' append times (the
     * pipeline's topics at core and edge are {@code LogAppendTime}), the values' {@code event_ts} (the vendor's send time)
     * and {@code ingest_ts} (when the odds sink applied the event).
     */
    enum Hop {
        VENDOR_TO_CORE("vendor → raw.events (core)"),
        CORE_TO_ODDS_SINK("raw.events → odds sink applied"),
        ODDS_SINK_TO_INTERNAL("odds sink → odds.updates.internal"),
        INTERNAL_TO_EDGE("internal → odds.updates.public (edge)"),
        VENDOR_TO_EDGE("vendor → edge broker"),
        EDGE_TO_CONSUMER("edge broker → consumer"),
        VENDOR_TO_CONSUMER("vendor → edge consumer");

        final String description;

        Hop(String description) {
            this.description = description;
        }
    }

    /** A check an edge or core record failed, with an example. */
    record Violation(String check, String example) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Pipeline pipeline;
    private final VendorSimulator vendor;
    private final Set<String> publicFields;
    private final KafkaConsumer<byte[], byte[]> core;
    private final KafkaConsumer<byte[], byte[]> edge;
    private final Thread corePoller;
    private final Thread edgePoller;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    /** game_id|event_ts of every vendor event with an odds update at the edge → first arrival (for latencies). */
    private final Set<String> priced = ConcurrentHashMap.newKeySet();
    /** sent index → every raw DLQ record of it ("reason @ original topic/partition/offset"), in arrival order. */
    private final Map<Long, List<String>> deadLettered = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> edgeDeadLetters = new ConcurrentHashMap<>();
    /** "dlq topic|hash of the value" → reason, for the edge and bronze DLQs (records written upstream by a test, too). */
    private final Map<String, String> deadLettersByValue = new ConcurrentHashMap<>();
    /** "dlq topic|hash of the value" → how many records with that value the DLQ holds. */
    private final Map<String, AtomicInteger> deadLetterCountsByValue = new ConcurrentHashMap<>();
    private final List<String> unidentifiedDeadLetters = Collections.synchronizedList(new ArrayList<>());
    /** event_id of every record on raw.events.* (core). */
    private final Set<String> atCore = ConcurrentHashMap.newKeySet();
    private final boolean endsAtCore;
    private Jedis redis;
    private final Map<String, Violation> violations = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> violationCounts = new ConcurrentHashMap<>();
    private final Map<String, Long> lastTsPerGame = new HashMap<>();
    private final Latencies latencies = new Latencies();
    /** game_id|event_ts → broker append time on raw.events.*, until the event's first internal odds update is seen. */
    private final Map<String, Long> rawAppended = new ConcurrentHashMap<>();
    /** game_id|event_ts of every vendor event with an internal odds update → the first one's record timestamp. */
    private final Map<String, Long> firstInternal = new ConcurrentHashMap<>();
    /** event_uid → broker append time, on whichever of core (internal) and edge (public) saw it first. */
    private final Map<String, Long> internalAppended = new ConcurrentHashMap<>();
    private final Map<String, Long> edgeAppended = new ConcurrentHashMap<>();
    /** Every odds update seen on odds.updates.internal.* (core), by event_uid. */
    private final Map<String, Seen> internal = new ConcurrentHashMap<>();
    /** Every odds update seen on odds.updates.public.* (edge), by event_uid. */
    private final Map<String, Seen> edgeSeen = new ConcurrentHashMap<>();
    /** event_uid of every internal odds update in the edge's DLQ → how many times. */
    private final Map<String, Integer> publicDeadLetters = new ConcurrentHashMap<>();
    /** event_uid of every internal odds update in the bronze sink's DLQ → how many times. */
    private final Map<String, Integer> bronzeDeadLetters = new ConcurrentHashMap<>();
    /** event_uid of every internal odds update in the ClickHouse sink's DLQ → how many times. */
    private final Map<String, Integer> clickhouseDeadLetters = new ConcurrentHashMap<>();
    /** Internal records a test wrote itself ({@link Pipeline#inject}), by value hash → how many times seen at core. */
    private final Map<Integer, Integer> injectedSeen = new ConcurrentHashMap<>();
    private volatile long lastArrival = System.currentTimeMillis();
    private volatile long records;

    /** What the oracle expects, filled in send order by {@link #reconcile}. */
    private final OddsOracle oracle;
    private final Map<Long, List<Expected>> expectedByEvent = new HashMap<>();
    private final Map<String, Expected> expectedByUid = new HashMap<>();
    private long oracleFed;
    /** Why the oracle could not price the next event yet (e.g. PostgreSQL is down), or null. */
    private String oracleStalled;
    /** How many odds updates' values are kept as text for messages (not all: a bench run sees millions). */
    private static final int KEPT_TEXTS = 20_000;
    /** The model's values of the first expected odds updates, for messages. */
    private final Map<String, String> expectedText = new HashMap<>();

    /**
     * An odds update the oracle expects: the sent event it comes from, and digests of its model fields and of its public
     * fields ({@link OddsOracle#fingerprint}).
     */
    private record Expected(String uid, long event, long model, long publicFields, long clickhouseFields) {
    }

    /** The model's fields the ClickHouse table holds (18.16 has no Map column for model_inputs). */
    static final List<String> CLICKHOUSE_FIELDS = List.of("event_uid", "league", "game_id", "team_id", "player_id", "market",
            "selection", "line", "odds", "decimal_odds", "fair_prob", "model_version");

    /**
     * How often an odds update was seen on a topic, with a digest of its values, where it was first seen and whether a
     * later copy differed; its league and event_ts (for bronze).
     */
    private record Seen(int count, long fingerprint, String where, String text, String league, long eventTs) {
        Seen again() {
            return new Seen(count + 1, fingerprint, where, text, league, eventTs);
        }
    }

    PipelineTally(Pipeline pipeline, VendorSimulator vendor) {
        this.pipeline = pipeline;
        this.vendor = vendor;
        this.publicFields = new java.util.TreeSet<>(publicFields());
        this.endsAtCore = !(pipeline.running(Pipeline.Stage.ODDS_SINK) && pipeline.running(Pipeline.Stage.ODDS_SOURCE)
                && pipeline.running(Pipeline.Stage.CORE_TO_EDGE));
        this.oracle = endsAtCore ? null : new OddsOracle(pipeline.pluginPath(), pipeline.postgres().jdbcUrl(), pipeline.postgres().user());
        List<String> coreTopics = new ArrayList<>(List.of(Pipeline.RAW_DLQ, Pipeline.BRONZE_DLQ, Pipeline.CLICKHOUSE_DLQ));
        List<String> edgeTopics = new ArrayList<>(List.of(Pipeline.PUBLIC_DLQ));
        for (String league : pipeline.leagues()) {
            coreTopics.add(Pipeline.RAW_PREFIX + league);
            coreTopics.add(Pipeline.INTERNAL_PREFIX + league);
            edgeTopics.add(Pipeline.PUBLIC_PREFIX + league);
        }
        // core in larger fetches: its hop latencies come from broker append times, not from when the tally reads
        this.core = assigned(pipeline.core(), coreTopics, Map.of("fetch.min.bytes", 256 * 1024, "fetch.max.wait.ms", 200));
        this.edge = assigned(pipeline.edge(), edgeTopics, Map.of());
        // one thread per cluster: parsing every record at core must not delay the edge's arrival times
        this.corePoller = poller("pipeline-tally-core", core, this::onCore);
        this.edgePoller = poller("pipeline-tally-edge", edge, this::onEdge);
    }

    private Thread poller(String name, KafkaConsumer<byte[], byte[]> consumer, java.util.function.BiConsumer<ConsumerRecord<byte[], byte[]>, Long> handler) {
        Thread t = new Thread(() -> poll(consumer, handler), name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The field names of the public schema, from the repo's schema file. */
    static Set<String> publicFields() {
        try {
            JsonNode schema = JSON.readTree(Files.readString(PluginPath.projectRoot().resolve("schemas/odds-update-public/v1.avsc")));
            Set<String> names = new HashSet<>();
            schema.get("fields").forEach(f -> names.add(f.get("name").asText()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KafkaConsumer<byte[], byte[]> assigned(EmbeddedKafkaCluster cluster, List<String> topics, Map<String, Object> fetch) {
        Map<String, Object> props = new HashMap<>(fetch);
        props.put("max.partition.fetch.bytes", Pipeline.VENDOR_MAX_BYTES);
        props.put("fetch.max.bytes", 2 * Pipeline.VENDOR_MAX_BYTES);
        props.put("isolation.level", "read_committed");
        KafkaConsumer<byte[], byte[]> c = cluster.createConsumer(props);
        List<TopicPartition> tps = new ArrayList<>();
        for (String t : topics) {
            for (PartitionInfo p : c.partitionsFor(t, Duration.ofSeconds(30))) {
                tps.add(new TopicPartition(t, p.partition()));
            }
        }
        c.assign(tps);
        c.seekToBeginning(tps);
        return c;
    }

    private void poll(KafkaConsumer<byte[], byte[]> consumer, java.util.function.BiConsumer<ConsumerRecord<byte[], byte[]>, Long> handler) {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    handler.accept(r, now);
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException stopping) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private static String where(ConsumerRecord<byte[], byte[]> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    private void onCore(ConsumerRecord<byte[], byte[]> r, long now) {
        lastArrival = now;
        records++;
        String topic = r.topic();
        if (topic.equals(Pipeline.RAW_DLQ)) {
            count("dlq.raw");
            String eventId = header(r, "event_id");
            if (eventId == null) {
                eventId = eventIdOf(r.value());
            }
            VendorSimulator.Sent s = vendor.identify(eventId, r.value());
            String reason = String.valueOf(header(r, ERROR_MESSAGE));
            if (s == null) {
                unidentifiedDeadLetters.add(reason);
            } else {
                deadLettered.computeIfAbsent(s.index(), i -> Collections.synchronizedList(new ArrayList<>()))
                        .add(reason + " @ " + header(r, "__connect.errors.topic") + "/" + header(r, "__connect.errors.partition")
                                + "/" + header(r, "__connect.errors.offset"));
                count("dlq.raw." + s.kind());
            }
        } else if (topic.equals(Pipeline.BRONZE_DLQ) || topic.equals(Pipeline.CLICKHOUSE_DLQ)) {
            boolean bronze = topic.equals(Pipeline.BRONZE_DLQ);
            count(bronze ? "dlq.bronze" : "dlq.clickhouse");
            deadLetter(topic, r);
            Map<String, Object> v = RecordValues.fields(r.value());
            if (v != null && v.get("event_uid") != null && !isInjected(r.value())) {
                (bronze ? bronzeDeadLetters : clickhouseDeadLetters).merge(String.valueOf(v.get("event_uid")), 1, Integer::sum);
            }
        } else if (topic.startsWith(Pipeline.RAW_PREFIX)) {
            String league = topic.substring(Pipeline.RAW_PREFIX.length());
            count("raw." + league);
            String eventId = header(r, "event_id");
            if (eventId != null) {
                if (!atCore.add(eventId)) {
                    count("duplicate.raw");
                }
            }
            Map<String, Object> v = RecordValues.fields(r.value());
            String gameId = v == null ? null : text(v, "game_id");
            check("core key = game_id", gameId != null && gameId.equals(string(r.key())), r);
            check("core headers league, game_id, event_id", league.equals(header(r, "league"))
                    && gameId != null && gameId.equals(header(r, "game_id")) && header(r, "event_id") != null, r);
            long eventTs = v == null ? -1 : number(v, "event_ts");
            if (appendTime(r) && gameId != null && eventTs > 0) {
                latencies.add(Hop.VENDOR_TO_CORE, r.timestamp() - eventTs);
                rawAppended.put(gameId + "|" + eventTs, r.timestamp());
            }
        } else if (topic.startsWith(Pipeline.INTERNAL_PREFIX)) {
            String league = topic.substring(Pipeline.INTERNAL_PREFIX.length());
            count("internal." + league);
            onInternal(r, league);
        }
    }

    private void deadLetter(String topic, ConsumerRecord<byte[], byte[]> r) {
        String key = topic + "|" + Arrays.hashCode(r.value());
        deadLettersByValue.put(key, String.valueOf(header(r, ERROR_MESSAGE)));
        deadLetterCountsByValue.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    /** Whether a test wrote this value to an internal topic itself ({@link Pipeline#inject}). */
    private boolean isInjected(byte[] value) {
        int hash = Arrays.hashCode(value);
        return pipeline.injected().stream().anyMatch(i -> i.valueHash() == hash);
    }

    /** An internal odds update: counted by event_uid with a digest of its model fields; hop latencies of an event's first. */
    private void onInternal(ConsumerRecord<byte[], byte[]> r, String league) {
        if (isInjected(r.value())) {
            injectedSeen.merge(Arrays.hashCode(r.value()), 1, Integer::sum);
            return;
        }
        Map<String, Object> v = RecordValues.fields(r.value());
        String uid = v == null || v.get("event_uid") == null ? "unreadable " + where(r) : v.get("event_uid").toString();
        long eventTs = v == null ? -1 : number(v, "event_ts");
        Seen seen = internal.compute(uid, (u, before) -> before != null ? before.again()
                : new Seen(1, v == null ? 0 : OddsOracle.fingerprint(v, OddsOracle.MODEL_FIELDS), where(r),
                        v == null ? abbreviate(string(r.value())) : internal.size() < KEPT_TEXTS ? OddsOracle.canonical(v, OddsOracle.MODEL_FIELDS)
                                : "(values not kept)", league, eventTs));
        if (seen.count() > 1) {
            count("duplicate.internal");
        }
        String event = string(r.key()) + "|" + eventTs;
        if (v == null || eventTs < 0 || firstInternal.putIfAbsent(event, r.timestamp()) != null || !appendTime(r)) {
            return;
        }
        Long raw = rawAppended.remove(event);
        long ingestTs = number(v, "ingest_ts");
        if (raw != null && ingestTs > 0) {
            latencies.add(Hop.CORE_TO_ODDS_SINK, ingestTs - raw);
        }
        if (ingestTs > 0) {
            latencies.add(Hop.ODDS_SINK_TO_INTERNAL, r.timestamp() - ingestTs);
        }
        Long atEdge = edgeAppended.remove(uid);
        if (atEdge != null) {
            latencies.add(Hop.INTERNAL_TO_EDGE, atEdge - r.timestamp());
        } else {
            internalAppended.put(uid, r.timestamp());
        }
    }

    private static boolean appendTime(ConsumerRecord<byte[], byte[]> r) {
        return r.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME;
    }

    private void onEdge(ConsumerRecord<byte[], byte[]> r, Long now) {
        lastArrival = now;
        records++;
        String topic = r.topic();
        if (topic.equals(Pipeline.PUBLIC_DLQ)) {
            count("dlq.public");
            String reason = String.valueOf(header(r, ERROR_MESSAGE));
            deadLetter(topic, r);
            edgeDeadLetters.computeIfAbsent(reason.length() > 160 ? reason.substring(0, 160) + "…" : reason, k -> new AtomicLong()).incrementAndGet();
            Map<String, Object> v = RecordValues.fields(r.value());
            if (v != null && v.get("event_uid") != null && !isInjected(r.value())) {
                publicDeadLetters.merge(String.valueOf(v.get("event_uid")), 1, Integer::sum);
            }
            return;
        }
        String league = topic.substring(Pipeline.PUBLIC_PREFIX.length());
        count("public." + league);
        Map<String, Object> v = RecordValues.fields(r.value());
        if (v == null) {
            check("edge value is a JSON or Glue-Avro record", false, r);
            return;
        }
        Set<String> extra = new HashSet<>(v.keySet());
        extra.removeAll(publicFields);
        check("edge fields ⊆ public schema", extra.isEmpty(), r);
        String gameId = text(v, "game_id");
        long eventTs = number(v, "event_ts");
        check("edge key = game_id", gameId != null && gameId.equals(string(r.key())), r);
        check("edge headers league, game_id, model_version", league.equals(header(r, "league"))
                && gameId != null && gameId.equals(header(r, "game_id")) && header(r, "model_version") != null, r);
        String uid = String.valueOf(v.get("event_uid"));
        Seen seen = edgeSeen.compute(uid, (u, before) -> before != null ? before.again()
                : new Seen(1, OddsOracle.fingerprint(v, publicFields), where(r),
                        edgeSeen.size() < KEPT_TEXTS ? OddsOracle.canonical(v, publicFields) : "(values not kept)", league, eventTs));
        check("no duplicate event_uid at the edge", seen.count() == 1, r);
        String game = topic + "/" + gameId;
        Long last = lastTsPerGame.put(game, eventTs);
        check("per-game order at the edge", last == null || last <= eventTs, r);
        if (gameId != null && priced.add(gameId + "|" + eventTs)) {
            latencies.add(Hop.VENDOR_TO_CONSUMER, now - eventTs);
            if (appendTime(r)) {
                latencies.add(Hop.VENDOR_TO_EDGE, r.timestamp() - eventTs);
                latencies.add(Hop.EDGE_TO_CONSUMER, now - r.timestamp());
                Long internalTs = internalAppended.remove(uid);
                if (internalTs != null) {
                    latencies.add(Hop.INTERNAL_TO_EDGE, r.timestamp() - internalTs);
                } else {
                    edgeAppended.put(uid, r.timestamp());
                }
            }
        }
    }

    private void check(String name, boolean ok, ConsumerRecord<byte[], byte[]> r) {
        if (!ok) {
            violationCounts.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
            violations.putIfAbsent(name, new Violation(name, r.topic() + "-" + r.partition() + "@" + r.offset() + " key="
                    + string(r.key()) + " headers=" + headers(r) + " value=" + abbreviate(string(r.value()))));
        }
    }

    // ---- results ---------------------------------------------------------------------------------------------------

    /**
     * A counter: raw.{league}, internal.{league}, public.{league}, dlq.raw, dlq.raw.{Kind}, dlq.public, dlq.bronze;
     * duplicate.raw (a vendor event_id on raw.events.* again), duplicate.internal (an event_uid on
     * odds.updates.internal.* again): at-least-once hops may replay, exactly-once ones may not.
     */
    long counted(String name) {
        AtomicLong c = counts.get(name);
        return c == null ? 0 : c.get();
    }

    private void count(String name) {
        counts.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
    }

    /**
     * The odds updates of a run: expected by the oracle, on {@code odds.updates.internal.*}, at the edge, in the edge's
     * DLQ; expected ones missing or differing from the model's values anywhere; any seen more than once.
     */
    record OddsCount(long expected, long internal, long edge, long edgeDeadLettered, long missing, long duplicated, long differing) {
        @Override
        public String toString() {
            return String.format("expected %,d odds updates, published %,d (internal %,d, edge %,d + edge DLQ %,d), missing %,d, duplicated %,d, differing %,d",
                    expected, Math.min(internal, edge + edgeDeadLettered), internal, edge, edgeDeadLettered, missing, duplicated, differing);
        }
    }

    /**
     * Where every vendor event ended up ({@link #get}), what failed the exact accounting (kind → count and an example; empty
     * when everything reconciles) and the odds updates' figures.
     */
    record Reconciliation(Map<Outcome, List<VendorSimulator.Sent>> outcomes, Map<String, String> problems, OddsCount odds) {
        List<VendorSimulator.Sent> get(Outcome o) {
            return outcomes.get(o);
        }

        long events() {
            return outcomes.values().stream().mapToLong(List::size).sum();
        }
    }

    /** Problems by kind while reconciling: a count and the first example of each. */
    private static final class Problems {
        final Map<String, String> examples = new TreeMap<>();
        final Map<String, Long> counts = new HashMap<>();

        void add(String kind, String example) {
            counts.merge(kind, 1L, Long::sum);
            examples.putIfAbsent(kind, example);
        }

        Map<String, String> result() {
            Map<String, String> out = new TreeMap<>();
            examples.forEach((k, e) -> out.put(k, counts.get(k) + "× e.g. " + e));
            return out;
        }
    }

    /** Gives the oracle every event sent since the last call, in send order (each game's order). */
    private void feedOracle(List<VendorSimulator.Sent> sent) {
        oracleStalled = null;
        for (; oracleFed < sent.size(); oracleFed++) {
            VendorSimulator.Sent s = sent.get((int) oracleFed);
            if (s.kind() != VendorSimulator.Kind.VALID) {
                continue;
            }
            List<Map<String, Object>> updates;
            try {
                updates = oracle.expected(s.value());
            } catch (IllegalArgumentException refused) {
                throw new AssertionError("the odds model refuses a valid event " + s + ": " + refused.getMessage(), refused);
            } catch (RuntimeException notNow) { // e.g. PostgreSQL down: the reference data cannot be read yet
                oracleStalled = notNow.toString();
                return;
            }
            List<Expected> expected = new ArrayList<>(updates.size());
            for (Map<String, Object> u : updates) {
                String uid = String.valueOf(u.get("event_uid"));
                Expected e = new Expected(uid, s.index(), OddsOracle.fingerprint(u, OddsOracle.MODEL_FIELDS), OddsOracle.fingerprint(u, publicFields),
                        OddsOracle.fingerprint(toTwelveDigits(u), CLICKHOUSE_FIELDS));
                expected.add(e);
                if (expectedByUid.put(uid, e) != null) {
                    throw new AssertionError("the model gives event_uid " + uid + " twice (" + s + ")");
                }
                if (expectedText.size() < KEPT_TEXTS) {
                    expectedText.put(uid, OddsOracle.canonical(u, OddsOracle.MODEL_FIELDS));
                }
            }
            expectedByEvent.put(s.index(), expected);
        }
    }

    /** The outcome of every vendor event sent so far, and every way the pipeline's outputs differ from the oracle's. */
    synchronized Reconciliation reconcile() {
        Map<Outcome, List<VendorSimulator.Sent>> out = new TreeMap<>();
        for (Outcome o : Outcome.values()) {
            out.put(o, new ArrayList<>());
        }
        Problems problems = new Problems();
        List<VendorSimulator.Sent> sent = new ArrayList<>(vendor.sent());
        if (oracle != null) {
            feedOracle(sent);
        }
        long expectedCount = 0;
        long missing = 0;
        long differing = 0;
        for (VendorSimulator.Sent s : sent) {
            List<String> dead = deadLettered.getOrDefault(s.index(), List.of());
            Outcome o;
            if (s.kind().malformed) {
                o = dead.isEmpty() ? Outcome.PENDING : Outcome.DEAD_LETTERED;
                if (dead.size() > 1 && !sinkRedelivery(dead)) {
                    problems.add("vendor event in more than one DLQ record", s + ": " + dead);
                }
                if (dead.stream().anyMatch(d -> d.startsWith("null @"))) {
                    problems.add("dead letter without a reason", s + ": " + dead);
                }
            } else if (endsAtCore) {
                o = s.eventId() != null && atCore.contains(s.eventId()) ? Outcome.AT_CORE : Outcome.PENDING;
            } else {
                if (!dead.isEmpty()) {
                    problems.add("valid vendor event dead-lettered", s + ": " + dead);
                }
                List<Expected> expected = expectedByEvent.get(s.index());
                if (expected == null) {
                    o = Outcome.PENDING; // the oracle has not priced it yet
                } else if (expected.isEmpty()) {
                    o = applied(s) ? Outcome.APPLIED_NOTHING_TO_PRICE : Outcome.PENDING;
                    if (firstInternal.containsKey(s.gameId() + "|" + s.eventTs())) {
                        problems.add("odds updates of an event the model prices nothing for", s.toString());
                    }
                } else {
                    boolean complete = true;
                    for (Expected e : expected) {
                        expectedCount++;
                        Seen in = internal.get(e.uid());
                        Seen at = edgeSeen.get(e.uid());
                        int atEdge = (at == null ? 0 : at.count()) + publicDeadLetters.getOrDefault(e.uid(), 0);
                        if (in == null || atEdge == 0) {
                            complete = false;
                            missing++;
                            continue;
                        }
                        if (in.count() > 1) {
                            problems.add("odds update on odds.updates.internal.* more than once", e.uid() + " of " + s + " ×" + in.count());
                        }
                        if (atEdge > 1) {
                            problems.add("odds update at the edge (or its DLQ) more than once", e.uid() + " of " + s + " ×" + atEdge);
                        }
                        if (in.fingerprint() != e.model()) {
                            differing++;
                            problems.add("internal odds update differs from the model's", e.uid() + " of " + s + " at " + in.where() + ": "
                                    + in.text() + ", the model: " + expectedText.getOrDefault(e.uid(), "(not kept)"));
                        }
                        if (at != null && at.fingerprint() != e.publicFields()) {
                            differing++;
                            problems.add("edge odds update differs from the model's public fields", e.uid() + " of " + s + " at "
                                    + at.where() + ": " + at.text() + ", the model: " + expectedText.getOrDefault(e.uid(), "(not kept)"));
                        }
                    }
                    o = complete ? Outcome.PRICED : Outcome.PENDING;
                }
            }
            out.get(o).add(s);
        }
        if (oracle != null && oracleStalled == null) {
            // every odds update seen must be one the model expects (or a record a test wrote itself)
            Set<String> injectedUids = new HashSet<>();
            pipeline.injected().forEach(i -> injectedUids.add(i.uid()));
            internal.forEach((uid, seen) -> {
                if (!expectedByUid.containsKey(uid)) {
                    problems.add("internal odds update no vendor event explains", uid + " at " + seen.where() + ": " + seen.text());
                }
            });
            edgeSeen.forEach((uid, seen) -> {
                if (!expectedByUid.containsKey(uid) && !injectedUids.contains(uid)) {
                    problems.add("edge odds update no vendor event explains", uid + " at " + seen.where() + ": " + seen.text());
                }
            });
            publicDeadLetters.keySet().forEach(uid -> {
                if (!expectedByUid.containsKey(uid)) {
                    problems.add("edge dead letter no vendor event explains", uid);
                }
            });
            for (Pipeline.Injected i : pipeline.injected()) {
                if (i.topic().startsWith(Pipeline.INTERNAL_PREFIX)) {
                    int atEdge = (i.uid() == null || !edgeSeen.containsKey(i.uid()) ? 0 : edgeSeen.get(i.uid()).count())
                            + deadLetterCountsByValue.getOrDefault(Pipeline.PUBLIC_DLQ + "|" + i.valueHash(), new AtomicInteger()).get();
                    if (atEdge > 1) {
                        problems.add("injected record at the edge (or its DLQ) more than once", i + " ×" + atEdge);
                    }
                }
            }
        }
        long dup = internal.values().stream().filter(x -> x.count() > 1).count() + edgeSeen.values().stream().filter(x -> x.count() > 1).count();
        long edgeCount = expectedByUid.keySet().stream().filter(edgeSeen::containsKey).count();
        long edgeDead = expectedByUid.keySet().stream().filter(publicDeadLetters::containsKey).count();
        long internalCount = expectedByUid.keySet().stream().filter(internal::containsKey).count();
        return new Reconciliation(out, problems.result(), new OddsCount(expectedCount, internalCount, edgeCount, edgeDead, missing, dup, differing));
    }

    /**
     * Whether several DLQ records of one event are the odds sink's at-least-once redelivery: every copy from the odds sink,
     * with the same reason and the same source coordinates (a task that died after dead-lettering and before storing the
     * offset replays the record). Any other repeat is a duplicate.
     */
    private static boolean sinkRedelivery(List<String> dead) {
        return dead.stream().distinct().count() == 1 && dead.get(0).startsWith("OddsSinkConnector: ");
    }

    /** Whether the odds sink applied the event: its id is in the game's applied-event set (see odds_step.lua). */
    private boolean applied(VendorSimulator.Sent s) {
        if (redis == null) {
            redis = new Jedis(pipeline.redis().url());
        }
        try {
            return redis.sismember("odds:{" + s.league() + "}:game:" + s.gameId() + ":events", s.eventId());
        } catch (redis.clients.jedis.exceptions.JedisException down) {
            redis.close();
            redis = null;
            return false;
        }
    }

    /** The (first) DLQ reason of an event, or null. */
    String reason(VendorSimulator.Sent s) {
        List<String> dead = deadLettered.get(s.index());
        if (dead == null || dead.isEmpty()) {
            return null;
        }
        String d = dead.get(0);
        return d.substring(0, d.lastIndexOf(" @ "));
    }

    /** Every raw DLQ record of an event: "reason @ topic/partition/offset" of the record the stage refused. */
    List<String> deadLetters(VendorSimulator.Sent s) {
        return List.copyOf(deadLettered.getOrDefault(s.index(), List.of()));
    }

    /**
     * When the first odds update of an event was written to {@code odds.updates.internal.*} (its record timestamp), or -1
     * if none was seen: for tests that show a fault held events back.
     */
    long firstPublished(VendorSimulator.Sent s) {
        Long ts = firstInternal.get(s.gameId() + "|" + s.eventTs());
        return ts == null ? -1 : ts;
    }

    /**
     * The reason a dead letter with exactly this value carries on {@code dlq} ({@link Pipeline#PUBLIC_DLQ} or
     * {@link Pipeline#BRONZE_DLQ}), or null if none arrived: for records a test wrote to {@code odds.updates.internal.*}.
     */
    String deadLetterReason(String dlq, byte[] value) {
        return deadLettersByValue.get(dlq + "|" + Arrays.hashCode(value));
    }

    /**
     * Reasons of the dead letters on {@code dlq} ({@link Pipeline#PUBLIC_DLQ} or {@link Pipeline#BRONZE_DLQ}), each with
     * the number of records carrying it, whole (not cut short).
     */
    Map<String, Long> deadLetterReasons(String dlq) {
        Map<String, Long> out = new TreeMap<>();
        deadLettersByValue.forEach((key, reason) -> {
            if (key.startsWith(dlq + "|")) {
                AtomicInteger n = deadLetterCountsByValue.get(key);
                out.merge(reason, n == null ? 1L : n.get(), Long::sum);
            }
        });
        return out;
    }

    /** Reasons of the edge's dead letters (internal odds updates not published), with counts. */
    Map<String, Long> edgeDeadLetters() {
        Map<String, Long> out = new TreeMap<>();
        edgeDeadLetters.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    List<String> unidentifiedDeadLetters() {
        return unidentifiedDeadLetters;
    }

    /** Checks that failed, with their counts and one example each. */
    Map<String, String> violations() {
        Map<String, String> out = new TreeMap<>();
        violations.forEach((k, v) -> out.put(k, violationCounts.get(k) + "× e.g. " + v.example()));
        return out;
    }

    /**
     * p50/p99/count of the vendor→edge latencies as a consumer at the edge sees them (arrival minus {@code event_ts}, first
     * odds update per event), since the last call with {@code window} or since the start; null before any.
     */
    long[] latencyPercentiles(boolean window) {
        return window ? latencies.window(Hop.VENDOR_TO_CONSUMER) : latencies.all(Hop.VENDOR_TO_CONSUMER);
    }

    /** Forgets the latencies measured so far (after a warm-up). */
    void restartLatencies() {
        latencies.clear();
    }

    /**
     * p50/p90/p99/max/count of each hop's latencies measured since {@code reader}'s previous call (null: none in that
     * window), in data order: a time series when called at regular intervals (the bench report). Readers keep their own
     * windows, apart from {@link #latencyPercentiles}'s.
     */
    Map<Hop, long[]> hopLatencyWindow(String reader) {
        Map<Hop, long[]> out = new EnumMap<>(Hop.class);
        for (Hop s : Hop.values()) {
            out.put(s, latencies.window(s, reader));
        }
        return out;
    }

    /** p50/p99/count of every hop measured so far (null: none yet), in data order. */
    Map<Hop, long[]> hopLatencies() {
        Map<Hop, long[]> out = new EnumMap<>(Hop.class);
        for (Hop s : Hop.values()) {
            out.put(s, latencies.all(s));
        }
        return out;
    }

    /**
     * Waits until the pipeline has settled, or the timeout passes; calls {@code tick} about every half second meanwhile.
     * Settled: every vendor event accounted for, the odds sink's Redis streams published and trimmed (empty), every
     * internal odds update at the edge or in its DLQ, and no record seen for 3 s. Gives up early when nothing has arrived
     * for 30 s although the streams are empty and the edge has caught up (what is missing then will not come). Returns
     * the final reconciliation; fails if the tally saw no traffic at all (a test that sent nothing proves nothing).
     */
    Reconciliation awaitReconciled(Duration timeout, Runnable tick) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Reconciliation r = reconcile();
        while (System.nanoTime() < end) {
            throwIfFailed();
            boolean drained = edgeCaughtUp() && streamsPublished();
            if (drained && quietMs() >= 3_000 && r.get(Outcome.PENDING).isEmpty() || drained && quietMs() >= 30_000) {
                break;
            }
            Thread.sleep(500);
            tick.run();
            r = reconcile();
        }
        if (vendor.sentCount() == 0 || records == 0) {
            throw new AssertionError("the tally saw no traffic: " + vendor.sentCount() + " vendor events sent, " + records + " records read");
        }
        return r;
    }

    /** Every internal odds update is at the edge or in the edge DLQ. */
    private boolean edgeCaughtUp() {
        if (endsAtCore) {
            return true;
        }
        long internalCount = pipeline.leagues().stream().mapToLong(l -> counted("internal." + l)).sum();
        long edgeCount = pipeline.leagues().stream().mapToLong(l -> counted("public." + l)).sum() + counted("dlq.public");
        return internalCount <= edgeCount;
    }

    /** The odds sink's per-league Redis streams are empty: the source published (and trimmed) everything the sink wrote. */
    private boolean streamsPublished() {
        if (endsAtCore) {
            return true;
        }
        try {
            if (redis == null) {
                redis = new Jedis(pipeline.redis().url());
            }
            return pipeline.leagues().stream().allMatch(l -> redis.xlen("odds:{" + l + "}:stream") == 0);
        } catch (redis.clients.jedis.exceptions.JedisException down) {
            redis.close();
            redis = null;
            return false;
        }
    }

    /** What bronze holds against what it must hold: problems by kind (count and example). */
    record BronzeReconciliation(int objects, long rows, long deadLettered, long expected, Map<String, String> problems) {
        boolean reconciled() {
            return problems.isEmpty();
        }
    }

    private static final java.util.regex.Pattern BRONZE_KEY = java.util.regex.Pattern.compile(
            "(?:.*/)?league=([^/]+)/dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/[^/]+\\.parquet");

    /**
     * Reads every bronze object back from the S3 server (testkit {@code ParquetRows}) and reconciles its rows with the
     * odds updates the oracle expects: each exactly once as a row with the model's values, under
     * {@code league=<its league>/dt=/hour=} of its {@code event_ts} (UTC), or exactly once in the bronze DLQ; each record
     * a test wrote to an internal topic exactly once as a row or in the bronze DLQ; no other row. Call once
     * {@link #awaitReconciled} is done and {@link Pipeline#bronzeLag()} is 0. Null when bronze does not run.
     */
    BronzeReconciliation reconcileBronze() {
        if (pipeline.s3() == null) {
            return null;
        }
        awaitRead(Duration.ofSeconds(60));
        Map<String, Integer> rows = new HashMap<>();
        Problems problems = new Problems();
        int objects = 0;
        long total = 0;
        Set<String> compared = new java.util.LinkedHashSet<>(OddsOracle.MODEL_FIELDS);
        for (String key : pipeline.s3().keys(Pipeline.BRONZE_BUCKET)) {
            java.util.regex.Matcher m = BRONZE_KEY.matcher(key);
            if (!m.matches()) {
                problems.add("object outside league=/dt=/hour=/*.parquet", key);
                continue;
            }
            objects++;
            for (org.apache.avro.generic.GenericRecord row : io.oddsupdate.connect.testkit.ParquetRows.read(pipeline.s3().get(Pipeline.BRONZE_BUCKET, key))) {
                total++;
                String uid = String.valueOf(row.get("event_uid"));
                rows.merge(uid, 1, Integer::sum);
                Seen in = internal.get(uid);
                if (in == null) {
                    continue; // counted below as a row nothing explains
                }
                String expected = "league=" + in.league() + "/dt=" + partition(in.eventTs(), "yyyy-MM-dd") + "/hour=" + partition(in.eventTs(), "HH");
                if (!expected.equals("league=" + m.group(1) + "/dt=" + m.group(2) + "/hour=" + m.group(3))) {
                    problems.add("row in the wrong object (league/dt/hour of event_ts)", uid + " in " + key + ", expected " + expected);
                }
                Map<String, Object> fields = new HashMap<>();
                for (org.apache.avro.Schema.Field f : row.getSchema().getFields()) {
                    fields.put(f.name(), row.get(f.pos()));
                }
                Expected e = expectedByUid.get(uid);
                if (e != null && OddsOracle.fingerprint(fields, compared) != e.model()) {
                    problems.add("bronze row differs from the model's odds update", uid + " in " + key + ": "
                            + OddsOracle.canonical(fields, compared) + ", the model: " + expectedText.getOrDefault(uid, "(not kept)"));
                }
            }
        }
        long dead = 0;
        for (Expected e : expectedByUid.values()) {
            int inBronze = rows.getOrDefault(e.uid(), 0);
            int inDlq = bronzeDeadLetters.getOrDefault(e.uid(), 0);
            dead += inDlq;
            if (inBronze + inDlq == 0) {
                problems.add("odds update missing from bronze", e.uid() + " (event #" + e.event() + ")");
            } else if (inBronze + inDlq > 1) {
                problems.add("odds update in bronze (or its DLQ) more than once", e.uid() + " (event #" + e.event() + "): rows " + inBronze + ", DLQ " + inDlq);
            }
        }
        Set<String> injectedUids = new HashSet<>();
        for (Pipeline.Injected i : pipeline.injected()) {
            if (!i.topic().startsWith(Pipeline.INTERNAL_PREFIX)) {
                continue;
            }
            if (i.uid() != null) {
                injectedUids.add(i.uid());
            }
            int n = (i.uid() == null ? 0 : rows.getOrDefault(i.uid(), 0))
                    + deadLetterCountsByValue.getOrDefault(Pipeline.BRONZE_DLQ + "|" + i.valueHash(), new AtomicInteger()).get();
            if (n != 1) {
                problems.add("injected record not exactly once in bronze or its DLQ", i + " ×" + n);
            }
        }
        for (Map.Entry<String, Integer> row : rows.entrySet()) {
            if (!expectedByUid.containsKey(row.getKey()) && !injectedUids.contains(row.getKey())) {
                problems.add("bronze row no vendor event explains", row.getKey());
            }
        }
        return new BronzeReconciliation(objects, total, dead, expectedByUid.size(), problems.result());
    }

    /** What ClickHouse holds against what it must hold: problems by kind (count and example). */
    record ClickHouseReconciliation(long rows, long distinct, long deadLettered, long expected, Map<String, String> problems) {
        boolean reconciled() {
            return problems.isEmpty();
        }
    }

    /**
     * Waits (up to {@code timeout}) until ClickHouse holds every odds update the oracle expects, then reconciles the table
     * as the documented query sees it ({@code FINAL}): each expected odds update exactly once with the model's values, or
     * exactly once in the ClickHouse sink's DLQ; each record a test wrote to an internal topic once as a row or in that DLQ;
     * no other row. {@code rows} counts the table without {@code FINAL} (replayed inserts not merged yet). Null when
     * ClickHouse does not run.
     */
    ClickHouseReconciliation reconcileClickHouse(Duration timeout) throws InterruptedException {
        if (pipeline.clickhouse() == null) {
            return null;
        }
        awaitRead(Duration.ofSeconds(60));
        long end = System.nanoTime() + timeout.toNanos();
        ClickHouseReconciliation r = clickhouseOnce();
        while (!r.reconciled() && System.nanoTime() < end) {
            Thread.sleep(1_000);
            r = clickhouseOnce();
        }
        return r;
    }

    /**
     * The record with its floating-point values rounded to 12 significant digits: ClickHouse 18.16's text parser (and a
     * current one without {@code precise_float_parsing}) may store the double next to the one sent (2.8206 comes back as
     * 2.8205999999999998), so ClickHouse rows are compared to the model at 12 digits, not bit for bit.
     */
    private static Map<String, Object> toTwelveDigits(Map<String, Object> record) {
        Map<String, Object> out = new HashMap<>(record);
        out.replaceAll((k, v) -> v instanceof Double d && Double.isFinite(d)
                ? new java.math.BigDecimal(d).round(new java.math.MathContext(12)).doubleValue() : v);
        return out;
    }

    private ClickHouseReconciliation clickhouseOnce() {
        String table = Pipeline.CLICKHOUSE_TABLE;
        long all = Long.parseLong(pipeline.clickhouse().query("SELECT count() FROM " + table).strip());
        Map<String, Integer> rows = new HashMap<>();
        Problems problems = new Problems();
        String json = pipeline.clickhouse().query("SELECT " + String.join(", ", CLICKHOUSE_FIELDS) + " FROM " + table + " FINAL FORMAT JSONEachRow");
        for (String line : json.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> row;
            try {
                row = JSON.readValue(line, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
            } catch (IOException e) {
                throw new UncheckedIOException("ClickHouse answered a row that is not JSON: " + line, e);
            }
            for (String f : List.of("line", "odds", "decimal_odds", "fair_prob")) {
                if (row.get(f) instanceof Number n) {
                    row.put(f, n.doubleValue()); // ClickHouse prints -110.0 as -110
                }
            }
            String uid = String.valueOf(row.get("event_uid"));
            rows.merge(uid, 1, Integer::sum);
            Expected e = expectedByUid.get(uid);
            if (e != null && OddsOracle.fingerprint(toTwelveDigits(row), CLICKHOUSE_FIELDS) != e.clickhouseFields()) {
                problems.add("ClickHouse row differs from the model's odds update", uid + ": " + OddsOracle.canonical(row, CLICKHOUSE_FIELDS)
                        + ", the model: " + expectedText.getOrDefault(uid, "(not kept)"));
            }
        }
        long dead = 0;
        for (Expected e : expectedByUid.values()) {
            int inTable = rows.getOrDefault(e.uid(), 0);
            int inDlq = clickhouseDeadLetters.getOrDefault(e.uid(), 0);
            dead += inDlq;
            if (inTable + inDlq == 0) {
                problems.add("odds update missing from ClickHouse", e.uid() + " (event #" + e.event() + ")");
            } else if (inTable + inDlq > 1) {
                problems.add("odds update in ClickHouse (FINAL) or its DLQ more than once", e.uid() + ": rows " + inTable + ", DLQ " + inDlq);
            }
        }
        Set<String> injectedUids = new HashSet<>();
        for (Pipeline.Injected i : pipeline.injected()) {
            if (!i.topic().startsWith(Pipeline.INTERNAL_PREFIX)) {
                continue;
            }
            if (i.uid() != null) {
                injectedUids.add(i.uid());
            }
            int n = (i.uid() == null ? 0 : rows.getOrDefault(i.uid(), 0))
                    + deadLetterCountsByValue.getOrDefault(Pipeline.CLICKHOUSE_DLQ + "|" + i.valueHash(), new AtomicInteger()).get();
            if (n != 1) {
                problems.add("injected record not exactly once in ClickHouse or its DLQ", i + " ×" + n);
            }
        }
        for (String uid : rows.keySet()) {
            if (!expectedByUid.containsKey(uid) && !injectedUids.contains(uid)) {
                problems.add("ClickHouse row no vendor event explains", uid);
            }
        }
        return new ClickHouseReconciliation(all, rows.size(), dead, expectedByUid.size(), problems.result());
    }

    /** Waits until this tally has read {@code odds.updates.internal.*} and the bronze DLQ up to their end offsets. */
    private void awaitRead(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            long behind = endOffset(Pipeline.BRONZE_DLQ, 1) - counted("dlq.bronze") + endOffset(Pipeline.CLICKHOUSE_DLQ, 1) - counted("dlq.clickhouse");
            for (String league : pipeline.leagues()) {
                behind += endOffset(Pipeline.INTERNAL_PREFIX + league, Pipeline.PARTITIONS) - counted("internal." + league);
            }
            if (behind <= 0) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private long endOffset(String topic, int partitions) {
        long sum = 0;
        for (int p = 0; p < partitions; p++) {
            try {
                sum += pipeline.core().endOffset(new TopicPartition(topic, p));
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the end offset of " + topic + "-" + p, e);
            }
        }
        return sum;
    }

    private static String partition(long eventTs, String pattern) {
        return java.time.format.DateTimeFormatter.ofPattern(pattern).withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochMilli(eventTs));
    }

    /** Parquet objects in the bronze bucket, or -1 when the bronze stage does not run. */
    int bronzeFiles() {
        return pipeline.s3() == null ? -1 : (int) pipeline.s3().keys(Pipeline.BRONZE_BUCKET).stream().filter(k -> k.endsWith(".parquet")).count();
    }

    /** When the last record arrived at core or edge (epoch milliseconds). */
    long lastArrival() {
        return lastArrival;
    }

    /** Milliseconds since the last record arrived at core or edge. */
    long quietMs() {
        return System.currentTimeMillis() - lastArrival;
    }

    void throwIfFailed() {
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            corePoller.join(5_000);
            edgePoller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (redis != null) {
            redis.close();
        }
        if (oracle != null) {
            oracle.close();
        }
        core.close(Duration.ofSeconds(5));
        edge.close(Duration.ofSeconds(5));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String headers(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder b = new StringBuilder("{");
        for (Header h : r.headers()) {
            b.append(b.length() > 1 ? ", " : "").append(h.key()).append('=').append(h.value() == null ? null : abbreviate(string(h.value())));
        }
        return b.append('}').toString();
    }

    /** The value as JSON, whether it is JSON or Glue-Avro ({@link RecordValues}). */
    static JsonNode json(byte[] value) {
        return RecordValues.json(value);
    }

    private static String eventIdOf(byte[] value) {
        JsonNode v = value == null || value.length > 100_000 ? null : json(value);
        return v == null ? null : v.path("event_id").asText(null);
    }

    private static String text(Map<String, Object> v, String field) {
        return v.get(field) instanceof String t ? t : null;
    }

    /** A whole-number field (timestamps are epoch milliseconds in both forms), or -1. */
    private static long number(Map<String, Object> v, String field) {
        return v.get(field) instanceof Long n ? n : -1;
    }

    static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "…(" + s.length() + " chars)";
    }

    /** Every counter, sorted. */
    Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Latency samples per hop, in arrival order. */
    private static final class Latencies {
        private final Map<Hop, List<Long>> samples = new EnumMap<>(Hop.class);
        private final Map<Hop, Integer> marks = new EnumMap<>(Hop.class);
        /** "reader|hop" → where that reader's next window starts ({@link PipelineTally#hopLatencyWindow}). */
        private final Map<String, Integer> readerMarks = new HashMap<>();

        synchronized void clear() {
            samples.clear();
            marks.clear();
            readerMarks.clear();
        }

        synchronized void add(Hop hop, long ms) {
            samples.computeIfAbsent(hop, h -> new ArrayList<>()).add(ms);
        }

        synchronized long[] all(Hop hop) {
            List<Long> s = samples.getOrDefault(hop, List.of());
            return percentiles(s);
        }

        synchronized long[] window(Hop hop) {
            List<Long> s = samples.getOrDefault(hop, List.of());
            long[] p = percentiles(s.subList(marks.getOrDefault(hop, 0), s.size()));
            marks.put(hop, s.size());
            return p;
        }

        /** p50/p90/p99/max/count of the samples since this reader's previous call, or null if none. */
        synchronized long[] window(Hop hop, String reader) {
            List<Long> s = samples.getOrDefault(hop, List.of());
            Integer from = readerMarks.put(reader + "|" + hop, s.size());
            List<Long> w = s.subList(from == null ? 0 : Math.min(from, s.size()), s.size());
            if (w.isEmpty()) {
                return null;
            }
            long[] values = w.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(values);
            return new long[] {at(values, 0.50), at(values, 0.90), at(values, 0.99), values[values.length - 1], values.length};
        }

        private static long at(long[] sorted, double q) {
            return sorted[(int) Math.round(q * (sorted.length - 1))];
        }

        private static long[] percentiles(List<Long> samples) {
            if (samples.isEmpty()) {
                return null;
            }
            long[] values = samples.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(values);
            return new long[] {values[(int) Math.round(0.50 * (values.length - 1))], values[(int) Math.round(0.99 * (values.length - 1))], values.length};
        }
    }
}
