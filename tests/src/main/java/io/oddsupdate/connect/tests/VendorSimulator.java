package io.oddsupdate.connect.tests;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The sports data vendor: plays the seed's games ({@link SeedData}) as JSON events ({@code schemas/raw-event/v1.avsc})
 * on {@code vendor.raw.events.{league}} of the vendor cluster, and now and then sends an event the pipeline must
 * dead-letter ({@link Kind}). Every event sent is remembered with the outcome it must have, so a {@link PipelineTally}
 * can reconcile it.
 *
 * <p>Each game's events go to one vendor partition (by game), in {@code seq} order, with a strictly increasing
 * {@code event_ts} (wall clock when sent, bumped by a millisecond on a tie): {@code event_ts} is unique per game, so an
 * odds update at the edge, which carries its input's {@code event_ts} and {@code game_id}, names the vendor event it came
 * from, and {@code now - event_ts} at the edge is the vendor→edge latency.
 */
final class VendorSimulator {

    static final String TOPIC_PREFIX = "vendor.raw.events.";
    static final int PARTITIONS = 3;

    /** What a vendor event is, and so where it must end up. */
    enum Kind {
        /** A valid event of a known game: odds at the edge (or none by design, once the game is final). */
        VALID(false),
        /** Truncated JSON: dead-lettered at the vendor hop. */
        BAD_JSON(true),
        /** No game id anywhere: dead-lettered at the vendor hop (no key can be set). */
        MISSING_GAME_ID(true),
        /** {@code seq} as a string: dead-lettered by the first stage that checks types. */
        WRONG_TYPE(true),
        /** A game the reference data does not know: dead-lettered by the odds sink. */
        UNKNOWN_GAME(true),
        /**
         * A known game under a league (sport) the reference data does not have for it: fits raw-event/v1, so it reaches
         * the odds sink, which cannot price it and dead-letters it.
         */
        UNKNOWN_LEAGUE(true),
        /**
         * 1.2 MB, above the core cluster's 1 MB record limit (the vendor's topic accepts it): dead-lettered unread at the
         * vendor hop (the transforms' max.value.bytes), before MirrorMaker's producer would fail on it.
         */
        OVERSIZED(true);

        /** Every malformed kind. */
        static List<Kind> handled() {
            return List.of(BAD_JSON, MISSING_GAME_ID, WRONG_TYPE, UNKNOWN_GAME, UNKNOWN_LEAGUE, OVERSIZED);
        }

        final boolean malformed;

        Kind(boolean malformed) {
            this.malformed = malformed;
        }
    }

