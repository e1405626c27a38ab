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

    @Override
    public void close() {
        stop();
        TempDirs.deleteRecursively(dir);
    }
}
