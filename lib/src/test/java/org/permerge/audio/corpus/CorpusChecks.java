package org.permerge.audio.corpus;

import org.permerge.audio.Manifest;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Checks shared by the corpus tests. */
final class CorpusChecks {
    private CorpusChecks() {}

    /** For every task in the header: the held-out factor's values in each split are exactly the header's lists. */
    @SuppressWarnings("unchecked")
    static void holdoutsAreDisjoint(Manifest m) {
        Map<String, Object> tasks = (Map<String, Object>) m.header().get("tasks");
        assertFalse(tasks.isEmpty());
        for (var e : tasks.entrySet()) {
            Map<String, Object> t = (Map<String, Object>) e.getValue();
            String factor = (String) t.get("holds_out");
            Manifest view = m.task(e.getKey());
            Set<String> seenTrain = new HashSet<>();
            for (String split : List.of("train", "dev", "test")) {
                Set<String> allowed = new HashSet<>((List<String>) t.get(split));
                for (Manifest.Clip c : view.split(split).clips()) {
                    String v = String.valueOf(c.factors().get(factor));
                    assertTrue(allowed.contains(v), e.getKey() + "/" + split + " clip " + c.id() + " has " + factor + " " + v);
                    if (split.equals("train")) seenTrain.add(v);
                }
            }
            Set<String> held = new HashSet<>((List<String>) t.get("test"));
            held.retainAll(seenTrain);
            assertTrue(held.isEmpty(), e.getKey() + ": test " + factor + " values also in training: " + held);
            String label = (String) t.get("label");
            for (Manifest.Clip c : view.clips()) assertNotNull(c.labels().get(label), c.id() + " lacks label " + label);
        }
    }

    /** Calibration clips carry no labels and use only training-side values of every held-out factor. */
    @SuppressWarnings("unchecked")
    static void calibrationUsesTrainingSideOnly(Manifest m, int expected) {
        Map<String, Object> tasks = (Map<String, Object>) m.header().get("tasks");
        List<Manifest.Clip> cal = m.split("calibration").clips();
        assertEquals(expected, cal.size());
        for (Manifest.Clip c : cal) {
            assertTrue(c.labels().isEmpty() && c.splits().isEmpty(), c.id());
            for (Object o : tasks.values()) {
                Map<String, Object> t = (Map<String, Object>) o;
                String factor = (String) t.get("holds_out");
                assertTrue(((List<String>) t.get("train")).contains(String.valueOf(c.factors().get(factor))),
                        c.id() + " " + factor + " " + c.factors().get(factor));
            }
        }
    }

    static double db(double ratio) {
        return 20 * Math.log10(ratio);
    }

    static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i] * (double) x[i];
        return Math.sqrt(s / (to - from));
    }
}
