package org.permerge.cli;

import org.permerge.Version;
import org.permerge.audio.Manifest;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.ModelReference;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.StatisticsEngine;
import org.permerge.correlate.StatisticsPrecision;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.checkpoint.Provenance;
import org.permerge.extract.ExtractionSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code permerge stats}: pipeline steps 1–2 from a terminal. Runs models A and B over the calibration
 * clips and accumulates the correlation statistics of every permutation space (plus REPAIR's
 * pre-activation statistics) into one file. Shards of the clips can run anywhere and be added up with
 * {@code permerge stats-merge}. With {@code --engine spark} the clips run on Apache Spark (the optional
 * {@code spark} module, found at run time) and the same file comes back.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Accumulate alignment statistics (correlation of every permutation space) over calibration audio.")
public final class StatsCommand implements Callable<Integer> {
    @Option(names = "--a", required = true, description = "reference model A: " + ModelReference.FORMS)
    String modelA;

    @Option(names = "--b", required = true, description = "model B, the one to be permuted (same forms as --a)")
    String modelB;

    @Option(names = "--calibration", required = true, description = "calibration manifest (JSON Lines)")
    Path calibration;

    @Option(names = "--out", required = true, description = "statistics file to write (safetensors)")
    Path out;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @Option(names = "--no-verify", description = "skip the check of each clip's sha256 against the calibration manifest")
    boolean noVerify;

    @Option(names = "--split", description = "use only the clips of this split of the manifest")
    String split;

    @Option(names = "--shard", defaultValue = "0/1", paramLabel = "i/n",
            description = "process clips i, i+n, i+2n, ... of the manifest (default 0/1: all); merge shards with stats-merge")
    String shard;

    @Option(names = "--max-batch-seconds", defaultValue = "30", description = "padded audio per forward pass")
    double maxBatchSeconds;

    @Option(names = "--resample", hidden = true,
            description = "kept for older scripts: clips are always resampled to each model's own rate")
    boolean resample;

    @Option(names = "--pre-activation", defaultValue = "CORRELATION",
            description = "FFN pre-activation statistics kept for REPAIR: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    AlignmentStatistics.PreActivation preActivation;

    @picocli.CommandLine.Mixin
    EngineOptions where = new EngineOptions();

    @Option(names = "--precision", defaultValue = "float64", paramLabel = "float32|float64",
            description = "co-moment arithmetic: float64 (exact;"
                    + " what shards that must add up to one run within 1e-9 need) or float32 GEMMs (faster, correlations within 1e-6 of float64); every shard of a calibration needs the same"
                    + " (default ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--until-stable", description = "adaptive calibration: accumulate in doubling rounds until, in every space,"
            + " fewer than --stable-fraction of the units (a head or group counts as one) change partner; writes that round's"
            + " statistics and a report beside --out (<out>.stability.md and .json)")
    boolean untilStable;

    @Option(names = "--stable-fraction", defaultValue = "0.01", description = "with --until-stable: the fraction of units that"
            + " may change partner between rounds (default ${DEFAULT-VALUE})")
    double stableFraction;

    @Option(names = "--first-clips", defaultValue = "16", description = "with --until-stable: clips of the first round, at least"
            + " (default ${DEFAULT-VALUE}; rounds take every n-th clip so that they double)")
    int firstClips;

    @Option(names = "--max-clips", defaultValue = "0", description = "with --until-stable: stop at the last round of at most this"
            + " many clips when nothing was stable (default 0: every clip)")
    int maxClips;

    @Option(names = "--report-agreement", description = "with --until-stable: go on to every clip to report the agreement of"
            + " the stable assignment with the full calibration's, per space")
    boolean reportAgreement;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--device", defaultValue = "auto", description = "where both encoders run (local engine): "
            + org.permerge.model.EncoderDevice.NAMES + " (default ${DEFAULT-VALUE}: a GPU when DJL sees one; README, Running on a"
            + " GPU); the co-moments run on OpenBLAS on the host either way")
    String device;

