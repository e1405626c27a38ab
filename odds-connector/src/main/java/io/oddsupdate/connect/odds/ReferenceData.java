package io.oddsupdate.connect.odds;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable snapshot of the Postgres reference data (tables {@code odds_league}, {@code odds_team},
 * {@code odds_game}, {@code odds_player}, {@code odds_market}; see {@code db/V1__reference_schema.sql}).
 */
record ReferenceData(Map<String, League> leagues, Map<String, Team> teams, Map<String, Game> games,
                     Map<String, List<Player>> playersById, Map<String, Set<String>> enabledMarkets) {

    static final ReferenceData EMPTY = new ReferenceData(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    enum SportFamily { BROWNIAN, POISSON }

    record League(String id, SportFamily family, int periods, int periodLengthS, int overtimeLengthS,
                  double marginSigma, double totalSigma, double homeAdvantage, double bookmakerMargin) {
        int regulationS() {
            return periods * periodLengthS;
        }
    }

    record Team(String id, String league, double rating, double scoringRate) {
    }

    record Game(String id, String league, String homeTeam, String awayTeam, Double spreadLine, Double totalLine) {
    }

    /** A player's baseline for one stat: mean per full game, {@code sd} null for a Poisson counting stat. */
    record Player(String id, String team, String stat, double mean, Double sd, double line) {
    }

    Player player(String playerId, String stat) {
        for (Player p : playersById.getOrDefault(playerId, List.of())) {
            if (p.stat().equals(stat)) {
                return p;
            }
        }
        return null;
    }

    boolean marketEnabled(String league, String market) {
        return enabledMarkets.getOrDefault(league, Set.of()).contains(market);
    }
}
