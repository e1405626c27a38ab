package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Connect worker's REST API over plain HTTP, so the same checks run against an in-process 3.7 worker and a 4.x
 * worker in its own JVM.
 */
final class ConnectRest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    ConnectRest(String baseUrl) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** {@code GET /connector-plugins?connectorsOnly=false}: every plugin the worker found, class → type. */
    JsonNode plugins() {
        return send(HttpRequest.newBuilder(URI.create(base + "/connector-plugins?connectorsOnly=false")).GET());
    }

    /** {@code PUT /connector-plugins/{class}/config/validate}. */
    JsonNode validate(Map<String, String> config) {
        String cls = config.get("connector.class");
        try {
            return send(HttpRequest.newBuilder(URI.create(base + "/connector-plugins/" + cls + "/config/validate"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code PUT .../config/validate} without judging the status: [status, body]. */
    Map.Entry<Integer, String> validateRaw(Map<String, String> config) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/connector-plugins/" + config.get("connector.class") + "/config/validate"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))).build(), HttpResponse.BodyHandlers.ofString());
            return Map.entry(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The {@code key: message} pairs of a validate response, one per error. */
    static List<String> errors(JsonNode validation) {
        List<String> errors = new ArrayList<>();
        for (JsonNode c : validation.path("configs")) {
            for (JsonNode e : c.path("value").path("errors")) {
                errors.add(c.path("value").path("name").asText() + ": " + e.asText());
            }
        }
        return errors;
    }

    /** The definition (default value, documentation...) of one key in a validate response. */
    static JsonNode definition(JsonNode validation, String key) {
        for (JsonNode c : validation.path("configs")) {
            if (key.equals(c.path("definition").path("name").asText())) {
                return c.path("definition");
            }
        }
        throw new AssertionError("validate response has no key " + key);
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new AssertionError(r.request().method() + " " + r.uri() + " -> " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
