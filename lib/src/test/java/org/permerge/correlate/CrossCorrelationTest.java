package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class CrossCorrelationTest {
    private static NDManager manager;
    private static StateDict golden;

    @BeforeAll
    static void setUp() throws URISyntaxException {
        manager = NDManager.newBaseManager();
        Path file = Path.of(CrossCorrelationTest.class.getResource("/golden/correlate/correlation-golden.safetensors").toURI());
        golden = SafeTensors.read(file);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static NDArray array(NDManager m, Tensor t) {
        return m.create(t.toDoubleArray(), new Shape(t.shape()));
    }

    /** Feeds rows [from, to) of the case's inputs. */
    private static void feed(CrossCorrelation cc, String name, int from, int to) {
        try (NDManager m = manager.newSubManager()) {
            NDArray a = array(m, golden.get(name + ".a"));
            NDArray b = array(m, golden.get(name + ".b"));
            cc.update(a.get(from + ":" + to), b.get(from + ":" + to));
        }
    }

    private static CrossCorrelation accumulate(String name, int... cuts) {
        Tensor a = golden.get(name + ".a");
        Tensor b = golden.get(name + ".b");
        CrossCorrelation cc = new CrossCorrelation(name, (int) a.dim(1), (int) b.dim(1));
        int prev = 0;
        for (int cut : cuts) {
            feed(cc, name, prev, cut);
            prev = cut;
        }
        feed(cc, name, prev, (int) a.dim(0));
        return cc;
    }

    private static void assertClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int k = 0; k < expected.length; k++) {
            double tol = rel * Math.max(Math.abs(expected[k]), 1e-3 * scale);
            assertEquals(expected[k], actual[k], tol, what + "[" + k + "]");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "offset", "dead"})
    void matchesNumpyTwoPassGoldenValues(String name) {
        // Uneven batches, including a single frame, so the combine is exercised at every scale.
        CrossCorrelation cc = accumulate(name, 1, 100, 101, 333);
        assertEquals(golden.get(name + ".a").dim(0), cc.count());
        assertClose(golden.get(name + ".meanA").toDoubleArray(), cc.meanA(), 1e-12, name + " meanA");
        assertClose(golden.get(name + ".meanB").toDoubleArray(), cc.meanB(), 1e-12, name + " meanB");
        assertClose(golden.get(name + ".varA").toDoubleArray(), cc.varianceA(), 1e-9, name + " varA");
        assertClose(golden.get(name + ".varB").toDoubleArray(), cc.varianceB(), 1e-9, name + " varB");
        assertClose(golden.get(name + ".comoment").toDoubleArray(), cc.comoment(), 1e-9, name + " comoment");
        double[] expected = golden.get(name + ".corr").toDoubleArray();
        double[] actual = cc.correlation();
        for (int k = 0; k < expected.length; k++) {
            assertFalse(Double.isNaN(actual[k]));
            assertEquals(expected[k], actual[k], 1e-9 * Math.max(1e-3, Math.abs(expected[k])), name + " corr[" + k + "]");
        }
    }

    @Test
    void deadUnitsCorrelateZeroAndAreListed() {
        CrossCorrelation cc = accumulate("dead", 250);
        assertArrayEquals(new int[] {2}, cc.deadUnitsA());
        assertArrayEquals(new int[] {0}, cc.deadUnitsB());
        double[] r = cc.correlation();
        int dB = cc.unitsB();
        for (int j = 0; j < dB; j++) assertEquals(0.0, r[2 * dB + j]);
        for (int i = 0; i < cc.unitsA(); i++) assertEquals(0.0, r[i * dB]);
        assertNotEquals(0.0, r[dB + 1]);
    }

    @Test
    void partsMergedEqualAllAtOnce() {
        CrossCorrelation once = accumulate("offset", 350);
        CrossCorrelation first = new CrossCorrelation("offset", 4, 3);
        CrossCorrelation second = new CrossCorrelation("offset", 4, 3);
        CrossCorrelation third = new CrossCorrelation("offset", 4, 3);
        feed(first, "offset", 0, 17);
        feed(second, "offset", 17, 450);
        feed(third, "offset", 450, 700);
        CrossCorrelation empty = new CrossCorrelation("offset", 4, 3);
        empty.merge(third);
        second.merge(empty);
        first.merge(second);
        assertEquals(once.count(), first.count());
        assertClose(once.comoment(), first.comoment(), 1e-11, "comoment");
        assertClose(once.varianceA(), first.varianceA(), 1e-11, "varA");
        assertClose(once.meanB(), first.meanB(), 1e-13, "meanB");
        assertClose(once.correlation(), first.correlation(), 1e-11, "corr");
    }

    @Test
    void maskedFramesAreIgnored() {
        Random rnd = new Random(3);
        int n = 300;
        double[] a = new double[n * 3];
        double[] b = new double[n * 2];
        boolean[] keep = new boolean[n];
        for (int t = 0; t < n; t++) {
            keep[t] = rnd.nextDouble() < 0.7;
            for (int k = 0; k < 3; k++) a[t * 3 + k] = keep[t] ? rnd.nextGaussian() : 1e6;
            for (int k = 0; k < 2; k++) b[t * 2 + k] = keep[t] ? rnd.nextGaussian() + a[t * 3] : Double.NaN;
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray xa = m.create(a, new Shape(n, 3));
            NDArray xb = m.create(b, new Shape(n, 2));
            NDArray mask = m.create(keep);
            CrossCorrelation masked = new CrossCorrelation("masked", 3, 2);
            masked.update(xa, xb, mask);
            CrossCorrelation selected = new CrossCorrelation("selected", 3, 2);
            int kept = 0;
            for (boolean k : keep) kept += k ? 1 : 0;
            double[] sa = new double[kept * 3];
            double[] sb = new double[kept * 2];
            for (int t = 0, r = 0; t < n; t++) {
                if (!keep[t]) continue;
                System.arraycopy(a, t * 3, sa, r * 3, 3);
                System.arraycopy(b, t * 2, sb, r * 2, 2);
                r++;
            }
            selected.update(m.create(sa, new Shape(kept, 3)), m.create(sb, new Shape(kept, 2)));
            assertArrayEquals(selected.comoment(), masked.comoment(), 1e-12);
            assertEquals(selected.count(), masked.count());
            assertTrue(masked.count() < n);
        }
    }

    @Test
    void float32InputIsWidenedAndMatchesFloat64() {
        try (NDManager m = manager.newSubManager()) {
            NDArray a = array(m, golden.get("plain.a")).toType(DataType.FLOAT32, false);
            NDArray b = array(m, golden.get("plain.b")).toType(DataType.FLOAT32, false);
            CrossCorrelation f32 = new CrossCorrelation("f32", 6, 5);
            f32.update(a, b);
            CrossCorrelation f64 = new CrossCorrelation("f64", 6, 5);
            f64.update(a.toType(DataType.FLOAT64, false), b.toType(DataType.FLOAT64, false));
            assertArrayEquals(f64.comoment(), f32.comoment(), 1e-12);
        }
    }

    /** Float64 two-pass Pearson correlation of the rows by plain loops, 0 for a unit that never varies. */
    private static double[] twoPassCorrelation(double[] a, double[] b, int n, int dA, int dB) {
        double[] ma = new double[dA];
        double[] mb = new double[dB];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < dA; i++) ma[i] += a[t * dA + i] / n;
            for (int j = 0; j < dB; j++) mb[j] += b[t * dB + j] / n;
        }
        double[] sa = new double[dA];
        double[] sb = new double[dB];
        double[] com = new double[dA * dB];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < dA; i++) {
                double x = a[t * dA + i] - ma[i];
                sa[i] += x * x;
                for (int j = 0; j < dB; j++) com[i * dB + j] += x * (b[t * dB + j] - mb[j]);
            }
            for (int j = 0; j < dB; j++) sb[j] += (b[t * dB + j] - mb[j]) * (b[t * dB + j] - mb[j]);
        }
        double[] r = new double[dA * dB];
        for (int i = 0; i < dA; i++) {
            for (int j = 0; j < dB; j++) r[i * dB + j] = sa[i] > 0 && sb[j] > 0 ? com[i * dB + j] / Math.sqrt(sa[i] * sb[j]) : 0;
        }
        return r;
    }

    private static double[] roundedToFloat32(double[] x) {
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) out[k] = (float) x[k];
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "offset", "dead"})
    void float32CoMomentStaysWithin1e6OfAFloat64TwoPassReference(String name) {
        // The activations a model hands over are float32: the reference is float64 two-pass on those same values.
        Tensor ta = golden.get(name + ".a");
        Tensor tb = golden.get(name + ".b");
        int n = (int) ta.dim(0);
        int dA = (int) ta.dim(1);
        int dB = (int) tb.dim(1);
        double[] a = roundedToFloat32(ta.toDoubleArray());
        double[] b = roundedToFloat32(tb.toDoubleArray());
        double[] reference = twoPassCorrelation(a, b, n, dA, dB);
        CrossCorrelation f32 = new CrossCorrelation(name, dA, dB, StatisticsPrecision.FLOAT32);
        CrossCorrelation f64 = new CrossCorrelation(name, dA, dB, StatisticsPrecision.FLOAT64);
        int[] cuts = {0, 1, 100, 101, 333, n};
        try (NDManager m = manager.newSubManager()) {
            NDArray xa = m.create(a, new Shape(n, dA)).toType(DataType.FLOAT32, false);
            NDArray xb = m.create(b, new Shape(n, dB)).toType(DataType.FLOAT32, false);
            for (int c = 1; c < cuts.length; c++) {
                String rows = cuts[c - 1] + ":" + cuts[c];
                f32.update(xa.get(rows), xb.get(rows));
                f64.update(xa.get(rows), xb.get(rows));
            }
        }
        double[] actual = f32.correlation();
        double[] exact = f64.correlation();
        // (The golden file's own ρ is of the float64 inputs; rounding the mean-1e4 case to float32 moves ρ by ~1e-5,
        // an input change no arithmetic can undo, hence the reference on the rounded inputs.)
        double worst = 0;
        double f32VsF64 = 0;
        for (int k = 0; k < reference.length; k++) {
            assertEquals(reference[k], actual[k], 1e-6, name + " corr[" + k + "] vs float64 two-pass");
            assertEquals(reference[k], exact[k], 1e-12, name + " corr[" + k + "] float64 mode");
            worst = Math.max(worst, Math.abs(reference[k] - actual[k]));
            f32VsF64 = Math.max(f32VsF64, Math.abs(exact[k] - actual[k]));
        }
        // Means and M2 stay float64 in both modes; only the batch product differs, and it did run in float32.
        assertArrayEquals(f64.meanA(), f32.meanA(), 0.0, name + " meanA");
        assertArrayEquals(f64.varianceB(), f32.varianceB(), 0.0, name + " varB");
        assertTrue(f32VsF64 > 0, name + ": float32 and float64 products agree exactly, so no float32 product ran");
        assertTrue(worst <= 1e-6, name + " worst error " + worst);
        assertArrayEquals(f64.deadUnitsA(), f32.deadUnitsA(), name + " dead A");
        assertArrayEquals(f64.deadUnitsB(), f32.deadUnitsB(), name + " dead B");
    }

    /**
     * A batch large enough for the parallel row blocks (3000 frames, mean 10⁴ on A, −10⁴ on B, float32 inputs):
     * float32 correlations stay within 10⁻⁶ of the float64 two-pass reference, float64 ones within 10⁻¹², and every
     * sum is bit-identical whether one thread or four run the blocks.
     */
    @ParameterizedTest
    @ValueSource(strings = {"float32", "float64"})
    void parallelBlocksMatchTheTwoPassReferenceOnAnyThreadCount(String key) throws Exception {
        StatisticsPrecision precision = StatisticsPrecision.parse(key);
        int n = 3000;
        int dA = 37;
        int dB = 29;
        Random rnd = new Random(12);
        double[] a = new double[n * dA];
        double[] b = new double[n * dB];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < dA; i++) a[t * dA + i] = (float) (1e4 + (i + 1) * 0.1 * rnd.nextGaussian());
            for (int j = 0; j < dB; j++) b[t * dB + j] = (float) (-1e4 + 0.3 * a[t * dA + j % dA] - 0.3e4 + rnd.nextGaussian());
        }
        double[] reference = twoPassCorrelation(a, b, n, dA, dB);
        CrossCorrelation[] runs = new CrossCorrelation[2];
        int[] threads = {1, 4};
        for (int r = 0; r < 2; r++) {
            CrossCorrelation cc = new CrossCorrelation("blocks", dA, dB, precision);
            java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads[r]);
            try (NDManager m = manager.newSubManager()) {
                NDArray xa = m.create(a, new Shape(n, dA)).toType(DataType.FLOAT32, false);
                NDArray xb = m.create(b, new Shape(n, dB)).toType(DataType.FLOAT32, false);
                // Two batches, the second starting mid-array: the rows are read in place at an offset.
                pool.submit(() -> {
                    cc.update(xa.get("0:1100"), xb.get("0:1100"));
                    cc.update(xa.get("1100:"), xb.get("1100:"));
                }).get();
            } finally {
                pool.shutdown();
            }
            runs[r] = cc;
        }
        assertArrayEquals(runs[0].comoment(), runs[1].comoment(), 0.0, key + ": co-moment depends on the thread count");
        assertArrayEquals(runs[0].meanA(), runs[1].meanA(), 0.0, key + ": mean A depends on the thread count");
        assertArrayEquals(runs[0].varianceB(), runs[1].varianceB(), 0.0, key + ": variance B depends on the thread count");
        double[] actual = runs[1].correlation();
        double tolerance = precision == StatisticsPrecision.FLOAT32 ? 1e-6 : 1e-12;
        for (int k = 0; k < reference.length; k++) {
            assertEquals(reference[k], actual[k], tolerance, key + " corr[" + k + "] vs float64 two-pass");
        }
    }

    @Test
    void nonFiniteInputIsAnErrorNamingTheSpaceAndUnit() {
        try (NDManager m = manager.newSubManager()) {
            double[] a = new double[40];
            for (int k = 0; k < a.length; k++) a[k] = k;
            a[4 * 3 + 1] = Double.NaN;
            NDArray xa = m.create(a, new Shape(10, 4));
            NDArray xb = m.create(new double[20], new Shape(10, 2));
            CrossCorrelation cc = new CrossCorrelation("ffn.3", 4, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cc.update(xa, xb));
            assertTrue(e.getMessage().contains("ffn.3 (A)") && e.getMessage().contains("unit 1"), e.getMessage());
            assertEquals(0, cc.count());
            NDArray wrong = m.create(new double[30], new Shape(10, 3));
            NDArray finite = m.create(new double[40], new Shape(10, 4));
            e = assertThrows(IllegalArgumentException.class, () -> cc.update(finite, wrong));
            assertTrue(e.getMessage().contains("[N, 2]"), e.getMessage());
        }
    }

    @Test
    void unitStatisticsMatchTheGoldenMeansAndVariances() {
        Tensor t = golden.get("offset.a");
        UnitStatistics whole = new UnitStatistics("offset.a", 4);
        UnitStatistics part1 = new UnitStatistics("offset.a", 4);
        UnitStatistics part2 = new UnitStatistics("offset.a", 4);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = array(m, t);
            whole.update(x);
            part1.update(x.get("0:123"));
            part2.update(x.get("123:"));
        }
        part1.merge(part2);
        assertClose(golden.get("offset.meanA").toDoubleArray(), whole.mean(), 1e-13, "mean");
        assertClose(golden.get("offset.varA").toDoubleArray(), whole.variance(), 1e-9, "var");
        assertClose(whole.variance(), part1.variance(), 1e-11, "merged var");
        assertEquals(700, part1.count());
    }
}
