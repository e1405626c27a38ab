package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.oddsupdate.connect.testkit.ConnectClusters;
import io.oddsupdate.connect.testkit.ConnectRest;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;

/**
 * The same checks as {@link ValidateOnConnect37IT} on the newest Kafka Connect (root POM's {@code kafka.next.version}):
 * a distributed worker in its own JVM, class path resolved by Maven into {@code target/connect-next/}, against a 3.7.2
 * broker started here, with the unpacked bundle on its plugin.path. MSK Connect will move to a 4.x runtime; this finds
 * out first what breaks.
 */
class ValidateOnConnect4IT {

    private static EmbeddedKafkaCluster kafka;
    private static Process worker;
    private static Path pluginPath;
    private static Path workDir;
    private static ConnectRest rest;
    private static String version;

    @BeforeAll
    static void start() throws Exception {
        ShippedConfigs.materialiseFileSecrets(ShippedConfigs.connectors(ConfigValidation.ENV));
        kafka = ConnectClusters.kafka(1);
        kafka.start();
        pluginPath = PluginPath.fromZips(List.of(Bundles.bundleZip()));
        workDir = Files.createTempDirectory("connect-next-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Properties p = new Properties();
        p.putAll(ShippedConfigs.workerProperties(ConfigValidation.ENV));
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("group.id", "connect-next");
        p.put("config.storage.topic", "connect-next-configs");
        p.put("offset.storage.topic", "connect-next-offsets");
        p.put("status.storage.topic", "connect-next-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("listeners", "http://127.0.0.1:" + port);
        p.put("plugin.path", pluginPath.toString());
        p.put("plugin.discovery", "service_load");
        Path props = workDir.resolve("worker.properties");
        try (Writer w = Files.newBufferedWriter(props, StandardCharsets.UTF_8)) {
            p.store(w, "ValidateOnConnect4IT");
        }
        Path log4j = workDir.resolve("log4j2.properties");
        Files.writeString(log4j, "rootLogger.level=INFO\nrootLogger.appenderRef.out.ref=out\nappender.out.type=Console\n"
                + "appender.out.name=out\nappender.out.layout.type=PatternLayout\nappender.out.layout.pattern=[%d] %p %m (%c)%n\n");
        Path runtime = PluginPath.projectRoot().resolve("msk-connect/target/connect-next");
        assertTrue(Files.isDirectory(runtime), runtime + " missing: the build resolves it in pre-integration-test");
        Path log = PluginPath.projectRoot().resolve("msk-connect/target/connect-next-worker.log");
        worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-cp", runtime + File.separator + "*", "org.apache.kafka.connect.cli.ConnectDistributed", props.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String url = "http://127.0.0.1:" + port;
        version = awaitWorker(url, log);
        rest = new ConnectRest(url);
        System.out.println("Connect worker " + version + " (log: " + log + ")");
    }

    private static String awaitWorker(String url, Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!worker.isAlive()) {
                throw new AssertionError("the Connect worker exited (" + worker.exitValue() + "); see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/connectors")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(url + "/")).build(), HttpResponse.BodyHandlers.ofString());
                    return ConnectorConfigsJson.read(root.body()).path("version").asText();
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the Connect worker did not start within 180 s; see " + log);
    }

    @AfterAll
    static void stop() throws Exception {
        if (worker != null) {
            worker.destroy();
            if (!worker.waitFor(30, TimeUnit.SECONDS)) {
                worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (kafka != null) {
            kafka.stop();
        }
        TempDirs.deleteRecursively(pluginPath);
        TempDirs.deleteRecursively(workDir);
    }

    @Test
    void isTheNewestRuntime() {
        assertEquals(System.getProperty("oddsupdate.kafka.next.version"), version);
    }

    @Test
    void loadsEveryBundlePluginClass() {
        Set<String> listed = new TreeSet<>();
        for (JsonNode p : rest.plugins()) {
            listed.add(p.path("class").asText());
        }
        List<String> missing = new ArrayList<>();
        PluginZip bundle = PluginZip.unpack(Bundles.bundleZip());
        for (Map.Entry<String, Set<String>> e : bundle.serviceEntries().entrySet()) {
            if (e.getKey().endsWith("ReplicationPolicy") || e.getKey().endsWith("ConfigProvider")) {
                continue; // not listed by GET /connector-plugins
            }
            e.getValue().stream().filter(c -> !listed.contains(c)).forEach(c -> missing.add(c + " (" + e.getKey() + ")"));
        }
        System.out.println("Connect " + version + " plugins: " + listed);
        assertEquals(List.of(), missing, "bundle plugins Connect " + version + " did not load");
    }

    @TestFactory
    Stream<DynamicNode> shippedConfigs() {
        return ConfigValidation.tests(rest);
    }

    /** Jackson, without a field for it in this class. */
    private static final class ConnectorConfigsJson {
        static JsonNode read(String body) throws IOException {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        }
    }
}
