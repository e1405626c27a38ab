package io.oddsupdate.connect.testkit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

/**
 * A single-broker Kafka cluster that requires authentication and authorizes every request by ACL, as the vendor's
 * cluster and our edge do:
 * <ul>
 *   <li>{@code SCRAM}: SASL_SSL with SCRAM-SHA-512, users created with {@link #addScramUser};</li>
 *   <li>{@code MTLS}: SSL with {@code ssl.client.auth=required}; the principal is the certificate's CN;</li>
 *   <li>{@code INTERNAL}: PLAINTEXT for inter-broker traffic and the test's own admin, producer and consumer
 *       ({@link #cluster()}); its ANONYMOUS principal is the only super user. Clients under test never use it.</li>
 * </ul>
 * {@code allow.everyone.if.no.acl.found=false}: a principal may do exactly what {@link #allow} granted. Everything binds
 * to 127.0.0.1; the TLS material comes from a {@link TlsMaterial} made at test time.
 */
public final class SecureKafka implements AutoCloseable {

    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    private static final String SCRAM = "SCRAM";
    private static final String MTLS = "MTLS";

    private final TlsMaterial tls;
    private final EmbeddedKafkaCluster cluster;

    private SecureKafka(TlsMaterial tls, EmbeddedKafkaCluster cluster) {
        this.tls = tls;
        this.cluster = cluster;
    }

    /** Starts a broker with {@link ConnectClusters#brokerProps()} plus {@code extra} and the security settings above. */
    public static SecureKafka start(TlsMaterial tls, Properties extra) {
        TlsMaterial.Identity broker = tls.issue("broker");
        Properties props = ConnectClusters.brokerProps();
        props.putAll(extra);
        // EmbeddedKafkaCluster advertises the first listener as its bootstrap servers: the INTERNAL one, for the test itself
        props.put("listeners", "INTERNAL://127.0.0.1:0," + SCRAM + "://127.0.0.1:0," + MTLS + "://127.0.0.1:0");
        props.put("listener.security.protocol.map", "INTERNAL:PLAINTEXT," + SCRAM + ":SASL_SSL," + MTLS + ":SSL");
        props.put("inter.broker.listener.name", "INTERNAL");
        props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        props.put("listener.name.scram.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", broker.keyStore().toString());
        props.put("ssl.keystore.password", broker.password());
        props.put("ssl.key.password", broker.password());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", tls.trustStore().toString());
        props.put("ssl.truststore.password", tls.password());
        props.put("listener.name.mtls.ssl.client.auth", "required");
        // User:<CN> for certificates, so one set of ACLs serves a principal whether it logs in with SCRAM or mutual TLS
        props.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+).*$/$1/,DEFAULT");
        props.put("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer");
        props.put("allow.everyone.if.no.acl.found", "false");
        props.put("super.users", "User:ANONYMOUS");
        EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(1, props);
        cluster.start();
        return new SecureKafka(tls, cluster);
    }

    /** The cluster as its operator sees it: admin, producer and consumer as super user on the INTERNAL listener. */
    public EmbeddedKafkaCluster cluster() {
        return cluster;
    }

    /** Bootstrap servers of the SASL_SSL (SCRAM-SHA-512) listener. */
    public String scramBootstrapServers() {
        return "127.0.0.1:" + port(SCRAM);
    }

    /** Bootstrap servers of the mutual-TLS listener. */
    public String mtlsBootstrapServers() {
        return "127.0.0.1:" + port(MTLS);
    }

    private int port(String listener) {
        return cluster.runningBrokers().iterator().next().boundPort(ListenerName.normalised(listener));
    }

    /** Creates (or resets) a SCRAM-SHA-512 user and waits until the broker accepts the login. */
    public void addScramUser(String user, String password) {
        try (Admin admin = cluster.createAdminClient()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create SCRAM user " + user, e);
        }
        // the broker learns credentials through a ZooKeeper notification: wait until it does
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, Object> client = new HashMap<>(scramClient(user, password));
        client.put("bootstrap.servers", scramBootstrapServers());
        while (true) {
            try (Admin admin = Admin.create(client)) {
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof AuthenticationException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("SCRAM user " + user + " cannot log in", e);
                }
            } catch (Exception e) {
                throw new IllegalStateException("SCRAM user " + user + " cannot log in", e);
            }
            sleep(200);
        }
    }

    /** Grants {@code User:<user>} the operations on the resource (from any host). */
    public void allow(String user, ResourceType type, PatternType pattern, String name, AclOperation... operations) {
        acl(AclPermissionType.ALLOW, user, type, pattern, name, operations);
    }

    /** Denies {@code User:<user>} the operations on the resource; a DENY wins over every ALLOW. */
    public void deny(String user, ResourceType type, PatternType pattern, String name, AclOperation... operations) {
        acl(AclPermissionType.DENY, user, type, pattern, name, operations);
    }

    private void acl(AclPermissionType permission, String user, ResourceType type, PatternType pattern, String name, AclOperation... operations) {
        ResourcePattern resource = new ResourcePattern(type, name, pattern);
        createAcls(java.util.Arrays.stream(operations)
                .map(op -> new AclBinding(resource, new AccessControlEntry("User:" + user, "*", op, permission)))
                .toList());
    }

    /** Creates the ACLs as the operator (e.g. ones derived from {@code connectors.json}). */
    public void createAcls(java.util.Collection<AclBinding> bindings) {
        try (Admin admin = cluster.createAdminClient()) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create ACLs " + bindings, e);
        }
    }

    /** Deletes exactly these ACLs (e.g. to take one grant away for a while). */
    public void deleteAcls(java.util.Collection<AclBinding> bindings) {
        try (Admin admin = cluster.createAdminClient()) {
            admin.deleteAcls(bindings.stream().map(AclBinding::toFilter).toList()).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete ACLs " + bindings, e);
        }
    }

    /** Client settings (no bootstrap servers) of a SCRAM user: SASL_SSL, trusting the test CA, hostname verified. */
    public Map<String, String> scramClient(String user, String password) {
        Map<String, String> c = new HashMap<>(trustingClient());
        c.put("security.protocol", "SASL_SSL");
        c.put("sasl.mechanism", SCRAM_MECHANISM);
        c.put("sasl.jaas.config", jaas(user, password));
        return c;
    }

    /** Client settings (no bootstrap servers) for mutual TLS with the given identity, as PEM strings. */
    public Map<String, String> mtlsClient(TlsMaterial.Identity identity) {
        Map<String, String> c = new HashMap<>(trustingClient());
        c.put("security.protocol", "SSL");
        c.put("ssl.keystore.type", "PEM");
        c.put("ssl.keystore.certificate.chain", identity.certificateChainPem());
        c.put("ssl.keystore.key", identity.encryptedKeyPem());
        c.put("ssl.key.password", identity.password());
        return c;
    }

    private Map<String, String> trustingClient() {
        return Map.of("ssl.truststore.type", "PEM", "ssl.truststore.certificates", tls.caPem(),
                "ssl.endpoint.identification.algorithm", "https");
    }

    /** The JAAS line of a SCRAM login. */
    public static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        cluster.stop();
    }
}
