package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Renders everything deployable from {@code connector-configs/}, per environment, into {@code <out>/<env>/}:
 * <pre>
 *   connectors/&lt;name&gt;.json              effective Connect REST config (PUT /connectors/{name}/config)
 *   held-back/&lt;name&gt;.json               the same for connectors.json entries with "heldBack" (not shipped: why is there)
 *   worker.properties                   what a plain Connect worker adds for these configs (config providers...)
 *   msk/worker-configuration.properties  MSK Connect worker configuration, and the CreateWorkerConfiguration request
 *   msk/create-worker-configuration.json   (properties as base64)
 *   msk/create-custom-plugin.json       CreateCustomPlugin for the bundle ZIP under its versioned S3 key
 *   msk/create-connector/&lt;name&gt;.json   CreateConnector request per connector
 *   msk/iam/&lt;name&gt;.json, trust-policy.json   execution role policy per connector, and its trust policy
 *   crossplane/msk-connect.yaml         the same as Crossplane (provider-aws kafkaconnect + iam) manifests
 * </pre>
 * The {@code msk/} and {@code crossplane/} parts exist for environments with an {@code msk} section.
 *
 * <p>Usage: {@code Generate <connector-configs dir> <out dir> <plugin version>}. The plugin version names the bundle's
 * S3 key and custom plugin (a custom plugin cannot be updated in place, so every version is a new one).
 */
public final class Generate {

    /** Filled in by the deployment (the buildspec, or Crossplane references) once the resource exists. */
    static final String DEPLOY_TIME = "REPLACED_AT_DEPLOY:";

