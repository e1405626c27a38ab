package io.oddsupdate.connect.s3;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
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

    /** How to reach and encrypt objects; shared by every upload of a task. */
    record Target(S3Client s3, String bucket, long partSize, ServerSideEncryption sse, String kmsKeyId) {
    }

    private final Target target;
    private final String key;
    private final List<CompletedPart> parts = new ArrayList<>();
    private byte[] buf = new byte[64 * 1024];
    private int count;
    private long uploaded;
    private String uploadId;
    private boolean sealed;
    private boolean completed;

    S3ObjectUpload(Target target, String key) {
        this.target = target;
        this.key = key;
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
                    .contentType("application/vnd.apache.parquet");
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

    /** Makes the object visible with everything written; call after Parquet closed the stream. Idempotent. */
    void complete() {
        if (completed) {
            return;
        }
        if (!sealed) {
            throw new IllegalStateException("s3://" + target.bucket() + "/" + key + " is still being written");
        }
        if (uploadId == null) {
            PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(target.bucket()).key(key)
                    .contentType("application/vnd.apache.parquet").contentLength((long) count);
            if (target.sse() != null) {
                put.serverSideEncryption(target.sse()).ssekmsKeyId(target.kmsKeyId());
            }
            target.s3().putObject(put.build(), body());
        } else {
            uploadPart();
            target.s3().completeMultipartUpload(CompleteMultipartUploadRequest.builder().bucket(target.bucket()).key(key)
                    .uploadId(uploadId).multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()).build());
        }
        completed = true;
        buf = null;
        count = 0;
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
