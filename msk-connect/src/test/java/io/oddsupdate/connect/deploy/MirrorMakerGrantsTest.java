package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.connect.mirror.MirrorHeartbeatConnector;
import org.apache.kafka.connect.mirror.MirrorSourceConnector;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * The grants of the MirrorMaker connectors, checked against the internal topics MirrorMaker 3.7 itself names for their
 * configs (connect-mirror on the test class path, asked through {@link MirrorTopicNames}), in every MSK environment:
 * <ul>
 *   <li>offset syncs: {@code MirrorSourceTask} writes them (its {@code offsetProducer}, idempotent by default) to
 *   {@code MirrorConnectorConfig.offsetSyncsTopic()}, which is named after the alias of the *other* cluster:
 *   {@code mm2-offset-syncs.<source alias>.internal} with {@code offset-syncs.topic.location=target}, and
 *   {@code MirrorSourceConnector} creates it there ({@code MirrorUtils.createSinglePartitionCompactedTopic}, which only
 *   logs a warning when the create is denied, so a missing grant shows up later as failed writes). Only
 *   {@code MirrorCheckpointTask} reads it ({@code OffsetSyncStore}); no checkpoint connector is shipped, so no read.</li>
 *   <li>heartbeats: {@code MirrorHeartbeatConnector} creates {@code heartbeatsTopic()} on the target cluster and its
 *   task writes there through the worker's producer.</li>
 * </ul>
 */
class MirrorMakerGrantsTest {

    private static final ConnectorConfigs CONFIGS = new ConnectorConfigs(PluginPath.projectRoot().resolve("connector-configs"));

    @TestFactory
    Stream<DynamicTest> offsetSyncsTopicIsCreatableAndWritableWhereMirrorMakerPutsIt() {
        return mskConnectors(MirrorSourceConnector.class).map(c -> DynamicTest.dynamicTest(c.env + " " + c.name, () -> {
            String topic = MirrorTopicNames.offsetSyncsTopic(c.config);
            String cluster = mskCluster(c, MirrorTopicNames.offsetSyncsClusterAlias(c.config));
            String arn = IamStatements.topicArn(c.msk, cluster, topic);
            for (String action : List.of("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:WriteData")) {
                assertTrue(IamStatements.allows(c.policy, action, arn), c.name + " (" + c.env + "): " + action + " on " + topic + " (" + cluster + ")");
            }
            assertTrue(IamStatements.allows(c.policy, "kafka-cluster:WriteDataIdempotently", IamPolicies.kafkaArn(c.msk, cluster, "cluster", null)),
                    c.name + ": the offset-syncs producer is idempotent (Kafka 3.x default) on " + cluster);
            assertFalse(IamStatements.allows(c.policy, "kafka-cluster:ReadData", arn),
                    c.name + ": nothing shipped reads " + topic + " (no MirrorCheckpointConnector), so no read grant");
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyOffsetSyncsGrantNamesTheTopicMirrorMakerUses() {
        return mskConnectors(MirrorSourceConnector.class).map(c -> DynamicTest.dynamicTest(c.env + " " + c.name, () -> {
            String topic = MirrorTopicNames.offsetSyncsTopic(c.config);
            List<String> granted = new ArrayList<>();
            CONFIGS.connectors.path(c.name).path("kafka").forEach(k -> List.of("read", "write", "create")
                    .forEach(g -> k.path(g).forEach(t -> granted.add(t.asText()))));
            List<String> stray = granted.stream().filter(t -> t.startsWith("mm2-offset-syncs.") && !t.equals(topic)).distinct().toList();
            assertEquals(List.of(), stray, c.name + ": connectors.json grants offset-syncs topics MirrorMaker never uses (it uses " + topic + ")");
        }));
    }

    @Test
    void theVendorHopsOffsetSyncsAreNamedAfterTheVendorOnCore() {
        // named after the source alias with offset-syncs.topic.location=target (not mm2-offset-syncs.core.internal)
        Map<String, String> config = CONFIGS.effective("vendor-to-core", "prod");
        assertEquals("mm2-offset-syncs.vendor.internal", MirrorTopicNames.offsetSyncsTopic(config));
        assertEquals("core", MirrorTopicNames.offsetSyncsClusterAlias(config));
        Map<String, String> edgeHop = CONFIGS.effective("core-to-edge", "prod");
        assertEquals("mm2-offset-syncs.edge.internal", MirrorTopicNames.offsetSyncsTopic(edgeHop));
        assertEquals("core", MirrorTopicNames.offsetSyncsClusterAlias(edgeHop));
    }

    @TestFactory
    Stream<DynamicTest> heartbeatsTopicIsCreatableAndWritableOnTheTarget() {
        return mskConnectors(MirrorHeartbeatConnector.class).map(c -> DynamicTest.dynamicTest(c.env + " " + c.name, () -> {
            String topic = MirrorTopicNames.heartbeatsTopic(c.config);
            String cluster = mskCluster(c, MirrorTopicNames.targetClusterAlias(c.config));
            assertEquals(c.access.path("cluster").asText(), cluster, c.name + ": heartbeats go through the worker's producer, so to its cluster");
            for (String action : List.of("kafka-cluster:CreateTopic", "kafka-cluster:WriteData")) {
                assertTrue(IamStatements.allows(c.policy, action, IamStatements.topicArn(c.msk, cluster, topic)), c.name + ": " + action + " on " + topic);
            }
        }));
    }

    /** One shipped connector of an MSK environment, with its rendered policy. */
    private record Shipped(String env, String name, Map<String, String> config, JsonNode access, JsonNode msk, JsonNode policy) {
    }

    private static Stream<Shipped> mskConnectors(Class<?> type) {
        List<Shipped> all = new ArrayList<>();
        for (String env : CONFIGS.environments()) {
            JsonNode msk = CONFIGS.environment(env).path("msk");
            if (msk.isMissingNode()) {
                continue;
            }
            ShippedConfigs.connectors(env).forEach((name, config) -> {
                if (isA(config.get("connector.class"), type)) {
                    all.add(new Shipped(env, name, config, CONFIGS.connectors.path(name), msk,
                            ShippedConfigs.json(env, "msk/iam/" + name + ".json")));
                }
            });
        }
        assertFalse(all.isEmpty(), "no shipped " + type.getSimpleName());
        return all.stream();
    }

    private static boolean isA(String className, Class<?> type) {
        try {
            return type.isAssignableFrom(Class.forName(className));
        } catch (ClassNotFoundException e) {
            throw new AssertionError(className + " is not on the test class path", e);
        }
    }

    /** MirrorMaker's cluster aliases are the environment's MSK cluster names (core, edge); the vendor is not ours. */
    private static String mskCluster(Shipped c, String alias) {
        assertTrue(c.msk.path("clusters").has(alias), c.name + ": alias " + alias + " is not an MSK cluster of " + c.env);
        return alias;
    }
}
