package io.oddsupdate.connect.odds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.oddsupdate.connect.odds.ReferenceData.Game;
import io.oddsupdate.connect.odds.ReferenceData.League;
import io.oddsupdate.connect.odds.ReferenceData.Player;
import io.oddsupdate.connect.odds.ReferenceData.SportFamily;
import io.oddsupdate.connect.odds.ReferenceData.Team;

class PricingModelTest {

    static final League NBA = new League("nba", SportFamily.BROWNIAN, 4, 720, 300, 12.0, 18.0, 2.5, 0.045);
    static final League MLB = new League("mlb", SportFamily.POISSON, 9, 0, 0, 1.0, 1.0, 0.0, 0.04);
    static final Set<String> ALL = Set.of("moneyline", "spread", "total", "player_props");
    static final ReferenceData REF = new ReferenceData(Map.of(), Map.of(), Map.of(), Map.of(), Map.of("nba", ALL, "mlb", ALL));

    @Test
    void normalCdfMatchesKnownValues() {
        // full precision (Apache Commons Numbers' erfc): closed forms to 1e-9 and better
        assertEquals(0.5, Probabilities.normalCdf(0), 1e-15);
        assertEquals(1.0, Probabilities.normalCdf(0.7) + Probabilities.normalCdf(-0.7), 1e-15);
        assertEquals(0.8413447460685429, Probabilities.normalCdf(1), 1e-15);
        assertEquals(0.024997895148220435, Probabilities.normalCdf(-1.96), 1e-15);
        assertEquals(2.866515718791946e-7, Probabilities.normalCdf(-5), 1e-18);
        assertEquals(1.0, Probabilities.normalCdf(40), 1e-12);
    }

    @Test
    void sternClosedForm() {
        // Φ((ℓ + μτ) / (σ√τ)) with ℓ=5, μ=3, σ=12, τ=0.5
        assertEquals(0.7781714720441434, PricingModel.stern(5, 3, 12, 0.5), 1e-12);
        // pregame: Φ(μ/σ) with μ = 6 − 1.5 + 2.5 = 7
        List<Quote> q = game(NBA, 6.0, 1.5, state(0, 0, 0, null));
        assertEquals(0.7201655364002942, q.get(0).fairProb(), 1e-12);
        assertEquals(PricingModel.stern(0, 7, 12, 1), q.get(0).fairProb(), 0);
    }

    @Test
    void sternIsMonotoneInLeadAndConvergesAsTimeRunsOut() {
        double previous = -1;
        for (int lead = -40; lead <= 40; lead++) {
            double p = PricingModel.stern(lead, 3, 12, 0.3);
            assertTrue(p > previous, "monotone at lead " + lead);
            previous = p;
        }
        assertEquals(1.0, PricingModel.stern(1, -5, 12, 1e-6), 1e-9);
        assertEquals(0.0, PricingModel.stern(-1, 5, 12, 1e-6), 1e-9);
        assertEquals(1.0, PricingModel.stern(1, 0, 12, 0), 0);
    }

    @Test
    void fractionRemainingCountsPeriodsClockAndOvertime() {
        assertEquals(1.0, PricingModel.fractionRemaining(NBA, state(0, 0, 0, null), 0));
        assertEquals(0.5, PricingModel.fractionRemaining(NBA, state(3, 0, 0, 720), 0), 1e-12);
        assertEquals(0.125, PricingModel.fractionRemaining(NBA, state(4, 0, 0, 360), 0), 1e-12);
        // tied at the end of regulation: overtime is next
        assertEquals(300.0 / 2880, PricingModel.fractionRemaining(NBA, state(4, 100, 100, 0), 0), 1e-12);
        assertEquals(0.0, PricingModel.fractionRemaining(NBA, state(4, 101, 100, 0), 1), 1e-12);
    }

