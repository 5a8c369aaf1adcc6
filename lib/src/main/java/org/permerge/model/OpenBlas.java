package org.permerge.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The float32 GEMM of {@link BlasEncoder}: OpenBLAS's {@code cblas_sgemm} through its JavaCPP preset, on
 * off-heap operands addressed by element offsets, every extent checked against its buffer before the native
 * call (an out-of-bounds operand would read or write foreign memory).
 */
final class OpenBlas {
    /** The Maven coordinates whose natives this class loads, named when they cannot load. */
    static final String ARTIFACT = "org.bytedeco:openblas:0.3.31-1.5.13 (natives: classifier linux-x86_64)";

    private static volatile Throwable loadFailure;
    private static volatile boolean loaded;

    private OpenBlas() {
    }

    /** Whether the natives load on this machine (loads them on first call). */
    static boolean available() {
        try {
            ensureLoaded();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Loads the natives once; a failure names the artifact and this platform. */
    static void ensureLoaded() {
        if (loaded) return;
        synchronized (OpenBlas.class) {
            if (loaded) return;
            if (loadFailure == null) {
                try {
                    Loader.load(openblas_nolapack.class);
                    loaded = true;
                    return;
                } catch (Throwable e) {
                    loadFailure = e;
                }
            }
            throw new IllegalStateException("cannot load the native OpenBLAS library from " + ARTIFACT + " on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + " (JavaCPP platform "
                    + Loader.getPlatform() + "): " + loadFailure, loadFailure);
        }
    }

    /** Threads OpenBLAS runs one product on (process-wide). */
    static int threads() {
        ensureLoaded();
        return openblas_nolapack.blas_get_num_threads();
    }

    /** Sets the threads OpenBLAS runs one product on, for every caller in this process. */
    static void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("OpenBLAS threads: expected a positive count, got " + n);
        ensureLoaded();
        openblas_nolapack.blas_set_num_threads(n);
    }

    /**
     * C[m×n] = α·A[m×k]·op(B) + β·C, row-major, each operand given as buffer + element offset + row length:
     * op(B) = Bᵀ with B stored n×k when {@code transB}, else B stored k×n.
     */
    static void sgemm(boolean transB, int m, int n, int k, float alpha, FloatPointer a, long aOff, int lda,
                      FloatPointer b, long bOff, int ldb, float beta, FloatPointer c, long cOff, int ldc) {
        ensureLoaded();
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("GEMM sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        if (m == 0 || n == 0) return;
        check("A", a, aOff, m, k, lda);
        check("B", b, bOff, transB ? n : k, transB ? k : n, ldb);
        check("C", c, cOff, m, n, ldc);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, alpha,
                a.getPointer(aOff), lda, b.getPointer(bOff), ldb, beta, c.getPointer(cOff), ldc);
    }

    private static void check(String name, FloatPointer p, long off, int rows, int cols, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("GEMM operand " + name + ": row length " + ld + " is shorter than its " + cols + " columns");
        }
        long need = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || (rows > 0 && cols > 0 && need > p.capacity())) {
            throw new IllegalArgumentException("GEMM operand " + name + ": " + rows + "x" + cols + " with row length " + ld
                    + " from offset " + off + " needs " + need + " elements, the buffer holds " + p.capacity());
        }
    }
}
