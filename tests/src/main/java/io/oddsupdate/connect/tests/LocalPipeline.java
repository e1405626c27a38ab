package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * The README's first command ({@code ./run-local.sh}): runs the whole odds pipeline on loopback ({@link Pipeline}),
 * plays the vendor's games ({@link VendorSimulator}), prints progress every few seconds and, after a bounded run, a
 * summary reconciling every vendor event ({@link PipelineTally}); then stops everything and deletes its data (or keeps
 * bronze and the summary, {@code --keep-data}).
 *
 * <pre>
 * ./run-local.sh [--duration=60] [--rate=40] [--events-per-game=1500] [--malformed=0.02] [--oversized] [--drain=60]
 *                [--warmup=0] [--keep-running] [--keep-data=DIR] [--bench[=500,2000,5000]] [--help]
 * </pre>
 * The command line is {@link LocalPipelineOptions}'s. {@code --oversized} adds 1.2 MB events to the malformed mix (the
 * vendor hop dead-letters them: over max.value.bytes). The connectors are {@code connector-configs/}'s, local
 * environment, rendered for this run's servers ({@link Pipeline}). Exit status 0 when every vendor event reconciled
 * (in = priced + final + dead-lettered) and no check failed; 1 otherwise; 2 for a bad command line.
 */
public final class LocalPipeline {

    /** Set by the first Ctrl-C: the vendor stops, the pipeline drains and the summary is printed. */
    private static final AtomicBoolean STOP = new AtomicBoolean();
    /** Everything printed since the current run started, when it is kept ({@code --keep-data}); else null. */
    private static StringBuilder transcript;

    private LocalPipeline() {
    }

    public static void main(String[] args) throws Exception {
        LocalPipelineOptions opts = LocalPipelineOptions.parseOrExit(args);
        SeedData seed = SeedData.load();
        onCtrlC();
        if (opts.bench()) {
            System.exit(bench(seed, opts));
        }
        Settings settings = new Settings(opts.rate(), opts.warmupS(), opts.durationS(), opts.keepRunning(), opts.eventsPerGame(),
                opts.malformed(), opts.oversized(), opts.drainS(), opts.keepData(), opts.profile());
        System.exit(runOnce(seed, settings).status());
    }

