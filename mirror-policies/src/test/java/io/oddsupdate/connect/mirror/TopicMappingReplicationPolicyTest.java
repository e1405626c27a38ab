package io.oddsupdate.connect.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.mirror.MirrorClient;
import org.apache.kafka.connect.mirror.ReplicationPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.oddsupdate.connect.testkit.ConfigDocs;

class TopicMappingReplicationPolicyTest {

    private static TopicMappingReplicationPolicy policy(String... kv) {
        Map<String, Object> props = new HashMap<>();
        props.put("source.cluster.alias", "vendor");
        props.put("target.cluster.alias", "core");
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        TopicMappingReplicationPolicy p = new TopicMappingReplicationPolicy();
        p.configure(props);
        return p;
    }

    @Test
    void defaultRulesRenameBothHops() {
        TopicMappingReplicationPolicy p = policy();
        assertEquals("raw.events.nba", p.formatRemoteTopic("vendor", "vendor.raw.events.nba"));
        assertEquals("odds.updates.public.nfl", p.formatRemoteTopic("core", "odds.updates.internal.nfl"));
        assertEquals("vendor.raw.events.nba", p.upstreamTopic("raw.events.nba"));
        assertEquals("odds.updates.internal.nfl", p.upstreamTopic("odds.updates.public.nfl"));
        assertEquals("vendor", p.topicSource("raw.events.nba"));
        assertEquals("vendor.raw.events.nba", p.originalTopic("raw.events.nba"));
    }

    @Test
    void unconfiguredPolicyUsesTheDefaults() {
        TopicMappingReplicationPolicy p = new TopicMappingReplicationPolicy();
        assertEquals("raw.events.mlb", p.formatRemoteTopic("source", "vendor.raw.events.mlb"));
        assertEquals("source", p.topicSource("raw.events.mlb"));
    }

    @Test
    void sourceNamesOfRulesAreOriginalsNotReplicas() {
        TopicMappingReplicationPolicy p = policy();
        assertNull(p.topicSource("vendor.raw.events.nba"));
        assertNull(p.upstreamTopic("vendor.raw.events.nba"));
        assertEquals("vendor.raw.events.nba", p.originalTopic("vendor.raw.events.nba"));
    }

    @Test
    void firstMatchingRuleWins() {
        TopicMappingReplicationPolicy p = policy("replication.policy.topic.mappings",
                "a\\.vip\\.(.+) => x.vip.$1, a\\.(.+) => y.$1");
        assertEquals("x.vip.nba", p.formatRemoteTopic("vendor", "a.vip.nba"));
        assertEquals("y.nba", p.formatRemoteTopic("vendor", "a.nba"));
        assertEquals("a.vip.nba", p.upstreamTopic("x.vip.nba"));
        // y.vip.nba would come from a.vip.nba, which rule 1 maps elsewhere: not an output of these rules
        assertEquals("vendor", p.topicSource("y.vip.nba"));
        assertEquals("y.vip.nba", p.upstreamTopic("y.vip.nba"));
    }

    @Test
    void groupsMayBeReorderedAndConstrained() {
        TopicMappingReplicationPolicy p = policy("replication.policy.topic.mappings",
                "feed-([a-z]+)-(\\d+) => league.$2.$1");
        assertEquals("league.7.nba", p.formatRemoteTopic("vendor", "feed-nba-7"));
        assertEquals("feed-nba-7", p.upstreamTopic("league.7.nba"));
        assertEquals("feed-NBA-7", p.formatRemoteTopic("vendor", "feed-NBA-7"), "unmapped: identity");
    }

    @Test
    void unmappedTopicsKeepTheirNameByDefault() {
        TopicMappingReplicationPolicy p = policy();
        assertEquals("orders", p.formatRemoteTopic("vendor", "orders"));
        assertEquals("vendor", p.topicSource("orders"));
        assertEquals("orders", p.upstreamTopic("orders"));
        assertEquals("orders", p.originalTopic("orders"));
    }

    @Test
    void unmappedTopicsCanBePrefixed() {
        TopicMappingReplicationPolicy p = policy("replication.policy.unmapped.topics", "prefix");
        assertEquals("vendor.orders", p.formatRemoteTopic("vendor", "orders"));
        assertEquals("vendor", p.topicSource("vendor.orders"));
        assertEquals("orders", p.upstreamTopic("vendor.orders"));
        assertNull(p.topicSource("orders"), "a local topic is not remote");
        assertNull(p.upstreamTopic("orders"));
        assertEquals("raw.events.nba", p.formatRemoteTopic("vendor", "vendor.raw.events.nba"), "rules still apply");
        assertEquals("vendor_orders", policy("replication.policy.unmapped.topics", "prefix",
                "replication.policy.separator", "_").formatRemoteTopic("vendor", "orders"));
    }

