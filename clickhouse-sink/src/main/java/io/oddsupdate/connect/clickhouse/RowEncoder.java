package io.oddsupdate.connect.clickhouse;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

import io.oddsupdate.connect.common.Payload;
import io.oddsupdate.connect.common.PayloadCodec;
import io.oddsupdate.connect.common.PayloadException;

/**
 * Encodes a record as one JSONEachRow line of the table ({@code {"col":value,...}\n}). A pure function of the record:
 * the same record always gives the same bytes, which is what makes a replay write the same row. Throws a
 * {@link DataException} naming the column, its type and the record path when a value does not fit.
 */
final class RowEncoder {

    private final Table table;
    private final JsonBuffer row = new JsonBuffer();

    RowEncoder(Table table) {
        this.table = table;
    }

    byte[] encode(SinkRecord record) {
        Payload value = payload(record);
        row.reset();
        row.ascii('{');
        boolean first = true;
        for (Table.Column c : table.columns) {
            Object v;
            try {
                v = c.source().read(record, value);
            } catch (PayloadException e) {
                throw new DataException("value: " + e.getMessage()); // bytes parsed lazily: malformed JSON shows here
            }
            if (v == null && c.hasDefault() && !c.type().nullable) {
                continue; // the server fills it from its DEFAULT expression
            }
            if (!first) {
                row.ascii(',');
            }
            row.raw(c.jsonKey());
            try {
                c.type().write(v, row);
            } catch (DataException e) {
                throw new DataException("column '" + c.name() + "' (" + c.type().name + ") from " + c.source() + ": "
                        + (v == null ? "missing or null, and the column is not Nullable" : e.getMessage()));
            }
            first = false;
        }
        row.ascii('}').ascii('\n');
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
