package io.oddsupdate.connect.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class DeadLetterRouteTest {

    static SourceRecord mirrored() {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("h", "v");
        return new SourceRecord(Map.of("cluster", "vendor", "topic", "vendor.raw.events.nba", "partition", 3),
                Map.of("offset", 1234L), "raw.events.nba", 3, Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {1},
                Schema.BYTES_SCHEMA, new byte[] {2}, 99L, headers);
    }

    static String header(SourceRecord r, String name) {
        return (String) r.headers().lastWithName(name).value();
    }

    @Test
    void routesTheUnchangedRecordWithConnectsContextHeaders() {
        SourceRecord in = mirrored();
        SourceRecord out = new DeadLetterRoute("raw.events.dlq", "key", Object.class).fail(in, new PayloadException("game_id", "no game id"));
        assertEquals("raw.events.dlq", out.topic());
        assertNull(out.kafkaPartition());
        assertSame(in.key(), out.key());
        assertSame(in.value(), out.value());
        assertEquals(99L, out.timestamp());
        assertEquals(in.sourcePartition(), out.sourcePartition());
        assertEquals("v", header(out, "h"));
        assertEquals("vendor.raw.events.nba", header(out, "__connect.errors.topic"));
        assertEquals("3", header(out, "__connect.errors.partition"));
        assertEquals("1234", header(out, "__connect.errors.offset"));
        assertEquals("TRANSFORMATION", header(out, "__connect.errors.stage"));
        assertEquals("java.lang.Object", header(out, "__connect.errors.class.name"));
        assertEquals("key", header(out, "__connect.errors.transform.alias"));
        assertEquals(PayloadException.class.getName(), header(out, "__connect.errors.exception.class.name"));
        assertEquals("key: no game id", header(out, "__connect.errors.exception.message"));
        assertTrue(DeadLetterRoute.isDeadLettered(out));
        assertFalse(DeadLetterRoute.isDeadLettered(in));
        assertEquals(1, in.headers().size(), "the input record's headers are not modified");
    }

    @Test
    void aForgedMarkerIsNotTrusted() {
        SourceRecord in = mirrored();
        in.headers().addString(DeadLetterRoute.MARKER_HEADER, "guess");
        assertFalse(DeadLetterRoute.isDeadLettered(in));
    }

    @Test
    void withoutATopicTheFailureIsADataExceptionNamingTransformPathAndRecord() {
        DataException e = assertThrows(DataException.class,
                () -> new DeadLetterRoute("", null, DeadLetterRouteTest.class).fail(mirrored(), new PayloadException("game_id", "'game_id' is missing")));
        assertEquals("DeadLetterRouteTest: 'game_id' is missing (record vendor.raw.events.nba-3@1234)", e.getMessage());
    }
}
