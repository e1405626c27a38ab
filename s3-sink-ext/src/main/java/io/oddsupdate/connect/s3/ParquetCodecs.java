package io.oddsupdate.connect.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;

import com.github.luben.zstd.Zstd;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet page compression without Hadoop. parquet-hadoop's own {@code CodecFactory} instantiates Hadoop
 * {@code CompressionCodec}s even for zstd and snappy; these are the same formats (zstd frames, raw snappy blocks, gzip
 * members) written with zstd-jni, snappy-java and the JDK, so the plugin needs no Hadoop jar. Compression only: the
 * sink never reads Parquet.
 */
final class ParquetCodecs implements CompressionCodecFactory {

    static final String[] SUPPORTED = {"zstd", "snappy", "gzip", "uncompressed"};

    private final int zstdLevel;

    ParquetCodecs(int zstdLevel) {
        this.zstdLevel = zstdLevel;
    }

    static CompressionCodecName codec(String name) {
        return CompressionCodecName.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput bytes) throws IOException {
                return codec == CompressionCodecName.UNCOMPRESSED ? bytes : BytesInput.from(ParquetCodecs.this.compress(codec, bytes.toByteArray()));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return codec;
            }

            @Override
            public void release() {
            }
        };
    }

    /** The sink only writes; reading its objects back is the tests' (testkit's ParquetRows, the one decompressor). */
    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("the bronze sink only compresses");
    }

    @Override
    public void release() {
    }

    private byte[] compress(CompressionCodecName codec, byte[] in) throws IOException {
        switch (codec) {
            case ZSTD:
                return Zstd.compress(in, zstdLevel);
            case SNAPPY:
                return Snappy.compress(in);
            case GZIP:
                ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 2 + 64);
                try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                    gz.write(in);
                }
                return out.toByteArray();
            default:
                throw new IOException("compression codec " + codec + " is not supported; use one of zstd, snappy, gzip, uncompressed");
        }
    }
}
