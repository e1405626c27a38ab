package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.deploy.ConnectorConfigs;
import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.SecureKafka;
import io.oddsupdate.connect.testkit.TempDirs;
import io.oddsupdate.connect.testkit.TlsMaterial;

/**
 * Who may do what, as the seed describes it. The vendor's cluster requires SASL/SCRAM-SHA-512 over TLS, or mutual TLS,
 * and authorizes by per-topic ACLs; our replicator may read only the leagues the vendor granted. The edge lets partners
 * read only {@code odds.updates.public.*}. The vendor hop is the shipped {@code vendor-to-core} config of the
 * {@code prod} and {@code prod-mtls} environments on the bundle ZIP, its vendor credentials and key material reaching the
 * connector only through a config provider ({@code ${file:...}}, files written at test time), as on MSK Connect.
 */
class SecurityIT {

    static final String REPLICATOR = "replicator";
    static final String PARTNER = "partner";
    static final String DLQ = "raw.events.dlq";
    static final String UNLICENSED = VendorSimulator.TOPIC_PREFIX + "cricket";
    static final String OTHER_VENDOR_TOPIC = "vendor.settlement.events";
    static final String PUBLIC_PREFIX = "odds.updates.public.";
    static final String PUBLIC_DLQ = "odds.updates.public.dlq";
    static final String EDGE_OTHER_TOPIC = "edge.ops.audit";
    /** The core→edge hop's own source offsets topic on the edge, as base/core-to-edge.json names it. */
    static final String EDGE_HOP_OFFSETS = "connect-offsets.core-to-edge";
    static final Pattern SECRETS_MANAGER = Pattern.compile("\\$\\{secretsmanager:([^:}]+):([^}]+)}");

    static TlsMaterial tls;
    static SecureKafka edge;
    static EmbeddedConnectCluster connect;
    static Path secrets;
    static SeedData seed;
    static String replicatorPassword;

