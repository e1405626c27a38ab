package io.oddsupdate.connect.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The byte scanner behind JSON lookups and projections agrees with a strict parser on what is JSON. */
class JsonScannerTest {

    static final PathSet PATHS = new PathSet(FieldPath.parseAll("p", List.of("a", "n.b")));

    static Map<FieldPath, Object> find(String json) {
        return JsonFormat.INSTANCE.find(json.getBytes(StandardCharsets.UTF_8), PATHS);
    }

    static Object a(String json) {
        return find(json).get(FieldPath.parse("a"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", " {\"a\" : 1 } ", "[]", "[1,[2,{\"x\":[]}],\"s\"]", "\"s\"", "-0.5e+3", "true", "null",
            "{\"x\":{\"y\":[{},{\"z\":null}]},\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}", "{\"\\u0061\":1}"})
    void acceptsWhatAStrictParserAccepts(String json) throws Exception {
        new ObjectMapper().readTree(json);
        find(json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "[1 2]", "{a:1}", "{\"a\":01}", "{\"a\":1.}",
            "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":\"x\\q\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"x\ty\"}", "{\"a\":\"x",
            "{\"a\":1}}", "{\"a\":1} 2", "{\"x\":[1,{\"y\":]}]}", "{\"x\":{\"y\":1,\"y\"}}", "'a'", "{\"a\":1,\"a\":2}",
            "{\"n\":{\"b\":1,\"b\":2}}", "{\"a\":NaN}"})
    void rejectsWhatIsNotJson(String json) {
        PayloadException e = assertThrows(PayloadException.class, () -> find(json), json);
        assertTrue(e.getMessage().startsWith("malformed JSON at byte "), e.getMessage());
    }

    @Test
    void decodesScalarsLikeJackson() {
        assertEquals(1, a("{\"a\":1}"));
        assertEquals(-2147483649L, a("{\"a\":-2147483649}"));
        assertEquals(new BigInteger("123456789012345678901234"), a("{\"a\":123456789012345678901234}"));
        assertEquals(1.5e3, a("{\"a\":1.5e3}"));
        assertEquals("é\n\"", a("{\"a\":\"\\u00e9\\n\\\"\"}"));
        assertEquals("ñ⚽", a("{\"a\":\"ñ⚽\"}"));
        assertEquals(Boolean.FALSE, a("{\"a\":false}"));
        assertNull(a("{\"a\":null}"));
        assertEquals(JsonFormat.Composite.ARRAY, a("{\"a\":[1]}"));
        assertEquals("x", find("{\"n\":{\"c\":{\"b\":0},\"b\":\"x\"},\"b\":1}").get(FieldPath.parse("n.b")));
        assertEquals(7, a("{\"\\u0061\":7}"), "an escaped member name still matches");
    }

    @Test
    void invalidUtf8InALookedUpStringIsRejected() {
        byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, '"', '}'};
        assertThrows(PayloadException.class, () -> JsonFormat.INSTANCE.find(bad, PATHS));
    }

    @Test
    void deepNestingIsBoundedNotAStackOverflow() {
        String ok = "[".repeat(JsonScanner.MAX_DEPTH) + "]".repeat(JsonScanner.MAX_DEPTH);
        find(ok);
        String deep = "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        PayloadException e = assertThrows(PayloadException.class, () -> find(deep));
        assertTrue(e.getMessage().contains("nesting deeper than"), e.getMessage());
    }
}
