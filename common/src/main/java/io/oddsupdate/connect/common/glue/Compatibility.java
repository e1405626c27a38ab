package io.oddsupdate.connect.common.glue;

import java.util.List;
import java.util.Locale;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * Glue Schema Registry's compatibility modes, checked with Avro's {@link SchemaCompatibility}: the same rules the
 * registry applies when a new version is registered. Used by the repo's CI gate and before auto-registration.
 */
public final class Compatibility {

    private Compatibility() {
    }

    /**
     * Whether {@code candidate} may follow {@code existing} (oldest first, latest last) under {@code mode}
     * (NONE, DISABLED, BACKWARD, BACKWARD_ALL, FORWARD, FORWARD_ALL, FULL, FULL_ALL).
     *
     * @return null if compatible, else the reason
     */
    public static String check(String mode, Schema candidate, List<Schema> existing) {
        String m = mode.toUpperCase(Locale.ROOT);
        if (m.equals("NONE") || m.equals("DISABLED") || existing.isEmpty()) {
            return null;
        }
        List<Schema> against = m.endsWith("_ALL") ? existing : List.of(existing.get(existing.size() - 1));
        boolean backward = m.startsWith("BACKWARD") || m.startsWith("FULL");
        boolean forward = m.startsWith("FORWARD") || m.startsWith("FULL");
        if (!backward && !forward) {
            throw new IllegalArgumentException("unknown compatibility mode " + mode);
        }
        for (Schema old : against) {
            // BACKWARD: consumers on the new schema read data written with the old one.
            if (backward) {
                String problem = problem(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old), "BACKWARD");
                if (problem != null) {
                    return problem;
                }
            }
            // FORWARD: consumers still on the old schema read data written with the new one.
            if (forward) {
                String problem = problem(SchemaCompatibility.checkReaderWriterCompatibility(old, candidate), "FORWARD");
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String problem(SchemaPairCompatibility pair, String direction) {
        if (pair.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return null;
        }
        StringBuilder sb = new StringBuilder(direction).append(" incompatible:");
        pair.getResult().getIncompatibilities().forEach(i ->
                sb.append(' ').append(i.getType()).append(" at ").append(i.getLocation()).append(" (").append(i.getMessage()).append(");"));
        return sb.toString();
    }
}
