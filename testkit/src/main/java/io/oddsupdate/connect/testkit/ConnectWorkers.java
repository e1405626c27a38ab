package io.oddsupdate.connect.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A distributed Connect cluster whose workers are separate JVMs ({@code ConnectDistributed} on this JVM's class path),
 * so a test can kill one for real ({@link #kill}: SIGKILL, nothing flushed or committed, no graceful leave of the
 * group) and watch its tasks move. {@code EmbeddedConnectCluster} workers share the test's JVM and can only be stopped
 * gracefully.
 *
 * <p>Workers leave the group fast when they die (short session timeout) and their tasks are reassigned without the
 * default 5-minute wait for a returning worker ({@code scheduled.rebalance.max.delay.ms}). Each worker's output goes to
 * {@code <logDir>/connect-worker-<i>.log}. Every process is killed at {@link #close} and, should the test JVM exit
 * without it, by a shutdown hook.
 */
public final class ConnectWorkers implements AutoCloseable {

    private static final long START_TIMEOUT_MS = 180_000;

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final Path workDir;
    private final Thread reaper = new Thread(this::killAll, "connect-workers-reaper");
    /** How every worker of this cluster is launched, for {@link #add}. */
    private final Launch launch;

    private record Launch(String bootstrapServers, String groupId, int replication, Map<String, String> workerProps, Path logDir,
                          String classPath, List<String> jvmOptions) {
    }

    private ConnectWorkers(Path workDir, Launch launch) {
        this.workDir = workDir;
        this.launch = launch;
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Starts {@code count} workers of group {@code groupId} on the Kafka cluster at {@code bootstrapServers} and waits
     * until each answers on REST.
     *
     * @param workerProps worker settings (e.g. {@link ConnectClusters#workerProps}); bootstrap, group, internal topics
     *                    (replication factor {@code replication}) and listener are set here
     */
    public static ConnectWorkers start(int count, String bootstrapServers, String groupId, int replication,
                                       Map<String, String> workerProps, Path logDir) {
        return start(count, bootstrapServers, groupId, replication, workerProps, logDir, System.getProperty("java.class.path"), List.of());
    }

    /**
     * As {@link #start(int, String, String, int, Map, Path)}, on another Connect runtime: {@code classPath} is the
     * workers' class path (e.g. {@code dir/*} of another Kafka version), {@code jvmOptions} go before it (e.g. that
     * runtime's logging configuration).
     */
    public static ConnectWorkers start(int count, String bootstrapServers, String groupId, int replication,
                                       Map<String, String> workerProps, Path logDir, String classPath, List<String> jvmOptions) {
        ConnectWorkers workers;
        try {
            workers = new ConnectWorkers(Files.createTempDirectory("connect-workers-"),
                    new Launch(bootstrapServers, groupId, replication, Map.copyOf(workerProps), logDir, classPath, List.copyOf(jvmOptions)));
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (int i = 0; i < count; i++) {
                workers.launch(i);
            }
            for (int i = 0; i < count; i++) {
                workers.awaitRest(i);
            }
            return workers;
        } catch (RuntimeException | Error e) {
            workers.close();
            throw e;
        }
    }

    /**
     * Starts one more worker of the same cluster (e.g. to replace a killed one) and waits until it answers on REST;
     * returns its index. It joins the group and takes a share of the connectors and tasks at the next rebalance.
     */
    public synchronized int add() {
        int i = processes.size();
        launch(i);
        awaitRest(i);
        return i;
    }

    private void launch(int i) {
        int port = freePort();
        Properties p = new Properties();
        p.putAll(launch.workerProps());
        p.put("bootstrap.servers", launch.bootstrapServers());
        String groupId = launch.groupId();
        p.put("group.id", groupId);
        p.put("config.storage.topic", groupId + "-configs");
        p.put("offset.storage.topic", groupId + "-offsets");
        p.put("status.storage.topic", groupId + "-status");
        for (String topic : List.of("config", "offset", "status")) {
            p.put(topic + ".storage.replication.factor", Integer.toString(launch.replication()));
        }
        Path logDir = launch.logDir();
        String classPath = launch.classPath();
        List<String> jvmOptions = launch.jvmOptions();
        p.put("listeners", "http://127.0.0.1:" + port);
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("rest.advertised.port", Integer.toString(port));
        // a dead worker is out of the group within seconds, and its tasks move at once
        p.putIfAbsent("session.timeout.ms", "6000");
        p.putIfAbsent("heartbeat.interval.ms", "1500");
        p.putIfAbsent("scheduled.rebalance.max.delay.ms", "0");
        Path props = workDir.resolve("worker-" + i + ".properties");
        Path log = logDir.resolve("connect-worker-" + i + ".log");
        try (Writer w = Files.newBufferedWriter(props, StandardCharsets.UTF_8)) {
            p.store(w, "ConnectWorkers worker " + i);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", classPath, "org.apache.kafka.connect.cli.ConnectDistributed", props.toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            processes.add(process);
            ports.add(port);
            logs.add(log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Connect worker " + i, e);
        }
    }

    private void awaitRest(int i) {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        ConnectRest rest = rest(i);
        while (System.currentTimeMillis() < deadline) {
            if (!processes.get(i).isAlive()) {
                throw new IllegalStateException("Connect worker " + i + " exited (" + processes.get(i).exitValue() + "); see " + logs.get(i));
            }
            try {
                rest.get("connectors");
                return;
            } catch (UncheckedIOException | AssertionError notYet) {
                sleep(500);
            }
        }
        throw new IllegalStateException("Connect worker " + i + " did not answer on REST within " + START_TIMEOUT_MS + " ms; see " + logs.get(i));
    }

    public int size() {
        return processes.size();
    }

    /** The id Connect gives worker {@code i} in statuses ({@code worker_id}): its advertised host:port. */
    public String workerId(int i) {
        return "127.0.0.1:" + ports.get(i);
    }

    /** The index of the worker with this {@code worker_id}, or -1. */
    public int indexOf(String workerId) {
        for (int i = 0; i < ports.size(); i++) {
            if (workerId(i).equals(workerId)) {
                return i;
            }
        }
        return -1;
    }

    public boolean alive(int i) {
        return processes.get(i).isAlive();
    }

    public ConnectRest rest(int i) {
        return new ConnectRest("http://" + workerId(i));
    }

    /** The REST API of the first worker alive. */
    public ConnectRest rest() {
        for (int i = 0; i < processes.size(); i++) {
            if (alive(i)) {
                return rest(i);
            }
        }
        throw new IllegalStateException("no Connect worker alive");
    }

    public Path log(int i) {
        return logs.get(i);
    }

    /** Kills worker {@code i} with SIGKILL (no shutdown hook, no offset commit, no leave-group) and waits until it is gone. */
    public void kill(int i) {
        Process p = processes.get(i);
        p.destroyForcibly();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Connect worker " + i + " still alive 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Freezes worker {@code i} (SIGSTOP): it stops heartbeating, so past the session timeout the group gives its work to
     * the others, while its tasks keep whatever they held; {@link #resume} lets it run on as a zombie that has not yet
     * noticed it lost its work.
     */
    public void pause(int i) {
        signal(i, "STOP");
    }

    /** Lets a worker frozen by {@link #pause} run again (SIGCONT). */
    public void resume(int i) {
        signal(i, "CONT");
    }

    private void signal(int i, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(processes.get(i).pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " of Connect worker " + i + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void killAll() {
        processes.forEach(Process::destroyForcibly);
    }

    /** Stops every worker (gracefully, then forcibly after 20 s) and deletes the worker configs. */
    @Override
    public void close() {
        processes.stream().filter(Process::isAlive).forEach(Process::destroy);
        processes.forEach(p -> ChildProcesses.await(p, 20));
        ChildProcesses.removeShutdownHook(reaper);
        TempDirs.deleteRecursively(workDir);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
