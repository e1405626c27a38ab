package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The deployment the build generates for {@code prod} ({@code msk-connect/target/deploy/prod/}), checked against what
 * AWS documents for MSK Connect. Each rule names the page of the AWS MSK developer guide (or API reference) it comes
 * from; the page is the authority, this test its transcription. A deployment breaking one of them would be refused by
 * MSK Connect, or worse, accepted and then behave differently from what the configs say.
 */
class MskConnectRulesTest {

    static final String ENV = "prod";

    // "Supported worker configuration properties": the only producer.* and consumer.* properties a custom worker
    // configuration may set.
    static final Set<String> PRODUCER_PROPERTIES = Set.of("producer.acks", "producer.batch.size", "producer.buffer.memory",
            "producer.compression.type", "producer.enable.idempotence", "producer.key.serializer", "producer.linger.ms",
            "producer.max.request.size", "producer.metadata.max.age.ms", "producer.metadata.max.idle.ms", "producer.partitioner.class",
            "producer.reconnect.backoff.max.ms", "producer.reconnect.backoff.ms", "producer.request.timeout.ms",
            "producer.retry.backoff.ms", "producer.value.serializer");
    static final Set<String> CONSUMER_PROPERTIES = Set.of("consumer.allow.auto.create.topics", "consumer.auto.offset.reset",
            "consumer.check.crcs", "consumer.fetch.max.bytes", "consumer.fetch.max.wait.ms", "consumer.fetch.min.bytes",
            "consumer.heartbeat.interval.ms", "consumer.key.deserializer", "consumer.max.partition.fetch.bytes",
            "consumer.max.poll.interval.ms", "consumer.max.poll.records", "consumer.metadata.max.age.ms",
            "consumer.partition.assignment.strategy", "consumer.reconnect.backoff.max.ms", "consumer.reconnect.backoff.ms",
            "consumer.request.timeout.ms", "consumer.retry.backoff.ms", "consumer.session.timeout.ms", "consumer.value.deserializer");
    // Same page: every other property is supported except these prefixes and keys.
    static final List<String> FORBIDDEN_PREFIXES = List.of("access.control.", "admin.", "admin.listeners.https.", "client.", "connect.",
            "inter.worker.", "internal.", "listeners.https.", "metrics.", "metrics.context.", "rest.", "sasl.", "security.", "socket.",
            "ssl.", "topic.tracking.", "worker.");
    static final Set<String> FORBIDDEN_KEYS = Set.of("bootstrap.servers", "config.storage.topic", "connections.max.idle.ms",
            "connector.client.config.override.policy", "group.id", "listeners", "metric.reporters", "plugin.path", "receive.buffer.bytes",
            "response.http.headers.config", "scheduled.rebalance.max.delay.ms", "send.buffer.bytes", "status.storage.topic");

