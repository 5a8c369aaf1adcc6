package org.permerge.io;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class BlasTest {
    /** op(X)[i][j] of a row-major matrix stored with row length ld. */
    private static double at(double[] x, boolean trans, int i, int j, int ld) {
        return trans ? x[j * ld + i] : x[i * ld + j];
    }

    private static double[] random(Random rnd, int count) {
        double[] x = new double[count];
        for (int k = 0; k < count; k++) x[k] = (float) rnd.nextGaussian();
        return x;
    }

    @Test
    void gemmMatchesTheTripleLoopForEveryTransposeAndRowLength() {
        Random rnd = new Random(4);
        int m = 7;
        int n = 5;
        int k = 11;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                // row lengths longer than the rows: the padding must be skipped
                int lda = (ta ? m : k) + 2;
                int ldb = (tb ? k : n) + 1;
                int ldc = n + 3;
                double[] a = random(rnd, (ta ? k : m) * lda);
                double[] b = random(rnd, (tb ? n : k) * ldb);
                double[] c0 = random(rnd, m * ldc);
                double[] expected = c0.clone();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) s += at(a, ta, i, p, lda) * at(b, tb, p, j, ldb);
                        expected[i * ldc + j] = 0.5 * s + 2 * c0[i * ldc + j];
                    }
                }
                try (DoublePointer pa = new DoublePointer(a); DoublePointer pb = new DoublePointer(b); DoublePointer pc = new DoublePointer(c0)) {
                    Blas.dgemm(ta, tb, m, n, k, 0.5, pa, lda, pb, ldb, 2.0, pc, ldc);
                    double[] got = new double[c0.length];
                    pc.get(got);
                    assertArrayEquals(expected, got, 1e-12, "dgemm ta=" + ta + " tb=" + tb);
                }
                try (FloatPointer pa = new FloatPointer(toFloats(a)); FloatPointer pb = new FloatPointer(toFloats(b));
                     FloatPointer pc = new FloatPointer(toFloats(c0))) {
                    Blas.sgemm(ta, tb, m, n, k, 0.5f, pa, lda, pb, ldb, 2f, pc, ldc);
                    float[] got = new float[c0.length];
                    pc.get(got);
                    for (int q = 0; q < got.length; q++) assertEquals(expected[q], got[q], 1e-5, "sgemm ta=" + ta + " tb=" + tb + " [" + q + "]");
                }
            }
        }
    }

    private static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int q = 0; q < x.length; q++) f[q] = (float) x[q];
        return f;
    }

    @Test
    void anOperandTooSmallForItsShapeIsRefusedBeforeTheNativeCall() {
        try (FloatPointer a = new FloatPointer(6); FloatPointer b = new FloatPointer(6); FloatPointer c = new FloatPointer(4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Blas.sgemm(false, false, 3, 3, 2, 1f, a, 2, b, 3, 0f, c, 3));
            assertTrue(e.getMessage().contains("operand C") && e.getMessage().contains("holds 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Blas.sgemm(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
            assertTrue(e.getMessage().contains("operand A") && e.getMessage().contains("row length 2"), e.getMessage());
        }
    }

    @Test
    void threadCountIsExplicit() {
        int before = Blas.threads();
        assertTrue(before >= 1);
        Blas.setThreads(1);
        assertEquals(1, Blas.threads());
        Blas.setThreads(before);
        assertThrows(IllegalArgumentException.class, () -> Blas.setThreads(0));
    }
}
