package io.oddsupdate.connect.clickhouse.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import io.oddsupdate.connect.clickhouse.BenchAccess;
import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.ConnectWorkers;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;
import io.oddsupdate.connect.testkit.servers.ClickHouseServer;

/**
 * On-demand benchmark (profile {@code bench}), against the local ClickHouse (testkit, Debian's 18.16.1):
 * <ol>
 *   <li>Throughput: rows/s of one sink task (odds-update Structs in, the shipped batch settings, gzip) against two
 *       ceilings, {@code clickhouse-client --query "INSERT ... FORMAT RowBinary" < file} loading the very same rows
 *       from a file in the format the sink sends them (its own encoding, written to the file first), and the same with
 *       the sink's JSONEachRow encoding of them; one after the other in each round.</li>
 *   <li>Freshness: a real worker (the plugin from its ZIP) consuming odds updates produced at {@code bench.rate}/s; for
 *       each record, the time from its Kafka append to a query seeing it, as p50/p99.</li>
 * </ol>
 * <pre>mvn -B -pl clickhouse-sink -am -Pbench verify -DskipTests -DskipITs</pre>
 */
public final class ClickHouseSinkBench {

    static final int ROWS = Integer.getInteger("bench.rows", 500_000) / 4 * 4; // 4 partitions
    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    static final int RATE = Integer.getInteger("bench.rate", 2000);
    static final int FRESHNESS_SECONDS = Integer.getInteger("bench.freshness.seconds", 30);
    static final int POLL = 500;
    static final String COMPRESSION = System.getProperty("bench.compression", "gzip");
    static final String FORMAT = System.getProperty("bench.format", "auto");
    static final String IN_FLIGHT = System.getProperty("bench.in.flight", "2");

    public static void main(String[] args) throws Exception {
        try (ClickHouseServer ch = ClickHouseServer.start()) {
            System.out.printf("ClickHouse %s; load average at start %s%n", ch.version(), loadAverage());
            throughput(ch);
            if (RATE > 0) {
                freshness(ch);
            }
            System.out.printf("load average at end %s%n", loadAverage());
        }
        System.exit(0);
    }

