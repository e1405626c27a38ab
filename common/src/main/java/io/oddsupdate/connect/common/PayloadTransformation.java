package io.oddsupdate.connect.common;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Base of the bundle's transforms: tombstones (null values) and records another transform of this worker dead-lettered
 * pass through untouched; a bytes value over {@code max.value.bytes} and any failure go to the {@link DeadLetterRoute}
 * (dead-letter topic, or a DataException). A {@link RetriableException} (e.g. an unreachable schema registry) is not bad
 * input: it propagates, and Connect retries the batch.
 * A subclass sets {@link #deadLetters} in {@code configure} and implements {@link #transform}.
 */
public abstract class PayloadTransformation<R extends ConnectRecord<R>> implements Transformation<R> {

    protected DeadLetterRoute deadLetters;

    @Override
    public final R apply(R record) {
        if (record.value() == null || DeadLetterRoute.isDeadLettered(record)) {
            return record;
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

    /** Transforms a record with a non-null value; throws (preferably a {@link PayloadException}) on bad input. */
    protected abstract R transform(R record, Payload payload);

    @Override
    public void close() {
    }
}
