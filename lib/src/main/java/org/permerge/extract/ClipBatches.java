package org.permerge.extract;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** How a {@link ForwardLoop} groups clips into forward passes: each batch is a list of clip indices. */
@FunctionalInterface
public interface ClipBatches {
    /** The batches, in the order they are run; every clip of {@code source} in exactly one. */
    List<int[]> plan(ClipSource source);

    /**
     * Longest clips first, so that each batch pads little, with at most {@code maxBatchSeconds} of padded audio
     * (clips × longest clip) per batch, and at least one clip (what the extractions do).
     */
    static ClipBatches longestFirst(double maxBatchSeconds) {
        if (!(maxBatchSeconds > 0)) throw new IllegalArgumentException("max batch seconds must be positive, got " + maxBatchSeconds);
        return source -> {
            Integer[] order = IntStream.range(0, source.size()).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -source.seconds(i)).thenComparingInt(i -> i));
            List<int[]> batches = new ArrayList<>();
            int start = 0;
            while (start < order.length) {
                double longest = source.seconds(order[start]);
                int count = Math.max(1, (int) Math.floor(maxBatchSeconds / Math.max(longest, 1e-9)));
                int end = Math.min(order.length, start + count);
                int[] batch = new int[end - start];
                for (int i = start; i < end; i++) batch[i - start] = order[i];
                batches.add(batch);
                start = end;
            }
            return batches;
        };
    }

    /** {@code clipsPerBatch} clips at a time in the given order (the last batch may hold fewer). */
    static ClipBatches inOrder(int clipsPerBatch) {
        if (clipsPerBatch <= 0) throw new IllegalArgumentException("batch size must be positive, got " + clipsPerBatch);
        return source -> {
            List<int[]> batches = new ArrayList<>();
            for (int start = 0; start < source.size(); start += clipsPerBatch) {
                batches.add(IntStream.range(start, Math.min(source.size(), start + clipsPerBatch)).toArray());
            }
            return batches;
        };
    }

    /** Every clip in one forward pass, in the given order (none when there are no clips). */
    static ClipBatches all() {
        return source -> source.size() == 0 ? List.of() : List.of(IntStream.range(0, source.size()).toArray());
    }
}
