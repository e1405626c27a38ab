package io.oddsupdate.connect.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.oddsupdate.connect.testkit.ChildProcesses;
import io.oddsupdate.connect.testkit.TempDirs;
import io.oddsupdate.connect.testkit.TlsMaterial;

/**
 * A real ClickHouse server on free 127.0.0.1 ports, for tests: Debian's {@code clickhouse-server} package (18.16.1 on
 * Debian 12, the only ClickHouse these machines can install), started as an unprivileged process with a small config of
 * its own in a temporary directory. When the binary is missing and the JVM runs as root (CI on a clean machine), it is
 * installed with {@code apt-get install -y clickhouse-server clickhouse-client}; otherwise starting fails with how to get it.
 *
 * <p>As with {@link PostgresServer}, when the JVM is root the server runs as {@code nobody} through {@code setpriv}.
 * Users: {@code default} (no password) and {@link #USER} with a random {@link #password()}. With a {@link TlsMaterial}
 * identity the server also answers HTTPS ({@link #httpsUrl()}).
 *
 * <p>What 18.16.1 lacks that current ClickHouse has: {@code DateTime64} (it has {@code DateTime}, whole seconds),
 * {@code Map}, {@code LowCardinality} without an experimental setting, {@code insert_deduplication_token} and insert
 * deduplication for non-replicated tables, the {@code X-ClickHouse-Exception-Code} header.
 *
 * <pre>
 * try (ClickHouseServer ch = ClickHouseServer.start()) { ch.execute("CREATE TABLE ..."); String url = ch.httpUrl(); ... }
 * </pre>
 */
public final class ClickHouseServer implements AutoCloseable {

    /** A user with a password ({@link #password()}), for the tests of authentication. */
    public static final String USER = "sink";
    /** Where Debian's package puts the server and the client. */
    private static final Path SERVER = Path.of("/usr/sbin/clickhouse-server");
    private static final Path CLIENT = Path.of("/usr/bin/clickhouse-client");
    private static final String NOBODY = "65534";
    private static final Object INSTALL_LOCK = new Object();

    private final Path dir;
    private final int httpPort;
    private final int tcpPort;
    private final int httpsPort;
    private final String password = UUID.randomUUID().toString();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread reaper = new Thread(this::kill, "clickhouse-kill");
    private Process process;

    private ClickHouseServer(Path dir, int httpPort, int tcpPort, int httpsPort) {
        this.dir = dir;
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
        this.httpsPort = httpsPort;
    }

    /** Starts a server answering plain HTTP. */
    public static ClickHouseServer start() {
        return start(null);
    }

