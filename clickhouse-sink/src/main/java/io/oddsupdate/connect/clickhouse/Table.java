package io.oddsupdate.connect.clickhouse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.config.ConfigException;

/**
 * The target table: its name, the columns the sink fills (from {@code system.columns}) and where each value comes from.
 * A column is filled from {@code columns.mapping} if mapped, else from the value field of the same name. MATERIALIZED
 * and ALIAS columns are the server's; a DEFAULT column the record has no value for is left to the server.
 */
final class Table {

    /** One column the sink writes. */
    record Column(String name, byte[] jsonKey, ColumnType type, Source source, boolean hasDefault) {
    }

    final String database;
    final String name;
    final List<Column> columns;
    /** {@code INSERT INTO `db`.`t` (`c1`, ...) FORMAT JSONEachRow} */
    final String insert;

    Table(String database, String name, List<Column> columns) {
        this.database = database;
        this.name = name;
        this.columns = List.copyOf(columns);
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(quote(database)).append('.').append(quote(name)).append(" (");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(quote(columns.get(i).name()));
        }
        this.insert = sql.append(") FORMAT JSONEachRow").toString();
    }

    /** As errors name it: {@code odds.odds_updates}. */
    String qualifiedName() {
        return database + "." + name;
    }

    /**
     * The table's insertable columns, each with its source, from {@code system.columns} rows (name, type, default kind).
     * Throws a ConfigException naming the key at fault: a mapped column the table lacks ({@code columns.mapping}), a
     * column of a type the sink cannot write and nothing to fill it by default ({@code clickhouse.table}).
     */
    static Table of(String database, String name, List<String[]> systemColumns, Map<String, String> mapping) {
        if (systemColumns.isEmpty()) {
            throw new ConfigException(ClickHouseSinkConnector.TABLE, name, "table " + database + "." + name
                    + " does not exist or has no columns the user can see");
        }
        Map<String, String> unmapped = new HashMap<>(mapping);
        Set<String> serverOnly = new HashSet<>();
        List<Column> columns = new ArrayList<>();
        for (String[] c : systemColumns) {
            String column = c[0];
            String defaultKind = c.length > 2 ? c[2] : "";
            if ("MATERIALIZED".equals(defaultKind) || "ALIAS".equals(defaultKind)) {
                serverOnly.add(column);
                continue;
            }
            String mapped = unmapped.remove(column);
            boolean hasDefault = "DEFAULT".equals(defaultKind);
            ColumnType type;
            try {
                type = ColumnType.parse(c[1]);
            } catch (IllegalArgumentException e) {
                if (hasDefault && mapped == null) {
                    continue; // left to its DEFAULT expression
                }
                throw new ConfigException(ClickHouseSinkConnector.TABLE, name, "column '" + column + "': " + e.getMessage()
                        + " (give it a DEFAULT, or change its type)");
            }
            Source source = mapped != null ? Source.parse(mapped) : Source.value(column);
            columns.add(new Column(column, ("\"" + column.replace("\\", "\\\\").replace("\"", "\\\"") + "\":")
                    .getBytes(StandardCharsets.UTF_8), type, source, hasDefault));
        }
        if (!unmapped.isEmpty()) {
            String column = unmapped.keySet().iterator().next();
            throw new ConfigException(ClickHouseSinkConnector.COLUMNS_MAPPING, column + "=" + unmapped.get(column), "table "
                    + database + "." + name + (serverOnly.contains(column) ? " computes column '" + column + "' itself (MATERIALIZED or ALIAS)"
                    : " has no column '" + column + "'"));
        }
        return new Table(database, name, columns);
    }

    static String quote(String identifier) {
        return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }
}
