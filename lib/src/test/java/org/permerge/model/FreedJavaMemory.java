package org.permerge.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the use of freed Java memory visible: collects garbage so that the direct buffers of closed arrays are
 * freed, then takes small blocks from the allocator and fills them with {@link #POISON}, so a tensor still
 * pointing at a freed buffer reads the poison instead of its old, still intact bytes.
 */
final class FreedJavaMemory {
    /** A value no gradient of the tests comes near. */
    static final float POISON = 1.7e35f;

    private FreedJavaMemory() {
    }

    /** Frees unreachable direct buffers and poisons reused blocks; hold the result until the check is done. */
    static List<ByteBuffer> freeAndPoison() {
        for (int i = 0; i < 2; i++) {
            System.gc();
            try {
                // direct buffers are freed by the JDK's reference-handler thread after the collection
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for freed buffers", e);
            }
        }
        List<ByteBuffer> held = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            // 4..64 bytes: the sizes of the scalars and small index arrays DJL wraps
            ByteBuffer b = ByteBuffer.allocateDirect(4 * (1 + i % 16)).order(ByteOrder.nativeOrder());
            while (b.remaining() >= 4) b.putFloat(POISON);
            held.add(b);
        }
        return held;
    }
}