    @BeforeAll
    static void start() throws Exception {
        seed = SeedData.load();
        tls = TlsMaterial.create();
        edge = SecureKafka.start(tls, new Properties());
        secrets = Files.createTempDirectory("security-it-secrets-");
        TempDirs.deleteOnExit(secrets);

        Path pluginPath = PluginPath.fromZips(Pipeline.pluginZips());
        Map<String, String> worker = ConnectClusters.workerProps(pluginPath);
        worker.put("config.providers", "file");
        worker.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        worker.put("connector.client.config.override.policy", "All");
        connect = ConnectClusters.builder("core", pluginPath).workerProps(worker).build();
        connect.start();

        replicatorPassword = UUID.randomUUID().toString();
        connect.kafka().createTopic(DLQ, 1);
        for (String league : List.of("nba", "nfl")) {
            edge.cluster().createTopic(PUBLIC_PREFIX + league, 3);
        }
        edge.cluster().createTopic(PUBLIC_DLQ, 1);
        edge.cluster().createTopic(EDGE_OTHER_TOPIC, 1);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {connect == null ? null : connect::stop, edge, tls}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("while stopping: " + e);
            }
        }
        TempDirs.deleteRecursively(secrets);
    }

    @Test
    void aWrongOrRotatedPasswordFailsClearlyAndOnceFixedEveryGrantedEventArrivesOnce() throws Exception {
        try (SecureKafka vendor = startVendor(); KafkaProducer<byte[], byte[]> feed = vendorFeed(vendor)) {
            try {
                wrongPasswordThenFixed(vendor, feed);
            } finally {
                deleteConnector("vendor-to-core");
            }
        }
    }

    private void wrongPasswordThenFixed(SecureKafka vendor, KafkaProducer<byte[], byte[]> feed) throws Exception {
        writeScramSecret("not-" + replicatorPassword);
        Map<String, String> config = vendorToCore("prod", vendor.scramBootstrapServers(), "raw.events.");
        VendorSimulator sim = simulator(feed, 1L);
        play(sim, 60);

        String name = "vendor-to-core";
        connect.configureConnector(name, config);
        assertRefusedLogin(awaitFailed(name), vendor, replicatorPassword);

        // events keep coming while the connector is down; then the operator fixes the secret and applies the config
        // again (unchanged: it names the secret, not the password), which restarts the failed connector
        play(sim, 60);
        writeScramSecret(replicatorPassword);
        connect.configureConnector(name, config);
        assertReconciled(sim, awaitAtCore(sim, Pattern.compile("raw\\.events\\..*")));
        assertRunning(name);
        try (Admin admin = connect.kafka().createAdminClient()) {
            Set<String> coreTopics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertFalse(coreTopics.stream().anyMatch(t -> t.contains("cricket") || t.contains("settlement")),
                    "topics the vendor did not grant must not be replicated: " + coreTopics);
        }
        // and the replicator really is refused the topics outside its ACL
        Map<String, Object> asReplicator = new HashMap<>(vendor.scramClient(REPLICATOR, replicatorPassword));
        asReplicator.put("bootstrap.servers", vendor.scramBootstrapServers());
        assertNotAuthorized(asReplicator, OTHER_VENDOR_TOPIC);
        assertNotAuthorized(asReplicator, UNLICENSED);

        // the vendor rotates the password while the connector runs: the check at the next topic refresh fails it
        String rotated = UUID.randomUUID().toString();
        vendor.addScramUser(REPLICATOR, rotated);
        assertRefusedLogin(awaitFailed(name), vendor, rotated);
        play(sim, Integer.MAX_VALUE);
        writeScramSecret(rotated);
        connect.configureConnector(name, config);
        assertReconciled(sim, awaitAtCore(sim, Pattern.compile("raw\\.events\\..*")));
        assertRunning(name);
    }

    /** The failure names the SASL authentication failure and the cluster, not the password. */
    private static void assertRefusedLogin(String trace, SecureKafka vendor, String password) {
        assertTrue(trace.contains("SaslAuthenticationException") && trace.contains("Authentication failed"),
                "the failure names the SASL authentication failure: " + trace);
        assertTrue(trace.contains(vendor.scramBootstrapServers()), "the failure names the source cluster: " + trace);
        assertFalse(trace.contains(password), "the failure must not leak the password");
    }

    @Test
    void mutualTlsReplicatesAndAClientWithoutAValidCertificateIsRefused() throws Exception {
        try (SecureKafka vendor = startVendor(); KafkaProducer<byte[], byte[]> feed = vendorFeed(vendor)) {
            try {
                mutualTls(vendor, feed);
            } finally {
                deleteConnector("vendor-to-core-mtls");
            }
        }
    }

    private void mutualTls(SecureKafka vendor, KafkaProducer<byte[], byte[]> feed) throws Exception {
        TlsMaterial.Identity replicator = tls.issue(REPLICATOR);
        writeSecrets("odds-update/vendor-mtls", Map.of(
                "certificate.chain.pem", replicator.certificateChainPem(),
                "private.key.pem", replicator.encryptedKeyPem(),
                "private.key.password", replicator.password(),
                "ca.pem", tls.caPem()));
        // its own target topics, so this connector's copy never mixes with the SCRAM test's
        String name = "vendor-to-core-mtls";
        Map<String, String> config = vendorToCore("prod-mtls", vendor.mtlsBootstrapServers(), "mtls.raw.events.");
        config.put("name", name);
        connect.kafka().createTopic("mtls.raw.events.dlq", 1);
        VendorSimulator sim = simulator(feed, 2L);
        play(sim, Integer.MAX_VALUE);
        connect.configureConnector(name, config);
        Arrivals seen = awaitAtCore(sim, Pattern.compile("mtls\\.raw\\.events\\..*"));
        assertReconciled(sim, seen);
        assertRunning(name);

        Map<String, Object> noCertificate = new HashMap<>(vendor.mtlsClient(replicator));
        noCertificate.keySet().removeIf(k -> k.startsWith("ssl.keystore") || k.equals("ssl.key.password"));
        assertRefusedHandshake(vendor, noCertificate);
        Map<String, Object> impostor = new HashMap<>(vendor.mtlsClient(tls.selfSigned(REPLICATOR)));
        assertRefusedHandshake(vendor, impostor);
    }

    @Test
    void partnersReadPublicOddsAndNothingElse() throws Exception {
        String partnerPassword = UUID.randomUUID().toString();
        edge.addScramUser(PARTNER, partnerPassword);
        // public odds by prefix, minus the public DLQ (rejected internal records with their reasons), and only their groups
        edge.allow(PARTNER, ResourceType.TOPIC, PatternType.PREFIXED, PUBLIC_PREFIX, AclOperation.READ);
        edge.deny(PARTNER, ResourceType.TOPIC, PatternType.LITERAL, PUBLIC_DLQ, AclOperation.READ, AclOperation.DESCRIBE);
        edge.allow(PARTNER, ResourceType.GROUP, PatternType.PREFIXED, PARTNER + "-", AclOperation.READ);

        String nba = PUBLIC_PREFIX + "nba";
        try (KafkaProducer<byte[], byte[]> p = edge.cluster().createProducer(Map.of())) {
            for (int i = 0; i < 30; i++) {
                p.send(new ProducerRecord<>(nba, ("g" + i % 3).getBytes(StandardCharsets.UTF_8), ("odds " + i).getBytes(StandardCharsets.UTF_8)));
            }
            p.send(new ProducerRecord<>(PUBLIC_DLQ, "rejected internal record".getBytes(StandardCharsets.UTF_8)));
            p.send(new ProducerRecord<>(EDGE_OTHER_TOPIC, "audit".getBytes(StandardCharsets.UTF_8)));
        }

        Map<String, Object> partner = new HashMap<>(edge.scramClient(PARTNER, partnerPassword));
        partner.put("bootstrap.servers", edge.scramBootstrapServers());
        partner.put("group.id", PARTNER + "-odds");
        partner.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(partner, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(Pattern.compile(Pattern.quote(PUBLIC_PREFIX) + ".*"));
            int read = 0;
            Set<String> topics = new HashSet<>();
            for (long end = System.currentTimeMillis() + 60_000; read < 30 && System.currentTimeMillis() < end; ) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    read += r.topic().equals(nba) ? 1 : 0;
                    topics.add(r.topic());
                }
            }
            assertEquals(30, read, "a partner reads every public odds update");
            assertFalse(topics.contains(PUBLIC_DLQ), "a partner's pattern subscription never sees the public DLQ: " + topics);
        }
        assertNotAuthorized(partner, PUBLIC_DLQ);
        assertNotAuthorized(partner, EDGE_OTHER_TOPIC);
        Map<String, Object> otherGroup = new HashMap<>(partner);
        otherGroup.put("group.id", "analytics");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(otherGroup, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(nba));
            assertThrows(GroupAuthorizationException.class, () -> pollUntilThrows(c));
        }
        Map<String, Object> forger = new HashMap<>(partner);
        // an idempotent producer is refused earlier, with ClusterAuthorizationException (no IDEMPOTENT_WRITE, no WRITE)
        forger.put("enable.idempotence", false);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(forger, new ByteArraySerializer(), new ByteArraySerializer())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(nba, "forged".getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), "partners may not write public odds");
        }
    }

    @Test
    void theEdgeHopWritesPublicOddsWithItsOwnLogin() throws Exception {
        try {
            edgeHop();
        } finally {
            deleteConnector("core-to-edge");
        }
    }

    /**
     * The shipped core-to-edge config (local environment) writing to the secured edge as its own SCRAM user, whose only
     * grant is WRITE on {@code odds.updates.public.*}: public odds arrive once each, a record Sanitize refuses lands in
     * the public DLQ (same grant), and the internal fields never reach the edge.
     */
    private void edgeHop() throws Exception {
        String writer = "core-to-edge";
        String password = UUID.randomUUID().toString();
        edge.addScramUser(writer, password);
        // WRITE implies the DESCRIBE MirrorMaker's target admin needs to find the existing public topics
        edge.allow(writer, ResourceType.TOPIC, PatternType.PREFIXED, PUBLIC_PREFIX, AclOperation.WRITE);
        // the hop's own source offsets, on the edge (created by the deployment, as connectors.json grants it)
        edge.cluster().createTopic(EDGE_HOP_OFFSETS, 1, 1, Map.of("cleanup.policy", "compact"));
        edge.allow(writer, ResourceType.TOPIC, PatternType.LITERAL, EDGE_HOP_OFFSETS, AclOperation.READ, AclOperation.WRITE);
        writeSecrets("odds-update/edge-kafka", Map.of("sasl.jaas.config", SecureKafka.jaas(writer, password), "ca.pem", tls.caPem()));
        String internal = "odds.updates.internal.nfl";
        connect.kafka().createTopic(internal, 3);
        connect.configureConnector(writer, coreToEdge());

        String game = "nfl-edge-" + UUID.randomUUID();
        int good = 20;
        try (KafkaProducer<byte[], byte[]> p = connect.kafka().createProducer(Map.of())) {
            for (int i = 0; i < good; i++) {
                Map<String, Object> v = new java.util.LinkedHashMap<>();
                v.put("event_uid", game + "-" + i);
                v.put("event_ts", 1_795_000_000_000L + i);
                v.put("league", "nfl");
                v.put("game_id", game);
                v.put("market", "moneyline");
                v.put("selection", "home");
                v.put("odds", -110.0);
                v.put("model_version", "security-it");
                v.put("fair_prob", 0.52);
                p.send(new ProducerRecord<>(internal, game.getBytes(StandardCharsets.UTF_8), VendorSimulator.json(v)));
            }
            p.send(new ProducerRecord<>(internal, game.getBytes(StandardCharsets.UTF_8),
                    VendorSimulator.json(Map.of("event_uid", game + "-broken", "league", "nfl", "game_id", game)))).get();
        }

        Map<String, Integer> uids = new HashMap<>();
        int deadLetters = 0;
        for (long end = System.currentTimeMillis() + 120_000; (uids.size() < good || deadLetters == 0) && System.currentTimeMillis() < end; ) {
            Thread.sleep(1000);
            uids.clear();
            deadLetters = 0;
            for (ConsumerRecord<byte[], byte[]> r : edge.cluster().consumeAll(30_000, PUBLIC_PREFIX + "nfl", PUBLIC_DLQ)) {
                String value = new String(r.value(), StandardCharsets.UTF_8);
                if (r.topic().equals(PUBLIC_DLQ)) {
                    deadLetters += value.contains(game + "-broken") ? 1 : 0;
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode v = RecordValues.json(r.value());
                if (v != null && game.equals(v.path("game_id").asText())) {
                    assertFalse(v.has("fair_prob"), "an internal field reached the edge: " + v);
                    uids.merge(v.path("event_uid").asText(), 1, Integer::sum);
                }
            }
        }
        assertEquals(good, uids.size(), "public odds at the edge: " + uids.keySet());
        assertTrue(uids.values().stream().allMatch(n -> n == 1), "each once: " + uids);
        assertEquals(1, deadLetters, "the refused internal record in " + PUBLIC_DLQ);
        assertRunning(writer);
    }

    /**
     * The shipped core-to-edge config of the local environment, writing to the edge's SASL_SSL listener: the same login
     * (from the secrets file, through the config provider) for MirrorMaker's target admin ({@code target.cluster.*})
     * and for the worker's clients of the connector ({@code producer.override.*}, which writes the records and the
     * source offsets, {@code consumer.override.*} and {@code admin.override.*}, which read them back). This worker does
     * not run exactly-once source support (this test is about logins and grants), so exactly-once is requested, not
     * required: at-least-once here.
     */
    private static Map<String, String> coreToEdge() {
        Map<String, String> vars = Map.of(
                "core.bootstrap.servers", connect.kafka().bootstrapServers(),
                "edge.bootstrap.servers", edge.scramBootstrapServers(),
                "exactly.once.support", "requested");
        Map<String, String> c = new ConnectorConfigs(Pipeline.CONNECTOR_CONFIGS).effective("core-to-edge", "local", vars);
        Path file = secrets.resolve("odds-update/edge-kafka.properties");
        Map<String, String> login = Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", SecureKafka.SCRAM_MECHANISM,
                "sasl.jaas.config", "${file:" + file + ":sasl.jaas.config}",
                "ssl.truststore.type", "PEM",
                "ssl.truststore.certificates", "${file:" + file + ":ca.pem}");
        login.forEach((k, v) -> {
            c.put("target.cluster." + k, v);
            for (String client : List.of("producer", "consumer", "admin")) {
                c.put(client + ".override." + k, v);
            }
        });
        c.put("tasks.max", "1");
        c.put("refresh.topics.interval.seconds", "2");
        assertEquals(EDGE_HOP_OFFSETS, c.get("offsets.storage.topic"));
        return c;
    }

    // ---- the vendor hop ---------------------------------------------------------------------------------------------

    /**
     * A vendor cluster of its own for one test (the simulator's event ids repeat between runs): the leagues' feeds, a
     * league the vendor did not license to us and another feed, all with records, and the replicator's SCRAM login and
     * per-topic grants: READ (which implies DESCRIBE: MirrorMaker lists and describes what it may read) and
     * DESCRIBE_CONFIGS (MirrorMaker copies a topic's configs when it creates the topic on core). Nothing else.
     */
    private static SecureKafka startVendor() {
        SecureKafka vendor = SecureKafka.start(tls, new Properties());
        for (String league : seed.leagues()) {
            vendor.cluster().createTopic(VendorSimulator.TOPIC_PREFIX + league, VendorSimulator.PARTITIONS);
        }
        vendor.cluster().createTopic(UNLICENSED, 1);
        vendor.cluster().createTopic(OTHER_VENDOR_TOPIC, 1);
        try (KafkaProducer<byte[], byte[]> p = vendor.cluster().createProducer(Map.of())) {
            for (int i = 0; i < 20; i++) {
                p.send(new ProducerRecord<>(UNLICENSED, ("{\"league\":\"cricket\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
                p.send(new ProducerRecord<>(OTHER_VENDOR_TOPIC, ("{\"settlement\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
        }
        vendor.addScramUser(REPLICATOR, replicatorPassword);
        for (String league : seed.leagues()) {
            vendor.allow(REPLICATOR, ResourceType.TOPIC, PatternType.LITERAL, VendorSimulator.TOPIC_PREFIX + league,
                    AclOperation.READ, AclOperation.DESCRIBE_CONFIGS);
        }
        return vendor;
    }


    /**
     * The shipped vendor-to-core config of a prod environment ({@code prod}: SCRAM; {@code prod-mtls}: mutual TLS), as
     * the deploy tooling renders it, for the test's clusters: core without authentication (on MSK it is IAM), the
     * repo's schema files as registry, exactly-once requested rather than required (this worker runs at-least-once), and
     * every {@code ${secretsmanager:<id>:<key>}} read by FileConfigProvider from {@code <secrets>/<id>.properties} instead.
     */
    private static Map<String, String> vendorToCore(String env, String vendorServers, String targetPrefix) {
        Map<String, String> vars = Map.of(
                "vendor.bootstrap.servers", vendorServers,
                "core.bootstrap.servers", connect.kafka().bootstrapServers(),
                "replication.factor", "1",
                "glue.region", "",
                // this worker does not run exactly-once source support (the test is about logins and grants)
                "exactly.once.support", "requested");
        Map<String, String> c = new ConnectorConfigs(Pipeline.CONNECTOR_CONFIGS).effective("vendor-to-core", env, vars);
        c.put("target.cluster.security.protocol", "PLAINTEXT");
        c.keySet().removeIf(k -> k.startsWith("target.cluster.sasl."));
        c.put("tasks.max", "1");
        c.put("refresh.topics.interval.seconds", "2");
        if (!targetPrefix.equals("raw.events.")) {
            c.put("replication.policy.topic.mappings", "vendor\\.raw\\.events\\.(.+) => " + targetPrefix + "$1");
            c.replaceAll((k, v) -> k.endsWith(".dlq.topic") ? targetPrefix + "dlq" : v);
        }
        c.replaceAll((k, v) -> SECRETS_MANAGER.matcher(v).replaceAll(r -> Matcher.quoteReplacement(
                "${file:" + secrets.resolve(r.group(1) + ".properties") + ":" + r.group(2) + "}")));
        c.values().forEach(v -> assertFalse(v.contains(replicatorPassword) || v.contains("PRIVATE KEY"), "a secret inline: " + v));
        return c;
    }

    /** The vendor SCRAM secret the prod overlay reads: the replicator's JAAS line and the CA. */
    private static void writeScramSecret(String password) {
        writeSecrets("odds-update/vendor-kafka", Map.of("sasl.jaas.config", SecureKafka.jaas(REPLICATOR, password), "ca.pem", tls.caPem()));
    }

    private static void writeSecrets(String secretId, Map<String, String> values) {
        Path file = secrets.resolve(secretId + ".properties");
        Properties p = new Properties();
        p.putAll(values);
        try {
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                p.store(out, "test secrets, deleted after the test");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The vendor's own producer (as super user, on the internal listener). */
    private static KafkaProducer<byte[], byte[]> vendorFeed(SecureKafka vendor) {
        return vendor.cluster().createProducer(Map.of("acks", "all", "linger.ms", 2));
    }

    private static VendorSimulator simulator(KafkaProducer<byte[], byte[]> feed, long randomSeed) {
        // not BAD_JSON: two truncated events can be byte-identical, so their dead letters cannot be matched one to one
        // (PipelineIT covers it); the dead letters here carry their event_id
        List<VendorSimulator.Kind> malformed = List.of(VendorSimulator.Kind.MISSING_GAME_ID, VendorSimulator.Kind.WRONG_TYPE,
                VendorSimulator.Kind.UNKNOWN_GAME);
        return new VendorSimulator(feed, seed, 25, 0.1, malformed, randomSeed);
    }

    /** Sends up to {@code n} more events of the simulator's games. */
    private static void play(VendorSimulator sim, int n) {
        for (int i = 0; i < n && sim.sendNext(); i++) {
            // the games' next events
        }
        sim.flush();
    }

    /** The connector's failure trace, once it has failed (its status, or any task's). */
    private static String awaitFailed(String name) throws InterruptedException {
        String last = "no status";
        for (long end = System.currentTimeMillis() + 90_000; System.currentTimeMillis() < end; Thread.sleep(500)) {
            try {
                ConnectorStateInfo s = connect.connectorStatus(name);
                last = s.connector().state() + " " + s.tasks().stream().map(t -> t.id() + ":" + t.state()).toList();
                if ("FAILED".equals(s.connector().state())) {
                    return s.connector().trace();
                }
                for (ConnectorStateInfo.TaskState t : s.tasks()) {
                    if ("FAILED".equals(t.state())) {
                        return t.trace();
                    }
                }
            } catch (RuntimeException notYet) {
                last = notYet.toString();
            }
        }
        return fail("connector " + name + " with a wrong password did not fail within 90 s: " + last);
    }

    private static void deleteConnector(String name) {
        if (connect.connectors().contains(name)) {
            connect.deleteConnector(name);
        }
    }

    private static void assertRunning(String name) {
        ConnectorStateInfo s = connect.connectorStatus(name);
        assertEquals("RUNNING", s.connector().state(), name + ": " + s.connector().trace());
        assertFalse(s.tasks().isEmpty(), name + " has no task");
        for (ConnectorStateInfo.TaskState t : s.tasks()) {
            assertEquals("RUNNING", t.state(), name + " task " + t.id() + ": " + t.trace());
        }
    }

    /** How often each vendor event arrived at core: replicated to a raw topic, or dead-lettered. */
    record Arrivals(Map<VendorSimulator.Sent, Integer> replicated, Map<VendorSimulator.Sent, Integer> deadLettered) {
        int distinct() {
            Set<VendorSimulator.Sent> all = new HashSet<>(replicated.keySet());
            all.addAll(deadLettered.keySet());
            return all.size();
        }
    }

    /**
     * Reads core until every event the simulator sent is there (replicated or dead-lettered), then a little longer to
     * catch duplicates. Records of other tests' simulators are not counted.
     */
    private static Arrivals awaitAtCore(VendorSimulator sim, Pattern topics) {
        Arrivals seen = new Arrivals(new HashMap<>(), new HashMap<>());
        Map<String, Object> props = Map.of("group.id", "security-it-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                "metadata.max.age.ms", 1000, "enable.auto.commit", false);
        try (KafkaConsumer<byte[], byte[]> c = connect.kafka().createConsumer(props)) {
            c.subscribe(topics);
            long end = System.currentTimeMillis() + 120_000;
            long settle = Long.MAX_VALUE;
            while (System.currentTimeMillis() < Math.min(end, settle)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    VendorSimulator.Sent s = sim.identify(header(r, "event_id"), r.value());
                    if (s != null) {
                        (r.topic().endsWith(".dlq") ? seen.deadLettered() : seen.replicated()).merge(s, 1, Integer::sum);
                    }
                }
                // a topic MirrorMaker creates rebalances the pattern subscription: without commits, the partitions
                // already read would be read again from the start
                c.commitSync();
                if (seen.distinct() == sim.sentCount() && settle == Long.MAX_VALUE) {
                    settle = System.currentTimeMillis() + 3_000;
                }
            }
        }
        return seen;
    }

    /** Every event arrived exactly once: valid ones on a raw topic, malformed ones dead-lettered by the vendor hop. */
    private static void assertReconciled(VendorSimulator sim, Arrivals seen) {
        List<String> problems = new ArrayList<>();
        int replicated = 0;
        int deadLettered = 0;
        for (VendorSimulator.Sent s : sim.sent()) {
            int copies = seen.replicated().getOrDefault(s, 0);
            int letters = seen.deadLettered().getOrDefault(s, 0);
            // the vendor hop refuses what it cannot key or read; a game it does not know is the odds sink's to refuse
            boolean refusedHere = s.kind().malformed && s.kind() != VendorSimulator.Kind.UNKNOWN_GAME;
            if (copies + letters == 0) {
                problems.add("lost: " + s);
            } else if (copies + letters > 1) {
                problems.add("duplicated (" + copies + " replicated, " + letters + " dead-lettered): " + s);
            } else if (refusedHere != (letters == 1)) {
                problems.add((letters == 1 ? "dead-lettered" : "replicated") + ": " + s);
            } else if (refusedHere) {
                deadLettered++;
            } else {
                replicated++;
            }
        }
        assertEquals(List.of(), problems, "in = replicated + dead-lettered, each once");
        assertEquals(sim.sentCount(), replicated + deadLettered);
        assertTrue(deadLettered > 0 && replicated > sim.sentCount() / 2, "replicated " + replicated + ", dead-lettered " + deadLettered);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** A consumer with these settings is refused the topic: TopicAuthorizationException names it. */
    private static void assertNotAuthorized(Map<String, Object> client, String topic) {
        Map<String, Object> props = new HashMap<>(client);
        props.remove("group.id");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            c.seekToBeginning(c.assignment());
            TopicAuthorizationException e = assertThrows(TopicAuthorizationException.class, () -> pollUntilThrows(c), topic);
            assertTrue(e.unauthorizedTopics().contains(topic), e.getMessage());
        }
    }

    private static void pollUntilThrows(KafkaConsumer<byte[], byte[]> c) {
        for (long end = System.currentTimeMillis() + 60_000; System.currentTimeMillis() < end; ) {
            assertTrue(c.poll(Duration.ofMillis(500)).isEmpty(), "read records it must not read");
        }
    }

    /** The mutual-TLS listener refuses the TLS handshake of a client with these settings. */
    private static void assertRefusedHandshake(SecureKafka vendor, Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("bootstrap.servers", vendor.mtlsBootstrapServers());
        props.put("default.api.timeout.ms", 30_000);
        try (Admin admin = Admin.create(props)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.listTopics().names().get(60, TimeUnit.SECONDS));
            assertInstanceOf(SslAuthenticationException.class, e.getCause(), "refused at the handshake: " + e.getCause());
        }
    }
}
