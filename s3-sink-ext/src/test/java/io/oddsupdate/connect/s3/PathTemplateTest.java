package io.oddsupdate.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class PathTemplateTest {

    private static final long T = Instant.parse("2024-01-02T03:04:05Z").toEpochMilli();

    @Test
    void rendersTheDefaultLayoutInUtc() {
        PathTemplate t = new PathTemplate("path.template", PathTemplate.DEFAULT, "/bronze/odds/");
        assertEquals("bronze/odds/league=nba/dt=2024-01-02/hour=03/odds.updates.internal.nba+7+0000000042.parquet",
                t.render("nba", T, "odds.updates.internal.nba", 7, 42));
        assertEquals("league=nba/dt=2024-01-02/hour=03/t+0+12345678901.parquet",
                new PathTemplate("path.template", PathTemplate.DEFAULT, "").render("nba", T, "t", 0, 12345678901L));
    }

    @Test
    void aFileIsEverythingButTheStartOffset() {
        PathTemplate t = new PathTemplate("path.template", "{YYYY}/{MM}/{DD}/{HH}/{league}/{topic}-{partition}-{startOffset}.parquet", "p");
        assertEquals("2024/01/02/03/nfl/t-1-0000000005.parquet", t.render("nfl", T, "t", 1, 5));
        assertEquals(t.fileOf("nfl", T, "t", 1), t.fileOf("nfl", T + 1000, "t", 1));
        assertTrue(!t.fileOf("nfl", T, "t", 1).equals(t.fileOf("nfl", T + 3_600_000, "t", 1)));
    }

    @Test
    void rejectsTemplatesThatWouldNotNameFilesDeterministically() {
        ConfigException e = assertThrows(ConfigException.class, () -> new PathTemplate("path.template", "{prefix}/{league}/{topic}.parquet", ""));
        assertTrue(e.getMessage().contains("path.template") && e.getMessage().contains("{partition}"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new PathTemplate("path.template", "{topic}+{partition}+{startOffset}{minute}", ""));
        assertTrue(e.getMessage().contains("unknown placeholder {minute}"), e.getMessage());
    }
}
