package org.permerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;

/**
 * Step 1 → 2 for the reproduction: runs A and B over the same calibration clips, batch by batch, and hands the
 * row-aligned real frames of every tap the statistics want to {@link AlignmentStatistics}. Each model gets its
 * own preprocessing; both must take the same sample rate, so that frame t of A is frame t of B (models of
 * different rates need frame interpolation, which is the extraction package's job).
 */
public final class CalibrationPass {
    private CalibrationPass() {}

    /** Accumulates the statistics over the clips; returns the number of clips processed. */
    public static int run(HubertEncoder a, Preprocessor preA, HubertEncoder b, Preprocessor preB, List<Manifest.Clip> clips,
                          int batchSize, AlignmentStatistics stats) {
        if (preA.samplingRate() != preB.samplingRate()) {
            throw new IllegalArgumentException("calibration pairs frames by index, so A and B must take the same rate; got "
                    + preA.samplingRate() + " and " + preB.samplingRate() + " Hz");
        }
        int minSamples = Math.max(a.minSamples(), b.minSamples());
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("calibration").setInitialMax(clips.size())
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
            for (int start = 0; start < clips.size(); start += batchSize) {
                List<Manifest.Clip> batch = clips.subList(start, Math.min(clips.size(), start + batchSize));
                List<float[]> xa = new ArrayList<>(), xb = new ArrayList<>();
                for (Manifest.Clip c : batch) {
                    xa.add(ProbeFeatures.prepare(c, preA, minSamples));
                    xb.add(ProbeFeatures.prepare(c, preB, minSamples));
                }
                try (NDManager keep = NDManager.newBaseManager(a.device())) {
                    Map<String, NDArray> framesA = new HashMap<>();
                    try (NDManager scope = NDManager.newBaseManager(a.device())) {
                        a.forward(scope, xa, consumer(stats, (tap, frames) -> {
                            frames.attach(keep);
                            framesA.put(tap, frames);
                        }));
                    }
                    try (NDManager scope = NDManager.newBaseManager(b.device())) {
                        b.forward(scope, xb, consumer(stats, (tap, frames) -> {
                            NDArray fa = framesA.get(tap);
                            if (fa == null) throw new IllegalStateException("model A emitted no tap " + tap + " but model B did");
                            stats.accept(tap, fa, frames);
                        }));
                    }
                }
                bar.stepBy(batch.size());
            }
        }
        return clips.size();
    }

    private interface FrameSink {
        void accept(String tap, NDArray frames);
    }

    /** Keeps only the taps the statistics want, flattened to real frames {@code [N, D]}. */
    private static TapConsumer consumer(AlignmentStatistics stats, FrameSink sink) {
        return new TapConsumer() {
            @Override
            public void accept(String tap, NDArray activation, NDArray frameMask) {
                long d = activation.getShape().get(2);
                boolean[] keep = frameMask.reshape(-1).toBooleanArray();
                int n = 0;
                for (boolean k : keep) if (k) n++;
                long[] rows = new long[n];
                for (int i = 0, j = 0; i < keep.length; i++) if (keep[i]) rows[j++] = i;
                NDArray flat = activation.reshape(-1, d);
                sink.accept(tap, flat.get(new NDIndex("{}", flat.getManager().create(rows))));
            }

            @Override
            public boolean wants(String tap) {
                return stats.wants(tap);
            }
        };
    }
}
