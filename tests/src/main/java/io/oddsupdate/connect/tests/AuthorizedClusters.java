package io.oddsupdate.connect.tests;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.common.acl.AclBinding;

import io.oddsupdate.connect.deploy.ConnectorConfigs;
import io.oddsupdate.connect.deploy.KafkaAcls;
import io.oddsupdate.connect.testkit.SecureKafka;
import io.oddsupdate.connect.testkit.TlsMaterial;

/**
 * Core and edge of a {@link Pipeline} as clusters that authorize every request by ACL
 * ({@link SecureKafka}: SASL_SSL SCRAM-SHA-512, {@code allow.everyone.if.no.acl.found=false}), with exactly the ACLs
 * {@link KafkaAcls} derives from {@code connectors.json}: one SCRAM user per connector, named after it, and one for the
 * Connect workers ({@link #WORKER}). Each connector's clients log in as the connector through its client overrides
 * ({@link #authenticate}), its password read from the pipeline's secrets file by the worker's config provider; the
 * worker's own clients log in as the worker, whose grants cover only its internal topics, group and leader transaction.
 */
final class AuthorizedClusters implements AutoCloseable {

    static final String WORKER = "connect-worker";
    static final String WORKER_GROUP = "connect-core";
    /** Where the ACLs and clients go: the names {@code connectors.json} gives the clusters. */
    static final String CORE = "core";
    static final String EDGE = "edge";

    private final TlsMaterial tls;
    private final SecureKafka core;
    private final SecureKafka edge;
    private final Map<String, String> passwords = new LinkedHashMap<>();
    /** Every ACL created, by cluster name. */
    private final Map<String, List<AclBinding>> created = new LinkedHashMap<>();

    private AuthorizedClusters(TlsMaterial tls, SecureKafka core, SecureKafka edge) {
        this.tls = tls;
        this.core = core;
        this.edge = edge;
    }

    /** Starts core (with {@code coreProps}) and edge. */
    static AuthorizedClusters start(Properties coreProps) {
        TlsMaterial tls = TlsMaterial.create();
        SecureKafka core = null;
        try {
            core = SecureKafka.start(tls, coreProps);
            SecureKafka edge = SecureKafka.start(tls, new Properties());
            return new AuthorizedClusters(tls, core, edge);
        } catch (RuntimeException | Error e) {
            if (core != null) {
                core.close();
            }
            tls.close();
            throw e;
        }
    }

    SecureKafka core() {
        return core;
    }

    SecureKafka edge() {
        return edge;
    }

    /** The Connect cluster as {@link KafkaAcls} sees it: the worker settings {@link io.oddsupdate.connect.testkit.ConnectWorkers} gives it. */
    static KafkaAcls.Worker worker(Map<String, String> workerProps) {
        return new KafkaAcls.Worker(CORE, WORKER_GROUP, WORKER_GROUP + "-configs", WORKER_GROUP + "-offsets", WORKER_GROUP + "-status",
                "enabled".equals(workerProps.get("exactly.once.source.support")));
    }

    /**
     * Creates the workers' SCRAM user and its ACLs ({@link KafkaAcls#worker}); returns the worker settings that log its
     * own clients in as it, and make its connectors' clients use SASL_SSL with the test CA, without credentials: a
     * connector without its own login ({@link #authenticate}) cannot connect at all.
     */
    Map<String, String> workerLogin(Map<String, String> workerProps) {
        String password = user(WORKER);
        create(CORE, KafkaAcls.worker("User:" + WORKER, worker(workerProps)));
        Map<String, String> props = new HashMap<>(core.scramClient(WORKER, password));
        Map<String, String> transport = new HashMap<>(core.scramClient(WORKER, password));
        transport.remove("sasl.jaas.config");
        for (String client : List.of("producer.", "consumer.", "admin.")) {
            transport.forEach((k, v) -> props.put(client + k, v));
        }
        return props;
    }

    /** Creates the connector's SCRAM user on both clusters and the ACLs {@link KafkaAcls#connector} derives for it. */
    void grant(ConnectorConfigs configs, String connector, KafkaAcls.Worker worker) {
        user(connector);
        KafkaAcls.connector(connector, configs.access(connector), "User:" + connector, worker).forEach(this::create);
    }

    /** The ACLs created on a cluster ({@link #CORE}, {@link #EDGE}) so far. */
    List<AclBinding> acls(String cluster) {
        return List.copyOf(created.getOrDefault(cluster, List.of()));
    }

    SecureKafka cluster(String name) {
        return switch (name) {
            case CORE -> core;
            case EDGE -> edge;
            default -> throw new IllegalArgumentException("connectors.json names cluster '" + name
                    + "', which the authorized pipeline does not run (it runs " + CORE + " and " + EDGE + ")");
        };
    }

    /** The secrets-file entries: each user's JAAS line, under {@code <user>.sasl.jaas.config}. */
    Map<String, String> secrets() {
        Map<String, String> out = new LinkedHashMap<>();
        passwords.forEach((user, password) -> out.put(user + ".sasl.jaas.config", SecureKafka.jaas(user, password)));
        return out;
    }

    /**
     * Makes a connector's clients log in as the connector: {@code producer.override.}, {@code consumer.override.} and
     * {@code admin.override.sasl.jaas.config}, and for MirrorMaker the SASL_SSL settings of every cluster alias that
     * is core or edge ({@code source.cluster.*}, {@code target.cluster.*}), the JAAS line through the config provider
     * ({@code ${file:<secrets>:<connector>.sasl.jaas.config}}).
     */
    void authenticate(String connector, Map<String, String> config, String secretsFile) {
        String jaas = "${file:" + secretsFile + ":" + connector + ".sasl.jaas.config}";
        for (String client : List.of("producer", "consumer", "admin")) {
            config.put(client + ".override.sasl.jaas.config", jaas);
        }
        for (String side : List.of("source", "target")) {
            String alias = config.get(side + ".cluster.alias");
            if (CORE.equals(alias) || EDGE.equals(alias)) {
                Map<String, String> client = new HashMap<>(core.scramClient(connector, "unused"));
                client.put("sasl.jaas.config", jaas);
                client.forEach((k, v) -> config.put(side + ".cluster." + k, v));
            }
        }
    }

    private String user(String name) {
        String password = passwords.computeIfAbsent(name, n -> UUID.randomUUID().toString());
        core.addScramUser(name, password);
        edge.addScramUser(name, password);
        return password;
    }

    private void create(String cluster, List<AclBinding> bindings) {
        cluster(cluster).createAcls(bindings);
        created.computeIfAbsent(cluster, c -> new java.util.ArrayList<>()).addAll(bindings);
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {edge, core, tls}) {
            try {
                c.close();
            } catch (Exception | Error e) {
                System.err.println("while stopping the authorized clusters: " + e);
            }
        }
    }
}
