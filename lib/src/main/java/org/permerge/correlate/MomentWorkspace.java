package org.permerge.correlate;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Off-heap buffers for one thread's batch statistics (centred rows of A and of B, their product), reused from
 * batch to batch: allocating hundreds of MB afresh per batch costs as much in first-touch page faults as the
 * GEMM itself (issue 12). A buffer only grows, by a quarter more than asked, so batches of varying length settle
 * on one allocation. Each thread has its own, so spaces updated on different threads never share one.
 */
final class MomentWorkspace {
    static final int CENTRED_A = 0;
    static final int CENTRED_B = 1;
    static final int PRODUCT = 2;

    private static final ThreadLocal<MomentWorkspace> PER_THREAD = ThreadLocal.withInitial(MomentWorkspace::new);

    private final FloatPointer[] floats = new FloatPointer[3];
    private final DoublePointer[] doubles = new DoublePointer[3];

    private MomentWorkspace() {
    }

    /** This thread's workspace. */
    static MomentWorkspace current() {
        return PER_THREAD.get();
    }

    /** A float32 buffer of at least {@code count} elements in the given slot; its contents are left over from earlier use. */
    FloatPointer floats(int slot, long count) {
        FloatPointer p = floats[slot];
        if (p == null || p.capacity() < count) {
            if (p != null) p.close();
            p = new FloatPointer(grown(count));
            floats[slot] = p;
        }
        return p;
    }

    /** A float64 buffer of at least {@code count} elements in the given slot. */
    DoublePointer doubles(int slot, long count) {
        DoublePointer p = doubles[slot];
        if (p == null || p.capacity() < count) {
            if (p != null) p.close();
            p = new DoublePointer(grown(count));
            doubles[slot] = p;
        }
        return p;
    }

    private static long grown(long count) {
        return Math.max(1, count + count / 4);
    }
}
