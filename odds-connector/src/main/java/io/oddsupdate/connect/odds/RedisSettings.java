package io.oddsupdate.connect.odds;

import java.net.URI;
import java.net.URISyntaxException;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * The Redis settings both odds connectors share, and the key layout they agree on. Every game and stream key of one
 * league carries the hash tag {@code {league}} (a prerequisite for cluster mode, which also needs the offsets hash split).
 */
final class RedisSettings {

    static final String URL = "redis.url";
    static final String USER = "redis.user";
    static final String PASSWORD = "redis.password";
    static final String KEY_PREFIX = "redis.key.prefix";
    static final String TIMEOUT_MS = "redis.timeout.ms";

    private RedisSettings() {
    }

    static ConfigDef define(ConfigDef def) {
        return def
                .define(URL, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new UrlValidator(), ConfigDef.Importance.HIGH,
                        "Redis endpoint, redis://host:port[/db] or rediss://host:port[/db] for TLS (ElastiCache in-transit "
                                + "encryption). Use the primary endpoint of a cluster-mode-disabled replication group.")
                .define(USER, ConfigDef.Type.STRING, null, ConfigDef.Importance.MEDIUM,
                        "Redis ACL user (Redis 6+ / ElastiCache RBAC); empty for the default user.")
                .define(PASSWORD, ConfigDef.Type.PASSWORD, null, ConfigDef.Importance.HIGH,
                        "Redis password or ElastiCache AUTH token; use a config provider reference, never a literal secret.")
                .define(KEY_PREFIX, ConfigDef.Type.STRING, "odds", new ConfigDef.NonEmptyStringWithoutControlChars(),
                        ConfigDef.Importance.LOW, "Prefix of every Redis key; the sink and source of one pipeline must use the same.")
                .define(TIMEOUT_MS, ConfigDef.Type.INT, 5000, ConfigDef.Range.atLeast(100), ConfigDef.Importance.LOW,
                        "Redis connect and socket timeout in milliseconds.");
    }

    static JedisPool pool(AbstractConfig config, String clientName) {
        URI uri = URI.create(config.getString(URL));
        Password password = config.getPassword(PASSWORD);
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "0" : uri.getPath().substring(1);
        DefaultJedisClientConfig client = DefaultJedisClientConfig.builder()
                .ssl("rediss".equalsIgnoreCase(uri.getScheme()))
                .user(config.getString(USER) == null || config.getString(USER).isEmpty() ? null : config.getString(USER))
                .password(password == null || password.value().isEmpty() ? null : password.value())
                .database(Integer.parseInt(db))
                .connectionTimeoutMillis(config.getInt(TIMEOUT_MS))
                .socketTimeoutMillis(config.getInt(TIMEOUT_MS))
                .clientName(clientName.replaceAll("[^A-Za-z0-9_.:-]", "_"))
                .build();
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(4);
        poolConfig.setJmxEnabled(false);
        poolConfig.setTestOnBorrow(false);
        return new JedisPool(poolConfig, new HostAndPort(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), client);
    }

    static String streamKey(String prefix, String league) {
        return prefix + ":{" + league + "}:stream";
    }

    /** The SCAN pattern of every league's stream key. */
    static String streamKeyPattern(String prefix) {
        return prefix + ":{*}:stream";
    }

    /** The league of a stream key, or null if the key is not one. */
    static String leagueOfStream(String prefix, String key) {
        String head = prefix + ":{";
        if (!key.startsWith(head) || !key.endsWith("}:stream")) {
            return null;
        }
        return key.substring(head.length(), key.length() - "}:stream".length());
    }

    /** Where the source moves a stream entry it cannot read (not matched by {@link #streamKeyPattern}). */
    static String deadLetterKey(String prefix, String league) {
        return prefix + ":{" + league + "}:dead-letters";
    }

    static String gameKey(String prefix, String league, String gameId) {
        return prefix + ":{" + league + "}:game:" + gameId;
    }

    static String eventsKey(String prefix, String league, String gameId) {
        return gameKey(prefix, league, gameId) + ":events";
    }

    /**
     * The sink's stored Kafka offsets, one hash per connector for all topics: a dead-lettered event has no league to
     * tag it with. (This key is the one a cluster-mode port would have to split per league slot.)
     */
    static String offsetsKey(String prefix, String connector) {
        return prefix + ":offsets:" + connector;
    }

    static final class UrlValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                throw new ConfigException(name, null, "a redis:// or rediss:// URL is required");
            }
            try {
                URI uri = new URI((String) value);
                if (uri.getHost() == null || !("redis".equalsIgnoreCase(uri.getScheme()) || "rediss".equalsIgnoreCase(uri.getScheme()))) {
                    throw new ConfigException(name, value, "expected redis://host:port or rediss://host:port");
                }
                if (uri.getUserInfo() != null && uri.getUserInfo().contains(":")) {
                    throw new ConfigException(name, "[hidden]", "put the password in " + PASSWORD + ", not in the URL");
                }
            } catch (URISyntaxException e) {
                throw new ConfigException(name, value, "not a URL: " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "redis://host:port[/db] or rediss://host:port[/db]";
        }
    }
}
