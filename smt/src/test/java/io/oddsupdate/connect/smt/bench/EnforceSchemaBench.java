package io.oddsupdate.connect.smt.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import com.amazonaws.services.schemaregistry.serializers.GlueSchemaRegistrySerializationFacade;
import com.amazonaws.services.schemaregistry.utils.AWSSchemaRegistryConstants;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.glue.RepoSchemas;
import io.oddsupdate.connect.smt.EnforceSchema;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.services.glue.model.DataFormat;

/**
 * Per-record cost of EnforceSchema on a 1 KB vendor JSON event (parse, check against raw-event/v1, Avro-encode, Glue
 * header) against the floor: AWS's serializer writing the same event from a ready GenericRecord with its version id
 * already resolved (what GlueSchemaRegistryKafkaSerializer does per record). Both use cached version ids, so no registry
 * is involved (EnforceSchema runs on the repo-file registry). Run on demand:
 * <pre>mvn -B -pl smt -am -Pbench verify -DskipITs</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EnforceSchemaBench {

    byte[] json;
    EnforceSchema<SourceRecord> enforce;
    GenericRecord ready;
    GlueSchemaRegistrySerializationFacade aws;
    UUID versionId;

    /** A vendor event of about 1 KB: the schema's fields plus vendor extras the schema drops. */
    static byte[] vendorJson() throws Exception {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("period", 3);
        payload.put("clock_remaining_s", 412);
        payload.put("home_score", 88);
        payload.put("away_score", 85);
        payload.put("team_id", "nba-bos");
        payload.put("player_id", "nba-p-1628369");
        payload.put("stat", "points");
        payload.put("stat_value", 27.0);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event_id", "4f1c2a9e-7d4b-4f8e-9a51-2c7e0b1d9f33");
        e.put("game_id", "nba-2026-11-24-bos-nyk");
        e.put("league", "nba");
        e.put("seq", 18342L);
        e.put("event_ts", 1764000000000L);
        e.put("type", "PLAYER_STAT");
        e.put("model_version", "feed-v7.3");
        e.put("payload", payload);
        Map<String, Object> vendor = new LinkedHashMap<>();
        vendor.put("feed", "in-play-premium");
        vendor.put("venue", "TD Garden, Boston, MA");
        vendor.put("broadcast", List.of("ESPN", "NBCS-BOS", "MSG"));
        vendor.put("officials", List.of("Scott Foster", "Tony Brothers", "Marc Davis"));
        vendor.put("trace", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        e.put("vendor", vendor);
        ObjectMapper m = new ObjectMapper();
        StringBuilder pad = new StringBuilder();
        while (m.writeValueAsBytes(e).length < 1024) {
            pad.append("x");
            e.put("vendor_note", pad.toString());
        }
        return m.writeValueAsBytes(e);
    }

    @Setup(Level.Trial)
    public void setup() throws Exception {
        json = vendorJson();
        enforce = new EnforceSchema<>();
        enforce.configure(Map.of(EnforceSchema.SCHEMA_CONFIG, "raw-event/v1", "dlq.topic", "raw.events.dlq"));
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = new ObjectMapper().readValue(json, Map.class);
        ready = Conformance.toRecord(tree, RepoSchemas.get("raw-event/v1").schema());
        Map<String, Object> config = new HashMap<>();
        config.put(AWSSchemaRegistryConstants.AWS_REGION, "us-east-1");
        config.put(AWSSchemaRegistryConstants.DATA_FORMAT, DataFormat.AVRO.name());
        aws = GlueSchemaRegistrySerializationFacade.builder().credentialProvider(AnonymousCredentialsProvider.create()).configs(config).build();
        versionId = RepoSchemas.get("raw-event/v1").localVersionId();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        enforce.close();
    }

    /** One fresh record per call, as MirrorMaker hands over (a repeated value object would hit the payload cache). */
    @Benchmark
    public Object enforceSchemaOnVendorJson() {
        SourceRecord r = new SourceRecord(null, null, "raw.events.nba", 0, Schema.BYTES_SCHEMA, null, Schema.BYTES_SCHEMA,
                json.clone(), 0L);
        SourceRecord out = enforce.apply(r);
        if (!"raw.events.nba".equals(out.topic())) {
            throw new IllegalStateException("dead-lettered: " + out.headers());
        }
        return out.value();
    }

    @Benchmark
    public byte[] awsSerializerOnReadyRecord() {
        return aws.serialize(DataFormat.AVRO, ready, versionId);
    }

    @Test
    void run() throws Exception {
        System.out.println("vendor JSON: " + vendorJson().length + " bytes");
        // Production workers log at INFO; the test class path's logback defaults to DEBUG, and the AWS serializer logs
        // at debug per record, which would make the floor measure console output.
        java.nio.file.Path quiet = java.nio.file.Files.createTempFile("logback-bench", ".xml");
        java.nio.file.Files.writeString(quiet, "<configuration><root level=\"WARN\"/></configuration>");
        quiet.toFile().deleteOnExit();
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(EnforceSchemaBench.class.getName() + "\\.")
                .forks(1)
                .warmupIterations(5).warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(2))
                .measurementIterations(5).measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(2))
                .jvmArgsAppend("-Xmx1g", "-Dlogback.configurationFile=" + quiet)
                .build()).run();
        Map<String, RunResult> byName = new HashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            byName.put(label.substring(label.lastIndexOf('.') + 1), r);
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, RunResult> e : byName.entrySet()) {
            var s = e.getValue().getPrimaryResult().getStatistics();
            lines.add(String.format("%-28s %12.0f ops/s  (min %.0f, max %.0f, +-%.0f at 99.9%%)  %.2f us/record", e.getKey(), s.getMean(),
                    s.getMin(), s.getMax(), e.getValue().getPrimaryResult().getScoreError(), 1e6 / s.getMean()));
        }
        double enforce = byName.get("enforceSchemaOnVendorJson").getPrimaryResult().getScore();
        double floor = byName.get("awsSerializerOnReadyRecord").getPrimaryResult().getScore();
        lines.forEach(System.out::println);
        System.out.printf("ratio: EnforceSchema per-record cost = %.2fx the AWS serializer floor (target <= 2x)%n", floor / enforce);
    }
}
