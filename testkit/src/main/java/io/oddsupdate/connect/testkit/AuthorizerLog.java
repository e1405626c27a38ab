package io.oddsupdate.connect.testkit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.utils.SecurityUtils;
import org.apache.log4j.AppenderSkeleton;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.log4j.spi.LoggingEvent;

/**
 * What the authorizers of the brokers in this JVM (e.g. {@link SecureKafka}s) decided, as they log it on
 * {@code kafka.authorizer.logger}: {@code "Principal = User:odds-sink is Denied Operation = Write from host = 127.0.0.1
 * on resource = Topic:LITERAL:raw.events.nba for request = Produce ..."} (INFO), and the same with {@code Allowed}
 * (DEBUG). Kafka logs a decision only where a client asked for a resource by name, not when it filters what a principal
 * may see (listing topics), so no denial means no client was refused anything. While recording, that logger's lines go
 * here only (the allowed ones are many).
 */
public final class AuthorizerLog extends AppenderSkeleton implements AutoCloseable {

    static final String LOGGER = "kafka.authorizer.logger";
    private static final Pattern DECISION = Pattern.compile(
            "Principal = (\\S+) is (Denied|Allowed) Operation = (\\S+) from host = \\S+ on resource = (\\S+)(?: for request = (\\S+))?.*", Pattern.DOTALL);

    /**
     * One decision: who, what, on which resource ({@code Topic:LITERAL:raw.events.nba}), in which request.
     */
    public record Decision(String principal, boolean allowed, String operation, String resource, String request) {
        @Override
        public String toString() {
            return principal + (allowed ? " allowed " : " denied ") + operation + " on " + resource + " (" + request + ")";
        }

        /** True if {@code binding} is an ACL of this principal for this operation on a pattern that matches this resource. */
        public boolean usesAcl(AclBinding binding) {
            String[] r = resource.split(":", 3);
            if (r.length < 3 || !binding.entry().principal().equals(principal)
                    || !SecurityUtils.operationName(binding.entry().operation()).equals(operation)
                    || !SecurityUtils.resourceTypeName(binding.pattern().resourceType()).equals(r[0])) {
                return false;
            }
            String name = binding.pattern().name();
            return binding.pattern().patternType() == PatternType.PREFIXED ? r[2].startsWith(name) : r[2].equals(name);
        }
    }

    private final List<Decision> denials = new ArrayList<>();
    private final Set<Decision> allowed = new LinkedHashSet<>();
    private final Level previousLevel;
    private final boolean previousAdditivity;

    private AuthorizerLog() {
        Logger logger = Logger.getLogger(LOGGER);
        previousLevel = logger.getLevel();
        previousAdditivity = logger.getAdditivity();
        logger.setLevel(Level.DEBUG);
        logger.setAdditivity(false);
        logger.addAppender(this);
    }

    /** Starts recording; {@link #close} stops. */
    public static AuthorizerLog record() {
        return new AuthorizerLog();
    }

    /** Parses a line of the authorizer's log; null if it is no decision. */
    public static Decision parse(String message) {
        Matcher m = DECISION.matcher(message);
        return m.matches() ? new Decision(m.group(1), m.group(2).equals("Allowed"), m.group(3), m.group(4), m.group(5)) : null;
    }

    @Override
    protected void append(LoggingEvent event) {
        Decision d = parse(String.valueOf(event.getMessage()));
        if (d == null) {
            return;
        }
        synchronized (this) {
            if (d.allowed()) {
                allowed.add(d);
            } else {
                denials.add(d);
            }
        }
    }

    /** The denials so far, in order. */
    public synchronized List<Decision> denials() {
        return List.copyOf(denials);
    }

    /** The denials so far, each distinct one once, in the order first seen (a client retries a refused request). */
    public List<Decision> distinctDenials() {
        return denials().stream().distinct().toList();
    }

    /** The denials of one principal ({@code User:odds-sink}) so far. */
    public List<Decision> denialsOf(String principal) {
        return denials().stream().filter(d -> d.principal().equals(principal)).toList();
    }

    /** Each distinct operation allowed so far. */
    public synchronized List<Decision> allowed() {
        return List.copyOf(allowed);
    }

    /** Of {@code bindings}, those no allowed operation so far asked for (by principal, operation and resource). */
    public List<AclBinding> unused(List<AclBinding> bindings) {
        List<Decision> all = allowed();
        return bindings.stream().filter(b -> all.stream().noneMatch(d -> d.usesAcl(b))).toList();
    }

    @Override
    public void close() {
        Logger logger = Logger.getLogger(LOGGER);
        logger.removeAppender(this);
        logger.setLevel(previousLevel);
        logger.setAdditivity(previousAdditivity);
    }

    @Override
    public boolean requiresLayout() {
        return false;
    }
}
