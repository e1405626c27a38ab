package io.oddsupdate.connect.clickhouse;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadCodec;
import io.oddsupdate.connect.common.PayloadException;

/**
 * Encodes a record as one row of the table in its INSERT's format (RowBinary, or a JSONEachRow line). A pure function
 * of the record: the same record always gives the same bytes, which is what makes a replay write the same row. Throws
 * a {@link DataException} naming the column, its type and the record path when a value does not fit.
 */
final class RowEncoder {

    private final Table table;
    private final RowBuffer row;

    RowEncoder(Table table) {
        this.table = table;
        this.row = table.newRow();
    }

    byte[] encode(SinkRecord record) {
        Payload value = payload(record);
        row.reset();
        row.rowStart();
        boolean first = true;
        for (Table.Column c : table.columns) {
            Object v;
            try {
                v = c.source().read(record, value);
            } catch (PayloadException e) {
                throw new DataException("value: " + e.getMessage()); // bytes parsed lazily: malformed JSON shows here
            }
            if (v == null && c.omittable()) {
                continue; // the server fills it from its DEFAULT expression (JSONEachRow only: see Table.of)
            }
            row.column(c, first);
            try {
                c.type().write(v, row);
            } catch (DataException e) {
                throw new DataException("column '" + c.name() + "' (" + c.type().name + ") from " + c.source() + ": "
                        + (v == null ? "missing or null, and the column is not Nullable" : e.getMessage()));
            }
            first = false;
        }
        row.rowEnd();
        return row.toByteArray();
    }

    /**
     * Reads values: Structs and Maps as they are (the bundle's GlueAvroConverter hands this sink Structs), bytes and text
     * as JSON. Immutable and configured by nothing, so one serves every task.
     */
    private static final PayloadCodec VALUES = new PayloadCodec(null);

    private static Payload payload(SinkRecord record) {
        Object v = record.value();
        if (v == null) {
            throw new DataException("tombstone (null value): a row needs a value");
        }
        try {
            if (v instanceof String s) {
                return VALUES.read(null, s.getBytes(StandardCharsets.UTF_8)); // JSON text from a StringConverter
            }
            return VALUES.read(record.valueSchema(), v);
        } catch (PayloadException e) { // a value of another type
            throw new DataException("value: " + e.getMessage());
        }
    }
}