    @Override
    public Integer call() {
        OutputPaths outputs = new OutputPaths().model("--a", modelA).model("--b", modelB).input("--calibration", calibration);
        outputs.file("--out", out, force);
        int[] sh = parseShard(shard);
        if (untilStable) {
            for (Path report : UntilStable.reports(out)) outputs.file("--out's report", report, force);
            if (sh[1] != 1) throw new IllegalArgumentException("--until-stable runs its own rounds over every clip; drop --shard " + shard);
        } else if (reportAgreement || maxClips != 0 || firstClips != 16 || stableFraction != 0.01) {
            throw new IllegalArgumentException("--stable-fraction, --first-clips, --max-clips and --report-agreement need --until-stable");
        }
        where.check();
        // Before any work: an engine that is not there is named with how to build it.
        StatisticsEngine found = where.local() ? null : StatisticsEngine.find(where.engine);
        Manifest manifest = Manifest.read(calibration, Manifest.ReadOptions.defaults().withVerifyAudio(!noVerify));
        if (split != null) manifest = manifest.split(split);
        int splitClips = manifest.size();
        manifest = shardOf(manifest, sh[0], sh[1]);
        if (manifest.size() == 0) {
            throw new IllegalArgumentException("no clips to process in " + calibration
                    + (split != null ? " (split " + split + ")" : "") + " for shard " + shard);
        }
        StatisticsPrecision arithmetic = StatisticsPrecision.parse(precision);
        Provenance run = RunProvenance.start(spec).withPrecision(arithmetic.key())
                .withData("calibration", calibration.toAbsolutePath().normalize().toString(), manifest.checksum());
        if (found == null) run = run.withThreads(RunProvenance.torchThreads());
        Calibration.Options options = Calibration.Options.defaults().withPreActivation(preActivation)
                .withMaxBatchSeconds(maxBatchSeconds).withProgress(true).withDevice(device)
                .withProvenance("calibration.manifest", calibration.toAbsolutePath().normalize().toString())
                .withProvenance("calibration.split", split == null ? "all" : split)
                .withProvenance("calibration.split_clips", Integer.toString(splitClips))
                .withProvenance("calibration.shards", sh[0] + "/" + sh[1])
                .withProvenance("created_by", "permerge " + Version.VERSION + " stats")
                .withProvenance("statistics.precision", arithmetic.key());
        for (Map.Entry<String, String> e : run.toMetadata().entrySet()) options = options.withProvenance(e.getKey(), e.getValue());
        if (untilStable) {
            Map<String, String> settings = where.settings();
            UntilStable.run(new UntilStable.Run(modelA, modelB, manifest, calibration, split, !noVerify,
                    options.withProvenance("created_by", "permerge " + Version.VERSION + " stats --until-stable"
                            + (found == null ? "" : " --engine " + where.engine)),
                    found, settings, new org.permerge.match.AdaptiveCalibration.Settings(firstClips,
                    maxClips == 0 ? splitClips : maxClips, stableFraction, reportAgreement), out));
            return 0;
        }
        Calibration.Collected collected;
        if (found == null) {
            collected = Calibration.collect(EncoderCheckpoint.load(modelA), EncoderCheckpoint.load(modelB), manifest, options);
        } else {
            Map<String, String> settings = where.settings();
            collected = found.collect(new StatisticsEngine.Job(modelA, modelB, calibration, split,
                    new StatisticsProvenance.Shard(sh[0], sh[1]), !noVerify,
                    options.withProvenance("created_by", "permerge " + Version.VERSION + " stats --engine " + where.engine), settings));
        }
        AlignmentStatistics stats = collected.statistics();
        stats.addProvenance(Map.of("elapsed_s", run.finished().toMetadata().get("elapsed_s")));
        ExtractionSummary summary = collected.summary();
        stats.save(out);
        System.out.printf("%d clips, %.1f s of audio, %d frames of A in %.1f s%n", summary.clips(), summary.audioSeconds(),
                summary.frames(), summary.wallSeconds());
        StatsMergeCommand.printSummary(stats, out);
        return 0;
    }

    static int[] parseShard(String s) {
        try {
            StatisticsProvenance.Shard shard = StatisticsProvenance.Shard.parse(s);
            return new int[] {shard.index(), shard.count()};
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--shard: " + e.getMessage(), e);
        }
    }

    static Manifest shardOf(Manifest m, int i, int n) {
        if (n == 1) return m;
        List<Manifest.Clip> clips = m.clips();
        Set<String> keep = new HashSet<>();
        for (int k = i; k < clips.size(); k += n) keep.add(clips.get(k).id());
        return m.filter(c -> keep.contains(c.id()));
    }
}
