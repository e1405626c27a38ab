package io.oddsupdate.connect.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Renders everything deployable from {@code connector-configs/}, per environment, into {@code <out>/<env>/}:
 * <pre>
 *   connectors/&lt;name&gt;.json              effective Connect REST config (PUT /connectors/{name}/config)
 *   held-back/&lt;name&gt;.json               the same for connectors.json entries with "heldBack" (not shipped: why is there)
 *   worker.properties                   what a plain Connect worker adds for these configs (config providers...)
 * </pre>
 * and, for environments with an {@code msk} section, what {@link MskDeployment} renders under {@code msk/} (AWS API
 * requests, IAM policies, alarms, the upgrade plan) and {@code crossplane/} (the same as Crossplane manifests).
 *
 * <p>Usage: {@code Generate <connector-configs dir> <out dir> <plugin version>}. The plugin version names the bundle's
 * S3 key and custom plugin (a custom plugin cannot be updated in place, so every version is a new one).
 */
public final class Generate {

    /** Filled in by the deployment (the buildspec, or Crossplane references) once the resource exists. */
    static final String DEPLOY_TIME = "REPLACED_AT_DEPLOY:";

    private Generate() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: Generate <connector-configs dir> <out dir> <plugin version>");
            System.exit(2);
        }
        ConnectorConfigs configs = new ConnectorConfigs(Paths.get(args[0]));
        Path out = Paths.get(args[1]);
        deleteRecursively(out); // a connector removed or held back must not linger from an earlier build
        for (String env : configs.environments()) {
            render(configs, env, out.resolve(env), args[2]);
        }
    }

    static void render(ConnectorConfigs configs, String env, Path dir, String pluginVersion) throws IOException {
        JsonNode e = configs.environment(env);
        Map<String, Map<String, String>> effective = new LinkedHashMap<>();
        for (String name : configs.connectorNames()) {
            Map<String, String> c = configs.effective(name, env);
            String heldBack = configs.connectors.path(name).path("heldBack").asText("");
            if (!heldBack.isEmpty()) {
                // Not shipped until a real worker validates it: rendered aside so the tests can tell when it does.
                write(dir.resolve("held-back").resolve(name + ".json"), c);
                System.out.println("[" + env + "] held back (see connectors.json): " + name);
                continue;
            }
            effective.put(name, c);
            write(dir.resolve("connectors").resolve(name + ".json"), c);
        }
        Map<String, String> worker = configs.worker(env, Map.of());
        String workerProps = properties(worker);
        writeText(dir.resolve("worker.properties"), "# Worker settings the " + env + " connector configs rely on (generated from connector-configs/environments/" + env + ".json)\n" + workerProps);

        if (e.has("msk")) {
            new MskDeployment(configs, env, e, worker, workerProps, pluginVersion).render(dir, effective);
        }
    }

    /**
     * Every topic a connector is configured to produce to on its worker's cluster must be covered by its IAM write grants;
     * a sink's dead letter queue by its create grants too (Connect's DeadLetterQueueReporter creates a missing DLQ
     * topic with {@code errors.deadletterqueue.topic.replication.factor}), and a connector's own offsets topic
     * ({@code offsets.storage.topic}) by its read, write and create grants there.
     */
    static void checkTopicsCovered(String name, Map<String, String> config, JsonNode access) {
        Map<String, List<String>> grants = new LinkedHashMap<>();
        for (JsonNode k : access.path("kafka")) {
            if (k.path("cluster").asText().equals(access.path("cluster").asText())) {
                for (String grant : List.of("read", "write", "create")) {
                    k.path(grant).forEach(t -> grants.computeIfAbsent(grant, g -> new ArrayList<>()).add(t.asText()));
                }
            }
        }
        for (Map.Entry<String, String> e : config.entrySet()) {
            List<String> needs = e.getKey().endsWith("dlq.topic") ? List.of("write")
                    : e.getKey().equals("errors.deadletterqueue.topic.name") ? List.of("write", "create")
                    : e.getKey().equals("offsets.storage.topic") ? List.of("read", "write", "create") : List.of();
            for (String grant : needs) {
                List<String> topics = grants.getOrDefault(grant, List.of());
                if (topics.stream().noneMatch(t -> IamPolicies.covers(t, e.getValue()))) {
                    throw new IllegalArgumentException(name + ": " + e.getKey() + "=" + e.getValue()
                            + " is not covered by the IAM " + grant + " grants in connectors.json " + topics);
                }
            }
        }
    }

    static String properties(Map<String, String> worker) {
        StringBuilder sb = new StringBuilder();
        worker.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    static List<String> strings(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }

    static void write(Path file, Object value) throws IOException {
        writeText(file, ConnectorConfigs.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n");
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static void writeText(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** A map that keeps the order its entries are given in, so generated files are stable and read top-down. */
    static Map<String, Object> obj(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
