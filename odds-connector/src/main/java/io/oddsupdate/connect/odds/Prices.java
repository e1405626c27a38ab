package io.oddsupdate.connect.odds;

/**
 * From fair probabilities to quoted prices: the bookmaker's overround, then American and decimal odds.
 *
 * <p>Overround is proportional: each fair probability {@code p} becomes {@code p * (1 + margin)}, so a market's
 * implied probabilities sum to exactly {@code 1 + margin} and the favourite keeps its share. A market whose most likely
 * side would be quoted above {@link #MAX_QUOTED_PROB} (decimal odds under 1.005) is suspended rather than quoted.
 */
final class Prices {

    static final double MAX_QUOTED_PROB = 0.995;

    private Prices() {
    }

    /** The implied probabilities to quote, or null if the market must be suspended. */
    static double[] withMargin(double[] fair, double margin) {
        double[] q = new double[fair.length];
        for (int i = 0; i < fair.length; i++) {
            q[i] = fair[i] * (1.0 + margin);
            if (!(q[i] > 0.0) || q[i] > MAX_QUOTED_PROB) {
                return null;
            }
        }
        return q;
    }

    /** American odds of an implied probability, to the cent: -100q/(1-q) for favourites, +100(1-q)/q otherwise. */
    static double american(double q) {
        double a = q >= 0.5 ? -100.0 * q / (1.0 - q) : 100.0 * (1.0 - q) / q;
        return Math.round(a * 100.0) / 100.0;
    }

    /** Decimal odds (total return per unit staked) of an implied probability, to 4 places. */
    static double decimal(double q) {
        return Math.round(10_000.0 / q) / 10_000.0;
    }

    /** Implied probability of American odds (inverse of {@link #american}, up to rounding). */
    static double impliedByAmerican(double american) {
        return american < 0 ? -american / (-american + 100.0) : 100.0 / (american + 100.0);
    }
}
