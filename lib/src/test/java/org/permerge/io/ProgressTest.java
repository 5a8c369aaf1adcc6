package org.permerge.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void consoleBarCountsToItsMax() {
        try (ProgressBar bar = Progress.console().start("task", 3)) {
            bar.stepBy(2);
            assertEquals(2, bar.getCurrent());
            assertEquals(3, bar.getMax());
            assertEquals("task", bar.getTaskName());
        }
    }

    @Test
    void standardAlwaysGivesAProgress() {
        // with or without a registered display there is one to hand to optProgress
        assertNotNull(Progress.standard());
    }
}
