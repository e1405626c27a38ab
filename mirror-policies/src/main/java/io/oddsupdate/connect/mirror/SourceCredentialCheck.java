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
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fails a MirrorMaker source connector, with the reason in its status, when the source cluster refuses its credentials
 * (SASL or TLS): at start ({@link #check}) and at every topic refresh after ({@link #repeat}). The stock connector lists
 * source topics on a scheduler that only logs failures, and its tasks' consumers only log theirs, so with a wrong or
 * revoked password it stays RUNNING and copies nothing, silently; an authentication failure does not heal by retrying,
 * so it belongs in the status. Nothing is lost: what was not read stays on the source, and the tasks' offsets say where
 * to resume once the credential is fixed and the connector restarted. A cluster that does not answer in time is left to
 * MirrorMaker's own retries.
 */
final class SourceCredentialCheck implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SourceCredentialCheck.class);

    /** How long a check waits for the source cluster before leaving an unreachable one to MirrorMaker's retries. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Map<String, String> props;
    private final String connector;
    private final String alias;
    private ScheduledExecutorService checks;

    SourceCredentialCheck(Map<String, String> props) {
        this.props = props;
        this.connector = props.getOrDefault("name", "?");
        this.alias = props.getOrDefault("source.cluster.alias", "source");
    }

    /** Lists the source cluster's topics with MirrorMaker's source admin settings; a {@link ConnectException} if refused. */
    void check() {
        try (Admin admin = Admin.create(sourceAdminConfig(props, connector))) {
            admin.listTopics(new ListTopicsOptions().timeoutMs((int) TIMEOUT.toMillis()))
                    .names().get(TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                throw new ConnectException(TopicMappingMirrorSourceConnector.class.getSimpleName() + " " + connector
                        + ": the source cluster '" + alias + "' (source.cluster.bootstrap.servers="
                        + props.get("source.cluster.bootstrap.servers") + ", source.cluster.security.protocol="
                        + props.getOrDefault("source.cluster.security.protocol", "PLAINTEXT") + ") refused the connector's credentials: "
                        + refused.getClass().getSimpleName() + ": " + refused.getMessage()
                        + ". Nothing was read. Fix source.cluster.sasl.jaas.config (SASL) or source.cluster.ssl.keystore.* (mutual TLS),"
                        + " then restart the connector.", refused);
            }
            log.warn("{}: cannot list the topics of source cluster '{}' yet ({}); MirrorMaker keeps retrying",
                    connector, alias, e.getCause().toString());
        } catch (TimeoutException e) {
            log.warn("{}: source cluster '{}' did not answer within {} s; MirrorMaker keeps retrying", connector, alias, TIMEOUT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted while checking the source cluster '" + alias + "'", e);
        }
    }

    /** Checks again every {@code seconds} on a thread of its own; a refusal is raised through {@code context}, once. */
    void repeat(long seconds, ConnectorContext context) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, connector + "-credential-check");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                check();
            } catch (ConnectException refused) {
                // an interrupt is close() shutting the checks down, not a refusal
                if (!Thread.currentThread().isInterrupted()) {
                    context.raiseError(refused);
                }
                scheduler.shutdown();
            } catch (RuntimeException e) {
                // a failed check must not end the checks (an executor drops a task that throws)
                log.warn("{}: credential check failed; trying again at the next topic refresh", connector, e);
            }
        }, seconds, seconds, TimeUnit.SECONDS);
        checks = scheduler;
    }

    @Override
    public void close() {
        if (checks != null) {
            checks.shutdownNow();
            checks = null;
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
        for (String prefix : new String[] {"admin.", "source.admin."}) {
            props.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    admin.put(k.substring(prefix.length()), v);
                }
            });
        }
        admin.put("client.id", name + "|credential-check");
        return admin;
    }
}
