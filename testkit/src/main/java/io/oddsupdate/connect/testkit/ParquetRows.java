package io.oddsupdate.connect.testkit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;

import com.github.luben.zstd.Zstd;
import org.xerial.snappy.Snappy;

/**
 * Reads a Parquet object back as Avro records, to check what the bronze sink wrote:
 * parquet-hadoop's file reader over the object's bytes, parquet-avro's materializer (its reader builders would load
 * Hadoop classes), and page decompression of its own (zstd-jni, snappy-java, the JDK's gzip), independent of the
 * sink's codecs. Needs parquet-avro, hadoop-common and hadoop-mapreduce-client-core (without their dependencies) on the
 * class path: optional dependencies of testkit, declared where used.
 */
public final class ParquetRows {

    private ParquetRows() {
    }

    /** Every row of the object, in file order. */
    public static List<GenericRecord> read(byte[] parquet) {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        List<GenericRecord> rows = new ArrayList<>();
        // builder(conf) with a plain configuration and our codecs: the no-argument builder would create a Hadoop one.
        ParquetReadOptions options = ParquetReadOptions.builder(conf).withCodecFactory(Decompressors.INSTANCE).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new InMemory(parquet), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            Map<String, String> meta = reader.getFooter().getFileMetaData().getKeyValueMetaData();
            AvroReadSupport<GenericRecord> support = new AvroReadSupport<>(GenericData.get());
            ReadSupport.ReadContext context = support.init(conf, meta, schema);
            RecordMaterializer<GenericRecord> materializer = support.prepareForRead(conf, meta, schema, context);
            for (PageReadStore pages; (pages = reader.readNextRowGroup()) != null; ) {
                RecordReader<GenericRecord> records = new ColumnIOFactory().getColumnIO(context.getRequestedSchema(), schema)
                        .getRecordReader(pages, materializer);
                for (long i = 0; i < pages.getRowCount(); i++) {
                    rows.add(records.read());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /** The object's bytes as a Parquet input file. */
    private record InMemory(byte[] bytes) implements InputFile {
        @Override
        public long getLength() {
            return bytes.length;
        }

        @Override
        public SeekableInputStream newStream() {
            Positioned in = new Positioned(bytes);
            return new DelegatingSeekableInputStream(in) {
                @Override
                public long getPos() {
                    return in.position();
                }

                @Override
                public void seek(long newPos) {
                    in.seek(newPos);
                }
            };
        }
    }

    private static final class Positioned extends ByteArrayInputStream {
        Positioned(byte[] bytes) {
            super(bytes);
        }

        synchronized long position() {
            return pos;
        }

        synchronized void seek(long position) {
            pos = (int) position;
        }
    }

    /** Decompression only: the reader never compresses. */
    private enum Decompressors implements CompressionCodecFactory {
        INSTANCE;

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            return new BytesInputDecompressor() {
                @Override
                public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                    return BytesInput.from(inflate(codec, bytes.toByteArray(), uncompressedSize));
                }

                @Override
                public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
                    byte[] in = new byte[compressedSize];
                    input.get(in);
                    output.put(inflate(codec, in, uncompressedSize));
                }

                @Override
                public void release() {
                }
            };
        }

        private static byte[] inflate(CompressionCodecName codec, byte[] in, int size) throws IOException {
            return switch (codec) {
                case UNCOMPRESSED -> in;
                case ZSTD -> Zstd.decompress(in, size);
                case SNAPPY -> Snappy.uncompress(in);
                case GZIP -> {
                    try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in))) {
                        yield gz.readNBytes(size);
                    }
                }
                default -> throw new IOException("ParquetRows: no decompressor for " + codec);
            };
        }

        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            throw new UnsupportedOperationException("ParquetRows only reads");
        }

        @Override
        public void release() {
        }
    }
}
