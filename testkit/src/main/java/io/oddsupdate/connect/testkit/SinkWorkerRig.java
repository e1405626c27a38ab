package io.oddsupdate.connect.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.apache.kafka.test.TestUtils;

/**
 * What a sink plugin's fault tests run on: one Kafka broker, Connect workers as processes of their own (so they can be
 * killed for real) with only that plugin's ZIP on {@code plugin.path}, a producer, and the sink's committed offsets as
 * its consumer group holds them.
 */
public final class SinkWorkerRig implements AutoCloseable {

    public final EmbeddedKafkaCluster kafka;
    public final ConnectWorkers workers;
    public final KafkaProducer<byte[], byte[]> producer;
    private final Path pluginPath;

    private SinkWorkerRig(EmbeddedKafkaCluster kafka, Path pluginPath, ConnectWorkers workers, KafkaProducer<byte[], byte[]> producer) {
        this.kafka = kafka;
        this.pluginPath = pluginPath;
        this.workers = workers;
        this.producer = producer;
    }

    /** A broker and one worker loading {@code module}'s plugin ZIP; the workers' files under {@code module/target}. */
    public static SinkWorkerRig start(String module, String groupId) {
        EmbeddedKafkaCluster kafka = ConnectClusters.kafka(1);
        kafka.start();
        Path pluginPath = PluginPath.of(module);
        ConnectWorkers workers = ConnectWorkers.start(1, kafka.bootstrapServers(), groupId, 1, ConnectClusters.workerProps(pluginPath),
                PluginPath.projectRoot().resolve(module + "/target/connect-workers"));
        return new SinkWorkerRig(kafka, pluginPath, workers, kafka.createProducer(Map.of()));
    }

    /** The offsets the sink connector's consumer group has committed. */
    public Map<TopicPartition, OffsetAndMetadata> committed(String connector) throws Exception {
        try (Admin admin = kafka.createAdminClient()) {
            return admin.listConsumerGroupOffsets("connect-" + connector).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        }
    }

    /** Records of {@code topic}'s partitions the connector consumed or has yet to, beyond its committed offsets. */
    public long uncommitted(String connector, String topic, int partitions) throws Exception {
        long behind = 0;
        Map<TopicPartition, OffsetAndMetadata> committed = committed(connector);
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            OffsetAndMetadata o = committed.get(tp);
            behind += kafka.endOffset(tp) - (o == null ? 0 : o.offset());
        }
        return behind;
    }

    /** Waits until the connector's committed offsets reach the end of every partition: every record written or dead-lettered. */
    public void awaitCommitted(String connector, String topic, int partitions, Duration timeout) throws InterruptedException {
        TestUtils.waitForCondition(() -> uncommitted(connector, topic, partitions) == 0, timeout.toMillis(),
                "offsets of " + connector + " did not reach the end of " + topic);
    }

    @Override
    public void close() {
        producer.close();
        workers.close();
        kafka.stop();
        TempDirs.deleteRecursively(pluginPath);
    }
}
