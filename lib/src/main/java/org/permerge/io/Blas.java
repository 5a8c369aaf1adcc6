package org.permerge.io;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Row-major matrix products on OpenBLAS (the JavaCPP preset {@value #ARTIFACT}), for the GEMM-heavy parts that
 * libtorch's CPU GEMM runs far below this machine's peak (issue 12). Operands are off-heap (JavaCPP pointers),
 * so no Java array is copied per call. The library loads on first use with an explicit thread count: the system
 * property {@code permerge.blas.threads} if set, else every available processor.
 */
public final class Blas {
    /** The Maven coordinates whose natives this class loads, named in the error when they cannot load. */
    public static final String ARTIFACT = "org.bytedeco:openblas:0.3.31-1.5.13 with natives classifier linux-x86_64";

    private static volatile boolean loaded;
    private static int threads;

    private Blas() {
    }

    /**
     * Loads the native library once and sets its thread count.
     *
     * @throws IllegalStateException naming the artifact and the platform when the natives cannot load
     */
    public static void ensureLoaded() {
        if (loaded) return;
        synchronized (Blas.class) {
            if (loaded) return;
            try {
                unlimitJavaCppMemory();
                Loader.load(openblas_nolapack.class);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot load the native OpenBLAS library from " + ARTIFACT
                        + " (it ships natives for linux-x86_64; this machine is " + System.getProperty("os.name") + "/"
                        + System.getProperty("os.arch") + ", JavaCPP platform " + Loader.getPlatform()
                        + "): " + e, e);
            }
            int n = Integer.getInteger("permerge.blas.threads", Runtime.getRuntime().availableProcessors());
            if (n < 1) throw new IllegalArgumentException("permerge.blas.threads: expected a positive thread count, got " + n);
            openblas_nolapack.blas_set_num_threads(n);
            threads = n;
            loaded = true;
        }
    }

    /**
     * JavaCPP refuses allocations once its tracked buffers pass the Java heap limit or the process's RSS passes
     * twice that (its defaults), which a small-heap notebook holding libtorch reaches; every buffer of permerge is
     * freed explicitly, so both limits are lifted unless the user set them. Effective only before JavaCPP's first
     * use, which is why the one loader of the natives does it.
     */
    private static void unlimitJavaCppMemory() {
        for (String key : new String[] {"org.bytedeco.javacpp.maxBytes", "org.bytedeco.javacpp.maxPhysicalBytes"}) {
            if (System.getProperty(key) == null && System.getProperty(key.toLowerCase(java.util.Locale.ROOT)) == null) {
                System.setProperty(key, "0");
            }
        }
    }

    /** The threads OpenBLAS runs each product on. */
    public static int threads() {
        ensureLoaded();
        return threads;
    }

    /** Sets the threads OpenBLAS runs each product on (for every caller in this process). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("BLAS threads: expected a positive count, got " + n);
        ensureLoaded();
        openblas_nolapack.blas_set_num_threads(n);
        threads = n;
    }

    /**
     * C = α·op(A)·op(B) + β·C in float32, every matrix row-major: op(A) is m×k, op(B) is k×n, C is m×n; a transposed
     * operand is stored as its transpose (A k×m when transA), and ld* is the stored row length.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatPointer a, int lda,
                             FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
        checkGemm(transA, transB, m, n, k, lda, ldb, ldc, a.capacity(), b.capacity(), c.capacity());
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, op(transA), op(transB), m, n, k, alpha, a, lda,
                b, ldb, beta, c, ldc);
    }

    /** {@link #sgemm} in float64. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, DoublePointer a, int lda,
                             DoublePointer b, int ldb, double beta, DoublePointer c, int ldc) {
        checkGemm(transA, transB, m, n, k, lda, ldb, ldc, a.capacity(), b.capacity(), c.capacity());
        openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, op(transA), op(transB), m, n, k, alpha, a, lda,
                b, ldb, beta, c, ldc);
    }

    private static int op(boolean trans) {
        return trans ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    }

    /** Out-of-bounds operands would make the native code read or write foreign memory: refuse them here. */
    private static void checkGemm(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc,
                                  long capA, long capB, long capC) {
        ensureLoaded();
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("GEMM sizes must be ≥ 0, got m=" + m + " n=" + n + " k=" + k);
        checkOperand("A", transA ? k : m, transA ? m : k, lda, capA);
        checkOperand("B", transB ? n : k, transB ? k : n, ldb, capB);
        checkOperand("C", m, n, ldc, capC);
    }

    private static void checkOperand(String name, int rows, int cols, int ld, long capacity) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("GEMM operand " + name + ": row length " + ld + " is shorter than its " + cols + " columns");
        }
        long need = rows == 0 ? 0 : (long) (rows - 1) * ld + cols;
        // capacity 0 means "unknown" for a pointer JavaCPP did not allocate; such callers vouch for the size
        if (capacity > 0 && need > capacity) {
            throw new IllegalArgumentException("GEMM operand " + name + ": " + rows + "×" + cols + " with row length " + ld
                    + " needs " + need + " elements, the buffer holds " + capacity);
        }
    }
}
