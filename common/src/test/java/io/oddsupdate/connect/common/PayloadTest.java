package io.oddsupdate.connect.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class PayloadTest {

    static final List<FieldPath> GAME = FieldPath.parseAll("paths", List.of("game_id", "gameId", "game.id"));

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void findsTheFirstPresentPathInEveryForm() {
        assertEquals("g1", Payload.of(null, utf8("{\"x\":[1,{\"game_id\":\"no\"}],\"game\":{\"id\":\"g1\"}}")).firstScalar(GAME));
        assertEquals("g2", Payload.of(Schema.BYTES_SCHEMA, ByteBuffer.wrap(utf8("{\"gameId\":\"g2\"}"))).firstScalar(GAME));
        assertEquals("g3", Payload.of(null, Map.of("game", Map.of("id", "g3"))).firstScalar(GAME));
        Schema s = SchemaBuilder.struct().field("game_id", Schema.STRING_SCHEMA).build();
        assertEquals("g4", Payload.of(s, new Struct(s).put("game_id", "g4")).firstScalar(GAME));
        assertEquals(42, Payload.of(null, utf8("{\"game_id\":42}")).firstScalar(GAME));
        assertNull(Payload.of(null, utf8("{\"game_id\":null,\"other\":1}")).firstScalar(GAME));
        assertNull(Payload.of(null, utf8("[1,2]")).firstScalar(GAME));
    }

    @Test
    void anObjectWhereAScalarBelongsIsAWrongType() {
        PayloadException e = assertThrows(PayloadException.class,
                () -> Payload.of(null, utf8("{\"game_id\":{\"id\":1}}")).firstScalar(GAME));
        assertEquals("game_id", e.path());
        assertTrue(e.getMessage().contains("an object"), e.getMessage());
    }

    @Test
    void malformedEmptyTruncatedTrailingAndDuplicateJsonAreRejected() {
        for (String bad : List.of("", "not json", "{\"game_id\":\"g1\",", "{\"game_id\":\"g1\"} x", "{\"game_id\":\"a\",\"game_id\":\"b\"}")) {
            PayloadException e = assertThrows(PayloadException.class, () -> Payload.of(null, utf8(bad)).firstScalar(GAME), bad);
            assertTrue(e.getMessage().contains("JSON"), e.getMessage());
        }
    }

    @Test
    void theSameValueObjectIsParsedOnce() {
        byte[] v = utf8("{\"game_id\":\"g1\"}");
        Payload p = Payload.of(null, v);
        assertSame(p, Payload.of(null, v));
    }

    @Test
    void projectionKeepsTheFormItCameIn() {
        Projection keep = Projection.allowing(FieldPath.parseAll("allow", List.of("a", "n.x")));
        byte[] out = (byte[]) Payload.of(null, utf8("{\"a\":1,\"b\":2,\"n\":{\"x\":\"é\",\"y\":3}}")).project(keep).value();
        assertEquals("{\"a\":1,\"n\":{\"x\":\"é\"}}", new String(out, StandardCharsets.UTF_8));
        Object buf = Payload.of(null, ByteBuffer.wrap(utf8("{\"a\":1,\"b\":2}"))).project(keep).value();
        assertInstanceOf(ByteBuffer.class, buf);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("a", 1);
        in.put("b", 2);
        assertEquals(Map.of("a", 1), Payload.of(null, in).project(keep).value());
    }

    @Test
    void anAvroProjectionChecksTypesAndRequiredFieldsInEveryForm() {
        Projection p = Projection.fromAvro(new org.apache.avro.Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
                        + "{\"name\":\"n\",\"type\":[\"null\",\"long\"],\"default\":null}]}"));
        assertArrayEquals(utf8("{\"n\":5,\"id\":\"x\"}"), (byte[]) Payload.of(null, utf8("{\"n\":5,\"secret\":1,\"id\":\"x\"}")).project(p).value());
        assertThrows(PayloadException.class, () -> Payload.of(null, utf8("{\"n\":5}")).project(p));
        assertThrows(PayloadException.class, () -> Payload.of(null, utf8("{\"id\":5}")).project(p));
        assertThrows(PayloadException.class, () -> Payload.of(null, Map.of("id", 5)).project(p));
        Schema s = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).field("secret", Schema.STRING_SCHEMA).build();
        Struct out = (Struct) Payload.of(s, new Struct(s).put("id", "x").put("secret", "s")).project(p).value();
        assertEquals(List.of("id"), out.schema().fields().stream().map(f -> f.name()).toList());
        assertEquals("R", out.schema().name());
    }
}