    @Test
    void swappingRatingsMirrorsTheProbabilities() {
        League neutral = new League("nba", SportFamily.BROWNIAN, 4, 720, 300, 12.0, 18.0, 0.0, 0.045);
        for (int lead = -10; lead <= 10; lead += 5) {
            double home = game(neutral, 6.0, 1.5, state(3, 50 + lead, 50, 200)).get(0).fairProb();
            double swapped = game(neutral, 1.5, 6.0, state(3, 50, 50 + lead, 200)).get(0).fairProb();
            assertEquals(1.0, home + swapped, 1e-12);
        }
        League mlb = new League("mlb", SportFamily.POISSON, 9, 0, 0, 1.0, 1.0, 0.0, 0.04);
        double home = game(mlb, 0.0, 0.0, 5.2, 4.1, state(0, 0, 0, null)).get(0).fairProb();
        double swapped = game(mlb, 0.0, 0.0, 4.1, 5.2, state(0, 0, 0, null)).get(0).fairProb();
        assertEquals(1.0, home + swapped, 1e-9);
    }

    @Test
    void everyMarketSumsToOneBeforeAndOnePlusMarginAfter() {
        for (Quote[] pair : pairs(game(NBA, 6.0, 1.5, state(2, 40, 45, 300)))) {
            assertEquals(1.0, pair[0].fairProb() + pair[1].fairProb(), 1e-12, pair[0].market());
            assertEquals(1.0 + NBA.bookmakerMargin(), pair[0].quotedProb() + pair[1].quotedProb(), 1e-12, pair[0].market());
        }
        for (Quote[] pair : pairs(game(MLB, 0, 0, 4.9, 5.2, mlbState(6, false, 1, 3, 2)))) {
            assertEquals(1.0, pair[0].fairProb() + pair[1].fairProb(), 1e-9, pair[0].market());
            assertEquals(1.0 + MLB.bookmakerMargin(), pair[0].quotedProb() + pair[1].quotedProb(), 1e-9, pair[0].market());
        }
    }

    @Test
    void skellamAndPoissonClosedForms() {
        double[] d = PricingModel.skellam(1.0, 0.0);
        int max = Probabilities.MAX_POISSON_COUNT;
        assertEquals(Math.exp(-1), d[max], 1e-12);          // P(D=0) = P(H=0)
        assertEquals(Math.exp(-1), d[max + 1], 1e-12);      // P(D=1) = e^-1 · 1
        double sum = 0;
        for (double x : PricingModel.skellam(4.3, 5.1)) {
            sum += x;
        }
        assertEquals(1.0, sum, 1e-12);
        // P(D=0) for equal rates λ: e^{-2λ} I0(2λ) = e^{-2λ} Σ λ^{2k}/(k!)²
        double lambda = 2.0;
        double series = 0;
        double term = 1;
        for (int k = 0; k < 40; k++) {
            series += term;
            term = term * lambda * lambda / ((k + 1.0) * (k + 1.0));
        }
        assertEquals(Math.exp(-2 * lambda) * series, PricingModel.skellam(lambda, lambda)[max], 1e-12);
        assertEquals(1 - Math.exp(-2), Probabilities.poissonAbove(2, 0.5), 1e-12);
        assertEquals(0.5, PricingModel.extraInningHomeWin(4.5, 4.5, 9), 1e-12);
    }

