package io.oddsupdate.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.servers.S3Server;

/**
 * An independent Parquet reader for the tests: DuckDB from PyPI (pinned) in a virtualenv the build creates under
 * {@code s3-sink-ext/target/duckdb-venv}. Objects are copied from the S3 server to a local directory with their keys, and
 * DuckDB reads them with hive partitioning, as Athena or Spark would read the bucket. Never skipped: if Python or the
 * package cannot be installed, the test fails.
 */
final class DuckDb {

    static final String VERSION = "2.0.0";
    /** DuckDB needs it to hand TIMESTAMP WITH TIME ZONE values to Python. */
    static final String PYTZ_VERSION = "2025.2";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DuckDb() {
    }

    /** Copies every object of the bucket into a fresh directory under target/, keys as paths. */
    static Path download(S3Server s3, String bucket, String name) {
        Path dir = moduleDir().resolve("target/s3-objects/" + name + "-" + System.nanoTime());
        try {
            for (String key : s3.keys(bucket)) {
                Path file = dir.resolve(key);
                Files.createDirectories(file.getParent());
                Files.write(file, s3.get(bucket, key));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * Runs a query over {@code read_parquet('<dir>/**\/*.parquet', hive_partitioning=true)} (the view {@code bronze}) and
     * returns its rows as JSON arrays; the column names and DuckDB types come first as {@code [[name, type], ...]}.
     */
    static Result query(Path dir, String sql) {
        String script = String.join("\n",
                "import duckdb, json, sys",
                "con = duckdb.connect()",
                "glob = (sys.argv[1] + '/**/*.parquet').replace(\"'\", \"''\")",
                "con.execute(\"create view bronze as select * from read_parquet('%s', hive_partitioning=true, hive_types_autocast=false)\" % glob)",
                "rel = con.sql(sys.argv[2])",
                "rows = [[None if v is None else (v.isoformat() if hasattr(v, 'isoformat') else v) for v in r] for r in rel.fetchall()]",
                "print(json.dumps({'columns': [[n, str(t)] for n, t in zip(rel.columns, rel.types)], 'rows': rows}))");
        try {
            Path py = python();
            Process p = new ProcessBuilder(py.toString(), "-c", script, dir.toString(), sql).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("duckdb query failed: " + sql + "\n" + err);
            }
            JsonNode json = JSON.readTree(out);
            List<String[]> columns = new ArrayList<>();
            json.get("columns").forEach(c -> columns.add(new String[] {c.get(0).asText(), c.get(1).asText()}));
            List<JsonNode> rows = new ArrayList<>();
            json.get("rows").forEach(rows::add);
            return new Result(columns, rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    record Result(List<String[]> columns, List<JsonNode> rows) {
        String type(String column) {
            for (String[] c : columns) {
                if (c[0].equals(column)) {
                    return c[1];
                }
            }
            throw new AssertionError("no column " + column);
        }

        long single() {
            assertEquals(1, rows.size());
            return rows.get(0).get(0).asLong();
        }
    }

    /** The virtualenv's python with duckdb installed; created once per build (a file lock guards concurrent forks). */
    @SuppressWarnings("try")
    static synchronized Path python() throws IOException, InterruptedException {
        Path venv = moduleDir().resolve("target/duckdb-venv");
        Path py = venv.resolve("bin/python");
        Path done = venv.resolve(".duckdb-" + VERSION + "-pytz-" + PYTZ_VERSION);
        Files.createDirectories(venv.getParent());
        try (FileChannel ch = FileChannel.open(venv.getParent().resolve("duckdb-venv.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            if (!Files.exists(done)) {
                run(List.of("python3", "-m", "venv", venv.toString()));
                run(List.of(py.toString(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "duckdb==" + VERSION, "pytz==" + PYTZ_VERSION));
                Files.createFile(done);
            }
        }
        return py;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
        }
    }

    private static Path moduleDir() {
        Path cwd = Paths.get("").toAbsolutePath();
        return Files.exists(cwd.resolve("src/main/plugin/manifest.json")) ? cwd : PluginPath.projectRoot().resolve("s3-sink-ext");
    }
}
