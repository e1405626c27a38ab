package io.oddsupdate.connect.common.glue;

import org.apache.kafka.connect.errors.DataException;

/** The registry refused a schema or a record does not fit its schema: a data problem, dead-lettered with this reason. */
public class SchemaRejectedException extends DataException {

    private static final long serialVersionUID = 1L;

    public SchemaRejectedException(String message) {
        super(message);
    }

    public SchemaRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