    @Test
    void replicaNamedTopicsOnTheSourceKeepTheirProvenance() {
        TopicMappingReplicationPolicy p = policy();
        // a topic named like a mapped target must not be merged into the mapped replica on the target cluster
        assertEquals("vendor.odds.updates.public.nba", p.formatRemoteTopic("vendor", "odds.updates.public.nba"));
        // a replica of the target cluster's topics is recognised as coming from there: MirrorMaker's cycle check
        assertEquals("core", p.topicSource("core.orders"));
        assertEquals("orders", p.upstreamTopic("core.orders"));
        assertEquals("vendor.core.orders", p.formatRemoteTopic("vendor", "core.orders"));
    }

    @Test
    void heartbeatsAreAliasPrefixed() {
        TopicMappingReplicationPolicy p = policy();
        assertEquals("heartbeats", p.heartbeatsTopic());
        assertEquals("vendor.heartbeats", p.formatRemoteTopic("vendor", "heartbeats"));
        assertEquals("edge.vendor.heartbeats", p.formatRemoteTopic("edge", "vendor.heartbeats"));
        assertNull(p.topicSource("heartbeats"));
        assertNull(p.upstreamTopic("heartbeats"));
        assertEquals("other", p.topicSource("other.heartbeats"), "heartbeats carry any alias");
        assertEquals("vendor.heartbeats", p.upstreamTopic("edge.vendor.heartbeats"));
        assertEquals("heartbeats", p.originalTopic("edge.vendor.heartbeats"));
        assertTrue(p.isHeartbeatsTopic("heartbeats"));
        assertTrue(p.isHeartbeatsTopic("edge.vendor.heartbeats"));
        assertFalse(p.isHeartbeatsTopic("raw.events.nba"));
    }

    @Test
    void internalTopicsKeepMirrorMakersNamesAndAreNeverReplicated() {
        TopicMappingReplicationPolicy p = policy();
        assertEquals("mm2-offset-syncs.core.internal", p.offsetSyncsTopic("core"));
        assertEquals("vendor.checkpoints.internal", p.checkpointsTopic("vendor"));
        assertTrue(p.isCheckpointsTopic("vendor.checkpoints.internal"));
        assertTrue(p.isMM2InternalTopic("mm2-offset-syncs.core.internal"));
        for (String t : List.of("__consumer_offsets", "mm2-offset-syncs.core.internal", "vendor.checkpoints.internal",
                "connect-offsets-internal", ".hidden", "mm2-configs.vendor.internal")) {
            assertTrue(p.isInternalTopic(t), t);
        }
        for (String t : List.of("odds.updates.internal.nba", "raw.events.nba", "heartbeats")) {
            assertFalse(p.isInternalTopic(t), t);
        }
    }

