package io.tickwire.engine.sim;

/**
 * The gamma function, for the Weibull's scale from its mean: Stirling's series for ln Γ at x >= 15, reached from
 * smaller x by Γ(x) = Γ(x + n) / (x (x + 1) ... (x + n − 1)); relative error below 1e-13.
 */
final class Gamma {
    private static final double HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI);

    private Gamma() {
    }

    /** Γ(x) for x > 0. */
    static double gamma(final double x) {
        double z = x;
        double product = 1;
        while (z < 15) {
            product *= z;
            z += 1;
        }
        final double inverse = 1 / z;
        final double inverse2 = inverse * inverse;
        final double series = inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 * (1.0 / 1260
            - inverse2 / 1680)));
        return Math.exp((z - 0.5) * Math.log(z) - z + HALF_LN_TWO_PI + series) / product;
    }
}
