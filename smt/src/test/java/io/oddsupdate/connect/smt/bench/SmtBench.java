package io.oddsupdate.connect.smt.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.StringConverter;
import org.apache.kafka.connect.transforms.ExtractField;
import org.apache.kafka.connect.transforms.InsertHeader;
import org.apache.kafka.connect.transforms.ValueToKey;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.oddsupdate.connect.smt.CanonicalKey;
import io.oddsupdate.connect.smt.InjectHeaders;
import io.oddsupdate.connect.smt.Sanitize;

/**
 * The transforms on JSON, on demand only: {@code mvn -B -pl smt -am -Pbench verify -DskipITs -Dtest=SmtBench
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbench.args="-wi 2 -i 3 -f 1"} (JMH options in {@code bench.args}). The
 * transforms read JSON with Jackson (no shipped config runs them on JSON, so no fast path of their own would pay);
 * {@link ShippedHopBench} measures the hops as shipped.
 * In one run: CanonicalKey+InjectHeaders on a 1 KB vendor JSON byte[] record and Sanitize on a 1 KB odds JSON record,
 * against (a) the naive way (Jackson readTree, then the key and headers from the tree; the value bytes pass through
 * unchanged, as ours do; Sanitize's naive way writes the retained tree back, as Sanitize does) and (b) the stock
 * ValueToKey+ExtractField$Key+InsertHeader chain, both on the equivalent Struct and as a user of stock transforms pays
 * on JSON bytes (JsonConverter bytes to Connect data, the chain, Connect data to bytes). Prints ops/s and the ratios.
 *
 * <p>Each operation takes the next of {@link #RING} distinct records (distinct byte arrays), so no parse is reused from a
 * previous operation, as in a real stream.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SmtBench {

    static final int RING = 1024;
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Set<String> PUBLIC_FIELDS = Set.of("event_uid", "event_ts", "league", "game_id", "team_id", "player_id",
            "market", "selection", "line", "odds", "decimal_odds", "model_version");

    static final Schema PAYLOAD = SchemaBuilder.struct().name("EventPayload")
            .field("period", Schema.OPTIONAL_INT32_SCHEMA).field("clock_remaining_s", Schema.OPTIONAL_INT32_SCHEMA)
            .field("home_score", Schema.OPTIONAL_INT32_SCHEMA).field("away_score", Schema.OPTIONAL_INT32_SCHEMA)
            .field("team_id", Schema.OPTIONAL_STRING_SCHEMA).field("player_id", Schema.OPTIONAL_STRING_SCHEMA)
            .field("stat", Schema.OPTIONAL_STRING_SCHEMA).field("stat_value", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("commentary", Schema.OPTIONAL_STRING_SCHEMA).build();
    static final Schema EVENT = SchemaBuilder.struct().name("VendorEvent")
            .field("event_id", Schema.STRING_SCHEMA).field("game_id", Schema.STRING_SCHEMA).field("league", Schema.STRING_SCHEMA)
            .field("seq", Schema.INT64_SCHEMA).field("event_ts", Schema.INT64_SCHEMA).field("type", Schema.STRING_SCHEMA)
            .field("model_version", Schema.OPTIONAL_STRING_SCHEMA).field("payload", PAYLOAD).build();

    SourceRecord[] vendorBytes = new SourceRecord[RING];
    SourceRecord[] vendorStructs = new SourceRecord[RING];
    SourceRecord[] oddsBytes = new SourceRecord[RING];
    int next;

    CanonicalKey<SourceRecord> key = new CanonicalKey<>();
    InjectHeaders<SourceRecord> headers = new InjectHeaders<>();
    Sanitize<SourceRecord> sanitize = new Sanitize<>();
    ValueToKey<SourceRecord> valueToKey = new ValueToKey<>();
    ExtractField.Key<SourceRecord> extractKey = new ExtractField.Key<>();
    InsertHeader<SourceRecord> insertHeader = new InsertHeader<>();
    JsonConverter json = new JsonConverter();
    StringConverter keys = new StringConverter();

    /** A vendor event of about 1 KB: the raw-event fields plus play-by-play commentary, as vendors send. */
    public static String vendorJson(int n) {
        return "{\"event_id\":\"e-" + n + "\",\"game_id\":\"nba-g" + (n % 12) + "\",\"league\":\"nba\",\"seq\":" + n
                + ",\"event_ts\":1764000000000,\"type\":\"PLAYER_STAT\",\"model_version\":\"m-2024.11\",\"payload\":{\"period\":3,"
                + "\"clock_remaining_s\":312,\"home_score\":77,\"away_score\":71,\"team_id\":\"BOS\",\"player_id\":\"p-1628369\","
                + "\"stat\":\"points\",\"stat_value\":24.0,\"commentary\":\"" + "Tatum drives baseline, spins and finishes through contact. ".repeat(12)
                + "\"}}";
    }

    /** An internal odds update of about 1 KB (the internal-only model outputs make up the bulk). */
    public static String oddsJson(int n) {
        StringBuilder inputs = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            inputs.append(i == 0 ? "" : ",").append("\"input_").append(i).append("\":").append(0.125 * i + n % 7);
        }
        return "{\"event_uid\":\"u-" + n + "\",\"event_ts\":1764000000000,\"ingest_ts\":1764000000123,\"league\":\"nba\","
                + "\"game_id\":\"nba-g" + (n % 12) + "\",\"team_id\":\"BOS\",\"player_id\":null,\"market\":\"spread\",\"odds\":-115.0,"
                + "\"model_version\":\"m-2024.11\",\"source_topic\":\"raw.events.nba\",\"source_partition\":3,\"source_offset\":" + n
                + ",\"selection\":\"home\",\"line\":-3.5,\"decimal_odds\":1.87,\"fair_prob\":0.5213,\"model_inputs\":{" + inputs + "}}";
    }

    static SourceRecord mirrored(String topic, byte[] value) {
        return new SourceRecord(Map.of("cluster", "vendor", "topic", "vendor." + topic, "partition", 3), Map.of("offset", 1L),
                topic, 3, Schema.OPTIONAL_BYTES_SCHEMA, "k".getBytes(StandardCharsets.UTF_8), Schema.BYTES_SCHEMA, value,
                1764000000000L, new ConnectHeaders());
    }

    @Setup
    public void setup() throws Exception {
        for (int n = 0; n < RING; n++) {
            vendorBytes[n] = mirrored("raw.events.nba", vendorJson(n).getBytes(StandardCharsets.UTF_8));
            oddsBytes[n] = mirrored("odds.updates.public.nba", oddsJson(n).getBytes(StandardCharsets.UTF_8));
            JsonNode e = MAPPER.readTree(vendorJson(n));
            JsonNode p = e.get("payload");
            Struct payload = new Struct(PAYLOAD).put("period", p.get("period").asInt()).put("clock_remaining_s", p.get("clock_remaining_s").asInt())
                    .put("home_score", p.get("home_score").asInt()).put("away_score", p.get("away_score").asInt())
                    .put("team_id", p.get("team_id").asText()).put("player_id", p.get("player_id").asText())
                    .put("stat", p.get("stat").asText()).put("stat_value", p.get("stat_value").asDouble())
                    .put("commentary", p.get("commentary").asText());
            Struct event = new Struct(EVENT).put("event_id", e.get("event_id").asText()).put("game_id", e.get("game_id").asText())
                    .put("league", "nba").put("seq", e.get("seq").asLong()).put("event_ts", e.get("event_ts").asLong())
                    .put("type", e.get("type").asText()).put("model_version", e.get("model_version").asText()).put("payload", payload);
            vendorStructs[n] = new SourceRecord(Map.of(), Map.of(), "raw.events.nba", 3, null, null, EVENT, event, 1764000000000L);
        }
        key.configure(Map.of());
        headers.configure(Map.of());
        sanitize.configure(Map.of("public.schema", "classpath:schemas/odds-update-public/v1.avsc"));
        valueToKey.configure(Map.of("fields", "game_id"));
        extractKey.configure(Map.of("field", "game_id"));
        insertHeader.configure(Map.of("header", "league", "value.literal", "nba"));
        json.configure(Map.of("schemas.enable", "false"), false);
        keys.configure(Map.of(), true);
    }

    private int nextIndex() {
        int i = next;
        next = (i + 1) & (RING - 1);
        return i;
    }

    @Benchmark
    public SourceRecord keyAndHeadersOnJsonBytes() {
        return headers.apply(key.apply(vendorBytes[nextIndex()]));
    }

    @Benchmark
    public SourceRecord keyAndHeadersNaiveJackson() throws Exception {
        SourceRecord r = vendorBytes[nextIndex()];
        ObjectNode tree = (ObjectNode) MAPPER.readTree((byte[]) r.value());
        String gameId = tree.path("game_id").asText();
        ConnectHeaders h = new ConnectHeaders();
        h.addString("league", "nba");
        h.addString("game_id", gameId);
        h.addString("event_id", tree.path("event_id").asText());
        h.addString("player_id", tree.path("payload").path("player_id").asText());
        h.addString("model_version", tree.path("model_version").asText());
        // the value passes through unchanged, as with ours: only the key and headers are new
        return r.newRecord(r.topic(), null, Schema.BYTES_SCHEMA, gameId.getBytes(StandardCharsets.UTF_8), r.valueSchema(),
                r.value(), r.timestamp(), h);
    }

    /** What a user of the stock transforms pays on MirrorMaker's JSON bytes: convert in, the chain, convert out. */
    @Benchmark
    public SourceRecord stockChainOnJsonBytes() {
        SourceRecord r = vendorBytes[nextIndex()];
        SchemaAndValue in = json.toConnectData(r.topic(), (byte[]) r.value());
        SourceRecord t = insertHeader.apply(extractKey.apply(valueToKey.apply(
                r.newRecord(r.topic(), r.kafkaPartition(), null, null, in.schema(), in.value(), r.timestamp()))));
        return t.newRecord(t.topic(), null, Schema.BYTES_SCHEMA, keys.fromConnectData(t.topic(), t.keySchema(), t.key()),
                Schema.BYTES_SCHEMA, json.fromConnectData(t.topic(), t.valueSchema(), t.value()), t.timestamp(), t.headers());
    }

    @Benchmark
    public SourceRecord stockChainOnStruct() {
        return insertHeader.apply(extractKey.apply(valueToKey.apply(vendorStructs[nextIndex()])));
    }

    @Benchmark
    public SourceRecord keyAndHeadersOnStruct() {
        return headers.apply(key.apply(vendorStructs[nextIndex()]));
    }

    @Benchmark
    public SourceRecord sanitizeOnJsonBytes() {
        return sanitize.apply(oddsBytes[nextIndex()]);
    }

    @Benchmark
    public SourceRecord sanitizeNaiveJackson() throws Exception {
        SourceRecord r = oddsBytes[nextIndex()];
        ObjectNode tree = (ObjectNode) MAPPER.readTree((byte[]) r.value());
        tree.retain(PUBLIC_FIELDS);
        return r.newRecord(r.topic(), r.kafkaPartition(), r.keySchema(), r.key(), r.valueSchema(), MAPPER.writeValueAsBytes(tree),
                r.timestamp());
    }

    /** Runs the benchmarks (JMH command-line options from {@code bench.args}) and prints ops/s and the ratios. */
    @Test
    void run() throws Exception {
        String[] args = System.getProperty("bench.args", "-wi 3 -i 5 -f 1").trim().split("\\s+");
        System.out.println("vendor event " + vendorJson(0).length() + " bytes, odds update " + oddsJson(0).length() + " bytes");
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(new CommandLineOptions(args))
                .include(SmtBench.class.getName() + "\\.").build()).run();
        Map<String, double[]> score = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            score.put(name, new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        List<String> lines = new ArrayList<>();
        for (Iterator<String> it = score.keySet().stream().sorted().iterator(); it.hasNext(); ) {
            String name = it.next();
            lines.add(String.format("%-28s %,14.0f ops/s  ± %,.0f  (%.2f µs/op)", name, score.get(name)[0], score.get(name)[1],
                    1e6 / score.get(name)[0]));
        }
        System.out.println("\n== SmtBench ==");
        lines.forEach(System.out::println);
        ratio(score, "keyAndHeadersOnJsonBytes", "keyAndHeadersNaiveJackson", "CanonicalKey+InjectHeaders on bytes vs naive Jackson (both parse with Jackson)");
        ratio(score, "sanitizeOnJsonBytes", "sanitizeNaiveJackson", "Sanitize on bytes vs naive Jackson");
        ratio(score, "keyAndHeadersOnJsonBytes", "stockChainOnJsonBytes", "CanonicalKey+InjectHeaders on bytes vs the stock chain between JsonConverters");
        double t = score.containsKey("stockChainOnStruct") && score.containsKey("keyAndHeadersOnJsonBytes")
                ? score.get("stockChainOnStruct")[0] / score.get("keyAndHeadersOnJsonBytes")[0] : Double.NaN;
        System.out.printf("per-record time of CanonicalKey+InjectHeaders on bytes / stock ValueToKey+ExtractField$Key+InsertHeader on Struct: %.2fx%n", t);
        double s = score.containsKey("stockChainOnStruct") && score.containsKey("keyAndHeadersOnStruct")
                ? score.get("stockChainOnStruct")[0] / score.get("keyAndHeadersOnStruct")[0] : Double.NaN;
        System.out.printf("per-record time of CanonicalKey+InjectHeaders on Struct / stock chain on Struct: %.2fx%n", s);
    }

    private static void ratio(Map<String, double[]> score, String ours, String baseline, String what) {
        double r = score.containsKey(ours) && score.containsKey(baseline) ? score.get(ours)[0] / score.get(baseline)[0] : Double.NaN;
        System.out.printf("%s: %.2fx%n", what, r);
    }
}
