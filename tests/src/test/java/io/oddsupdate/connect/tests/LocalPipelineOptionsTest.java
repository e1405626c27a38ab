package io.oddsupdate.connect.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine.ParameterException;

/** The runner's command line ({@code ./run-local.sh}): defaults, the bench's defaults, and every way to get it wrong. */
class LocalPipelineOptionsTest {

    @Test
    void defaults() {
        LocalPipelineOptions o = LocalPipelineOptions.parse();
        assertEquals(40, o.rate());
        assertEquals(60, o.durationS());
        assertEquals(0, o.warmupS());
        assertEquals(60, o.drainS());
        assertEquals(1500, o.eventsPerGame());
        assertEquals(0.02, o.malformed());
        assertFalse(o.bench());
        assertFalse(o.keepRunning());
        assertFalse(o.oversized());
        assertNull(o.keepData());
    }

    @Test
    void everyOption() {
        LocalPipelineOptions o = LocalPipelineOptions.parse("--duration=20", "--rate=2000", "--events-per-game=10", "--malformed=0",
                "--oversized", "--drain=5", "--warmup=3", "--keep-running");
        assertEquals(2000, o.rate());
        assertEquals(20, o.durationS());
        assertEquals(3, o.warmupS());
        assertEquals(5, o.drainS());
        assertEquals(10, o.eventsPerGame());
        assertEquals(0, o.malformed());
        assertTrue(o.oversized());
        assertTrue(o.keepRunning());
    }

    @Test
    void benchHasItsOwnDefaults() {
        LocalPipelineOptions o = LocalPipelineOptions.parse("--bench");
        assertEquals(List.of(500.0, 2000.0, 5000.0), o.benchRates());
        assertEquals(30, o.warmupS());
        assertEquals(30, o.durationS());
        assertEquals(120, o.drainS());
        assertEquals(100_000, o.eventsPerGame());
        assertEquals(0.001, o.malformed());
        LocalPipelineOptions given = LocalPipelineOptions.parse("--bench=300,700", "--duration=10");
        assertEquals(List.of(300.0, 700.0), given.benchRates());
        assertEquals(10, given.durationS());
        assertEquals(1, given.benchRuns());
        assertEquals(3, LocalPipelineOptions.parse("--bench=1000", "--runs=3").benchRuns());
    }

    @Test
    void keepDataTakesANewOrEmptyDirectory(@TempDir Path dir) throws Exception {
        assertEquals(dir.resolve("new").toAbsolutePath(), LocalPipelineOptions.parse("--keep-data=" + dir.resolve("new")).keepData());
        assertEquals(dir.toAbsolutePath(), LocalPipelineOptions.parse("--keep-data=" + dir).keepData());
        Files.writeString(dir.resolve("something"), "x");
        assertRejected("is not empty", "--keep-data=" + dir);
        assertRejected("is a file", "--keep-data=" + dir.resolve("something"));
    }

    @Test
    void badCommandLinesAreRejectedWithOneLine() {
        assertRejected("Invalid value for option '--rate': 'abc'", "--rate=abc");
        assertRejected("Unknown option: '--bogus'", "--bogus");
        assertRejected("Unmatched argument", "60");
        assertRejected("--rate must be more than 0", "--rate=0");
        assertRejected("--duration must be more than 0", "--duration=-5");
        assertRejected("--malformed must be between 0 and 1", "--malformed=1.5");
        assertRejected("--drain must be 0 or more", "--drain=-1");
        assertRejected("'x' is not a double", "--bench=500,x");
        assertRejected("exclude each other", "--bench", "--keep-running");
        assertRejected("--runs repeats the rates of --bench", "--runs=3");
        assertRejected("--runs must be 1 or more", "--bench", "--runs=0");
    }

    @Test
    void rejectionIsOneLineThenTheUsage() {
        ParameterException e = assertThrows(ParameterException.class, () -> LocalPipelineOptions.parse("--durration=5"));
        PrintStream err = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = LocalPipelineOptions.reject(e);
        } finally {
            System.setErr(err);
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\\R");
        assertEquals(LocalPipelineOptions.USAGE, status);
        assertEquals("./run-local.sh: Unknown option: '--durration=5' (did you mean --duration?)", lines[0]);
        assertEquals("", lines[1]);
        assertTrue(lines[2].startsWith("Usage: ./run-local.sh"), lines[2]);
    }

    @Test
    void helpIsNotValidated() {
        assertTrue(LocalPipelineOptions.parse("--help", "--rate=0").help());
    }

    private static void assertRejected(String message, String... args) {
        ParameterException e = assertThrows(ParameterException.class, () -> LocalPipelineOptions.parse(args), String.join(" ", args));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
