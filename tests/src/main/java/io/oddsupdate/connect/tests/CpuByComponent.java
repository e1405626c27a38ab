package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * Where the pipeline's CPU goes, by component, measured in the bench itself (no external profiler): the thread CPU time
 * of this JVM's threads ({@link ThreadMXBean}), grouped by what they belong to, plus the CPU of the server processes
 * (Redis, PostgreSQL) from {@code /proc}.
 *
 * <p>The three Kafka clusters and the Connect worker share this JVM and their threads have the same names in every
 * cluster, so each is started from a thread of its own {@link ThreadGroup} ({@link #startIn}): Java threads inherit their
 * creator's group, so every broker thread stays in its cluster's group. The core cluster and the Connect worker start
 * together (the embedded Connect cluster starts its Kafka first); Connect's threads are told apart by their names.
 */
final class CpuByComponent {

    static final String HARNESS = "harness (vendor simulator, tally)";
    static final String JVM = "JVM other (threads that ended, VM internals)";
    static final String JIT = "JVM JIT compilers";
    static final String GC = "JVM GC";
    static final String CONNECT_INTERNALS = "connect internals (herder, config/offset/status logs, REST)";
    private static final long CLOCK_TICK_NS = 10_000_000L; // USER_HZ is 100 on Linux

    /** Connect's threads, by name: a connector's task thread, its clients' network threads, then the worker's own. */
    private static final Pattern TASK = Pattern.compile("task-thread-(.+)-\\d+");
    private static final Pattern CLIENT = Pattern.compile(".*\\| connector-(?:producer|consumer|adminclient|dlq-producer)-(.+)-\\d+.*");
    /** A plugin's own worker threads, named after their connector. */
    private static final Pattern PLUGIN_THREAD = Pattern.compile("s3-parquet-sink-upload \\| (.+)|signals-(.+)-(?:\\d+|x\\p{XDigit}+)");
    private static final Pattern CONNECT = Pattern.compile("(DistributedHerder|KafkaBasedLog|connect-|kafka-producer-network-thread \\| connect-"
            + "|kafka-coordinator-heartbeat-thread \\| connect-|kafka-admin-client-thread \\| connect-|qtp|Connect|StartAndStopExecutor"
            + "|kafka-producer-network-thread \\| producer-|kafka-admin-client-thread \\| adminclient-).*");
    private static final Pattern HARNESS_THREAD = Pattern.compile("(vendor-feed|pipeline-tally-|main|local-pipeline).*");

    private final Map<String, Long> perComponentNs;
    /** Java threads' CPU by component and thread name (numbers folded to #), to say what inside a component is busy. */
    private final Map<String, Map<String, Long>> perThreadNs;

    private CpuByComponent(Map<String, Long> perComponentNs, Map<String, Map<String, Long>> perThreadNs) {
        this.perComponentNs = perComponentNs;
        this.perThreadNs = perThreadNs;
    }

    /** Runs {@code start} on a thread of a new {@link ThreadGroup} named {@code group}, and waits for it. */
    static <T> T startIn(String group, Callable<T> start) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(new ThreadGroup(group), () -> {
            try {
                result[0] = start.call();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "start-" + group);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure[0] instanceof RuntimeException re) {
            throw re;
        }
        if (failure[0] instanceof Error err) {
            throw err;
        }
        if (failure[0] != null) {
            throw new IllegalStateException(failure[0]);
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }

    static void startIn(String group, Runnable start) {
        startIn(group, () -> {
            start.run();
            return null;
        });
    }

    /** CPU used so far, by component (nanoseconds). Threads that ended before now are not counted. */
    static CpuByComponent now(Pipeline pipeline) {
        Map<String, Long> out = new LinkedHashMap<>();
        Map<String, Map<String, Long>> byThread = new HashMap<>();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long javaThreads = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long ns = threads.getThreadCpuTime(t.getId());
            if (ns <= 0) {
                continue;
            }
            javaThreads += ns;
            String component = component(t);
            out.merge(component, ns, Long::sum);
            byThread.computeIfAbsent(component, c -> new HashMap<>()).merge(t.getName().replaceAll("\\d+", "#"), ns, Long::sum);
        }
        long process = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : javaThreads;
        // the JVM's own threads (compilers, GC) are not Java threads: their CPU from /proc/self/task, by name
        long jit = 0;
        long gc = 0;
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm")).strip();
                } catch (IOException gone) {
                    continue;
                }
                if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                    jit += taskCpu(task);
                } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.equals("VM Thread")) {
                    gc += taskCpu(task);
                }
            }
        } catch (IOException | RuntimeException noProc) {
            // not Linux: everything outside Java threads stays in one bucket
        }
        out.merge(JIT, jit, Long::sum);
        out.merge(GC, gc, Long::sum);
        out.merge(JVM, Math.max(0, process - javaThreads - jit - gc), Long::sum);
        if (pipeline.redis() != null) {
            out.put("redis", processCpu(pipeline.redis().pid(), false));
        }
        ProcessHandle pg = pipeline.postgres() == null ? null : pipeline.postgres().process();
        if (pg != null) {
            long ns = processCpu(pg.pid(), true);
            for (ProcessHandle backend : pg.descendants().toList()) {
                ns += processCpu(backend.pid(), false);
            }
            out.put("postgresql", ns);
        }
        return new CpuByComponent(out, byThread);
    }

    /** What a thread belongs to: its group's cluster or server, a connector, Connect's internals, the harness. */
    static String component(Thread t) {
        String name = t.getName();
        ThreadGroup g = t.getThreadGroup();
        String group = g == null ? "" : topGroup(g);
        java.util.regex.Matcher m = TASK.matcher(name);
        if (m.matches()) {
            return "connector " + m.group(1);
        }
        m = CLIENT.matcher(name);
        if (m.matches()) {
            return "connector " + m.group(1);
        }
        m = PLUGIN_THREAD.matcher(name);
        if (m.matches()) {
            return "connector " + (m.group(1) != null ? m.group(1) : m.group(2));
        }
        if (group.equals("kafka-vendor") || group.equals("kafka-edge")) {
            return group.replace('-', ' ') + " brokers";
        }
        if (group.equals("connect-and-core")) {
            return CONNECT.matcher(name).matches() ? CONNECT_INTERNALS : "kafka core brokers";
        }
        if (group.equals("s3-store")) {
            return "s3 store";
        }
        if (name.startsWith("Common-Cleaner")
                || name.equals("Reference Handler") || name.equals("Finalizer") || name.equals("Signal Dispatcher")) {
            return JVM;
        }
        if (HARNESS_THREAD.matcher(name).matches() || name.startsWith("kafka-producer-network-thread | producer-")) {
            return HARNESS;
        }
        return "other (" + group + ")";
    }

    /** The outermost group below the JVM's "main" and "system" groups: the one {@link #startIn} made. */
    private static String topGroup(ThreadGroup g) {
        ThreadGroup top = g;
        while (top.getParent() != null && !top.getParent().getName().equals("main") && !top.getParent().getName().equals("system")) {
            top = top.getParent();
        }
        return top.getName();
    }

    /** A thread's CPU time from {@code /proc/self/task/<tid>/stat}. */
    private static long taskCpu(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * CLOCK_TICK_NS;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** A process's CPU time from {@code /proc/<pid>/stat}; with {@code children}, that of its waited-for children too. */
    private static long processCpu(long pid, boolean children) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + (children ? Long.parseLong(f[13]) + Long.parseLong(f[14]) : 0);
            return ticks * CLOCK_TICK_NS;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** The CPU used between {@code before} and this sample, by component (nanoseconds, never negative). */
    Map<String, Long> since(CpuByComponent before) {
        Map<String, Long> out = new LinkedHashMap<>();
        perComponentNs.forEach((c, ns) -> out.put(c, Math.max(0, ns - before.perComponentNs.getOrDefault(c, 0L))));
        return out;
    }

    /**
     * The busiest threads (by name, numbers folded to #) of the {@code components} Java components that used the most
     * CPU between {@code before} and this sample, as lines of CPU-milliseconds per vendor event.
     */
    List<String> busiestThreads(CpuByComponent before, long events, int components, int threadsEach) {
        List<String> out = new ArrayList<>();
        if (events <= 0) {
            return out;
        }
        Map<String, Long> used = since(before);
        List<String> busiest = used.entrySet().stream().filter(e -> perThreadNs.containsKey(e.getKey()))
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(components).map(Map.Entry::getKey).toList();
        for (String component : busiest) {
            Map<String, Long> was = before.perThreadNs.getOrDefault(component, Map.of());
            String top = perThreadNs.get(component).entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - was.getOrDefault(e.getKey(), 0L)))
                    .filter(e -> e.getValue() > 0).sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(threadsEach)
                    .map(e -> String.format(java.util.Locale.ROOT, "%s %.3f", e.getKey(), e.getValue() / 1e6 / events))
                    .collect(java.util.stream.Collectors.joining("; "));
            out.add(component + ", busiest threads (ms per vendor event): " + top);
        }
        return out;
    }

    /**
     * The table of CPU-milliseconds per vendor event by component, largest first, with the pipeline's total (everything
     * but the harness) and the harness's.
     */
    static List<String> table(Map<String, Long> used, long events) {
        List<String> out = new ArrayList<>();
        if (events <= 0) {
            return out;
        }
        List<Map.Entry<String, Long>> rows = new ArrayList<>(used.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        long total = used.values().stream().mapToLong(Long::longValue).sum();
        long harness = used.getOrDefault(HARNESS, 0L);
        out.add("| component | CPU ms per vendor event | share |");
        out.add("|---|---:|---:|");
        for (Map.Entry<String, Long> r : rows) {
            if (r.getValue() > 0) {
                out.add(String.format(java.util.Locale.ROOT, "| %s | %.3f | %.0f %% |", r.getKey(), r.getValue() / 1e6 / events,
                        100.0 * r.getValue() / Math.max(1, total)));
            }
        }
        out.add(String.format(java.util.Locale.ROOT, "| **pipeline (all but the harness)** | **%.3f** | |", (total - harness) / 1e6 / events));
        return out;
    }

    /**
     * The table over several runs at one rate: each component's CPU per vendor event as median (min–max) of the runs,
     * ordered by median; the pipeline's figure is the median of the runs' pipeline figures.
     */
    static List<String> table(List<Map<String, Long>> runs, List<Long> events) {
        Map<String, double[]> perComponent = new java.util.TreeMap<>();
        for (int i = 0; i < runs.size(); i++) {
            for (Map.Entry<String, Long> c : runs.get(i).entrySet()) {
                perComponent.computeIfAbsent(c.getKey(), k -> new double[runs.size()])[i] = c.getValue() / 1e6 / events.get(i);
            }
        }
        List<Map.Entry<String, double[]>> rows = new ArrayList<>(perComponent.entrySet());
        rows.forEach(r -> java.util.Arrays.sort(r.getValue()));
        rows.sort((a, b) -> Double.compare(median(b.getValue()), median(a.getValue())));
        List<String> out = new ArrayList<>();
        out.add("| component | CPU ms per vendor event, median (min–max) |");
        out.add("|---|---:|");
        for (Map.Entry<String, double[]> r : rows) {
            double[] v = r.getValue();
            if (v[v.length - 1] > 0) {
                out.add(String.format(java.util.Locale.ROOT, "| %s | %.3f (%.3f–%.3f) |", r.getKey(), median(v), v[0], v[v.length - 1]));
            }
        }
        double[] pipeline = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            pipeline[i] = pipelineMsPerEvent(runs.get(i), events.get(i));
        }
        java.util.Arrays.sort(pipeline);
        out.add(String.format(java.util.Locale.ROOT, "| **pipeline (all but the harness)** | **%.3f** (%.3f–%.3f) |", median(pipeline),
                pipeline[0], pipeline[pipeline.length - 1]));
        return out;
    }

    /** The median of sorted values. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Kafka requests handled so far by the brokers in this JVM, by request type: how many (the brokers'
     * {@code RequestsPerSec} meters) and the microseconds their request handlers spent on them ({@code LocalTimeMs}:
     * count × mean). The clusters share the process's metrics registry, so the figures are their sums.
     */
    record BrokerRequests(Map<String, Long> counts, Map<String, Long> handlerMicros) {
    }

    static BrokerRequests brokerRequests() {
        Map<String, Long> counts = new HashMap<>();
        Map<String, Long> micros = new HashMap<>();
        javax.management.MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            for (javax.management.ObjectName n : server.queryNames(new javax.management.ObjectName(
                    "kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
                if (server.getAttribute(n, "Count") instanceof Number count) {
                    counts.merge(n.getKeyProperty("request"), count.longValue(), Long::sum);
                }
            }
            for (javax.management.ObjectName n : server.queryNames(new javax.management.ObjectName(
                    "kafka.network:type=RequestMetrics,name=LocalTimeMs,*"), null)) {
                if (server.getAttribute(n, "Count") instanceof Number count && server.getAttribute(n, "Mean") instanceof Number mean) {
                    micros.merge(n.getKeyProperty("request"), Math.round(count.longValue() * mean.doubleValue() * 1000), Long::sum);
                }
            }
        } catch (javax.management.JMException e) {
            // no broker metrics: nothing to say
        }
        return new BrokerRequests(counts, micros);
    }

    /**
     * The request types handled most often between two {@link #brokerRequests} samples: requests per vendor event, and
     * the milliseconds per vendor event the brokers' request handlers spent on them (wall time in the handler, which
     * for these local requests is mostly CPU).
     */
    static String busiestRequests(BrokerRequests before, BrokerRequests after, long events, int n) {
        return events <= 0 ? "" : after.counts().entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.counts().getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0).sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(n)
                .map(e -> {
                    double micros = after.handlerMicros().getOrDefault(e.getKey(), 0L) - before.handlerMicros().getOrDefault(e.getKey(), 0L);
                    return String.format(java.util.Locale.ROOT, "%s %.2f (%.3f ms)", e.getKey(), (double) e.getValue() / events,
                            micros / 1000 / events);
                })
                .collect(java.util.stream.Collectors.joining("; "));
    }

    /** The pipeline's CPU (all but the harness) in milliseconds per event. */
    static double pipelineMsPerEvent(Map<String, Long> used, long events) {
        long total = used.values().stream().mapToLong(Long::longValue).sum() - used.getOrDefault(HARNESS, 0L);
        return events <= 0 ? 0 : total / 1e6 / events;
    }

    /** The components' CPU in milliseconds (for reports). */
    static Map<String, Double> millis(Map<String, Long> used) {
        Map<String, Double> out = new HashMap<>();
        used.forEach((k, v) -> out.put(k, v / 1e6));
        return out;
    }
}
