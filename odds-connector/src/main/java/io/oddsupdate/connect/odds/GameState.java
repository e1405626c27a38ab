package io.oddsupdate.connect.odds;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The live state of one game as kept in its Redis hash: the last applied vendor {@code seq}, status, clock or inning,
 * score, and each player's running stat totals. Immutable; {@link #apply} returns the next state.
 */
record GameState(long seq, String status, int period, Integer clockRemainingS, Integer outs, Boolean topOfInning,
                 int homeScore, int awayScore, Map<String, Double> playerStats) {

    static final long NO_SEQ = -1;
    static final GameState NEW = new GameState(NO_SEQ, "scheduled", 0, null, null, null, 0, 0, Map.of());

    static final String SEQ = "seq";
    private static final String STAT_PREFIX = "stat:";

    boolean isFinal() {
        return "final".equals(status);
    }

    double stat(String playerId, String stat) {
        return playerStats.getOrDefault(playerId + "/" + stat, 0.0);
    }

    /** The state after {@code e}: fields the event carries replace the current ones, the rest are kept. */
    GameState apply(VendorEvent e) {
        VendorEvent.Payload p = e.payload();
        String nextStatus = switch (e.type()) {
            case GAME_END -> "final";
            case GAME_START -> "live";
            default -> isFinal() ? "final" : "live";
        };
        int nextPeriod = p.period() != null ? p.period() : (period == 0 && e.type() != VendorEvent.Type.GAME_END ? 1 : period);
        Map<String, Double> stats = playerStats;
        if (e.type() == VendorEvent.Type.PLAYER_STAT && p.playerId() != null && p.stat() != null && p.statValue() != null) {
            stats = new HashMap<>(playerStats);
            stats.put(p.playerId() + "/" + p.stat(), p.statValue());
        }
        return new GameState(e.seq(), nextStatus, nextPeriod,
                p.clockRemainingS() != null ? p.clockRemainingS() : (p.period() != null && p.period() != period ? null : clockRemainingS),
                p.outs() != null ? p.outs() : (p.period() != null && p.period() != period ? null : outs),
                p.topOfInning() != null ? p.topOfInning() : topOfInning,
                p.homeScore() != null ? p.homeScore() : homeScore,
                p.awayScore() != null ? p.awayScore() : awayScore,
                stats);
    }

    /** The Redis hash fields of this state (field order fixed, so the script's input is deterministic). */
    Map<String, String> toHash() {
        Map<String, String> h = new TreeMap<>();
        h.put(SEQ, Long.toString(seq));
        h.put("status", status);
        h.put("period", Integer.toString(period));
        h.put("clock", clockRemainingS == null ? "" : clockRemainingS.toString());
        h.put("outs", outs == null ? "" : outs.toString());
        h.put("top", topOfInning == null ? "" : topOfInning.toString());
        h.put("home", Integer.toString(homeScore));
        h.put("away", Integer.toString(awayScore));
        playerStats.forEach((k, v) -> h.put(STAT_PREFIX + k, Double.toString(v)));
        return h;
    }

    static GameState fromHash(Map<String, String> h) {
        if (h == null || h.isEmpty() || !h.containsKey(SEQ)) {
            return NEW;
        }
        Map<String, Double> stats = new HashMap<>();
        h.forEach((k, v) -> {
            if (k.startsWith(STAT_PREFIX)) {
                stats.put(k.substring(STAT_PREFIX.length()), Double.parseDouble(v));
            }
        });
        return new GameState(Long.parseLong(h.get(SEQ)), h.getOrDefault("status", "live"),
                Integer.parseInt(h.getOrDefault("period", "0")), intOrNull(h.get("clock")), intOrNull(h.get("outs")),
                h.get("top") == null || h.get("top").isEmpty() ? null : Boolean.valueOf(h.get("top")),
                Integer.parseInt(h.getOrDefault("home", "0")), Integer.parseInt(h.getOrDefault("away", "0")), stats);
    }

    private static Integer intOrNull(String s) {
        return s == null || s.isEmpty() ? null : Integer.valueOf(s);
    }
}
