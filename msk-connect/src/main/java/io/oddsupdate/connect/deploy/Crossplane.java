package io.oddsupdate.connect.deploy;

import static io.oddsupdate.connect.deploy.Generate.obj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deployment as Crossplane managed resources of the AWS provider (crossplane-contrib/provider-upjet-aws, formerly
 * upbound/provider-aws), one object per AWS resource, wired by references so each waits for what it needs.
 *
 * <p>Each kind is emitted in its CRD's storage version ({@code storage: true} in the provider's
 * {@code package/crds/<group>_<plural>.yaml}, read for provider release v2.6 and later): {@code kafkaconnect} Connector and
 * CustomPlugin {@code v1beta2} (their {@code v1beta1} is deprecated since v2.6.0), WorkerConfiguration {@code v1beta1}
 * (its only version), IAM Role and RolePolicy {@code v1beta1}, CloudWatch Logs Group {@code v1beta1} and MetricFilter
 * {@code v1beta2}, CloudWatch MetricAlarm {@code v1beta2}. In the v1beta2 kinds, nested blocks the provider knows to be single (capacity,
 * kafkaCluster, logDelivery, location...) are objects; v1beta1 wrapped them in one-element lists. {@code plugin} stays
 * a list in v1beta2.
 *
 * <p>Names: every {@code metadata.name} is a DNS-1123 subdomain ({@link KubernetesNames}). CustomPlugin and
 * WorkerConfiguration cannot be updated (the CRDs say so: "create-only"; AWS has no update API), so their names carry
 * what they are made of: the plugin version, and a hash of the worker properties. A changed worker configuration is
 * then a new object, not an update the provider would refuse. A Connector cannot be changed either except for its
 * capacity ("Changes to any parameter besides scaling will be rejected"): upgrading one is delete-then-create, in the
 * order of {@code msk/upgrade-plan.json} (docs/msk-connect.md).
 */
final class Crossplane {

    static final String KAFKACONNECT_V1BETA2 = "kafkaconnect.aws.upbound.io/v1beta2";
    static final String KAFKACONNECT_V1BETA1 = "kafkaconnect.aws.upbound.io/v1beta1";
    static final String IAM_V1BETA1 = "iam.aws.upbound.io/v1beta1";
    static final String CLOUDWATCHLOGS_V1BETA1 = "cloudwatchlogs.aws.upbound.io/v1beta1";
    static final String CLOUDWATCHLOGS_V1BETA2 = "cloudwatchlogs.aws.upbound.io/v1beta2";
    static final String CLOUDWATCH_V1BETA2 = "cloudwatch.aws.upbound.io/v1beta2";

    static final String PART_OF = "app.kubernetes.io/part-of";
    static final String ENVIRONMENT_LABEL = "odds-update.io/environment";
    /** On every object that belongs to one connector, so its upgrade can select them: {@code kubectl ... -l}. */
    static final String CONNECTOR_LABEL = "odds-update.io/connector";
    static final String EXTERNAL_NAME = "crossplane.io/external-name";

    private final String env;
    private final String region;
    private final List<Map<String, Object>> objects = new ArrayList<>();

    Crossplane(String env, String region) {
        this.env = env;
        this.region = region;
    }

    List<Map<String, Object>> objects() {
        return objects;
    }

    /** Returns the object's name, for references. */
    String customPlugin(String name, String description, String bucketArn, String fileKey) {
        String meta = KubernetesNames.subdomain(name);
        add(KAFKACONNECT_V1BETA2, "CustomPlugin", meta, null, null, obj("region", region, "name", name, "description", description,
                "contentType", "ZIP", "location", obj("s3", obj("bucketArn", bucketArn, "fileKey", fileKey))));
        return meta;
    }

    String workerConfiguration(String name, String description, String properties) {
        String meta = KubernetesNames.subdomain(name);
        add(KAFKACONNECT_V1BETA1, "WorkerConfiguration", meta, null, null, obj("region", region, "name", name,
                "description", description, "propertiesFileContent", properties));
        return meta;
    }

    /** The log group, named by its path through the external-name annotation ("/" cannot be in metadata.name). */
    String logGroup(String logGroup, int retentionDays) {
        String meta = KubernetesNames.subdomain(logGroup);
        add(CLOUDWATCHLOGS_V1BETA1, "Group", meta, null, obj(EXTERNAL_NAME, logGroup),
                obj("region", region, "retentionInDays", retentionDays));
        return meta;
    }

