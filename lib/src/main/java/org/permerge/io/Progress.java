package org.permerge.io;

import java.util.ServiceLoader;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Where a long step reports how far it has got, handed to the step's builder with {@code optProgress(Progress)}
 * as in DJL. Lower layers ask for {@link #standard()} and so never name the notebook: the notebook's display
 * registers itself as a {@link ServiceLoader} provider of this interface.
 */
@FunctionalInterface
public interface Progress {

    /** A started bar for {@code task} over {@code max} steps; the caller steps it and closes it. */
    ProgressBar start(String task, long max);

    /** The library's usual terminal bar (on stderr). */
    static Progress console() {
        return (task, max) -> new ProgressBarBuilder().setTaskName(task).setInitialMax(max).build();
    }

    /**
     * The first provider found on the library's class path (the notebook display, which draws in the notebook
     * when a kernel is running and on the terminal otherwise), else {@link #console()}.
     */
    static Progress standard() {
        for (Progress p : ServiceLoader.load(Progress.class, Progress.class.getClassLoader())) {
            return p;
        }
        return console();
    }
}
