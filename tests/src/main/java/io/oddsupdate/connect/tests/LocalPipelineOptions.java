package io.oddsupdate.connect.tests;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The command line of {@code ./run-local.sh} ({@link LocalPipeline}), parsed by picocli.
 *
 * <p>This file needs nothing but picocli and the JDK, so {@code run-local.sh} checks a command line with it before the
 * build: it compiles this one file alone into {@code tests/target/cli} (when it changed) and runs {@link #main}, which
 * exits 0 after printing the usage for {@code --help}, {@link #USAGE} after a one-line error and the usage for a bad
 * command line, and {@link #PROCEED} (printing nothing) when the run can start. The runner parses the same way
 * ({@link #parseOrExit}).
 */
@Command(name = "./run-local.sh", sortOptions = false, sortSynopsis = false, usageHelpWidth = 120, separator = "=",
        description = {"Runs the whole odds pipeline on 127.0.0.1 (three Kafka clusters, a Connect worker with the bundle ZIP, PostgreSQL,"
                + " Redis, an S3 store, a vendor simulator), prints progress every 5 s and a summary reconciling every vendor event."
                + " Exit status 0 only if every event is accounted for and every check passed; 2 for a bad command line.", ""},
        footer = {"", "Ctrl-C stops the vendor, drains and prints the summary; a second Ctrl-C stops at once.",
                "ODDSUPDATE_PLUGINS=/path/odds-update-bundle-X.zip,... replaces the bundle ZIP of the same name (or adds one).",
                "Logs of Kafka, Connect and the plugins: tests/target/local-pipeline.log. More: docs/local-run.md"})
public final class LocalPipelineOptions {

    /** {@link #main}'s exit status when the command line is a run to start (not help, not an error). */
    public static final int PROCEED = 10;
    /** The exit status of a bad command line. */
    public static final int USAGE = 2;

    /** The defaults of {@code --bench} for the options a benchmark sets differently from a plain run. */
    static final long BENCH_WARMUP_S = 30;
    static final long BENCH_DURATION_S = 30;
    static final long BENCH_DRAIN_S = 120;
    static final int BENCH_EVENTS_PER_GAME = 100_000;
    static final double BENCH_MALFORMED = 0.001;

    @Spec
    private CommandSpec spec;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "how long the vendor simulator sends (default: 60; with --bench: 30)")
    private Long duration;

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S", description = "vendor events per second over all games (default: 40)")
    private double rate = 40;

    @Option(names = "--events-per-game", paramLabel = "N", description = "a game ends (GAME_END) after about N events (default: 1500; with --bench: 100000)")
    private Integer eventsPerGame;

    @Option(names = "--malformed", paramLabel = "RATIO", description = "share of malformed events, 0 to 1 (default: 0.02; with --bench: 0.001)")
    private Double malformed;

    @Option(names = "--oversized", description = "add 1.2 MB events to the malformed mix")
    private boolean oversized;

    @Option(names = "--drain", paramLabel = "SECONDS", description = "how long to wait for the pipeline to settle after the vendor stops (default: 60; with --bench: 120)")
    private Long drain;

    @Option(names = "--warmup", paramLabel = "SECONDS", description = "latencies and CPU are measured after it (default: 0; with --bench: 30)")
    private Long warmup;

    @Option(names = "--keep-running", description = "send until Ctrl-C; prints every endpoint with commands to look into it")
    private boolean keepRunning;

    @Option(names = "--keep-data", paramLabel = "DIR", description = "keep the bronze Parquet objects, the summary and the logs in DIR (new or empty) instead of deleting them")
    private Path keepData;

    @Option(names = "--bench", paramLabel = "RATES", arity = "0..1", fallbackValue = "500,2000,5000", split = ",",
            description = "a fresh pipeline per rate (events/s, default 500,2000,5000), then a table and an HTML report")
    private List<Double> bench;

    @Option(names = "--runs", paramLabel = "N", description = "with --bench: run the rates N times, in turn, and add each rate's median and spread (default: 1)")
    private Integer runs;

    @Option(names = "--profile", description = "write a JFR recording of each measured window (after the warm-up, until the vendor stops) next to the report")
    private boolean profile;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "this help")
    private boolean help;

    /** Parses a command line; the caller handles {@link ParameterException} (or use {@link #parseOrExit}). */
    static LocalPipelineOptions parse(String... args) {
        LocalPipelineOptions o = new LocalPipelineOptions();
        CommandLine cl = new CommandLine(o);
        cl.parseArgs(args);
        if (!o.help) {
            o.validate();
        }
        return o;
    }

    /**
     * Parses a command line; prints the usage and exits 0 for {@code --help}, prints a one-line error and the usage to
     * stderr and exits {@link #USAGE} for a bad one.
     */
    static LocalPipelineOptions parseOrExit(String... args) {
        LocalPipelineOptions o;
        try {
            o = parse(args);
        } catch (ParameterException e) {
            System.exit(reject(e));
            return null; // not reached
        }
        if (o.help) {
            new CommandLine(new LocalPipelineOptions()).usage(System.out);
            System.exit(0);
        }
        return o;
    }

    /** Prints the error on one line, then the usage, to stderr; returns {@link #USAGE}. */
    static int reject(ParameterException e) {
        PrintWriter err = new PrintWriter(System.err, true);
        String message = e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        err.println("./run-local.sh: " + message);
        err.println();
        new CommandLine(new LocalPipelineOptions()).usage(err);
        return USAGE;
    }

    private void validate() {
        positive("--rate", rate);
        if (duration != null) {
            positive("--duration", duration);
        }
        if (eventsPerGame != null) {
            positive("--events-per-game", eventsPerGame);
        }
        if (malformed != null && !(malformed >= 0 && malformed <= 1)) {
            throw error("--malformed must be between 0 and 1, not " + malformed);
        }
        if (drain != null && drain < 0) {
            throw error("--drain must be 0 or more, not " + drain);
        }
        if (warmup != null && warmup < 0) {
            throw error("--warmup must be 0 or more, not " + warmup);
        }
        if (bench != null) {
            if (bench.isEmpty()) {
                throw error("--bench needs at least one rate, e.g. --bench=500,2000");
            }
            bench.forEach(r -> positive("--bench rate", r));
            if (keepRunning) {
                throw error("--bench and --keep-running exclude each other: a benchmark's runs are bounded");
            }
        }
        if (runs != null) {
            if (bench == null) {
                throw error("--runs repeats the rates of --bench: give --bench too");
            }
            if (runs < 1) {
                throw error("--runs must be 1 or more, not " + runs);
            }
        }
        if (keepData != null) {
            Path dir = keepData();
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw error("--keep-data=" + keepData + " is a file, not a directory");
            }
            try (var entries = Files.isDirectory(dir) ? Files.list(dir) : java.util.stream.Stream.<Path>empty()) {
                if (entries.findAny().isPresent()) {
                    throw error("--keep-data=" + keepData + " is not empty (give a new or empty directory)");
                }
            } catch (java.io.IOException e) {
                throw error("--keep-data=" + keepData + " cannot be read: " + e.getMessage());
            }
        }
    }

    private void positive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw error(name + " must be more than 0, not " + (value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value)));
        }
    }

    private ParameterException error(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    // ---- the run's settings ----------------------------------------------------------------------------------------

    boolean help() {
        return help;
    }

    /** The rates of {@code --bench}, or null without it. */
    List<Double> benchRates() {
        return bench == null ? null : List.copyOf(bench);
    }

    /** How many times {@code --bench} runs its rates (1 unless {@code --runs}). */
    int benchRuns() {
        return runs == null ? 1 : runs;
    }

    double rate() {
        return rate;
    }

    boolean bench() {
        return bench != null;
    }

    boolean profile() {
        return profile;
    }

    long durationS() {
        return duration != null ? duration : bench() ? BENCH_DURATION_S : 60;
    }

    long warmupS() {
        return warmup != null ? warmup : bench() ? BENCH_WARMUP_S : 0;
    }

    long drainS() {
        return drain != null ? drain : bench() ? BENCH_DRAIN_S : 60;
    }

    int eventsPerGame() {
        return eventsPerGame != null ? eventsPerGame : bench() ? BENCH_EVENTS_PER_GAME : 1500;
    }

    double malformed() {
        return malformed != null ? malformed : bench() ? BENCH_MALFORMED : 0.02;
    }

    boolean oversized() {
        return oversized;
    }

    boolean keepRunning() {
        return keepRunning;
    }

    /**
     * {@code --keep-data}'s directory (absolute), or null. A relative one is relative to where the user ran the script
     * ({@code oddsupdate.cwd}, which {@code run-local.sh} sets before it changes to the repository's root).
     */
    Path keepData() {
        return keepData == null ? null : Path.of(System.getProperty("oddsupdate.cwd", "")).toAbsolutePath().resolve(keepData).normalize();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "rate %s, duration %d s, warm-up %d s, drain %d s", bench() ? bench : rate, durationS(), warmupS(), drainS());
    }

    /**
     * Checks a command line without running anything ({@code run-local.sh} does, before the build): exit 0 after the
     * usage for {@code --help}, {@link #USAGE} after an error and the usage, {@link #PROCEED} when the run can start.
     */
    public static void main(String[] args) {
        parseOrExit(args);
        System.exit(PROCEED);
    }
}
