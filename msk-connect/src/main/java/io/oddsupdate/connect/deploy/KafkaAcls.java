package io.oddsupdate.connect.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Kafka ACLs of each connector, for clusters that authorize by ACL instead of IAM (self-managed Kafka, MSK with
 * SASL/SCRAM): the same grants of {@code connectors.json} that {@link IamPolicies} turns into an execution role,
 * action by action, so one file says what a connector may do on either kind of cluster. Each connector is one
 * principal (e.g. {@code User:odds-sink}, its SCRAM user); the Connect workers are another ({@link #worker}), which
 * may use only their own topics, group and leader transaction.
 *
 * <p>The IAM actions and the ACL operations the broker checks for the same requests (AWS MSK developer guide, "IAM
 * access control", the table of actions; Kafka's {@code AclAuthorizer} / {@code StandardAuthorizer}):
 * <table>
 *   <caption>IAM action → ACL</caption>
 *   <tr><th>IAM action</th><th>ACL</th></tr>
 *   <tr><td>{@code ReadData}</td><td>TOPIC {@code READ}</td></tr>
 *   <tr><td>{@code WriteData}</td><td>TOPIC {@code WRITE}</td></tr>
 *   <tr><td>{@code DescribeTopic}</td><td>TOPIC {@code DESCRIBE}</td></tr>
 *   <tr><td>{@code DescribeTopicDynamicConfiguration}</td><td>TOPIC {@code DESCRIBE_CONFIGS}</td></tr>
 *   <tr><td>{@code CreateTopic}</td><td>TOPIC {@code CREATE}</td></tr>
 *   <tr><td>{@code AlterTopic}</td><td>TOPIC {@code ALTER} (CreatePartitions)</td></tr>
 *   <tr><td>{@code AlterGroup}</td><td>GROUP {@code READ} (join, sync, commit offsets)</td></tr>
 *   <tr><td>{@code DescribeGroup}</td><td>GROUP {@code DESCRIBE}</td></tr>
 *   <tr><td>{@code AlterTransactionalId}</td><td>TRANSACTIONAL_ID {@code WRITE}</td></tr>
 *   <tr><td>{@code DescribeTransactionalId}</td><td>TRANSACTIONAL_ID {@code DESCRIBE}</td></tr>
 *   <tr><td>{@code WriteDataIdempotently}</td><td>CLUSTER {@code IDEMPOTENT_WRITE}</td></tr>
 *   <tr><td>{@code Connect}, {@code DescribeCluster}</td><td>none: a SASL login is the connect, and metadata needs no ACL</td></tr>
 * </table>
 * A grant {@code raw.events.*} is the PREFIXED pattern {@code raw.events.}; any other name is LITERAL. IAM's {@code ?}
 * and a {@code *} anywhere but at the end have no ACL equivalent and are refused, naming the connector.
 */
public final class KafkaAcls {

    /** IAM's topic grants of each kind ({@link IamPolicies#executionRole}) as ACL operations. */
    static final Map<String, List<AclOperation>> TOPIC_GRANTS = Map.of(
            "read", List.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS),
            "write", List.of(AclOperation.WRITE, AclOperation.DESCRIBE),
            "create", List.of(AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS));
    static final List<AclOperation> GROUP = List.of(AclOperation.READ, AclOperation.DESCRIBE);
    /**
     * The leader's transactional id is this and the group id (Connect 3.7's
     * {@code DistributedConfig.transactionalProducerId}), not {@code <group.id>-leader} as KIP-618's text has it.
     */
    static final String LEADER_TRANSACTIONAL_ID_PREFIX = "connect-cluster-";
    static final List<AclOperation> TRANSACTIONAL_ID = List.of(AclOperation.WRITE, AclOperation.DESCRIBE);
    /** The worker's config, offsets and status topics: Connect creates them, checks they are compacted, reads and writes them. */
    static final List<AclOperation> WORKER_TOPIC = List.of(AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.READ, AclOperation.WRITE);

    /**
     * A Connect cluster as its ACLs see it: the Kafka cluster its workers use (a name of {@code connectors.json},
     * e.g. {@code core}), its {@code group.id}, its {@code config.storage.topic}, {@code offset.storage.topic},
     * {@code status.storage.topic}, and whether it runs {@code exactly.once.source.support=enabled}.
     */
    public record Worker(String cluster, String groupId, String configTopic, String offsetsTopic, String statusTopic,
                         boolean exactlyOnce) {
    }

    private KafkaAcls() {
    }

    /**
     * Prints, for a self-managed Connect cluster running every connector of {@code connector-configs/}, the
     * {@code kafka-acls.sh} commands creating the workers' and each connector's ACLs, grouped by the cluster (a name of
     * {@code connectors.json}) to run them against. Arguments: the {@code connector-configs} directory, the workers'
     * cluster, {@code group.id}, config, offsets and status topics, {@code exactly.once.source.support} ({@code enabled}
     * or not), and the workers' principal.
     */
    public static void main(String[] args) {
        if (args.length != 8) {
            System.err.println("usage: KafkaAcls <connector-configs dir> <worker cluster> <group.id> <config topic> <offsets topic>"
                    + " <status topic> <exactly.once.source.support> <worker principal, e.g. User:connect-worker>");
            System.exit(2);
        }
        ConnectorConfigs configs = new ConnectorConfigs(java.nio.file.Path.of(args[0]));
        Worker worker = new Worker(args[1], args[2], args[3], args[4], args[5], "enabled".equals(args[6]));
        Map<String, List<AclBinding>> all = new LinkedHashMap<>();
        all.computeIfAbsent(worker.cluster(), c -> new ArrayList<>()).addAll(worker(args[7], worker));
        for (String connector : configs.connectorNames()) {
            connector(connector, configs.access(connector), "User:" + connector, worker)
                    .forEach((cluster, bindings) -> all.computeIfAbsent(cluster, c -> new ArrayList<>()).addAll(bindings));
        }
        all.forEach((cluster, bindings) -> {
            System.out.println("# cluster " + cluster);
            bindings.forEach(b -> System.out.println("kafka-acls.sh --bootstrap-server <" + cluster + "> --command-config <admin.properties> "
                    + command(b)));
        });
    }

    /** The {@code kafka-acls.sh} arguments that create {@code binding}, after the connection options. */
    static String command(AclBinding binding) {
        ResourcePattern p = binding.pattern();
        String resource = switch (p.resourceType()) {
            case TOPIC -> "--topic '" + p.name() + "'";
            case GROUP -> "--group '" + p.name() + "'";
            case TRANSACTIONAL_ID -> "--transactional-id '" + p.name() + "'";
            case CLUSTER -> "--cluster";
            default -> throw new IllegalArgumentException("no kafka-acls.sh option for " + p);
        };
        return "--add --" + (binding.entry().permissionType() == AclPermissionType.DENY ? "deny" : "allow") + "-principal '"
                + binding.entry().principal() + "' --" + (binding.entry().permissionType() == AclPermissionType.DENY ? "deny" : "allow")
                + "-host '" + binding.entry().host() + "' --operation " + SecurityUtils.operationName(binding.entry().operation()) + " "
                + resource + (p.resourceType() == ResourceType.CLUSTER ? "" : " --resource-pattern-type " + p.patternType().name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * The ACLs of connector {@code connector} running as {@code principal} on {@code worker}, by the cluster (a name of
     * {@code connectors.json}) they are to be created on:
     * <ul>
     *   <li>its {@code kafka} grants of {@code connectors.json}: read, write and create topics, groups;</li>
     *   <li>{@code IDEMPOTENT_WRITE} on each cluster it writes to and on the worker's: Kafka 3.x producers are
     *   idempotent by default (KIP-679), as {@link IamPolicies} grants {@code WriteDataIdempotently};</li>
     *   <li>a source connector, with exactly-once source support: its tasks' transactional ids {@code <group.id>-<connector>-<task>}
     *   (KIP-618) on the cluster its producer writes to (the connector's {@code cluster}), and, if that is the
     *   worker's cluster, the worker's offsets topic as the worker has it: a task's transaction writes its source offsets there, and Connect reads them back,
     *   and creates and checks the topic, with the connector's own consumer and admin clients.</li>
     * </ul>
     * A sink connector is one granted its Connect consumer group {@code connect-<connector>} (every sink task consumes in
     * it; a source connector has no group): its producer (dead letters) is never transactional and its offsets are the
     * group's, so it gets neither. On MSK Connect, where each connector has workers of its own, the IAM policy grants
     * the worker's transactions to every connector's role instead: there the leader's are the connector's too.
     */
    public static Map<String, List<AclBinding>> connector(String connector, JsonNode access, String principal, Worker worker) {
        Map<String, Set<AclBinding>> out = new LinkedHashMap<>();
        if (!access.path("kafka").isArray() || access.path("kafka").isEmpty()) {
            throw new IllegalArgumentException("connectors.json: connector '" + connector + "' has no 'kafka' grants");
        }
        Set<String> written = new LinkedHashSet<>();
        written.add(worker.cluster());
        for (JsonNode k : access.path("kafka")) {
            String cluster = k.path("cluster").asText();
            if (cluster.isBlank()) {
                throw new IllegalArgumentException("connectors.json: a 'kafka' grant of connector '" + connector + "' names no 'cluster'");
            }
            Set<AclBinding> bindings = out.computeIfAbsent(cluster, c -> new LinkedHashSet<>());
            TOPIC_GRANTS.keySet().stream().sorted().forEach(kind -> k.path(kind).forEach(t ->
                    bindings.addAll(allow(principal, ResourceType.TOPIC, pattern(connector, kind, t.asText()), TOPIC_GRANTS.get(kind)))));
            k.path("groups").forEach(g -> bindings.addAll(allow(principal, ResourceType.GROUP, pattern(connector, "groups", g.asText()), GROUP)));
            if (!k.path("write").isEmpty()) {
                written.add(cluster);
            }
        }
        for (String cluster : written) {
            out.computeIfAbsent(cluster, c -> new LinkedHashSet<>()).addAll(
                    allow(principal, ResourceType.CLUSTER, new Pattern("kafka-cluster", PatternType.LITERAL), List.of(AclOperation.IDEMPOTENT_WRITE)));
        }
        if (worker.exactlyOnce() && !isSink(connector, access)) {
            String producerCluster = access.path("cluster").asText(worker.cluster());
            out.computeIfAbsent(producerCluster, c -> new LinkedHashSet<>()).addAll(allow(principal, ResourceType.TRANSACTIONAL_ID,
                    new Pattern(worker.groupId() + "-" + connector + "-", PatternType.PREFIXED), TRANSACTIONAL_ID));
            if (producerCluster.equals(worker.cluster())) {
                // a connector whose producer writes to another cluster keeps its offsets there only (its own
                // offsets.storage.topic, granted in connectors.json), never in the worker's
                out.computeIfAbsent(worker.cluster(), c -> new LinkedHashSet<>()).addAll(allow(principal, ResourceType.TOPIC,
                        new Pattern(worker.offsetsTopic(), PatternType.LITERAL), WORKER_TOPIC));
            }
        }
        Map<String, List<AclBinding>> result = new LinkedHashMap<>();
        out.forEach((cluster, bindings) -> result.put(cluster, List.copyOf(bindings)));
        return result;
    }

    /** True if the connector is granted its sink consumer group {@code connect-<connector>}. */
    static boolean isSink(String connector, JsonNode access) {
        for (JsonNode k : access.path("kafka")) {
            for (JsonNode g : k.path("groups")) {
                if (g.asText().equals("connect-" + connector)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The ACLs of the workers' own principal on their cluster: their three internal topics, their group, idempotent
     * writes, and with exactly-once source support the leader's transactional id {@code connect-cluster-<group.id>} (the
     * leader writes the config topic in a transaction). Nothing of any connector: its clients log in as the connector.
     */
    public static List<AclBinding> worker(String principal, Worker worker) {
        Set<AclBinding> bindings = new LinkedHashSet<>();
        for (String topic : List.of(worker.configTopic(), worker.offsetsTopic(), worker.statusTopic())) {
            bindings.addAll(allow(principal, ResourceType.TOPIC, new Pattern(topic, PatternType.LITERAL), WORKER_TOPIC));
        }
        bindings.addAll(allow(principal, ResourceType.GROUP, new Pattern(worker.groupId(), PatternType.LITERAL), GROUP));
        bindings.addAll(allow(principal, ResourceType.CLUSTER, new Pattern("kafka-cluster", PatternType.LITERAL), List.of(AclOperation.IDEMPOTENT_WRITE)));
        if (worker.exactlyOnce()) {
            bindings.addAll(allow(principal, ResourceType.TRANSACTIONAL_ID, new Pattern(LEADER_TRANSACTIONAL_ID_PREFIX + worker.groupId(), PatternType.LITERAL), TRANSACTIONAL_ID));
        }
        return List.copyOf(bindings);
    }

    /**
     * A topic or group name of {@code connectors.json} as a resource pattern: {@code prefix*} is PREFIXED
     * {@code prefix}, a name without wildcards is LITERAL.
     */
    static Pattern pattern(String connector, String kind, String name) {
        int star = name.indexOf('*');
        if (name.indexOf('?') >= 0 || star >= 0 && star != name.length() - 1 || name.equals("*") || name.isBlank()) {
            throw new IllegalArgumentException("connectors.json: connector '" + connector + "', '" + kind + "' grant '" + name
                    + "': Kafka ACLs take a literal name or a prefix ending in a single trailing '*'");
        }
        return star < 0 ? new Pattern(name, PatternType.LITERAL) : new Pattern(name.substring(0, star), PatternType.PREFIXED);
    }

    /** A resource name with its pattern type. */
    record Pattern(String name, PatternType type) {
    }

    private static List<AclBinding> allow(String principal, ResourceType type, Pattern pattern, List<AclOperation> operations) {
        List<AclBinding> out = new ArrayList<>();
        ResourcePattern resource = new ResourcePattern(type, pattern.name(), pattern.type());
        for (AclOperation op : operations) {
            out.add(new AclBinding(resource, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
        }
        return out;
    }
}
