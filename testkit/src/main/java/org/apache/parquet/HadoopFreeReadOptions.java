package org.apache.parquet;

import java.util.Map;

import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;

/**
 * Test support for testkit's {@code ParquetRows}: read options that do not touch Hadoop. Every public builder of
 * {@link ParquetReadOptions} (parquet 1.15) instantiates a Hadoop configuration, so the tests, which read our objects
 * back with no Hadoop on the class path, use the package-private constructor.
 */
public final class HadoopFreeReadOptions {

    private HadoopFreeReadOptions() {
    }

    public static ParquetReadOptions of(CompressionCodecFactory codecs) {
        return new ParquetReadOptions(true, false, false, false, false, false, false, false, false,
                FilterCompat.NOOP, ParquetMetadataConverter.NO_FILTER, codecs, new HeapByteBufferAllocator(),
                8 * 1024 * 1024, Map.of(), null, null, new PlainParquetConfiguration());
    }
}
