package io.oddsupdate.connect.odds;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.errors.DataException;

import io.oddsupdate.connect.common.PayloadCodec;
import io.oddsupdate.connect.odds.OddsWriter.Step;

/**
 * Replays a vendor feed through the odds model offline: what {@link OddsSinkConnector} must publish for each event, from
 * the same reference data, game-state rules and pricing model, without Redis, Kafka or Connect. Events must come in each
 * game's order (as the sink sees them). A replayed or stale event (its id already applied, or a {@code seq} not above
 * the game's) yields nothing, as in the sink.
 *
 * <p>For re-pricing a recorded feed and as the end-to-end tests' oracle of every odds update the pipeline must carry.
 * One instance per feed; not thread-safe.
 */
public final class OddsReplay implements AutoCloseable {

    private final ReferenceDataCache reference;
    private final Map<String, GameState> games = new HashMap<>();
    private final Set<String> applied = new HashSet<>();
    private final PayloadCodec json = new PayloadCodec(null);

    /** Reads the reference data from the odds sink's PostgreSQL database (nothing is written there). */
    public OddsReplay(String postgresUrl, String user, String password) {
        this.reference = new ReferenceDataCache(postgresUrl, user, password, null, ReferenceDataCache.Migrations.NONE,
                Long.MAX_VALUE, 0, Time.SYSTEM);
    }

    /**
     * Applies the next vendor event (JSON, as the vendor sends it) and returns the odds updates it must produce: each as
     * the internal odds update's fields (JSON values: strings, numbers, a map for {@code model_inputs}), without
     * {@code ingest_ts} and the {@code source_*} coordinates, which depend on when and where the sink read it. Empty when
     * the event prices nothing (game over, suspended markets, a duplicate or stale event).
     *
     * @throws IllegalArgumentException with the sink's reason, when the sink would dead-letter the event
     */
    public List<Map<String, Object>> apply(byte[] vendorEventJson) {
        Step step;
        ReferenceData ref;
        try {
            VendorEvent e = VendorEvent.from(vendorEventJson, json);
            ref = reference.get();
            if (!ref.games().containsKey(e.gameId())) {
                reference.newBatch(); // offline, an unknown game is always checked against PostgreSQL again
                ref = reference.reloadForMissing();
            }
            step = Step.resolve(ref, e, "", 0, 0);
        } catch (DataException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        VendorEvent e = step.event();
        String game = step.league().id() + "/" + step.game().id();
        GameState before = games.getOrDefault(game, GameState.NEW);
        if (!applied.add(e.eventId()) || e.seq() <= before.seq()) {
            return List.of();
        }
        GameState after = before.apply(e);
        games.put(game, after);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, String> entry : step.entries(ref, after, 0)) {
            Map<String, Object> fields = new HashMap<>(OddsUpdates.fields(entry));
            fields.remove("ingest_ts");
            fields.remove("source_topic");
            fields.remove("source_partition");
            fields.remove("source_offset");
            out.add(fields);
        }
        return out;
    }

    @Override
    public void close() {
        reference.close();
    }
}
