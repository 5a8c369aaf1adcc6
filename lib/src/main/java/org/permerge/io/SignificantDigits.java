package org.permerge.io;

import java.math.BigDecimal;
import java.math.MathContext;

/** Numbers rounded for reading in tables and figures, the same way in every layer. */
public final class SignificantDigits {

    private static final MathContext FOUR = new MathContext(4);

    private SignificantDigits() {}

    /** Four significant digits: enough to read, few enough to compare across runs; 0, NaN and infinities unchanged. */
    public static double four(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v;
        }
        return new BigDecimal(v).round(FOUR).doubleValue();
    }
}
