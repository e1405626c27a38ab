package io.oddsupdate.connect.clickhouse;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import javax.net.ssl.SSLContext;

import io.oddsupdate.connect.clickhouse.ClickHouseException.Kind;

/**
 * ClickHouse's HTTP interface, as much of it as the sink needs: a query answered in TabSeparated, and an INSERT whose
 * rows are the request body (gzip-compressed once, so every attempt sends the same bytes). Retries connection errors,
 * timeouts and transient server errors with exponential backoff and jitter; throws a classified
 * {@link ClickHouseException} once the attempts are spent or when retrying cannot help.
 */
final class ClickHouseHttp {

    private final HttpClient client;
    private final URI base;
    private final String authorization;
    private final boolean gzip;
    private final SinkSettings settings;

    ClickHouseHttp(SinkSettings settings) {
        this.settings = settings;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(settings.connectTimeout);
        SSLContext ssl = settings.sslContext();
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.client = b.build();
        String path = settings.url.getRawPath() == null || settings.url.getRawPath().isEmpty() ? "/" : settings.url.getRawPath();
        this.base = settings.url.resolve(path);
        String password = settings.password == null ? "" : settings.password.value();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((settings.user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.gzip = settings.gzip;
    }

    /** The rows of a query's TabSeparated answer (fields unescaped), e.g. {@code SELECT version()}. */
    List<String[]> query(String sql) {
        String body = send("query " + sql, uri("database=" + encode(settings.database)),
                HttpRequest.BodyPublishers.ofString(sql + " FORMAT TabSeparated", StandardCharsets.UTF_8), false);
        List<String[]> rows = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isEmpty()) {
                String[] fields = line.split("\t", -1);
                for (int i = 0; i < fields.length; i++) {
                    fields[i] = unescape(fields[i]);
                }
                rows.add(fields);
            }
        }
        return rows;
    }

    /**
     * Inserts rows (their encoded bytes, in order) with {@code insertSql}; {@code token}, when not null, is sent as
     * {@code insert_deduplication_token}. Returns when ClickHouse acknowledged the whole INSERT.
     */
    void insert(String insertSql, List<Batch.Row> rows, String token, String what) {
        StringBuilder params = new StringBuilder("database=").append(encode(settings.database))
                .append("&query=").append(encode(insertSql));
        if (token != null) {
            params.append("&insert_deduplication_token=").append(token);
        }
        byte[] body = gzip ? gzip(rows) : BatchWriter.body(rows);
        send(what, uri(params.toString()), HttpRequest.BodyPublishers.ofByteArray(body), gzip);
    }

    private String send(String what, URI uri, HttpRequest.BodyPublisher body, boolean gzipped) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(settings.requestTimeout)
                .header("Authorization", authorization).POST(body);
        if (gzipped) {
            request.header("Content-Encoding", "gzip");
        }
        HttpRequest r = request.build();
        for (int attempt = 1; ; attempt++) {
            ClickHouseException failure;
            try {
                HttpResponse<String> response = client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() == 200) {
                    return response.body();
                }
                failure = ClickHouseException.of(response.statusCode(),
                        response.headers().firstValue("X-ClickHouse-Exception-Code").orElse(null), response.body(), what);
            } catch (HttpTimeoutException e) {
                failure = new ClickHouseException(Kind.RETRIABLE, -1, what + ": no answer within " + settings.requestTimeout.toMillis()
                        + " ms (" + ClickHouseSinkConnector.REQUEST_TIMEOUT_MS + ")", e);
            } catch (IOException e) {
                failure = new ClickHouseException(Kind.RETRIABLE, -1, what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClickHouseException(Kind.RETRIABLE, -1, what + ": interrupted", e);
            }
            if (failure.kind != Kind.RETRIABLE || attempt >= settings.retryMaxAttempts) {
                throw failure;
            }
            backoff(attempt);
        }
    }

    private void backoff(int attempt) {
        long delay = Math.min(settings.retryBackoffMaxMs, settings.retryBackoffMs << Math.min(attempt - 1, 20));
        try {
            Thread.sleep(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClickHouseException(Kind.RETRIABLE, -1, "interrupted while backing off", e);
        }
    }

    private URI uri(String query) {
        return URI.create(base + "?" + query);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** gzip at level 1 (most of the size reduction at a fraction of the default level's CPU), row by row: no copy of the body. */
    static byte[] gzip(List<Batch.Row> rows) {
        long size = 0;
        for (Batch.Row r : rows) {
            size += r.line().length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64, size / 6 + 64));
        // Rows gathered in 64 KiB pieces first: one deflate call per piece, not per row.
        try (OutputStream gz = new BufferedOutputStream(new GZIPOutputStream(out, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }, 64 * 1024)) {
            for (Batch.Row r : rows) {
                gz.write(r.line());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory: cannot happen
        }
        return out.toByteArray();
    }

    /** TabSeparated escapes: \t \n \\ and friends. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 1 < field.length()) {
                char n = field.charAt(++i);
                sb.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> n;
                });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
