package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Every object of every generated {@code crossplane/msk-connect.yaml}, read back from the file, against the rules the
 * Kubernetes API server and the AWS provider's CRDs enforce at admission. An object that breaks one is refused by
 * {@code kubectl apply} (or, for an unknown field, silently pruned), and every object that refers to it waits forever.
 *
 * <p>The CRD facts below were read from crossplane-contrib/provider-upjet-aws, {@code package/crds/} (release v2.6 and
 * later), and are restated, not copied: for each kind, the version with {@code storage: true}, the fields its
 * {@code x-kubernetes-validations} declare "a required parameter", and whether a block is an object or a list in that
 * version.
 */
class CrossplaneManifestsTest {

    /** Kind → the storage version of its CRD (v1beta1 of Connector, CustomPlugin and MetricAlarm: "deprecated since v2.6.0"). */
    static final Map<String, String> STORAGE_VERSIONS = Map.of(
            "Connector", "kafkaconnect.aws.upbound.io/v1beta2",
            "CustomPlugin", "kafkaconnect.aws.upbound.io/v1beta2",
            "WorkerConfiguration", "kafkaconnect.aws.upbound.io/v1beta1",
            "Role", "iam.aws.upbound.io/v1beta1",
            "RolePolicy", "iam.aws.upbound.io/v1beta1",
            "Group", "cloudwatchlogs.aws.upbound.io/v1beta1",
            "MetricFilter", "cloudwatchlogs.aws.upbound.io/v1beta2",
            "MetricAlarm", "cloudwatch.aws.upbound.io/v1beta2");

    /**
     * Kind → required {@code spec.forProvider} fields: OpenAPI {@code required} of forProvider ({@code name},
     * {@code region}) plus the CEL rules "spec.forProvider.X is a required parameter" (a {@code *Ref} satisfies one).
     */
    static final Map<String, List<String>> REQUIRED = Map.of(
            "Connector", List.of("name", "region", "capacity", "connectorConfiguration", "kafkaCluster", "kafkaClusterClientAuthentication",
                    "kafkaClusterEncryptionInTransit", "kafkaconnectVersion", "plugin"),
            "CustomPlugin", List.of("name", "region", "contentType", "location"),
            "WorkerConfiguration", List.of("name", "region", "propertiesFileContent"),
            "Role", List.of("assumeRolePolicy"),
            "RolePolicy", List.of("policy", "role|roleRef"),
            "Group", List.of("region"),
            "MetricFilter", List.of("region"),
            "MetricAlarm", List.of("region"));

