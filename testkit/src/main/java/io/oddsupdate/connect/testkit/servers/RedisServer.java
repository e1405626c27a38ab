package io.oddsupdate.connect.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.oddsupdate.connect.testkit.TempDirs;

/**
 * A real Redis 6.2 server on a free 127.0.0.1 port, for tests. The binary comes from Maven Central
 * ({@code com.github.codemonstur:embedded-redis}). It persists to an append-only file (fsync every second, flushed on
 * the graceful shutdown {@link #stop()} does), so {@link #stop()} then {@link #restart()} simulates an outage on the same
 * port without losing data (as an ElastiCache failover to an in-sync replica would).
 *
 * <pre>
 * try (RedisServer redis = RedisServer.start()) { String url = redis.url(); ... }
 * </pre>
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final redis.embedded.RedisServer server;

    private final Path dir;

    private RedisServer(int port) throws IOException {
        this.port = port;
        this.dir = Files.createTempDirectory("redis-");
        TempDirs.deleteOnExit(dir);
        this.server = redis.embedded.RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("dir " + dir)
                .setting("save \"\"")
                .setting("appendonly yes")
                .setting("appendfsync everysec")
                .setting("protected-mode no")
                .onShutdownForceStop(true)
                .build();
    }

    public static RedisServer start() {
        try {
            RedisServer r = new RedisServer(PostgresServer.freePort());
            r.server.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>} */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized void stop() {
        try {
            if (server.isActive()) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void restart() {
        try {
            if (!server.isActive()) {
                server.start();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Crashes the server: SIGKILL, no shutdown, no final write of the append-only file. What Redis acknowledged is in
     * the file already (it writes the file before it replies; {@code appendfsync everysec} only delays the disk flush,
     * which matters for a host crash, not a process crash). {@link #restart()} then loads the file.
     */
    public synchronized void kill() {
        if (!server.isActive()) {
            return;
        }
        long pid = pid();
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no Redis process " + pid));
        p.destroyForcibly();
        try {
            p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            server.stop(); // the embedded server's own bookkeeping: its process is gone already
        } catch (Exception e) {
            throw new IllegalStateException("Redis process " + pid + " did not exit after SIGKILL", e);
        }
    }

    /** The server's process id, from {@code INFO server}. */
    public long pid() {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("INFO server\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("process_id:")) {
                    return Long.parseLong(line.substring("process_id:".length()).trim());
                }
            }
            throw new IllegalStateException("Redis on port " + port + " did not report its process_id");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
        TempDirs.deleteRecursively(dir);
    }
}
