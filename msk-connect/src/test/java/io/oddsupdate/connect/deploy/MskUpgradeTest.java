package io.oddsupdate.connect.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * {@code bin/msk-upgrade} against a stand-in AWS CLI ({@code src/test/resources/fake-aws/aws}) that keeps the MSK
 * Connect rules an upgrade depends on (a deleted connector is listed until its workers are gone; no two connectors of
 * one name; a connector is CREATING before RUNNING; requests need real ARNs). From a running prod deployment of an
 * old version:
 * <ul>
 *   <li>the new custom plugin is ACTIVE before any connector is touched;</li>
 *   <li>every connector is deleted and created again under the same name, downstream first, one at a time, and never
 *   created while its predecessor is still listed;</li>
 *   <li>a second run changes nothing; a connector that fails stops the upgrade before the next one.</li>
 * </ul>
 */
class MskUpgradeTest {

    private static final Path SCRIPT = PluginPath.projectRoot().resolve("msk-connect/bin/msk-upgrade");

    @BeforeAll
    static void python() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
        } catch (IOException e) {
            p = null;
        }
        assumeTrue(p != null && p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "python3 is needed to run bin/msk-upgrade");
    }

    @Test
    void upgradeDeletesAndRecreatesEveryConnectorDownstreamFirstAndNeverTwoAtOnce(@TempDir Path tmp) throws Exception {
        Fake aws = new Fake(tmp);
        List<String> plan = aws.planOrder();
        assertEquals(List.of("bronze-s3-sink", "clickhouse-sink", "core-to-edge", "odds-source", "odds-sink", "vendor-to-core", "vendor-to-core-heartbeat"), plan,
                "readers before writers: bronze, ClickHouse and the edge hop read odds-source, which reads odds-sink's streams, which reads the vendor hop");
        aws.seedRunningOldVersion(plan);

        assertEquals(0, aws.run(), aws.output);
        List<JsonNode> calls = aws.calls();
        int pluginCreated = index(calls, "kafkaconnect create-custom-plugin", null);
        int pluginActive = indexOfLast(calls, "kafkaconnect describe-custom-plugin");
        int firstDelete = index(calls, "kafkaconnect delete-connector", null);
        assertTrue(pluginCreated >= 0 && pluginCreated < pluginActive && pluginActive < firstDelete,
                "new plugin version first (MSK Connect: a custom plugin cannot be updated in place), ACTIVE before any delete");

        List<String> deleted = new ArrayList<>();
        List<String> created = new ArrayList<>();
        for (JsonNode c : calls) {
            if (c.path("op").asText().equals("kafkaconnect delete-connector")) {
                deleted.add(c.path("args").path(1).asText().replace("arn:old/", ""));
            } else if (c.path("op").asText().equals("kafkaconnect create-connector")) {
                JsonNode body = c.path("body");
                created.add(body.path("connectorName").asText());
                assertEquals(body.path("connectorName").asText(), body.path("connectorConfiguration").path("name").asText());
                assertTrue(body.path("plugins").path(0).path("customPlugin").path("customPluginArn").asText().contains("custom-plugin/odds-update-bundle-"), body.toString());
                assertTrue(body.path("workerConfiguration").path("workerConfigurationArn").asText().contains("worker-configuration/odds-update-prod-"));
            }
        }
        assertEquals(plan, deleted, "deleted in plan order");
        assertEquals(plan, created, "created again under the same names (offsets are keyed by the connector name)");
        for (int i = 0; i < plan.size(); i++) {
            String name = plan.get(i);
            int delete = index(calls, "kafkaconnect delete-connector", "arn:old/" + name);
            int create = index(calls, "kafkaconnect create-connector", name);
            assertTrue(delete < create, name);
            if (i + 1 < plan.size()) {
                assertTrue(create < index(calls, "kafkaconnect delete-connector", "arn:old/" + plan.get(i + 1)),
                        name + " is created (and RUNNING) before the next connector is deleted");
            }
            // the fake refuses a create while the old connector is listed: reaching here means msk-upgrade waited
        }

        Fake again = aws.rerun("calls-2.log");
        assertEquals(0, again.run(), again.output);
        assertFalse(again.calls().stream().anyMatch(c -> c.path("op").asText().matches("kafkaconnect (delete|create)-(connector|custom-plugin|worker-configuration)")),
                "a re-run of a finished upgrade changes nothing: " + again.output);

        // MSK Connect has no task restart: --force re-creates one connector, its offsets kept by name
        Fake restart = aws.rerun("calls-3.log");
        assertEquals(0, restart.run("--only", "odds-sink", "--force"), restart.output);
        assertEquals(List.of("kafkaconnect delete-connector", "kafkaconnect create-connector"), restart.calls().stream()
                .map(c -> c.path("op").asText()).filter(op -> op.matches("kafkaconnect (delete|create)-.*")).toList());
        assertEquals("odds-sink", restart.calls().stream().filter(c -> c.path("op").asText().equals("kafkaconnect create-connector"))
                .findFirst().orElseThrow().path("body").path("connectorName").asText());
    }

    @Test
    void aFailedConnectorStopsTheUpgradeBeforeTheNextOne(@TempDir Path tmp) throws Exception {
        Fake aws = new Fake(tmp);
        List<String> plan = aws.planOrder();
        aws.seedRunningOldVersion(plan);
        aws.failing = "odds-source";
        assertEquals(1, aws.run(), aws.output);
        assertTrue(aws.output.contains("odds-source FAILED"), aws.output);
        List<String> deleted = aws.calls().stream().filter(c -> c.path("op").asText().equals("kafkaconnect delete-connector"))
                .map(c -> c.path("args").path(1).asText().replace("arn:old/", "")).toList();
        assertEquals(plan.subList(0, plan.indexOf("odds-source") + 1), deleted,
                "what feeds odds-source (odds-sink, the vendor hop) keeps running the old version");
    }

    /** The fake AWS CLI, its state and its call log, over a prod deployment rendered for version 2.0.0. */
    private static final class Fake {
        final Path tmp;
        final Path deploy;
        final Path state;
        final Path log;
        String failing = "";
        String output = "";

        Fake(Path tmp) throws IOException {
            this(tmp, tmp.resolve("deploy"), tmp.resolve("state.json"), tmp.resolve("calls-1.log"));
            Generate.render(new ConnectorConfigs(PluginPath.projectRoot().resolve("connector-configs")), "prod", deploy, "2.0.0");
        }

        private Fake(Path tmp, Path deploy, Path state, Path log) {
            this.tmp = tmp;
            this.deploy = deploy;
            this.state = state;
            this.log = log;
        }

        Fake rerun(String log) {
            return new Fake(tmp, deploy, state, tmp.resolve(log));
        }

        List<String> planOrder() {
            List<String> order = new ArrayList<>();
            ConnectorConfigs.read(deploy.resolve("msk/upgrade-plan.json")).path("connectors").forEach(c -> order.add(c.path("name").asText()));
            return order;
        }

        void seedRunningOldVersion(List<String> names) throws IOException {
            ObjectNode connectors = ConnectorConfigs.JSON.createObjectNode();
            for (String n : names) {
                ObjectNode c = connectors.putObject(n);
                c.put("arn", "arn:old/" + n).put("state", "RUNNING");
                c.putObject("request").putArray("plugins").addObject().putObject("customPlugin").put("customPluginArn", "arn:old-plugin");
            }
            ObjectNode st = ConnectorConfigs.JSON.createObjectNode();
            st.set("connectors", connectors);
            Files.writeString(state, st.toString());
        }

        int run(String... extra) throws Exception {
            Path fake = tmp.resolve("aws");
            Files.copy(PluginPath.projectRoot().resolve("msk-connect/src/test/resources/fake-aws/aws"), fake,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertTrue(fake.toFile().setExecutable(true));
            ProcessBuilder pb = new ProcessBuilder("python3", SCRIPT.toString(), "--env", "prod", "--deploy-dir", deploy.toString(),
                    "--poll-seconds", "0", "--timeout-minutes", "1", "--aws-cli", fake.toString()).redirectErrorStream(true);
            pb.command().addAll(List.of(extra));
            Map<String, String> env = new LinkedHashMap<>(Map.of("FAKE_AWS_STATE", state.toString(), "FAKE_AWS_LOG", log.toString(),
                    "FAKE_AWS_FAIL", failing));
            pb.environment().putAll(env);
            Process p = pb.start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "msk-upgrade did not finish: " + output);
            return p.exitValue();
        }

        List<JsonNode> calls() throws IOException {
            List<JsonNode> calls = new ArrayList<>();
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    calls.add(ConnectorConfigs.JSON.readTree(line));
                }
            }
            return calls;
        }
    }

    /** Index of the first call of {@code op} (whose body's connectorName or first argument value is {@code subject}). */
    private static int index(List<JsonNode> calls, String op, String subject) {
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            if (c.path("op").asText().equals(op) && (subject == null || subject.equals(c.path("body").path("connectorName").asText())
                    || subject.equals(c.path("args").path(1).asText()))) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOfLast(List<JsonNode> calls, String op) {
        for (int i = calls.size() - 1; i >= 0; i--) {
            if (calls.get(i).path("op").asText().equals(op)) {
                return i;
            }
        }
        return -1;
    }
}