    /**
     * Kind → every forProvider field we may emit, with its type in the emitted version: {@code object} (a block that
     * is an object in v1beta2), {@code list} (of objects, {@code []} in the path), {@code strings} (list of strings),
     * {@code map} (string to string), {@code ref} (an object with a {@code name}). A field not listed would be pruned.
     */
    static final Map<String, Map<String, String>> FIELDS = Map.of(
            "Connector", Map.ofEntries(
                    Map.entry("name", "string"), Map.entry("region", "string"), Map.entry("description", "string"),
                    Map.entry("kafkaconnectVersion", "string"), Map.entry("connectorConfiguration", "map"),
                    Map.entry("capacity", "object"), Map.entry("capacity.provisionedCapacity", "object"),
                    Map.entry("capacity.provisionedCapacity.mcuCount", "number"), Map.entry("capacity.provisionedCapacity.workerCount", "number"),
                    Map.entry("capacity.autoscaling", "object"), Map.entry("capacity.autoscaling.mcuCount", "number"),
                    Map.entry("capacity.autoscaling.minWorkerCount", "number"), Map.entry("capacity.autoscaling.maxWorkerCount", "number"),
                    Map.entry("capacity.autoscaling.scaleInPolicy", "object"), Map.entry("capacity.autoscaling.scaleInPolicy.cpuUtilizationPercentage", "number"),
                    Map.entry("capacity.autoscaling.scaleOutPolicy", "object"), Map.entry("capacity.autoscaling.scaleOutPolicy.cpuUtilizationPercentage", "number"),
                    Map.entry("kafkaCluster", "object"), Map.entry("kafkaCluster.apacheKafkaCluster", "object"),
                    Map.entry("kafkaCluster.apacheKafkaCluster.bootstrapServers", "string"), Map.entry("kafkaCluster.apacheKafkaCluster.vpc", "object"),
                    Map.entry("kafkaCluster.apacheKafkaCluster.vpc.securityGroups", "strings"), Map.entry("kafkaCluster.apacheKafkaCluster.vpc.subnets", "strings"),
                    Map.entry("kafkaClusterClientAuthentication", "object"), Map.entry("kafkaClusterClientAuthentication.authenticationType", "string"),
                    Map.entry("kafkaClusterEncryptionInTransit", "object"), Map.entry("kafkaClusterEncryptionInTransit.encryptionType", "string"),
                    Map.entry("logDelivery", "object"), Map.entry("logDelivery.workerLogDelivery", "object"),
                    Map.entry("logDelivery.workerLogDelivery.cloudwatchLogs", "object"), Map.entry("logDelivery.workerLogDelivery.cloudwatchLogs.enabled", "boolean"),
                    Map.entry("logDelivery.workerLogDelivery.cloudwatchLogs.logGroup", "string"), Map.entry("logDelivery.workerLogDelivery.cloudwatchLogs.logGroupRef", "ref"),
                    Map.entry("plugin", "list"), Map.entry("plugin[].customPlugin", "object"), Map.entry("plugin[].customPlugin.arn", "string"),
                    Map.entry("plugin[].customPlugin.arnRef", "ref"), Map.entry("plugin[].customPlugin.revision", "number"),
                    Map.entry("serviceExecutionRoleArn", "string"), Map.entry("serviceExecutionRoleArnRef", "ref"),
                    Map.entry("workerConfiguration", "object"), Map.entry("workerConfiguration.arn", "string"),
                    Map.entry("workerConfiguration.arnRef", "ref"), Map.entry("workerConfiguration.revision", "number")),
            "CustomPlugin", Map.of("name", "string", "region", "string", "description", "string", "contentType", "string",
                    "location", "object", "location.s3", "object", "location.s3.bucketArn", "string", "location.s3.fileKey", "string"),
            "WorkerConfiguration", Map.of("name", "string", "region", "string", "description", "string", "propertiesFileContent", "string"),
            "Role", Map.of("assumeRolePolicy", "string", "description", "string"),
            "RolePolicy", Map.of("policy", "string", "roleRef", "ref"),
            "Group", Map.of("region", "string", "retentionInDays", "number"),
            // v1beta2: metricTransformation is one object (v1beta1: a list), as PutMetricFilter takes exactly one
            "MetricFilter", Map.of("region", "string", "logGroupName", "string", "logGroupNameRef", "ref", "pattern", "string",
                    "metricTransformation", "object", "metricTransformation.name", "string", "metricTransformation.namespace", "string",
                    "metricTransformation.value", "string", "metricTransformation.dimensions", "map", "metricTransformation.unit", "string"),
            "MetricAlarm", Map.ofEntries(Map.entry("region", "string"), Map.entry("alarmDescription", "string"),
                    Map.entry("namespace", "string"), Map.entry("metricName", "string"), Map.entry("dimensions", "map"),
                    Map.entry("statistic", "string"), Map.entry("period", "number"), Map.entry("evaluationPeriods", "number"),
                    Map.entry("datapointsToAlarm", "number"), Map.entry("threshold", "number"), Map.entry("comparisonOperator", "string"),
                    Map.entry("treatMissingData", "string"), Map.entry("alarmActions", "strings"), Map.entry("okActions", "strings")));

    /** Which kind a reference field must point at. */
    static final Map<String, String> REFERENCES = Map.of(
            "plugin[].customPlugin.arnRef", "CustomPlugin", "workerConfiguration.arnRef", "WorkerConfiguration",
            "serviceExecutionRoleArnRef", "Role", "logDelivery.workerLogDelivery.cloudwatchLogs.logGroupRef", "Group",
            "roleRef", "Role", "logGroupNameRef", "Group");

