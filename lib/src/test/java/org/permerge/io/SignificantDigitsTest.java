package org.permerge.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SignificantDigitsTest {

    @Test
    void keepsFourSignificantDigitsAtAnyScale() {
        assertEquals(1235.0, SignificantDigits.four(1234.567));
        assertEquals(-98770.0, SignificantDigits.four(-98765.4));
        assertEquals(0.0001235, SignificantDigits.four(0.000123456));
        assertEquals(0.5, SignificantDigits.four(0.5));
    }

    @Test
    void leavesZeroAndNonFiniteValuesAlone() {
        assertEquals(0.0, SignificantDigits.four(0.0));
        assertEquals(Double.NaN, SignificantDigits.four(Double.NaN));
        assertEquals(Double.NEGATIVE_INFINITY, SignificantDigits.four(Double.NEGATIVE_INFINITY));
    }
}
