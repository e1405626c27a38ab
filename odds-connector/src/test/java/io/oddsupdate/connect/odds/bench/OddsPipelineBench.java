package io.oddsupdate.connect.odds.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.odds.BenchSupport;
import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.servers.PostgresServer;
import io.oddsupdate.connect.testkit.servers.RedisServer;

/**
 * On demand only ({@code -Pbench}): raw events → OddsSinkConnector → Redis → OddsSourceConnector (exactly-once) →
 * odds.updates.internal, against the ceiling of this machine, {@link BenchSupport}'s in-process loop doing the same
 * parsing, pricing, Redis script calls and read-back with no Kafka or Connect. One run: throughput (3 rounds each, so
 * the spread shows) and raw→internal latency at a fixed rate; ratios printed and written to target/odds-bench.txt.
 *
 * <pre>mvn -B -pl odds-connector -am -Pbench test -Dtest=OddsPipelineBench -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
class OddsPipelineBench {

    static final int ROUNDS = 3;
    static final int ROUND_EVENTS = Integer.getInteger("bench.events", 20_000);
    static final int WARMUP_EVENTS = 2_000;
    static final int RATE = Integer.getInteger("bench.rate", 2_000);
    static final int LATENCY_SECONDS = Integer.getInteger("bench.seconds", 15);
    static final int BATCH = 500;
    static final String TASKS = Integer.toString(Integer.getInteger("bench.tasks", 2));
    static final String[] GAMES = {"nba-g1", "nba-g2", "nfl-g1", "nfl-g2", "mlb-g1", "mlb-g2"};
    static final String[] OUT = {"odds.updates.internal.nba", "odds.updates.internal.nfl", "odds.updates.internal.mlb"};

    /** Deterministic event stream: games in turn, each with its own increasing seq, clock and score. */
    static final class Events {
        private final long[] seq = new long[GAMES.length];
        private int next;

        byte[] next(long eventTs) {
            int g = next++ % GAMES.length;
            long k = ++seq[g];
            String game = GAMES[g];
            String league = game.substring(0, 3);
            String payload;
            if (league.equals("mlb")) {
                payload = "\"period\":" + (1 + (k / 6) % 5) + ",\"top_of_inning\":" + (k % 2 == 0) + ",\"outs\":" + (k % 3)
                        + ",\"home_score\":" + (k % 4) + ",\"away_score\":" + (k % 3);
            } else {
                int base = league.equals("nba") ? 40 : 10;
                payload = "\"period\":2,\"clock_remaining_s\":" + (300 + k % 300) + ",\"home_score\":" + (base + k % 5)
                        + ",\"away_score\":" + (base + k % 4);
            }
            return ("{\"event_id\":\"" + game + "-" + k + "\",\"game_id\":\"" + game + "\",\"league\":\"" + league + "\",\"seq\":" + k
                    + ",\"event_ts\":" + eventTs + ",\"type\":\"SCORE\",\"payload\":{" + payload + "}}").getBytes(StandardCharsets.UTF_8);
        }
    }

    @Test
    void pipelineVersusInProcessCeiling() throws Exception {
        StringBuilder report = new StringBuilder();
        try (PostgresServer pg = PostgresServer.start(); RedisServer redis = RedisServer.start()) {
            // ---- baseline: the in-process loop
            double[] baseRate = new double[ROUNDS];
            long[] baseLatency;
            int[] outputs = new int[ROUNDS];
            try (BenchSupport base = new BenchSupport(pg.jdbcUrl(), pg.user(), redis.url(), redis.port(), "base")) {
                Events events = new Events();
                runBaseline(base, events, WARMUP_EVENTS);
                for (int r = 0; r < ROUNDS; r++) {
                    long t0 = System.nanoTime();
                    outputs[r] = runBaseline(base, events, ROUND_EVENTS);
                    baseRate[r] = ROUND_EVENTS / ((System.nanoTime() - t0) / 1e9);
                }
                baseLatency = baselineLatency(base, events);
            }

            // ---- the connectors in a real worker (plugins from this module's class path; exactly-once source)
            Path empty = PluginPath.fromZips(List.of());
            Map<String, String> worker = ConnectClusters.workerProps(empty);
            worker.put("exactly.once.source.support", "enabled");
            EmbeddedConnectCluster connect = ConnectClusters.builder("odds-bench", empty).workerProps(worker).build();
            connect.start();
            double[] connectRate = new double[ROUNDS];
            long[] connectLatency;
            try {
                for (String league : new String[] {"nba", "nfl", "mlb"}) {
                    connect.kafka().createTopic("raw.events." + league, 6);
                    connect.kafka().createTopic("odds.updates.internal." + league, 6);
                }
                connect.kafka().createTopic("raw.events.dlq", 1);
                connect.configureConnector("odds-sink", sink(pg, redis));
                connect.configureConnector("odds-source", source(redis));
                Events events = new Events();
                try (KafkaProducer<byte[], byte[]> producer = connect.kafka().createProducer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
                     KafkaConsumer<byte[], byte[]> consumer = consumer(connect)) {
                    produce(producer, events, WARMUP_EVENTS);
                    drain(consumer, 1, 120_000, null); // tasks up (the source discovers the streams), JIT warm
                    drainQuiet(consumer);
                    for (int r = 0; r < ROUNDS; r++) {
                        long t0 = System.nanoTime();
                        produce(producer, events, ROUND_EVENTS);
                        drain(consumer, outputs[r], 120_000, null); // the same events price to the same outputs
                        connectRate[r] = ROUND_EVENTS / ((System.nanoTime() - t0) / 1e9);
                    }
                    drainQuiet(consumer);
                    connectLatency = connectLatency(producer, consumer, events);
                }
            } finally {
                connect.stop();
            }

            report.append(String.format(Locale.ROOT, "odds pipeline benchmark: %d cores, %d timed events per round x %d rounds, outputs/round %s, "
                    + "tasks.max=%s each, exactly-once source%n", Runtime.getRuntime().availableProcessors(), ROUND_EVENTS, ROUNDS, Arrays.toString(outputs), TASKS));
            report.append(String.format(Locale.ROOT, "throughput events/s   baseline %s   connect %s   ratio (median) %.2f%n",
                    Arrays.toString(round(baseRate)), Arrays.toString(round(connectRate)), median(connectRate) / median(baseRate)));
            report.append(String.format(Locale.ROOT, "latency @%d events/s for %d s, ms   baseline p50 %d p99 %d   connect p50 %d p99 %d   "
                    + "p99 ratio %.1f%n", RATE, LATENCY_SECONDS, baseLatency[0], baseLatency[1], connectLatency[0], connectLatency[1],
                    connectLatency[1] / (double) Math.max(1, baseLatency[1])));
        }
        System.out.print(report);
        Path out = Paths.get("target", "odds-bench.txt");
        Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
    }

    static int runBaseline(BenchSupport base, Events events, int n) {
        int outputs = 0;
        long offset = 0;
        for (int done = 0; done < n; done += BATCH) {
            List<byte[]> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < Math.min(BATCH, n - done); i++) {
                batch.add(events.next(System.currentTimeMillis()));
            }
            outputs += base.process(batch, offset);
            offset += batch.size();
        }
        return outputs;
    }

    /** Events arrive at RATE; each loop turn takes what has arrived, processes it, and records arrival→read-back. */
    static long[] baselineLatency(BenchSupport base, Events events) {
        int total = RATE * LATENCY_SECONDS;
        long start = System.nanoTime();
        long[] lat = new long[total];
        int arrived = 0;
        while (arrived < total) {
            long now = System.nanoTime();
            int due = (int) Math.min(total, (now - start) * RATE / 1_000_000_000L + 1);
            if (due <= arrived) {
                LockSupport.parkNanos(start + (long) arrived * 1_000_000_000L / RATE - now);
                continue;
            }
            List<byte[]> batch = new ArrayList<>();
            for (int i = arrived; i < due; i++) {
                batch.add(events.next(System.currentTimeMillis()));
            }
            base.process(batch, arrived);
            long done = System.nanoTime();
            for (int i = arrived; i < due; i++) {
                lat[i] = TimeUnit.NANOSECONDS.toMillis(done - (start + (long) i * 1_000_000_000L / RATE));
            }
            arrived = due;
        }
        return percentiles(lat);
    }

    static long[] connectLatency(KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> consumer, Events events) throws Exception {
        int total = RATE * LATENCY_SECONDS;
        List<Long> lat = new ArrayList<>();
        Thread sender = new Thread(() -> {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long at = start + (long) i * 1_000_000_000L / RATE;
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                send(producer, events.next(System.currentTimeMillis()));
            }
            producer.flush();
        }, "bench-sender");
        sender.start();
        drain(consumer, Integer.MAX_VALUE, (LATENCY_SECONDS + 15) * 1000L, lat);
        sender.join();
        long[] a = lat.stream().mapToLong(Long::longValue).toArray();
        return percentiles(a);
    }

    static void produce(KafkaProducer<byte[], byte[]> producer, Events events, int n) {
        for (int i = 0; i < n; i++) {
            send(producer, events.next(System.currentTimeMillis()));
        }
        producer.flush();
    }

    static void send(KafkaProducer<byte[], byte[]> producer, byte[] event) {
        String s = new String(event, 0, 60, StandardCharsets.UTF_8);
        String game = s.substring(s.indexOf("\"game_id\":\"") + 11, s.indexOf("\"", s.indexOf("\"game_id\":\"") + 11));
        producer.send(new ProducerRecord<>("raw.events." + game.substring(0, 3), game.getBytes(StandardCharsets.UTF_8), event));
    }

    static KafkaConsumer<byte[], byte[]> consumer(EmbeddedConnectCluster connect) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return connect.kafka().createConsumerAndSubscribeTo(props, OUT);
    }

    /** Consumes until {@code n} records (or the time is up); with {@code latencies}, records receive − event_ts per record. */
    static int drain(KafkaConsumer<byte[], byte[]> consumer, int n, long maxMs, List<Long> latencies) {
        long deadline = System.currentTimeMillis() + maxMs;
        int count = 0;
        while (count < n && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                count++;
                if (latencies != null) {
                    latencies.add(System.currentTimeMillis() - BenchSupport.eventTs(r.value()));
                }
            }
        }
        if (n != Integer.MAX_VALUE && count < n) {
            throw new IllegalStateException("only " + count + " of " + n + " odds updates arrived in " + maxMs + " ms");
        }
        return count;
    }

    static void drainQuiet(KafkaConsumer<byte[], byte[]> consumer) {
        int empty = 0;
        while (empty < 20) {
            empty = consumer.poll(Duration.ofMillis(100)).isEmpty() ? empty + 1 : 0;
        }
    }

    static Map<String, String> sink(PostgresServer pg, RedisServer redis) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "io.oddsupdate.connect.odds.OddsSinkConnector");
        c.put("tasks.max", TASKS);
        c.put("topics.regex", "raw\\.events\\.(?!dlq$).+");
        c.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        c.put("errors.tolerance", "all");
        c.put("errors.deadletterqueue.topic.name", "raw.events.dlq");
        c.put("errors.deadletterqueue.topic.replication.factor", "1");
        c.put("postgres.url", pg.jdbcUrl());
        c.put("postgres.user", pg.user());
        c.put("postgres.sslmode", "disable");
        c.put("postgres.migrations", "schema_and_seed");
        c.put("redis.url", redis.url());
        return c;
    }

    static Map<String, String> source(RedisServer redis) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", "io.oddsupdate.connect.odds.OddsSourceConnector");
        c.put("tasks.max", TASKS);
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        c.put("value.converter.schemas.enable", "false");
        c.put("redis.url", redis.url());
        c.put("leagues.discovery.interval.ms", "1000");
        c.put("poll.block.ms", "50");
        return c;
    }

    static long[] percentiles(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        return new long[] {v[(int) (v.length * 0.50)], v[Math.min(v.length - 1, (int) (v.length * 0.99))]};
    }

    static long[] round(double[] a) {
        return Arrays.stream(a).mapToLong(Math::round).toArray();
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
