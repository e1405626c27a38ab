package io.oddsupdate.connect.deploy;

import static io.oddsupdate.connect.deploy.Generate.obj;
import static io.oddsupdate.connect.deploy.Generate.write;
import static io.oddsupdate.connect.deploy.Generate.writeText;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The MSK Connect deployment of one environment (its {@code msk} section), under {@code <env>/}:
 * <pre>
 *   msk/worker-configuration.properties     the worker configuration, and its CreateWorkerConfiguration request
 *   msk/create-worker-configuration.json    (properties as base64) under a name versioned by the properties' hash
 *   msk/create-custom-plugin.json           CreateCustomPlugin for the bundle ZIP under its versioned S3 key
 *   msk/log-group.json                      the CloudWatch Logs group the workers log to, and its retention
 *   msk/metric-filters/&lt;filter&gt;.json     PutMetricFilter requests: our plugins' signal log lines as metrics ({@link SignalMetrics})
 *   msk/create-connector/&lt;name&gt;.json       CreateConnector request per connector (fixed capacity, IAM, TLS, logs)
 *   msk/iam/&lt;name&gt;.json, trust-policy.json  execution role policy per connector, and its trust policy
 *   msk/iam/deployer-policy.json            what the identity running the deployment needs (log delivery included)
 *   msk/alarms/&lt;alarm&gt;.json               PutMetricAlarm requests: per connector, errored and missing tasks, and
 *                                           its plugin's signals (dead letters, odds published, bronze objects, latency)
 *   msk/upgrade-plan.json                   the order bin/msk-upgrade deletes and re-creates connectors in
 *   crossplane/msk-connect.yaml             all of it as Crossplane managed resources ({@link Crossplane})
 * </pre>
 */
final class MskDeployment {

    /** MSK Connect's own topic prefix; an operator cleaning up old internal topics by it must not hit ours. */
    static final String MSK_INTERNAL_PREFIX = "__amazon_msk_connect";

    private final ConnectorConfigs configs;
    private final String env;
    private final JsonNode environment;
    private final JsonNode msk;
    private final Map<String, String> worker;
    private final String workerProps;
    private final String pluginVersion;

    MskDeployment(ConnectorConfigs configs, String env, JsonNode environment, Map<String, String> worker, String workerProps,
                  String pluginVersion) {
        this.configs = configs;
        this.env = env;
        this.environment = environment;
        this.msk = environment.path("msk");
        this.worker = worker;
        this.workerProps = workerProps;
        this.pluginVersion = pluginVersion;
    }

