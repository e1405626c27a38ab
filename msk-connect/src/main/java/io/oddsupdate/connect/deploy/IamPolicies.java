package io.oddsupdate.connect.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The least-privilege policy of each connector's MSK Connect service execution role, derived from the same source as
 * the connector: Kafka topics and groups from {@code connectors.json}, and from the effective config the secrets it
 * references (and the key they are encrypted with), whether it talks to Glue (and may register), and the S3
 * bucket/prefix and KMS key it writes with; from the worker configuration, the pinned offsets topic and, when the
 * workers run exactly-once source support, the transactions of the worker's cluster. Also the policy of whoever runs
 * the deployment ({@link #deployer}).
 *
 * <p>Actions and resources follow the AWS MSK developer guide, "IAM access control" (the {@code kafka-cluster:} actions
 * and topic/group/transactional-id ARNs) and "Service execution role" (MSK Connect's own {@code __amazon_msk_connect_*}
 * topics and groups).
 */
final class IamPolicies {

    static final String EXACTLY_ONCE_SOURCE_SUPPORT = "exactly.once.source.support";
    static final String OFFSET_STORAGE_TOPIC = "offset.storage.topic";
    /**
     * The environment's {@code msk.configProviderKmsKeyArn}: the customer-managed key the secrets the config provider
     * reads are encrypted with, if any (none: the AWS managed key, which needs no grant).
     */
    static final String SECRETS_KMS_KEY = "configProviderKmsKeyArn";
    private static final Pattern SECRET_REF = Pattern.compile("\\$\\{secretsmanager:([^:}]+):[^}]*}");

    private IamPolicies() {
    }

    /** {@code worker}: the environment's worker settings ({@code exactly.once.source.support}, {@code offset.storage.topic}). */
    static Map<String, Object> executionRole(String connector, Map<String, String> config, JsonNode access, JsonNode msk,
                                             Map<String, String> worker) {
        String region = msk.path("region").asText();
        String account = msk.path("accountId").asText();
        String workerCluster = access.path("cluster").asText();
        List<Object> statements = new ArrayList<>();

        Set<String> clusters = new LinkedHashSet<>();
        clusters.add(workerCluster);
        access.path("kafka").forEach(k -> clusters.add(k.path("cluster").asText()));
        List<String> clusterArns = new ArrayList<>();
        for (String c : clusters) {
            clusterArns.add(kafkaArn(msk, c, "cluster", null));
        }
        statements.add(statement("KafkaConnect", List.of("kafka-cluster:Connect", "kafka-cluster:DescribeCluster"), clusterArns));

        // The worker's own topics and groups on its cluster: MSK Connect's __amazon_msk_connect_* (config, status, and
        // the offsets of a worker configuration without offset.storage.topic), and the pinned offsets topic. Connect reads
        // each back at start-up and checks that it is compacted (DescribeConfigs; only a warning when denied).
        List<String> internalTopics = new ArrayList<>(List.of(kafkaArn(msk, workerCluster, "topic", "__amazon_msk_connect_*")));
        String offsetsTopic = worker.get(OFFSET_STORAGE_TOPIC);
        if (offsetsTopic != null && !offsetsTopic.isBlank()) {
            internalTopics.add(kafkaArn(msk, workerCluster, "topic", offsetsTopic));
        }
        statements.add(statement("WorkerInternalTopics", List.of("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic",
                "kafka-cluster:DescribeTopicDynamicConfiguration", "kafka-cluster:ReadData", "kafka-cluster:WriteData"), internalTopics));
        statements.add(statement("WorkerInternalGroups", List.of("kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"),
                List.of(kafkaArn(msk, workerCluster, "group", "__amazon_msk_connect_*"))));
        // Kafka 3.x producers are idempotent by default (KIP-679): InitProducerId needs WriteDataIdempotently on every
        // cluster a connector writes to, its worker's (internal topics) and any other (e.g. core-to-edge's offset syncs on
        // core). Without it a 3.x producer fails with ClusterAuthorizationException under IAM.
        Set<String> writtenClusters = new LinkedHashSet<>();
        writtenClusters.add(workerCluster);
        access.path("kafka").forEach(k -> {
            if (k.path("write").size() > 0) {
                writtenClusters.add(k.path("cluster").asText());
            }
        });
        List<String> writtenArns = new ArrayList<>();
        writtenClusters.forEach(c -> writtenArns.add(kafkaArn(msk, c, "cluster", null)));
        statements.add(statement("IdempotentWrites", List.of("kafka-cluster:WriteDataIdempotently"), writtenArns));
        if ("enabled".equals(worker.get(EXACTLY_ONCE_SOURCE_SUPPORT))) {
            // KIP-618: every worker's leader writes the config topic transactionally (id "connect-cluster-<group.id>",
            // Connect 3.7's DistributedConfig.transactionalProducerId), a source task's producer is transactional (id
            // "<group.id>-<connector>-<task>") and the leader fences a task's old producers before new ones start;
            // group.id is MSK's, so the same prefix as the worker's groups.
            statements.add(statement("WorkerTransactions", List.of("kafka-cluster:DescribeTransactionalId",
                    "kafka-cluster:AlterTransactionalId"), List.of(kafkaArn(msk, workerCluster, "transactional-id", "__amazon_msk_connect_*"),
                    kafkaArn(msk, workerCluster, "transactional-id", KafkaAcls.LEADER_TRANSACTIONAL_ID_PREFIX + "__amazon_msk_connect_*"))));
        }

        for (JsonNode k : access.path("kafka")) {
            String c = k.path("cluster").asText();
            String suffix = capitalize(c);
            addTopics(statements, "Read" + suffix, k.path("read"), msk, c,
                    List.of("kafka-cluster:DescribeTopic", "kafka-cluster:DescribeTopicDynamicConfiguration", "kafka-cluster:ReadData"));
            addTopics(statements, "Write" + suffix, k.path("write"), msk, c, List.of("kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"));
            // MirrorMaker creates target topics and adds partitions when the source grows (AlterTopic).
            addTopics(statements, "Create" + suffix, k.path("create"), msk, c,
                    List.of("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:AlterTopic", "kafka-cluster:DescribeTopicDynamicConfiguration"));
            List<String> groups = new ArrayList<>();
            k.path("groups").forEach(g -> groups.add(kafkaArn(msk, c, "group", g.asText())));
            if (!groups.isEmpty()) {
                statements.add(statement("Groups" + suffix, List.of("kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"), groups));
            }
        }

        Set<String> secrets = new LinkedHashSet<>();
        config.values().forEach(v -> {
            Matcher m = SECRET_REF.matcher(v);
            while (m.find()) {
                // Secrets Manager appends 6 random characters to a secret's ARN
                secrets.add(String.format("arn:aws:secretsmanager:%s:%s:secret:%s-??????", region, account, m.group(1)));
            }
        });
        if (!secrets.isEmpty()) {
            statements.add(statement("ReadReferencedSecrets", List.of("secretsmanager:GetSecretValue"), new ArrayList<>(secrets)));
            String key = msk.path(SECRETS_KMS_KEY).asText("");
            if (!key.isBlank()) {
                // Secrets under a customer-managed key: GetSecretValue decrypts with the caller's permissions
                // (Secrets Manager user guide, "Secret encryption and decryption"), only through Secrets Manager.
                Map<String, Object> decrypt = statement("DecryptReferencedSecrets", List.of("kms:Decrypt"), List.of(key));
                decrypt.put("Condition", Generate.obj("StringEquals", Generate.obj("kms:ViaService", "secretsmanager." + region + ".amazonaws.com")));
                statements.add(decrypt);
            }
        }

        Set<String> registries = new LinkedHashSet<>();
        boolean autoRegistration = false;
        for (Map.Entry<String, String> e : config.entrySet()) {
            if (e.getKey().endsWith("glue.region") && !e.getValue().isBlank()) {
                String prefix = e.getKey().substring(0, e.getKey().length() - "glue.region".length());
                registries.add(config.getOrDefault(prefix + "glue.registry.name", "odds-update"));
                autoRegistration |= Boolean.parseBoolean(config.getOrDefault(prefix + "glue.schema.auto.registration", "false"));
            }
        }
        if (!registries.isEmpty()) {
            List<String> arns = new ArrayList<>();
            for (String r : registries) {
                arns.add("arn:aws:glue:" + region + ":" + account + ":registry/" + r);
                arns.add("arn:aws:glue:" + region + ":" + account + ":schema/" + r + "/*");
            }
            statements.add(statement("ReadSchemas", List.of("glue:GetSchemaByDefinition", "glue:GetSchemaVersion"), arns));
            if (autoRegistration) {
                statements.add(statement("RegisterSchemas", List.of("glue:GetSchema", "glue:CreateSchema",
                        "glue:RegisterSchemaVersion", "glue:PutSchemaVersionMetadata"), arns));
            }
        }

        String bucket = config.get("s3.bucket");
        if (bucket != null) {
            String prefix = config.getOrDefault("s3.prefix", "");
            // s3:GetObject for the HeadObject before each completion (s3.conditional.writes: a zombie task must not win)
            statements.add(statement("WriteBronzeObjects", List.of("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload",
                            "s3:ListMultipartUploadParts"),
                    List.of("arn:aws:s3:::" + bucket + "/" + (prefix.isEmpty() ? "" : prefix + "/") + "*")));
            if ("aws:kms".equals(config.get("s3.sse")) && !config.getOrDefault("s3.sse.kms.key.id", "").isBlank()) {
                // multipart uploads under SSE-KMS need Decrypt as well as GenerateDataKey
                statements.add(statement("EncryptBronzeObjects", List.of("kms:GenerateDataKey", "kms:Decrypt"),
                        List.of(config.get("s3.sse.kms.key.id"))));
            }
        }

        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", statements);
        return policy;
    }

    /**
     * The policy of whoever runs the deployment (the AWS CLI user or {@code bin/msk-upgrade}'s role, or the Crossplane
     * provider's role): create the custom plugin, worker configuration, connectors and their roles, the log group and
     * the alarms. Log delivery to CloudWatch Logs is set up with the *caller's* permissions (AWS MSK developer guide,
     * "Examples of IAM policies for MSK Connect", and CloudWatch Logs user guide, "Enabling logging from AWS services":
     * {@code logs:CreateLogDelivery}... and {@code logs:PutResourcePolicy} on the log group's resource policy), so a
     * caller without them gets connectors that log nowhere.
     */
    static Map<String, Object> deployer(JsonNode msk, String pluginObjectArnPattern, List<String> roleNames, String logGroup,
                                        String alarmPrefix, String workerConfigurationPrefix, List<String> connectors) {
        String region = msk.path("region").asText();
        String account = msk.path("accountId").asText();
        String kc = "arn:aws:kafkaconnect:" + region + ":" + account + ":";
        List<Object> statements = new ArrayList<>();
        List<String> ours = new ArrayList<>();
        ours.add(kc + "custom-plugin/" + msk.path("customPlugin").path("name").asText() + "-*/*");
        ours.add(kc + "worker-configuration/" + workerConfigurationPrefix + "-*/*");
        connectors.forEach(c -> ours.add(kc + "connector/" + c + "/*"));
        statements.add(statement("MskConnectResources", List.of("kafkaconnect:CreateCustomPlugin", "kafkaconnect:DescribeCustomPlugin",
                "kafkaconnect:CreateWorkerConfiguration", "kafkaconnect:DescribeWorkerConfiguration",
                "kafkaconnect:CreateConnector", "kafkaconnect:DescribeConnector", "kafkaconnect:DeleteConnector",
                "kafkaconnect:UpdateConnector"), ours));
        statements.add(statement("MskConnectLists", List.of("kafkaconnect:ListCustomPlugins", "kafkaconnect:ListWorkerConfigurations",
                "kafkaconnect:ListConnectors"), List.of("*")));
        // MSK Connect places the workers' network interfaces in the connector's subnets with the caller's permissions.
        statements.add(statement("MskConnectNetwork", List.of("ec2:CreateNetworkInterface", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
                "ec2:DescribeSecurityGroups"), List.of("*")));
        List<String> roles = new ArrayList<>();
        roleNames.forEach(r -> roles.add("arn:aws:iam::" + account + ":role/" + r));
        statements.add(statement("ManageExecutionRoles", List.of("iam:CreateRole", "iam:GetRole", "iam:PutRolePolicy", "iam:GetRolePolicy"), roles));
        Map<String, Object> pass = statement("PassExecutionRoles", List.of("iam:PassRole"), roles);
        pass.put("Condition", Generate.obj("StringEquals", Generate.obj("iam:PassedToService", "kafkaconnect.amazonaws.com")));
        statements.add(pass);
        Map<String, Object> slr = statement("ServiceLinkedRoles", List.of("iam:CreateServiceLinkedRole"), List.of(
                "arn:aws:iam::" + account + ":role/aws-service-role/kafkaconnect.amazonaws.com/AWSServiceRoleForKafkaConnect*",
                "arn:aws:iam::" + account + ":role/aws-service-role/delivery.logs.amazonaws.com/AWSServiceRoleForLogDelivery*"));
        slr.put("Condition", Generate.obj("StringLike", Generate.obj("iam:AWSServiceName",
                List.of("kafkaconnect.amazonaws.com", "delivery.logs.amazonaws.com"))));
        statements.add(slr);
        // MSK Connect copies the plugin ZIP from S3 with the caller's permissions when the custom plugin is created.
        statements.add(statement("ReadPluginZip", List.of("s3:GetObject"), List.of(pluginObjectArnPattern)));
        statements.add(statement("LogDelivery", List.of("logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups"), List.of("*")));
        String group = "arn:aws:logs:" + region + ":" + account + ":log-group:" + logGroup;
        statements.add(statement("LogGroup", List.of("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource",
                "logs:PutMetricFilter", "logs:DescribeMetricFilters", "logs:DeleteMetricFilter"),
                List.of(group, group + ":*")));
        statements.add(statement("Alarms", List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms",
                "cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"),
                List.of("arn:aws:cloudwatch:" + region + ":" + account + ":alarm:" + alarmPrefix + "*")));
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", statements);
        return policy;
    }

    /** Who may assume the execution roles: MSK Connect, for connectors of this account only. */
    static Map<String, Object> trustPolicy(JsonNode msk) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Effect", "Allow");
        s.put("Principal", Generate.obj("Service", "kafkaconnect.amazonaws.com"));
        s.put("Action", "sts:AssumeRole");
        s.put("Condition", Generate.obj(
                "StringEquals", Generate.obj("aws:SourceAccount", msk.path("accountId").asText()),
                "ArnLike", Generate.obj("aws:SourceArn", "arn:aws:kafkaconnect:" + msk.path("region").asText() + ":" + msk.path("accountId").asText() + ":connector/*")));
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("Version", "2012-10-17");
        policy.put("Statement", List.of(s));
        return policy;
    }

    /** True if an IAM resource name pattern ({@code *} and {@code ?} wildcards) covers {@code name}. */
    static boolean covers(String pattern, String name) {
        return name.matches(Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q"));
    }

    /**
     * True if some topic name could match both patterns: one covers the other, or both end in {@code *} and one's
     * literal prefix starts the other's. Good for the grants we write (literal names and {@code prefix*}).
     */
    static boolean overlaps(String a, String b) {
        if (covers(a, b) || covers(b, a)) {
            return true;
        }
        if (a.endsWith("*") && b.endsWith("*")) {
            String pa = a.substring(0, a.length() - 1);
            String pb = b.substring(0, b.length() - 1);
            return pa.startsWith(pb) || pb.startsWith(pa);
        }
        return false;
    }

    static String kafkaArn(JsonNode msk, String cluster, String type, String name) {
        JsonNode c = msk.path("clusters").path(cluster);
        if (c.isMissingNode()) {
            throw new IllegalArgumentException("no MSK cluster '" + cluster + "' in the environment's msk.clusters");
        }
        String base = "arn:aws:kafka:" + msk.path("region").asText() + ":" + msk.path("accountId").asText() + ":" + type + "/"
                + c.path("name").asText() + "/" + c.path("uuid").asText();
        return name == null ? base : base + "/" + name;
    }

    private static void addTopics(List<Object> statements, String sid, JsonNode topics, JsonNode msk, String cluster, List<String> actions) {
        List<String> arns = new ArrayList<>();
        topics.forEach(t -> arns.add(kafkaArn(msk, cluster, "topic", t.asText())));
        if (!arns.isEmpty()) {
            statements.add(statement(sid, actions, arns));
        }
    }

    private static Map<String, Object> statement(String sid, List<String> actions, List<String> resources) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Sid", sid);
        s.put("Effect", "Allow");
        s.put("Action", actions);
        s.put("Resource", resources);
        return s;
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
