package io.oddsupdate.connect.tests;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The README's first command ({@code ./run-local.sh}): runs the whole odds pipeline on loopback ({@link Pipeline}),
 * plays the vendor's games ({@link VendorSimulator}), prints progress every few seconds and, after a bounded run, a
 * summary reconciling every vendor event ({@link PipelineTally}); then stops everything and deletes its data.
 *
 * <pre>
 * ./run-local.sh [--duration=60] [--rate=40] [--events-per-game=1500] [--malformed=0.02] [--oversized] [--drain=60] [--keep-running] [--help]
 * </pre>
 * {@code --oversized} adds 1.2 MB events to the malformed mix (the vendor hop dead-letters them: over max.value.bytes).
 * The connectors are {@code connector-configs/}'s, local environment, rendered for this run's servers ({@link Pipeline}).
 * Exit status 0 when every vendor event reconciled (in = priced + final + dead-lettered) and no check failed.
 */
public final class LocalPipeline {

    private LocalPipeline() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        long durationS = Long.parseLong(opts.getOrDefault("duration", "60"));
        boolean keepRunning = opts.containsKey("keep-running");
        double rate = Double.parseDouble(opts.getOrDefault("rate", "40"));
        int eventsPerGame = Integer.parseInt(opts.getOrDefault("events-per-game", "1500"));
        double malformed = Double.parseDouble(opts.getOrDefault("malformed", "0.02"));
        long drainS = Long.parseLong(opts.getOrDefault("drain", "60"));

