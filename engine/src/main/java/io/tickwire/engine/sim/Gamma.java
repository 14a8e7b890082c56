package io.tickwire.engine.sim;

/** The gamma function, for the Weibull's scale from its mean: Lanczos' approximation (g = 7, n = 9). */
final class Gamma {
    private static final double G = 7;
    private static final double[] C = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61503916999185,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    };

    private Gamma() {
    }

    /** Γ(x) for x > 0, to about 15 significant digits. */
    static double gamma(final double x) {
        if (x < 0.5) {
            // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
            return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
        }
        final double z = x - 1;
        double a = C[0];
        final double t = z + G + 0.5;
        for (int i = 1; i < C.length; i++) {
            a += C[i] / (z + i);
        }
        return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * a;
    }
}