    /**
     * The first Ctrl-C (SIGINT) stops the vendor: the run drains, prints its summary, keeps what {@code --keep-data} asks
     * and stops everything. The second stops at once (the shutdown hook stops the servers and deletes their data).
     */
    private static void onCtrlC() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> {
                if (STOP.getAndSet(true)) {
                    System.out.println();
                    System.out.println("second Ctrl-C: stopping at once");
                    System.exit(130);
                }
                System.out.println();
                say("Ctrl-C: stopping the vendor, then draining and summarising (Ctrl-C again to stop at once)");
            });
        } catch (IllegalArgumentException | UnsupportedOperationException notHere) {
            // no SIGINT to handle (e.g. the JVM runs with -Xrs): Ctrl-C stops at once, the shutdown hook cleans up
        }
    }

    /** One run's settings: the options of the command line. {@code keepData}: where to keep bronze and the summary, or null. */
    record Settings(double rate, long warmupS, long durationS, boolean keepRunning, int eventsPerGame, double malformed,
                    boolean oversized, long drainS, Path keepData, boolean profile) {
    }

    /** A JFR recording ({@code --profile}) of the measured window: JFR's "profile" settings (CPU samples, allocations, locks). */
    record Profile(jdk.jfr.Recording recording) {
        static Profile start() {
            try {
                jdk.jfr.Recording r = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                r.setName("odds-update bench");
                r.start();
                return new Profile(r);
            } catch (IOException | java.text.ParseException e) {
                throw new IllegalStateException("cannot start a JFR recording", e);
            }
        }

        /** Stops the recording and writes it to {@code dir} (null: tests/target); returns the file. */
        Path stop(Path dir) {
            Path out = (dir != null ? dir : PluginPath.projectRoot().resolve("tests/target")).resolve("bench-"
                    + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".jfr");
            try {
                Files.createDirectories(out.getParent());
                recording.stop();
                recording.dump(out);
                recording.close();
                return out;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write the JFR recording to " + out, e);
            }
        }
    }

    /**
     * What a run measured. Latencies are from after the warm-up; {@code sustained} is events in over the time from the
     * first send to the last record's arrival at core or edge (the rate itself when the pipeline keeps up); CPU is the
     * runner JVM's (brokers, worker, S3 store, simulator, tally; not Redis or PostgreSQL) per vendor event over the whole
     * run, drain included. {@code timeline}: a sample a second, from the first send to the end of the drain;
     * {@code warmupEndS} and {@code stopS}: when the warm-up ended and the vendor stopped, in seconds since the first send.
     */
    record Result(Settings settings, int status, long in, double sustained, double drainS, long[] vendorToEdge,
                  Map<PipelineTally.Hop, long[]> hops, double cpuMsPerEvent, double loadBefore, double loadAfter,
                  List<Sample> timeline, double warmupEndS, double stopS, MeasuredCpu cpu) {
    }

    /**
     * CPU over the measured window (after the warm-up, until the vendor stopped; the drain excluded), by component
     * ({@link CpuByComponent}), and the vendor events sent in it.
     */
    record MeasuredCpu(Map<String, Long> nanosByComponent, long events) {
        static final MeasuredCpu NONE = new MeasuredCpu(Map.of(), 0);

        double pipelineMsPerEvent() {
            return CpuByComponent.pipelineMsPerEvent(nanosByComponent, events);
        }
    }

    /**
     * One second of a run: when (seconds since the first send), vendor events sent and odds updates at the edge so far,
     * and each hop's latencies over that second (the count of {@code VENDOR_TO_CONSUMER}'s: events priced in it) ({@link PipelineTally#hopLatencyWindow}: p50/p90/p99/max/count, null if none).
     */
    record Sample(double t, long sent, long edgeOdds, Map<PipelineTally.Hop, long[]> hops) {
    }

    /** Starts the pipeline, runs the simulator with these settings, prints the summary, stops everything. */
    static Result runOnce(SeedData seed, Settings settings) throws Exception {
        transcript = settings.keepData() == null ? null : new StringBuilder();
        say("starting: Kafka clusters vendor, core, edge; Connect worker on core; PostgreSQL, Redis, S3 (this takes ~30 s)");
        long t0 = System.nanoTime();
        Pipeline pipeline;
        try {
            pipeline = Pipeline.start(Pipeline.Options.defaults(seed.leagues()));
        } catch (RuntimeException e) {
            // said here: ZooKeeper's default uncaught-exception handler would send it to the log file only
            say("FAILED to start (everything started was stopped): %s", e);
            for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
                say("  caused by: %s", cause);
            }
            say("logs: %s", System.getProperty("oddsupdate.log.file", "the test log"));
            System.exit(1);
            return null; // not reached
        }
        Thread cleanup = new Thread(pipeline::close, "local-pipeline-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            pipeline.stampArrivalTimes();
            say("started in %d s; plugin ZIPs on plugin.path: %s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0),
                    pipeline.plugins().stream().map(p -> p.getFileName().toString()).toList());
            say("vendor %s | core %s | edge %s | Connect %s", pipeline.vendor().bootstrapServers(), pipeline.core().bootstrapServers(),
                    pipeline.edge().bootstrapServers(), pipeline.rest().url());
            say("connectors: %s (base/ + overlays/local, environment '%s', this run's addresses and secrets file)",
                    Pipeline.CONNECTOR_CONFIGS, Pipeline.ENV);
            pipeline.stages().forEach((stage, state) -> say("  %-24s %s — %s", stage.connector, state, stage.description));
            say("records: Glue-Avro on raw.events.*, odds.updates.internal.* and odds.updates.public.* (local registry: the repo's schemas/)");
            if (settings.keepRunning()) {
                LocalEndpoints.lines(pipeline).forEach(LocalPipeline::say);
            }
            Result result = run(pipeline, seed, settings);
            if (settings.keepData() != null) {
                keep(pipeline, settings.keepData());
            }
            return result;
        } finally {
            say("stopping and deleting temporary data");
            pipeline.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            say("stopped");
            transcript = null;
        }
    }

    /**
     * {@code --keep-data=DIR}: the bronze objects (under {@code bronze/}, keys as in S3), the summary, everything printed
     * and the Kafka/Connect log, in {@code dir}, before the pipeline and its data go.
     */
    private static void keep(Pipeline pipeline, Path dir) {
        try {
            Files.createDirectories(dir);
            int objects = 0;
            long bytes = 0;
            if (pipeline.s3() != null) {
                Path bronze = dir.resolve("bronze");
                for (String key : pipeline.s3().keys(Pipeline.BRONZE_BUCKET)) {
                    Path file = bronze.resolve(key).normalize();
                    if (!file.startsWith(bronze)) {
                        continue; // a key climbing out of bronze/ (none the sink writes)
                    }
                    byte[] content = pipeline.s3().get(Pipeline.BRONZE_BUCKET, key);
                    Files.createDirectories(file.getParent());
                    Files.write(file, content);
                    objects++;
                    bytes += content.length;
                }
            }
            String printed = transcript == null ? "" : transcript.toString();
            int summary = printed.lastIndexOf("==== summary");
            Files.writeString(dir.resolve("summary.txt"), summary < 0 ? printed : printed.substring(summary), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("output.txt"), printed, StandardCharsets.UTF_8);
            String log = System.getProperty("oddsupdate.log.file");
            boolean logKept = log != null && Files.isRegularFile(Path.of(log));
            if (logKept) {
                Files.copy(Path.of(log), dir.resolve("local-pipeline.log"), StandardCopyOption.REPLACE_EXISTING);
            }
            say("kept in %s: bronze/ (%d Parquet objects, %,d KB, keys as in s3://%s/), summary.txt, output.txt (everything printed)%s",
                    dir, objects, bytes / 1024, Pipeline.BRONZE_BUCKET, logKept ? ", local-pipeline.log (Kafka, Connect, plugins)" : "");
            if (objects > 0) {
                say("  read bronze: duckdb -c \"SELECT league, count(*) AS rows, min(event_ts), max(event_ts) FROM read_parquet('%s/bronze/**/*.parquet') GROUP BY league\"",
                        dir);
            }
        } catch (IOException | RuntimeException e) {
            say("could not keep everything in %s: %s", dir, e);
        }
    }

    /**
     * {@code --bench[=500,2000,5000]}: one fresh pipeline per rate (warm-up, then the measured run, then the drain), then
     * a table of every rate and an HTML report beside it ({@link BenchReport}). Exit status 0 when every run reconciled.
     */
    private static int bench(SeedData seed, LocalPipelineOptions opts) throws Exception {
        List<Result> results = new ArrayList<>();
        // the rates in turn, run after run: a machine that slows down over time spreads every rate, not one
        runs:
        for (int run = 1; run <= opts.benchRuns(); run++) {
            for (double rate : opts.benchRates()) {
                Path keep = opts.keepData() == null ? null : opts.keepData().resolve(opts.benchRuns() == 1
                        ? String.format(Locale.ROOT, "rate-%.0f", rate) : String.format(Locale.ROOT, "rate-%.0f-run-%d", rate, run));
                Settings settings = new Settings(rate, opts.warmupS(), opts.durationS(), false, opts.eventsPerGame(), opts.malformed(), false,
                        opts.drainS(), keep, opts.profile());
                say("");
                say("==== bench: %.0f events/s%s", settings.rate(), opts.benchRuns() == 1 ? "" : String.format(Locale.ROOT, ", run %d of %d", run, opts.benchRuns()));
                results.add(runOnce(seed, settings));
                if (STOP.get()) {
                    say("stopped by Ctrl-C: the table and report show the runs so far");
                    break runs;
                }
            }
        }
        List<String> table = benchTable(results);
        say("");
        table.forEach(LocalPipeline::say);
        Path dir = opts.keepData() != null ? opts.keepData() : PluginPath.projectRoot().resolve("tests/target");
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path html = dir.resolve("bench-" + stamp + ".html");
        Path md = dir.resolve("bench-" + stamp + ".md");
        Files.createDirectories(dir);
        Files.writeString(md, String.join("\n", table) + "\n", StandardCharsets.UTF_8);
        Files.writeString(html, BenchReport.html(results, table, stamp), StandardCharsets.UTF_8);
        say("report (latency percentiles over time per hop, throughput per rate; opens offline): %s", html.toUri());
        say("table: %s", md);
        return results.stream().allMatch(r -> r.status() == 0) ? 0 : 1;
    }

    /** The bench's table (Markdown), headed by what it ran on. */
    static List<String> benchTable(List<Result> results) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "==== bench: %d cores, runner JVM %s, warm-up %d s, measured %d s per rate",
                Runtime.getRuntime().availableProcessors(), java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                        .filter(a -> a.startsWith("-X")).collect(Collectors.joining(" ")), results.get(0).settings().warmupS(),
                results.get(0).settings().durationS()));
        out.add(String.format(Locale.ROOT, "| rate (events/s) | sustained (events/s) | drain after stop | reconciled | vendor→edge p50 / p99 (ms) | %s | pipeline CPU per event (measured window) | load avg (before → after) |",
                componentHops().stream().map(h -> h.description + " p50 / p99").collect(Collectors.joining(" | "))));
        out.add(String.format(Locale.ROOT, "|---:|---:|---:|---|---:|%s---:|---:|", "---:|".repeat(componentHops().size())));
        for (Result r : results) {
            out.add(String.format(Locale.ROOT, "| %,.0f | %,.0f | %.1f s | %s | %s | %s | %.3f ms%s | %.1f → %.1f |", r.settings().rate(), r.sustained(), r.drainS(),
                    r.status() == 0 ? "yes (" + r.in() + " events)" : "**no**", percentiles(r.vendorToEdge()),
                    componentHops().stream().map(h -> percentiles(r.hops().get(h))).collect(Collectors.joining(" | ")),
                    r.cpu().pipelineMsPerEvent(), fellBehind(r) ? " *" : "", r.loadBefore(), r.loadAfter()));
        }
        if (results.stream().anyMatch(LocalPipeline::fellBehind)) {
            out.add("");
            out.add("\\* fell behind (sustained below 95 % of the rate): the window's CPU is divided by the events sent in it, more"
                    + " than the pipeline processed, so the figure understates the cost per event.");
        }
        Map<Double, List<Result>> byRate = results.stream().collect(Collectors.groupingBy(r -> r.settings().rate(),
                java.util.LinkedHashMap::new, Collectors.toList()));
        boolean repeated = byRate.values().stream().anyMatch(runs -> runs.size() > 1);
        if (repeated) {
            out.add("");
            out.add("Per rate over its runs, median (min–max):");
            out.add("| rate (events/s) | runs | fell behind | sustained (events/s) | vendor→edge p50 (ms) | vendor→edge p99 (ms) | pipeline CPU per event (ms) | load avg (min–max) |");
            out.add("|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (Map.Entry<Double, List<Result>> e : byRate.entrySet()) {
                List<Result> runs = e.getValue();
                List<Result> timed = runs.stream().filter(r -> r.vendorToEdge() != null).toList();
                out.add(String.format(Locale.ROOT, "| %,.0f | %d | %d | %s | %s | %s | %s | %.1f–%.1f |", e.getKey(), runs.size(),
                        runs.stream().filter(LocalPipeline::fellBehind).count(), spread(runs, Result::sustained, "%,.0f"),
                        spread(timed, r -> r.vendorToEdge()[0], "%,.0f"), spread(timed, r -> r.vendorToEdge()[1], "%,.0f"),
                        spread(runs, r -> r.cpu().pipelineMsPerEvent(), "%.3f"),
                        runs.stream().mapToDouble(r -> Math.min(r.loadBefore(), r.loadAfter())).min().orElse(0),
                        runs.stream().mapToDouble(r -> Math.max(r.loadBefore(), r.loadAfter())).max().orElse(0)));
            }
        }
        for (Map.Entry<Double, List<Result>> e : byRate.entrySet()) {
            List<Result> measured = e.getValue().stream().filter(r -> r.cpu().events() > 0).toList();
            if (measured.isEmpty()) {
                continue;
            }
            out.add("");
            if (measured.size() == 1) {
                Result r = measured.get(0);
                out.add(String.format(Locale.ROOT, "CPU by component at %,.0f events/s (measured window, %,d events):", e.getKey(), r.cpu().events()));
                out.addAll(CpuByComponent.table(r.cpu().nanosByComponent(), r.cpu().events()));
            } else {
                out.add(String.format(Locale.ROOT, "CPU by component at %,.0f events/s, median (min–max) over %d runs' measured windows:", e.getKey(), measured.size()));
                out.addAll(CpuByComponent.table(measured.stream().map(r -> r.cpu().nanosByComponent()).toList(),
                        measured.stream().map(r -> r.cpu().events()).toList()));
            }
        }
        return out;
    }

    /** {@code median (min–max)} of a figure over runs, or "-" without any. */
    static String spread(List<Result> runs, java.util.function.ToDoubleFunction<Result> figure, String format) {
        double[] v = runs.stream().mapToDouble(figure).sorted().toArray();
        if (v.length == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", CpuByComponent.median(v), v[0], v[v.length - 1]);
    }

    /** Whether the pipeline could not keep up with the run's rate. */
    static boolean fellBehind(Result r) {
        return r.sustained() < 0.95 * r.settings().rate();
    }

    /** The hops the vendor→edge time splits into, in data order. */
    static List<PipelineTally.Hop> componentHops() {
        return java.util.Arrays.stream(PipelineTally.Hop.values()).filter(h -> h.ordinal() < PipelineTally.Hop.VENDOR_TO_EDGE.ordinal()).toList();
    }

    private static String percentiles(long[] p) {
        return p == null ? "-" : String.format(Locale.ROOT, "%,d / %,d", p[0], p[1]);
    }

    private static Result run(Pipeline pipeline, SeedData seed, Settings settings) throws InterruptedException {
        double rate = settings.rate();
        long durationS = settings.durationS();
        boolean keepRunning = settings.keepRunning();
        List<VendorSimulator.Kind> kinds = new java.util.ArrayList<>(VendorSimulator.Kind.handled());
        if (!settings.oversized()) {
            kinds.remove(VendorSimulator.Kind.OVERSIZED); // 1.2 MB each: only with --oversized
        }
        VendorSimulator sim = new VendorSimulator(pipeline.vendorProducer(), seed, settings.eventsPerGame(), settings.malformed(), kinds, 42L);
        try (PipelineTally tally = new PipelineTally(pipeline, sim)) {
            say("vendor simulator: %s games (%s), %.0f events/s, %.1f%% malformed %s; %s%s", seed.games().size(), seed.leagues(), rate,
                    100 * settings.malformed(), kinds, settings.warmupS() > 0 ? "warm-up " + settings.warmupS() + " s, then " : "",
                    keepRunning ? "running until Ctrl-C" : "for " + durationS + " s");
            long start = System.nanoTime();
            long firstSend = System.currentTimeMillis();
            Usage begin = Usage.now(0);
            long warm = start + TimeUnit.SECONDS.toNanos(settings.warmupS());
            long end = warm + TimeUnit.SECONDS.toNanos(durationS);
            Usage before = settings.warmupS() > 0 ? null : Usage.now(0);
            CpuByComponent cpuBefore = before == null ? null : CpuByComponent.now(pipeline);
            CpuByComponent.BrokerRequests requestsBefore = CpuByComponent.brokerRequests();
            Profile profile = before != null && settings.profile() ? Profile.start() : null;
            long nextReport = start + TimeUnit.SECONDS.toNanos(5);
            long sentTarget = 0;
            boolean more = true;
            List<Sample> timeline = new ArrayList<>();
            long[] nextSample = {start + TimeUnit.SECONDS.toNanos(1)};
            Runnable sample = () -> {
                if (System.nanoTime() >= nextSample[0]) {
                    timeline.add(new Sample((System.nanoTime() - start) / 1e9, sim.sentCount(),
                            pipeline.leagues().stream().mapToLong(l -> tally.counted("public." + l)).sum(), tally.hopLatencyWindow("timeline")));
                    nextSample[0] = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // after a stall, a second from now: no empty windows
                }
            };
            double warmupEndS = settings.warmupS();
            while (more && !STOP.get() && (keepRunning || System.nanoTime() < end)) {
                if (before == null && System.nanoTime() >= warm) {
                    tally.restartLatencies();
                    before = Usage.now(sim.sentCount());
                    cpuBefore = CpuByComponent.now(pipeline);
                    requestsBefore = CpuByComponent.brokerRequests();
                    profile = settings.profile() ? Profile.start() : null;
                    warmupEndS = (System.nanoTime() - start) / 1e9;
                    say("warm-up over after %d events: measuring from here", sim.sentCount());
                }
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
                sample.run();
                tally.throwIfFailed();
                Thread.sleep(5);
            }
            sim.flush();
            if (sim.sentCount() == 0) {
                say("stopped before the vendor sent anything: nothing to summarise");
                return new Result(settings, 130, 0, 0, 0, null, tally.hopLatencies(), 0, 0, 0, timeline, 0, 0, MeasuredCpu.NONE);
            }
            long stopped = System.currentTimeMillis();
            double stopS = (System.nanoTime() - start) / 1e9;
            Usage after = Usage.now(sim.sentCount());
            if (before == null) {
                before = after; // every game ended during the warm-up
            }
            CpuByComponent cpuAfter = cpuBefore == null ? null : CpuByComponent.now(pipeline);
            MeasuredCpu measured = cpuBefore == null ? MeasuredCpu.NONE
                    : new MeasuredCpu(cpuAfter.since(cpuBefore), after.events() - before.events());
            if (profile != null) {
                say("JFR recording of the measured window: %s", profile.stop(settings.keepData()));
            }
            if (measured.events() > 0) {
                say("CPU per vendor event over the measured window (%d events, drain excluded), by component:", measured.events());
                CpuByComponent.table(measured.nanosByComponent(), measured.events()).forEach(LocalPipeline::say);
                cpuAfter.busiestThreads(cpuBefore, measured.events(), 3, 6).forEach(LocalPipeline::say);
                say("Kafka requests per vendor event by type, and (in brackets) their request handlers' ms per vendor event (the brokers in this JVM): %s",
                        CpuByComponent.busiestRequests(requestsBefore, CpuByComponent.brokerRequests(), measured.events(), 10));
            }
            if (!more) {
                say("every game is over");
            }
            say("connector producers over the last ~minute (Kafka's windowed metrics):");
            producerMetrics();
            long drainS = settings.drainS();
            say("vendor stopped after %d events; waiting up to %d s for the pipeline to drain", sim.sentCount(), drainS);
            long[] next = {nextReport};
            tally.awaitReconciled(java.time.Duration.ofSeconds(drainS), () -> {
                if (System.nanoTime() >= next[0]) {
                    progress(pipeline, sim, tally, start);
                    next[0] += TimeUnit.SECONDS.toNanos(5);
                }
                sample.run();
            });
            // bronze objects rotate every few seconds: give the last ones time to complete
            for (long bronzeEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); pipeline.bronzeLag() > 0 && System.nanoTime() < bronzeEnd; ) {
                Thread.sleep(500);
            }
            int status = summary(pipeline, sim, tally, start);
            long last = Math.max(stopped, tally.lastArrival());
            // the whole run, drain included: a pipeline that falls behind does the work after the vendor stops
            Usage settled = Usage.now(sim.sentCount());
            double cpuMsPerEvent = settled.events() == 0 ? 0 : (settled.cpuNanos() - begin.cpuNanos()) / 1e6 / settled.events();
            say("runner JVM CPU per vendor event (warm-up and drain included): %.2f ms; load average %.1f → %.1f (%d cores)", cpuMsPerEvent,
                    before.load(), after.load(), Runtime.getRuntime().availableProcessors());
            return new Result(settings, status, sim.sentCount(), sim.sentCount() * 1000.0 / Math.max(1, last - firstSend),
                    (last - stopped) / 1000.0, tally.latencyPercentiles(false), tally.hopLatencies(), cpuMsPerEvent, before.load(), after.load(),
                    timeline, Math.min(warmupEndS, stopS), stopS, measured);
        }
    }

    /**
     * Where a hop's time goes: for each connector's producer (JMX, this JVM), how long records waited in the accumulator,
     * how long a produce request took, and how full batches and requests were; for each task, Connect's own view (time
     * per poll or put, records per batch and per transaction, share of time running).
     */
    private static void producerMetrics() {
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        try {
            for (javax.management.ObjectName n : new java.util.TreeSet<>(jmx.queryNames(
                    new javax.management.ObjectName("kafka.producer:type=producer-metrics,client-id=connector-producer-*"), null))) {
                say("  producer %-38s queue time avg %6.1f ms max %6.0f ms | request latency avg %6.1f ms | batch avg %7.0f B | records/request %6.1f",
                        n.getKeyProperty("client-id"), metric(jmx, n, "record-queue-time-avg"), metric(jmx, n, "record-queue-time-max"),
                        metric(jmx, n, "request-latency-avg"), metric(jmx, n, "batch-size-avg"), metric(jmx, n, "records-per-request-avg"));
            }
            // a task that waits rather than works shows here: time per poll or put, batch and transaction sizes
            for (javax.management.ObjectName n : new java.util.TreeSet<>(jmx.queryNames(
                    new javax.management.ObjectName("kafka.connect:type=source-task-metrics,*"), null))) {
                javax.management.ObjectName task = taskMetrics(n);
                say("  source %-30s poll avg %6.1f ms | records/poll %7.1f | records/transaction avg %7.1f max %6.0f | running %3.0f %%",
                        n.getKeyProperty("connector") + "-" + n.getKeyProperty("task"), metric(jmx, n, "poll-batch-avg-time-ms"),
                        metric(jmx, task, "batch-size-avg"), metric(jmx, n, "transaction-size-avg"), metric(jmx, n, "transaction-size-max"),
                        100 * metric(jmx, task, "running-ratio"));
            }
            for (javax.management.ObjectName n : new java.util.TreeSet<>(jmx.queryNames(
                    new javax.management.ObjectName("kafka.connect:type=sink-task-metrics,*"), null))) {
                javax.management.ObjectName task = taskMetrics(n);
                say("  sink   %-30s put avg %6.1f ms | records/put %7.1f | read %8.0f records/s | running %3.0f %%",
                        n.getKeyProperty("connector") + "-" + n.getKeyProperty("task"), metric(jmx, n, "put-batch-avg-time-ms"),
                        metric(jmx, task, "batch-size-avg"), metric(jmx, n, "sink-record-read-rate"), 100 * metric(jmx, task, "running-ratio"));
            }
        } catch (javax.management.JMException e) {
            say("  (producer and task metrics unavailable: %s)", e);
        }
    }

    private static javax.management.ObjectName taskMetrics(javax.management.ObjectName n) throws javax.management.MalformedObjectNameException {
        return new javax.management.ObjectName("kafka.connect:type=connector-task-metrics,connector=" + n.getKeyProperty("connector")
                + ",task=" + n.getKeyProperty("task"));
    }

    private static double metric(javax.management.MBeanServer jmx, javax.management.ObjectName n, String name) throws javax.management.JMException {
        try {
            Object v = jmx.getAttribute(n, name);
            return v instanceof Number d ? d.doubleValue() : Double.NaN;
        } catch (javax.management.AttributeNotFoundException | javax.management.InstanceNotFoundException e) {
            return Double.NaN; // e.g. transaction sizes of a task that is not exactly-once
        }
    }

    /** The runner JVM's CPU time and the machine's load average when {@code events} had been sent. */
    private record Usage(long events, long cpuNanos, double load) {
        static Usage now(long events) {
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
            return new Usage(events, cpu, os.getSystemLoadAverage());
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
        PipelineTally.Reconciliation r = tally.reconcile();
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
        say("  applied, nothing to price (the model prices nothing: GAME_END, suspended markets): %d", fin);
        int atCore = r.get(PipelineTally.Outcome.AT_CORE).size();
        if (atCore > 0) {
            say("  at core (raw.events.*; the odds stages are not running): %d", atCore);
        }
        say("  dead-lettered:         %d%s", dead, dead == 0 ? "" : ", by stage and reason (count × stage: reason [what the simulator sent]):");
        List<DeadLetterSummary.Letter> letters = new ArrayList<>();
        for (VendorSimulator.Sent s : r.get(PipelineTally.Outcome.DEAD_LETTERED)) {
            String first = tally.deadLetters(s).get(0);
            int at = first.lastIndexOf(" @ ");
            String where = at < 0 ? "" : first.substring(at + 3).replaceFirst("^(.*)/(\\d+)/(\\d+)$", "$1-$2@$3"); // topic-partition@offset
            String stage = where.startsWith(VendorSimulator.TOPIC_PREFIX) ? Pipeline.Stage.VENDOR_TO_CORE.connector
                    : where.startsWith(Pipeline.RAW_PREFIX) ? Pipeline.Stage.ODDS_SINK.connector : Pipeline.RAW_DLQ;
            letters.add(new DeadLetterSummary.Letter(stage, tally.reason(s), s.kind().name(),
                    "event #" + s.index() + (s.eventId() == null ? "" : " " + s.eventId()) + (where.isEmpty() ? "" : " from " + where)));
        }
        DeadLetterSummary.lines(letters, stageOrder()).forEach(l -> say("  %s", l));
        say("  NOT ACCOUNTED FOR:     %d%s", pending.size(), pending.isEmpty() ? "" : " " + pending.stream()
                .collect(Collectors.groupingBy(s -> s.kind().name(), java.util.TreeMap::new, Collectors.counting())));
        pending.stream().collect(Collectors.groupingBy(s -> s.gameId() + " " + s.type(), java.util.TreeMap::new, Collectors.counting()))
                .forEach((k, n) -> say("      %4d × %s", n, k));
        say("reconciliation: in %d = priced %d + applied-unpriced %d + %sDLQ %d%s", in, priced, fin, atCore > 0 ? "at core " + atCore + " + " : "", dead,
                pending.isEmpty() ? "  ✔" : "  ✘ (" + pending.size() + " missing)");
        say("odds updates: %s%s", r.odds(), r.odds().missing() == 0 && r.odds().duplicated() == 0 && r.odds().differing() == 0 ? "  ✔" : "  ✘");
        say("  at the edge: %s; internal: %s; edge DLQ: %d", perLeague(pipeline, l -> tally.counted("public." + l)),
                perLeague(pipeline, l -> tally.counted("internal." + l)), tally.counted("dlq.public"));
        r.problems().forEach((kind, detail) -> say("ACCOUNTING FAILED %s: %s", kind, detail));
        int bronze = tally.bronzeFiles();
        long lag = bronze < 0 ? -1 : pipeline.bronzeLag();
        say("bronze: %s", bronze < 0 ? "stage not running" : bronze + " Parquet objects in s3://" + Pipeline.BRONZE_BUCKET + "/; "
                + (lag == 0 ? "every internal odds update is in a complete object ✔" : lag + " internal odds updates not yet committed to bronze"));
        PipelineTally.BronzeReconciliation rows = lag == 0 ? tally.reconcileBronze() : null;
        if (rows != null) {
            say("bronze rows read back: %d rows in %d objects + %d in the bronze DLQ; each of the %d expected odds updates once, with "
                    + "the model's values, under league=/dt=/hour= of its event_ts %s", rows.rows(), rows.objects(), rows.deadLettered(), rows.expected(),
                    rows.reconciled() ? " ✔" : " ✘");
            rows.problems().forEach((kind, detail) -> say("BRONZE CHECK FAILED %s: %s", kind, detail));
        }
        PipelineTally.ClickHouseReconciliation ch;
        try {
            ch = tally.reconcileClickHouse(java.time.Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ch = null;
        }
        if (ch != null) {
            say("clickhouse: %d rows in %s (%d once each under FINAL) + %d in its DLQ; each of the %d expected odds updates once, "
                    + "with the model's values %s", ch.rows(), Pipeline.CLICKHOUSE_TABLE, ch.distinct(), ch.deadLettered(), ch.expected(),
                    ch.reconciled() ? " ✔" : " ✘");
            ch.problems().forEach((kind, detail) -> say("CLICKHOUSE CHECK FAILED %s: %s", kind, detail));
        }
        say("vendor→edge latency (first odds update per event): %s",
                lat == null ? "-" : String.format(Locale.ROOT, "p50 %d ms, p99 %d ms over %d events", lat[0], lat[1], lat[2]));
        tally.hopLatencies().forEach((hop, p) -> say("  %-40s %s", hop.description,
                p == null ? "-" : String.format(Locale.ROOT, "p50 %5d ms  p99 %5d ms  (n=%d)", p[0], p[1], p[2])));
        List<DeadLetterSummary.Letter> downstream = new ArrayList<>();
        tally.deadLetterReasons(Pipeline.PUBLIC_DLQ).forEach((reason, n) -> {
            for (long i = 0; i < n; i++) {
                downstream.add(new DeadLetterSummary.Letter(Pipeline.Stage.CORE_TO_EDGE.connector, reason, null, Pipeline.PUBLIC_DLQ));
            }
        });
        tally.deadLetterReasons(Pipeline.BRONZE_DLQ).forEach((reason, n) -> {
            for (long i = 0; i < n; i++) {
                downstream.add(new DeadLetterSummary.Letter(Pipeline.Stage.BRONZE.connector, reason, null, Pipeline.BRONZE_DLQ));
            }
        });
        if (!downstream.isEmpty()) {
            say("odds updates dead-lettered downstream: %d, by stage and reason:", downstream.size());
            DeadLetterSummary.lines(downstream, stageOrder()).forEach(l -> say("  %s", l));
        }
        if (!tally.unidentifiedDeadLetters().isEmpty()) {
            say("dead letters matching no vendor event: %d, e.g. %s", tally.unidentifiedDeadLetters().size(), tally.unidentifiedDeadLetters().get(0));
        }
        Map<String, String> violations = tally.violations();
        violations.forEach((check, detail) -> say("CHECK FAILED %s: %s", check, detail));
        if (violations.isEmpty()) {
            say("checks: edge fields ⊆ public schema, keys = game_id at core and edge, headers, per-game order, unique event_uid  ✔");
        }
        return pending.isEmpty() && r.problems().isEmpty() && violations.isEmpty() && (rows == null || rows.reconciled())
                && (ch == null || ch.reconciled()) ? 0 : 1;
    }

    /** The stages' connectors in data order. */
    private static List<String> stageOrder() {
        return java.util.Arrays.stream(Pipeline.Stage.values()).map(st -> st.connector).toList();
    }

    static void say(String format, Object... args) {
        String line = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
        System.out.println(line);
        System.out.flush();
        StringBuilder kept = transcript;
        if (kept != null) {
            synchronized (kept) {
                kept.append(line).append('\n');
            }
        }
    }
}
