package org.permerge.cli;

import org.permerge.audio.Manifest;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.CalibrationRounds;
import org.permerge.correlate.StatisticsEngine;
import org.permerge.io.AtomicFiles;
import org.permerge.match.AdaptiveCalibration;
import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.permute.Permutations;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Space;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code stats --until-stable}: adaptive calibration ({@link AdaptiveCalibration}) from a terminal, each round's new
 * clips collected in this process or as one job of an engine (one Spark context for all rounds), every space of the
 * encoder solved as {@code merge --recipe cnn+all} solves it; the kept round's statistics go to {@code --out} and the
 * report to the terminal and beside it ({@code <out>.stability.md}, {@code <out>.stability.json}).
 */
final class UntilStable {
    private UntilStable() {}

    /** The report files beside the statistics file. */
    static Path[] reports(Path out) {
        String name = out.getFileName().toString();
        return new Path[] {out.resolveSibling(name + ".stability.md"), out.resolveSibling(name + ".stability.json")};
    }

    /**
     * What one run needs.
     *
     * @param split       the calibration split's clips (every clip of it: the rounds shard it)
     * @param calibration the manifest file, for an engine's workers
     * @param splitName   the split asked for, null for all
     * @param engine      the engine, null for this process
     * @param settings    the engine's settings
     */
    record Run(String modelA, String modelB, Manifest split, Path calibration, String splitName, boolean verifyAudio,
               Calibration.Options options, StatisticsEngine engine, Map<String, String> settings,
               AdaptiveCalibration.Settings adaptive, Path out) {}

    static AdaptiveCalibration.Result run(Run run) {
        CalibrationRounds plan = CalibrationRounds.plan(run.split().size(), run.adaptive().firstClips());
        plan.lastRoundWithin(run.adaptive().maxClips()); // refuses a maximum below the first round before any work
        AdaptiveCalibration.Result result;
        if (run.engine() == null) {
            EncoderCheckpoint a = EncoderCheckpoint.load(run.modelA());
            EncoderCheckpoint b = EncoderCheckpoint.load(run.modelB());
            result = AdaptiveCalibration.run(plan, run.adaptive(), inThisProcess(a, b, run.split(), run.options()),
                    UntilStable::solve, stats -> stats.save(run.out()), System.out);
        } else {
            try (StatisticsEngine.Session session = run.engine().open(run.settings())) {
                result = AdaptiveCalibration.run(plan, run.adaptive(),
                        shard -> session.collect(new StatisticsEngine.Job(run.modelA(), run.modelB(), run.calibration(),
                                run.splitName(), shard, run.verifyAudio(), run.options(), run.settings())),
                        UntilStable::solve, stats -> stats.save(run.out()), System.out);
            }
        }
        Path[] files = reports(run.out());
        String md = result.markdown();
        AtomicFiles.writeString(files[0], md);
        AtomicFiles.writeString(files[1], result.json());
        System.out.println();
        System.out.print(md);
        System.out.println();
        System.out.println("wrote " + run.out() + " (round " + result.kept() + ", " + result.clipsUsed() + " clips) and the report "
                + files[0] + ", " + files[1].getFileName()
                + (result.hasAgreement() ? "" : "; add --report-agreement to compare with the full calibration"));
        return result;
    }

    /** A round's new clips collected here: the shard of the split, recorded as that shard. */
    static AdaptiveCalibration.Collector inThisProcess(EncoderCheckpoint a, EncoderCheckpoint b, Manifest split,
                                                       Calibration.Options options) {
        return shard -> Calibration.collect(a, b, StatsCommand.shardOf(split, shard.index(), shard.count()),
                options.withProvenance("calibration.shards", shard.toString()));
    }

    /**
     * Every space's assignment as {@code merge --recipe cnn+all} solves it, as the permutation that acts on the space's
     * axes (Q/K with its head order from attn.L), heads and groups counted as blocks.
     */
    static Map<String, AdaptiveCalibration.Assignment> solve(AlignmentStatistics stats) {
        Permutations p = Alignment.solve(stats, MergeRecipe.CNN_ALL).permutations();
        Map<String, AdaptiveCalibration.Assignment> out = new LinkedHashMap<>();
        for (Space s : PermutationSpec.hubert(stats.configA()).spaces().values()) {
            out.put(s.name(), new AdaptiveCalibration.Assignment(p.effective(s), s.blockSize()));
        }
        return out;
    }
}
