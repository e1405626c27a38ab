package io.oddsupdate.connect.odds;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;

import io.oddsupdate.connect.odds.ReferenceData.Game;
import io.oddsupdate.connect.odds.ReferenceData.League;
import io.oddsupdate.connect.odds.ReferenceData.Player;
import io.oddsupdate.connect.odds.ReferenceData.Team;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Prices events and writes them to Redis, each in one atomic script call ({@code odds_step.lua}): dedupe by event id
 * and by vendor seq, game state update, XADD of every output to the league's stream, and the Kafka offset of the
 * event's topic-partition. A batch costs two round trips: one pipelined read of the games' states, one pipelined
 * batch of script calls. Replaying a batch is harmless: every event already applied comes back DUPLICATE or STALE.
 */
final class OddsWriter implements AutoCloseable {

    static final String SCRIPT = resource("odds_step.lua");
    private static final String STORE_OFFSET = "local s = redis.call('HGET', KEYS[1], ARGV[1]) "
            + "if not s or tonumber(s) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end";
    private static final int MAX_CONFLICT_ROUNDS = 5;

    /** One event to apply, with the reference data it was resolved against. */
    record Step(String topic, int partition, long offset, VendorEvent event, League league, Game game, Team home, Team away) {
        TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }

        /**
         * The event resolved against {@code ref}; a {@link DataException} says why it cannot be priced (unknown game, a
         * league that does not match the game's, incomplete reference data).
         */
        static Step resolve(ReferenceData ref, VendorEvent e, String topic, int partition, long offset) {
            Game game = ref.games().get(e.gameId());
            if (game == null) {
                throw new Unresolved(UNKNOWN_GAME, "unknown game '" + e.gameId() + "' (not in odds_game)");
            }
            if (!game.league().equals(e.league())) {
                throw new Unresolved(LEAGUE_MISMATCH, "league '" + e.league() + "' does not match game '" + game.id() + "' of league '" + game.league() + "'");
            }
            League league = ref.leagues().get(game.league());
            Team home = ref.teams().get(game.homeTeam());
            Team away = ref.teams().get(game.awayTeam());
            if (league == null || home == null || away == null) {
                throw new Unresolved(INCOMPLETE_REFERENCE, "incomplete reference data for game '" + game.id() + "'");
            }
            return new Step(topic, partition, offset, e, league, game, home, away);
        }

