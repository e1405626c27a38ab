package io.oddsupdate.connect.mirror;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.cache.Cache;
import org.apache.kafka.common.cache.LRUCache;
import org.apache.kafka.common.cache.SynchronizedCache;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.mirror.ReplicationPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MirrorMaker 2 {@link ReplicationPolicy} that renames topics by ordered {@code source-regex => target-template}
 * rules, e.g. {@code vendor\.raw\.events\.(.+) => raw.events.$1}, so MirrorMaker itself creates, configures and
 * writes the topic consumers read, and checkpoints describe that topic.
 *
 * <p>The first rule whose regex matches the whole source topic name gives the target name. Rules are checked when the
 * policy is configured: each must be invertible (literal text and capturing groups, every group used by the template),
 * no two rules may produce the same target name, and no rule may produce a name that a rule would map again.
 *
 * <p>A mapped target carries no cluster alias, so its source is the {@code source.cluster.alias} of the connector
 * (MirrorMaker passes the whole connector config to the policy). Topics no rule maps are copied under their own
 * name ({@code identity}, like {@code IdentityReplicationPolicy}) or as {@code <alias><separator><topic>}
 * ({@code prefix}, like {@code DefaultReplicationPolicy}). Heartbeats, and topics already named like an alias-prefixed
 * replica or like a mapped target, always get the alias prefix, so they keep their provenance and never loop.
 */
public class TopicMappingReplicationPolicy implements ReplicationPolicy, Configurable, Versioned {

    private static final Logger log = LoggerFactory.getLogger(TopicMappingReplicationPolicy.class);

    /** The plugin's version, from its jar manifest; every class of this plugin reports it. */
    static final String VERSION = Objects.requireNonNullElse(
            TopicMappingReplicationPolicy.class.getPackage().getImplementationVersion(), "0.1.0-SNAPSHOT");

    public static final String TOPIC_MAPPINGS_CONFIG = "replication.policy.topic.mappings";
    public static final List<String> TOPIC_MAPPINGS_DEFAULT = List.of(
            "vendor\\.raw\\.events\\.(.+) => raw.events.$1",
            "odds\\.updates\\.internal\\.(.+) => odds.updates.public.$1");
    private static final String TOPIC_MAPPINGS_DOC = "Ordered, comma-separated 'source-regex => target-template' rules."
            + " The first rule whose regex matches the whole source topic name gives the target name; '$n' in the template"
            + " is the regex's group n. Outside groups the regex holds only literal topic-name text ('\\.' for a dot) and"
            + " the template must use every group, so a target name maps back to exactly one source name. Rules whose"
            + " targets could collide, or whose target could be mapped again by a rule (a loop), are rejected.";

    public static final String UNMAPPED_TOPICS_CONFIG = "replication.policy.unmapped.topics";
    public static final String UNMAPPED_IDENTITY = "identity";
    public static final String UNMAPPED_PREFIX = "prefix";
    private static final String UNMAPPED_TOPICS_DOC = "What happens to a replicated topic that no rule maps. 'identity': it keeps"
            + " its name on the target and is reported as coming from source.cluster.alias (like IdentityReplicationPolicy;"
            + " not safe for two-way replication of the same topics). 'prefix': it becomes <source alias><separator><topic>"
            + " (like DefaultReplicationPolicy). Which topics are replicated at all is the connector's 'topics' setting.";

    public static final String SEPARATOR_CONFIG = "replication.policy.separator";
    public static final String SEPARATOR_DEFAULT = ".";
    private static final String SEPARATOR_DOC = "Separator between the cluster alias and the topic in alias-prefixed names:"
            + " heartbeats, unmapped topics with 'prefix', and topics that already look like replicas.";

