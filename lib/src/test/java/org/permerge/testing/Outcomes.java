package org.permerge.testing;

import org.permerge.bench.TaskOutcome;
import org.permerge.bench.TaskSpec;

/** Planted task outcomes for tests of score tables and summaries. */
public final class Outcomes {
    private Outcomes() {}

    /** {@code correct} of {@code n} clips right (the first ones), clip ids {@code <task><i>} so rows pair up. */
    public static TaskOutcome accuracy(TaskSpec t, int correct, int n) {
        boolean[] ok = new boolean[n];
        for (int i = 0; i < correct; i++) ok[i] = true;
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) ids[i] = t.name() + i;
        return TaskOutcome.ofCorrect(t, ids, ok);
    }
}
