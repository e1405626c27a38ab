package io.oddsupdate.connect.common;

import org.apache.kafka.connect.errors.DataException;

/**
 * A record value the payload layer cannot read or that breaks a rule (malformed bytes, a wrong type, a missing
 * required field). Carries the record path it is about, if any; the transform adds its own name and the record's
 * topic/partition/offset (see {@link DeadLetterRoute}).
 */
public class PayloadException extends DataException {

    private final String path;

    public PayloadException(String path, String message) {
        super(message);
        this.path = path;
    }

    public PayloadException(String path, String message, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    /** The dotted record path the failure is about, or null when it concerns the whole value. */
    public String path() {
        return path;
    }
}
