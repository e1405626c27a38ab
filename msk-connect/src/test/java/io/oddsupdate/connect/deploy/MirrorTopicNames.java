package io.oddsupdate.connect.deploy;

import java.lang.reflect.Method;
import java.util.Map;

import org.apache.kafka.connect.mirror.MirrorHeartbeatConfig;
import org.apache.kafka.connect.mirror.MirrorSourceConfig;

/**
 * Test-only: MirrorMaker's own answer to "which internal topic does this connector config use, and on which cluster",
 * from connect-mirror's config classes (the version on the test class path, the runtime's), so grant tests ask
 * MirrorMaker instead of restating its naming rules. Those accessors are package-private, so they are called
 * reflectively rather than from a class put into MirrorMaker's package.
 */
final class MirrorTopicNames {

    private MirrorTopicNames() {
    }

    /** {@code MirrorSourceConfig.offsetSyncsTopic()}: named after the alias of the cluster it does NOT live on. */
    static String offsetSyncsTopic(Map<String, String> sourceConnectorConfig) {
        return call(new MirrorSourceConfig(sourceConnectorConfig), "offsetSyncsTopic");
    }

    /** The alias of the cluster the offset-syncs topic lives on ({@code offset-syncs.topic.location}). */
    static String offsetSyncsClusterAlias(Map<String, String> sourceConnectorConfig) {
        MirrorSourceConfig c = new MirrorSourceConfig(sourceConnectorConfig);
        return "source".equals(call(c, "offsetSyncsTopicLocation")) ? call(c, "sourceClusterAlias") : call(c, "targetClusterAlias");
    }

    /** {@code MirrorHeartbeatConfig.heartbeatsTopic()}, created and written on the target cluster. */
    static String heartbeatsTopic(Map<String, String> heartbeatConnectorConfig) {
        return call(new MirrorHeartbeatConfig(heartbeatConnectorConfig), "heartbeatsTopic");
    }

    static String targetClusterAlias(Map<String, String> config) {
        return call(new MirrorHeartbeatConfig(config), "targetClusterAlias");
    }

    private static String call(Object config, String accessor) {
        try {
            Method m = findMethod(config.getClass(), accessor);
            m.setAccessible(true);
            return (String) m.invoke(config);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("connect-mirror has no " + config.getClass().getSimpleName() + "." + accessor + "()", e);
        }
    }

    private static Method findMethod(Class<?> type, String name) throws NoSuchMethodException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredMethod(name);
            } catch (NoSuchMethodException next) {
                // look in the superclass
            }
        }
        throw new NoSuchMethodException(type.getName() + "." + name + "()");
    }
}
