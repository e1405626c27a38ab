package io.oddsupdate.connect.mirror;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.PluginPath;

/**
 * Configs of this plugin's three MirrorMaker 2 connectors with {@link #POLICY} for the integration tests, which refer to plugin
 * classes by name only (the policy is not on their class path), and a way to run MirrorClient code the way a consumer
 * application would: with the policy jar on its class path.
 */
public final class MirrorConnectors {

    static final String POLICY = "io.oddsupdate.connect.mirror.TopicMappingReplicationPolicy";
    static final String MAPPINGS = "replication.policy.topic.mappings";
    static final String SOURCE_CONNECTOR = "io.oddsupdate.connect.mirror.TopicMappingMirrorSourceConnector";
    static final String CHECKPOINT_CONNECTOR = "io.oddsupdate.connect.mirror.TopicMappingMirrorCheckpointConnector";
    static final String HEARTBEAT_CONNECTOR = "io.oddsupdate.connect.mirror.TopicMappingMirrorHeartbeatConnector";

    private MirrorConnectors() {
    }

    /** MirrorSourceConnector from {@code sourceAlias} to {@code targetAlias} with the policy and its default rules. */
    static Map<String, String> source(String sourceAlias, EmbeddedKafkaCluster source, String targetAlias,
                                      EmbeddedKafkaCluster target, String topics) {
        Map<String, String> c = ConnectClusters.mirrorSource(source, target, topics);
        c.put("connector.class", SOURCE_CONNECTOR);
        c.put("source.cluster.alias", sourceAlias);
        c.put("target.cluster.alias", targetAlias);
        c.put("replication.policy.class", POLICY);
        c.put("refresh.topics.interval.seconds", "5");
        c.put("sync.topic.configs.interval.seconds", "2");
        c.put("offset.lag.max", "0"); // an offset sync per record, so translated offsets are exact
        return c;
    }

    /** Whether {@code module} has been packaged (e.g. smt, which a build of this module alone does not package). */
    public static boolean hasPluginZip(String module) {
        try {
            PluginPath.pluginZip(module);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    static Map<String, String> checkpoint(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target) {
        Map<String, String> c = common(CHECKPOINT_CONNECTOR, source, target);
        c.put("emit.checkpoints.interval.seconds", "1");
        c.put("refresh.groups.interval.seconds", "1");
        c.put("sync.group.offsets.enabled", "true");
        c.put("sync.group.offsets.interval.seconds", "1");
        c.put("checkpoints.topic.replication.factor", "1");
        return c;
    }

    static Map<String, String> heartbeat(String sourceAlias, EmbeddedKafkaCluster source, String targetAlias,
                                         EmbeddedKafkaCluster target) {
        Map<String, String> c = common(HEARTBEAT_CONNECTOR, source, target);
        c.put("source.cluster.alias", sourceAlias);
        c.put("target.cluster.alias", targetAlias);
        c.put("emit.heartbeats.interval.seconds", "1");
        c.put("heartbeats.topic.replication.factor", "1");
        return c;
    }

    private static Map<String, String> common(String connectorClass, EmbeddedKafkaCluster source, EmbeddedKafkaCluster target) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", connectorClass);
        c.put("tasks.max", "1");
        c.put("source.cluster.alias", "vendor");
        c.put("target.cluster.alias", "core");
        c.put("source.cluster.bootstrap.servers", source.bootstrapServers());
        c.put("target.cluster.bootstrap.servers", target.bootstrapServers());
        c.put("replication.policy.class", POLICY);
        return c;
    }

    /** Runs {@code call} with the policy jar from the unpacked plugin on the thread's context class path. */
    static <T> T withPolicyJar(Path pluginPath, Callable<T> call) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {policyJar(pluginPath)}, MirrorConnectors.class.getClassLoader())) {
            thread.setContextClassLoader(loader);
            return call.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static URL policyJar(Path pluginPath) throws MalformedURLException {
        try (Stream<Path> files = Files.walk(pluginPath)) {
            return files.filter(p -> p.getFileName().toString().startsWith("odds-update-mirror-policies-")
                            && p.getFileName().toString().endsWith(".jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no policy jar under " + pluginPath))
                    .toUri().toURL();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
