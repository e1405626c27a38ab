package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The summary's dead letters: a handful of lines however many records, by stage and kind of reason. */
class DeadLetterSummaryTest {

    private static final List<String> STAGES = List.of("vendor-to-core", "odds-sink", "core-to-edge");

    @Test
    void kindsLeaveOutWhatVariesPerRecord() {
        assertEquals("field 'seq': expected long, got string \"…\"", DeadLetterSummary.kind("enforce: field 'seq': expected long, got string \"seq-148\""));
        assertEquals("unusable event: unknown game '…' (not in odds_game)",
                DeadLetterSummary.kind("OddsSinkConnector: unusable event at raw.events.mlb/0@12: unknown game 'mlb-g-unknown-913' (not in odds_game)"));
        assertEquals("malformed JSON at byte N: Unexpected end-of-input", DeadLetterSummary.kind("enforce: malformed JSON at byte 101: Unexpected end-of-input"));
        assertEquals("field 'game_id' is required but missing", DeadLetterSummary.kind("enforce: field 'game_id' is required but missing"));
        assertEquals("(no reason header)", DeadLetterSummary.kind(null));
        assertTrue(DeadLetterSummary.kind("x".repeat(500)).length() <= DeadLetterSummary.KIND_CHARS);
    }

    @Test
    void stagesNameTheTransformButNotTheConnectorAgain() {
        assertEquals("vendor-to-core / enforce", DeadLetterSummary.stage("vendor-to-core", "enforce: field 'seq'"));
        assertEquals("odds-sink", DeadLetterSummary.stage("odds-sink", "OddsSinkConnector: unusable event"));
        assertEquals("core-to-edge", DeadLetterSummary.stage("core-to-edge", "no prefix here"));
    }

    @Test
    void thousandsOfDeadLettersMakeAFewLines() {
        List<DeadLetterSummary.Letter> letters = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            letters.add(new DeadLetterSummary.Letter("vendor-to-core", "enforce: field 'seq': expected long, got string \"seq-" + i + "\"", "WRONG_TYPE",
                    "event #" + i));
            letters.add(new DeadLetterSummary.Letter("odds-sink", "OddsSinkConnector: unusable event at raw.events.nba/1@" + i
                    + ": unknown game 'nba-g-unknown-" + i + "' (not in odds_game)", "UNKNOWN_GAME", "event #" + i));
        }
        for (int i = 0; i < 3; i++) {
            letters.add(new DeadLetterSummary.Letter("vendor-to-core", "enforce: malformed JSON at byte " + (100 + i) + ": Unexpected end-of-input",
                    "BAD_JSON", "event #x" + i));
        }
        List<String> lines = DeadLetterSummary.lines(letters, STAGES);
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches(" +1000 × vendor-to-core / enforce +field 'seq': expected long, got string \"…\" +\\[WRONG_TYPE]"), lines.get(0));
        assertTrue(lines.get(1).contains("e.g. field 'seq': expected long, got string \"seq-0\" (event #0)"), lines.get(1));
        assertTrue(lines.get(2).matches(" +3 × vendor-to-core / enforce +malformed JSON at byte N: Unexpected end-of-input +\\[BAD_JSON]"), lines.get(2));
        assertTrue(lines.get(4).matches(" +1000 × odds-sink +unusable event: unknown game '…' \\(not in odds_game\\) +\\[UNKNOWN_GAME]"), lines.get(4));
    }
}
