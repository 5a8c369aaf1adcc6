package org.permerge.merge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/** λ text that is not a finite number in [0, 1] is refused, never silently replaced by another part of the text. */
class LambdaTest {
    @ParameterizedTest
    @ValueSource(strings = {"NaN,0.5", "0.5,NaN", "NaN", "cnn=NaN,0.9", "Infinity", "-Infinity,0.5", "default=NaN,0.5"})
    void nonFiniteValuesAreRefusedByText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lambda.parse(text));
        assertTrue(e.getMessage().contains("λ '" + text + "'") && e.getMessage().contains("is not a finite number"), e.getMessage());
    }

    @Test
    void emptyPartsAreNotSkipped() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lambda.parse("0.5,"));
        assertTrue(e.getMessage().contains("'' is not a number"), e.getMessage());
        // Before the fix "NaN,0.5" parsed as a global 0.5; the valid spellings still parse.
        assertEquals(Lambda.global(0.5), Lambda.parse("0.5"));
        assertEquals(Lambda.global(0.5), Lambda.parse("default=0.5"));
        assertEquals(0.25, Lambda.parse("cnn=0.25,0.5").of(Component.CNN));
    }
}