    void render(Path dir, Map<String, Map<String, String>> effective) throws IOException {
        checkOffsetsPinned();
        String region = msk.path("region").asText();
        String account = msk.path("accountId").asText();
        Path m = dir.resolve("msk");
        Crossplane crossplane = new Crossplane(env, region);

        // A worker configuration cannot be updated (no AWS API; the Crossplane CRD says create-only): its name carries
        // a hash of its properties, so a change is a new worker configuration and never a refused update.
        String workerConfigurationPrefix = msk.path("workerConfigurationName").asText();
        String workerConfigurationName = workerConfigurationPrefix + "-" + KubernetesNames.sha256Hex(workerProps).substring(0, 10);
        String workerDescription = "odds-update workers (" + env + "): converters, config providers, exactly-once source support, pinned offsets";
        writeText(m.resolve("worker-configuration.properties"), workerProps);
        write(m.resolve("create-worker-configuration.json"), obj("name", workerConfigurationName, "description", workerDescription,
                "propertiesFileContent", Base64.getEncoder().encodeToString(workerProps.getBytes(StandardCharsets.UTF_8))));

        JsonNode plugin = msk.path("customPlugin");
        // dots too become "-": the name MSK Connect shows and the object name stay one string
        String pluginName = KubernetesNames.subdomain((plugin.path("name").asText() + "-" + pluginVersion).replace('.', '-'));
        String bucketArn = "arn:aws:s3:::" + plugin.path("bucket").asText();
        String fileKey = plugin.path("keyPrefix").asText() + "odds-update-bundle-" + pluginVersion + ".zip";
        String pluginDescription = "odds-update plugin bundle " + pluginVersion;
        write(m.resolve("create-custom-plugin.json"), obj("name", pluginName, "description", pluginDescription, "contentType", "ZIP",
                "location", obj("s3Location", obj("bucketArn", bucketArn, "fileKey", fileKey))));

        String logGroup = msk.path("logGroup").asText();
        int retentionDays = msk.path("logRetentionDays").asInt(0);
        if (retentionDays <= 0) {
            throw new IllegalArgumentException("environment " + env + ": msk.logRetentionDays must be set (CloudWatch Logs keeps logs forever otherwise)");
        }
        write(m.resolve("log-group.json"), obj("logGroupName", logGroup, "retentionInDays", retentionDays));

        String pluginMeta = crossplane.customPlugin(pluginName, pluginDescription, bucketArn, fileKey);
        String workerMeta = crossplane.workerConfiguration(workerConfigurationName, workerDescription, workerProps);
        String logGroupMeta = crossplane.logGroup(logGroup, retentionDays);
        String alarmPrefix = KubernetesNames.subdomain("odds-update-" + env) + "-";
        List<String> filterRequests = new ArrayList<>();
        for (SignalMetrics.Filter f : SignalMetrics.filters(alarmPrefix)) {
            write(m.resolve("metric-filters").resolve(f.name() + ".json"), SignalMetrics.putMetricFilter(f, logGroup));
            filterRequests.add("metric-filters/" + f.name() + ".json");
            crossplane.metricFilter(f, logGroupMeta);
        }

        Map<String, Object> trust = IamPolicies.trustPolicy(msk);
        write(m.resolve("iam").resolve("trust-policy.json"), trust);
        String alarmTopic = msk.path("alarmTopicArn").asText("");
        DataFlow flow = new DataFlow(configs.connectors, effective.keySet());
        Map<String, Map<String, Object>> planned = new LinkedHashMap<>();
        List<String> roleNames = new ArrayList<>();

        for (Map.Entry<String, Map<String, String>> c : effective.entrySet()) {
            String name = c.getKey();
            Map<String, String> config = c.getValue();
            JsonNode access = configs.connectors.path(name);
            Generate.checkTopicsCovered(name, config, access);
            Capacity capacity = Capacity.of(name, access.path("capacity"), config);
            Map<String, Object> policy = IamPolicies.executionRole(name, config, access, msk, worker);
            write(m.resolve("iam").resolve(name + ".json"), policy);
            String roleName = msk.path("roleNamePrefix").asText() + name;
            roleNames.add(roleName);

            JsonNode cluster = msk.path("clusters").path(access.path("cluster").asText());
            String bootstrap = ConnectorConfigs.render(cluster.path("bootstrapServers").asText(), environment.path("vars"), name + " bootstrapServers");
            Map<String, Object> vpc = obj("securityGroups", Generate.strings(cluster.path("securityGroups")),
                    "subnets", Generate.strings(cluster.path("subnets")));

            Map<String, Object> req = new LinkedHashMap<>();
            req.put("connectorName", name);
            req.put("connectorDescription", access.path("description").asText());
            req.put("kafkaConnectVersion", msk.path("kafkaConnectVersion").asText());
            req.put("capacity", capacity.createConnectorCapacity());
            req.put("connectorConfiguration", config);
            putCluster(req, bootstrap, vpc);
            req.put("logDelivery", obj("workerLogDelivery", obj("cloudWatchLogs", obj("enabled", true, "logGroup", logGroup))));
            req.put("plugins", List.of(obj("customPlugin", obj("customPluginArn", Generate.DEPLOY_TIME + "customPluginArn", "revision", 1))));
            req.put("serviceExecutionRoleArn", "arn:aws:iam::" + account + ":role/" + roleName);
            req.put("workerConfiguration", obj("workerConfigurationArn", Generate.DEPLOY_TIME + "workerConfigurationArn", "revision", 1));
            write(m.resolve("create-connector").resolve(name + ".json"), req);

            List<Alarms.Alarm> alarms = new ArrayList<>(Alarms.of(alarmPrefix, name, capacity));
            alarms.addAll(SignalMetrics.alarms(alarmPrefix, name, config, msk.path("signalAlarms")));
            List<String> alarmNames = new ArrayList<>();
            for (Alarms.Alarm a : alarms) {
                write(m.resolve("alarms").resolve(a.name() + ".json"), Alarms.putMetricAlarm(a, name, alarmTopic));
                alarmNames.add(a.name());
            }

            String roleMeta = crossplane.role(name, roleName, json(trust));
            crossplane.rolePolicy(name, roleMeta, json(policy));
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("name", name);
            spec.put("description", access.path("description").asText());
            spec.put("kafkaconnectVersion", msk.path("kafkaConnectVersion").asText());
            spec.put("capacity", capacity.crossplaneCapacity());
            spec.put("connectorConfiguration", config);
            putCluster(spec, bootstrap, vpc);
            crossplane.connector(name, spec, pluginMeta, workerMeta, roleMeta, logGroupMeta);
            for (Alarms.Alarm a : alarms) {
                crossplane.metricAlarm(name, a, alarmTopic);
            }

            Map<String, Object> step = new LinkedHashMap<>();
            step.put("name", name);
            step.put("capacity", capacity.describe());
            step.put("minimumRunningTasks", capacity.minimumRunningTasks());
            step.put("upstream", new ArrayList<>(flow.upstreamOf(name)));
            step.put("downstream", new ArrayList<>(flow.downstreamOf(name)));
            step.put("role", roleName);
            step.put("policy", "iam/" + name + ".json");
            step.put("request", "create-connector/" + name + ".json");
            step.put("alarms", alarmNames);
            planned.put(name, step);
        }

        String pluginObjects = bucketArn + "/" + plugin.path("keyPrefix").asText() + "*";
        write(m.resolve("iam").resolve("deployer-policy.json"), IamPolicies.deployer(msk, pluginObjects, roleNames, logGroup, alarmPrefix,
                workerConfigurationPrefix, new ArrayList<>(effective.keySet())));

        List<Map<String, Object>> steps = new ArrayList<>();
        flow.downstreamFirst().forEach(n -> steps.add(planned.get(n)));
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("environment", env);
        plan.put("region", region);
        plan.put("why", "A custom plugin cannot be updated in place: every connector is deleted and created again under the same"
                + " name with the new plugin version, resuming from its pinned offsets (worker offset.storage.topic) or its"
                + " consumer group. One connector at a time, downstream first (readers before writers); a connector is created"
                + " only once the old one is gone, so the two never run at once. See docs/msk-connect.md.");
        plan.put("customPlugin", obj("name", pluginName, "request", "create-custom-plugin.json", "bucket", plugin.path("bucket").asText(), "key", fileKey));
        plan.put("workerConfiguration", obj("name", workerConfigurationName, "request", "create-worker-configuration.json"));
        plan.put("logGroup", obj("name", logGroup, "retentionInDays", retentionDays, "metricFilters", filterRequests));
        plan.put("trustPolicy", "iam/trust-policy.json");
        plan.put("connectors", steps);
        write(m.resolve("upgrade-plan.json"), plan);

        writeText(dir.resolve("crossplane").resolve("msk-connect.yaml"), crossplane.yaml());
    }