    public static final String SOURCE_CLUSTER_ALIAS_CONFIG = "source.cluster.alias";
    public static final String TARGET_CLUSTER_ALIAS_CONFIG = "target.cluster.alias";
    private static final String SOURCE_CLUSTER_ALIAS_DOC = "Alias of the cluster mapped topics come from, reported by"
            + " topicSource() since a mapped name does not carry it. MirrorMaker passes the connector's own setting; set it"
            + " in MirrorClient / RemoteClusterUtils configs.";
    private static final String TARGET_CLUSTER_ALIAS_DOC = "Alias of the cluster mapped topics are written to; topics on the"
            + " source prefixed with it came from there, so they are not replicated back (MirrorMaker passes the connector's"
            + " own setting).";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(TOPIC_MAPPINGS_CONFIG, ConfigDef.Type.LIST, TOPIC_MAPPINGS_DEFAULT, new MappingsValidator(),
                    ConfigDef.Importance.HIGH, TOPIC_MAPPINGS_DOC)
            .define(UNMAPPED_TOPICS_CONFIG, ConfigDef.Type.STRING, UNMAPPED_IDENTITY,
                    ConfigDef.ValidString.in(UNMAPPED_IDENTITY, UNMAPPED_PREFIX), ConfigDef.Importance.MEDIUM, UNMAPPED_TOPICS_DOC)
            .define(SEPARATOR_CONFIG, ConfigDef.Type.STRING, SEPARATOR_DEFAULT, new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.LOW, SEPARATOR_DOC)
            .define(SOURCE_CLUSTER_ALIAS_CONFIG, ConfigDef.Type.STRING, "source", new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.MEDIUM, SOURCE_CLUSTER_ALIAS_DOC)
            .define(TARGET_CLUSTER_ALIAS_CONFIG, ConfigDef.Type.STRING, "target", new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.LOW, TARGET_CLUSTER_ALIAS_DOC);

    // MirrorSourceTask asks for the target of every record, for the same few topics: remember each rule outcome
    private Cache<String, String> targets;
    private List<TopicMapping> mappings;
    private boolean identity;
    private String separator;
    private String sourceAlias;
    private String targetAlias;

