package io.oddsupdate.connect.clickhouse;

import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.testkit.servers.ClickHouseServer;

/** What the benchmark in {@code .bench} needs of this package's test harness. */
public final class BenchAccess {

    private final TaskHarness harness;

    private BenchAccess(TaskHarness harness) {
        this.harness = harness;
    }

    /** A started task writing to {@code table} (the 18.16 odds table, created here). */
    public static BenchAccess task(ClickHouseServer ch, String table, Map<String, String> overrides) {
        ch.execute(String.format(TaskHarness.DDL, table));
        return new BenchAccess(new TaskHarness(ch, table, overrides));
    }

    public static String ddl(String table) {
        return String.format(TaskHarness.DDL, table);
    }

    public static String mapping() {
        return TaskHarness.MAPPING;
    }

    public static List<SinkRecord> updates(String topic, int partition, long from, long to) {
        return TaskHarness.updates(topic, partition, from, to);
    }

    /** The rows the sink would send for these records in {@code format} (what the bulk load reads from a file). */
    public static byte[] rows(ClickHouseServer ch, String table, List<SinkRecord> records, String format) {
        List<String[]> columns = ch.query("SELECT name, type, default_kind FROM system.columns WHERE table = '" + table + "'")
                .lines().map(l -> l.split("\t", -1)).toList();
        RowEncoder encoder = new RowEncoder(Table.of("default", table, columns, new SinkSettings(Map.of(
                ClickHouseSinkConnector.URL, ch.httpUrl(), ClickHouseSinkConnector.TABLE, table,
                ClickHouseSinkConnector.COLUMNS_MAPPING, TaskHarness.MAPPING)).mapping, format));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (SinkRecord r : records) {
            out.writeBytes(encoder.encode(r));
        }
        return out.toByteArray();
    }

    public void put(List<SinkRecord> records) {
        harness.task.put(records);
    }

    /** Rows not yet acknowledged by ClickHouse. */
    public int pending() {
        return harness.task.pendingRows().size();
    }

    public void stop() {
        harness.task.stop();
    }
}
