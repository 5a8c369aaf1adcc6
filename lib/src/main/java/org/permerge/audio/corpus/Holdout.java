package org.permerge.audio.corpus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Partitions the values of one factor (voices, words, instruments, ...) into train / dev / test, so a task can be
 * tested on values of a factor it does not predict that training never saw. Stratified by a group (e.g. gender,
 * instrument family) so each split keeps the groups' balance.
 *
 * @param factor the factor's name
 * @param split  value to split
 */
public record Holdout(String factor, Map<String, String> split) {
    public static final String TRAIN = "train";
    public static final String DEV = "dev";
    public static final String TEST = "test";

    /**
     * Within each group, shuffles the values and takes {@code devPerGroup} for dev, {@code testPerGroup} for test,
     * the rest for train.
     */
    public static Holdout stratified(String factor, Map<String, String> valueToGroup, int devPerGroup, int testPerGroup,
                                     Random rng) {
        Map<String, List<String>> groups = new TreeMap<>();
        for (var e : valueToGroup.entrySet()) groups.computeIfAbsent(e.getValue(), g -> new ArrayList<>()).add(e.getKey());
        Map<String, String> split = new LinkedHashMap<>();
        for (var e : groups.entrySet()) {
            List<String> v = new ArrayList<>(e.getValue());
            Collections.sort(v);
            if (v.size() < devPerGroup + testPerGroup + 1) {
                throw new IllegalArgumentException(factor + " group '" + e.getKey() + "' has " + v.size()
                        + " values, need " + (devPerGroup + testPerGroup + 1) + " to hold out dev and test");
            }
            Collections.shuffle(v, rng);
            for (int i = 0; i < v.size(); i++) split.put(v.get(i), i < devPerGroup ? DEV : i < devPerGroup + testPerGroup ? TEST : TRAIN);
        }
        return new Holdout(factor, split);
    }

    public String of(String value) {
        String s = split.get(value);
        if (s == null) throw new IllegalArgumentException("no split for " + factor + " '" + value + "'");
        return s;
    }

    public List<String> values(String which) {
        return split.entrySet().stream().filter(e -> e.getValue().equals(which)).map(Map.Entry::getKey).sorted().toList();
    }

    /** Header record: factor and its values per split. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("holds_out", factor);
        m.put(TRAIN, values(TRAIN));
        m.put(DEV, values(DEV));
        m.put(TEST, values(TEST));
        return m;
    }
}
