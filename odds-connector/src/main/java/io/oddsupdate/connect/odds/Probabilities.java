package io.oddsupdate.connect.odds;

import org.apache.commons.numbers.gamma.Erfc;

/** The few distributions the pricing model needs, deterministic and allocation-free. */
final class Probabilities {

    /** Poisson tails beyond this many events are below 1e-12 for every rate the model uses (a full mlb game, ~12 runs). */
    static final int MAX_POISSON_COUNT = 60;

    private Probabilities() {
    }

    /** Standard normal CDF Φ(x), via Apache Commons Numbers' erfc (full double precision, a few ulp). */
    static double normalCdf(double x) {
        return 0.5 * Erfc.value(-x / Math.sqrt(2.0));
    }

    /** P(X = 0..max) for X ~ Poisson(lambda); the last cell holds the whole upper tail, so the array sums to 1. */
    static double[] poissonPmf(double lambda, int max) {
        double[] p = new double[max + 1];
        if (lambda <= 0) {
            p[0] = 1.0;
            return p;
        }
        double term = Math.exp(-lambda);
        double sum = 0;
        for (int k = 0; k < max; k++) {
            p[k] = term;
            sum += term;
            term = term * lambda / (k + 1);
        }
        p[max] = Math.max(0.0, 1.0 - sum);
        return p;
    }

    /** P(X > x) for X ~ Poisson(lambda). */
    static double poissonAbove(double lambda, double x) {
        if (x < 0) {
            return 1.0;
        }
        double[] p = poissonPmf(lambda, Math.max(MAX_POISSON_COUNT, (int) Math.ceil(x) + 1));
        double atMost = 0;
        for (int k = 0; k <= (int) Math.floor(x); k++) {
            atMost += p[k];
        }
        return Math.max(0.0, Math.min(1.0, 1.0 - atMost));
    }
}
