package io.oddsupdate.connect.mirror;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.mirror.MirrorSourceConfig;
import org.apache.kafka.connect.mirror.MirrorSourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's {@link MirrorSourceConnector} (copies records and topic configs, creating each target topic under its mapped name), loaded from this plugin so that it finds
 * {@link TopicMappingReplicationPolicy}, and validating the policy's rules with the connector config.
 *
 * <p>Why a subclass: Connect does not treat a ReplicationPolicy as a plugin, so the stock connector, which a worker loads
 * from its own class path, resolves {@code replication.policy.class} without looking into plugin directories. This class
 * lives in the plugin, so the connector runs with the plugin's class loader. Its behaviour is the stock connector's, with
 * one addition: it fails, with the reason in its status, when the source cluster refuses its credentials, at start and
 * at every topic refresh after ({@link #checkSourceCredentials}).
 */
public class TopicMappingMirrorSourceConnector extends MirrorSourceConnector {

    private static final Logger log = LoggerFactory.getLogger(TopicMappingMirrorSourceConnector.class);

    /** How long start waits for the source cluster before leaving an unreachable one to MirrorMaker's own retries. */
    static final Duration SOURCE_CHECK_TIMEOUT = Duration.ofSeconds(20);

    private ScheduledExecutorService credentialChecks;

    @Override
    public ConfigDef config() {
        return TopicMappingReplicationPolicy.withPolicyKeys(super.config());
    }

    @Override
    public void start(Map<String, String> props) {
        checkSourceCredentials(props);
        super.start(props);
        // credentials revoked or rotated on the source while running: the tasks' consumers only log their failures
        // (MirrorSourceTask.poll swallows KafkaException), so check again with each topic refresh
        if (Boolean.parseBoolean(props.getOrDefault(MirrorSourceConfig.REFRESH_TOPICS_ENABLED, "true"))) {
            long interval = Long.parseLong(props.getOrDefault(MirrorSourceConfig.REFRESH_TOPICS_INTERVAL_SECONDS,
                    Long.toString(MirrorSourceConfig.REFRESH_TOPICS_INTERVAL_SECONDS_DEFAULT)));
            ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, getClass().getSimpleName() + "-" + props.get("name") + "-credential-check");
                t.setDaemon(true);
                return t;
            });
            checks.scheduleWithFixedDelay(() -> {
                try {
                    checkSourceCredentials(props);
                } catch (ConnectException refused) {
                    // an interrupt is stop() shutting the checks down, not a refusal
                    if (!Thread.currentThread().isInterrupted()) {
                        context().raiseError(refused);
                    }
                    checks.shutdown();
                } catch (RuntimeException e) {
                    // a failed check must not end the checks (an executor drops a task that throws)
                    log.warn("{} {}: credential check failed; trying again at the next topic refresh",
                            getClass().getSimpleName(), props.get("name"), e);
                }
            }, interval, interval, TimeUnit.SECONDS);
            credentialChecks = checks;
        }
    }

    @Override
    public void stop() {
        if (credentialChecks != null) {
            credentialChecks.shutdownNow();
            credentialChecks = null;
        }
        super.stop();
    }

    /**
     * Fails when the source cluster refuses the connector's credentials (SASL or TLS). The stock connector lists source
     * topics on a scheduler that only logs failures, so with a wrong password it stays RUNNING with no task and copies
     * nothing, silently; an authentication failure does not heal by retrying, so it belongs in the connector's status.
     * Nothing is lost: what was not read stays on the source, and the tasks' offsets say where to resume once the
     * credential is fixed and the connector restarted. A cluster that does not answer in time is left to MirrorMaker's
     * retries, as before.
     */
    static void checkSourceCredentials(Map<String, String> props) {
        String name = props.getOrDefault("name", "?");
        String alias = props.getOrDefault("source.cluster.alias", "source");
        try (Admin admin = Admin.create(sourceAdminConfig(props, name))) {
            admin.listTopics(new ListTopicsOptions().timeoutMs((int) SOURCE_CHECK_TIMEOUT.toMillis()))
                    .names().get(SOURCE_CHECK_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                throw new ConnectException(TopicMappingMirrorSourceConnector.class.getSimpleName() + " " + name
                        + ": the source cluster '" + alias + "' (source.cluster.bootstrap.servers="
                        + props.get("source.cluster.bootstrap.servers") + ", source.cluster.security.protocol="
                        + props.getOrDefault("source.cluster.security.protocol", "PLAINTEXT") + ") refused the connector's credentials: "
                        + refused.getClass().getSimpleName() + ": " + refused.getMessage()
                        + ". Nothing was read. Fix source.cluster.sasl.jaas.config (SASL) or source.cluster.ssl.keystore.* (mutual TLS),"
                        + " then restart the connector.", refused);
            }
            log.warn("{} {}: cannot list the topics of source cluster '{}' yet ({}); MirrorMaker keeps retrying",
                    TopicMappingMirrorSourceConnector.class.getSimpleName(), name, alias, e.getCause().toString());
        } catch (TimeoutException e) {
            log.warn("{} {}: source cluster '{}' did not answer within {} s; MirrorMaker keeps retrying",
                    TopicMappingMirrorSourceConnector.class.getSimpleName(), name, alias, SOURCE_CHECK_TIMEOUT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted while checking the source cluster '" + alias + "'", e);
        }
    }

    /**
     * The settings MirrorMaker gives its source admin client: the client keys of {@code source.cluster.*} (bootstrap,
     * security protocol, {@code ssl.*}, {@code sasl.*}), then {@code admin.*}, then {@code source.admin.*}.
     */
    static Map<String, Object> sourceAdminConfig(Map<String, String> props, String name) {
        Map<String, Object> admin = new HashMap<>();
        props.forEach((k, v) -> {
            if (k.startsWith("source.cluster.")) {
                String key = k.substring("source.cluster.".length());
                if (key.equals("bootstrap.servers") || key.equals("security.protocol") || key.startsWith("ssl.") || key.startsWith("sasl.")) {
                    admin.put(key, v);
                }
            }
        });
        props.forEach((k, v) -> {
            if (k.startsWith("admin.")) {
                admin.put(k.substring("admin.".length()), v);
            }
        });
        props.forEach((k, v) -> {
            if (k.startsWith("source.admin.")) {
                admin.put(k.substring("source.admin.".length()), v);
            }
        });
        admin.put("client.id", name + "|credential-check");
        return admin;
    }
}
