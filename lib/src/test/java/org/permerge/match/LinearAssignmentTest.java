package org.permerge.match;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LinearAssignmentTest {

    @Test
    void everySciPyFixtureCaseHasTheSameOptimalTotals() throws Exception {
        Path dir = Fixtures.fixtures().resolve("assignment");
        StateDict cases = SafeTensors.read(dir.resolve("assignment-cases.safetensors"));
        JsonObject optima = JsonParser.parseString(Files.readString(dir.resolve("assignment-optima.json"))).getAsJsonObject();
        assertFalse(optima.isEmpty());
        for (Map.Entry<String, com.google.gson.JsonElement> e : optima.entrySet()) {
            String name = e.getKey();
            JsonObject o = e.getValue().getAsJsonObject();
            Tensor t = cases.get(name + ".cost");
            assertNotNull(t, name);
            int rows = (int) t.dim(0);
            int cols = (int) t.dim(1);
            double[] cost = t.toDoubleArray();
            for (boolean max : new boolean[] {false, true}) {
                double expected = o.get(max ? "max_total" : "min_total").getAsDouble();
                LinearAssignment.Assignment a = LinearAssignment.solve(cost, rows, cols, max);
                assertEquals(expected, a.total(), 1e-9 * Math.max(1.0, Math.abs(expected)),
                        name + (max ? " max" : " min"));
                assertValidAssignment(a, rows, cols);
                assertCertified(cost, rows, cols, max, a);
            }
        }
    }

    @Test
    void bruteForceAgreesOnRandomProblemsUpToEightByEight() {
        Random rnd = new Random(20260127L);
        int checked = 0;
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + rnd.nextInt(8);
            int cols = 1 + rnd.nextInt(8);
            if (trial % 3 == 0) cols = rows;
            double[] cost = new double[rows * cols];
            int kind = trial % 4;
            for (int k = 0; k < cost.length; k++) {
                cost[k] = switch (kind) {
                    case 0 -> rnd.nextGaussian();
                    case 1 -> rnd.nextInt(3);                      // many ties
                    case 2 -> 1.0 + rnd.nextInt(2) * 1e-13;        // near-equal floating costs
                    default -> Math.tanh(rnd.nextGaussian()) * (rnd.nextBoolean() ? 1 : 1e6);
                };
            }
            for (boolean max : new boolean[] {false, true}) {
                double best = bruteForce(cost, rows, cols, max);
                LinearAssignment.Assignment a = LinearAssignment.solve(cost, rows, cols, max);
                assertEquals(best, a.total(), 1e-9 * Math.max(1.0, Math.abs(best)),
                        "trial " + trial + " " + rows + "x" + cols + (max ? " max" : " min"));
                assertValidAssignment(a, rows, cols);
                assertCertified(cost, rows, cols, max, a);
                checked++;
            }
        }
        assertEquals(600, checked);
    }

    @Test
    void allEqualCostsTerminateWithAPermutation() {
        int n = 200;
        double[] cost = new double[n * n];
        java.util.Arrays.fill(cost, 0.5);
        LinearAssignment.Assignment a = LinearAssignment.solve(cost, n, n, true);
        assertValidAssignment(a, n, n);
        assertEquals(0.5 * n, a.total(), 1e-9);
    }

    @Test
    void largerRandomProblemsAreCertifiedByTheirDuals() {
        Random rnd = new Random(7);
        for (int[] shape : new int[][] {{300, 300}, {120, 310}, {310, 120}}) {
            double[] cost = new double[shape[0] * shape[1]];
            for (int k = 0; k < cost.length; k++) cost[k] = rnd.nextInt(20) + 0.01 * rnd.nextGaussian();
            for (boolean max : new boolean[] {false, true}) {
                LinearAssignment.Assignment a = LinearAssignment.solve(cost, shape[0], shape[1], max);
                assertValidAssignment(a, shape[0], shape[1]);
                assertCertified(cost, shape[0], shape[1], max, a);
            }
        }
    }

    @Test
    void nanAndInfiniteCostsAreRejectedNamingTheCell() {
        double[] cost = {1, 2, 3, 4, 5, Double.NaN};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearAssignment.solve(cost, 2, 3, false));
        assertTrue(e.getMessage().contains("[1][2]"), e.getMessage());
        double[] inf = {1, Double.NEGATIVE_INFINITY, 3, 4};
        e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(inf, 2, 2, true));
        assertTrue(e.getMessage().contains("[0][1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(new double[5], 2, 3, false));
    }

    /** Each row at most one column, each column at most one row, min(rows, cols) pairs. */
    static void assertValidAssignment(LinearAssignment.Assignment a, int rows, int cols) {
        boolean[] used = new boolean[cols];
        int pairs = 0;
        for (int i = 0; i < rows; i++) {
            int j = a.rowToCol()[i];
            if (j < 0) continue;
            assertFalse(used[j], "column " + j + " used twice");
            used[j] = true;
            pairs++;
        }
        assertEquals(Math.min(rows, cols), pairs);
    }

    /**
     * Linear-programming optimality: reduced costs of the minimisation form are non-negative, zero on the
     * assignment, and the duals of the larger side are 0 where unassigned and never positive.
     */
    static void assertCertified(double[] cost, int rows, int cols, boolean max, LinearAssignment.Assignment a) {
        double scale = 0;
        for (double c : cost) scale = Math.max(scale, Math.abs(c));
        double tol = 1e-9 * Math.max(1.0, scale);
        double sign = max ? -1 : 1;
        double[] u = a.u();
        double[] v = a.v();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double r = sign * cost[i * cols + j] - u[i] - v[j];
                assertTrue(r >= -tol, "reduced cost [" + i + "][" + j + "] = " + r);
                if (a.rowToCol()[i] == j) assertEquals(0.0, r, tol, "reduced cost on assigned pair " + i);
            }
        }
        if (rows < cols) {
            int[] colToRow = a.colToRow();
            for (int j = 0; j < cols; j++) {
                if (colToRow[j] < 0) assertEquals(0.0, v[j], tol, "dual of unassigned column " + j);
                assertTrue(v[j] <= tol, "column dual " + j + " positive: " + v[j]);
            }
        } else if (rows > cols) {
            for (int i = 0; i < rows; i++) {
                if (a.rowToCol()[i] < 0) assertEquals(0.0, u[i], tol, "dual of unassigned row " + i);
                assertTrue(u[i] <= tol, "row dual " + i + " positive: " + u[i]);
            }
        }
        // Strong duality: the dual objective equals the primal optimum.
        double dual = 0;
        for (double x : u) dual += x;
        for (double x : v) dual += x;
        assertEquals(sign * a.total(), dual, tol * (rows + cols));
    }

    /** Best total over every injective map of the smaller side into the larger one. */
    static double bruteForce(double[] cost, int rows, int cols, boolean max) {
        boolean transpose = rows > cols;
        int n = Math.min(rows, cols);
        int m = Math.max(rows, cols);
        double[] best = {max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY};
        search(0, n, m, new boolean[m], 0.0, (i, j) -> transpose ? cost[j * cols + i] : cost[i * cols + j], max, best);
        return best[0];
    }

    private interface Cell {
        double at(int i, int j);
    }

    private static void search(int i, int n, int m, boolean[] used, double sum, Cell c, boolean max, double[] best) {
        if (i == n) {
            if (max ? sum > best[0] : sum < best[0]) best[0] = sum;
            return;
        }
        for (int j = 0; j < m; j++) {
            if (!used[j]) {
                used[j] = true;
                search(i + 1, n, m, used, sum + c.at(i, j), c, max, best);
                used[j] = false;
            }
        }
    }
}