    /** A metric filter on the log group; the filter's name is its object's name. */
    void metricFilter(SignalMetrics.Filter filter, String logGroupMeta) {
        if (!KubernetesNames.subdomain(filter.name()).equals(filter.name())) {
            throw new IllegalArgumentException("metric filter " + filter.name() + " is not a DNS-1123 name (its object's name is the filter's name)");
        }
        add(CLOUDWATCHLOGS_V1BETA2, "MetricFilter", filter.name(), null, null, SignalMetrics.crossplane(filter, region, logGroupMeta));
    }

    String role(String connector, String roleName, String trustPolicyJson) {
        String meta = KubernetesNames.subdomain(roleName);
        if (!meta.equals(roleName)) {
            throw new IllegalArgumentException("IAM role " + roleName + ": the role's name is its object's name, so it must be"
                    + " a lowercase DNS-1123 name (roleNamePrefix in the environment's msk section)");
        }
        add(IAM_V1BETA1, "Role", meta, connector, null, obj("assumeRolePolicy", trustPolicyJson,
                "description", "MSK Connect service execution role of " + connector + " (" + env + ")"));
        return meta;
    }

    void rolePolicy(String connector, String roleMeta, String policyJson) {
        add(IAM_V1BETA1, "RolePolicy", roleMeta, connector, null, obj("policy", policyJson, "roleRef", obj("name", roleMeta)));
    }

    /**
     * @param spec the Connector's forProvider without its references; the references to the plugin, worker
     *             configuration, role and log group are added here
     */
    void connector(String connector, Map<String, Object> spec, String pluginMeta, String workerConfigurationMeta, String roleMeta,
                   String logGroupMeta) {
        Map<String, Object> fp = new LinkedHashMap<>(spec);
        fp.put("region", region);
        fp.put("plugin", List.of(obj("customPlugin", obj("arnRef", obj("name", pluginMeta), "revision", 1))));
        fp.put("workerConfiguration", obj("arnRef", obj("name", workerConfigurationMeta), "revision", 1));
        fp.put("serviceExecutionRoleArnRef", obj("name", roleMeta));
        fp.put("logDelivery", obj("workerLogDelivery", obj("cloudwatchLogs", obj("enabled", true, "logGroupRef", obj("name", logGroupMeta)))));
        add(KAFKACONNECT_V1BETA2, "Connector", KubernetesNames.subdomain(connector), connector, null, fp);
    }

    void metricAlarm(String connector, Alarms.Alarm alarm, String alarmTopicArn) {
        String meta = KubernetesNames.subdomain(alarm.name());
        if (!meta.equals(alarm.name())) {
            throw new IllegalArgumentException("alarm " + alarm.name() + " is not a DNS-1123 name (its object's name is the alarm's name)");
        }
        add(CLOUDWATCH_V1BETA2, "MetricAlarm", meta, connector, null, Alarms.crossplane(alarm, connector, region, alarmTopicArn));
    }

    /** The objects as one multi-document YAML file. */
    String yaml() {
        StringBuilder yaml = new StringBuilder("# Generated from connector-configs/ (environment " + env + ") by msk-connect's Generate: do not edit.\n"
                + "# Upgrade a connector by delete-then-create, in the order of msk/upgrade-plan.json (docs/msk-connect.md).\n");
        for (Map<String, Object> doc : objects) {
            yaml.append("---\n").append(Yaml.write(doc));
        }
        return yaml.toString();
    }

    private void add(String apiVersion, String kind, String name, String connector, Map<String, Object> annotations,
                     Map<String, Object> forProvider) {
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put(PART_OF, "odds-update");
        labels.put(ENVIRONMENT_LABEL, env);
        if (connector != null) {
            labels.put(CONNECTOR_LABEL, connector);
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        metadata.put("labels", labels);
        if (annotations != null) {
            metadata.put("annotations", annotations);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", apiVersion);
        doc.put("kind", kind);
        doc.put("metadata", metadata);
        doc.put("spec", obj("forProvider", forProvider));
        objects.add(doc);
    }
}
