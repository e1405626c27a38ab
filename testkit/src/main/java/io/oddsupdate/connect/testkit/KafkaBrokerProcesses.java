package io.oddsupdate.connect.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import kafka.server.KafkaServer;
import kafka.zk.EmbeddedZookeeper;

/**
 * A Kafka cluster whose brokers are separate JVMs ({@code kafka.Kafka} on this JVM's class path, ZooKeeper mode like the
 * embedded clusters, ZooKeeper in this JVM), so a test can crash a broker for real ({@link #kill}: SIGKILL, no controlled
 * shutdown, no leadership handoff, no clean-shutdown marker). {@link #restart} starts it again on the same port and log
 * directory, and it recovers its logs as after a crash.
 *
 * <p>It is an {@link EmbeddedKafkaCluster}, so the helpers tests use (topics, producers, consumers, end offsets) work
 * against these brokers through {@link #bootstrapServers()}; {@link #runningBrokers()} is empty, the brokers not being
 * in this JVM ({@link #alive} tells). Each broker's output goes to {@code <logDir>/kafka-broker-<id>.log}.
 */
public final class KafkaBrokerProcesses extends EmbeddedKafkaCluster {

    private static final long START_TIMEOUT_MS = 120_000;

    private final int count;
    private final Properties brokerConfig;
    private final Path logDir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Thread reaper = new Thread(this::killAll, "kafka-broker-processes-reaper");
    private EmbeddedZookeeper zookeeper;
    private Path dataDir;

    /**
     * @param brokerConfig settings of every broker (e.g. {@link ConnectClusters#brokerProps}); id, listener, log
     *                     directory and ZooKeeper are set here
     */
    public KafkaBrokerProcesses(int count, Properties brokerConfig, Path logDir) {
        super(count, brokerConfig);
        this.count = count;
        this.brokerConfig = brokerConfig;
        this.logDir = logDir;
    }

    @Override
    public void start() {
        try {
            dataDir = Files.createTempDirectory("kafka-brokers-");
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(reaper);
        zookeeper = new EmbeddedZookeeper();
        for (int i = 0; i < count; i++) {
            ports.add(freePort());
            processes.add(null);
        }
        for (int i = 0; i < count; i++) {
            launch(i);
        }
        awaitBrokers(count);
    }

    private void launch(int i) {
        Properties p = new Properties();
        p.putAll(brokerConfig);
        p.put("broker.id", Integer.toString(i));
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + ports.get(i));
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports.get(i));
        p.put("log.dirs", dataDir.resolve("broker-" + i).toString());
        p.put("zookeeper.connect", "127.0.0.1:" + zookeeper.port());
        // a crashed broker's ZooKeeper session ends within seconds, so its partitions get new leaders quickly
        p.putIfAbsent("zookeeper.session.timeout.ms", "6000");
        Path props = dataDir.resolve("broker-" + i + ".properties");
        try (Writer w = Files.newBufferedWriter(props, StandardCharsets.UTF_8)) {
            p.store(w, "KafkaBrokerProcesses broker " + i);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "kafka.Kafka", props.toString());
        try {
            processes.set(i, new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("kafka-broker-" + i + ".log").toFile())).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka broker " + i, e);
        }
    }

    /** Waits until {@code n} brokers are registered in the cluster. */
    private void awaitBrokers(int n) {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            for (int i = 0; i < processes.size(); i++) {
                if (processes.get(i) != null && !processes.get(i).isAlive()) {
                    throw new IllegalStateException("Kafka broker " + i + " exited; see " + logDir.resolve("kafka-broker-" + i + ".log"));
                }
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers(), "request.timeout.ms", 5_000,
                    "default.api.timeout.ms", 10_000))) {
                int registered = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
                if (registered >= n) {
                    return;
                }
                last = registered + " registered";
            } catch (Exception notYet) {
                last = notYet.toString();
            }
            sleep(500);
        }
        throw new IllegalStateException(n + " Kafka brokers not up within " + START_TIMEOUT_MS + " ms: " + last);
    }

    @Override
    public String bootstrapServers() {
        StringBuilder b = new StringBuilder();
        for (int port : ports) {
            b.append(b.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
        }
        return b.toString();
    }

    @Override
    public String zKConnectString() {
        return "127.0.0.1:" + zookeeper.port();
    }

    /** Empty: the brokers are processes, not {@link KafkaServer}s of this JVM. */
    @Override
    public Set<KafkaServer> runningBrokers() {
        return Set.of();
    }

    public int size() {
        return count;
    }

    public boolean alive(int broker) {
        return processes.get(broker) != null && processes.get(broker).isAlive();
    }

    /** Crashes broker {@code broker} (SIGKILL) and waits until its process is gone. */
    public void kill(int broker) {
        Process p = processes.get(broker);
        p.destroyForcibly();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Kafka broker " + broker + " still alive 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a killed broker again on its port and log directory, and waits until the cluster has all its brokers. */
    public void restart(int broker) {
        if (alive(broker)) {
            throw new IllegalStateException("Kafka broker " + broker + " is running");
        }
        launch(broker);
        awaitBrokers(count);
    }

    /** The partitions of {@code topics} each broker leads now, by broker id (none: leaderless partitions). */
    public Map<Integer, List<String>> leaders(Set<String> topics) {
        Map<Integer, List<String>> out = new java.util.TreeMap<>();
        try (Admin admin = createAdminClient()) {
            for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    Node leader = p.leader();
                    out.computeIfAbsent(leader == null || leader.isEmpty() ? -1 : leader.id(), k -> new ArrayList<>())
                            .add(d.name() + "-" + p.partition());
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + topics, e);
        }
        return out;
    }

    private void killAll() {
        processes.stream().filter(p -> p != null).forEach(Process::destroyForcibly);
    }

    /** Stops every broker (gracefully, then forcibly after 30 s), ZooKeeper, and deletes the brokers' data. */
    @Override
    public void stop() {
        processes.stream().filter(p -> p != null && p.isAlive()).forEach(Process::destroy);
        processes.stream().filter(p -> p != null).forEach(p -> ChildProcesses.await(p, 30));
        ChildProcesses.removeShutdownHook(reaper);
        if (zookeeper != null) {
            zookeeper.shutdown();
        }
        if (dataDir != null) {
            TempDirs.deleteRecursively(dataDir);
        }
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
