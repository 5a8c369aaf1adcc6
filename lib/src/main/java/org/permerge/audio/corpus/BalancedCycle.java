package org.permerge.audio.corpus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * An endless sequence that visits every value once per cycle in a fresh random order, so class counts stay balanced
 * while combinations of independently cycled factors stay random.
 */
final class BalancedCycle<T> {
    private final List<T> values;
    private final Random rng;
    private final List<T> order = new ArrayList<>();
    private int pos;

    BalancedCycle(List<T> values, Random rng) {
        if (values.isEmpty()) throw new IllegalArgumentException("nothing to cycle over");
        this.values = List.copyOf(values);
        this.rng = rng;
    }

    T next() {
        if (pos == order.size()) {
            order.clear();
            order.addAll(values);
            Collections.shuffle(order, rng);
            pos = 0;
        }
        return order.get(pos++);
    }
}
