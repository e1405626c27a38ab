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
 * The target table: its name, the columns the sink fills (from {@code system.columns}), where each value comes from,
 * and the INSERT's format. A column is filled from {@code columns.mapping} if mapped, else from the value field of the
 * same name. MATERIALIZED and ALIAS columns are the server's; a DEFAULT column the record has no value for is left to
 * the server, which only JSONEachRow can say row by row.
 */
final class Table {

    /** One column the sink writes. */
    record Column(String name, byte[] jsonKey, ColumnType type, Source source, boolean hasDefault) {

        /** A row without a value for it leaves it to the server's DEFAULT (else: NULL, or the record does not fit). */
        boolean omittable() {
            return hasDefault && !type.nullable;
        }
    }

    static final String AUTO = "auto";
    static final String ROW_BINARY = "RowBinary";
    static final String JSON_EACH_ROW = "JSONEachRow";

    final String database;
    final String name;
    final List<Column> columns;
    /** {@link #ROW_BINARY} or {@link #JSON_EACH_ROW}. */
    final String format;
    /** {@code INSERT INTO `db`.`t` (`c1`, ...) FORMAT RowBinary} */
    final String insert;

    private Table(String database, String name, List<Column> columns, String format) {
        this.database = database;
        this.name = name;
        this.columns = List.copyOf(columns);
        this.format = format;
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(quote(database)).append('.').append(quote(name)).append(" (");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(quote(columns.get(i).name()));
        }
        this.insert = sql.append(") FORMAT ").append(format).toString();
    }

    /** As errors name it: {@code odds.odds_updates}. */
    String qualifiedName() {
        return database + "." + name;
    }

    /** The row buffer of this table's format. */
    RowBuffer newRow() {
        return ROW_BINARY.equals(format) ? new RowBinaryBuffer() : new JsonBuffer();
    }

    /**
     * The table's insertable columns, each with its source, from {@code system.columns} rows (name, type, default kind),
     * and the format ({@code clickhouse.format}: {@code auto} is RowBinary unless a column may be left to its DEFAULT
     * or has a type whose RowBinary layout is untested). Throws a ConfigException naming the key at fault: a mapped
     * column the table lacks ({@code columns.mapping}), a column of a type the sink cannot write and nothing to fill it
     * by default ({@code clickhouse.table}), RowBinary asked for a table with such a DEFAULT ({@code clickhouse.format}).
     */
    static Table of(String database, String name, List<String[]> systemColumns, Map<String, String> mapping, String format) {
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
        Column omittable = columns.stream().filter(Column::omittable).findFirst().orElse(null);
        if (ROW_BINARY.equals(format) && omittable != null) {
            throw new ConfigException(ClickHouseSinkConnector.FORMAT, format, "column '" + omittable.name() + "' of " + database
                    + "." + name + " has a DEFAULT a row may leave to the server, which only JSONEachRow can do");
        }
        if (AUTO.equals(format)) {
            boolean verified = columns.stream().allMatch(c -> c.type().rowBinaryVerified());
            format = omittable == null && verified ? ROW_BINARY : JSON_EACH_ROW;
        }
        return new Table(database, name, columns, format);
    }

    static String quote(String identifier) {
        return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }
}