    @Test
    void mlbIsMonotoneInLeadAndHandlesExtraInnings() {
        double previous = -1;
        double[] margin = PricingModel.skellam(4.9 * 8 / 27, 4.9 * 9 / 27);
        for (int lead = -4; lead <= 4; lead++) {
            double p = PricingModel.poissonCover(margin, lead, 0.0, 0.5);
            assertTrue(p > previous, "monotone at lead " + lead);
            previous = p;
        }
        // tied in the top of the 10th, equal teams: 50/50; after the top half is scoreless, home leads the race
        double tiedExtras = game(MLB, 0, 0, 4.9, 4.9, mlbState(10, true, 0, 3, 3)).get(0).fairProb();
        assertEquals(0.5, tiedExtras, 1e-9);
        double homeBatsLast = game(MLB, 0, 0, 4.9, 4.9, mlbState(10, true, 3, 3, 3)).get(0).fairProb();
        assertEquals(1 - Math.exp(-4.9 / 9) + Math.exp(-4.9 / 9) * 0.5, homeBatsLast, 1e-9);
        assertEquals(0.5, PricingModel.poissonCover(PricingModel.skellam(0, 0), 0, 0, 0.5), 1e-12);
        // home leads after the top of the 9th: the game is over
        assertEquals(1.0, PricingModel.poissonCover(PricingModel.skellam(0.3, 0), 1, 0, 0.5), 1e-12);
        // run line -1.5 when tied and going to extras: home can only win by one, so never covers
        assertEquals(0.0, PricingModel.poissonCover(PricingModel.skellam(0, 0), 0, -1.5, 0.7), 1e-12);
    }

    @Test
    void americanAndDecimalOdds() {
        assertEquals(-100.0, Prices.american(0.5));
        assertEquals(-115.0, Prices.american(115.0 / 215.0), 1e-9);
        assertEquals(105.0, Prices.american(100.0 / 205.0), 1e-9);
        assertEquals(2.05, Prices.decimal(100.0 / 205.0), 1e-9);
        assertEquals(0.535, Prices.impliedByAmerican(Prices.american(0.535)), 1e-4);
        assertNull(Prices.withMargin(new double[] {0.97, 0.03}, 0.045), "near-certain markets are suspended");
        assertNotNull(Prices.withMargin(new double[] {0.9, 0.1}, 0.045));
    }

    @Test
    void playerPropsPoissonAndNormal() {
        Game g = new Game("g", "nba", "h", "a", null, null);
        Player counting = new Player("p1", "h", "points", 27.0, null, 26.5);
        GameState half = new GameState(3, "live", 3, 720, null, null, 50, 50, Map.of("p1/points", 14.0));
        Quote over = PricingModel.playerProp(REF, NBA, g, counting, half).get(0);
        assertEquals(Probabilities.poissonAbove(13.5, 12.5), over.fairProb(), 1e-12);
        Player yards = new Player("p2", "h", "passing_yards", 260.0, 72.0, 259.5);
        Quote o2 = PricingModel.playerProp(REF, NBA, g, yards, GameState.NEW).get(0);
        assertEquals(1 - Probabilities.normalCdf((259.5 - 260.0) / 72.0), o2.fairProb(), 1e-12);
    }

    @Test
    void quotesAreDeterministic() {
        GameState s = state(2, 40, 45, 300);
        assertEquals(game(NBA, 6.0, 1.5, s), game(NBA, 6.0, 1.5, s));
    }

    // --- helpers

    static GameState state(int period, int home, int away, Integer clock) {
        return new GameState(1, "live", period, clock, null, null, home, away, Map.of());
    }

    static GameState mlbState(int inning, boolean top, int outs, int home, int away) {
        return new GameState(1, "live", inning, null, outs, top, home, away, Map.of());
    }

    static List<Quote> game(League league, double homeRating, double awayRating, GameState s) {
        return game(league, homeRating, awayRating, 115.0, 112.0, s);
    }

    static List<Quote> game(League league, double homeRating, double awayRating, double homeRate, double awayRate, GameState s) {
        Team home = new Team("h", league.id(), homeRating, homeRate);
        Team away = new Team("a", league.id(), awayRating, awayRate);
        return PricingModel.gameMarkets(REF, league, new Game("g", league.id(), "h", "a", null, null), home, away, s);
    }

    static List<Quote[]> pairs(List<Quote> quotes) {
        assertEquals(0, quotes.size() % 2);
        assertEquals(Set.of("moneyline", "spread", "total"), quotes.stream().map(Quote::market).collect(Collectors.toSet()));
        return java.util.stream.IntStream.range(0, quotes.size() / 2)
                .mapToObj(i -> new Quote[] {quotes.get(2 * i), quotes.get(2 * i + 1)}).toList();
    }
}
