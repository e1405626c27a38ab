package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.testkit.ConfigDocs;

class ClickHouseSinkConnectorTest {

    static final Map<String, String> MINIMAL = Map.of("clickhouse.url", "http://127.0.0.1:8123", "clickhouse.table", "odds_updates");

    @Test
    void configReferenceIsCurrent() {
        ConfigDocs.check("docs/config/ClickHouseSinkConnector.md", ConfigDocs.markdown(ClickHouseSinkConnector.class.getName(),
                ClickHouseSinkConnector.OVERVIEW, ClickHouseSinkConnector.CONFIG_DEF));
    }

    @Test
    void aBadConfigFailsAtStartNamingTheKey() {
        assertRejected(Map.of("clickhouse.url", "http://h:8123"), "clickhouse.table");
        assertRejected(with("clickhouse.url", "ftp://h"), "clickhouse.url");
        assertRejected(with("clickhouse.url", "http://u:p@h:8123"), "clickhouse.url");
        assertRejected(with("columns.mapping", "kafka_offset"), "columns.mapping");
        assertRejected(with("columns.mapping", "a=kafka.offset,a=kafka.topic"), "columns.mapping");
        assertRejected(with("columns.mapping", "a=kafka.leader"), "columns.mapping");
        assertRejected(with("clickhouse.compression", "zstd"), "clickhouse.compression");
        assertRejected(with("clickhouse.ssl.truststore.location", "/nonexistent.p12"), "clickhouse.ssl.truststore.location");
        assertRejected(with("batch.max.rows", "0"), "batch.max.rows");
    }

    @Test
    void restValidationReportsCrossKeyErrorsOnTheirKey() {
        var config = new ClickHouseSinkConnector().validate(with("columns.mapping", "=x"));
        var mapping = config.configValues().stream().filter(v -> v.name().equals("columns.mapping")).findFirst().orElseThrow();
        assertTrue(mapping.errorMessages().get(0).contains("not column=source"), mapping.errorMessages().toString());
        assertTrue(new ClickHouseSinkConnector().validate(MINIMAL).configValues().stream().allMatch(v -> v.errorMessages().isEmpty()));
    }

    @Test
    void thePasswordIsAPasswordAndNeverPrinted() {
        assertEquals(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD,
                ClickHouseSinkConnector.CONFIG_DEF.configKeys().get("clickhouse.password").type);
        SinkSettings s = new SinkSettings(with("clickhouse.password", "hunter2"));
        assertEquals("hunter2", s.password.value());
        assertFalse(s.toString().contains("hunter2"));
    }

    @Test
    void everyTaskGetsTheConnectorsConfig() {
        ClickHouseSinkConnector c = new ClickHouseSinkConnector();
        Map<String, String> props = new HashMap<>(MINIMAL);
        c.start(props);
        assertEquals(List.of(props, props), c.taskConfigs(2));
        assertEquals(ClickHouseSinkTask.class, c.taskClass());
    }

    @Test
    void theDeduplicationTokenGoesToServersThatKnowIt() {
        assertFalse(ClickHouseSinkTask.hasDeduplicationToken("18.16.1"));
        assertFalse(ClickHouseSinkTask.hasDeduplicationToken("22.1.3.7"));
        assertTrue(ClickHouseSinkTask.hasDeduplicationToken("22.2.2.1"));
        assertTrue(ClickHouseSinkTask.hasDeduplicationToken("25.8.1.1"));
        assertFalse(ClickHouseSinkTask.hasDeduplicationToken("unknown"));
    }

    @Test
    void failuresAreClassifiedByClickHousesCodeThenByStatus() {
        assertEquals(ClickHouseException.Kind.DATA, ClickHouseException.of(500, null,
                "Code: 27, e.displayText() = DB::Exception: Cannot parse input", "x").kind);
        assertEquals(ClickHouseException.Kind.RETRIABLE, ClickHouseException.of(500, "252", "Code: 252. DB::Exception: Too many parts", "x").kind);
        assertEquals(ClickHouseException.Kind.FATAL, ClickHouseException.of(500, null, "Code: 60, e.displayText() = Table x doesn't exist", "x").kind);
        assertEquals(ClickHouseException.Kind.FATAL, ClickHouseException.of(403, null, "Code: 516. DB::Exception: Authentication failed", "x").kind);
        assertEquals(ClickHouseException.Kind.RETRIABLE, ClickHouseException.of(503, null, "<html>Service Unavailable</html>", "x").kind);
        assertEquals(ClickHouseException.Kind.FATAL, ClickHouseException.of(404, null, "Not Found", "x").kind);
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>(MINIMAL);
        m.put(key, value);
        return m;
    }

    private static void assertRejected(Map<String, String> props, String key) {
        ConfigException e = assertThrows(ConfigException.class, () -> new ClickHouseSinkConnector().start(props));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
