package io.oddsupdate.connect.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The credential check's admin client gets what MirrorMaker's source admin gets; SecurityIT (tests/) runs it for real. */
class SourceCredentialCheckTest {

    @Test
    void credentialCheckUsesTheSourceAdminSettingsInMirrorMakersOrder() {
        Map<String, String> props = new HashMap<>();
        props.put("source.cluster.alias", "vendor");
        props.put("source.cluster.bootstrap.servers", "vendor:9096");
        props.put("source.cluster.security.protocol", "SASL_SSL");
        props.put("source.cluster.sasl.mechanism", "SCRAM-SHA-512");
        props.put("source.cluster.sasl.jaas.config", "${secretsmanager:odds-update/vendor-kafka:sasl.jaas.config}");
        props.put("source.cluster.ssl.truststore.type", "PEM");
        props.put("source.cluster.linger.ms", "5");
        props.put("target.cluster.bootstrap.servers", "core:9098");
        props.put("admin.request.timeout.ms", "10000");
        props.put("source.admin.request.timeout.ms", "20000");

        Map<String, Object> expected = new HashMap<>();
        expected.put("bootstrap.servers", "vendor:9096");
        expected.put("security.protocol", "SASL_SSL");
        expected.put("sasl.mechanism", "SCRAM-SHA-512");
        expected.put("sasl.jaas.config", "${secretsmanager:odds-update/vendor-kafka:sasl.jaas.config}");
        expected.put("ssl.truststore.type", "PEM");
        // admin.* then source.admin.* override the cluster's settings; non-client keys and the target stay out
        expected.put("request.timeout.ms", "20000");
        expected.put("client.id", "vendor-to-core|credential-check");
        assertEquals(expected, SourceCredentialCheck.sourceAdminConfig(props, "vendor-to-core"));
    }
}