    public TopicMappingReplicationPolicy() {
        configure(Collections.emptyMap());
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void configure(Map<String, ?> props) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, props, false);
        mappings = parse(config.getList(TOPIC_MAPPINGS_CONFIG));
        targets = new SynchronizedCache<>(new LRUCache<>(1_000));
        identity = UNMAPPED_IDENTITY.equals(config.getString(UNMAPPED_TOPICS_CONFIG));
        separator = config.getString(SEPARATOR_CONFIG);
        sourceAlias = config.getString(SOURCE_CLUSTER_ALIAS_CONFIG);
        targetAlias = config.getString(TARGET_CLUSTER_ALIAS_CONFIG);
        if (!props.isEmpty()) {
            log.info("TopicMappingReplicationPolicy for {}->{}: rules {}, unmapped topics: {}",
                    sourceAlias, targetAlias, config.getList(TOPIC_MAPPINGS_CONFIG), config.getString(UNMAPPED_TOPICS_CONFIG));
        }
    }

    @Override
    public String formatRemoteTopic(String sourceClusterAlias, String topic) {
        String mapped = mappedTarget(topic);
        if (mapped != null) {
            return mapped;
        }
        if (identity && isPlain(topic)) {
            return topic;
        }
        return sourceClusterAlias + separator + topic;
    }

    @Override
    public String topicSource(String topic) {
        if (topic == null) {
            return null;
        }
        if (mappedSource(topic) != null) {
            return sourceAlias;
        }
        if (mappedTarget(topic) != null) {
            return null; // a source name of a rule is an original, never a replica
        }
        String alias = prefixAlias(topic);
        if (alias != null) {
            return alias;
        }
        return identity && !looksLikeHeartbeats(topic) ? sourceAlias : null;
    }

    @Override
    public String upstreamTopic(String topic) {
        if (topic == null) {
            return null;
        }
        String mapped = mappedSource(topic);
        if (mapped != null) {
            return mapped;
        }
        if (mappedTarget(topic) != null) {
            return null;
        }
        String alias = prefixAlias(topic);
        if (alias != null) {
            return topic.substring(alias.length() + separator.length());
        }
        return identity && !looksLikeHeartbeats(topic) ? topic : null;
    }

    // heartbeatsTopic, offsetSyncsTopic, checkpointsTopic, isCheckpointsTopic, isMM2InternalTopic and isInternalTopic
    // keep ReplicationPolicy's defaults ("heartbeats", "mm2-offset-syncs.<alias>.internal", "<alias>.checkpoints.internal";
    // names starting "__" or "." or ending ".internal"/"-internal" are never replicated): the same names
    // DefaultReplicationPolicy uses with the default separator, so existing MirrorMaker tooling finds them.

    @Override
    public String originalTopic(String topic) {
        // Iterative rather than the interface's recursion: mapped and prefixed names always shorten or end the chain,
        // but a loop guard costs nothing.
        String current = topic;
        for (int hops = 0; hops < 100; hops++) {
            String upstream = upstreamTopic(current);
            if (upstream == null || upstream.equals(current)) {
                return current;
            }
            current = upstream;
        }
        return current;
    }

    /** Target name by the first matching rule, or null when no rule maps {@code topic}. */
    private String mappedTarget(String topic) {
        String target = targets.get(topic);
        if (target == null) {
            target = applyRules(topic);
            targets.put(topic, target);
        }
        return target.isEmpty() ? null : target;
    }

    private String applyRules(String topic) {
        for (TopicMapping m : mappings) {
            String target = m.apply(topic);
            if (target != null) {
                return target;
            }
        }
        return ""; // no rule: a topic name is never empty
    }

    /** Source name of a mapped target name, or null when {@code topic} is not what the rules make of any name. */
    private String mappedSource(String topic) {
        for (TopicMapping m : mappings) {
            String source = m.invert(topic);
            if (source != null && topic.equals(mappedTarget(source))) {
                return source;
            }
        }
        return null;
    }

    /**
     * Alias of an alias-prefixed replica name: heartbeats may carry any alias (multi-hop heartbeats); other topics only
     * this flow's source or target alias, since topic names such as {@code raw.events.nba} contain the separator.
     */
    private String prefixAlias(String topic) {
        if (looksLikeHeartbeats(topic)) {
            int i = topic.indexOf(separator);
            return i > 0 && i + separator.length() < topic.length() ? topic.substring(0, i) : null;
        }
        for (String alias : new String[] {sourceAlias, targetAlias}) {
            if (topic.startsWith(alias + separator) && topic.length() > alias.length() + separator.length()) {
                return alias;
            }
        }
        return null;
    }

    private boolean looksLikeHeartbeats(String topic) {
        return topic.equals(heartbeatsTopic()) || topic.endsWith(separator + heartbeatsTopic());
    }

    /** Neither heartbeats nor named like a replica: such a topic may keep its name on the target. */
    private boolean isPlain(String topic) {
        return !looksLikeHeartbeats(topic) && prefixAlias(topic) == null && mappedSource(topic) == null;
    }

    private static List<TopicMapping> parse(List<String> rules) {
        List<TopicMapping> mappings = new ArrayList<>();
        for (String rule : rules) {
            int number = mappings.size() + 1;
            try {
                mappings.add(TopicMapping.parse(number, rule));
            } catch (IllegalArgumentException e) {
                throw invalid(rules, "rule " + number + " '" + rule.strip() + "': " + e.getMessage());
            }
        }
        for (TopicMapping a : mappings) {
            for (TopicMapping b : mappings) {
                if (a.number < b.number && a.targetShape.mayOverlap(b.targetShape)) {
                    throw invalid(rules, a + " and " + b + " can produce the same target name (targets '"
                            + a.targetShape.prefix + "...' and '" + b.targetShape.prefix + "...'); give them distinct"
                            + " literal prefixes or suffixes");
                }
                if (a.targetShape.mayOverlap(b.sourceShape)) {
                    throw invalid(rules, "a target of " + a + " can be matched by " + (a == b ? "its own" : b + "'s")
                            + " regex, so a replica could be mapped again (a loop)");
                }
            }
        }
        return mappings;
    }

    /**
     * {@code base} plus this policy's own keys, for the connectors of this plugin: Connect validates a connector config
     * against the connector's ConfigDef, so bad rules are reported by {@code PUT /connector-plugins/.../config/validate}
     * and block {@code PUT /connectors/.../config}, before any task runs.
     */
    static ConfigDef withPolicyKeys(ConfigDef base) {
        ConfigDef def = new ConfigDef(base);
        for (ConfigDef.ConfigKey key : CONFIG_DEF.configKeys().values()) {
            if (!def.configKeys().containsKey(key.name)) {
                def.define(key);
            }
        }
        return def;
    }

    private static ConfigException invalid(List<String> rules, String message) {
        return new ConfigException(TOPIC_MAPPINGS_CONFIG, String.join(", ", rules),
                TopicMappingReplicationPolicy.class.getSimpleName() + " " + message);
    }

    /** Validates the rules when the config is parsed, so a connector with bad rules fails before it copies anything. */
    private static final class MappingsValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> rules = (List<String>) value;
            if (rules == null || rules.isEmpty()) {
                throw new ConfigException(name, value, TopicMappingReplicationPolicy.class.getSimpleName()
                        + " needs at least one rule");
            }
            parse(rules);
        }

        @Override
        public String toString() {
            return "ordered 'source-regex => target-template' rules, e.g. " + TOPIC_MAPPINGS_DEFAULT.get(0);
        }
    }

    @Override
    public String toString() {
        return "TopicMappingReplicationPolicy" + Arrays.asList(sourceAlias, targetAlias);
    }
}
