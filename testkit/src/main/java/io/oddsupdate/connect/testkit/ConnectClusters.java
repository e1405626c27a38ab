package io.oddsupdate.connect.testkit;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

/**
 * Real Connect 3.7.2 clusters (distributed workers + embedded brokers, from connect-runtime's test-jar) whose
 * {@code plugin.path} holds our unpacked plugin ZIPs.
 *
 * <p>Workers use {@code plugin.discovery=service_load}, the mode that trusts only {@code META-INF/services}
 * manifests: a plugin class missing from its manifest is not found, so every integration test also checks the manifests.
 */
public final class ConnectClusters {

    private ConnectClusters() {
    }

    /** A builder for a Connect cluster with {@code plugin.path} set to the given directory and fast offset flushes. */
    public static EmbeddedConnectCluster.Builder builder(String name, Path pluginPath) {
        return new EmbeddedConnectCluster.Builder()
                .name(name)
                .numWorkers(1)
                .numBrokers(1)
                .workerProps(workerProps(pluginPath))
                .brokerProps(brokerProps())
                .maskExitProcedures(true);
    }

    /** Worker properties every test cluster starts from; callers may add to the returned mutable map. */
    public static Map<String, String> workerProps(Path pluginPath) {
        Map<String, String> props = new HashMap<>();
        props.put(WorkerConfig.PLUGIN_PATH_CONFIG, pluginPath.toAbsolutePath().toString());
        props.put("plugin.discovery", "service_load");
        props.put(WorkerConfig.OFFSET_COMMIT_INTERVAL_MS_CONFIG, "1000");
        props.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("header.converter", "org.apache.kafka.connect.storage.SimpleHeaderConverter");
        return props;
    }

    /** Broker properties for a small single-broker test cluster. */
    public static Properties brokerProps() {
        Properties props = new Properties();
        props.put("auto.create.topics.enable", "false");
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        return props;
    }

    /**
     * A MirrorSourceConnector config (mutable) replicating {@code topics} (a regex) from {@code source} to {@code target}
     * under the aliases 'vendor' and 'core', keeping topic names (IdentityReplicationPolicy), one task, bytes converters
     * for keys, values and headers, replication factor 1, no ACL sync, fast topic refresh.
     */
    public static Map<String, String> mirrorSource(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, String topics) {
        Map<String, String> mm2 = new HashMap<>();
        mm2.put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector");
        mm2.put("tasks.max", "1");
        mm2.put("source.cluster.alias", "vendor");
        mm2.put("target.cluster.alias", "core");
        mm2.put("source.cluster.bootstrap.servers", source.bootstrapServers());
        mm2.put("target.cluster.bootstrap.servers", target.bootstrapServers());
        mm2.put("topics", topics);
        mm2.put("replication.policy.class", "org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
        mm2.put("replication.factor", "1");
        mm2.put("offset-syncs.topic.replication.factor", "1");
        mm2.put("sync.topic.acls.enabled", "false");
        mm2.put("refresh.topics.interval.seconds", "1");
        mm2.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        mm2.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        mm2.put("header.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        return mm2;
    }

    /** A standalone Kafka cluster (e.g. the vendor or edge cluster of a MirrorMaker test); caller starts and stops it. */
    public static EmbeddedKafkaCluster kafka(int brokers) {
        return new EmbeddedKafkaCluster(brokers, brokerProps());
    }

    /**
     * Adds the vendor hop's transforms from the smt plugin (CanonicalKey, InjectHeaders, by class name) with their
     * dead-letter route {@code dlq} to a MirrorSourceConnector config, headers written as bytes for MirrorMaker's
     * ByteArrayConverter; {@code errors.tolerance=none}, so a record that is neither passed nor dead-lettered stops the
     * task and fails the test.
     */
    public static Map<String, String> withVendorTransforms(Map<String, String> mm2, String dlq) {
        mm2.put("errors.tolerance", "none");
        mm2.put("transforms", "key,headers");
        mm2.put("transforms.key.type", "io.oddsupdate.connect.smt.CanonicalKey");
        mm2.put("transforms.key.transform.alias", "key");
        mm2.put("transforms.key.dlq.topic", dlq);
        mm2.put("transforms.key.header.format", "bytes");
        mm2.put("transforms.headers.type", "io.oddsupdate.connect.smt.InjectHeaders");
        mm2.put("transforms.headers.transform.alias", "headers");
        mm2.put("transforms.headers.required.headers", "league,game_id,event_id");
        mm2.put("transforms.headers.dlq.topic", dlq);
        mm2.put("transforms.headers.header.format", "bytes");
        return mm2;
    }
}
