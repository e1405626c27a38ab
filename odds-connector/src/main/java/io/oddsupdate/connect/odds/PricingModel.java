package io.oddsupdate.connect.odds;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.oddsupdate.connect.odds.ReferenceData.Game;
import io.oddsupdate.connect.odds.ReferenceData.League;
import io.oddsupdate.connect.odds.ReferenceData.Player;
import io.oddsupdate.connect.odds.ReferenceData.SportFamily;
import io.oddsupdate.connect.odds.ReferenceData.Team;

/**
 * The in-play pricing model ({@link #VERSION}). Pure and deterministic: the same reference data and game state always
 * give the same quotes.
 *
 * <ul>
 *   <li><b>brownian</b> leagues (nba, nfl): the home margin is Brownian motion with drift (Stern, JASA 1994). With lead
 *   ℓ and fraction of regulation remaining τ, P(home wins) = Φ((ℓ + μτ) / (σ√τ)), where μ = rating(home) − rating(away)
 *   + home advantage is the expected full-game margin and σ the league's full-game margin sd. Spread: the same with the
 *   home line added to ℓ. Total: remaining points ~ Normal(mτ, s²τ), m = sum of the teams' scoring rates.
 *   A tie at τ = 0 goes to overtime: τ becomes overtime length / regulation length.</li>
 *   <li><b>poisson</b> leagues (mlb): each team's remaining runs ~ Poisson(rate × its remaining outs / regulation outs);
 *   the margin is Skellam. A tie after regulation goes to extra innings, won by home with probability
 *   P(X&gt;Y) / (P(X&gt;Y) + P(Y&gt;X)) for one inning's runs X, Y (the winner then wins by one run). Totals ignore
 *   extra-inning runs.</li>
 *   <li>Player props: the player's remaining stat ~ Poisson(mean × τ) (counting stats) or Normal(mean τ, sd²τ).</li>
 * </ul>
 * Every market is a pair of selections whose fair probabilities sum to 1; {@link Prices} applies the league's margin.
 */
final class PricingModel {

    static final String VERSION = "stern-skellam-1.0";

    static final String MONEYLINE = "moneyline";
    static final String SPREAD = "spread";
    static final String TOTAL = "total";
    static final String PLAYER_PROPS = "player_props";

    private PricingModel() {
    }

    /** The game markets (moneyline, spread, total) after {@code state}; empty once the game is final. */
    static List<Quote> gameMarkets(ReferenceData ref, League league, Game game, Team home, Team away, GameState state) {
        List<Quote> out = new ArrayList<>(6);
        if (state.isFinal()) {
            return out;
        }
        int lead = state.homeScore() - state.awayScore();
        int total = state.homeScore() + state.awayScore();
        if (league.family() == SportFamily.BROWNIAN) {
            double tau = fractionRemaining(league, state, lead);
            double mu = home.rating() - away.rating() + league.homeAdvantage();
            double sigma = league.marginSigma();
            double spread = game.spreadLine() != null ? game.spreadLine() : -(Math.floor(mu) + 0.5);
            double m = home.scoringRate() + away.scoringRate();
            double totalLine = game.totalLine() != null ? game.totalLine() : Math.floor(m) + 0.5;
            Map<String, Double> in = inputs("lead", lead, "tau", tau, "mu", mu, "sigma", sigma);
            if (ref.marketEnabled(league.id(), MONEYLINE)) {
                pair(out, league, MONEYLINE, "home", "away", home.id(), away.id(), null, null, null,
                        stern(lead, mu, sigma, tau), in);
            }
            if (ref.marketEnabled(league.id(), SPREAD)) {
                pair(out, league, SPREAD, "home", "away", home.id(), away.id(), null, spread, -spread,
                        stern(lead + spread, mu, sigma, tau), with(in, "line", spread));
            }
            if (ref.marketEnabled(league.id(), TOTAL)) {
                double pOver = normalAbove(totalLine - total, m * tau, league.totalSigma() * Math.sqrt(tau));
                pair(out, league, TOTAL, "over", "under", null, null, null, totalLine, totalLine, pOver,
                        inputs("total", total, "tau", tau, "m", m, "s", league.totalSigma(), "line", totalLine));
            }
        } else {
            double[] outsLeft = outsRemaining(league, state);
            double regOuts = league.periods() * 3.0;
            double lh = (home.scoringRate() + league.homeAdvantage() / 2) * outsLeft[0] / regOuts;
            double la = (away.scoringRate() - league.homeAdvantage() / 2) * outsLeft[1] / regOuts;
            double pExtra = extraInningHomeWin(home.scoringRate() + league.homeAdvantage() / 2,
                    away.scoringRate() - league.homeAdvantage() / 2, league.periods());
            double[] margin = skellam(lh, la);
            double spread = game.spreadLine() != null ? game.spreadLine() : -1.5;
            double totalLine = game.totalLine() != null ? game.totalLine()
                    : Math.floor(home.scoringRate() + away.scoringRate()) + 0.5;
            Map<String, Double> in = inputs("lead", lead, "lambda_home", lh, "lambda_away", la, "p_extra", pExtra);
            if (ref.marketEnabled(league.id(), MONEYLINE)) {
                pair(out, league, MONEYLINE, "home", "away", home.id(), away.id(), null, null, null,
                        poissonCover(margin, lead, 0.0, pExtra), in);
            }
            if (ref.marketEnabled(league.id(), SPREAD)) {
                pair(out, league, SPREAD, "home", "away", home.id(), away.id(), null, spread, -spread,
                        poissonCover(margin, lead, spread, pExtra), with(in, "line", spread));
            }
            if (ref.marketEnabled(league.id(), TOTAL)) {
                pair(out, league, TOTAL, "over", "under", null, null, null, totalLine, totalLine,
                        Probabilities.poissonAbove(lh + la, totalLine - total),
                        inputs("total", total, "lambda", lh + la, "line", totalLine));
            }
        }
        return out;
    }

