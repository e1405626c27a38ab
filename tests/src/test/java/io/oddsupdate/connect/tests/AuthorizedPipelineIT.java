package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.oddsupdate.connect.testkit.AuthorizerLog;

/**
 * The grants of {@code connectors.json}, proven by a run: the whole pipeline ({@link Pipeline}) with core and edge
 * authorizing every request by ACL ({@code AclAuthorizer}, {@code allow.everyone.if.no.acl.found=false}), each
 * connector logged in as its own SCRAM user through its client overrides, the worker as its own, and no ACL but those
 * {@link io.oddsupdate.connect.deploy.KafkaAcls} derives from {@code connectors.json} (the file the IAM policies are
 * rendered from). Every event must be accounted for exactly as without authorization, and no broker may have refused
 * anyone anything: a grant missing from {@code connectors.json} shows up as a denial (or a stuck pipeline), naming the
 * principal, the operation and the resource.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthorizedPipelineIT {

    static SeedData seed;
    static AuthorizerLog authorizer;
    static Pipeline pipeline;

    @BeforeAll
    static void start() {
        seed = SeedData.load();
        authorizer = AuthorizerLog.record();
        pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()).withAuthorization());
        for (Pipeline.Stage stage : Pipeline.Stage.values()) {
            assertTrue(pipeline.running(stage), stage + ": " + pipeline.stages().get(stage));
        }
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (authorizer != null) {
            authorizer.close();
        }
    }

    /**
     * A short burst of whole games with malformed events: every event priced at the edge, dead-lettered or applied,
     * every odds update once internally, at the edge and in bronze; no refused operation anywhere.
     */
    @Test
    @Order(1)
    void everyConnectorDoesItsWholeJobWithOnlyTheGrantsOfConnectorsJson() throws Exception {
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, 12, 0.05, VendorSimulator.Kind.handled(), 15L);
        try (PipelineTally tally = new PipelineTally(pipeline, sim)) {
            sim.playAll(VendorSimulator.Kind.handled());
            PipelineTally.Reconciliation r = tally.awaitReconciled(Duration.ofSeconds(150), () -> { });

            assertEquals(List.of(), r.get(PipelineTally.Outcome.PENDING), "events neither priced nor dead-lettered nor applied; "
                    + "denials: " + authorizer.distinctDenials() + "; not running: " + pipeline.notRunning());
            assertEquals(Map.of(), r.problems(), "exact accounting per event and per odds update: " + r.odds());
            assertEquals(Map.of(), tally.violations(), "checks on the records at core and edge");
            assertEquals(List.of(), tally.unidentifiedDeadLetters(), "dead letters that match no vendor event");
            assertTrue(r.odds().expected() > 50, r.odds().toString());
            assertEquals(r.odds().expected(), r.odds().internal(), r.odds().toString());
            assertEquals(r.odds().expected(), r.odds().edge(), r.odds().toString());
            assertEquals(0, pipeline.awaitBronzeCommitted(Duration.ofSeconds(60)), "internal odds updates not committed to bronze");
            assertEquals(List.of(), pipeline.notRunning(), "every connector and task still running");
            System.out.println("AuthorizedPipelineIT: " + r.odds() + "; vendor events " + sim.sent().size() + "; ACLs core "
                    + pipeline.authorized().acls(AuthorizedClusters.CORE).size() + ", edge " + pipeline.authorized().acls(AuthorizedClusters.EDGE).size());
        }
        for (String cluster : List.of(AuthorizedClusters.CORE, AuthorizedClusters.EDGE)) {
            // not a failure: some grants serve what a short run does not do (create a missing topic, add partitions)
            authorizer.unused(pipeline.authorized().acls(cluster)).forEach(b -> System.out.println("AuthorizedPipelineIT: unused on "
                    + cluster + ": " + b.entry().principal() + " " + b.entry().operation() + " " + b.pattern().resourceType() + " "
                    + b.pattern().patternType() + " " + b.pattern().name()));
        }
        assertEquals(List.of(), authorizer.distinctDenials(), "operations the brokers refused: a grant connectors.json lacks");
    }

    /**
     * The check above bites: take one derived grant away (the odds sink's WRITE on its dead-letter topic) and the odds
     * sink's login is refused that write, and the refusal is among the recorded denials.
     */
    @Test
    @Order(2)
    void aGrantTakenAwayIsRefusedAndRecorded() throws Exception {
        AuthorizedClusters authorized = pipeline.authorized();
        List<AclBinding> dlqWrite = authorized.acls(AuthorizedClusters.CORE).stream()
                .filter(b -> b.entry().principal().equals("User:odds-sink") && b.pattern().resourceType() == ResourceType.TOPIC
                        && b.pattern().name().equals(Pipeline.RAW_DLQ) && b.entry().operation() == AclOperation.WRITE)
                .toList();
        assertEquals(1, dlqWrite.size(), "the odds sink's derived WRITE on " + Pipeline.RAW_DLQ + ": " + dlqWrite);
        authorized.core().deleteAcls(dlqWrite);
        try {
            Map<String, Object> client = new HashMap<>(authorized.core().scramClient("odds-sink", "unused"));
            client.put("sasl.jaas.config", authorized.secrets().get("odds-sink.sasl.jaas.config"));
            client.put("bootstrap.servers", authorized.core().scramBootstrapServers());
            client.put("max.block.ms", "20000");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>(Pipeline.RAW_DLQ, new byte[] {1})).get(30, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, e.getCause());
            }
            assertTrue(authorizer.denialsOf("User:odds-sink").stream().anyMatch(d -> d.operation().equals("Write")
                    && d.resource().equals("Topic:LITERAL:" + Pipeline.RAW_DLQ)), "recorded: " + authorizer.distinctDenials());
        } finally {
            authorized.core().createAcls(dlqWrite);
        }
    }
}
