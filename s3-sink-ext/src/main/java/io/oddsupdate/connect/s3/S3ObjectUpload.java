package io.oddsupdate.connect.s3;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * What commits a file: one S3 object, written by Parquet into memory and uploaded by the task at points it chooses.
 *
 * <p>Parquet's writes never do I/O, so an S3 failure can never leave a Parquet writer half-written: {@link #uploadPart()}
 * and {@link #complete()} upload, may fail, and may simply be called again (a failed part keeps its bytes). The object
 * becomes visible only when {@link #complete()} succeeds: a single PUT for a small file, else the completion of a
 * multipart upload; until then nothing is visible, and {@link #abort()} discards the parts.
 */
final class S3ObjectUpload implements OutputFile {

    /**
     * How to reach and encrypt objects; shared by every upload of a task. {@code conditionalWrites}: complete each object
     * only if no newer owner of its partition wrote it ({@link #complete()}).
     */
    record Target(S3Client s3, String bucket, long partSize, ServerSideEncryption sse, String kmsKeyId, boolean conditionalWrites) {
    }

    /** The user metadata naming the writer's epoch: when its task was given the object's partition. */
    static final String WRITER_EPOCH = "writer-epoch";
    private static final int MAX_PRECONDITION_ROUNDS = 5;

    /**
     * The object was written by a newer owner of its partition: this task lost the partition (it is a zombie, e.g. its
     * worker was frozen past the consumer session timeout) and must not replace that object.
     */
    static final class SupersededException extends RuntimeException {
        SupersededException(String message) {
            super(message);
        }
    }

    private final Target target;
    private final String key;
    private final long writerEpoch;
    private final List<CompletedPart> parts = new ArrayList<>();
    private byte[] buf = new byte[64 * 1024];
    private int count;
    private long uploaded;
    private String uploadId;
    private boolean sealed;
    private boolean completed;

    /** @param writerEpoch when this task was given the object's partition (epoch milliseconds): newer owners win */
    S3ObjectUpload(Target target, String key, long writerEpoch) {
        this.target = target;
        this.key = key;
        this.writerEpoch = writerEpoch;
    }

    String key() {
        return key;
    }

    /** Bytes held in memory, not yet uploaded. */
    long bufferedBytes() {
        byte[] b = buf;
        return b == null ? 0 : b.length;
    }

    /** Bytes written so far (uploaded and buffered). */
    long position() {
        return uploaded + count;
    }

    boolean partReady() {
        return count >= target.partSize();
    }

    /** Uploads the buffered bytes as the next part of a multipart upload (started on first use). */
    void uploadPart() {
        if (count == 0) {
            return;
        }
        if (uploadId == null) {
            CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(target.bucket()).key(key)
                    .contentType("application/vnd.apache.parquet").metadata(Map.of(WRITER_EPOCH, Long.toString(writerEpoch)));
            if (target.sse() != null) {
                create.serverSideEncryption(target.sse()).ssekmsKeyId(target.kmsKeyId());
            }
            uploadId = target.s3().createMultipartUpload(create.build()).uploadId();
        }
        int partNumber = parts.size() + 1;
        String etag = target.s3().uploadPart(UploadPartRequest.builder().bucket(target.bucket()).key(key).uploadId(uploadId)
                .partNumber(partNumber).contentLength((long) count).build(), body()).eTag();
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        uploaded += count;
        count = 0;
        if (buf.length > target.partSize() * 2) {
            buf = new byte[64 * 1024];
        }
    }

    /**
     * Makes the object visible with everything written; call after Parquet closed the stream. Idempotent.
     *
     * <p>With conditional writes, a task that lost its partition must not replace what the partition's new owner wrote
     * under the same name (objects are named by their first offset, so both write the same names). The object's writer
     * epoch is read first: a newer one means this task is a zombie ({@link SupersededException}, nothing written);
     * otherwise the write is conditional on what was read (If-None-Match: * when there was no object, If-Match: its ETag
     * when there was an older or our own), so a newer owner's write in between fails it (412) and the check runs again.
     */
    void complete() {
        if (completed) {
            return;
        }
        if (!sealed) {
            throw new IllegalStateException("s3://" + target.bucket() + "/" + key + " is still being written");
        }
        if (uploadId != null) {
            uploadPart();
        }
        for (int round = 1; ; round++) {
            String ifMatch = null;
            if (target.conditionalWrites()) {
                ifMatch = currentEtagIfOlder();
            }
            try {
                write(ifMatch);
                break;
            } catch (S3Exception e) {
                // 412: another writer got in between the check and the write; 409: a concurrent conditional write
                if (!target.conditionalWrites() || e.statusCode() != 412 && e.statusCode() != 409 || round == MAX_PRECONDITION_ROUNDS) {
                    throw e;
                }
            }
        }
        completed = true;
        buf = null;
        count = 0;
    }

    /** The current object's ETag, or "" when there is none; throws if a newer owner wrote it. */
    private String currentEtagIfOlder() {
        HeadObjectResponse head;
        try {
            head = target.s3().headObject(HeadObjectRequest.builder().bucket(target.bucket()).key(key).build());
        } catch (NoSuchKeyException none) {
            return "";
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return "";
            }
            throw e;
        }
        String epoch = head.metadata().get(WRITER_EPOCH);
        long theirs = epoch == null ? Long.MIN_VALUE : parseEpoch(epoch);
        if (theirs > writerEpoch) {
            throw new SupersededException("S3ParquetSinkConnector: s3://" + target.bucket() + "/" + key + " was written by a newer "
                    + "owner of its partition (writer epoch " + theirs + " > " + writerEpoch + "); this task lost the partition "
                    + "and does not replace it");
        }
        return head.eTag();
    }

    private static long parseEpoch(String epoch) {
        try {
            return Long.parseLong(epoch.trim());
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE; // written by something else: not an owner of this partition
        }
    }

    /** The single PUT or the multipart completion; {@code ifMatch}: null unconditional, "" only if absent, else that ETag. */
    private void write(String ifMatch) {
        String ifNoneMatch = "".equals(ifMatch) ? "*" : null;
        String match = ifMatch == null || ifMatch.isEmpty() ? null : ifMatch;
        if (uploadId == null) {
            PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(target.bucket()).key(key)
                    .contentType("application/vnd.apache.parquet").contentLength((long) count)
                    .metadata(Map.of(WRITER_EPOCH, Long.toString(writerEpoch))).ifNoneMatch(ifNoneMatch).ifMatch(match);
            if (target.sse() != null) {
                put.serverSideEncryption(target.sse()).ssekmsKeyId(target.kmsKeyId());
            }
            target.s3().putObject(put.build(), body());
        } else {
            target.s3().completeMultipartUpload(CompleteMultipartUploadRequest.builder().bucket(target.bucket()).key(key)
                    .uploadId(uploadId).multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())
                    .ifNoneMatch(ifNoneMatch).ifMatch(match).build());
        }
    }

    /** Discards an unfinished object: nothing becomes visible. Best effort (a bucket lifecycle rule cleans up the rest). */
    void abort() {
        if (uploadId != null && !completed) {
            try {
                target.s3().abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(target.bucket()).key(key)
                        .uploadId(uploadId).build());
            } catch (RuntimeException e) {
                // The upload stays invisible; AbortIncompleteMultipartUpload in the bucket lifecycle removes its parts.
            }
        }
        buf = null;
        count = 0;
    }

    private RequestBody body() {
        // No copy: the SDK marks and resets the stream when it retries.
        return RequestBody.fromInputStream(new ByteArrayInputStream(buf, 0, count), count);
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
        return new PositionOutputStream() {
            @Override
            public long getPos() {
                return position();
            }

            @Override
            public void write(int b) {
                ensure(1);
                buf[count++] = (byte) b;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                ensure(len);
                System.arraycopy(b, off, buf, count, len);
                count += len;
            }

            @Override
            public void close() {
                sealed = true;
            }
        };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return "s3://" + target.bucket() + "/" + key;
    }

    private void ensure(int more) {
        if (count + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(count + more, buf.length * 2));
        }
    }
}
