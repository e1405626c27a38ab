package io.oddsupdate.connect.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class PayloadTest {

    static final List<FieldPath> GAME = FieldPath.parseAll("paths", List.of("game_id", "gameId", "game.id"));
    static final PayloadCodec CODEC = new PayloadCodec(null);

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Payload of(Schema schema, Object value) {
        return CODEC.read(schema, value);
    }

    @Test
    void findsTheFirstPresentPathInEveryForm() {
        assertEquals("g1", of(null, utf8("{\"x\":[1,{\"game_id\":\"no\"}],\"game\":{\"id\":\"g1\"}}")).firstScalar(GAME));
        assertEquals("g2", of(Schema.BYTES_SCHEMA, ByteBuffer.wrap(utf8("{\"gameId\":\"g2\"}"))).firstScalar(GAME));
        assertEquals("g3", of(null, Map.of("game", Map.of("id", "g3"))).firstScalar(GAME));
        Schema s = SchemaBuilder.struct().field("game_id", Schema.STRING_SCHEMA).build();
        assertEquals("g4", of(s, new Struct(s).put("game_id", "g4")).firstScalar(GAME));
        assertEquals(42, of(null, utf8("{\"game_id\":42}")).firstScalar(GAME));
        assertNull(of(null, utf8("{\"game_id\":null,\"other\":1}")).firstScalar(GAME));
        assertNull(of(null, utf8("[1,2]")).firstScalar(GAME));
    }

    @Test
    void anObjectWhereAScalarBelongsIsAWrongType() {
        PayloadException e = assertThrows(PayloadException.class, () -> of(null, utf8("{\"game_id\":{\"id\":1}}")).firstScalar(GAME));
        assertEquals("game_id", e.path());
        assertTrue(e.getMessage().contains("an object"), e.getMessage());
    }

    @Test
    void malformedEmptyTruncatedTrailingAndDuplicateJsonAreRejected() {
        for (String bad : List.of("", "not json", "{\"game_id\":\"g1\",", "{\"game_id\":\"g1\"} x", "{\"game_id\":\"a\",\"game_id\":\"b\"}")) {
            PayloadException e = assertThrows(PayloadException.class, () -> of(null, utf8(bad)), bad);
            assertTrue(e.getMessage().contains("JSON"), e.getMessage());
        }
    }

    @Test
    void aNewTreeKeepsTheFormItCameIn() {
        Map<String, Object> kept = Map.of("a", 1);
        assertEquals("{\"a\":1}", new String((byte[]) of(null, utf8("{\"a\":1,\"b\":2}")).with(kept).value(), StandardCharsets.UTF_8));
        assertInstanceOf(ByteBuffer.class, of(null, ByteBuffer.wrap(utf8("{\"a\":1,\"b\":2}"))).with(kept).value());
        assertEquals(kept, of(null, Map.of("a", 1, "b", 2)).with(kept).value());
        Schema s = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).build();
        Struct out = new Struct(s).put("id", "x");
        Payload p = of(null, new Struct(SchemaBuilder.struct().field("z", Schema.STRING_SCHEMA).build()).put("z", "y")).with(out);
        assertEquals(out, p.value());
        assertEquals(s, p.schema());
    }

    @Test
    void otherValueTypesAreRefused() {
        assertTrue(assertThrows(PayloadException.class, () -> of(null, 42)).getMessage().contains("unsupported value type"));
    }
}
