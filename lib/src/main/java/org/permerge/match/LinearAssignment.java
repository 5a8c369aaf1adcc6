package org.permerge.match;

import java.util.Arrays;

/**
 * Solves the dense linear assignment problem exactly with a shortest-augmenting-path method of the
 * Jonker–Volgenant family: column reduction, reduction transfer and augmenting row reduction build a
 * good partial assignment with feasible duals, then one Dijkstra search per remaining free row completes it.
 *
 * <p>Rectangular problems are solved in the orientation with fewer rows than columns (the other
 * orientation is transposed and its answer transposed back): every unit of the smaller side is assigned.
 * Maximisation is minimisation of the negated cost. The returned duals certify optimality of the
 * minimisation form {@code c' = (maximize ? -c : c)}: every reduced cost {@code c'[i][j] - u[i] - v[j]} is
 * non-negative (up to rounding) and zero on assigned pairs; in a rectangular problem the duals of the
 * larger side's unassigned units are 0 and no other dual of that side is positive, which is what the
 * linear program with "at most once" on the larger side requires.
 */
public final class LinearAssignment {
    private LinearAssignment() {}

    /**
     * An optimal assignment.
     *
     * @param rowToCol for each row its column, or -1 where the row is left over (more rows than columns)
     * @param total    sum of the original costs over the assigned pairs
     * @param u        row duals of the minimisation form
     * @param v        column duals of the minimisation form
     */
    public record Assignment(int[] rowToCol, double total, double[] u, double[] v) {
        /** For each column its row, or -1 where the column is left over. */
        public int[] colToRow() {
            int[] out = new int[v.length];
            Arrays.fill(out, -1);
            for (int i = 0; i < rowToCol.length; i++) {
                if (rowToCol[i] >= 0) out[rowToCol[i]] = i;
            }
            return out;
        }
    }

    /**
     * Finds an assignment of rows to columns with the least (or, with {@code maximize}, the greatest)
     * total cost.
     *
     * @param cost     row-major rows×cols matrix; not modified
     * @param maximize maximise the total instead of minimising it
     * @throws IllegalArgumentException when the shape does not match or a cell is NaN or infinite
     */
    public static Assignment solve(double[] cost, int rows, int cols, boolean maximize) {
        if (rows < 0 || cols < 0 || (long) rows * cols != cost.length) {
            throw new IllegalArgumentException("cost matrix holds " + cost.length + " values, expected rows×cols = "
                    + rows + "×" + cols);
        }
        for (int k = 0; k < cost.length; k++) {
            double c = cost[k];
            if (Double.isNaN(c) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("cost matrix cell [" + (k / cols) + "][" + (k % cols) + "] is " + c
                        + "; every cost must be finite");
            }
        }
        if (rows == 0 || cols == 0) {
            int[] none = new int[rows];
            Arrays.fill(none, -1);
            return new Assignment(none, 0.0, new double[rows], new double[cols]);
        }
        boolean transpose = rows > cols;
        int n = transpose ? cols : rows;
        int m = transpose ? rows : cols;
        // Working copy in the minimisation form and the orientation n <= m.
        double[] c = new double[n * m];
        double sign = maximize ? -1.0 : 1.0;
        if (transpose) {
            for (int i = 0; i < rows; i++) {
                int base = i * cols;
                for (int j = 0; j < cols; j++) c[j * m + i] = sign * cost[base + j];
            }
        } else if (maximize) {
            for (int k = 0; k < c.length; k++) c[k] = -cost[k];
        } else {
            System.arraycopy(cost, 0, c, 0, c.length);
        }
        Solver s = new Solver(c, n, m);
        s.run();
        // Row duals follow from the column duals: each assigned row sits at its least reduced cost.
        double[] u = new double[n];
        for (int i = 0; i < n; i++) u[i] = c[i * m + s.x[i]] - s.v[s.x[i]];
        int[] rowToCol;
        double[] ru;
        double[] rv;
        if (transpose) {
            rowToCol = new int[rows];
            Arrays.fill(rowToCol, -1);
            for (int i = 0; i < n; i++) rowToCol[s.x[i]] = i;
            ru = s.v;
            rv = u;
        } else {
            rowToCol = s.x;
            ru = u;
            rv = s.v;
        }
        double total = 0;
        for (int i = 0; i < rows; i++) {
            if (rowToCol[i] >= 0) total += cost[i * cols + rowToCol[i]];
        }
        return new Assignment(rowToCol, total, ru, rv);
    }

