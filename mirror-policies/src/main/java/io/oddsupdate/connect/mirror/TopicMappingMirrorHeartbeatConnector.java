package io.oddsupdate.connect.mirror;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.mirror.MirrorHeartbeatConnector;

/**
 * Kafka's {@link MirrorHeartbeatConnector} (emits heartbeats), loaded from this plugin so that it finds
 * {@link TopicMappingReplicationPolicy}, and validating the policy's rules with the connector config.
 *
 * <p>Why a subclass: Connect does not treat a ReplicationPolicy as a plugin, so the stock connector, which a worker loads
 * from its own class path, resolves {@code replication.policy.class} without looking into plugin directories. This class
 * lives in the plugin, so the connector runs with the plugin's class loader. Its behaviour is the stock connector's.
 */
public class TopicMappingMirrorHeartbeatConnector extends MirrorHeartbeatConnector {

    @Override
    public ConfigDef config() {
        return TopicMappingReplicationPolicy.withPolicyKeys(super.config());
    }

    @Override
    public String version() {
        return TopicMappingReplicationPolicy.VERSION;
    }
}