    /**
     * One event as sent. {@code gameId} and {@code eventTs} are null/0 when the event has none; {@code value} is the JSON
     * sent for a {@link Kind#VALID} event (the odds oracle prices it), null for the others.
     */
    record Sent(long index, Kind kind, String eventId, String league, String gameId, String type, long eventTs, int valueHash,
                byte[] value) {
        @Override
        public String toString() {
            return "#" + index + " " + kind + " " + type + " " + eventId + " (" + league + " " + gameId + " event_ts " + eventTs + ")";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaProducer<byte[], byte[]> producer;
    private final List<GameSim> games = new ArrayList<>();
    private final Random random;
    private final double malformedRatio;
    private final AtomicLong sentCount = new AtomicLong();
    private final Map<String, Sent> byEventId = new ConcurrentHashMap<>();
    private final Map<Integer, Sent> byValueHash = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> perLeague = new ConcurrentHashMap<>();
    private final List<Sent> sent = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Kind> malformedKinds;
    private final int eventsPerGame;
    private int malformedTurn;
    private int next;

    /**
     * @param eventsPerGame roughly how many events a game lasts (game time advances so the game ends after about this many)
     * @param malformedRatio the share of events that are malformed (each of {@code malformedKinds} in turn)
     */
    VendorSimulator(KafkaProducer<byte[], byte[]> producer, SeedData seed, int eventsPerGame, double malformedRatio,
                    List<Kind> malformedKinds, long randomSeed) {
        this.producer = producer;
        this.malformedKinds = List.copyOf(malformedKinds);
        this.random = new Random(randomSeed);
        this.malformedRatio = malformedRatio;
        this.eventsPerGame = eventsPerGame;
        for (SeedData.Game g : seed.games()) {
            addGame(g);
        }
    }

    /** Starts playing one more game (e.g. one a test added to the reference data mid-run), from its GAME_START. */
    synchronized void addGame(SeedData.Game game) {
        games.add(new GameSim(game, games.size() % PARTITIONS, eventsPerGame, random));
    }

    /** Sends the next event (a game's next one, or a malformed one); returns false once every game is over. */
    synchronized boolean sendNext() {
        List<GameSim> live = games.stream().filter(g -> !g.over).toList();
        if (live.isEmpty()) {
            return false;
        }
        GameSim game = live.get(next++ % live.size());
        if (!malformedKinds.isEmpty() && random.nextDouble() < malformedRatio) {
            Kind kind = malformedKinds.get(malformedTurn++ % malformedKinds.size());
            sendMalformed(kind, game);
        } else {
            Map<String, Object> event = game.next(game.stamp());
            send(Kind.VALID, game, event, json(event));
        }
        return true;
    }

    /** Sends a malformed event of the given kind, as if from the first game's feed. */
    synchronized void sendMalformed(Kind kind) {
        sendMalformed(kind, games.get(0));
    }

    /** Sends a malformed event of the given kind, as if from {@code game}'s feed. */
    private void sendMalformed(Kind kind, GameSim game) {
        Map<String, Object> e = game.peek(game.stamp());
        switch (kind) {
            case BAD_JSON -> {
                byte[] whole = json(e);
                send(kind, game, e, java.util.Arrays.copyOf(whole, whole.length / 2));
            }
            case MISSING_GAME_ID -> {
                e.remove("game_id");
                send(kind, game, e, json(e));
            }
            case WRONG_TYPE -> {
                e.put("seq", "seq-" + e.get("seq"));
                send(kind, game, e, json(e));
            }
            case UNKNOWN_GAME -> {
                e.put("game_id", game.seed.league() + "-g-unknown-" + random.nextInt(1000));
                send(kind, game, e, json(e));
            }
            case UNKNOWN_LEAGUE -> {
                e.put("league", "curling");
                send(kind, game, e, json(e));
            }
            case OVERSIZED -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> payload = (Map<String, Object>) e.get("payload");
                payload.put("team_id", "x".repeat(1_200_000));
                send(kind, game, e, json(e));
            }
            default -> throw new IllegalArgumentException(kind.name());
        }
    }

    private void send(Kind kind, GameSim game, Map<String, Object> event, byte[] value) {
        Object ts = event.get("event_ts");
        Sent s = new Sent(sentCount.getAndIncrement(), kind, (String) event.get("event_id"), game.seed.league(),
                (String) event.get("game_id"), String.valueOf(event.get("type")), ts instanceof Long l ? l : 0L,
                java.util.Arrays.hashCode(value), kind == Kind.VALID ? value : null);
        sent.add(s);
        byEventId.put(s.eventId(), s);
        byValueHash.put(s.valueHash(), s);
        perLeague.computeIfAbsent(s.league(), l -> new AtomicLong()).incrementAndGet();
        producer.send(new ProducerRecord<>(TOPIC_PREFIX + game.seed.league(), game.partition, null, value));
    }

    void flush() {
        producer.flush();
    }

    /**
     * Plays every game to its end, an event every 2 ms, then one malformed event of each of {@code kinds} (so each kind
     * is seen whatever the random draw), and flushes.
     */
    void playAll(List<Kind> kinds) throws InterruptedException {
        while (sendNext()) {
            Thread.sleep(2);
        }
        kinds.forEach(this::sendMalformed);
        flush();
    }

    /** Sends the next event every {@code intervalMs} on a thread of its own until the feed is closed or the games end. */
    Feed feed(long intervalMs) {
        return new Feed(intervalMs);
    }

    /** A steady feed of events; closing it stops the feed and flushes what was sent. */
    final class Feed implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean feeding = new java.util.concurrent.atomic.AtomicBoolean(true);
        private final Thread thread;

        private Feed(long intervalMs) {
            thread = new Thread(() -> {
                while (feeding.get() && sendNext()) {
                    try {
                        Thread.sleep(intervalMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "vendor-feed");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            feeding.set(false);
            thread.join(10_000);
            thread.interrupt();
            flush();
        }
    }

    long sentCount() {
        return sentCount.get();
    }

    Map<String, AtomicLong> sentPerLeague() {
        return perLeague;
    }

    Collection<Sent> sent() {
        synchronized (sent) {
            return new ArrayList<>(sent);
        }
    }

    /** The event a dead letter holds: by the {@code event_id} it carries, else by its exact value. */
    Sent identify(String eventId, byte[] value) {
        Sent s = eventId == null ? null : byEventId.get(eventId);
        return s != null ? s : value == null ? null : byValueHash.get(java.util.Arrays.hashCode(value));
    }

    static byte[] json(Object value) {
        try {
            return JSON.writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One game's feed: state advances with every valid event, so scores, clock and player totals stay consistent. */
    private static final class GameSim {
        final SeedData.Game seed;
        final int partition;
        final Random random;
        final boolean baseball;
        final int periods;
        final int periodLength;
        final double clockStep;
        final double outChance;
        final double scoreChance;
        final double statChance = 0.2;
        final int eventsPerGame;
        final Map<String, Double> stats = new HashMap<>();
        long seq;
        int period;
        int clock;
        int outs;
        boolean top = true;
        int home;
        int away;
        boolean started;
        boolean over;
        long lastTs;
        double clockExact;

        /** A strictly increasing wall-clock millisecond: unique per event of this game (up to 1,000 events/s a game). */
        long stamp() {
            lastTs = Math.max(System.currentTimeMillis(), lastTs + 1);
            return lastTs;
        }

        GameSim(SeedData.Game seed, int partition, int eventsPerGame, Random random) {
            this.seed = seed;
            this.partition = partition;
            this.random = random;
            this.baseball = "mlb".equals(seed.league());
            this.periods = baseball ? 9 : 4;
            this.periodLength = "nfl".equals(seed.league()) ? 900 : 720;
            this.eventsPerGame = Math.max(8, eventsPerGame);
            // game time and scoring advance so a game lasts about eventsPerGame events with realistic totals
            // (nba ~225 points in ~100 scores, nfl ~45 in ~8, mlb ~9 runs over 54 outs)
            this.clockStep = 1.0 / (1 - statChance) * periods * periodLength / this.eventsPerGame;
            this.outChance = Math.min(0.9, 54.0 / ((1 - statChance) * this.eventsPerGame));
            double scores = switch (seed.league()) {
                case "nba" -> 100;
                case "nfl" -> 8;
                default -> 9;
            };
            this.scoreChance = Math.min(0.6, scores / this.eventsPerGame);
            this.period = 1;
            this.clock = periodLength;
            this.clockExact = periodLength;
        }

        /** The next event, applied to this game's state. */
        Map<String, Object> next(long ts) {
            seq++;
            Map<String, Object> payload = new LinkedHashMap<>();
            String type;
            if (!started) {
                started = true;
                type = "GAME_START";
                payload.put("period", 1);
                if (!baseball) {
                    payload.put("clock_remaining_s", clock);
                }
                payload.put("home_score", 0);
                payload.put("away_score", 0);
            } else if (regulationOver()) {
                over = true;
                type = "GAME_END";
                payload.put("home_score", home);
                payload.put("away_score", away);
            } else {
                double roll = random.nextDouble();
                if (roll < statChance && !seed.players().isEmpty()) {
                    type = "PLAYER_STAT";
                    SeedData.Player p = seed.players().get(random.nextInt(seed.players().size()));
                    // a player's total ends near their seed mean: mean / (this player's expected stat events)
                    double perEvent = p.mean() / Math.max(1.0, statChance * eventsPerGame / seed.players().size());
                    double x = perEvent * (0.5 + random.nextDouble());
                    double add = Math.floor(x) + (random.nextDouble() < x - Math.floor(x) ? 1 : 0);
                    double total = stats.merge(p.id() + "/" + p.stat(), add, Double::sum);
                    payload.put("team_id", p.teamId());
                    payload.put("player_id", p.id());
                    payload.put("stat", p.stat());
                    payload.put("stat_value", total);
                } else if (roll < statChance + scoreChance) {
                    type = "SCORE";
                    boolean homeScores = random.nextBoolean();
                    int points = switch (seed.league()) {
                        case "nfl" -> random.nextInt(3) == 0 ? 3 : 7;
                        case "mlb" -> 1;
                        default -> random.nextInt(4) == 0 ? 3 : 2;
                    };
                    if (baseball) {
                        homeScores = !top;
                    }
                    if (homeScores) {
                        home += points;
                    } else {
                        away += points;
                    }
                    payload.put("team_id", homeScores ? seed.homeTeam() : seed.awayTeam());
                } else {
                    type = "CLOCK";
                }
                advance();
                payload.put("period", period);
                if (baseball) {
                    payload.put("outs", outs);
                    payload.put("top_of_inning", top);
                } else {
                    payload.put("clock_remaining_s", clock);
                }
                payload.put("home_score", home);
                payload.put("away_score", away);
            }
            return event(ts, type, payload);
        }

        /** What the next event would look like, without changing the game (the base of a malformed event). */
        Map<String, Object> peek(long ts) {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("period", period);
            payload.put("home_score", home);
            payload.put("away_score", away);
            Map<String, Object> e = event(ts, "CLOCK", payload);
            e.put("event_id", seed.id() + "-x" + ts);
            e.put("seq", seq + 1);
            return e;
        }

        private Map<String, Object> event(long ts, String type, Map<String, Object> payload) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("event_id", seed.id() + "-e" + seq);
            e.put("game_id", seed.id());
            e.put("league", seed.league());
            e.put("seq", seq);
            e.put("event_ts", ts);
            e.put("type", type);
            e.put("model_version", "vendor-feed-3");
            e.put("payload", payload);
            return e;
        }

        private void advance() {
            if (baseball) {
                if (random.nextDouble() < outChance) {
                    outs++;
                    if (outs == 3) {
                        outs = 0;
                        if (top) {
                            top = false;
                        } else {
                            top = true;
                            period++;
                        }
                    }
                }
                return;
            }
            // fractional seconds accumulate, so long games (many events) advance the clock slowly
            clockExact -= clockStep * (0.5 + random.nextDouble());
            if (clockExact <= 0) {
                if (period < periods) {
                    period++;
                    clockExact = periodLength;
                } else {
                    clockExact = 0;
                }
            }
            clock = (int) Math.ceil(clockExact);
        }

        private boolean regulationOver() {
            if (baseball) {
                // the bottom of the 9th (or of an extra inning) is over and the score is not tied
                return period > periods && top && home != away;
            }
            return period == periods && clock == 0;
        }
    }
}