    /** Convenience: the same for a matrix given as rows of equal length. */
    public static Assignment solve(double[][] cost, boolean maximize) {
        int rows = cost.length;
        int cols = rows == 0 ? 0 : cost[0].length;
        double[] flat = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            if (cost[i].length != cols) {
                throw new IllegalArgumentException("cost row " + i + " has " + cost[i].length + " entries, expected " + cols);
            }
            System.arraycopy(cost[i], 0, flat, i * cols, cols);
        }
        return solve(flat, rows, cols, maximize);
    }

    /** The state of one solve, n rows ≤ m columns, minimisation. */
    private static final class Solver {
        private final double[] c;
        private final int n;
        private final int m;
        final int[] x;  // row -> column, -1 free
        final int[] y;  // column -> row, -1 free
        final double[] v;

        Solver(double[] c, int n, int m) {
            this.c = c;
            this.n = n;
            this.m = m;
            this.x = new int[n];
            this.y = new int[m];
            this.v = new double[m];
            Arrays.fill(x, -1);
            Arrays.fill(y, -1);
        }

        void run() {
            int[] free;
            int numFree;
            if (n == m) {
                free = new int[n];
                numFree = columnReduction(free);
            } else {
                // Columns may stay unassigned, so their duals must stay at 0: start from v = 0 with
                // every row free and let augmenting row reduction only lower duals of assigned columns.
                free = new int[n];
                for (int i = 0; i < n; i++) free[i] = i;
                numFree = n;
            }
            for (int pass = 0; pass < 2 && numFree > 0; pass++) {
                numFree = augmentingRowReduction(free, numFree);
            }
            if (numFree > 0) augment(free, numFree);
        }

        /**
         * Assigns each column to its cheapest row when that row is still free, sets v to the column minima,
         * then transfers each singly matched row's slack onto its column. Returns the number of free rows.
         */
        private int columnReduction(int[] free) {
            // Column minima by a row-major sweep, so the cost matrix is read in memory order.
            int[] argmin = new int[m];
            double[] colMin = new double[m];
            System.arraycopy(c, 0, colMin, 0, m);
            for (int i = 1; i < n; i++) foldColumnMinima(i, colMin, argmin);
            int[] matches = new int[n];
            for (int j = m - 1; j >= 0; j--) {
                v[j] = colMin[j];
                int i = argmin[j];
                if (++matches[i] == 1) {
                    x[i] = j;
                    y[j] = i;
                }
            }
            int numFree = 0;
            for (int i = 0; i < n; i++) {
                if (matches[i] == 0) {
                    free[numFree++] = i;
                } else if (matches[i] == 1) {
                    // Reduction transfer: lower v of the row's column to its second-best reduced cost.
                    int j1 = x[i];
                    twoSmallest(i);
                    // Least reduced cost over the other columns (another column may tie with j1 at the minimum).
                    double min = rowJ1 == j1 ? rowU2 : rowU1;
                    if (min != Double.POSITIVE_INFINITY) v[j1] -= min - (c[i * m + j1] - v[j1]);
                }
            }
            return numFree;
        }

        /** Folds row i into the running column minima (small and hot, so the JIT compiles it early). */
        private void foldColumnMinima(int i, double[] colMin, int[] argmin) {
            int base = i * m;
            for (int j = 0; j < m; j++) {
                double cij = c[base + j];
                if (cij < colMin[j]) {
                    colMin[j] = cij;
                    argmin[j] = i;
                }
            }
        }

        // Results of twoSmallest: least and second least reduced cost of a row and their columns.
        private double rowU1;
        private double rowU2;
        private int rowJ1;
        private int rowJ2;

        /**
         * The two least reduced costs c[i][j] − v[j] of row i. A method of its own (called thousands of times)
         * so that the JIT compiles it fully early instead of only replacing a long-running loop.
         */
        private void twoSmallest(int i) {
            int base = i * m;
            double u1 = c[base] - v[0];
            int j1 = 0;
            double u2 = Double.POSITIVE_INFINITY;
            int j2 = -1;
            for (int j = 1; j < m; j++) {
                double h = c[base + j] - v[j];
                if (h < u2) {
                    if (h >= u1) {
                        u2 = h;
                        j2 = j;
                    } else {
                        u2 = u1;
                        j2 = j1;
                        u1 = h;
                        j1 = j;
                    }
                }
            }
            rowU1 = u1;
            rowU2 = u2;
            rowJ1 = j1;
            rowJ2 = j2;
        }

        /**
         * One pass of augmenting row reduction: each free row takes its cheapest column, lowering that
         * column's dual to the row's second-best value, and evicts the column's previous owner. Bounded
         * so that ties and rounding cannot make it cycle; rows still free go to the augmentation phase.
         */
        private int augmentingRowReduction(int[] free, int prevNumFree) {
            int numFree = 0;
            int k = 0;
            long budget = 8L * n + 64;  // steps; generous for real inputs, a guard against cycling on ties
            while (k < prevNumFree) {
                int i = free[k++];
                twoSmallest(i);
                double u1 = rowU1;
                double u2 = rowU2;
                int j1 = rowJ1;
                int j2 = rowJ2;
                int i0 = y[j1];
                boolean strict = u1 < u2 && j2 >= 0;
                if (strict) {
                    v[j1] -= u2 - u1;
                } else if (i0 >= 0 && j2 >= 0) {
                    // Tie: take the second column instead, which may be free.
                    j1 = j2;
                    i0 = y[j1];
                }
                if (i0 >= 0) x[i0] = -1;
                x[i] = j1;
                y[j1] = i;
                if (i0 >= 0) {
                    if (strict && --budget > 0) {
                        free[--k] = i0;  // reconsider the evicted row at once
                    } else {
                        free[numFree++] = i0;
                    }
                }
            }
            return numFree;
        }

        private double relaxBest;
        private int relaxNext;

        /**
         * Relaxes every unscanned column through row i (whose column is reached at distance −u1 offset) and
         * finds the closest unscanned column, preferring a free one among equals.
         */
        private void relax(int i, double u1, double[] d, int[] pred, boolean[] done) {
            int ib = i * m;
            double best = Double.POSITIVE_INFINITY;
            int next = -1;
            for (int j = 0; j < m; j++) {
                if (done[j]) continue;
                double h = c[ib + j] - v[j] - u1;
                double dj = d[j];
                if (h < dj) {
                    dj = h;
                    d[j] = h;
                    pred[j] = i;
                }
                if (dj < best || (dj == best && y[j] < 0)) {
                    best = dj;
                    next = j;
                }
            }
            relaxBest = best;
            relaxNext = next;
        }

        /**
         * Dijkstra search from every remaining free row, augmenting along the shortest path found. Each step
         * relaxes the newly reached row and finds the next closest column in one contiguous sweep over the
         * columns, which keeps the inner loop streaming through memory.
         */
        private void augment(int[] free, int numFree) {
            double[] d = new double[m];
            int[] pred = new int[m];
            boolean[] done = new boolean[m];
            int[] scanned = new int[m];
            for (int f = 0; f < numFree; f++) {
                int start = free[f];
                int base = start * m;
                double best = Double.POSITIVE_INFINITY;
                int next = -1;
                for (int j = 0; j < m; j++) {
                    double h = c[base + j] - v[j];
                    d[j] = h;
                    pred[j] = start;
                    done[j] = false;
                    if (h < best || (h == best && y[j] < 0)) {
                        best = h;
                        next = j;
                    }
                }
                int numScanned = 0;
                double min;
                while (true) {
                    // next is the closest unscanned column; ties prefer a free column, which ends the search.
                    min = best;
                    int j1 = next;
                    if (y[j1] < 0) break;
                    done[j1] = true;
                    scanned[numScanned++] = j1;
                    int i = y[j1];
                    double u1 = c[i * m + j1] - v[j1] - min;
                    relax(i, u1, d, pred, done);
                    best = relaxBest;
                    next = relaxNext;
                }
                int sink = next;
                // Scanned columns moved closer to the tree than the sink; lower their duals accordingly.
                for (int q = 0; q < numScanned; q++) {
                    int j = scanned[q];
                    v[j] += d[j] - min;
                }
                int j = sink;
                while (true) {
                    int i = pred[j];
                    y[j] = i;
                    int prev = x[i];
                    x[i] = j;
                    if (i == start) break;
                    j = prev;
                }
            }
        }
    }
}
