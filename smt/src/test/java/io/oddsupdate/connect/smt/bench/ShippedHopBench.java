package io.oddsupdate.connect.smt.bench;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.oddsupdate.connect.common.Conformance;
import io.oddsupdate.connect.common.glue.GlueAvro;
import io.oddsupdate.connect.common.glue.GlueSettings;
import io.oddsupdate.connect.common.glue.RepoSchemas;
import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Per-record cost of a hop's transforms as shipped: the bundle's transforms of {@code connector-configs/base/<hop>.json}
 * (Glue settings left out: the repo-file registry) on what MirrorMaker hands them: a 1 KB vendor JSON event on
 * {@code vendor-to-core}, an internal odds update in Glue-Avro on {@code core-to-edge}. The chain is read from the
 * shipped config, so the same benchmark measures whatever the hop runs. Run on demand:
 * <pre>mvn -B -pl smt -am -Pbench verify -DskipITs -Dtest=ShippedHopBench -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ShippedHopBench {

    @Param({"vendor-to-core", "core-to-edge"})
    public String hop;

    final List<Transformation<SourceRecord>> chain = new ArrayList<>();
    byte[] value;
    String topic;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setup() throws Exception {
        JsonNode config = new ObjectMapper().readTree(Files.readString(PluginPath.projectRoot().resolve("connector-configs/base/" + hop + ".json")));
        for (String alias : config.get("transforms").asText().split(",")) {
            String type = config.get("transforms." + alias + ".type").asText();
            if (!type.startsWith("io.oddsupdate.")) {
                continue; // the heartbeat filter
            }
            Map<String, String> props = new HashMap<>();
            String prefix = "transforms." + alias + ".";
            for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (name.startsWith(prefix) && !name.equals(prefix + "type") && !name.startsWith(prefix + "glue.")) {
                    props.put(name.substring(prefix.length()), config.get(name).asText());
                }
            }
            Transformation<SourceRecord> t = (Transformation<SourceRecord>) Class.forName(type).getDeclaredConstructor().newInstance();
            t.configure(props);
            chain.add(t);
        }
        if (hop.equals("vendor-to-core")) {
            topic = "raw.events.nba";
            value = EnforceSchemaBench.vendorJson();
            return;
        }
        topic = "odds.updates.public.nba";
        // an internal odds update as the odds source writes it, internal-only fields included
        GenericRecord u = Conformance.toRecord(Map.ofEntries(Map.entry("event_uid", "5f0c3b1e-2a44-3e8f-b0d1-7c9a2e4f6b18"),
                Map.entry("event_ts", 1764000000000L), Map.entry("ingest_ts", 1764000000042L), Map.entry("league", "nba"),
                Map.entry("game_id", "nba-2026-11-24-bos-nyk"), Map.entry("team_id", "nba-bos"), Map.entry("market", "spread"),
                Map.entry("odds", -112.5), Map.entry("model_version", "stern-1.4"), Map.entry("source_topic", "raw.events.nba"),
                Map.entry("source_partition", 7), Map.entry("source_offset", 1834211L), Map.entry("selection", "home"),
                Map.entry("line", -4.5), Map.entry("decimal_odds", 1.8889), Map.entry("fair_prob", 0.5123),
                Map.entry("model_inputs", Map.of("lead", 3.0, "tau", 0.41, "mu", 2.1, "sigma", 12.0, "rating_diff", 4.5))),
                RepoSchemas.get("odds-update-internal/v2").schema());
        try (GlueAvro codec = new GlueAvro(GlueSettings.local())) {
            value = codec.encode("odds.updates.internal.nba", u);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        chain.forEach(Transformation::close);
    }

    /** One fresh record per call, as MirrorMaker hands them over. */
    @Benchmark
    public Object hop() {
        SourceRecord r = new SourceRecord(null, null, topic, 0, org.apache.kafka.connect.data.Schema.BYTES_SCHEMA,
                null, org.apache.kafka.connect.data.Schema.BYTES_SCHEMA, value.clone(), 0L);
        for (Transformation<SourceRecord> t : chain) {
            r = t.apply(r);
        }
        if (!topic.equals(r.topic())) {
            throw new IllegalStateException("dead-lettered: " + r.headers());
        }
        return r.value();
    }

    @Test
    void run() throws Exception {
        java.nio.file.Path quiet = Files.createTempFile("logback-bench", ".xml");
        Files.writeString(quiet, "<configuration><root level=\"WARN\"/></configuration>");
        quiet.toFile().deleteOnExit();
        for (RunResult r : new Runner(new OptionsBuilder()
                .include(ShippedHopBench.class.getName() + "\\.")
                .forks(1)
                .warmupIterations(5).warmupTime(TimeValue.seconds(2))
                .measurementIterations(5).measurementTime(TimeValue.seconds(2))
                .jvmArgsAppend("-Xmx1g", "-Dlogback.configurationFile=" + quiet)
                .build()).run()) {
            var s = r.getPrimaryResult().getStatistics();
            System.out.printf("%s: %.0f ops/s (min %.0f, max %.0f, +-%.0f at 99.9%%), %.2f us/record%n",
                    r.getParams().getParam("hop"), s.getMean(), s.getMin(), s.getMax(), r.getPrimaryResult().getScoreError(), 1e6 / s.getMean());
        }
    }
}
