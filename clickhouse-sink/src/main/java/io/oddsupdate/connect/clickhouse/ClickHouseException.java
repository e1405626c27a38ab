package io.oddsupdate.connect.clickhouse;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request ClickHouse refused or that did not reach it, classified by what the sink does about it: retry it, isolate
 * and dead-letter the rows the server rejects, or stop the task.
 */
final class ClickHouseException extends RuntimeException {

    enum Kind {
        /** Unreachable, overloaded, timed out, or a transient server error: try again later with the same rows. */
        RETRIABLE,
        /** The server rejected the data (cannot parse a value, out of range): some row does not fit the table. */
        DATA,
        /** Authentication, permissions, a missing table or column, a syntax error: retrying cannot help. */
        FATAL
    }

    /** ClickHouse error codes (src/Common/ErrorCodes.cpp) that a later attempt may not meet. */
    private static final Set<Integer> RETRIABLE_CODES = Set.of(
            3,    // UNEXPECTED_END_OF_FILE
            32,   // ATTEMPT_TO_READ_AFTER_EOF (request body cut off)
            159,  // TIMEOUT_EXCEEDED
            202,  // TOO_MANY_SIMULTANEOUS_QUERIES
            203,  // NO_FREE_CONNECTION
            209,  // SOCKET_TIMEOUT
            210,  // NETWORK_ERROR
            236,  // ABORTED
            241,  // MEMORY_LIMIT_EXCEEDED
            242,  // TABLE_IS_READ_ONLY (replica lost its Keeper session)
            252,  // TOO_MANY_PARTS
            285,  // TOO_FEW_LIVE_REPLICAS
            319,  // UNKNOWN_STATUS_OF_INSERT
            394,  // QUERY_WAS_CANCELLED
            425,  // SYSTEM_ERROR
            999,  // KEEPER_EXCEPTION
            1000  // POCO_EXCEPTION
    );

    /** Error codes that mean a row of the INSERT does not fit its column. */
    private static final Set<Integer> DATA_CODES = Set.of(
            6,    // CANNOT_PARSE_TEXT
            26,   // CANNOT_PARSE_QUOTED_STRING
            27,   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
            38,   // CANNOT_PARSE_DATE
            41,   // CANNOT_PARSE_DATETIME
            53,   // TYPE_MISMATCH
            69,   // ARGUMENT_OUT_OF_BOUND
            70,   // CANNOT_CONVERT_TYPE
            72,   // CANNOT_PARSE_NUMBER
            117,  // INCORRECT_DATA
            131,  // TOO_LARGE_STRING_SIZE
            321,  // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
            349,  // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
            691   // UNKNOWN_ELEMENT_OF_ENUM
    );

    private static final Pattern CODE = Pattern.compile("^Code: (\\d+)");

    final Kind kind;
    /** ClickHouse's error code, or -1 when the failure has none (connection error, a proxy's status). */
    final int code;

    ClickHouseException(Kind kind, int code, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.code = code;
    }

    /** Classifies a non-200 answer: ClickHouse's code (header, else the body's "Code: N"), else the HTTP status. */
    static ClickHouseException of(int status, String codeHeader, String body, String what) {
        int code = -1;
        if (codeHeader != null && codeHeader.strip().matches("\\d+")) {
            code = Integer.parseInt(codeHeader.strip());
        } else {
            Matcher m = CODE.matcher(body.strip());
            if (m.find()) {
                code = Integer.parseInt(m.group(1));
            }
        }
        Kind kind;
        if (code >= 0) {
            kind = RETRIABLE_CODES.contains(code) ? Kind.RETRIABLE : DATA_CODES.contains(code) ? Kind.DATA : Kind.FATAL;
        } else {
            kind = status == 408 || status == 429 || status >= 500 ? Kind.RETRIABLE : Kind.FATAL;
        }
        String text = body.strip();
        if (text.length() > 1000) {
            text = text.substring(0, 1000) + "...";
        }
        return new ClickHouseException(kind, code, what + ": HTTP " + status + ": " + text, null);
    }
}
