package io.oddsupdate.connect.mirror.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.mirror.MirrorConnectors;
import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;

/**
 * MirrorMaker 2 throughput (records/s) on this machine, one run, three variants interleaved round by round:
 * <ol>
 *   <li>{@code identity}: the stock MirrorSourceConnector with IdentityReplicationPolicy, no transforms (the baseline);</li>
 *   <li>{@code mapping}: TopicMappingMirrorSourceConnector with TopicMappingReplicationPolicy, no transforms;</li>
 *   <li>{@code mapping+smt}: the same plus CanonicalKey and InjectHeaders with a dead-letter route (only when the smt
 *       plugin ZIP has been built).</li>
 * </ol>
 * Each run replicates a backlog of {@code bench.records} JSON vendor events (1% malformed) from a vendor cluster with one
 * task; the rate is measured between the first and the last replicated record, so connector start-up is not counted.
 * The first round warms up and is not counted; the summary gives the median of {@code bench.rounds} and its range.
 * On demand only: {@code mvn -B -pl smt -am package -DskipTests && mvn -B -pl mirror-policies -am -Pmirror-bench verify}.
 */
class MirrorThroughputBench {

    static final int RECORDS = Integer.getInteger("bench.records", 400_000);
    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    static final int WARMUP_ROUNDS = 1; // JIT and page cache: measured, printed, not counted
    static final int PARTITIONS = 3;
    static final String DLQ = "raw.events.dlq";

    @Test
    void throughput() throws Exception {
        boolean smt = MirrorConnectors.hasPluginZip("smt");
        Path pluginPath = smt ? PluginPath.of("mirror-policies", "smt") : PluginPath.of("mirror-policies");
        List<String> variants = new ArrayList<>(List.of("identity", "mapping"));
        if (smt) {
            variants.add("mapping+smt");
        }
        EmbeddedKafkaCluster vendor = ConnectClusters.kafka(1);
        EmbeddedConnectCluster core = ConnectClusters.builder("mirror-bench", pluginPath).build();
        Map<String, List<Double>> rates = new HashMap<>();
        try {
            vendor.start();
            core.start();
            core.kafka().createTopic(DLQ, 1);
            for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                for (int i = 0; i < variants.size(); i++) {
                    int v = (i + round) % variants.size(); // rotate the order: no variant always runs first
                    String variant = variants.get(v);
                    String source = "vendor.raw.events.r" + round + "v" + v;
                    vendor.createTopic(source, PARTITIONS);
                    produce(vendor, source);
                    String target = variant.equals("identity") ? source : source.substring("vendor.".length());
                    double rate = replicate(core, vendor, variant, source, target);
                    if (round >= WARMUP_ROUNDS) {
                        rates.computeIfAbsent(variant, k -> new ArrayList<>()).add(rate);
                    }
                    System.out.printf("round %d%s %-12s %,10.0f records/s%n", round, round < WARMUP_ROUNDS ? " (warm-up)" : "",
                            variant, rate);
                }
            }
        } finally {
            core.stop();
            vendor.stop();
        }
        double baseline = median(rates.get("identity"));
        System.out.printf("%nMirrorMaker throughput, %,d records (1%% malformed) per run, %d rounds after %d warm-up, 1 task,"
                + " %d cores:%n", RECORDS, ROUNDS, WARMUP_ROUNDS, Runtime.getRuntime().availableProcessors());
        for (String variant : variants) {
            List<Double> r = rates.get(variant);
            System.out.printf("  %-12s median %,10.0f records/s  (min %,.0f, max %,.0f)  ratio to identity %.2f%n",
                    variant, median(r), Collections.min(r), Collections.max(r), median(r) / baseline);
        }
        if (!smt) {
            System.out.println("  (mapping+smt skipped: build the smt plugin ZIP first)");
        }
    }

    private static void produce(EmbeddedKafkaCluster vendor, String topic) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("linger.ms", 20);
        props.put("batch.size", 262144);
        try (KafkaProducer<byte[], byte[]> producer = vendor.createProducer(props)) {
            for (int n = 0; n < RECORDS; n++) {
                String value = n % 100 == 99 ? "{\"event_id\":\"e-" + n + "\",\"game_id\"" // malformed JSON
                        : "{\"event_id\":\"e-" + n + "\",\"game_id\":\"g" + (n % 40) + "\",\"league\":\"nba\",\"seq\":" + n
                        + ",\"event_ts\":" + (1764000000000L + n) + ",\"type\":\"SCORE\",\"model_version\":\"m1\","
                        + "\"payload\":{\"period\":1,\"home_score\":" + (n % 120) + ",\"away_score\":3,\"player_id\":\"p-" + (n % 300) + "\"}}";
                producer.send(new ProducerRecord<>(topic, n % PARTITIONS, ("k" + n).getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private static double replicate(EmbeddedConnectCluster core, EmbeddedKafkaCluster vendor, String variant,
                                    String source, String target) throws Exception {
        Map<String, String> mm2 = ConnectClusters.mirrorSource(vendor, core.kafka(), source.replace(".", "\\."));
        mm2.put("refresh.topics.interval.seconds", "600");
        if (!variant.equals("identity")) {
            mm2.put("connector.class", "io.oddsupdate.connect.mirror.TopicMappingMirrorSourceConnector");
            mm2.put("replication.policy.class", "io.oddsupdate.connect.mirror.TopicMappingReplicationPolicy");
        }
        if (variant.equals("mapping+smt")) {
            ConnectClusters.withVendorTransforms(mm2, DLQ);
        }
        String name = "bench-" + source.replace('.', '-');
        try (Admin admin = core.kafka().createAdminClient()) {
            return measure(core, admin, name, mm2, variant, target);
        }
    }

    private static double measure(EmbeddedConnectCluster core, Admin admin, String name, Map<String, String> mm2,
                                  String variant, String target) throws Exception {
        long dlqBefore = endOffsets(admin, DLQ, 1);
        core.configureConnector(name, mm2);
        long first = 0;
        long firstCount = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            long done = endOffsets(admin, target, PARTITIONS) + endOffsets(admin, DLQ, 1) - dlqBefore;
            long now = System.nanoTime();
            if (done > 0 && first == 0) {
                first = now;
                firstCount = done;
            }
            if (done >= RECORDS) {
                core.deleteConnector(name);
                Thread.sleep(2_000); // let the task stop before the next run
                assertEquals(RECORDS, done, variant + ": in = out + DLQ");
                return (RECORDS - firstCount) / ((now - first) / 1e9);
            }
            Thread.sleep(20);
        }
        throw new AssertionError(variant + " did not replicate " + RECORDS + " records in 10 minutes");
    }

    private static long endOffsets(Admin admin, String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            return admin.listOffsets(request).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        } catch (java.util.concurrent.ExecutionException e) {
            return 0; // the target topic does not exist yet
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
