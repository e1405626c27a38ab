package io.oddsupdate.connect.mirror;

import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.mirror.MirrorSourceConfig;
import org.apache.kafka.connect.mirror.MirrorSourceConnector;

/**
 * Kafka's {@link MirrorSourceConnector} (copies records and topic configs, creating each target topic under its mapped name), loaded from this plugin so that it finds
 * {@link TopicMappingReplicationPolicy}, and validating the policy's rules with the connector config.
 *
 * <p>Why a subclass: Connect does not treat a ReplicationPolicy as a plugin, so the stock connector, which a worker loads
 * from its own class path, resolves {@code replication.policy.class} without looking into plugin directories. This class
 * lives in the plugin, so the connector runs with the plugin's class loader. Its behaviour is the stock connector's, with
 * one addition: it fails, with the reason in its status, when the source cluster refuses its credentials, at start and
 * at every topic refresh after ({@link SourceCredentialCheck}).
 */
public class TopicMappingMirrorSourceConnector extends MirrorSourceConnector {

    private SourceCredentialCheck credentials;

    @Override
    public ConfigDef config() {
        return TopicMappingReplicationPolicy.withPolicyKeys(super.config());
    }

    @Override
    public void start(Map<String, String> props) {
        credentials = new SourceCredentialCheck(props);
        credentials.check();
        super.start(props);
        // credentials revoked or rotated on the source while running: the tasks' consumers only log their failures
        // (MirrorSourceTask.poll swallows KafkaException), so check again with each topic refresh
        if (Boolean.parseBoolean(props.getOrDefault(MirrorSourceConfig.REFRESH_TOPICS_ENABLED, "true"))) {
            credentials.repeat(Long.parseLong(props.getOrDefault(MirrorSourceConfig.REFRESH_TOPICS_INTERVAL_SECONDS,
                    Long.toString(MirrorSourceConfig.REFRESH_TOPICS_INTERVAL_SECONDS_DEFAULT))), context());
        }
    }

    @Override
    public void stop() {
        if (credentials != null) {
            credentials.close();
            credentials = null;
        }
        super.stop();
    }

    /** This plugin's version (the stock connector reports Kafka's). */
    @Override
    public String version() {
        return TopicMappingReplicationPolicy.VERSION;
    }
}