    private Generate() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: Generate <connector-configs dir> <out dir> <plugin version>");
            System.exit(2);
        }
        ConnectorConfigs configs = new ConnectorConfigs(Paths.get(args[0]));
        Path out = Paths.get(args[1]);
        deleteRecursively(out); // a connector removed or held back must not linger from an earlier build
        for (String env : configs.environments()) {
            render(configs, env, out.resolve(env), args[2]);
        }
    }

    static void render(ConnectorConfigs configs, String env, Path dir, String pluginVersion) throws IOException {
        JsonNode e = configs.environment(env);
        Map<String, Map<String, String>> effective = new LinkedHashMap<>();
        for (String name : configs.connectorNames()) {
            Map<String, String> c = configs.effective(name, env);
            String heldBack = configs.connectors.path(name).path("heldBack").asText("");
            if (!heldBack.isEmpty()) {
                // Not shipped until a real worker validates it: rendered aside so the tests can tell when it does.
                write(dir.resolve("held-back").resolve(name + ".json"), c);
                System.out.println("[" + env + "] held back (see connectors.json): " + name);
                continue;
            }
            effective.put(name, c);
            write(dir.resolve("connectors").resolve(name + ".json"), c);
        }
        Map<String, String> worker = configs.worker(env, Map.of());
        String workerProps = properties(worker);
        writeText(dir.resolve("worker.properties"), "# Worker settings the " + env + " connector configs rely on (generated from connector-configs/environments/" + env + ".json)\n" + workerProps);

        JsonNode msk = e.path("msk");
        if (msk.isMissingNode()) {
            return;
        }
        String region = msk.path("region").asText();
        String account = msk.path("accountId").asText();
        Path m = dir.resolve("msk");

        writeText(m.resolve("worker-configuration.properties"), workerProps);
        Map<String, Object> workerConfig = new LinkedHashMap<>();
        workerConfig.put("name", msk.path("workerConfigurationName").asText());
        workerConfig.put("description", "odds-update workers (" + env + "): converters, config providers, exactly-once source support");
        workerConfig.put("propertiesFileContent", Base64.getEncoder().encodeToString(workerProps.getBytes(StandardCharsets.UTF_8)));
        write(m.resolve("create-worker-configuration.json"), workerConfig);

        JsonNode plugin = msk.path("customPlugin");
        String pluginName = plugin.path("name").asText() + "-" + pluginVersion.replaceAll("[^A-Za-z0-9-]", "-");
        String bucketArn = "arn:aws:s3:::" + plugin.path("bucket").asText();
        String fileKey = plugin.path("keyPrefix").asText() + "odds-update-bundle-" + pluginVersion + ".zip";
        Map<String, Object> customPlugin = new LinkedHashMap<>();
        customPlugin.put("name", pluginName);
        customPlugin.put("description", "odds-update plugin bundle " + pluginVersion);
        customPlugin.put("contentType", "ZIP");
        customPlugin.put("location", obj("s3Location", obj("bucketArn", bucketArn, "fileKey", fileKey)));
        write(m.resolve("create-custom-plugin.json"), customPlugin);

        write(m.resolve("iam").resolve("trust-policy.json"), IamPolicies.trustPolicy(msk));
        List<Map<String, Object>> crossplane = new ArrayList<>();
        crossplane.add(k8s("kafkaconnect.aws.upbound.io/v1beta1", "CustomPlugin", pluginName, obj(
                "region", region, "name", pluginName, "contentType", "ZIP",
                "location", List.of(obj("s3", List.of(obj("bucketArn", bucketArn, "fileKey", fileKey)))))));
        crossplane.add(k8s("kafkaconnect.aws.upbound.io/v1beta1", "WorkerConfiguration", msk.path("workerConfigurationName").asText(), obj(
                "region", region, "name", msk.path("workerConfigurationName").asText(),
                "propertiesFileContent", workerProps)));

        for (Map.Entry<String, Map<String, String>> c : effective.entrySet()) {
            String name = c.getKey();
            JsonNode access = configs.connectors.path(name);
            checkTopicsCovered(name, c.getValue(), access);
            Map<String, Object> policy = IamPolicies.executionRole(name, c.getValue(), access, msk, worker);
            write(m.resolve("iam").resolve(name + ".json"), policy);
            String roleName = msk.path("roleNamePrefix").asText() + name;
            String roleArn = "arn:aws:iam::" + account + ":role/" + roleName;
            JsonNode cluster = msk.path("clusters").path(access.path("cluster").asText());
            String bootstrap = ConnectorConfigs.render(cluster.path("bootstrapServers").asText(), e.path("vars"), name + " bootstrapServers");
            JsonNode scaling = access.path("autoScaling");

            Map<String, Object> autoScaling = new LinkedHashMap<>();
            autoScaling.put("mcuCount", scaling.path("mcuCount").asInt(1));
            autoScaling.put("minWorkerCount", scaling.path("minWorkerCount").asInt(1));
            autoScaling.put("maxWorkerCount", scaling.path("maxWorkerCount").asInt(2));
            autoScaling.put("scaleInPolicy", obj("cpuUtilizationPercentage", 20));
            autoScaling.put("scaleOutPolicy", obj("cpuUtilizationPercentage", 80));
            Map<String, Object> vpc = new LinkedHashMap<>();
            vpc.put("securityGroups", strings(cluster.path("securityGroups")));
            vpc.put("subnets", strings(cluster.path("subnets")));

            Map<String, Object> req = new LinkedHashMap<>();
            req.put("connectorName", name);
            req.put("connectorDescription", access.path("description").asText());
            req.put("kafkaConnectVersion", msk.path("kafkaConnectVersion").asText());
            req.put("capacity", obj("autoScaling", autoScaling));
            req.put("connectorConfiguration", c.getValue());
            req.put("kafkaCluster", obj("apacheKafkaCluster", obj("bootstrapServers", bootstrap, "vpc", vpc)));
            req.put("kafkaClusterClientAuthentication", obj("authenticationType", "IAM"));
            req.put("kafkaClusterEncryptionInTransit", obj("encryptionType", "TLS"));
            req.put("logDelivery", obj("workerLogDelivery", obj("cloudWatchLogs",
                    obj("enabled", true, "logGroup", msk.path("logGroup").asText()))));
            req.put("plugins", List.of(obj("customPlugin", obj("customPluginArn", DEPLOY_TIME + "customPluginArn", "revision", 1))));
            req.put("serviceExecutionRoleArn", roleArn);
            req.put("workerConfiguration", obj("workerConfigurationArn", DEPLOY_TIME + "workerConfigurationArn", "revision", 1));
            write(m.resolve("create-connector").resolve(name + ".json"), req);

            crossplane.add(k8s("iam.aws.upbound.io/v1beta1", "Role", roleName, obj(
                    "assumeRolePolicy", ConnectorConfigs.JSON.writeValueAsString(IamPolicies.trustPolicy(msk)))));
            crossplane.add(k8s("iam.aws.upbound.io/v1beta1", "RolePolicy", roleName, obj(
                    "policy", ConnectorConfigs.JSON.writeValueAsString(policy), "roleRef", obj("name", roleName))));
            Map<String, Object> fp = new LinkedHashMap<>();
            fp.put("region", region);
            fp.put("name", name);
            fp.put("description", access.path("description").asText());
            fp.put("kafkaconnectVersion", msk.path("kafkaConnectVersion").asText());
            fp.put("capacity", List.of(obj("autoscaling", List.of(obj(
                    "mcuCount", autoScaling.get("mcuCount"), "minWorkerCount", autoScaling.get("minWorkerCount"),
                    "maxWorkerCount", autoScaling.get("maxWorkerCount"),
                    "scaleInPolicy", List.of(obj("cpuUtilizationPercentage", 20)),
                    "scaleOutPolicy", List.of(obj("cpuUtilizationPercentage", 80)))))));
            fp.put("connectorConfiguration", c.getValue());
            fp.put("kafkaCluster", List.of(obj("apacheKafkaCluster", List.of(obj("bootstrapServers", bootstrap, "vpc", List.of(vpc))))));
            fp.put("kafkaClusterClientAuthentication", List.of(obj("authenticationType", "IAM")));
            fp.put("kafkaClusterEncryptionInTransit", List.of(obj("encryptionType", "TLS")));
            fp.put("logDelivery", List.of(obj("workerLogDelivery", List.of(obj("cloudwatchLogs",
                    List.of(obj("enabled", true, "logGroup", msk.path("logGroup").asText())))))));
            fp.put("plugin", List.of(obj("customPlugin", List.of(obj("arnRef", obj("name", pluginName), "revision", 1)))));
            fp.put("serviceExecutionRoleArnRef", obj("name", roleName));
            fp.put("workerConfiguration", List.of(obj("arnRef", obj("name", msk.path("workerConfigurationName").asText()), "revision", 1)));
            crossplane.add(k8s("kafkaconnect.aws.upbound.io/v1beta1", "Connector", name, fp));
        }
        StringBuilder yaml = new StringBuilder("# Generated from connector-configs/ (environment " + env + ") by msk-connect's Generate: do not edit.\n");
        for (Map<String, Object> doc : crossplane) {
            yaml.append("---\n").append(Yaml.write(doc));
        }
        writeText(dir.resolve("crossplane").resolve("msk-connect.yaml"), yaml.toString());
    }

    /**
     * Every topic a connector is configured to produce to on its worker's cluster must be covered by its IAM write grants,
     * and a connector's own offsets topic ({@code offsets.storage.topic}) by its read, write and create grants there.
     */
    private static void checkTopicsCovered(String name, Map<String, String> config, JsonNode access) {
        Map<String, List<String>> grants = new LinkedHashMap<>();
        for (JsonNode k : access.path("kafka")) {
            if (k.path("cluster").asText().equals(access.path("cluster").asText())) {
                for (String grant : List.of("read", "write", "create")) {
                    k.path(grant).forEach(t -> grants.computeIfAbsent(grant, g -> new ArrayList<>()).add(t.asText()));
                }
            }
        }
        for (Map.Entry<String, String> e : config.entrySet()) {
            List<String> needs = e.getKey().endsWith("dlq.topic") || e.getKey().equals("errors.deadletterqueue.topic.name") ? List.of("write")
                    : e.getKey().equals("offsets.storage.topic") ? List.of("read", "write", "create") : List.of();
            for (String grant : needs) {
                List<String> topics = grants.getOrDefault(grant, List.of());
                if (topics.stream().noneMatch(t -> IamPolicies.covers(t, e.getValue()))) {
                    throw new IllegalArgumentException(name + ": " + e.getKey() + "=" + e.getValue()
                            + " is not covered by the IAM " + grant + " grants in connectors.json " + topics);
                }
            }
        }
    }

    private static Map<String, Object> k8s(String apiVersion, String kind, String name, Map<String, Object> forProvider) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", apiVersion);
        doc.put("kind", kind);
        doc.put("metadata", obj("name", name, "labels", obj("app.kubernetes.io/part-of", "odds-update")));
        doc.put("spec", obj("forProvider", forProvider));
        return doc;
    }

    private static String properties(Map<String, String> worker) {
        StringBuilder sb = new StringBuilder();
        worker.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }

    private static void write(Path file, Object value) throws IOException {
        writeText(file, ConnectorConfigs.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n");
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void writeText(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** A map that keeps the order its entries are given in, so generated files are stable and read top-down. */
    static Map<String, Object> obj(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
