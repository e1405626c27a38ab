package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The whole pipeline of the seed, end to end, on the topology of the local runner ({@link Pipeline}): vendor JSON
 * events through both MirrorMaker hops, the odds sink and source, and the bronze sink, with every plugin loaded from its
 * packaged ZIP. One topology serves every test here, to keep CI fast.
 */
class PipelineIT {

    static final List<Pipeline.Stage> ALL = List.of(Pipeline.Stage.values());

    static SeedData seed;
    static Pipeline pipeline;

    @BeforeAll
    static void start() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(Pipeline.ODDS_SINK),
                "plugin classes must come from the ZIPs on plugin.path only");
        seed = SeedData.load();
        pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()));
        for (Pipeline.Stage stage : ALL) {
            assertTrue(pipeline.running(stage), stage + ": " + pipeline.stages().get(stage));
        }
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /**
     * Whole games (GAME_START to GAME_END) for every seed game, with malformed events mixed in: every vendor event is
     * priced at the edge, dead-lettered with a reason from the stage that refused it, or (GAME_END) applied with nothing
     * to price; every edge record passes the checks; bronze holds every internal odds update as exactly one Parquet row,
     * in the object under league=/dt=/hour= of its league and event time.
     */
    @Test
    void everyVendorEventIsPricedAtTheEdgeOrDeadLetteredWithItsReason() throws Exception {
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 40, 0.08, VendorSimulator.Kind.handled(), 7L);
        try (PipelineTally tally = new PipelineTally(pipeline, sim)) {
            sim.playAll(VendorSimulator.Kind.handled());
            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(180), () -> { });

            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events neither priced nor dead-lettered nor applied");
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations(), "checks on the records at core and edge");
            assertEquals(List.of(), tally.unidentifiedDeadLetters(), "dead letters that match no vendor event");
            assertTrue(r.odds().expected() > 500, r.odds().toString());
            assertEquals(r.odds().expected(), r.odds().internal(), r.odds().toString());
            assertEquals(r.odds().expected(), r.odds().edge(), "no model odds update is refused at the edge: " + r.odds());

            for (VendorSimulator.Sent s : r.get(PipelineTally.Outcome.PRICED)) {
                assertEquals(VendorSimulator.Kind.VALID, s.kind(), "a malformed event was priced: " + s);
            }
            for (VendorSimulator.Sent s : r.get(PipelineTally.Outcome.DEAD_LETTERED)) {
                assertTrue(s.kind().malformed, "a valid event was dead-lettered: " + s + " " + tally.reason(s));
                // the first stage that checks a thing refuses it: EnforceSchema (raw-event/v1) on the vendor hop, where
                // records become Glue-Avro, else the odds sink (reference data)
                Pattern expected = Pattern.compile(switch (s.kind()) {
                    case BAD_JSON -> "^enforce: malformed JSON.*";
                    case MISSING_GAME_ID -> "^enforce: field 'game_id'.*";
                    case WRONG_TYPE -> "^enforce: field 'seq'.*";
                    case OVERSIZED -> "^enforce: .*(oversized|max\\.value\\.bytes).*";
                    case UNKNOWN_GAME -> "^OddsSinkConnector: unusable event at raw\\.events\\.\\w+/\\d+@\\d+: unknown game.*";
                    case UNKNOWN_LEAGUE -> "^OddsSinkConnector: unusable event at raw\\.events\\.\\w+/\\d+@\\d+: league 'curling' does not match.*";
                    default -> throw new AssertionError(s.kind());
                }, Pattern.DOTALL);
                assertTrue(expected.matcher(tally.reason(s)).matches(), s.kind() + " reason: " + tally.reason(s));
            }
            Set<VendorSimulator.Kind> deadKinds = r.get(PipelineTally.Outcome.DEAD_LETTERED).stream()
                    .map(VendorSimulator.Sent::kind).collect(Collectors.toSet());
            assertEquals(Set.copyOf(VendorSimulator.Kind.handled()), deadKinds);
            // the only events with nothing to price are the game ends, one per game
            assertEquals(seed.games().size(), r.get(PipelineTally.Outcome.APPLIED_NOTHING_TO_PRICE).stream()
                    .filter(s -> "GAME_END".equals(s.type())).count());
            assertTrue(r.get(PipelineTally.Outcome.PRICED).size() > 6 * 30, "most events are priced: " + r.get(PipelineTally.Outcome.PRICED).size());

            // every internal odds update reaches the edge or its DLQ (the other test's probes included)
            assertEquals(seed.leagues().stream().mapToLong(l -> tally.counted("internal." + l)).sum(),
                    seed.leagues().stream().mapToLong(l -> tally.counted("public." + l)).sum() + tally.counted("dlq.public"));
            long lag = pipeline.bronzeLag();
            for (long end = System.currentTimeMillis() + 90_000; lag != 0 && System.currentTimeMillis() < end; lag = pipeline.bronzeLag()) {
                Thread.sleep(1000);
            }
            assertEquals(0, lag, "internal odds updates not committed to bronze");
            // the rows themselves: every internal odds update exactly once, in the object of its league and event hour
            PipelineTally.BronzeReconciliation rows = tally.reconcileBronze();
            assertEquals(Map.of(), rows.problems(), "bronze rows against the model's odds updates: " + rows);
            PipelineTally.ClickHouseReconciliation ch = tally.reconcileClickHouse(Duration.ofSeconds(120));
            assertEquals(Map.of(), ch.problems(), "ClickHouse (FINAL) against the model's odds updates: " + ch);
            assertEquals(0, rows.deadLettered(), "no model odds update is refused by bronze: " + rows);
            assertTrue(rows.rows() > 0, "bronze rows: " + rows);
            List<String> bronze = pipeline.s3().keys(Pipeline.BRONZE_BUCKET);
            for (String league : seed.leagues()) {
                assertTrue(bronze.stream().anyMatch(k -> k.matches(".*league=" + league + "/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/odds\\.updates\\.internal\\." + league + "\\+\\d+\\+\\d+\\.parquet")),
                        "bronze objects for " + league + ": " + bronze);
            }
        }
    }

    /**
     * Internal odds updates carrying fields nobody declared (as a new model version upstream might add, nested ones
     * too) leave the core with the public schema's fields only; one missing a required public field is dead-lettered at
     * the edge with the reason, not published.
     */
    @Test
    void fieldsAddedUpstreamNeverReachTheEdge() throws Exception {
        Random random = new Random(11);
        String game = "probe-" + UUID.randomUUID();
        Set<String> publicFields = PipelineTally.publicFields();
        int good = 20;
        {
            for (int i = 0; i < good; i++) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("event_uid", game + "-" + i);
                v.put("event_ts", 1_795_000_000_000L + i);
                v.put("league", "nba");
                v.put("game_id", game);
                v.put("market", "moneyline");
                v.put("selection", "home");
                v.put("odds", -110.0);
                v.put("model_version", "probe");
                v.put("fair_prob", 0.52);
                v.put("model_inputs", Map.of("lead", 3.0, "tau", 0.5));
                for (int f = 0; f < 3; f++) {
                    v.put("internal_" + Long.toHexString(random.nextLong()), random.nextBoolean()
                            ? Map.of("secret_" + random.nextInt(100), random.nextDouble(), "nested", Map.of("deeper", "x"))
                            : "internal-" + random.nextInt());
                }
                inject(game, v);
            }
            Map<String, Object> broken = new LinkedHashMap<>(Map.of("event_uid", game + "-broken", "league", "nba", "game_id", game,
                    "market", "moneyline", "internal_only", true));
            inject(game, broken);
        }

        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 120_000;
        while (out.size() < good && System.currentTimeMillis() < deadline) {
            Thread.sleep(1000);
            out.clear();
            for (ConsumerRecord<byte[], byte[]> r : pipeline.edge().consumeAll(30_000, Pipeline.PUBLIC_PREFIX + "nba")) {
                JsonNode v = PipelineTally.json(r.value());
                if (v != null && game.equals(v.path("game_id").asText())) {
                    out.add(r);
                }
            }
        }
        assertEquals(good, out.size(), "probe records at the edge");
        for (ConsumerRecord<byte[], byte[]> r : out) {
            Set<String> fields = new HashSet<>();
            PipelineTally.json(r.value()).fieldNames().forEachRemaining(fields::add);
            Set<String> leaked = new HashSet<>(fields);
            leaked.removeAll(publicFields);
            assertEquals(Set.of(), leaked, "non-public fields at the edge");
            assertTrue(fields.containsAll(Set.of("event_uid", "event_ts", "league", "game_id", "market", "odds")), fields.toString());
        }

        ConsumerRecord<byte[], byte[]> dead = null;
        deadline = System.currentTimeMillis() + 60_000;
        while (dead == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            for (ConsumerRecord<byte[], byte[]> r : pipeline.edge().consumeAll(30_000, Pipeline.PUBLIC_DLQ)) {
                if (new String(r.value(), StandardCharsets.UTF_8).contains(game + "-broken")) {
                    dead = r;
                }
            }
        }
        assertNotNull(dead, "the record missing required public fields is dead-lettered at the edge");
        String reason = PipelineTally.header(dead, PipelineTally.ERROR_MESSAGE);
        assertTrue(reason != null && reason.startsWith("sanitize: "), "reason: " + reason);
        assertEquals(Pipeline.INTERNAL_PREFIX + "nba", PipelineTally.header(dead, "__connect.errors.topic"));
    }

    private static void inject(String key, Map<String, Object> value) {
        pipeline.inject(Pipeline.INTERNAL_PREFIX + "nba", key, VendorSimulator.json(value), new org.apache.kafka.common.header.internals.RecordHeaders()
                .add("league", "nba".getBytes(StandardCharsets.UTF_8)).add("game_id", key.getBytes(StandardCharsets.UTF_8))
                .add("model_version", "probe".getBytes(StandardCharsets.UTF_8)));
    }
}
