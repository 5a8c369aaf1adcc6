package org.permerge.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.permerge.io.Blas;

/**
 * The float32 GEMM of {@link BlasEncoder}: OpenBLAS's {@code cblas_sgemm} through its JavaCPP preset, on
 * off-heap operands addressed by element offsets, every extent checked against its buffer before the native
 * call (an out-of-bounds operand would read or write foreign memory).
 */
final class OpenBlas {
    /** Wall time spent inside {@link #sgemm} by all callers, for benchmark breakdowns. */
    static final java.util.concurrent.atomic.LongAdder GEMM_NANOS = new java.util.concurrent.atomic.LongAdder();

    private OpenBlas() {
    }

    /** Whether the natives load on this machine (loads them on first call, through {@link Blas#ensureLoaded}). */
    static boolean available() {
        try {
            ensureLoaded();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Loads the natives once ({@link Blas#ensureLoaded}: the project's one loader); a failure names the artifact and this platform. */
    static void ensureLoaded() {
        Blas.ensureLoaded();
    }

    /** OpenBLAS's version, build and the kernel family it chose for this CPU (e.g. "OpenBLAS 0.3.31 DYNAMIC_ARCH … Cooperlake"). */
    static String describe() {
        ensureLoaded();
        try {
            return org.bytedeco.openblas.global.openblas_full.openblas_get_config().getString();
        } catch (Throwable e) {
            return openblas_nolapack.OPENBLAS_VERSION + " (kernel family unknown: " + e + ")";
        }
    }

    /** Threads OpenBLAS runs one product on (process-wide). */
    static int threads() {
        return Blas.threads();
    }

    /** Sets the threads OpenBLAS runs one product on, for every caller in this process. */
    static void setThreads(int n) {
        Blas.setThreads(n);
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
        long t0 = System.nanoTime();
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, alpha,
                a.getPointer(aOff), lda, b.getPointer(bOff), ldb, beta, c.getPointer(cOff), ldc);
        GEMM_NANOS.add(System.nanoTime() - t0);
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
