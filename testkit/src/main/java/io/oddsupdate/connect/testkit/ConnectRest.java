package io.oddsupdate.connect.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Connect worker's REST API over plain HTTP and JSON, so the same calls work against an in-process worker
 * ({@code EmbeddedConnectCluster.endpointForResource("")}), a worker in its own JVM ({@link ConnectWorkers}) and a
 * worker of another Connect version.
 */
public final class ConnectRest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    public ConnectRest(String baseUrl) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** The worker's URL, without a trailing slash. */
    public String url() {
        return base;
    }

    /** {@code GET /connector-plugins?connectorsOnly=false}: every plugin the worker found, class → type. */
    public JsonNode plugins() {
        return get("connector-plugins?connectorsOnly=false");
    }

    /** {@code PUT /connector-plugins/{class}/config/validate}. */
    public JsonNode validate(Map<String, String> config) {
        return send("PUT", "connector-plugins/" + config.get("connector.class") + "/config/validate", config);
    }

    /** {@code PUT .../config/validate} without judging the status: [status, body]. */
    public Map.Entry<Integer, String> validateRaw(Map<String, String> config) {
        HttpResponse<String> r = exchange("PUT", "connector-plugins/" + config.get("connector.class") + "/config/validate", config);
        return Map.entry(r.statusCode(), r.body());
    }

    /** {@code PUT /connectors/{name}/config}: creates or reconfigures a connector. */
    public JsonNode configure(String connector, Map<String, String> config) {
        return send("PUT", "connectors/" + encode(connector) + "/config", config);
    }

    /** {@code DELETE /connectors/{name}}: stops and removes a connector; its committed offsets stay. */
    public void delete(String connector) {
        send("DELETE", "connectors/" + encode(connector), null);
    }

    /** {@code GET /connectors/{name}/status}: {@code connector.state}, {@code tasks[].id/state/worker_id/trace}. */
    public JsonNode status(String connector) {
        return get("connectors/" + encode(connector) + "/status");
    }

    /** {@code GET /connectors/{name}/offsets}: {@code offsets[].partition/offset}. */
    public JsonNode offsets(String connector) {
        return get("connectors/" + encode(connector) + "/offsets");
    }

    /** {@code GET /{path}}, path relative to the worker's root. */
    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    /** The {@code key: message} pairs of a validate response, one per error. */
    public static List<String> errors(JsonNode validation) {
        List<String> errors = new ArrayList<>();
        for (JsonNode c : validation.path("configs")) {
            for (JsonNode e : c.path("value").path("errors")) {
                errors.add(c.path("value").path("name").asText() + ": " + e.asText());
            }
        }
        return errors;
    }

    /** The definition (default value, documentation...) of one key in a validate response. */
    public static JsonNode definition(JsonNode validation, String key) {
        for (JsonNode c : validation.path("configs")) {
            if (key.equals(c.path("definition").path("name").asText())) {
                return c.path("definition");
            }
        }
        throw new AssertionError("validate response has no key " + key);
    }

    private JsonNode send(String method, String path, Object body) {
        HttpResponse<String> r = exchange(method, path, body);
        if (r.statusCode() / 100 != 2) {
            throw new AssertionError(method + " " + r.uri() + " -> " + r.statusCode() + ": " + r.body());
        }
        try {
            return r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> exchange(String method, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/" + path)).timeout(TIMEOUT);
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + base + "/" + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
