package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * {@link KafkaAcls}: the grants of {@code connectors.json} as ACLs, and the same rights as the IAM policy rendered from
 * them: every topic or group an IAM statement names gets, for each {@code kafka-cluster:} action, the ACL operation the
 * broker checks for the same request.
 */
class KafkaAclsTest {

    private static final ConnectorConfigs CONFIGS = new ConnectorConfigs(PluginPath.projectRoot().resolve("connector-configs"));
    private static final KafkaAcls.Worker WORKER = new KafkaAcls.Worker("core", "connect-core", "connect-core-configs",
            "connect-core-offsets", "connect-core-status", true);
    /** The IAM actions on topics and groups, and the ACL operation each one is. */
    private static final Map<String, AclOperation> IAM_TO_ACL = Map.of(
            "kafka-cluster:ReadData", AclOperation.READ,
            "kafka-cluster:WriteData", AclOperation.WRITE,
            "kafka-cluster:DescribeTopic", AclOperation.DESCRIBE,
            "kafka-cluster:DescribeTopicDynamicConfiguration", AclOperation.DESCRIBE_CONFIGS,
            "kafka-cluster:CreateTopic", AclOperation.CREATE,
            "kafka-cluster:AlterTopic", AclOperation.ALTER,
            "kafka-cluster:AlterGroup", AclOperation.READ,
            "kafka-cluster:DescribeGroup", AclOperation.DESCRIBE);

    @Test
    void theOddsSinkReadsItsTopicsByPrefixInItsGroupAndWritesItsDeadLetters() {
        Map<String, List<AclBinding>> acls = KafkaAcls.connector("odds-sink", CONFIGS.access("odds-sink"), "User:odds-sink", WORKER);
        assertEquals(Set.of("core"), acls.keySet());
        List<String> core = describe(acls.get("core"));
        for (String expected : List.of(
                "TOPIC PREFIXED raw.events. READ", "TOPIC PREFIXED raw.events. DESCRIBE", "TOPIC PREFIXED raw.events. DESCRIBE_CONFIGS",
                "TOPIC LITERAL raw.events.dlq WRITE", "TOPIC LITERAL raw.events.dlq CREATE",
                "GROUP LITERAL connect-odds-sink READ", "GROUP LITERAL connect-odds-sink DESCRIBE",
                "CLUSTER LITERAL kafka-cluster IDEMPOTENT_WRITE")) {
            assertTrue(core.contains(expected), expected + " in " + core);
        }
        assertFalse(core.stream().anyMatch(s -> s.startsWith("TRANSACTIONAL_ID") || s.contains("connect-core-offsets")),
                "a sink's producer is not transactional and its offsets are its group's: " + core);
        assertTrue(acls.get("core").stream().allMatch(b -> b.entry().principal().equals("User:odds-sink")
                && b.entry().host().equals("*") && b.entry().permissionType().name().equals("ALLOW")));
    }

    @Test
    void theEdgeHopIsGrantedOnBothClustersAndItsTransactionsAreWhereItsProducerWrites() {
        Map<String, List<AclBinding>> acls = KafkaAcls.connector("core-to-edge", CONFIGS.access("core-to-edge"), "User:core-to-edge", WORKER);
        List<String> core = describe(acls.get("core"));
        List<String> edge = describe(acls.get("edge"));
        assertTrue(core.contains("TOPIC PREFIXED odds.updates.internal. READ"), core.toString());
        assertTrue(core.contains("TOPIC LITERAL mm2-offset-syncs.edge.internal WRITE"), core.toString());
        assertTrue(edge.contains("TOPIC PREFIXED odds.updates.public. WRITE"), edge.toString());
        assertTrue(edge.contains("TRANSACTIONAL_ID PREFIXED connect-core-core-to-edge- WRITE"), edge.toString());
        assertFalse(core.stream().anyMatch(s -> s.startsWith("TRANSACTIONAL_ID")), "its transactions are on the edge: " + core);
        assertTrue(edge.contains("CLUSTER LITERAL kafka-cluster IDEMPOTENT_WRITE"), edge.toString());
        assertFalse(core.stream().anyMatch(s -> s.contains("connect-core-offsets")), "its offsets are on the edge, not in the worker's topic: " + core);
        assertTrue(edge.contains("TOPIC LITERAL connect-offsets.core-to-edge WRITE"), edge.toString());
    }

    @Test
    void aSourceUnderExactlyOnceWritesItsTransactionsAndTheWorkersOffsetsTopic() {
        List<String> core = describe(KafkaAcls.connector("odds-source", CONFIGS.access("odds-source"), "User:odds-source", WORKER).get("core"));
        for (String expected : List.of("TRANSACTIONAL_ID PREFIXED connect-core-odds-source- WRITE", "TRANSACTIONAL_ID PREFIXED connect-core-odds-source- DESCRIBE",
                "TOPIC LITERAL connect-core-offsets WRITE", "TOPIC LITERAL connect-core-offsets READ", "TOPIC PREFIXED odds.updates.internal. WRITE")) {
            assertTrue(core.contains(expected), expected + " in " + core);
        }
        assertFalse(core.stream().anyMatch(s -> s.startsWith("GROUP")), "a source consumes in no group: " + core);
    }

