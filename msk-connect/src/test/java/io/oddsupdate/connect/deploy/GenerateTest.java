package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.oddsupdate.connect.testkit.PluginPath;

/** The generator on the repo's own connector-configs/, and on small broken copies of it. */
class GenerateTest {

    private static final Path CONFIGS = PluginPath.projectRoot().resolve("connector-configs");

    @Test
    void mergePatchReplacesAddsAndRemoves() throws IOException {
        ObjectNode base = (ObjectNode) ConnectorConfigs.JSON.readTree("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}");
        ConnectorConfigs.mergePatch(base, ConnectorConfigs.JSON.readTree("{\"a\":\"x\",\"b\":null,\"d\":\"4\"}"));
        assertEquals(ConnectorConfigs.JSON.readTree("{\"a\":\"x\",\"c\":\"3\",\"d\":\"4\"}"), base);
    }

    @Test
    void unknownVarIsAnErrorNamingConnectorAndKey() {
        JsonNode vars = ConnectorConfigs.JSON.createObjectNode().put("known", "v");
        assertEquals("a-v-b", ConnectorConfigs.render("a-{{known}}-b", vars, "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectorConfigs.render("{{nope}}", vars, "odds-sink (prod) redis.url"));
        assertTrue(e.getMessage().contains("odds-sink (prod) redis.url") && e.getMessage().contains("{{nope}}"), e.getMessage());
    }

    @Test
    void varOverridesReplaceTheEnvironmentsValuesAndMustNameOne() {
        ConnectorConfigs configs = new ConnectorConfigs(CONFIGS);
        Map<String, String> sink = configs.effective("odds-sink", "local", Map.of("redis.url", "redis://127.0.0.1:1234"));
        assertEquals("redis://127.0.0.1:1234", sink.get("redis.url"));
        assertEquals(configs.effective("odds-sink", "local").get("postgres.url"), sink.get("postgres.url"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configs.effective("odds-sink", "local", Map.of("redis.uri", "x")));
        assertTrue(e.getMessage().contains("redis.uri") && e.getMessage().contains("redis.url"), e.getMessage());
        assertEquals("file", configs.worker("local", Map.of()).get("config.providers"));
    }

    @Test
    void rendersEveryEnvironmentCompletely(@TempDir Path out) throws IOException {
        ConnectorConfigs configs = new ConnectorConfigs(CONFIGS);
        for (String env : configs.environments()) {
            Generate.render(configs, env, out.resolve(env), "1.2.3");
        }
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f, StandardCharsets.UTF_8);
                assertFalse(text.contains("{{"), f + " has an unrendered var");
                if (f.toString().endsWith(".json")) {
                    ConnectorConfigs.JSON.readTree(text); // well-formed
                }
            }
        }
        Path msk = out.resolve("prod/msk");
        JsonNode worker = ConnectorConfigs.read(msk.resolve("create-worker-configuration.json"));
        assertEquals(Files.readString(msk.resolve("worker-configuration.properties")),
                new String(Base64.getDecoder().decode(worker.path("propertiesFileContent").asText()), StandardCharsets.UTF_8));
        JsonNode plugin = ConnectorConfigs.read(msk.resolve("create-custom-plugin.json"));
        assertEquals("odds-update-bundle/prod/odds-update-bundle-1.2.3.zip", plugin.path("location").path("s3Location").path("fileKey").asText());
        assertEquals("odds-update-bundle-1-2-3", plugin.path("name").asText());
        JsonNode sink = ConnectorConfigs.read(msk.resolve("create-connector/odds-sink.json"));
        assertEquals("3.7.x", sink.path("kafkaConnectVersion").asText());
        assertEquals("IAM", sink.path("kafkaClusterClientAuthentication").path("authenticationType").asText());
        assertTrue(sink.path("logDelivery").path("workerLogDelivery").path("cloudWatchLogs").path("enabled").asBoolean());
        assertEquals("odds-sink", sink.path("connectorConfiguration").path("name").asText());
        // the role may read exactly the secrets the config references, and nothing S3 or Glue-registering
        String policy = Files.readString(msk.resolve("iam/odds-sink.json"));
        assertTrue(policy.contains("secret:odds-update/postgres-odds-sink-??????") && policy.contains("secret:odds-update/redis-??????"), policy);
        assertFalse(policy.contains("s3:") || policy.contains("glue:CreateSchema"), policy);
        // exactly-once source support: every worker's leader and the source tasks use transactions on the worker's cluster
        assertTrue(Files.readString(msk.resolve("worker-configuration.properties")).contains("exactly.once.source.support=enabled"));
        String core = "core/11111111-2222-3333-4444-555555555555-2";
        String edge = "edge/66666666-7777-8888-9999-000000000000-2";
        for (String connector : List.of("odds-sink", "core-to-edge")) {
            JsonNode statements = ConnectorConfigs.read(msk.resolve("iam/" + connector + ".json")).path("Statement");
            String cluster = connector.equals("core-to-edge") ? edge : core;
            assertEquals(List.of("arn:aws:kafka:eu-west-1:123456789012:transactional-id/" + cluster + "/__amazon_msk_connect_*",
                            "arn:aws:kafka:eu-west-1:123456789012:transactional-id/" + cluster + "/connect-cluster-__amazon_msk_connect_*"),
                    resources(statements, "kafka-cluster:AlterTransactionalId"), connector);
        }
        // idempotent producers (the Kafka 3.x default) on every cluster a connector writes to: core-to-edge's offset syncs are on core
        assertEquals(List.of("arn:aws:kafka:eu-west-1:123456789012:cluster/" + edge, "arn:aws:kafka:eu-west-1:123456789012:cluster/" + core),
                resources(ConnectorConfigs.read(msk.resolve("iam/core-to-edge.json")).path("Statement"), "kafka-cluster:WriteDataIdempotently"));
        // the edge hop's own offsets topic, on the edge: created, read and written in its transactions
        JsonNode edgeHop = ConnectorConfigs.read(msk.resolve("iam/core-to-edge.json")).path("Statement");
        String offsets = "arn:aws:kafka:eu-west-1:123456789012:topic/edge/66666666-7777-8888-9999-000000000000-2/connect-offsets.core-to-edge";
        for (String action : List.of("kafka-cluster:CreateTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData")) {
            assertTrue(resources(edgeHop, action).contains(offsets), action + ": " + edgeHop);
        }
        assertTrue(Files.readString(out.resolve("prod/crossplane/msk-connect.yaml")).contains("kind: \"Connector\""));
        assertEquals("odds-update-prod-" + KubernetesNames.sha256Hex(Files.readString(msk.resolve("worker-configuration.properties"))).substring(0, 10),
                worker.path("name").asText(), "a worker configuration cannot be updated: its name carries its content's hash");
        JsonNode mirror = ConnectorConfigs.read(msk.resolve("create-connector/core-to-edge.json"));
        assertTrue(mirror.path("kafkaCluster").path("apacheKafkaCluster").path("bootstrapServers").asText().contains(".edge."),
                "the edge hop's workers join the edge cluster: " + mirror);
    }

