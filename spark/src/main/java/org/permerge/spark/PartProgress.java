package org.permerge.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a Spark job on the driver's terminal: one line per part done (with the clips it held and the
 * running totals) and one per failed attempt, saying that Spark runs that part again.
 */
final class PartProgress extends SparkListener {
    private final int[] clipsPerPart;
    private final int totalClips;
    private final String what;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final boolean[] done;
    private int partsDone;
    private int clipsDone;

    /** Progress of parts holding {@code clipsPerPart} clips each, whose results are {@code what} (e.g. "statistics"). */
    PartProgress(int[] clipsPerPart, String what, PrintStream out) {
        this.what = what;
        this.clipsPerPart = clipsPerPart.clone();
        this.done = new boolean[clipsPerPart.length];
        int total = 0;
        for (int c : clipsPerPart) total += c;
        this.totalClips = total;
        this.out = out;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        TaskInfo info = end.taskInfo();
        int part = info.index();
        if (part < 0 || part >= done.length) return;
        if (info.successful()) {
            if (done[part]) return;
            done[part] = true;
            partsDone++;
            clipsDone += clipsPerPart[part];
            out.printf(Locale.ROOT, "spark: part %d done (%d clips, attempt %d); %d of %d parts, %d of %d clips, %.1f s%n", part,
                    clipsPerPart[part], info.attemptNumber(), partsDone, done.length, clipsDone, totalClips,
                    (System.nanoTime() - start) / 1e9);
        } else {
            out.printf(Locale.ROOT, "spark: part %d attempt %d failed (%s); its %s are dropped and Spark runs the part again%n",
                    part, info.attemptNumber(), end.reason().toString().lines().findFirst().orElse(""), what);
        }
        out.flush();
        notifyAll();
    }

    /**
     * Waits (at most {@code millis}) until every part's line is printed: Spark delivers task events on its own
     * thread, after the job's results may already be back.
     */
    synchronized void awaitAllDone(long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (partsDone < done.length) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) return;
            wait(left);
        }
    }
}
