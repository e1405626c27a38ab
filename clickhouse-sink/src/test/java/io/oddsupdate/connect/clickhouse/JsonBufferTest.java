package io.oddsupdate.connect.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class JsonBufferTest {

    @Test
    void wholeNumbersAreWrittenAsLongToStringWritesThem() {
        long[] values = {0, 1, -1, 9, 10, -10, 99, 100, 1_764_000_006L, 4_294_967_295L, Long.MAX_VALUE, Long.MIN_VALUE,
                Long.MIN_VALUE + 1, -1_000_000_000_000L};
        for (long v : values) {
            JsonBuffer b = new JsonBuffer();
            b.ascii('[').integer(v).ascii(']');
            assertEquals("[" + v + "]", new String(b.toByteArray(), StandardCharsets.US_ASCII));
        }
    }
}
