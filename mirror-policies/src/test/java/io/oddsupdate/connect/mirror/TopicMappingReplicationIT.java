package io.oddsupdate.connect.mirror;

import static io.oddsupdate.connect.mirror.MirrorConnectors.MAPPINGS;
import static io.oddsupdate.connect.mirror.MirrorConnectors.POLICY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.errors.ConnectRestException;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.apache.kafka.test.TestUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;

/**
 * MirrorMaker 2's three connectors, as this plugin's TopicMapping* subclasses, on a Connect 3.7.2 worker of the core
 * cluster, replicating from a separate vendor cluster with TopicMappingReplicationPolicy and its default rules. The
 * worker's class path has connect-mirror (as in a Kafka distribution); the policy is only in the plugin ZIP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TopicMappingReplicationIT {

    static final long TIMEOUT_MS = 120_000;
    static final int PER_PARTITION = 10;
    static final Map<TopicPartition, OffsetAndMetadata> GROUP_OFFSETS = Map.of(
            new TopicPartition("vendor.raw.events.nba", 0), new OffsetAndMetadata(3),
            new TopicPartition("vendor.raw.events.nba", 1), new OffsetAndMetadata(5),
            new TopicPartition("vendor.raw.events.nba", 2), new OffsetAndMetadata(PER_PARTITION));

    Path pluginPath;
    EmbeddedKafkaCluster vendor;
    EmbeddedConnectCluster core;

    @BeforeAll
    void start() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(POLICY), "the policy must come from the plugin ZIP only");
        vendor = ConnectClusters.kafka(1);
        vendor.start();
        vendor.createTopic("vendor.raw.events.nba", 3, 1, Map.of("retention.ms", "3600000", "max.message.bytes", "2000000"));
        produce(vendor, "vendor.raw.events.nba", 3, "nba");
        // a consumer group on the vendor side, part-way through (the checkpoint connector starts tasks for existing groups)
        try (Admin admin = vendor.createAdminClient()) {
            admin.alterConsumerGroupOffsets("odds-compute", GROUP_OFFSETS).all().get();
        }
        pluginPath = PluginPath.of("mirror-policies");
        // A connector's records go to its worker's cluster (core); the flows that write to the vendor cluster override
        // their producer's bootstrap servers, which the worker must allow.
        Map<String, String> worker = ConnectClusters.workerProps(pluginPath);
        worker.put("connector.client.config.override.policy", "All");
        core = ConnectClusters.builder("mirror-policy-it", pluginPath).workerProps(worker).build();
        core.start();
        core.configureConnector("vendor-to-core", MirrorConnectors.source("vendor", vendor, "core", core.kafka(),
                "vendor\\.raw\\.events\\..*"));
        core.configureConnector("vendor-to-core-checkpoints", MirrorConnectors.checkpoint(vendor, core.kafka()));
        core.configureConnector("vendor-to-core-heartbeats", MirrorConnectors.heartbeat("vendor", vendor, "core", core.kafka()));
        // MirrorMaker runs a heartbeat connector per cluster pair: this one fills the vendor's 'heartbeats' topic
        core.configureConnector("core-to-vendor-heartbeats", toVendor(MirrorConnectors.heartbeat("core", core.kafka(), "vendor", vendor)));
        for (String c : new String[] {"vendor-to-core", "vendor-to-core-checkpoints", "vendor-to-core-heartbeats",
            "core-to-vendor-heartbeats"}) {
            core.assertions().assertConnectorAndAtLeastNumTasksAreRunning(c, 1, c + " must run");
        }
    }

    @AfterAll
    void stop() {
        if (core != null) {
            core.stop();
        }
        if (vendor != null) {
            vendor.stop();
        }
    }

    Map<String, String> toVendor(Map<String, String> connector) {
        connector.put("producer.override.bootstrap.servers", vendor.bootstrapServers());
        return connector;
    }

    static void produce(EmbeddedKafkaCluster cluster, String topic, int partitions, String tag) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = cluster.createProducer(Map.of())) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < PER_PARTITION; i++) {
                    producer.send(new ProducerRecord<>(topic, p, null, (tag + "-" + p + "-" + i).getBytes(StandardCharsets.UTF_8))).get();
                }
            }
        }
    }

    static Set<String> topics(EmbeddedKafkaCluster cluster) throws Exception {
        try (Admin admin = cluster.createAdminClient()) {
            return admin.listTopics().names().get();
        }
    }

    static int partitions(EmbeddedKafkaCluster cluster, String topic) {
        return cluster.describeTopics(topic).get(topic).orElseThrow().partitions().size();
    }

    static String topicConfig(EmbeddedKafkaCluster cluster, String topic, String key) throws Exception {
        try (Admin admin = cluster.createAdminClient()) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(Set.of(r)).all().get().get(r);
            return config.get(key) == null ? null : config.get(key).value();
        }
    }

    /** Records in {@code topic}: the sum of its end offsets (no compaction, no transactions here). */
    static int count(EmbeddedKafkaCluster cluster, String topic) throws Exception {
        // not EmbeddedKafkaCluster.consumeAll: in 3.7 it leaks a consumer and an admin client per call
        try (Admin admin = cluster.createAdminClient()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return (int) admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        }
    }

    @Test
    @Order(3)
    void mappedTopicIsCreatedWithTheSourcePartitionsAndConfigs() throws Exception {
        assertEquals(3 * PER_PARTITION, core.kafka().consume(3 * PER_PARTITION, TIMEOUT_MS, "raw.events.nba").count());
        assertEquals(3, partitions(core.kafka(), "raw.events.nba"));
        TestUtils.waitForCondition(() -> "3600000".equals(topicConfig(core.kafka(), "raw.events.nba", "retention.ms"))
                && "2000000".equals(topicConfig(core.kafka(), "raw.events.nba", "max.message.bytes")),
                TIMEOUT_MS, "the source topic's configs are synced to the mapped topic");
        Set<String> coreTopics = topics(core.kafka());
        assertFalse(coreTopics.contains("vendor.raw.events.nba"), coreTopics.toString());
        assertFalse(coreTopics.stream().anyMatch(t -> t.endsWith("vendor.raw.events.nba")), "no prefixed copy: " + coreTopics);
        // records keep partition and order
        core.kafka().consume(3 * PER_PARTITION, TIMEOUT_MS, "raw.events.nba").forEach(r ->
                assertEquals("nba-" + r.partition() + "-" + r.offset(), new String(r.value(), StandardCharsets.UTF_8)));
    }

    @Test
    @Order(4)
    void leagueTopicCreatedLaterIsPickedUpByTheTopicRefresh() throws Exception {
        long created = System.nanoTime();
        vendor.createTopic("vendor.raw.events.nfl", 2);
        produce(vendor, "vendor.raw.events.nfl", 2, "nfl");
        assertEquals(2 * PER_PARTITION, core.kafka().consume(2 * PER_PARTITION, TIMEOUT_MS, "raw.events.nfl").count());
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - created);
        System.out.println("vendor.raw.events.nfl replicated as raw.events.nfl " + seconds
                + " s after it was created (refresh.topics.interval.seconds=5)");
        assertEquals(2, partitions(core.kafka(), "raw.events.nfl"));
    }

    @Test
    @Order(5)
    void consumerGroupOffsetsAreTranslatedToTheMappedTopic() throws Exception {
        core.kafka().consume(3 * PER_PARTITION, TIMEOUT_MS, "raw.events.nba");
        Map<TopicPartition, OffsetAndMetadata> committed = GROUP_OFFSETS;
        Map<TopicPartition, Long> expected = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        committed.forEach((tp, o) -> expected.put(new TopicPartition("raw.events.nba", tp.partition()), o.offset()));

        // 1. checkpoints, read through RemoteClusterUtils with the same policy config, as a consumer application would.
        // MirrorMaker translates conservatively (never past the upstream position, exact where an offset sync is at hand,
        // which is always the case at the end of a partition; none where no sync at or before the offset is retained):
        // a consumer may re-read a few records, never skip one.
        Map<String, Object> client = new HashMap<>();
        client.put("bootstrap.servers", core.kafka().bootstrapServers());
        client.put("replication.policy.class", POLICY);
        client.put("source.cluster.alias", "vendor");
        Map<TopicPartition, Long> translated = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        TestUtils.waitForCondition(() -> {
            Map<TopicPartition, OffsetAndMetadata> t = MirrorConnectors.withPolicyJar(pluginPath, () ->
                    RemoteClusterUtils.translateOffsets(client, "vendor", "odds-compute", Duration.ofSeconds(20)));
            translated.clear();
            t.forEach((tp, o) -> translated.put(tp, o.offset()));
            // a partition is checkpointed once MirrorMaker can translate its offset: always at the end of a partition
            return expected.keySet().containsAll(translated.keySet())
                    && translated.entrySet().stream().allMatch(e -> e.getValue() <= expected.get(e.getKey()))
                    && Long.valueOf(PER_PARTITION).equals(translated.get(new TopicPartition("raw.events.nba", 2)));
        }, TIMEOUT_MS, () -> "checkpoints translate the vendor group's offsets to raw.events.nba: committed " + expected
                + ", translated " + translated);
        System.out.println("committed on vendor " + expected + ", translated for core " + translated);

        // 2. sync.group.offsets.enabled: the translated offsets are committed on core, for the mapped topic
        Map<TopicPartition, Long> synced = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        TestUtils.waitForCondition(() -> {
            try (Admin admin = core.kafka().createAdminClient()) {
                synced.clear();
                admin.listConsumerGroupOffsets("odds-compute").partitionsToOffsetAndMetadata().get()
                        .forEach((tp, o) -> synced.put(tp, o.offset()));
            }
            return synced.equals(translated);
        }, TIMEOUT_MS, () -> "group offsets synced on core: expected " + translated + " but got " + synced);

        Set<String> checkpointTopics = MirrorConnectors.withPolicyJar(pluginPath, () -> RemoteClusterUtils.checkpointTopics(client));
        assertEquals(Set.of("vendor.checkpoints.internal"), checkpointTopics);
    }

    @Test
    @Order(6)
    void heartbeatsFlowAndTellConsumersWhereTopicsComeFrom() throws Exception {
        Map<String, Object> client = new HashMap<>();
        client.put("bootstrap.servers", core.kafka().bootstrapServers());
        client.put("replication.policy.class", POLICY);
        client.put("source.cluster.alias", "vendor");
        TestUtils.waitForCondition(() -> topics(core.kafka()).contains("vendor.heartbeats"), TIMEOUT_MS,
                "the vendor's heartbeats are replicated as vendor.heartbeats");
        assertTrue(count(core.kafka(), "vendor.heartbeats") > 0);
        assertTrue(count(core.kafka(), "heartbeats") > 0, "the vendor->core heartbeat connector emits on core");
        Set<String> heartbeatTopics = MirrorConnectors.withPolicyJar(pluginPath, () -> RemoteClusterUtils.heartbeatTopics(client));
        assertEquals(Set.of("heartbeats", "vendor.heartbeats"), heartbeatTopics);
        assertEquals(Set.of("vendor"), MirrorConnectors.withPolicyJar(pluginPath, () -> RemoteClusterUtils.upstreamClusters(client)));
        assertEquals(1, (int) MirrorConnectors.withPolicyJar(pluginPath, () -> RemoteClusterUtils.replicationHops(client, "vendor")));
        Set<String> coreTopics = topics(core.kafka());
        assertFalse(coreTopics.stream().anyMatch(t -> t.startsWith("vendor.mm2-") || t.startsWith("vendor.__")),
                "internal topics are never replicated: " + coreTopics);
    }

    @Test
    @Order(1)
    void theStockConnectorCannotSeeAPolicyOnPluginPathButThePluginsConnectorDoes() {
        // The worker class path has connect-mirror, as in a Kafka distribution. Connect's scanner does not register
        // ReplicationPolicy classes, and for a class-path connector the worker resolves replication.policy.class through
        // its DelegatingClassLoader, which only delegates known plugin classes to plugin loaders. The ZIP's own copy of
        // MirrorSourceConnector does not help: for equal versions the class-path copy is the one the worker uses.
        Map<String, String> config = MirrorConnectors.source("vendor", vendor, "core", core.kafka(), "vendor\\.raw\\.events\\..*");
        config.put("connector.class", "org.apache.kafka.connect.mirror.MirrorSourceConnector");
        config.put("name", "validation-only");
        List<String> errors = errors(core.validateConnectorConfig("org.apache.kafka.connect.mirror.MirrorSourceConnector", config),
                "replication.policy.class");
        assertTrue(errors.stream().anyMatch(e -> e.contains(POLICY) && e.contains("could not be found")), errors.toString());

        config.put("connector.class", MirrorConnectors.SOURCE_CONNECTOR);
        ConfigInfos ours = core.validateConnectorConfig(MirrorConnectors.SOURCE_CONNECTOR, config);
        assertEquals(0, ours.errorCount(), ours.values().toString());
    }

    @Test
    @Order(2)
    void badRulesAreRejectedWhenTheConnectorConfigIsValidated() throws Exception {
        Map<String, String> bad = MirrorConnectors.source("vendor", vendor, "core", core.kafka(), "vendor\\.raw\\.events\\.mlb");
        bad.put(MAPPINGS, "vendor\\.raw\\.events\\.(.+) => raw.events.$2");
        bad.put("name", "vendor-to-core-bad-rules");
        List<String> errors = errors(core.validateConnectorConfig(MirrorConnectors.SOURCE_CONNECTOR, bad), MAPPINGS);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("TopicMappingReplicationPolicy rule 1") && errors.get(0).contains("references group $2"),
                errors.toString());
        for (String kind : new String[] {MirrorConnectors.CHECKPOINT_CONNECTOR, MirrorConnectors.HEARTBEAT_CONNECTOR}) {
            Map<String, String> c = kind.equals(MirrorConnectors.CHECKPOINT_CONNECTOR)
                    ? MirrorConnectors.checkpoint(vendor, core.kafka())
                    : MirrorConnectors.heartbeat("vendor", vendor, "core", core.kafka());
            c.put(MAPPINGS, "a\\.(.+) => t.$1, b\\.(.+) => t.$1");
            c.put("name", "validation-only");
            assertTrue(errors(core.validateConnectorConfig(kind, c), MAPPINGS).get(0).contains("can produce the same target name"), kind);
        }
        ConnectRestException rejected = assertThrows(ConnectRestException.class,
                () -> core.configureConnector("vendor-to-core-bad-rules", bad));
        assertEquals(400, rejected.statusCode());
        assertTrue(rejected.getMessage().contains(MAPPINGS), rejected.getMessage());
        assertFalse(core.connectors().contains("vendor-to-core-bad-rules"));
    }

    private static List<String> errors(ConfigInfos infos, String key) {
        return infos.values().stream().map(ConfigInfo::configValue).filter(v -> v.name().equals(key))
                .flatMap(v -> v.errors().stream()).collect(Collectors.toList());
    }

    /**
     * Two-way replication of the same topic names between two clusters, both directions with the default rules and
     * {@code topics} matching every odds topic, including the replicas: each cluster's internal topic arrives mapped on
     * the other; the mapped replica may travel back once, alias-prefixed, and is then stopped by MirrorMaker's cycle
     * check (its prefix is the target's alias). No record goes round.
     */
    @Test
    @Order(7)
    void bidirectionalReplicationDoesNotLoop() throws Exception {
        vendor.createTopic("odds.updates.internal.mlb", 2);
        core.kafka().createTopic("odds.updates.internal.mlb", 2);
        produce(vendor, "odds.updates.internal.mlb", 2, "v");   // 20 records on 'vendor'
        produce(core.kafka(), "odds.updates.internal.mlb", 1, "c"); // 10 records on 'core'
        String topics = ".*odds\\.updates\\..*";
        core.configureConnector("vendor-to-core-odds", MirrorConnectors.source("vendor", vendor, "core", core.kafka(), topics));
        core.configureConnector("core-to-vendor-odds", toVendor(MirrorConnectors.source("core", core.kafka(), "vendor", vendor, topics)));

        Map<String, Integer> expectedCore = Map.of("odds.updates.internal.mlb", 10, "odds.updates.public.mlb", 20,
                "vendor.odds.updates.public.mlb", 10);
        Map<String, Integer> expectedVendor = Map.of("odds.updates.internal.mlb", 20, "odds.updates.public.mlb", 10,
                "core.odds.updates.public.mlb", 20);
        TestUtils.waitForCondition(() -> counts(core.kafka()).equals(expectedCore) && counts(vendor).equals(expectedVendor),
                TIMEOUT_MS, () -> "core " + safeCounts(core.kafka()) + ", vendor " + safeCounts(vendor));
        Thread.sleep(20_000); // four topic refreshes later nothing has moved
        assertEquals(expectedCore, counts(core.kafka()));
        assertEquals(expectedVendor, counts(vendor));
        core.deleteConnector("vendor-to-core-odds");
        core.deleteConnector("core-to-vendor-odds");
    }

    private static Map<String, Integer> counts(EmbeddedKafkaCluster cluster) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        for (String t : topics(cluster).stream().filter(t -> t.contains("odds.updates")).collect(Collectors.toSet())) {
            counts.put(t, count(cluster, t));
        }
        return counts;
    }

    private static String safeCounts(EmbeddedKafkaCluster cluster) {
        try {
            return counts(cluster).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
