package io.oddsupdate.connect.s3.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

import io.oddsupdate.connect.s3.BenchAccess;
import io.oddsupdate.connect.testkit.TempDirs;
import io.oddsupdate.connect.testkit.servers.S3Server;

/**
 * On-demand benchmark (profile {@code bench}): records/s of one sink task into the local S3 server (S3Proxy, in this JVM)
 * against the ceiling, the same records converted by the same converter and written with parquet-avro straight to local
 * disk in files of the same size. Both use zstd level 3, 16 MB row groups, 1 MB pages, 50,000 records per file.
 *
 * <pre>mvn -B -pl s3-sink-ext -am -Pbench verify -DskipTests -DskipITs</pre>
 */
public final class S3SinkBench {

    static final int RECORDS = Integer.getInteger("bench.records", 400_000);
    static final int BATCH = 500;
    static final int FILE = 50_000;
    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);

    public static void main(String[] args) throws Exception {
        sizes();
        List<SinkRecord> records = records(RECORDS);
        try (S3Server s3 = S3Server.start()) {
            List<SinkRecord> warmup = records.subList(0, Math.min(records.size(), 100_000));
            sink(s3, warmup, "warmup");
            disk(warmup);
            double[] sink = new double[ROUNDS];
            double[] disk = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                disk[r] = disk(records);
                sink[r] = sink(s3, records, "round" + r);
                System.out.printf("round %d: sink->S3 %,.0f records/s, parquet-avro->disk %,.0f records/s, ratio %.2f%n",
                        r + 1, sink[r], disk[r], sink[r] / disk[r]);
            }
            System.out.printf("S3ParquetSinkConnector, 1 task, %,d records: sink->S3 median %,.0f records/s (min %,.0f, max %,.0f); "
                    + "parquet-avro->local disk median %,.0f records/s (min %,.0f, max %,.0f); ratio of medians %.2f%n",
                    RECORDS, median(sink), min(sink), max(sink), median(disk), min(disk), max(disk), median(sink) / median(disk));
        }
    }

    /** Our plugin ZIP against the jars of the naive hadoop-aws set (resolved by the bench profile into target/). */
    static void sizes() throws IOException {
        Path target = Path.of("target");
        try (var zips = Files.newDirectoryStream(target, "*-plugin.zip")) {
            for (Path zip : zips) {
                System.out.printf("plugin ZIP %s: %,d bytes%n", zip.getFileName(), Files.size(zip));
            }
        }
        Path naive = target.resolve("naive-hadoop-aws");
        if (Files.isDirectory(naive)) {
            long total = 0;
            int jars = 0;
            Path largest = null;
            try (var all = Files.newDirectoryStream(naive, "*.jar")) {
                for (Path jar : all) {
                    total += Files.size(jar);
                    jars++;
                    if (largest == null || Files.size(jar) > Files.size(largest)) {
                        largest = jar;
                    }
                }
            }
            System.out.printf("naive parquet-avro + hadoop-common + hadoop-aws 3.4.1 set: %d jars, %,d bytes (largest %s: %,d bytes)%n",
                    jars, total, largest == null ? "-" : largest.getFileName(), largest == null ? 0 : Files.size(largest));
        }
    }

    /**
     * The task as a worker drives it: batches of 500, preCommit after each. Returns the records in complete objects
     * (the committed offset) per second, up to the moment the last of them became visible; the tail still open at the
     * end (files grow past flush.size while the previous close uploads, so the tail is short of a full file) is left out.
     */
    static double sink(S3Server s3, List<SinkRecord> records, String bucket) throws InterruptedException {
        s3.createBucket(bucket);
        BenchAccess task = new BenchAccess(s3, bucket, Map.of("flush.size", String.valueOf(FILE), "s3.upload.threads", "2"));
        long start = System.nanoTime();
        long committed = 0;
        long committedAt = start;
        for (int i = 0; i < records.size(); i += BATCH) {
            task.put(records.subList(i, Math.min(records.size(), i + BATCH)));
            long c = task.commit();
            if (c > committed) {
                committed = c;
                committedAt = System.nanoTime();
            }
        }
        // Let the uploads in flight finish: stop once at most the open tail is left and the committed offset has not moved
        // for a second.
        long deadline = System.nanoTime() + 120_000_000_000L;
        while ((records.size() - committed >= 2L * FILE || System.nanoTime() - committedAt < 1_000_000_000L)
                && System.nanoTime() < deadline) {
            task.put(List.of());
            long c = task.commit();
            if (c > committed) {
                committed = c;
                committedAt = System.nanoTime();
            }
            Thread.sleep(1);
        }
        task.stop();
        if (records.size() - committed >= 2L * FILE) {
            throw new IllegalStateException("only " + committed + " of " + records.size() + " records reached S3");
        }
        return committed * 1e9 / (committedAt - start);
    }

    /** The ceiling: same conversion, parquet-avro to local files of the same size. */
    static double disk(List<SinkRecord> records) throws IOException {
        Path dir = Files.createTempDirectory("bench-disk-");
        try {
            long start = System.nanoTime();
            ParquetWriter<GenericRecord> w = null;
            for (int i = 0; i < records.size(); i++) {
                if (i % FILE == 0) {
                    if (w != null) {
                        w.close();
                    }
                    w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(dir.resolve(i + ".parquet")))
                            .withSchema(BenchAccess.schema()).withDataModel(GenericData.get()).withConf(new PlainParquetConfiguration())
                            .withCodecFactory(BenchAccess.codecs()).withCompressionCodec(CompressionCodecName.ZSTD)
                            .withRowGroupSize(16L * 1024 * 1024).withPageSize(1024 * 1024).withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                            .build();
                }
                w.write(BenchAccess.convert(records.get(i)));
            }
            w.close();
            return records.size() * 1e9 / (System.nanoTime() - start);
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }

    /** Odds updates for one league partition over ~3 hours of event time, v2 fields included. */
    static List<SinkRecord> records(int n) {
        List<SinkRecord> out = new ArrayList<>(n);
        Instant t0 = Instant.parse("2024-03-10T18:00:00Z");
        for (int i = 0; i < n; i++) {
            out.add(BenchAccess.record("odds.updates.internal.nba", 0, i, "nba", t0.plusMillis(i * 25L)));
        }
        return out;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double min(double[] xs) {
        return Arrays.stream(xs).min().orElse(0);
    }

    static double max(double[] xs) {
        return Arrays.stream(xs).max().orElse(0);
    }
}