    static void throughput(ClickHouseServer ch) throws Exception {
        List<SinkRecord> records = new ArrayList<>(ROWS);
        for (int p = 0; p < 4; p++) {
            records.addAll(BenchAccess.updates("odds.updates.internal.nba", p, 0, ROWS / 4));
        }
        ch.execute(BenchAccess.ddl("bulk_rows"));
        Path binary = file(ch, records, "RowBinary");
        Path json = file(ch, records, "JSONEachRow");
        sink(ch, records.subList(0, Math.min(records.size(), 100_000)), "warmup_sink");
        bulk(ch, binary, "RowBinary", "warmup_bulk");
        double[] sink = new double[ROUNDS];
        double[] bulk = new double[ROUNDS];
        double[] bulkJson = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            bulk[r] = bulk(ch, binary, "RowBinary", "bulk" + r);
            bulkJson[r] = bulk(ch, json, "JSONEachRow", "bulk_json" + r);
            sink[r] = sink(ch, records, "sink" + r);
            System.out.printf("round %d: sink %,.0f rows/s; clickhouse-client RowBinary %,.0f rows/s, ratio %.2f; "
                            + "clickhouse-client JSONEachRow %,.0f rows/s, ratio %.2f (load %s)%n",
                    r + 1, sink[r], bulk[r], sink[r] / bulk[r], bulkJson[r], sink[r] / bulkJson[r], loadAverage());
        }
        System.out.printf("ClickHouseSinkConnector, 1 task, clickhouse.format=%s, clickhouse.compression=%s, batch.max.in.flight=%s, %,d rows: "
                        + "sink median %,.0f rows/s (min %,.0f, max %,.0f)%n", FORMAT, COMPRESSION, IN_FLIGHT, ROWS, median(sink), min(sink), max(sink));
        summary("RowBinary", sink, bulk);
        summary("JSONEachRow", sink, bulkJson);
        Files.delete(binary);
        Files.delete(json);
    }

    /** The rows as the sink encodes them in {@code format}, in a file. */
    static Path file(ClickHouseServer ch, List<SinkRecord> records, String format) throws Exception {
        Path file = Files.createTempFile("clickhouse-bench-", "." + format);
        BenchAccess.rows(ch, "bulk_rows", records, format); // warms the encoder up
        long start = System.nanoTime();
        byte[] rows = BenchAccess.rows(ch, "bulk_rows", records, format);
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.write(file, rows);
        System.out.printf("%,d rows, %,d bytes of %s (%.0f bytes/row), encoded by the sink's RowEncoder in %.2f s%n", ROWS,
                Files.size(file), format, Files.size(file) / (double) ROWS, seconds);
        return file;
    }

    static void summary(String format, double[] sink, double[] bulk) {
        double[] ratios = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            ratios[r] = sink[r] / bulk[r];
        }
        System.out.printf("clickhouse-client %s bulk load median %,.0f rows/s (min %,.0f, max %,.0f); ratio per round median %.2f (min %.2f, max %.2f)%n",
                format, median(bulk), min(bulk), max(bulk), median(ratios), min(ratios), max(ratios));
    }

    /** One task, records in poll-sized chunks as a worker hands them, until ClickHouse acknowledged every row. */
    static double sink(ClickHouseServer ch, List<SinkRecord> records, String table) throws Exception {
        BenchAccess task = BenchAccess.task(ch, table, Map.of("batch.max.rows", System.getProperty("bench.batch.rows", "20000"), "batch.max.wait.ms", "500",
                "clickhouse.request.timeout.ms", "60000", "clickhouse.compression", COMPRESSION,
                "batch.max.in.flight", IN_FLIGHT, "clickhouse.format", FORMAT));
        long start = System.nanoTime();
        for (int i = 0; i < records.size(); i += POLL) {
            task.put(records.subList(i, Math.min(records.size(), i + POLL)));
        }
        while (task.pending() > 0) {
            Thread.sleep(5);
            task.put(List.of());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        task.stop();
        check(ch, table, records.size());
        ch.execute("DROP TABLE " + table);
        return records.size() / seconds;
    }

    static double bulk(ClickHouseServer ch, Path file, String format, String table) throws Exception {
        ch.execute(BenchAccess.ddl(table));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(ch.client("--query", "INSERT INTO " + table + " FORMAT " + format))
                .redirectInput(file.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("clickhouse-client failed: " + out);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        check(ch, table, ROWS);
        ch.execute("DROP TABLE " + table);
        return ROWS / seconds;
    }

    private static void check(ClickHouseServer ch, String table, long rows) {
        long n = Long.parseLong(ch.query("SELECT count() FROM " + table).strip());
        if (n != rows) {
            throw new IllegalStateException(table + ": " + n + " rows, expected " + rows);
        }
    }

    /**
     * A worker process with the plugin from its ZIP, the shipped batch settings, JSON in; records produced at RATE/s for
     * FRESHNESS_SECONDS. A poller asks ClickHouse every 20 ms for the highest offset visible per partition; a record's
     * freshness is the first poll that sees it minus its Kafka append time (LogAppendTime).
     */
    static void freshness(ClickHouseServer ch) throws Exception {
        EmbeddedKafkaCluster kafka = ConnectClusters.kafka(1);
        kafka.start();
        Path pluginPath = PluginPath.of("clickhouse-sink");
        ConnectWorkers workers = ConnectWorkers.start(1, kafka.bootstrapServers(), "clickhouse-bench", 1,
                ConnectClusters.workerProps(pluginPath), PluginPath.projectRoot().resolve("clickhouse-sink/target/connect-workers"));
        int partitions = 12;
        String topic = "odds.updates.internal.nba";
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer(Map.of("linger.ms", "0"))) {
            kafka.createTopic(topic, partitions, 1, Map.of("message.timestamp.type", "LogAppendTime"));
            ch.execute(BenchAccess.ddl("fresh"));
            Map<String, String> c = new HashMap<>();
            c.put("connector.class", "io.oddsupdate.connect.clickhouse.ClickHouseSinkConnector");
            c.put("tasks.max", "1");
            c.put("topics", topic);
            c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
            c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
            c.put("value.converter.schemas.enable", "false");
            c.put("clickhouse.url", ch.httpUrl());
            c.put("clickhouse.table", "fresh");
            c.put("columns.mapping", BenchAccess.mapping());
            c.put("batch.max.wait.ms", "500");
            c.put("consumer.override.fetch.max.wait.ms", "100");
            workers.rest().configure("fresh", c);
            Thread.sleep(10_000); // the task starts and joins its group

            Map<Long, Long> appended = new ConcurrentHashMap<>(); // partition << 40 | offset -> append time
            List<Long> latencies = new ArrayList<>();
            long[] visible = new long[partitions];
            Arrays.fill(visible, -1);
            int total = RATE * FRESHNESS_SECONDS;
            long start = System.nanoTime();
            int sent = 0;
            while (sent < total || latencies.size() < total) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * RATE);
                for (; sent < Math.min(due, total); sent++) {
                    int n = sent;
                    String v = "{\"event_uid\":\"f-" + n + "\",\"event_ts\":" + System.currentTimeMillis() + ",\"league\":\"nba\","
                            + "\"game_id\":\"g" + (n % 40) + "\",\"market\":\"moneyline\",\"selection\":\"home\",\"odds\":-110.0}";
                    producer.send(new ProducerRecord<>(topic, n % partitions, null, v.getBytes(StandardCharsets.UTF_8)),
                            (md, e) -> {
                                if (md != null) {
                                    appended.put(((long) md.partition() << 40) | md.offset(), md.timestamp());
                                }
                            });
                }
                String now = ch.query("SELECT kafka_partition, max(kafka_offset) FROM fresh GROUP BY kafka_partition");
                long seenAt = System.currentTimeMillis();
                for (String line : now.split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String[] f = line.split("\t");
                    int p = Integer.parseInt(f[0]);
                    long max = Long.parseLong(f[1]);
                    long o = visible[p] + 1;
                    for (; o <= max; o++) {
                        Long t = appended.remove(((long) p << 40) | o);
                        if (t == null) {
                            break; // its send callback has not run yet: counted at the next poll
                        }
                        latencies.add(seenAt - t);
                    }
                    visible[p] = o - 1;
                }
                if ((System.nanoTime() - start) / 1e9 > FRESHNESS_SECONDS + 60) {
                    break;
                }
                Thread.sleep(20);
            }
            long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("Freshness at %,d odds updates/s for %d s (1 task, 12 partitions, batch.max.wait.ms=500): %,d records seen; "
                            + "Kafka append -> visible to a query p50 %d ms, p99 %d ms, max %d ms (load %s)%n",
                    RATE, FRESHNESS_SECONDS, l.length, l[l.length / 2], l[(int) (l.length * 0.99)], l[l.length - 1], loadAverage());
        } finally {
            workers.close();
            kafka.stop();
            TempDirs.deleteRecursively(pluginPath);
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
