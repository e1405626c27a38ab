package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.AuthorizerLog;

/** {@link AuthorizerLog} reads the authorizer's lines as Kafka 3.7's {@code AclAuthorizer} writes them. */
class AuthorizerLogTest {

    static final String DENIED = "Principal = User:odds-sink is Denied Operation = Write from host = 127.0.0.1 on resource = "
            + "Topic:LITERAL:raw.events.dlq for request = Produce with resourceRefCount = 1";

    @Test
    void aDenialNamesPrincipalOperationResourceAndRequest() {
        AuthorizerLog.Decision d = AuthorizerLog.parse(DENIED);
        assertEquals(new AuthorizerLog.Decision("User:odds-sink", false, "Write", "Topic:LITERAL:raw.events.dlq", "Produce"), d);
        assertNull(AuthorizerLog.parse("Processing notification(s) to /kafka-acl-changes"));
    }

    @Test
    void anAllowedOperationUsesTheAclsThatMatchItsPrincipalOperationAndResource() {
        AuthorizerLog.Decision d = AuthorizerLog.parse(DENIED.replace("Denied", "Allowed").replace("raw.events.dlq", "raw.events.nba"));
        assertTrue(d.allowed());
        assertTrue(d.usesAcl(acl("User:odds-sink", ResourceType.TOPIC, "raw.events.", PatternType.PREFIXED, AclOperation.WRITE)));
        assertTrue(d.usesAcl(acl("User:odds-sink", ResourceType.TOPIC, "raw.events.nba", PatternType.LITERAL, AclOperation.WRITE)));
        assertFalse(d.usesAcl(acl("User:odds-source", ResourceType.TOPIC, "raw.events.", PatternType.PREFIXED, AclOperation.WRITE)));
        assertFalse(d.usesAcl(acl("User:odds-sink", ResourceType.TOPIC, "raw.events.", PatternType.PREFIXED, AclOperation.READ)));
        assertFalse(d.usesAcl(acl("User:odds-sink", ResourceType.GROUP, "raw.events.", PatternType.PREFIXED, AclOperation.WRITE)));
        assertFalse(d.usesAcl(acl("User:odds-sink", ResourceType.TOPIC, "raw.events.nb", PatternType.LITERAL, AclOperation.WRITE)));
    }

    private static AclBinding acl(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }
}
