package org.apache.kafka.connect.mirror;

import java.util.Map;

/**
 * Test-only: MirrorMaker's own answer to "which internal topic does this connector config use, and on which cluster",
 * from the package-private methods of connect-mirror (the version on the test class path, the runtime's). Grant tests
 * ask MirrorMaker instead of restating its naming rules.
 */
public final class MirrorTopicNames {

    private MirrorTopicNames() {
    }

    /** {@code MirrorSourceConfig.offsetSyncsTopic()}: named after the alias of the cluster it does NOT live on. */
    public static String offsetSyncsTopic(Map<String, String> sourceConnectorConfig) {
        return new MirrorSourceConfig(sourceConnectorConfig).offsetSyncsTopic();
    }

    /** The alias of the cluster the offset-syncs topic lives on ({@code offset-syncs.topic.location}). */
    public static String offsetSyncsClusterAlias(Map<String, String> sourceConnectorConfig) {
        MirrorSourceConfig c = new MirrorSourceConfig(sourceConnectorConfig);
        return "source".equals(c.offsetSyncsTopicLocation()) ? c.sourceClusterAlias() : c.targetClusterAlias();
    }

    /** {@code MirrorHeartbeatConfig.heartbeatsTopic()}, created and written on the target cluster. */
    public static String heartbeatsTopic(Map<String, String> heartbeatConnectorConfig) {
        return new MirrorHeartbeatConfig(heartbeatConnectorConfig).heartbeatsTopic();
    }

    public static String targetClusterAlias(Map<String, String> config) {
        return new MirrorHeartbeatConfig(config).targetClusterAlias();
    }
}