    @Test
    void heldBackConnectorsAreRenderedAsideWithoutMskResources(@TempDir Path copy) throws IOException {
        copyTree(CONFIGS, copy);
        Path described = copy.resolve("connectors.json");
        ObjectNode all = (ObjectNode) ConnectorConfigs.read(described);
        ((ObjectNode) all.get("vendor-to-core")).put("heldBack", "not validated yet");
        Files.writeString(described, ConnectorConfigs.JSON.writeValueAsString(all));
        Generate.render(new ConnectorConfigs(copy), "prod", copy.resolve("out"), "1");
        assertTrue(Files.exists(copy.resolve("out/held-back/vendor-to-core.json")));
        assertFalse(Files.exists(copy.resolve("out/connectors/vendor-to-core.json")));
        assertFalse(Files.exists(copy.resolve("out/msk/create-connector/vendor-to-core.json")));
        assertFalse(Files.exists(copy.resolve("out/msk/iam/vendor-to-core.json")));
    }

    @Test
    void aDeadLetterTopicTheRoleCannotWriteFailsGeneration(@TempDir Path copy) throws IOException {
        copyTree(CONFIGS, copy);
        Path base = copy.resolve("base/bronze-s3-sink.json");
        Files.writeString(base, Files.readString(base).replace("odds.updates.bronze.dlq", "somewhere.else.dlq"));
        ConnectorConfigs configs = new ConnectorConfigs(copy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Generate.render(configs, "prod", copy.resolve("out"), "1"));
        assertTrue(e.getMessage().contains("bronze-s3-sink") && e.getMessage().contains("somewhere.else.dlq"), e.getMessage());
    }