    @Test
    void withoutExactlyOnceNoTransactionalIdAndNoOffsetsTopic() {
        KafkaAcls.Worker plain = new KafkaAcls.Worker("core", "connect-core", "c", "o", "s", false);
        List<String> all = describe(KafkaAcls.connector("odds-source", CONFIGS.access("odds-source"), "User:odds-source", plain).get("core"));
        assertFalse(all.stream().anyMatch(s -> s.startsWith("TRANSACTIONAL_ID") || s.contains(" o ")), all.toString());
    }

    @Test
    void theWorkersOwnOnlyTheirTopicsGroupAndLeaderTransaction() {
        List<AclBinding> acls = KafkaAcls.worker("User:connect-worker", WORKER);
        Set<String> resources = acls.stream().map(b -> b.pattern().resourceType() + " " + b.pattern().patternType() + " " + b.pattern().name())
                .collect(Collectors.toSet());
        assertEquals(Set.of("TOPIC LITERAL connect-core-configs", "TOPIC LITERAL connect-core-offsets", "TOPIC LITERAL connect-core-status",
                "GROUP LITERAL connect-core", "CLUSTER LITERAL kafka-cluster", "TRANSACTIONAL_ID LITERAL connect-cluster-connect-core"), resources);
    }

    @Test
    void eachAclIsOneKafkaAclsCommand() {
        Map<String, List<AclBinding>> acls = KafkaAcls.connector("odds-sink", CONFIGS.access("odds-sink"), "User:odds-sink", WORKER);
        List<String> commands = acls.get("core").stream().map(KafkaAcls::command).toList();
        assertTrue(commands.contains("--add --allow-principal 'User:odds-sink' --allow-host '*' --operation Read --topic 'raw.events.'"
                + " --resource-pattern-type prefixed"), commands.toString());
        assertTrue(commands.contains("--add --allow-principal 'User:odds-sink' --allow-host '*' --operation IdempotentWrite --cluster"), commands.toString());
        assertTrue(commands.contains("--add --allow-principal 'User:odds-sink' --allow-host '*' --operation Describe --group 'connect-odds-sink'"
                + " --resource-pattern-type literal"), commands.toString());
    }

    @Test
    void wildcardsKafkaCannotExpressAreRefusedNamingTheConnector() {
        assertEquals(new KafkaAcls.Pattern("raw.events.", PatternType.PREFIXED), KafkaAcls.pattern("c", "read", "raw.events.*"));
        assertEquals(new KafkaAcls.Pattern("raw.events.dlq", PatternType.LITERAL), KafkaAcls.pattern("c", "read", "raw.events.dlq"));
        for (String bad : List.of("raw.*.nba", "raw.events.?", "*", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KafkaAcls.pattern("odds-sink", "read", bad));
            assertTrue(e.getMessage().contains("connector 'odds-sink', 'read' grant '" + bad + "'"), e.getMessage());
        }
    }

    /** Every connector, in the prod environment: each topic and group IAM action has its ACL on the same pattern. */
    @TestFactory
    Stream<DynamicTest> everyIamTopicAndGroupActionHasItsAcl() {
        JsonNode msk = CONFIGS.environment("prod").path("msk");
        return CONFIGS.connectorNames().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            JsonNode access = CONFIGS.access(name);
            Map<String, Object> policy = IamPolicies.executionRole(name, Map.of(), access, msk, Map.of());
            JsonNode json = ConnectorConfigs.JSON.valueToTree(policy);
            Map<String, List<AclBinding>> acls = KafkaAcls.connector(name, access, "User:" + name, WORKER);
            int checked = 0;
            for (JsonNode s : json.path("Statement")) {
                for (JsonNode r : s.path("Resource")) {
                    String[] arn = r.asText().split(":", 6);
                    String[] parts = arn.length == 6 ? arn[5].split("/", 4) : new String[0];
                    if (parts.length < 4 || !(parts[0].equals("topic") || parts[0].equals("group")) || parts[3].startsWith("__amazon_msk_connect")) {
                        continue;
                    }
                    String cluster = clusterName(msk, parts[1]);
                    ResourceType type = parts[0].equals("topic") ? ResourceType.TOPIC : ResourceType.GROUP;
                    KafkaAcls.Pattern pattern = KafkaAcls.pattern(name, parts[0], parts[3]);
                    for (JsonNode action : s.path("Action")) {
                        AclOperation op = IAM_TO_ACL.get(action.asText());
                        assertTrue(op != null, name + ": IAM action " + action.asText() + " on " + r.asText() + " has no ACL mapping");
                        String expected = type + " " + pattern.type() + " " + pattern.name() + " " + op;
                        assertTrue(describe(acls.getOrDefault(cluster, List.of())).contains(expected),
                                name + ": " + action.asText() + " on " + r.asText() + " → " + expected + " on " + cluster);
                        checked++;
                    }
                }
            }
            assertTrue(checked > 0, name + ": no topic or group statement checked");
        }));
    }

    private static String clusterName(JsonNode msk, String mskName) {
        var it = msk.path("clusters").fields();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getValue().path("name").asText().equals(mskName)) {
                return e.getKey();
            }
        }
        throw new AssertionError("no cluster named " + mskName + " in prod's msk.clusters");
    }

    private static List<String> describe(List<AclBinding> bindings) {
        return bindings.stream().map(b -> b.pattern().resourceType() + " " + b.pattern().patternType() + " " + b.pattern().name()
                + " " + b.entry().operation()).toList();
    }
}
