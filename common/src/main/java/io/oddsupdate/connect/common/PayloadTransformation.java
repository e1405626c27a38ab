package io.oddsupdate.connect.common;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Base of the bundle's transforms: records another transform of this worker dead-lettered pass through untouched, and so
 * do tombstones (null values) unless the transform says otherwise ({@link #tombstone}); a bytes value over {@code max.value.bytes} and any failure go to the {@link DeadLetterRoute}
 * (dead-letter topic, or a DataException). A {@link RetriableException} (e.g. an unreachable schema registry) is not bad
 * input: it propagates, and Connect retries the batch.
 * A subclass sets {@link #deadLetters} in {@code configure} and implements {@link #transform}.
 */
public abstract class PayloadTransformation<R extends ConnectRecord<R>> implements Transformation<R> {

    protected DeadLetterRoute deadLetters;

    @Override
    public final R apply(R record) {
        if (DeadLetterRoute.isDeadLettered(record)) {
            return record;
        }
        if (record.value() == null) {
            return tombstone(record);
        }
        PayloadException oversized = deadLetters.oversized(record.value());
        if (oversized != null) {
            return deadLetters.fail(record, oversized);
        }
        try {
            return transform(record, Payload.of(record));
        } catch (RetriableException e) {
            throw e;
        } catch (RuntimeException e) {
            // bad input (or a bug it triggers) must neither kill the task nor vanish
            return deadLetters.fail(record, e);
        }
    }

    /** What becomes of a tombstone (a null value): passed untouched unless a transform overrides this. */
    protected R tombstone(R record) {
        return record;
    }

    /** Transforms a record with a non-null value; throws (preferably a {@link PayloadException}) on bad input. */
    protected abstract R transform(R record, Payload payload);

    @Override
    public void close() {
    }
}