    /** Starts a server that also answers HTTPS with {@code tls}'s key and certificate (null: plain HTTP only). */
    public static ClickHouseServer start(TlsMaterial.Identity tls) {
        ensureInstalled();
        try {
            Path dir = Files.createTempDirectory("clickhouse-");
            TempDirs.deleteOnExit(dir);
            ClickHouseServer ch = new ClickHouseServer(dir, PostgresServer.freePort(), PostgresServer.freePort(),
                    tls == null ? -1 : PostgresServer.freePort());
            ch.writeConfig(tls);
            if (isRoot()) {
                run(List.of("chown", "-R", NOBODY + ":" + NOBODY, dir.toString()));
            }
            Runtime.getRuntime().addShutdownHook(ch.reaper);
            ch.startProcess();
            return ch;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server's version, e.g. {@code 18.16.1}. */
    public String version() {
        return query("SELECT version()").strip();
    }

    /** {@code http://127.0.0.1:<port>} */
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** {@code https://localhost:<port>} (the certificate is for localhost), when started with TLS. */
    public String httpsUrl() {
        if (httpsPort < 0) {
            throw new IllegalStateException("started without TLS");
        }
        return "https://localhost:" + httpsPort;
    }

    /** The native protocol port, for {@code clickhouse-client --port}. */
    public int tcpPort() {
        return tcpPort;
    }

    public String password() {
        return password;
    }

    /** {@code clickhouse-client} against this server, followed by {@code args}. */
    public List<String> client(String... args) {
        List<String> cmd = new ArrayList<>(List.of(CLIENT.toString(), "--host", "127.0.0.1", "--port", Integer.toString(tcpPort)));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a statement as {@code default}; fails with the server's message. */
    public void execute(String sql) {
        query(sql);
    }

    /** The answer to a query as {@code default} (TabSeparated unless the query says otherwise). */
    public String query(String sql) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/")).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() != 200) {
                throw new IllegalStateException("ClickHouse on " + httpUrl() + " refused '" + sql + "': " + r.body().strip());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("ClickHouse on " + httpUrl() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server (SIGTERM, it finishes what it was doing), keeping its data; {@link #restart()} brings it back. */
    public synchronized void stop() {
        if (process != null) {
            ChildProcesses.stop(process, 60);
            process = null;
        }
    }

    /** Crashes the server (SIGKILL); {@link #restart()} then starts it on the same ports and data. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            ChildProcesses.await(process, 30);
            process = null;
        }
    }

    /** Starts the server again on the same ports with the same data. */
    public synchronized void restart() {
        if (process == null) {
            startProcess();
        }
    }

    @Override
    public void close() {
        stop();
        ChildProcesses.removeShutdownHook(reaper);
        TempDirs.deleteRecursively(dir);
    }

    private synchronized void startProcess() {
        Path log = dir.resolve("stdout.log");
        List<String> cmd = new ArrayList<>();
        if (isRoot()) {
            cmd.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        }
        cmd.addAll(List.of(SERVER.toString(), "--config-file=" + dir.resolve("config.xml")));
        try {
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    break;
                }
                if (ping()) {
                    return;
                }
                Thread.sleep(100);
            }
            String err = Files.exists(dir.resolve("server.err.log")) ? Files.readString(dir.resolve("server.err.log")) : "";
            process.destroyForcibly();
            process = null;
            throw new IllegalStateException("ClickHouse did not start on 127.0.0.1:" + httpPort + ":\n" + Files.readString(log) + err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean ping() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/ping")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void writeConfig(TlsMaterial.Identity tls) throws IOException {
        String https = "";
        if (tls != null) {
            Path cert = dir.resolve("server.crt");
            Path key = dir.resolve("server.key");
            Files.writeString(cert, tls.certificateChainPem());
            Files.writeString(key, tls.encryptedKeyPem());
            https = "  <https_port>" + httpsPort + "</https_port>\n"
                    + "  <openSSL><server>\n"
                    + "    <certificateFile>" + cert + "</certificateFile><privateKeyFile>" + key + "</privateKeyFile>\n"
                    + "    <privateKeyPassphraseHandler><name>KeyFileHandler</name><options><password>" + tls.password()
                    + "</password></options></privateKeyPassphraseHandler>\n"
                    + "    <verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile>\n"
                    + "    <cacheSessions>true</cacheSessions><disableProtocols>sslv2,sslv3,tlsv1,tlsv1_1</disableProtocols>\n"
                    + "  </server></openSSL>\n";
        }
        // Small caches: a test server, not a production one. Times in UTC whatever the machine's zone.
        Files.writeString(dir.resolve("config.xml"), "<?xml version=\"1.0\"?>\n<yandex>\n"
                + "  <logger><level>warning</level><log>" + dir.resolve("server.log") + "</log><errorlog>" + dir.resolve("server.err.log")
                + "</errorlog><console>0</console></logger>\n"
                + "  <listen_host>127.0.0.1</listen_host>\n"
                + "  <http_port>" + httpPort + "</http_port>\n"
                + "  <tcp_port>" + tcpPort + "</tcp_port>\n"
                + https
                + "  <path>" + dir.resolve("data") + "/</path>\n"
                + "  <tmp_path>" + dir.resolve("data/tmp") + "/</tmp_path>\n"
                + "  <user_files_path>" + dir.resolve("data/user_files") + "/</user_files_path>\n"
                + "  <format_schema_path>" + dir.resolve("data/format_schemas") + "/</format_schema_path>\n"
                + "  <users_config>users.xml</users_config>\n"
                + "  <default_profile>default</default_profile>\n"
                + "  <default_database>default</default_database>\n"
                + "  <timezone>UTC</timezone>\n"
                + "  <keep_alive_timeout>10</keep_alive_timeout>\n"
                + "  <mark_cache_size>268435456</mark_cache_size>\n"
                + "  <uncompressed_cache_size>268435456</uncompressed_cache_size>\n"
                + "</yandex>\n");
        String network = "<networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota>";
        Files.writeString(dir.resolve("users.xml"), "<?xml version=\"1.0\"?>\n<yandex>\n"
                + "  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>\n"
                + "  <users>\n"
                + "    <default><password></password>" + network + "</default>\n"
                + "    <" + USER + "><password>" + password + "</password>" + network + "</" + USER + ">\n"
                + "  </users>\n"
                + "  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>"
                + "<result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>\n"
                + "</yandex>\n");
    }

    /** The server binary, installed from Debian's packages when missing and allowed; else a clear failure. */
    private static void ensureInstalled() {
        synchronized (INSTALL_LOCK) {
            if (Files.isExecutable(SERVER) && Files.isExecutable(CLIENT)) {
                return;
            }
            if (!isRoot()) {
                throw new IllegalStateException("ClickHouse is not installed (no " + SERVER + " or " + CLIENT + "). Install Debian's "
                        + "package: sudo apt-get update && sudo apt-get install -y clickhouse-server clickhouse-client "
                        + "(the build installs it by itself when it runs as root)");
            }
            try {
                run(List.of("apt-get", "update"));
                run(List.of("apt-get", "install", "-y", "--no-install-recommends", "clickhouse-server", "clickhouse-client"));
            } catch (IOException | IllegalStateException e) {
                throw new IllegalStateException("ClickHouse is not installed and 'apt-get install -y clickhouse-server "
                        + "clickhouse-client' failed: " + e.getMessage(), e);
            }
            if (!Files.isExecutable(SERVER) || !Files.isExecutable(CLIENT)) {
                throw new IllegalStateException("apt-get installed clickhouse-server, but there is no " + SERVER + " or " + CLIENT);
            }
        }
    }

    private static void run(List<String> command) throws IOException {
        Path out = Files.createTempFile("clickhouse-cmd-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(out));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