    private static final Pattern PROVIDER_REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9_-]+):");

    @Test
    void workerConfigurationHasOnlySupportedProperties() throws IOException {
        Map<String, String> worker = workerConfiguration();
        List<String> problems = new ArrayList<>();
        // "Supported worker configuration properties": key.converter and value.converter are required
        for (String required : List.of("key.converter", "value.converter")) {
            if (!worker.containsKey(required)) {
                problems.add(required + " is required");
            }
        }
        for (String key : worker.keySet()) {
            if (key.startsWith("producer.") && !PRODUCER_PROPERTIES.contains(key)
                    || key.startsWith("consumer.") && !CONSUMER_PROPERTIES.contains(key)) {
                problems.add(key + " is not a supported producer./consumer. property");
            }
            if (FORBIDDEN_KEYS.contains(key) || FORBIDDEN_PREFIXES.stream().anyMatch(key::startsWith)) {
                problems.add(key + " is not supported in a worker configuration");
            }
        }
        assertEquals(List.of(), problems, "msk/worker-configuration.properties");
        // CreateWorkerConfiguration (API reference): propertiesFileContent is the base64 of the properties file
        JsonNode request = ShippedConfigs.json(ENV, "msk/create-worker-configuration.json");
        assertEquals(Files.readString(ShippedConfigs.dir(ENV).resolve("msk/worker-configuration.properties")),
                new String(Base64.getDecoder().decode(request.path("propertiesFileContent").asText()), StandardCharsets.UTF_8));
    }

    @Test
    void sourceConnectorsResumeWhenRecreatedUnderTheirName() throws IOException {
        // "Manage source connector offsets using offset.storage.topic": without offset.storage.topic in the worker
        // configuration, each newly created connector gets a new offsets topic; with it, a connector created again
        // under the same name reads its predecessor's offsets.
        String offsets = workerConfiguration().get("offset.storage.topic");
        assertTrue(offsets != null && !offsets.isBlank(), "the worker configuration must set offset.storage.topic");
        // "Manage source connector offsets" (considerations): unused internal topics are deleted by the
        // __amazon_msk_connect_<offsets|status|configs>_... pattern; ours must not look like them
        assertFalse(offsets.startsWith("__amazon_msk_connect"), offsets);
        JsonNode msk = mskSection();
        int sources = 0;
        for (Map.Entry<String, Map<String, String>> c : ShippedConfigs.connectors(ENV).entrySet()) {
            String name = c.getKey();
            JsonNode request = ShippedConfigs.json(ENV, "msk/create-connector/" + name + ".json");
            assertEquals(name, request.path("connectorName").asText(), "the connector's name is what its offsets are keyed by");
            JsonNode policy = ShippedConfigs.json(ENV, "msk/iam/" + name + ".json");
            String cluster = connectorCluster(name);
            if (SourceConnector.class.isAssignableFrom(connectorClass(c.getValue()))) {
                sources++;
                // its offsets: the pinned worker topic, or (KIP-618) its own offsets.storage.topic on the worker's cluster
                String topic = c.getValue().getOrDefault("offsets.storage.topic", offsets);
                for (String action : List.of("kafka-cluster:CreateTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData")) {
                    assertTrue(IamStatements.allows(policy, action, IamStatements.topicArn(msk, cluster, topic)), name + ": " + action + " on " + topic);
                }
            } else {
                assertTrue(SinkConnector.class.isAssignableFrom(connectorClass(c.getValue())), name);
                // "Use custom offset storage topic" (note): sink offsets live in the consumer group connect-{CONNECTOR_NAME}
                assertTrue(IamStatements.allows(policy, "kafka-cluster:AlterGroup", IamPolicies.kafkaArn(msk, cluster, "group", "connect-" + name)), name);
            }
            // MSK creates the pinned topic for every connector, sinks included (same page): every role may create it
            assertTrue(IamStatements.allows(policy, "kafka-cluster:CreateTopic", IamStatements.topicArn(msk, cluster, offsets)), name);
        }
        assertTrue(sources >= 4, "vendor-to-core, its heartbeats, odds-source and core-to-edge are source connectors");
    }

    @Test
    void customPluginIsAVersionedZipInS3() {
        // "Create custom plugins": a ZIP (or JAR) in S3; a custom plugin cannot be changed, so each version is a new
        // one under a new key (the buildspec uploads with --if-none-match '*')
        JsonNode plugin = ShippedConfigs.json(ENV, "msk/create-custom-plugin.json");
        assertEquals("ZIP", plugin.path("contentType").asText());
        String key = plugin.path("location").path("s3Location").path("fileKey").asText();
        String version = System.getProperty("oddsupdate.plugin.release.version", Bundles.version());
        assertEquals("odds-update-bundle/prod/odds-update-bundle-" + version + ".zip", key);
        assertTrue(plugin.path("name").asText().endsWith(version.toLowerCase().replaceAll("[^a-z0-9]+", "-")), plugin.path("name").asText());
        assertTrue(plugin.path("location").path("s3Location").path("bucketArn").asText().startsWith("arn:aws:s3:::"));
        // "Understand MSK Connect": Kafka Connect 2.7.1 or 3.7.x; the bundle needs 3.7 (manifest.json requirements)
        for (String name : ShippedConfigs.connectors(ENV).keySet()) {
            JsonNode request = ShippedConfigs.json(ENV, "msk/create-connector/" + name + ".json");
            assertEquals("3.7.x", request.path("kafkaConnectVersion").asText(), name);
            assertEquals(1, request.path("plugins").size(), name + ": a connector takes exactly one custom plugin");
        }
    }

    // The plugin ZIP itself is checked where it exists, after packaging: UploadedBundleIT, PluginZip.zipShapeProblems.

    @Test
    void capacityKeepsEachConnectorsTaskCount() {
        for (Map.Entry<String, Map<String, String>> c : ShippedConfigs.connectors(ENV).entrySet()) {
            String name = c.getKey();
            int tasksMax = Integer.parseInt(c.getValue().get("tasks.max"));
            JsonNode capacity = ShippedConfigs.json(ENV, "msk/create-connector/" + name + ".json").path("capacity");
            // Capacity (API reference): exactly one of provisionedCapacity and autoScaling; mcuCount 1, 2, 4 or 8
            assertEquals(1, capacity.size(), name + ": " + capacity);
            JsonNode p = capacity.path("provisionedCapacity");
            JsonNode a = capacity.path("autoScaling");
            JsonNode mode = p.isMissingNode() ? a : p;
            assertTrue(Set.of(1, 2, 4, 8).contains(mode.path("mcuCount").asInt()), name + ": mcuCount " + mode);
            if (!p.isMissingNode()) {
                // "Understand connector capacity": only autoscaled mode overrides tasks.max; a worker beyond tasks.max idles
                assertTrue(p.path("workerCount").asInt() >= 1 && p.path("workerCount").asInt() <= tasksMax, name + ": " + p);
            } else {
                // "Understand maximum autoscaling task count": autoscaled, tasks.max becomes workers x MCUs x 2 unless
                // maxAutoscalingTaskCount caps it, and the cap must be at least maxWorkerCount
                assertEquals(tasksMax, a.path("maxAutoscalingTaskCount").asInt(), name + ": the cap is tasks.max");
                assertTrue(a.path("maxAutoscalingTaskCount").asInt() >= a.path("maxWorkerCount").asInt(), name);
                assertTrue(a.path("minWorkerCount").asInt() <= a.path("maxWorkerCount").asInt(), name);
                // KIP-618: a change of an exactly-once source's task count fences all its producers: never autoscaled
                assertFalse(c.getValue().containsKey("exactly.once.support"), name + " is an exactly-once source: provisioned");
            }
            // the alarm expects the task count the capacity gives
            JsonNode step = planStep(name);
            assertEquals(p.isMissingNode() ? Math.min(a.path("minWorkerCount").asInt() * a.path("mcuCount").asInt() * 2, tasksMax) : tasksMax,
                    step.path("minimumRunningTasks").asInt(), name);
        }
    }

    @Test
    void secretsComeFromConfigProvidersThatFailWhenASecretIsMissing() throws IOException {
        // "Externalizing sensitive information using config providers": providers are declared in the worker
        // configuration and referenced as ${provider:path:key}; AWS's provider (aws-samples/msk-config-providers,
        // SecretsManagerConfig) defaults NotFoundStrategy to "ignore", which makes a missing secret an empty string
        Map<String, String> worker = workerConfiguration();
        List<String> declared = List.of(worker.getOrDefault("config.providers", "").split(","));
        for (String provider : declared) {
            String cls = worker.get("config.providers." + provider + ".class");
            if (cls != null && cls.startsWith("com.amazonaws.kafka.config.providers.")) {
                assertEquals("fail", worker.get("config.providers." + provider + ".param.NotFoundStrategy"), provider);
            }
        }
        for (Map.Entry<String, Map<String, String>> c : ShippedConfigs.connectors(ENV).entrySet()) {
            boolean references = false;
            for (String v : c.getValue().values()) {
                Matcher m = PROVIDER_REFERENCE.matcher(v);
                while (m.find()) {
                    references = true;
                    assertTrue(declared.contains(m.group(1)), c.getKey() + " references provider " + m.group(1) + ", not declared in " + declared);
                }
            }
            if (references) {
                // same page: without it MSK Connect restarts a connector that uses a provider frequently
                assertEquals("none", c.getValue().get("config.action.reload"), c.getKey());
            }
        }
    }

    @Test
    void logsGoToACreatedLogGroupAndEveryConnectorHasItsAlarms() {
        // "Logging for MSK Connect": log delivery to a CloudWatch Logs group the user creates; delivery is set up with
        // the caller's logs:CreateLogDelivery/PutResourcePolicy ("Examples of IAM policies for MSK Connect")
        JsonNode group = ShippedConfigs.json(ENV, "msk/log-group.json");
        assertTrue(group.path("retentionInDays").asInt() > 0);
        JsonNode deployer = ShippedConfigs.json(ENV, "msk/iam/deployer-policy.json");
        for (String action : List.of("logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups")) {
            assertTrue(IamStatements.allows(deployer, action, "*"), action);
        }
        for (String name : ShippedConfigs.connectors(ENV).keySet()) {
            JsonNode delivery = ShippedConfigs.json(ENV, "msk/create-connector/" + name + ".json").path("logDelivery").path("workerLogDelivery").path("cloudWatchLogs");
            assertTrue(delivery.path("enabled").asBoolean(), name);
            assertEquals(group.path("logGroupName").asText(), delivery.path("logGroup").asText(), name);
            // "Monitoring Amazon MSK Connect": ErroredTaskCount and RunningTaskCount per ConnectorName
            Map<String, JsonNode> byMetric = new TreeMap<>();
            for (JsonNode alarmName : planStep(name).path("alarms")) {
                JsonNode alarm = ShippedConfigs.json(ENV, "msk/alarms/" + alarmName.asText() + ".json");
                if (alarm.path("Namespace").asText().equals(SignalMetrics.NAMESPACE)) {
                    continue; // our plugins' signals: SignalMetricsTest
                }
                assertEquals("AWS/KafkaConnect", alarm.path("Namespace").asText());
                assertEquals("ConnectorName", alarm.path("Dimensions").path(0).path("Name").asText());
                assertEquals(name, alarm.path("Dimensions").path(0).path("Value").asText());
                byMetric.put(alarm.path("MetricName").asText(), alarm);
            }
            assertEquals("GreaterThanThreshold", byMetric.get("ErroredTaskCount").path("ComparisonOperator").asText(), name);
            assertEquals(0, byMetric.get("ErroredTaskCount").path("Threshold").asInt(), name);
            assertEquals("LessThanThreshold", byMetric.get("RunningTaskCount").path("ComparisonOperator").asText(), name);
            assertEquals(planStep(name).path("minimumRunningTasks").asInt(), byMetric.get("RunningTaskCount").path("Threshold").asInt(), name);
            assertEquals("breaching", byMetric.get("RunningTaskCount").path("TreatMissingData").asText(), name + ": a deleted connector publishes nothing");
        }
    }

    @Test
    void executionRolesAreAssumableByMskConnectOnlyAndReachTheirClusters() {
        // "Service execution role": trust kafkaconnect.amazonaws.com, with aws:SourceAccount / aws:SourceArn
        // ("Cross-service confused deputy prevention"); with IAM auth, kafka-cluster:Connect on the cluster and
        // MSK Connect's own __amazon_msk_connect_* topics and groups
        JsonNode trust = ShippedConfigs.json(ENV, "msk/iam/trust-policy.json").path("Statement").path(0);
        assertEquals("kafkaconnect.amazonaws.com", trust.path("Principal").path("Service").asText());
        assertFalse(trust.path("Condition").path("StringEquals").path("aws:SourceAccount").asText().isBlank());
        assertTrue(trust.path("Condition").path("ArnLike").path("aws:SourceArn").asText().contains(":connector/"));
        JsonNode msk = mskSection();
        for (String name : ShippedConfigs.connectors(ENV).keySet()) {
            JsonNode policy = ShippedConfigs.json(ENV, "msk/iam/" + name + ".json");
            String cluster = connectorCluster(name);
            assertTrue(IamStatements.allows(policy, "kafka-cluster:Connect", IamPolicies.kafkaArn(msk, cluster, "cluster", null)), name);
            assertTrue(IamStatements.allows(policy, "kafka-cluster:WriteData",
                    IamStatements.topicArn(msk, cluster, "__amazon_msk_connect_status_" + name + "_x")), name);
            assertTrue(IamStatements.allows(policy, "kafka-cluster:AlterGroup",
                    IamPolicies.kafkaArn(msk, cluster, "group", "__amazon_msk_connect_cluster_" + name + "_x")), name);
            JsonNode request = ShippedConfigs.json(ENV, "msk/create-connector/" + name + ".json");
            assertEquals("IAM", request.path("kafkaClusterClientAuthentication").path("authenticationType").asText(), name);
            assertEquals("TLS", request.path("kafkaClusterEncryptionInTransit").path("encryptionType").asText(), name);
        }
    }

    private static Map<String, String> workerConfiguration() throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(ShippedConfigs.dir(ENV).resolve("msk/worker-configuration.properties"))));
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    private static JsonNode mskSection() {
        return new ConnectorConfigs(io.oddsupdate.connect.testkit.PluginPath.projectRoot().resolve("connector-configs")).environment(ENV).path("msk");
    }

    private static String connectorCluster(String name) {
        return new ConnectorConfigs(io.oddsupdate.connect.testkit.PluginPath.projectRoot().resolve("connector-configs")).connectors
                .path(name).path("cluster").asText();
    }

    private static JsonNode planStep(String name) {
        for (Iterator<JsonNode> it = ShippedConfigs.json(ENV, "msk/upgrade-plan.json").path("connectors").elements(); it.hasNext(); ) {
            JsonNode step = it.next();
            if (step.path("name").asText().equals(name)) {
                return step;
            }
        }
        throw new AssertionError(name + " is not in msk/upgrade-plan.json");
    }

    private static Class<?> connectorClass(Map<String, String> config) {
        try {
            return Class.forName(config.get("connector.class"));
        } catch (ClassNotFoundException e) {
            throw new AssertionError(config.get("connector.class") + " is not on the test class path", e);
        }
    }
}
