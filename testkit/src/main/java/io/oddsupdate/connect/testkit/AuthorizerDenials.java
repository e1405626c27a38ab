package io.oddsupdate.connect.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.log4j.AppenderSkeleton;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.log4j.spi.LoggingEvent;

/**
 * Every operation an authorizer of a broker in this JVM (e.g. a {@link SecureKafka}) refused, as the broker logs it:
 * {@code kafka.authorizer.logger} at INFO, {@code "Principal = User:odds-sink is Denied Operation = Write from host =
 * 127.0.0.1 on resource = Topic:LITERAL:raw.events.nba for request = Produce ..."}. Kafka logs a denial only where a
 * client was refused something it asked for by name, not when it filters what a principal may see (listing topics), so
 * an empty list means no client was refused anything.
 */
public final class AuthorizerDenials extends AppenderSkeleton implements AutoCloseable {

    static final String LOGGER = "kafka.authorizer.logger";
    private static final Pattern DENIAL = Pattern.compile(
            "Principal = (\\S+) is Denied Operation = (\\S+) from host = \\S+ on resource = (\\S+)(?: for request = (\\S+))?.*", Pattern.DOTALL);

    /** One refused operation: who, what, on which resource ({@code Topic:LITERAL:raw.events.nba}), in which request. */
    public record Denial(String principal, String operation, String resource, String request) {
        @Override
        public String toString() {
            return principal + " denied " + operation + " on " + resource + " (" + request + ")";
        }
    }

    private final List<Denial> denials = new ArrayList<>();
    private final Level previous;

    private AuthorizerDenials() {
        Logger logger = Logger.getLogger(LOGGER);
        previous = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.addAppender(this);
    }

    /** Starts recording; {@link #close} stops. */
    public static AuthorizerDenials record() {
        return new AuthorizerDenials();
    }

    /** Parses a line of the authorizer's log; null if it is not a denial. */
    static Denial parse(String message) {
        Matcher m = DENIAL.matcher(message);
        return m.matches() ? new Denial(m.group(1), m.group(2), m.group(3), m.group(4)) : null;
    }

    @Override
    protected void append(LoggingEvent event) {
        Denial d = parse(String.valueOf(event.getMessage()));
        if (d != null) {
            synchronized (denials) {
                denials.add(d);
            }
        }
    }

    /** The denials so far, in order. */
    public List<Denial> denials() {
        synchronized (denials) {
            return List.copyOf(denials);
        }
    }

    /** The denials so far, each distinct one once, in the order first seen (a client retries a refused request). */
    public List<Denial> distinct() {
        return denials().stream().distinct().toList();
    }

    /** The denials of one principal ({@code User:odds-sink}) so far. */
    public List<Denial> of(String principal) {
        return denials().stream().filter(d -> d.principal().equals(principal)).toList();
    }

    @Override
    public void close() {
        Logger logger = Logger.getLogger(LOGGER);
        logger.removeAppender(this);
        logger.setLevel(previous);
    }

    @Override
    public boolean requiresLayout() {
        return false;
    }
}