    @Test
    void mirrorClientConfigConfiguresThePolicyFromTheSameKeys() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9");
        props.put("replication.policy.class", TopicMappingReplicationPolicy.class.getName());
        props.put("replication.policy.topic.mappings", "in\\.(.+) => out.$1");
        props.put("source.cluster.alias", "core");
        try (MirrorClient client = new MirrorClient(props)) {
            ReplicationPolicy p = client.replicationPolicy();
            assertEquals("out.x", p.formatRemoteTopic("core", "in.x"));
            assertEquals("core", p.topicSource("out.x"));
        }
    }

    /** upstreamTopic(formatRemoteTopic(a, t)) == t, and the name is reported as coming from the right cluster. */
    @ParameterizedTest
    @CsvSource({"identity", "prefix"})
    void roundTripsOverGeneratedTopicNames(String unmapped) {
        TopicMappingReplicationPolicy p = policy("replication.policy.unmapped.topics", unmapped,
                "replication.policy.topic.mappings",
                "vendor\\.raw\\.events\\.(.+) => raw.events.$1, odds\\.updates\\.internal\\.(.+) => odds.updates.public.$1,"
                        + " feed-([a-z]+)-(\\d+) => league.$2.$1");
        Random random = new Random(42);
        String[] prefixes = {"vendor.raw.events.", "odds.updates.internal.", "odds.updates.public.", "raw.events.",
            "feed-", "core.", "vendor.", "", "x.", "heartbeats.", "league."};
        String chars = "abcdefghijklmnopqrstuvwxyzABC0123456789._-";
        List<String> topics = new ArrayList<>(List.of("heartbeats", "vendor.heartbeats", "feed-nba-12", "a"));
        for (int i = 0; i < 5000; i++) {
            StringBuilder t = new StringBuilder(prefixes[random.nextInt(prefixes.length)]);
            int len = 1 + random.nextInt(12);
            for (int j = 0; j < len; j++) {
                t.append(chars.charAt(random.nextInt(chars.length())));
            }
            topics.add(t.toString());
        }
        for (String t : topics) {
            String remote = p.formatRemoteTopic("vendor", t);
            if (t.startsWith("raw.events.")) {
                // a vendor-side topic named like a mapped target becomes "vendor.raw.events.X", itself a rule's source
                // name (documented limitation: the vendor hop's 'topics' selects vendor.raw.events.* only)
                assertEquals("vendor." + t, remote);
                continue;
            }
            assertEquals(t, p.upstreamTopic(remote), () -> t + " -> " + remote);
            assertEquals("vendor", p.topicSource(remote), () -> t + " -> " + remote);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "no arrow here                              | expected 'source-regex => target-template'",
        "a\\.(.+ => b.$1                            | invalid regex",
        "a{1,3}\\.(.+) => b.$1                     | a rule cannot contain one",
        "a\\.(.+) => b.$2                           | references group $2 but the regex has only 1 group",
        "a\\.b => c.$1                              | references group $1 but the regex has no groups",
        "a\\.(.+)\\.(.+) => b.$1                    | does not use group $2",
        "a.(.+) => b.$1                             | '.' outside a group",
        "a\\.(x(y)) => b.$1                         | nested capturing group",
        "a\\.(?<n>.+) => b.$1                       | '(?' outside a group",
        "(.+)\\.x => $1                             | a loop",
        "a\\.(.+) => b/$1                           | not a legal topic-name character",
        "a\\.(.+) => b.$                            | must be followed by a group number",
        " => b                                      | must both be non-empty",
        "a\\.(.+) => a.b.$1                         | its own regex, so a replica could be mapped again",
        "vendor\\.(.+) => $1                        | a loop",
        "a\\.(.+) => t.$1, b\\.(.+) => t.$1         | can produce the same target name",
        "a\\.(.+) => t.x, b\\.(.+) => t.$1          | does not use group $1",
        "a\\.one => t.one, b\\.one => t.one         | can produce the same target name",
        "a\\.one => t.one, b\\.(.+) => t.$1         | can produce the same target name",
        "a\\.(.+) => b.$1, b\\.(.+) => c.$1         | matched by rule 2",
    })
    void invalidRulesAreRejectedWithTheKeyAndTheRule(String rules, String expected) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> policy("replication.policy.topic.mappings", rules));
        assertTrue(e.getMessage().contains("replication.policy.topic.mappings"), e.getMessage());
        assertTrue(e.getMessage().contains("TopicMappingReplicationPolicy"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void otherSettingsAreValidated() {
        assertThrows(ConfigException.class, () -> policy("replication.policy.unmapped.topics", "drop"));
        assertThrows(ConfigException.class, () -> policy("replication.policy.topic.mappings", ""));
        assertThrows(ConfigException.class, () -> policy("replication.policy.separator", ""));
    }

    @Test
    void disjointLiteralTargetsAreAccepted() {
        TopicMappingReplicationPolicy p = policy("replication.policy.topic.mappings",
                "a\\.(\\d+) => t.n$1, b\\.([a-z]+) => t.s$1, c\\.one => t.one");
        assertEquals("t.n12", p.formatRemoteTopic("vendor", "a.12"));
        assertEquals("b.nba", p.upstreamTopic("t.snba"));
        assertEquals("c.one", p.upstreamTopic("t.one"));
    }

    @Test
    void pluginConnectorsValidateThePolicyKeysWithTheirOwnConfig() {
        Map<String, String> props = new HashMap<>();
        props.put("source.cluster.alias", "vendor");
        props.put("target.cluster.alias", "core");
        props.put("replication.policy.class", TopicMappingReplicationPolicy.class.getName());
        props.put("replication.policy.topic.mappings", "a\\.(.+) => b.$2");
        for (org.apache.kafka.connect.connector.Connector c : List.of(new TopicMappingMirrorSourceConnector(),
                new TopicMappingMirrorCheckpointConnector(), new TopicMappingMirrorHeartbeatConnector())) {
            List<String> errors = c.validate(props).configValues().stream()
                    .filter(v -> v.name().equals("replication.policy.topic.mappings"))
                    .flatMap(v -> v.errorMessages().stream()).collect(java.util.stream.Collectors.toList());
            assertEquals(1, errors.size(), c.getClass() + ": " + errors);
            assertTrue(errors.get(0).contains("references group $2"), errors.get(0));
            assertTrue(c.config().configKeys().containsKey("replication.policy.unmapped.topics"));
        }
    }

    @Test
    void configDocs() {
        ConfigDocs.check("docs/config/TopicMappingReplicationPolicy.md", ConfigDocs.markdown(
                TopicMappingReplicationPolicy.class.getName(),
                "MirrorMaker 2 replication policy (`replication.policy.class`) that renames topics by ordered"
                        + " `source-regex => target-template` rules. Use it with this plugin's connectors"
                        + " (`TopicMappingMirrorSourceConnector`, `TopicMappingMirrorCheckpointConnector`,"
                        + " `TopicMappingMirrorHeartbeatConnector`: the stock ones, loaded from the plugin so they find the"
                        + " policy, and validating these keys). MirrorMaker passes the whole connector config to the policy,"
                        + " so these keys go into each connector's config, and into MirrorClient / RemoteClusterUtils configs."
                        + " Heartbeats, offset-syncs and checkpoints topics keep MirrorMaker's default names.",
                TopicMappingReplicationPolicy.CONFIG_DEF));
    }
}
