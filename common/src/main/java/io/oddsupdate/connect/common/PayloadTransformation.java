package io.oddsupdate.connect.common;

import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.util.SimpleConfig;

import io.oddsupdate.connect.common.glue.GlueAvro;
import io.oddsupdate.connect.common.glue.GlueSettings;

/**
 * Base of the bundle's transforms. Each instance owns its {@link PayloadCodec} (its JSON mapper, and a Glue-Avro codec
 * from its own {@code glue.*} settings) and its {@link DeadLetterRoute}; nothing is shared with other instances.
 * Records another transform of this plugin dead-lettered pass through untouched, and so do tombstones (null values)
 * unless {@code tombstones=dead.letter}; a bytes value over {@code max.value.bytes} and any failure go to the
 * {@link DeadLetterRoute} (dead-letter topic, or a DataException). A {@link RetriableException} (e.g. an unreachable
 * schema registry) is not bad input: it propagates, and Connect retries the batch.
 */
public abstract class PayloadTransformation<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String TOMBSTONES_CONFIG = "tombstones";
    public static final String TOMBSTONES_PASS = "pass";
    public static final String TOMBSTONES_DEAD_LETTER = "dead.letter";
    /** The JMX type and log name of the transforms' signals. */
    public static final String SIGNALS = "smt";
    // dead-letter reasons (the signals' reason tag)
    static final String TOMBSTONE = "tombstone";
    static final String OVERSIZED = "oversized";
    static final String INVALID = "invalid";

    private DeadLetterRoute deadLetters;
    private PayloadCodec payloads;
    private boolean deadLetterTombstones;
    private Signals signals;
    private Signals.Counters deadLettered;
    private Signals.Latency latency;

    /** Adds what every transform of the bundle has: {@code glue.*} and the dead-letter route's settings. */
    protected static ConfigDef define(ConfigDef def) {
        return Signals.define(DeadLetterRoute.define(GlueSettings.addTo(def)));
    }

    /** Adds {@code tombstones}, for a transform whose output readers expect every value to be a record. */
    protected static ConfigDef defineTombstones(ConfigDef def) {
        return def.define(TOMBSTONES_CONFIG, ConfigDef.Type.STRING, TOMBSTONES_PASS,
                ConfigDef.ValidString.in(TOMBSTONES_PASS, TOMBSTONES_DEAD_LETTER), ConfigDef.Importance.MEDIUM,
                "What becomes of a record with a null value. 'pass': it passes untouched (a delete marker of a compacted"
                        + " topic carries no field, so nothing leaks). 'dead.letter': dead-lettered (dlq.topic) or a"
                        + " failure, with the reason 'tombstone: ...', for a topic whose readers expect every value to be"
                        + " a record of the schema (a null has no meaning there, and partners' deserializers do not allow it).");
    }

    @Override
    public final void configure(Map<String, ?> props) {
        SimpleConfig config = new SimpleConfig(config(), props);
        deadLetters = DeadLetterRoute.from(config, getClass());
        payloads = new PayloadCodec(new GlueAvro(new GlueSettings(config)));
        deadLetterTombstones = config().configKeys().containsKey(TOMBSTONES_CONFIG)
                && TOMBSTONES_DEAD_LETTER.equals(config.getString(TOMBSTONES_CONFIG));
        // Connect configures a task's transforms on the task's thread, inside its log context: Signals reads the
        // connector and task from it. The alias tells two transforms of one task apart.
        signals = Signals.forTask(SIGNALS, props, Map.of("transform", deadLetters.name()), config.getLong(Signals.LOG_INTERVAL_CONFIG));
        deadLettered = signals.counters(Signals.DEAD_LETTERS, Signals.REASON_TAG,
                "Records this transform sent to its dead-letter topic (dlq.topic), by reason");
        latency = signals.latency(Signals.LATENCY_MS, "Milliseconds from a record's timestamp to this transform passing it on");
        configure(config);
    }

    /** Reads this transform's own settings (the parsed config holds every key of {@link #config()}). */
    protected abstract void configure(AbstractConfig config);

    @Override
    public final R apply(R record) {
        if (DeadLetterRoute.isDeadLettered(record)) {
            return record;
        }
        if (record.value() == null) {
            return deadLetterTombstones ? deadLetter(record, new PayloadException(null,
                    "tombstone: a null value is not a record (" + TOMBSTONES_CONFIG + "=" + TOMBSTONES_DEAD_LETTER + ")"), TOMBSTONE) : record;
        }
        PayloadException oversized = deadLetters.oversized(record.value());
        if (oversized != null) {
            return deadLetter(record, oversized, OVERSIZED);
        }
        R out;
        try {
            out = transform(record, payloads.read(record.valueSchema(), record.value()));
        } catch (RetriableException e) {
            throw e;
        } catch (RuntimeException e) {
            // bad input (or a bug it triggers) must neither kill the task nor vanish
            return deadLetter(record, e, INVALID);
        }
        if (record.timestamp() != null) {
            latency.record(Math.max(0, System.currentTimeMillis() - record.timestamp()));
        }
        return out;
    }

    /** The record routed to the dead-letter topic, counted; without one, the route's DataException (not counted). */
    private R deadLetter(R record, RuntimeException error, String reason) {
        R routed = deadLetters.fail(record, error);
        deadLettered.get(reason).increment();
        return routed;
    }

    /** Transforms a record with a non-null value; throws (preferably a {@link PayloadException}) on bad input. */
    protected abstract R transform(R record, Payload payload);

    /** How this transform writes the headers it adds. */
    protected HeaderFormat headerFormat() {
        return deadLetters.headerFormat();
    }

    /** This instance's codec (e.g. to encode with its Glue-Avro codec). */
    protected PayloadCodec payloads() {
        return payloads;
    }

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public void close() {
        if (payloads != null) {
            payloads.close();
        }
        if (signals != null) {
            signals.close();
            signals = null;
        }
    }
}
