package io.oddsupdate.connect.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.oddsupdate.connect.testkit.ChildProcesses;
import io.oddsupdate.connect.testkit.TempDirs;

/**
 * A real moto server (Python emulator of AWS APIs: Glue Schema Registry, Secrets Manager, S3, ...) on 127.0.0.1.
 *
 * <p>The build installs {@code moto[server]} at a pinned version from PyPI into a virtualenv the first time it is needed
 * ({@code python3 -m venv} + {@code pip install}); the venv is cached per version under
 * {@code ~/.cache/oddsupdate/moto-<version>} (override with {@code -Doddsupdate.cache.dir=...}), so later runs start in
 * about a second. A file lock makes concurrent test JVMs install it once.
 *
 * <pre>
 * try (MotoServer moto = MotoServer.start()) {
 *     GlueClient glue = GlueClient.builder().endpointOverride(URI.create(moto.endpoint())) ... ;
 * }
 * </pre>
 * Clients need a region and any credentials (moto does not check them): {@link #ACCESS_KEY}/{@link #SECRET_KEY}.
 */
public final class MotoServer implements AutoCloseable {

    /** The moto version the build pins (root pom property {@code moto.version}, passed as a system property). */
    public static final String VERSION = System.getProperty("oddsupdate.moto.version", "5.1.17");
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "testing";
    public static final String SECRET_KEY = "testing";

    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(8);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final int port;
    private final Path log;
    private final Thread shutdownHook;

    private MotoServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.shutdownHook = new Thread(process::destroyForcibly, "stop-moto-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Installs moto if needed, starts it on a free loopback port and waits until it answers. */
    public static MotoServer start() {
        Path venv = install();
        int port = freePort();
        try {
            Path log = Files.createTempFile("moto-" + port + "-", ".log");
            TempDirs.deleteOnExit(log);
            Process p = new ProcessBuilder(venv.resolve("bin/moto_server").toString(), "-H", "127.0.0.1", "-p", String.valueOf(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            MotoServer server = new MotoServer(p, port, log);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start moto_server", e);
        }
    }

    /** The endpoint URL to give AWS clients as their endpoint override. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Forgets every resource (registries, schemas, secrets, ...), so one server can serve several tests. */
    public void reset() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/moto-api/reset").toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.getOutputStream().close();
            if (c.getResponseCode() != 200) {
                throw new IllegalStateException("moto reset answered HTTP " + c.getResponseCode());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        ChildProcesses.stop(process, 10);
        ChildProcesses.removeShutdownHook(shutdownHook);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + ": " + tail(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/moto-api/data.json").toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(2000);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            sleep(200);
        }
        close();
        throw new IllegalStateException("moto_server did not answer on " + endpoint() + " within " + START_TIMEOUT + ": " + tail(log));
    }

    /** The cached virtualenv holding moto_server at {@link #VERSION}, installed now if missing. */
    static Path install() {
        Path cache = Paths.get(System.getProperty("oddsupdate.cache.dir", System.getProperty("user.home") + "/.cache/oddsupdate"));
        Path venv = cache.resolve("moto-" + VERSION);
        Path done = venv.resolve(".installed");
        if (Files.exists(done)) {
            return venv;
        }
        try {
            Files.createDirectories(cache);
            try (FileChannel ch = FileChannel.open(cache.resolve("moto-" + VERSION + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                if (Files.exists(done)) {
                    return venv; // another JVM installed it while we waited
                }
                TempDirs.deleteRecursively(venv);
                Path log = cache.resolve("moto-" + VERSION + "-install.log");
                run(log, "python3", "-m", "venv", venv.toString());
                run(log, venv.resolve("bin/python").toString(), "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
                        "moto[server]==" + VERSION);
                Files.writeString(done, VERSION + "\n");
                return venv;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install moto[server]==" + VERSION + " into " + venv, e);
        }
    }

    private static void run(Path log, String... command) throws IOException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!p.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after " + INSTALL_TIMEOUT + ": " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + " from " + String.join(" ", command) + ": " + tail(log));
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path file) {
        try {
            String s = Files.readString(file);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
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