        SeedData seed = SeedData.load();
        say("starting: Kafka clusters vendor, core, edge; Connect worker on core; PostgreSQL, Redis (this takes ~30 s)");
        long t0 = System.nanoTime();
        Pipeline pipeline;
        try {
            pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()));
        } catch (RuntimeException e) {
            // said here: ZooKeeper's default uncaught-exception handler would send it to the log file only
            say("FAILED to start (everything started was stopped): %s", e);
            say("logs: %s", System.getProperty("oddsupdate.log.file", "the test log"));
            System.exit(2);
            return;
        }
        Thread cleanup = new Thread(pipeline::close, "local-pipeline-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        int status;
        try {
            say("started in %d s; plugin ZIPs on plugin.path: %s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0),
                    pipeline.plugins().stream().map(p -> p.getFileName().toString()).toList());
            say("vendor %s | core %s | edge %s | Connect %s", pipeline.vendor().bootstrapServers(), pipeline.core().bootstrapServers(),
                    pipeline.edge().bootstrapServers(), pipeline.rest().url());
            say("connectors: %s (base/ + overlays/local, environment '%s', this run's addresses and secrets file)",
                    Pipeline.CONNECTOR_CONFIGS, Pipeline.ENV);
            pipeline.stages().forEach((stage, state) -> say("  %-24s %s — %s", stage.connector, state, stage.description));
            say("records: Glue-Avro on raw.events.*, odds.updates.internal.* and odds.updates.public.* (local registry: the repo's schemas/)");
            status = run(pipeline, seed, durationS, keepRunning, rate, eventsPerGame, malformed,
                    opts.containsKey("oversized"), drainS);
        } finally {
            say("stopping and deleting temporary data");
            pipeline.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
        say("stopped");
        System.exit(status);
    }

    private static int run(Pipeline pipeline, SeedData seed, long durationS, boolean keepRunning, double rate, int eventsPerGame,
                           double malformed, boolean oversized, long drainS) throws InterruptedException {
        List<VendorSimulator.Kind> kinds = new java.util.ArrayList<>(VendorSimulator.Kind.handled());
        if (!oversized) {
            kinds.remove(VendorSimulator.Kind.OVERSIZED); // 1.2 MB each: only with --oversized
        }
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, eventsPerGame, malformed, kinds, 42L);
        try (PipelineTally tally = new PipelineTally(pipeline, sim)) {
            say("vendor simulator: %s games (%s), %.0f events/s, %.1f%% malformed %s; %s", seed.games().size(), seed.leagues(), rate,
                    100 * malformed, kinds, keepRunning ? "running until Ctrl-C" : "for " + durationS + " s");
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(durationS);
            long nextReport = start + TimeUnit.SECONDS.toNanos(5);
            long sentTarget = 0;
            boolean more = true;
            while (more && (keepRunning || System.nanoTime() < end)) {
                long elapsed = System.nanoTime() - start;
                long due = (long) (rate * elapsed / 1e9);
                while (sentTarget < due && more) {
                    more = sim.sendNext();
                    sentTarget++;
                }
                if (System.nanoTime() >= nextReport) {
                    progress(pipeline, sim, tally, start);
                    nextReport += TimeUnit.SECONDS.toNanos(5);
                }
                tally.throwIfFailed();
                Thread.sleep(5);
            }
            sim.flush();
            if (!more) {
                say("every game is over");
            }
            say("vendor stopped after %d events; waiting up to %d s for the pipeline to drain", sim.sentCount(), drainS);
            long[] next = {nextReport};
            tally.awaitReconciled(java.time.Duration.ofSeconds(drainS), () -> {
                if (System.nanoTime() >= next[0]) {
                    progress(pipeline, sim, tally, start);
                    next[0] += TimeUnit.SECONDS.toNanos(5);
                }
            });
            // bronze objects rotate every few seconds: give the last ones time to complete
            for (long bronzeEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); pipeline.bronzeLag() > 0 && System.nanoTime() < bronzeEnd; ) {
                Thread.sleep(500);
            }
            return summary(pipeline, sim, tally, start);
        }
    }

    private static void progress(Pipeline pipeline, VendorSimulator sim, PipelineTally tally, long start) {
        long[] lat = tally.latencyPercentiles(true);
        int bronze = tally.bronzeFiles();
        say("[%3ds] in %d (%s) | core raw %s | internal %s | edge odds %s | DLQ raw %d edge %d | bronze files %s | vendor→edge %s",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), sim.sentCount(),
                perLeague(pipeline, l -> sim.sentPerLeague().containsKey(l) ? sim.sentPerLeague().get(l).get() : 0),
                perLeague(pipeline, l -> tally.counted("raw." + l)), perLeague(pipeline, l -> tally.counted("internal." + l)),
                perLeague(pipeline, l -> tally.counted("public." + l)), tally.counted("dlq.raw"), tally.counted("dlq.public"),
                bronze < 0 ? "-" : bronze, lat == null ? "-" : String.format(Locale.ROOT, "p50 %d ms p99 %d ms (n=%d)", lat[0], lat[1], lat[2]));
    }

    private static String perLeague(Pipeline pipeline, java.util.function.ToLongFunction<String> count) {
        return pipeline.leagues().stream().map(l -> l + " " + count.applyAsLong(l)).collect(Collectors.joining(", "));
    }

    /** Prints the reconciliation; returns the exit status (0: every event accounted for, no check failed). */
    static int summary(Pipeline pipeline, VendorSimulator sim, PipelineTally tally, long start) {
        Map<PipelineTally.Outcome, List<VendorSimulator.Sent>> r = tally.reconcile();
        long in = sim.sentCount();
        int priced = r.get(PipelineTally.Outcome.PRICED).size();
        int fin = r.get(PipelineTally.Outcome.APPLIED_NOTHING_TO_PRICE).size();
        int dead = r.get(PipelineTally.Outcome.DEAD_LETTERED).size();
        List<VendorSimulator.Sent> pending = r.get(PipelineTally.Outcome.PENDING);
        long[] lat = tally.latencyPercentiles(false);
        say("");
        say("==== summary after %d s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        pipeline.stages().forEach((stage, state) -> say("stage %-24s %s", stage.connector, state));
        say("vendor events in:        %d (%s)", in, perLeague(pipeline, l -> sim.sentPerLeague().containsKey(l) ? sim.sentPerLeague().get(l).get() : 0));
        say("  priced (odds at edge): %d", priced);
        say("  applied, nothing to price (GAME_END or settled markets): %d", fin);
        int atCore = r.get(PipelineTally.Outcome.AT_CORE).size();
        if (atCore > 0) {
            say("  at core (raw.events.*; the odds stages are not running): %d", atCore);
        }
        say("  dead-lettered:         %d", dead);
        r.get(PipelineTally.Outcome.DEAD_LETTERED).stream()
                .collect(Collectors.groupingBy(s -> s.kind() + ": " + firstWords(tally.reason(s)), java.util.TreeMap::new, Collectors.counting()))
                .forEach((k, n) -> say("      %4d × %s", n, k));
        say("  NOT ACCOUNTED FOR:     %d%s", pending.size(), pending.isEmpty() ? "" : " " + pending.stream()
                .collect(Collectors.groupingBy(s -> s.kind().name(), java.util.TreeMap::new, Collectors.counting())));
        pending.stream().collect(Collectors.groupingBy(s -> s.gameId() + " " + s.type(), java.util.TreeMap::new, Collectors.counting()))
                .forEach((k, n) -> say("      %4d × %s", n, k));
        say("reconciliation: in %d = priced %d + applied-unpriced %d + %sDLQ %d%s", in, priced, fin, atCore > 0 ? "at core " + atCore + " + " : "", dead,
                pending.isEmpty() ? "  ✔" : "  ✘ (" + pending.size() + " missing)");
        say("odds updates at the edge: %s; internal: %s; edge DLQ: %d", perLeague(pipeline, l -> tally.counted("public." + l)),
                perLeague(pipeline, l -> tally.counted("internal." + l)), tally.counted("dlq.public"));
        int bronze = tally.bronzeFiles();
        long lag = bronze < 0 ? -1 : pipeline.bronzeLag();
        say("bronze: %s", bronze < 0 ? "stage not running" : bronze + " Parquet objects in s3://" + Pipeline.BRONZE_BUCKET + "/; "
                + (lag == 0 ? "every internal odds update is in a complete object ✔" : lag + " internal odds updates not yet committed to bronze"));
        say("vendor→edge latency (first odds update per event): %s",
                lat == null ? "-" : String.format(Locale.ROOT, "p50 %d ms, p99 %d ms over %d events", lat[0], lat[1], lat[2]));
        tally.edgeDeadLetters().forEach((reason, n) -> say("      %4d × edge DLQ: %s", n, reason));
        if (!tally.unidentifiedDeadLetters().isEmpty()) {
            say("dead letters matching no vendor event: %d, e.g. %s", tally.unidentifiedDeadLetters().size(), tally.unidentifiedDeadLetters().get(0));
        }
        Map<String, String> violations = tally.violations();
        violations.forEach((check, detail) -> say("CHECK FAILED %s: %s", check, detail));
        if (violations.isEmpty()) {
            say("checks: edge fields ⊆ public schema, keys = game_id at core and edge, headers, per-game order, unique event_uid  ✔");
        }
        return pending.isEmpty() && violations.isEmpty() ? 0 : 1;
    }

    private static String firstWords(String reason) {
        if (reason == null) {
            return "?";
        }
        String r = reason.replaceAll("\\s+", " ");
        return r.length() <= 110 ? r : r.substring(0, 110) + "…";
    }

    private static final List<String> OPTIONS = List.of("duration", "rate", "events-per-game", "malformed", "oversized", "drain",
            "keep-running", "help");
    private static final String USAGE = "usage: ./run-local.sh [--duration=S (60)] [--rate=EVENTS_PER_S (40)] [--events-per-game=N (1500)]"
            + " [--malformed=RATIO (0.02)] [--oversized] [--drain=S (60)] [--keep-running]\n"
            + "connectors: connector-configs/ base + overlays/local, rendered for this run's servers (README, \"Running the pipeline locally\")";

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new java.util.HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            String name = !a.startsWith("--") ? null : eq < 0 ? a.substring(2) : a.substring(2, eq);
            if (name == null || !OPTIONS.contains(name)) {
                throw new IllegalArgumentException("unknown argument " + a + "\n" + USAGE);
            }
            opts.put(name, eq < 0 ? "" : a.substring(eq + 1));
        }
        if (opts.containsKey("help")) {
            say(USAGE);
            System.exit(0);
        }
        return opts;
    }

    static void say(String format, Object... args) {
        System.out.println(args.length == 0 ? format : String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