    /** The over/under prop of one player's stat after {@code state}; empty if final or not priced. */
    static List<Quote> playerProp(ReferenceData ref, League league, Game game, Player player, GameState state) {
        List<Quote> out = new ArrayList<>(2);
        if (state.isFinal() || !ref.marketEnabled(league.id(), PLAYER_PROPS)) {
            return out;
        }
        double tau;
        if (league.family() == SportFamily.BROWNIAN) {
            tau = fractionRemaining(league, state, state.homeScore() - state.awayScore());
        } else {
            double[] outsLeft = outsRemaining(league, state);
            tau = Math.min(1.0, (player.team().equals(game.homeTeam()) ? outsLeft[0] : outsLeft[1]) / (league.periods() * 3.0));
        }
        double current = state.stat(player.id(), player.stat());
        double need = player.line() - current;
        double pOver = player.sd() == null
                ? Probabilities.poissonAbove(player.mean() * tau, need)
                : normalAbove(need, player.mean() * tau, player.sd() * Math.sqrt(tau));
        pair(out, league, "player_" + player.stat(), "over", "under", player.team(), player.team(), player.id(),
                player.line(), player.line(), pOver,
                inputs("current", current, "tau", tau, "mean", player.mean(), "line", player.line()));
        return out;
    }

    /** Stern: P(final margin &gt; 0 | margin now ℓ, τ remaining) = Φ((ℓ + μτ) / (σ√τ)). */
    static double stern(double lead, double mu, double sigma, double tau) {
        if (tau <= 0) {
            return lead > 0 ? 1.0 : lead < 0 ? 0.0 : 0.5;
        }
        return Probabilities.normalCdf((lead + mu * tau) / (sigma * Math.sqrt(tau)));
    }

    /** Fraction of regulation time remaining; a tie with no time left means overtime is next. */
    static double fractionRemaining(League league, GameState s, int lead) {
        if (s.period() == 0) {
            return 1.0;
        }
        double reg = league.regulationS();
        double remaining;
        if (s.period() <= league.periods()) {
            int clock = s.clockRemainingS() != null ? s.clockRemainingS() : league.periodLengthS();
            remaining = (league.periods() - s.period()) * (double) league.periodLengthS() + Math.max(0, clock);
        } else {
            remaining = s.clockRemainingS() != null ? Math.max(0, s.clockRemainingS()) : league.overtimeLengthS();
        }
        if (remaining <= 0 && lead == 0) {
            remaining = league.overtimeLengthS();
        }
        return Math.min(1.0, remaining / reg);
    }