    /**
     * MSK Connect gives each newly created connector a new offsets topic unless the worker configuration names one
     * (AWS MSK developer guide, "Manage source connector offsets using offset.storage.topic"); a source connector
     * re-created by an upgrade would then start over (MirrorMaker from the vendor's earliest offset).
     */
    private void checkOffsetsPinned() {
        String topic = worker.getOrDefault(IamPolicies.OFFSET_STORAGE_TOPIC, "");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("environment " + env + ": worker.offset.storage.topic must be set for MSK Connect,"
                    + " or every re-created source connector starts from scratch");
        }
        if (topic.startsWith(MSK_INTERNAL_PREFIX)) {
            throw new IllegalArgumentException("environment " + env + ": worker.offset.storage.topic " + topic + " starts with "
                    + MSK_INTERNAL_PREFIX + ", the prefix AWS tells operators to clean up old internal topics by");
        }
    }

    /** The same in a CreateConnector request and a v1beta2 Connector: our MSK clusters take IAM over TLS. */
    private static void putCluster(Map<String, Object> target, String bootstrap, Map<String, Object> vpc) {
        target.put("kafkaCluster", obj("apacheKafkaCluster", obj("bootstrapServers", bootstrap, "vpc", vpc)));
        target.put("kafkaClusterClientAuthentication", obj("authenticationType", "IAM"));
        target.put("kafkaClusterEncryptionInTransit", obj("encryptionType", "TLS"));
    }

    private static String json(Object value) {
        try {
            return ConnectorConfigs.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
