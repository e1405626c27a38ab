package io.oddsupdate.connect.odds;

import java.util.Map;

/** One priced selection of one market, before it becomes an output record. */
record Quote(String market, String selection, String teamId, String playerId, Double line, double fairProb,
             double quotedProb, double american, double decimal, Map<String, Double> inputs) {
}
