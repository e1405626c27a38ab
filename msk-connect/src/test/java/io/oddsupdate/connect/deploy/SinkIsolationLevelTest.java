package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigRequest;
import org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.health.ConnectorType;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;

/**
 * What the sinks' {@code read_committed} depends on under MSK Connect, which documents neither its
 * {@code connector.client.config.override.policy} (a worker configuration may not set it) nor allows
 * {@code consumer.isolation.level} in a worker configuration ("Supported worker configuration properties": not in its
 * consumer. list). So {@code consumer.override.isolation.level} in the connector config is the only way to ask for it,
 * and this shows, with Connect's own policy classes, that whatever policy MSK runs, the outcome is never silent:
 * Connect 3.7's default ({@code All}) accepts it; the stricter built-in policies reject it at validation, on the key,
 * so CreateConnector fails instead of running the sink at read_uncommitted.
 */
class SinkIsolationLevelTest {

    @Test
    void connect37DefaultPolicyIsAll() {
        assertEquals("All", WorkerConfig.CONNECTOR_CLIENT_POLICY_CLASS_DEFAULT);
        assertFalse(MskConnectRulesTest.CONSUMER_PROPERTIES.contains("consumer.isolation.level"),
                "MSK documents no worker-level consumer.isolation.level: the connector override is the only way");
    }

    @Test
    void everyPolicyEitherHonoursOrRefusesTheSinksOverrideNeverIgnoresIt() {
        int sinks = 0;
        for (Map.Entry<String, Map<String, String>> c : ShippedConfigs.connectors(MskConnectRulesTest.ENV).entrySet()) {
            Class<? extends Connector> cls = connectorClass(c.getValue().get("connector.class"));
            if (!SinkConnector.class.isAssignableFrom(cls)) {
                continue;
            }
            sinks++;
            Map<String, Object> overrides = new TreeMap<>();
            c.getValue().forEach((k, v) -> {
                if (k.startsWith("consumer.override.")) {
                    overrides.put(k.substring("consumer.override.".length()), v);
                }
            });
            assertEquals("read_committed", overrides.get("isolation.level"), c.getKey());
            ConnectorClientConfigRequest request = new ConnectorClientConfigRequest(c.getKey(), ConnectorType.SINK, cls, overrides,
                    ConnectorClientConfigRequest.ClientType.CONSUMER);
            assertEquals(List.of(), errors(new AllConnectorClientConfigOverridePolicy(), request), c.getKey() + " under All");
            for (ConnectorClientConfigOverridePolicy strict : List.of(new NoneConnectorClientConfigOverridePolicy(),
                    new PrincipalConnectorClientConfigOverridePolicy())) {
                List<String> errors = errors(strict, request);
                assertTrue(errors.stream().anyMatch(e -> e.startsWith("isolation.level:")),
                        c.getKey() + " under " + strict.getClass().getSimpleName() + ": refused on the key, not ignored: " + errors);
            }
        }
        assertEquals(3, sinks, "odds-sink, bronze-s3-sink and clickhouse-sink");
    }

    private static List<String> errors(ConnectorClientConfigOverridePolicy policy, ConnectorClientConfigRequest request) {
        return policy.validate(request).stream().filter(v -> !v.errorMessages().isEmpty())
                .map(v -> v.name() + ": " + v.errorMessages()).toList();
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends Connector> connectorClass(String name) {
        try {
            return (Class<? extends Connector>) Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name, e);
        }
    }
}