        /** The stream entries (odds updates) of this step, priced from the game's state after the event. */
        List<Map<String, String>> entries(ReferenceData ref, GameState after, long ingestTs) {
            List<Quote> quotes = price(ref, this, after);
            List<Map<String, String>> out = new ArrayList<>(quotes.size());
            for (Quote q : quotes) {
                out.add(OddsUpdates.entry(q, event, topic, partition, offset, ingestTs));
            }
            return out;
        }
    }

    enum Outcome { APPLIED, DUPLICATE, STALE, CONFLICT }

    // why an event cannot be priced against the reference data (the dead-letter reasons of the sink's signals)
    static final String UNKNOWN_GAME = "unknown-game";
    static final String LEAGUE_MISMATCH = "league-mismatch";
    static final String INCOMPLETE_REFERENCE = "incomplete-reference";

    /** An event the reference data cannot price, with a reason fit for a metric tag. */
    static final class Unresolved extends DataException {
        final String reason;

        Unresolved(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    private final JedisPool pool;
    private final String prefix;
    private final String connector;
    private final int ttlSeconds;
    private final int minReplicas;
    private final long replicaTimeoutMs;
    private String sha;

    OddsWriter(JedisPool pool, String prefix, String connector, int ttlSeconds, int minReplicas, long replicaTimeoutMs) {
        this.pool = pool;
        this.prefix = prefix;
        this.connector = connector;
        this.ttlSeconds = ttlSeconds;
        this.minReplicas = minReplicas;
        this.replicaTimeoutMs = replicaTimeoutMs;
    }

    /**
     * Redis replicates asynchronously: unless {@code minReplicas} replicas confirm a batch (WAIT), a failover could lose
     * writes whose Kafka offsets the consumer then commits. A shortfall is retriable; replaying the batch is harmless.
     */
    private void awaitReplicas(Jedis j) {
        if (minReplicas > 0) {
            long acked = j.waitReplicas(minReplicas, replicaTimeoutMs);
            if (acked < minReplicas) {
                throw new RetriableException("OddsSinkConnector: only " + acked + " of " + minReplicas
                        + " Redis replicas confirmed the batch within " + replicaTimeoutMs + " ms");
            }
        }
    }

    /** The stored offset of every topic-partition this connector has processed. */
    Map<TopicPartition, Long> storedOffsets() {
        Map<TopicPartition, Long> out = new HashMap<>();
        try (Jedis j = pool.getResource()) {
            j.hgetAll(RedisSettings.offsetsKey(prefix, connector)).forEach((field, value) -> {
                int slash = field.lastIndexOf('/');
                out.put(new TopicPartition(field.substring(0, slash), Integer.parseInt(field.substring(slash + 1))), Long.parseLong(value));
            });
        } catch (JedisException e) {
            throw new RetriableException("OddsSinkConnector: cannot read stored offsets from Redis: " + e.getMessage(), e);
        }
        return out;
    }

    /** Stores offsets of events handled outside the script (dead-lettered), never moving a stored offset back. */
    void storeOffsets(Map<TopicPartition, Long> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try (Jedis j = pool.getResource()) {
            Pipeline p = j.pipelined();
            offsets.forEach((tp, offset) -> p.eval(STORE_OFFSET, List.of(RedisSettings.offsetsKey(prefix, connector)),
                    List.of(tp.topic() + "/" + tp.partition(), Long.toString(offset))));
            p.sync();
            awaitReplicas(j);
        } catch (JedisException e) {
            throw new RetriableException("OddsSinkConnector: cannot store offsets in Redis: " + e.getMessage(), e);
        }
    }

    /** Applies the steps in order; returns the outcome of each. Redis trouble → {@link RetriableException}. */
    List<Outcome> apply(List<Step> steps, ReferenceData ref, long ingestTs) {
        Outcome[] outcomes = new Outcome[steps.size()];
        List<Integer> todo = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            todo.add(i);
        }
        try (Jedis j = pool.getResource()) {
            if (sha == null) {
                sha = j.scriptLoad(SCRIPT);
            }
            for (int round = 0; !todo.isEmpty(); round++) {
                if (round == MAX_CONFLICT_ROUNDS) {
                    throw new RetriableException("OddsSinkConnector: game state kept changing under this task (another task "
                            + "writing the same games?); retrying the batch");
                }
                todo = applyOnce(j, steps, todo, outcomes, ref, ingestTs);
            }
            awaitReplicas(j);
        } catch (JedisException e) {
            throw new RetriableException("OddsSinkConnector: Redis unavailable: " + e.getMessage(), e);
        }
        return List.of(outcomes);
    }

    /** One read + write round; returns the step indexes to redo (CONFLICT, or NOSCRIPT after a Redis restart). */
    private List<Integer> applyOnce(Jedis j, List<Step> steps, List<Integer> todo, Outcome[] outcomes, ReferenceData ref, long ingestTs) {
        Set<String> gameKeys = new LinkedHashSet<>();
        for (int i : todo) {
            Step s = steps.get(i);
            gameKeys.add(RedisSettings.gameKey(prefix, s.league().id(), s.game().id()));
        }
        Map<String, GameState> states = new HashMap<>();
        Pipeline read = j.pipelined();
        Map<String, Response<Map<String, String>>> reads = new LinkedHashMap<>();
        for (String key : gameKeys) {
            reads.put(key, read.hgetAll(key));
        }
        read.sync();
        reads.forEach((k, r) -> states.put(k, GameState.fromHash(r.get())));

        Pipeline write = j.pipelined();
        List<Response<Object>> responses = new ArrayList<>(todo.size());
        for (int i : todo) {
            Step s = steps.get(i);
            String gameKey = RedisSettings.gameKey(prefix, s.league().id(), s.game().id());
            GameState before = states.get(gameKey);
            List<String> args = new ArrayList<>();
            VendorEvent e = s.event();
            args.add(e.eventId());
            args.add(Long.toString(e.seq()));
            args.add(before.seq() == GameState.NO_SEQ ? "" : Long.toString(before.seq()));
            args.add(s.topic() + "/" + s.partition());
            args.add(Long.toString(s.offset()));
            args.add(Integer.toString(ttlSeconds));
            if (e.seq() <= before.seq()) {
                args.add("0"); // stale: the script records the offset only
                args.add("0");
            } else {
                GameState after = before.apply(e);
                states.put(gameKey, after);
                Map<String, String> hash = after.toHash();
                args.add(Integer.toString(hash.size()));
                hash.forEach((k, v) -> {
                    args.add(k);
                    args.add(v);
                });
                List<Map<String, String>> entries = s.entries(ref, after, ingestTs);
                args.add(Integer.toString(entries.size()));
                for (Map<String, String> entry : entries) {
                    args.add(Integer.toString(entry.size()));
                    entry.forEach((k, v) -> {
                        args.add(k);
                        args.add(v);
                    });
                }
            }
            List<String> keys = List.of(gameKey, RedisSettings.eventsKey(prefix, s.league().id(), s.game().id()),
                    RedisSettings.streamKey(prefix, s.league().id()), RedisSettings.offsetsKey(prefix, connector));
            responses.add(write.evalsha(sha, keys, args));
        }
        write.sync();

        List<Integer> redo = new ArrayList<>();
        boolean reload = false;
        for (int n = 0; n < todo.size(); n++) {
            int i = todo.get(n);
            try {
                Outcome o = Outcome.valueOf(String.valueOf(responses.get(n).get()));
                if (o == Outcome.CONFLICT) {
                    redo.add(i);
                } else {
                    outcomes[i] = o;
                }
            } catch (JedisDataException noScript) {
                if (noScript.getMessage() == null || !noScript.getMessage().startsWith("NOSCRIPT")) {
                    throw noScript;
                }
                reload = true; // Redis restarted and lost its script cache: nothing of this call ran
                redo.add(i);
            }
        }
        if (reload) {
            sha = j.scriptLoad(SCRIPT);
        }
        return redo;
    }

    /** The quotes an event leads to, from the state after it. */
    static List<Quote> price(ReferenceData ref, Step s, GameState after) {
        VendorEvent e = s.event();
        if (e.type() == VendorEvent.Type.PLAYER_STAT) {
            Player p = e.payload().playerId() == null || e.payload().stat() == null ? null
                    : ref.player(e.payload().playerId(), e.payload().stat());
            return p == null ? List.of() : PricingModel.playerProp(ref, s.league(), s.game(), p, after);
        }
        if (e.type() == VendorEvent.Type.GAME_END) {
            return List.of();
        }
        return PricingModel.gameMarkets(ref, s.league(), s.game(), s.home(), s.away(), after);
    }

    private static String resource(String name) {
        try (InputStream in = OddsWriter.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
