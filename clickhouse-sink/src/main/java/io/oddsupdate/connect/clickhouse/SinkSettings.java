package io.oddsupdate.connect.clickhouse;

import static io.oddsupdate.connect.clickhouse.ClickHouseSinkConnector.*;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** The connector's config, parsed and checked once (quietly: no config dump in the log). */
final class SinkSettings extends AbstractConfig {

    static final String VERSION = version();

    final URI url;
    final String database;
    final String table;
    final String user;
    final Password password;
    final boolean gzip;
    final String format;
    final String deduplicationToken;
    final Duration connectTimeout;
    final Duration requestTimeout;
    final int retryMaxAttempts;
    final long retryBackoffMs;
    final long retryBackoffMaxMs;
    /** column → source, in the order configured. */
    final Map<String, String> mapping;
    final int batchMaxRows;
    final long batchMaxBytes;
    final long batchMaxWaitMs;
    final int batchMaxInFlight;

    SinkSettings(Map<?, ?> props) {
        super(CONFIG_DEF, props, false);
        url = parseUrl(getString(URL).trim());
        database = getString(DATABASE).trim();
        table = getString(TABLE).trim();
        user = getString(USER).trim();
        password = getPassword(PASSWORD);
        gzip = "gzip".equals(getString(COMPRESSION));
        format = getString(FORMAT);
        deduplicationToken = getString(DEDUPLICATION_TOKEN);
        connectTimeout = Duration.ofMillis(getLong(CONNECT_TIMEOUT_MS));
        requestTimeout = Duration.ofMillis(getLong(REQUEST_TIMEOUT_MS));
        retryMaxAttempts = getInt(RETRY_MAX_ATTEMPTS);
        retryBackoffMs = getLong(RETRY_BACKOFF_MS);
        retryBackoffMaxMs = Math.max(getLong(RETRY_BACKOFF_MAX_MS), retryBackoffMs);
        mapping = parseMapping();
        batchMaxRows = getInt(BATCH_MAX_ROWS);
        batchMaxBytes = getLong(BATCH_MAX_BYTES);
        batchMaxWaitMs = getLong(BATCH_MAX_WAIT_MS);
        batchMaxInFlight = getInt(BATCH_MAX_IN_FLIGHT);
        if (!getString(TRUSTSTORE_LOCATION).isBlank()) {
            if (!"https".equals(url.getScheme())) {
                throw new ConfigException(TRUSTSTORE_LOCATION, getString(TRUSTSTORE_LOCATION), "only applies to an https " + URL);
            }
            if (!Files.isReadable(Path.of(getString(TRUSTSTORE_LOCATION).trim()))) {
                throw new ConfigException(TRUSTSTORE_LOCATION, getString(TRUSTSTORE_LOCATION), "not a readable file");
            }
        }
    }

    private static URI parseUrl(String value) {
        try {
            URI uri = URI.create(value);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("expected http://host:port or https://host:port");
            }
            if (uri.getRawQuery() != null || uri.getUserInfo() != null) {
                throw new IllegalArgumentException("no query or user info: set " + USER + " and " + PASSWORD);
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(URL, value, e.getMessage());
        }
    }

    private Map<String, String> parseMapping() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : getList(COLUMNS_MAPPING)) {
            int eq = pair.indexOf('=');
            String column = eq < 0 ? "" : pair.substring(0, eq).trim();
            String source = eq < 0 ? "" : pair.substring(eq + 1).trim();
            if (column.isEmpty() || source.isEmpty()) {
                throw new ConfigException(COLUMNS_MAPPING, getList(COLUMNS_MAPPING), "'" + pair + "' is not column=source");
            }
            if (m.put(column, source) != null) {
                throw new ConfigException(COLUMNS_MAPPING, getList(COLUMNS_MAPPING), "column '" + column + "' is mapped twice");
            }
            try {
                Source.parse(source);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(COLUMNS_MAPPING, getList(COLUMNS_MAPPING), "column '" + column + "': " + e.getMessage());
            }
        }
        return m;
    }

    /** The TLS context for an https URL with a trust store of its own; null: the JVM's default. */
    SSLContext sslContext() {
        String location = getString(TRUSTSTORE_LOCATION).trim();
        if (location.isEmpty()) {
            return null;
        }
        Password pw = getPassword(TRUSTSTORE_PASSWORD);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(getString(TRUSTSTORE_TYPE));
            store.load(in, pw == null ? null : pw.value().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(TRUSTSTORE_LOCATION, location, "cannot load the trust store: " + e.getMessage());
        }
    }

    private static String version() {
        String v = SinkSettings.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
