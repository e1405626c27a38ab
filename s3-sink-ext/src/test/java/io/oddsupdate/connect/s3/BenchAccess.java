package io.oddsupdate.connect.s3;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.parquet.compression.CompressionCodecFactory;

import io.oddsupdate.connect.testkit.servers.S3Server;

/** What the benchmark (package {@code bench}) needs of the package-private sink classes. */
public final class BenchAccess {

    private static final BronzeRecordConverter CONVERTER = new BronzeRecordConverter(BronzeRecordConverter.loadSchema("latest"));
    private final TaskHarness harness;

    public BenchAccess(S3Server s3, String bucket, Map<String, String> overrides) {
        harness = new TaskHarness(s3, bucket, overrides);
    }

    public void put(Collection<SinkRecord> records) {
        harness.task.put(records);
    }

    /** preCommit; returns the committed offset of the benchmark's partition (0 before the first). */
    public long commit() {
        return harness.commit().values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    public void stop() {
        harness.task.stop();
    }

    public static Schema schema() {
        return CONVERTER.schema();
    }

    public static CompressionCodecFactory codecs() {
        return new ParquetCodecs(3);
    }

    public static GenericRecord convert(SinkRecord record) {
        return CONVERTER.convert(record);
    }

    public static SinkRecord record(String topic, int partition, long offset, String league, Instant eventTs) {
        return TaskHarness.struct(topic, partition, offset, league, eventTs);
    }

}
