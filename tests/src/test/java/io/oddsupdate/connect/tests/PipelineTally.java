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
 * Watches the pipeline's outputs and reconciles them with what the {@link VendorSimulator} sent: reads every record of
 * {@code raw.events.*} and {@code odds.updates.internal.*} (core), {@code odds.updates.public.*} (edge) and both DLQs,
 * checks each edge record (public-schema fields only, key = game id, headers, per-game order, no duplicate
 * {@code event_uid}) and measures vendor→edge latency (arrival at the edge consumer minus the input's {@code event_ts}).
 *
 * <p>A vendor event is <em>priced</em> when an edge record carries its {@code game_id} and {@code event_ts},
 * <em>dead-lettered</em> when a DLQ record carries its {@code event_id} header or its exact value, <em>applied with
 * nothing to price</em> when the odds sink recorded it as applied in Redis but no odds came of it (a {@code GAME_END}, or
 * settled markets), else <em>pending</em>.
 */
final class PipelineTally implements AutoCloseable {

    static final String ERROR_MESSAGE = "__connect.errors.exception.message";

    /** Where each vendor event ended up. */
    enum Outcome {
        PRICED, DEAD_LETTERED,
        /**
         * Applied by the odds sink (its event id is in the game's applied set in Redis) with nothing to price: a
         * {@code GAME_END}, or every market of the game already settled.
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
    /** game_id|event_ts of every vendor event with at least one odds update at the edge. */
    private final Set<String> priced = ConcurrentHashMap.newKeySet();
    /** event index → DLQ reason. */
    private final Map<Long, String> deadLettered = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> edgeDeadLetters = new ConcurrentHashMap<>();
    /** "dlq topic|hash of the value" → reason, for the edge and bronze DLQs (records written upstream by a test, too). */
    private final Map<String, String> deadLettersByValue = new ConcurrentHashMap<>();
    private final List<String> unidentifiedDeadLetters = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> edgeUids = ConcurrentHashMap.newKeySet();
    /** event_uid of every record on odds.updates.internal.* (core). */
    private final Set<String> internalUids = ConcurrentHashMap.newKeySet();
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
    /** game_id|event_ts of every vendor event with at least one internal odds update. */
    private final Set<String> internalSeen = ConcurrentHashMap.newKeySet();
    /** event_uid → broker append time, on whichever of core (internal) and edge (public) saw it first. */
    private final Map<String, Long> internalAppended = new ConcurrentHashMap<>();
    private final Map<String, Long> edgeAppended = new ConcurrentHashMap<>();
    /** Every internal odds update seen at core, by event_uid (a replayed one counts twice), for the bronze check. */
    private final Map<String, Internal> internal = new ConcurrentHashMap<>();
    /** event_uid of every internal odds update in the bronze sink's DLQ (a replay counts twice). */
    private final Map<String, Integer> bronzeDeadLetters = new ConcurrentHashMap<>();
    private volatile long lastArrival = System.currentTimeMillis();

    PipelineTally(Pipeline pipeline, VendorSimulator vendor) {
        this.pipeline = pipeline;
        this.vendor = vendor;
        this.publicFields = publicFields();
        this.endsAtCore = !(pipeline.running(Pipeline.Stage.ODDS_SINK) && pipeline.running(Pipeline.Stage.ODDS_SOURCE)
                && pipeline.running(Pipeline.Stage.CORE_TO_EDGE));
        List<String> coreTopics = new ArrayList<>(List.of(Pipeline.RAW_DLQ, Pipeline.BRONZE_DLQ));
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

    private void onCore(ConsumerRecord<byte[], byte[]> r, long now) {
        lastArrival = now;
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
                deadLettered.put(s.index(), reason);
                count("dlq.raw." + s.kind());
            }
        } else if (topic.equals(Pipeline.BRONZE_DLQ)) {
            count("dlq.bronze");
            deadLettersByValue.put(topic + "|" + Arrays.hashCode(r.value()), String.valueOf(header(r, ERROR_MESSAGE)));
            Map<String, Object> v = RecordValues.fields(r.value());
            bronzeDeadLetters.merge(v == null ? "?" : String.valueOf(v.get("event_uid")), 1, Integer::sum);
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

    /** Remembers an internal odds update for the bronze check; hop latencies of the first one of each vendor event. */
    private void onInternal(ConsumerRecord<byte[], byte[]> r, String league) {
        Map<String, Object> v = RecordValues.fields(r.value());
        String uidOfValue = v == null ? null : text(v, "event_uid");
        if (uidOfValue != null && !internalUids.add(uidOfValue)) {
            count("duplicate.internal");
        }
        long eventTs = v == null ? -1 : number(v, "event_ts");
        internal.compute(v == null ? "unreadable " + r.topic() + "-" + r.partition() + "@" + r.offset() : String.valueOf(v.get("event_uid")),
                (uid, seen) -> new Internal(league, eventTs, seen == null ? 1 : seen.count() + 1));
        if (!appendTime(r) || eventTs < 0 || !internalSeen.add(string(r.key()) + "|" + eventTs)) {
            return;
        }
        Long raw = rawAppended.remove(string(r.key()) + "|" + eventTs);
        long ingestTs = number(v, "ingest_ts");
        if (raw != null && ingestTs > 0) {
            latencies.add(Hop.CORE_TO_ODDS_SINK, ingestTs - raw);
        }
        if (ingestTs > 0) {
            latencies.add(Hop.ODDS_SINK_TO_INTERNAL, r.timestamp() - ingestTs);
        }
        String uid = String.valueOf(v.get("event_uid"));
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
        String topic = r.topic();
        if (topic.equals(Pipeline.PUBLIC_DLQ)) {
            count("dlq.public");
            String reason = String.valueOf(header(r, ERROR_MESSAGE));
            deadLettersByValue.put(topic + "|" + Arrays.hashCode(r.value()), reason);
            edgeDeadLetters.computeIfAbsent(reason.length() > 160 ? reason.substring(0, 160) + "…" : reason, k -> new AtomicLong()).incrementAndGet();
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
        check("no duplicate event_uid at the edge", edgeUids.add(String.valueOf(v.get("event_uid"))), r);
        String game = topic + "/" + gameId;
        Long last = lastTsPerGame.put(game, eventTs);
        check("per-game order at the edge", last == null || last <= eventTs, r);
        if (gameId != null && priced.add(gameId + "|" + eventTs)) {
            latencies.add(Hop.VENDOR_TO_CONSUMER, now - eventTs);
            if (appendTime(r)) {
                latencies.add(Hop.VENDOR_TO_EDGE, r.timestamp() - eventTs);
                latencies.add(Hop.EDGE_TO_CONSUMER, now - r.timestamp());
                String uid = String.valueOf(v.get("event_uid"));
                Long internal = internalAppended.remove(uid);
                if (internal != null) {
                    latencies.add(Hop.INTERNAL_TO_EDGE, r.timestamp() - internal);
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

    /** The outcome of every vendor event sent so far. */
    Map<Outcome, List<VendorSimulator.Sent>> reconcile() {
        Map<Outcome, List<VendorSimulator.Sent>> out = new TreeMap<>();
        for (Outcome o : Outcome.values()) {
            out.put(o, new ArrayList<>());
        }
        for (VendorSimulator.Sent s : vendor.sent()) {
            Outcome o;
            if (s.gameId() != null && priced.contains(s.gameId() + "|" + s.eventTs())) {
                o = Outcome.PRICED;
            } else if (deadLettered.containsKey(s.index())) {
                o = Outcome.DEAD_LETTERED;
            } else if (!endsAtCore && s.kind() == VendorSimulator.Kind.VALID && applied(s)) {
                o = Outcome.APPLIED_NOTHING_TO_PRICE;
            } else if (endsAtCore && s.eventId() != null && atCore.contains(s.eventId()) && s.kind() == VendorSimulator.Kind.VALID) {
                o = Outcome.AT_CORE;
            } else {
                o = Outcome.PENDING;
            }
            out.get(o).add(s);
        }
        return out;
    }

    /** Whether the odds sink applied the event: its id is in the game's applied-event set (see odds_step.lua). */
    private boolean applied(VendorSimulator.Sent s) {
        if (redis == null) {
            redis = new Jedis(pipeline.redis().url());
        }
        return redis.sismember("odds:{" + s.league() + "}:game:" + s.gameId() + ":events", s.eventId());
    }

    /** The DLQ reason of an event, or null. */
    String reason(VendorSimulator.Sent s) {
        return deadLettered.get(s.index());
    }

    /**
     * The reason a dead letter with exactly this value carries on {@code dlq} ({@link Pipeline#PUBLIC_DLQ} or
     * {@link Pipeline#BRONZE_DLQ}), or null if none arrived: for records a test wrote to {@code odds.updates.internal.*}.
     */
    String deadLetterReason(String dlq, byte[] value) {
        return deadLettersByValue.get(dlq + "|" + Arrays.hashCode(value));
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
     * internal odds update at the edge or in its DLQ, and no record seen for 3 s. Without the middle two, an event the
     * sink applied whose odds are still on their way would count as applied with nothing to price. Returns the final
     * reconciliation.
     */
    Map<Outcome, List<VendorSimulator.Sent>> awaitReconciled(Duration timeout, Runnable tick) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Map<Outcome, List<VendorSimulator.Sent>> r = reconcile();
        while (System.nanoTime() < end && !(r.get(Outcome.PENDING).isEmpty() && quietMs() >= 3_000 && edgeCaughtUp() && streamsPublished())) {
            throwIfFailed();
            Thread.sleep(500);
            tick.run();
            r = reconcile();
        }
        return r;
    }

    /** Every internal odds update is at the edge or in the edge DLQ. */
    private boolean edgeCaughtUp() {
        if (endsAtCore) {
            return true;
        }
        long internal = pipeline.leagues().stream().mapToLong(l -> counted("internal." + l)).sum();
        long edge = pipeline.leagues().stream().mapToLong(l -> counted("public." + l)).sum() + counted("dlq.public");
        return internal == edge;
    }

    /** The odds sink's per-league Redis streams are empty: the source published (and trimmed) everything the sink wrote. */
    private boolean streamsPublished() {
        if (endsAtCore) {
            return true;
        }
        if (redis == null) {
            redis = new Jedis(pipeline.redis().url());
        }
        return pipeline.leagues().stream().allMatch(l -> redis.xlen("odds:{" + l + "}:stream") == 0);
    }

    /** An internal odds update: its topic's league, its event_ts (-1 if none) and how often it was on the topic. */
    private record Internal(String league, long eventTs, int count) {
    }

    /** What bronze holds against what was on {@code odds.updates.internal.*}: problems by kind (count and example). */
    record BronzeReconciliation(int objects, long rows, long deadLettered, long internal, Map<String, String> problems) {
        boolean reconciled() {
            return problems.isEmpty();
        }
    }

    private static final java.util.regex.Pattern BRONZE_KEY = java.util.regex.Pattern.compile(
            "(?:.*/)?league=([^/]+)/dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/[^/]+\\.parquet");

    /**
     * Reads every bronze object back from the S3 server (testkit {@code ParquetRows}) and reconciles its rows with the
     * internal odds updates this tally read on core: each one is exactly one row (as often as it was on the topic), under
     * {@code league=<its topic's league>/dt=/hour=} of its {@code event_ts} (UTC), unless the bronze sink dead-lettered it;
     * no other row. Call once the pipeline has settled and {@link Pipeline#bronzeLag()} is 0. Null when bronze does not run.
     */
    BronzeReconciliation reconcileBronze() {
        if (pipeline.s3() == null) {
            return null;
        }
        awaitRead(Duration.ofSeconds(60));
        Map<String, Integer> rows = new HashMap<>();
        Map<String, String> problems = new TreeMap<>();
        Map<String, Long> problemCounts = new HashMap<>();
        java.util.function.BiConsumer<String, String> problem = (kind, example) -> {
            problemCounts.merge(kind, 1L, Long::sum);
            problems.putIfAbsent(kind, example);
        };
        int objects = 0;
        long total = 0;
        for (String key : pipeline.s3().keys(Pipeline.BRONZE_BUCKET)) {
            java.util.regex.Matcher m = BRONZE_KEY.matcher(key);
            if (!m.matches()) {
                problem.accept("object outside league=/dt=/hour=/*.parquet", key);
                continue;
            }
            objects++;
            for (org.apache.avro.generic.GenericRecord row : io.oddsupdate.connect.testkit.ParquetRows.read(pipeline.s3().get(Pipeline.BRONZE_BUCKET, key))) {
                total++;
                String uid = String.valueOf(row.get("event_uid"));
                rows.merge(uid, 1, Integer::sum);
                Internal in = internal.get(uid);
                if (in == null) {
                    continue; // counted below as a row no internal update explains
                }
                String expected = "league=" + in.league() + "/dt=" + partition(in.eventTs(), "yyyy-MM-dd") + "/hour=" + partition(in.eventTs(), "HH");
                if (!expected.equals("league=" + m.group(1) + "/dt=" + m.group(2) + "/hour=" + m.group(3))) {
                    problem.accept("row in the wrong object (league/dt/hour of event_ts)", uid + " in " + key + ", expected " + expected);
                }
            }
        }
        long dead = 0;
        for (Map.Entry<String, Internal> e : internal.entrySet()) {
            int inBronze = rows.getOrDefault(e.getKey(), 0);
            int inDlq = bronzeDeadLetters.getOrDefault(e.getKey(), 0);
            dead += inDlq;
            if (inBronze + inDlq < e.getValue().count()) {
                problem.accept("internal odds update missing from bronze", e.getKey() + " (" + e.getValue() + ", rows " + inBronze + ", DLQ " + inDlq + ")");
            } else if (inBronze + inDlq > e.getValue().count()) {
                problem.accept("more bronze rows than internal odds updates", e.getKey() + " (" + e.getValue() + ", rows " + inBronze + ", DLQ " + inDlq + ")");
            }
        }
        for (String uid : rows.keySet()) {
            if (!internal.containsKey(uid)) {
                problem.accept("bronze row matching no internal odds update", uid);
            }
        }
        problems.replaceAll((kind, example) -> problemCounts.get(kind) + "× e.g. " + example);
        return new BronzeReconciliation(objects, total, dead, internal.values().stream().mapToLong(Internal::count).sum(), problems);
    }

    /** Waits until this tally has read {@code odds.updates.internal.*} and the bronze DLQ up to their end offsets. */
    private void awaitRead(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            long behind = endOffset(Pipeline.BRONZE_DLQ, 1) - counted("dlq.bronze");
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

        synchronized void clear() {
            samples.clear();
            marks.clear();
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