    @Test
    void anOverlayForNoConnectorIsRefused(@TempDir Path copy) throws IOException {
        copyTree(CONFIGS, copy);
        Files.writeString(copy.resolve("overlays/local/odds-sinc.json"), "{}");
        ConnectorConfigs configs = new ConnectorConfigs(copy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> configs.environment("local"));
        assertTrue(e.getMessage().contains("odds-sinc"), e.getMessage());
    }

    @Test
    void iamWildcardsCoverLikeIam() {
        assertTrue(IamPolicies.covers("raw.events.*", "raw.events.dlq"));
        assertTrue(IamPolicies.covers("odds.updates.public.dlq", "odds.updates.public.dlq"));
        assertFalse(IamPolicies.covers("raw.events.*", "rawXevents.nba"));
        assertFalse(IamPolicies.covers("odds.updates.internal.*", "odds.updates.bronze.dlq"));
    }

    @Test
    void secretsUnderACustomerKeyMayBeDecryptedThroughSecretsManagerOnly(@TempDir Path copy) throws IOException {
        Path configs = copyOfConnectorConfigs(copy.resolve("configs"));
        Generate.render(new ConnectorConfigs(configs), "prod", copy.resolve("with"), "1");
        JsonNode sink = ConnectorConfigs.read(copy.resolve("with/msk/iam/odds-sink.json"));
        String key = ConnectorConfigs.read(configs.resolve("environments/prod.json")).path("msk").path("configProviderKmsKeyArn").asText();
        assertEquals(List.of(key), IamStatements.resources(sink, "kms:Decrypt"));
        assertTrue(sink.toString().contains("\"kms:ViaService\":\"secretsmanager.eu-west-1.amazonaws.com\""), sink.toString());
        // no secret referenced, no key: the heartbeat connector
        assertEquals(List.of(), IamStatements.resources(ConnectorConfigs.read(copy.resolve("with/msk/iam/vendor-to-core-heartbeat.json")), "kms:Decrypt"));

        editJson(configs.resolve("environments/prod.json"), e -> ((ObjectNode) e.get("msk")).remove("configProviderKmsKeyArn"));
        Generate.render(new ConnectorConfigs(configs), "prod", copy.resolve("without"), "1");
        assertEquals(List.of(), IamStatements.resources(ConnectorConfigs.read(copy.resolve("without/msk/iam/odds-sink.json")), "kms:Decrypt"),
                "secrets under the AWS managed key need no grant");
    }

    @Test
    void anMskEnvironmentWithoutPinnedOffsetsIsRefused(@TempDir Path copy) throws IOException {
        Path configs = copyOfConnectorConfigs(copy.resolve("configs"));
        editJson(configs.resolve("environments/prod.json"), e -> ((ObjectNode) e.get("worker")).remove("offset.storage.topic"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Generate.render(new ConnectorConfigs(configs), "prod", copy.resolve("out"), "1"));
        assertTrue(e.getMessage().contains("offset.storage.topic") && e.getMessage().contains("prod"), e.getMessage());

        editJson(configs.resolve("environments/prod.json"), w -> ((ObjectNode) w.get("worker")).put("offset.storage.topic", "__amazon_msk_connect_offsets_ours"));
        e = assertThrows(IllegalArgumentException.class, () -> Generate.render(new ConnectorConfigs(configs), "prod", copy.resolve("out"), "1"));
        assertTrue(e.getMessage().contains("clean up"), e.getMessage());
    }

    /** The resources of every statement granting {@code action}. */
    private static List<String> resources(JsonNode statements, String action) {
        List<String> arns = new ArrayList<>();
        for (JsonNode s : statements) {
            for (JsonNode a : s.path("Action")) {
                if (a.asText().equals(action)) {
                    s.path("Resource").forEach(r -> arns.add(r.asText()));
                }
            }
        }
        return arns;
    }

    /** A copy of the repo's connector-configs/ under {@code to}, for tests that break it. */
    static Path copyOfConnectorConfigs(Path to) throws IOException {
        copyTree(CONFIGS, to);
        return to;
    }

    /** Reads a JSON file, lets {@code edit} change it, writes it back. */
    static void editJson(Path file, java.util.function.Consumer<JsonNode> edit) throws IOException {
        JsonNode n = ConnectorConfigs.read(file);
        edit.accept(n);
        Files.writeString(file, ConnectorConfigs.JSON.writeValueAsString(n));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
