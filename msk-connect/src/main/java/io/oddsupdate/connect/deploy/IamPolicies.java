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
 * references, whether it talks to Glue (and may register), and the S3 bucket/prefix and KMS key it writes with; and,
 * when the environment's workers run exactly-once source support, the transactions of the worker's cluster.
 */
final class IamPolicies {

    static final String EXACTLY_ONCE_SOURCE_SUPPORT = "exactly.once.source.support";
    private static final Pattern SECRET_REF = Pattern.compile("\\$\\{secretsmanager:([^:}]+):[^}]*}");

    private IamPolicies() {
    }

    /** {@code worker}: the environment's worker settings ({@code exactly.once.source.support}). */
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

        // The worker's own topics and groups on its cluster (MSK Connect names them __amazon_msk_connect_*).
        statements.add(statement("WorkerInternalTopics", List.of("kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic",
                "kafka-cluster:ReadData", "kafka-cluster:WriteData"), List.of(kafkaArn(msk, workerCluster, "topic", "__amazon_msk_connect_*"))));
        statements.add(statement("WorkerInternalGroups", List.of("kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"),
                List.of(kafkaArn(msk, workerCluster, "group", "__amazon_msk_connect_*"))));
        if ("enabled".equals(worker.get(EXACTLY_ONCE_SOURCE_SUPPORT))) {
            // KIP-618: every worker's leader writes the config topic transactionally (id "<group.id>-leader"), a source
            // task's producer is transactional (id "<group.id>-<connector>-<task>") and the leader fences a task's old
            // producers before new ones start; group.id is MSK's, so the same prefix as the worker's groups.
            statements.add(statement("WorkerTransactions", List.of("kafka-cluster:DescribeTransactionalId",
                    "kafka-cluster:AlterTransactionalId"), List.of(kafkaArn(msk, workerCluster, "transactional-id", "__amazon_msk_connect_*"))));
            statements.add(statement("WorkerIdempotentWrites", List.of("kafka-cluster:WriteDataIdempotently"),
                    List.of(kafkaArn(msk, workerCluster, "cluster", null))));
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