    /** Label and annotation names: optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
    private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    @TestFactory
    Stream<DynamicTest> everyGeneratedObjectIsAdmitted() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String env : mskEnvironments()) {
            List<Map<String, Object>> objects = read(ShippedConfigs.dir(env).resolve("crossplane/msk-connect.yaml"));
            tests.add(DynamicTest.dynamicTest(env, () -> assertEquals(List.of(), problems(objects), env)));
        }
        return tests.stream();
    }

    @Test
    void namesAreValidWhateverTheVersionString(@TempDir Path out) throws IOException {
        ConnectorConfigs configs = new ConnectorConfigs(PluginPath.projectRoot().resolve("connector-configs"));
        // a version like 0.1.0-SNAPSHOT must not give odds-update-bundle-0-1-0-SNAPSHOT, which the API server refuses
        for (String version : List.of("0.1.0-SNAPSHOT", "2.0.0+Build.7_RC1", "1733300000", "V3..4--X")) {
            Generate.render(configs, "prod", out.resolve(version), version);
            List<Map<String, Object>> objects = read(out.resolve(version).resolve("crossplane/msk-connect.yaml"));
            assertEquals(List.of(), problems(objects), version);
            String plugin = name(objects.stream().filter(o -> o.get("kind").equals("CustomPlugin")).findFirst().orElseThrow());
            assertTrue(plugin.startsWith("odds-update-bundle-") && plugin.length() > "odds-update-bundle-".length(), plugin);
        }
    }

    @Test
    void createOnlyObjectsAreNamedByWhatTheyAreMadeOf(@TempDir Path out) throws IOException {
        Path copy = GenerateTest.copyOfConnectorConfigs(out.resolve("configs"));
        Generate.render(new ConnectorConfigs(copy), "prod", out.resolve("a"), "1.0.0");
        GenerateTest.editJson(copy.resolve("environments/prod.json"), e -> ((com.fasterxml.jackson.databind.node.ObjectNode) e.get("worker"))
                .put("consumer.max.poll.records", "200"));
        Generate.render(new ConnectorConfigs(copy), "prod", out.resolve("b"), "1.0.1");
        Map<String, Object> workerA = only(read(out.resolve("a/crossplane/msk-connect.yaml")), "WorkerConfiguration");
        Map<String, Object> workerB = only(read(out.resolve("b/crossplane/msk-connect.yaml")), "WorkerConfiguration");
        // the provider's CRD: "This resource is create-only"; a change must be a new object
        assertFalse(name(workerA).equals(name(workerB)), "a changed worker configuration must get a new name: " + name(workerA));
        for (Map<String, Object> w : List.of(workerA, workerB)) {
            String props = (String) forProvider(w).get("propertiesFileContent");
            assertTrue(name(w).endsWith("-" + KubernetesNames.sha256Hex(props).substring(0, 10)), name(w));
            assertEquals(name(w), forProvider(w).get("name"), "the AWS name changes with the object's");
        }
        assertFalse(name(only(read(out.resolve("a/crossplane/msk-connect.yaml")), "CustomPlugin"))
                .equals(name(only(read(out.resolve("b/crossplane/msk-connect.yaml")), "CustomPlugin"))));
    }

    @Test
    void theCheckCatchesWhatTheApiServerRefuses() {
        Map<String, Object> bad = Generate.obj("apiVersion", "kafkaconnect.aws.upbound.io/v1beta1", "kind", "Connector",
                "metadata", Generate.obj("name", "odds-update-bundle-0-1-0-SNAPSHOT", "labels", Generate.obj("odds-update.io/connector", "-x")),
                "spec", Generate.obj("forProvider", Generate.obj("name", "x", "region", "eu-west-1",
                        "capacity", List.of(Generate.obj("autoscaling", List.of(Generate.obj("maxAutoscalingTaskCount", 3)))))));
        String problems = String.join("\n", problems(List.of(bad)));
        for (String expected : List.of("v1beta1 is not the storage version", "not a DNS-1123 subdomain", "label", "capacity must be an object",
                "kafkaCluster is required", "plugin is required")) {
            assertTrue(problems.contains(expected), expected + " in:\n" + problems);
        }
    }

    static List<String> problems(List<Map<String, Object>> objects) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> o : objects) {
            String kind = String.valueOf(o.get("kind"));
            String name = name(o);
            String where = kind + " " + name + ": ";
            if (!STORAGE_VERSIONS.containsKey(kind)) {
                problems.add(where + "unexpected kind");
                continue;
            }
            if (!STORAGE_VERSIONS.get(kind).equals(o.get("apiVersion"))) {
                problems.add(where + o.get("apiVersion") + " is not the storage version " + STORAGE_VERSIONS.get(kind));
            }
            // API server: metadata.name of a custom resource is a DNS-1123 subdomain (ValidateObjectMeta)
            if (name == null || !KubernetesNames.isSubdomain(name)) {
                problems.add(where + "metadata.name is not a DNS-1123 subdomain");
            }
            if (!seen.add(kind + "/" + name)) {
                problems.add(where + "two objects of one kind with one name");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> metadata = (Map<String, Object>) o.get("metadata");
            labelsAndAnnotations(where, metadata, problems);
            Map<String, Object> fp = forProvider(o);
            for (String required : REQUIRED.get(kind)) {
                if (Stream.of(required.split("\\|")).noneMatch(fp::containsKey)) {
                    problems.add(where + "spec.forProvider." + required + " is required");
                }
            }
            shapes(where, FIELDS.get(kind), fp, "", problems);
            references(where, fp, "", objects, problems);
        }
        return problems;
    }

    @SuppressWarnings("unchecked")
    private static void labelsAndAnnotations(String where, Map<String, Object> metadata, List<String> problems) {
        for (String field : List.of("labels", "annotations")) {
            Map<String, Object> m = (Map<String, Object>) metadata.getOrDefault(field, Map.of());
            m.forEach((k, v) -> {
                String[] parts = k.split("/", 2);
                String key = parts[parts.length - 1];
                if ((parts.length == 2 && !KubernetesNames.isSubdomain(parts[0])) || key.length() > 63 || !QUALIFIED_NAME_PART.matcher(key).matches()) {
                    problems.add(where + field + " key " + k + " is not a qualified name");
                }
                // label values: at most 63 characters, empty or alphanumeric at both ends
                if (field.equals("labels") && (String.valueOf(v).length() > 63 || !(String.valueOf(v).isEmpty() || QUALIFIED_NAME_PART.matcher(String.valueOf(v)).matches()))) {
                    problems.add(where + "label " + k + "=" + v + " is not a valid label value");
                }
            });
        }
    }

    @SuppressWarnings("unchecked")
    private static void shapes(String where, Map<String, String> fields, Map<String, Object> node, String prefix, List<String> problems) {
        node.forEach((k, v) -> {
            String path = prefix + k;
            String type = fields.get(path);
            if (type == null) {
                problems.add(where + path + " is not a field of this version (the API server prunes it)");
                return;
            }
            boolean ok = switch (type) {
                case "string" -> v instanceof String;
                case "number" -> v instanceof Number;
                case "boolean" -> v instanceof Boolean;
                case "map" -> v instanceof Map<?, ?> m && m.values().stream().allMatch(x -> x instanceof String);
                case "strings" -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String);
                case "ref" -> v instanceof Map<?, ?> m && m.get("name") instanceof String;
                case "object" -> v instanceof Map<?, ?>;
                case "list" -> v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Map<?, ?>);
                default -> false;
            };
            if (!ok) {
                problems.add(where + path + " must be " + (type.equals("object") ? "an object" : type.equals("list") ? "a list of objects" : type));
                return;
            }
            if (type.equals("object")) {
                shapes(where, fields, (Map<String, Object>) v, path + ".", problems);
            } else if (type.equals("list")) {
                ((List<Map<String, Object>>) v).forEach(item -> shapes(where, fields, item, path + "[].", problems));
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static void references(String where, Map<String, Object> node, String prefix, List<Map<String, Object>> objects, List<String> problems) {
        node.forEach((k, v) -> {
            String path = prefix + k;
            if (REFERENCES.containsKey(path) && v instanceof Map<?, ?> ref) {
                String kind = REFERENCES.get(path);
                if (objects.stream().noneMatch(o -> kind.equals(o.get("kind")) && ref.get("name").equals(name(o)))) {
                    problems.add(where + path + " names " + ref.get("name") + ", which is no " + kind + " of this file");
                }
            } else if (v instanceof Map<?, ?> m) {
                references(where, (Map<String, Object>) m, path + ".", objects, problems);
            } else if (v instanceof List<?> l) {
                l.stream().filter(x -> x instanceof Map<?, ?>).forEach(x -> references(where, (Map<String, Object>) x, path + "[].", objects, problems));
            }
        });
    }

    /** Every document of the file that is applied, read back with Jackson's YAML parser (a real YAML reader). */
    static List<Map<String, Object>> read(Path yaml) {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        List<Map<String, Object>> docs = new java.util.ArrayList<>();
        try (com.fasterxml.jackson.databind.MappingIterator<Map<String, Object>> it = mapper.readerFor(Map.class).readValues(Files.readString(yaml))) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return docs;
    }

    static List<String> mskEnvironments() {
        ConnectorConfigs configs = new ConnectorConfigs(PluginPath.projectRoot().resolve("connector-configs"));
        List<String> envs = configs.environments().stream().filter(e -> configs.environment(e).has("msk")).toList();
        assertFalse(envs.isEmpty());
        return envs;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> forProvider(Map<String, Object> o) {
        return (Map<String, Object>) ((Map<String, Object>) o.getOrDefault("spec", Map.of())).getOrDefault("forProvider", Map.of());
    }

    @SuppressWarnings("unchecked")
    static String name(Map<String, Object> o) {
        return (String) ((Map<String, Object>) o.getOrDefault("metadata", Map.of())).get("name");
    }

    private static Map<String, Object> only(List<Map<String, Object>> objects, String kind) {
        List<Map<String, Object>> of = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        assertEquals(1, of.size(), kind);
        return of.get(0);
    }
}
