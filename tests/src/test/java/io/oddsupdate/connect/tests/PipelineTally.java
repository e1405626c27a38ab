package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
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

    /** A check an edge or core record failed, with an example. */
    record Violation(String check, String example) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Pipeline pipeline;
    private final VendorSimulator vendor;
    private final Set<String> publicFields;
    private final KafkaConsumer<byte[], byte[]> core;
    private final KafkaConsumer<byte[], byte[]> edge;
    private final Thread poller;
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
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private int latencyMark;
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
        this.core = assigned(pipeline.core(), coreTopics);
        this.edge = assigned(pipeline.edge(), edgeTopics);
        this.poller = new Thread(this::poll, "pipeline-tally");
        poller.setDaemon(true);
        poller.start();
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

    private static KafkaConsumer<byte[], byte[]> assigned(EmbeddedKafkaCluster cluster, List<String> topics) {
        Map<String, Object> props = new HashMap<>();
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

    private void poll() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : core.poll(Duration.ofMillis(100))) {
                    onCore(r);
                }
                for (ConsumerRecord<byte[], byte[]> r : edge.poll(Duration.ofMillis(100))) {
                    onEdge(r, System.currentTimeMillis());
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException stopping) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private void onCore(ConsumerRecord<byte[], byte[]> r) {
        lastArrival = System.currentTimeMillis();
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
        } else if (topic.startsWith(Pipeline.RAW_PREFIX)) {
            String league = topic.substring(Pipeline.RAW_PREFIX.length());
            count("raw." + league);
            String eventId = header(r, "event_id");
            if (eventId != null) {
                if (!atCore.add(eventId)) {
                    count("duplicate.raw");
                }
            }
            JsonNode v = json(r.value());
            String gameId = v == null ? null : v.path("game_id").asText(null);
            check("core key = game_id", gameId != null && gameId.equals(string(r.key())), r);
            check("core headers league, game_id, event_id", league.equals(header(r, "league"))
                    && gameId != null && gameId.equals(header(r, "game_id")) && header(r, "event_id") != null, r);
        } else if (topic.startsWith(Pipeline.INTERNAL_PREFIX)) {
            count("internal." + topic.substring(Pipeline.INTERNAL_PREFIX.length()));
            JsonNode v = json(r.value());
            String uid = v == null ? null : v.path("event_uid").asText(null);
            if (uid != null && !internalUids.add(uid)) {
                count("duplicate.internal");
            }
        }
    }

    private void onEdge(ConsumerRecord<byte[], byte[]> r, long now) {
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
        JsonNode v = json(r.value());
        if (v == null || !v.isObject()) {
            check("edge value is a JSON or Glue-Avro record", false, r);
            return;
        }
        Set<String> extra = new HashSet<>();
        v.fieldNames().forEachRemaining(extra::add);
        extra.removeAll(publicFields);
        check("edge fields ⊆ public schema", extra.isEmpty(), r);
        String gameId = v.path("game_id").asText(null);
        long eventTs = v.path("event_ts").asLong(-1);
        check("edge key = game_id", gameId != null && gameId.equals(string(r.key())), r);
        check("edge headers league, game_id, model_version", league.equals(header(r, "league"))
                && gameId != null && gameId.equals(header(r, "game_id")) && header(r, "model_version") != null, r);
        check("no duplicate event_uid at the edge", edgeUids.add(v.path("event_uid").asText()), r);
        String game = topic + "/" + gameId;
        Long last = lastTsPerGame.put(game, eventTs);
        check("per-game order at the edge", last == null || last <= eventTs, r);
        if (gameId != null && priced.add(gameId + "|" + eventTs)) {
            latencies.add(now - eventTs);
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

    /** p50/p99 of the vendor→edge latencies measured since the last call (window) or since the start (all). */
    long[] latencyPercentiles(boolean window) {
        long[] values;
        synchronized (latencies) {
            int from = window ? latencyMark : 0;
            values = latencies.subList(from, latencies.size()).stream().mapToLong(Long::longValue).toArray();
            if (window) {
                latencyMark = latencies.size();
            }
        }
        if (values.length == 0) {
            return null;
        }
        Arrays.sort(values);
        return new long[] {values[(int) Math.min(values.length - 1, Math.round(0.50 * (values.length - 1)))],
                values[(int) Math.min(values.length - 1, Math.round(0.99 * (values.length - 1)))], values.length};
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

    /** Parquet objects in the bronze bucket, or -1 when the bronze stage does not run. */
    int bronzeFiles() {
        return pipeline.s3() == null ? -1 : (int) pipeline.s3().keys(Pipeline.BRONZE_BUCKET).stream().filter(k -> k.endsWith(".parquet")).count();
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
            poller.join(5_000);
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
}