    /** Outs left for {home, away} (extra innings count as one more inning each). */
    static double[] outsRemaining(League league, GameState s) {
        if (s.period() == 0) {
            return new double[] {league.periods() * 3.0, league.periods() * 3.0};
        }
        int last = Math.max(league.periods(), s.period());
        int inningsLeft = last - s.period() + 1;
        int outs = s.outs() == null ? 0 : Math.min(3, Math.max(0, s.outs()));
        boolean top = s.topOfInning() == null || s.topOfInning();
        double away = top ? inningsLeft * 3.0 - outs : (inningsLeft - 1) * 3.0;
        double home = top ? inningsLeft * 3.0 : inningsLeft * 3.0 - outs;
        return new double[] {home, away};
    }

    /** P(D = d) for D = H − A, H ~ Poisson(lh), A ~ Poisson(la); index d + MAX. */
    static double[] skellam(double lh, double la) {
        int max = Probabilities.MAX_POISSON_COUNT;
        double[] h = Probabilities.poissonPmf(lh, max);
        double[] a = Probabilities.poissonPmf(la, max);
        double[] d = new double[2 * max + 1];
        for (int i = 0; i <= max; i++) {
            for (int j = 0; j <= max; j++) {
                d[i - j + max] += h[i] * a[j];
            }
        }
        return d;
    }

    /** P(home wins one more inning-by-inning extra session), per-inning rates are per-game rates / innings. */
    static double extraInningHomeWin(double homeRate, double awayRate, int innings) {
        double[] h = Probabilities.poissonPmf(homeRate / innings, 20);
        double[] a = Probabilities.poissonPmf(awayRate / innings, 20);
        double homeAhead = 0;
        double awayAhead = 0;
        for (int i = 0; i < h.length; i++) {
            for (int j = 0; j < a.length; j++) {
                if (i > j) {
                    homeAhead += h[i] * a[j];
                } else if (j > i) {
                    awayAhead += h[i] * a[j];
                }
            }
        }
        return homeAhead / (homeAhead + awayAhead);
    }

    /** P(home final margin + line &gt; 0) with Skellam remaining margin; a regulation tie is decided by one run. */
    static double poissonCover(double[] margin, int lead, double line, double pExtra) {
        int max = (margin.length - 1) / 2;
        double p = 0;
        for (int i = 0; i < margin.length; i++) {
            int finalMargin = lead + i - max;
            if (finalMargin == 0) {
                p += margin[i] * ((1 + line > 0 ? pExtra : 0) + (-1 + line > 0 ? 1 - pExtra : 0));
            } else if (finalMargin + line > 0) {
                p += margin[i];
            }
        }
        return Math.max(0.0, Math.min(1.0, p));
    }

    /** P(X &gt; x) for X ~ Normal(mean, sd); sd 0 means X = mean. */
    static double normalAbove(double x, double mean, double sd) {
        if (sd <= 0) {
            return mean > x ? 1.0 : 0.0;
        }
        return 1.0 - Probabilities.normalCdf((x - mean) / sd);
    }

    private static void pair(List<Quote> out, League league, String market, String first, String second,
                             String firstTeam, String secondTeam, String playerId, Double firstLine, Double secondLine,
                             double pFirst, Map<String, Double> in) {
        double[] fair = {pFirst, 1.0 - pFirst};
        double[] q = Prices.withMargin(fair, league.bookmakerMargin());
        if (q == null) {
            return; // suspended: one side is (nearly) certain
        }
        out.add(new Quote(market, first, firstTeam, playerId, firstLine, fair[0], q[0], Prices.american(q[0]), Prices.decimal(q[0]), in));
        out.add(new Quote(market, second, secondTeam, playerId, secondLine, fair[1], q[1], Prices.american(q[1]), Prices.decimal(q[1]), in));
    }

    private static Map<String, Double> inputs(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        }
        return m;
    }

    private static Map<String, Double> with(Map<String, Double> in, String k, double v) {
        Map<String, Double> m = new LinkedHashMap<>(in);
        m.put(k, v);
        return m;
    }
}
