package org.permerge.cli;

import org.permerge.Version;
import org.permerge.audio.Manifest;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.ModelReference;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.merge.CalibrationAudio;
import org.permerge.merge.Lambda;
import org.permerge.match.MergeRecipe;
import org.permerge.merge.ModelMerge;
import org.permerge.merge.Repair;
import org.permerge.merge.StatisticsFile;
import org.permerge.correlate.StatisticsView;
import org.permerge.model.HubertEncoder;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code permerge merge}: permute B toward A from calibration statistics, interpolate, optionally REPAIR, write a HF folder. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge model B into model A: match the recipe's spaces, permute B, interpolate with lambda,",
                "optionally REPAIR, and write a Hugging Face folder; prints the diagnostics table (moved units per space,",
                "mean correlation before/after matching, head assignment)."})
public final class MergeCommand implements Callable<Integer> {
    @Option(names = "--a", required = true, description = "reference model A, kept unpermuted: " + ModelReference.FORMS)
    String a;

    @Option(names = "--b", required = true, description = "model B, permuted toward A (same forms as --a)")
    String b;

    static final class Source {
        @Option(names = "--stats", description = "statistics file from 'permerge stats' (read space by space)")
        Path stats;

        @Option(names = "--calibration", description = "calibration manifest: statistics are accumulated now")
        Path calibration;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--recipe", required = true, description = "identity, cnn, cnn+ff, ff+attn, cnn+ff+attn, cnn+all")
    String recipe;

    @Option(names = "--lambda", required = true, description = "weight of A: 0.9, or per component cnn=0.5,ffn=0.9,default=0.9"
            + " (components: cnn, norms, projection, pos_conv, attention, ffn, embedding)")
    String lambda;

    @Option(names = "--repair", defaultValue = "none", description = "none, closed or measured (measured needs --calibration)")
    String repair;

    @Option(names = "--residual-pooling", defaultValue = "all", converter = PoolingConverter.class,
            description = "hidden states the residual is matched on: all, first or last (default ${DEFAULT-VALUE})")
    AlignmentStatistics.ResidualPooling pooling;

    /** Case-insensitive, and a wrong value is answered with the allowed ones (not "No enum constant"). */
    static final class PoolingConverter implements CommandLine.ITypeConverter<AlignmentStatistics.ResidualPooling> {
        @Override
        public AlignmentStatistics.ResidualPooling convert(String value) {
            for (AlignmentStatistics.ResidualPooling p : AlignmentStatistics.ResidualPooling.values()) {
                if (p.name().equalsIgnoreCase(value.trim())) return p;
            }
            throw new CommandLine.TypeConversionException("expected one of all, first, last; got '" + value + "'");
        }
    }

    @Option(names = "--resample", hidden = true,
            description = "kept for older scripts: calibration clips are always resampled to each model's own rate")
    boolean resample;

    @Option(names = "--save-stats", description = "with --calibration: also write the accumulated statistics here"
            + " (refused with --stats, which accumulates nothing)")
    Path saveStats;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--force", description = "replace --out (and --save-stats, --table-ii) if they exist")
    boolean force;

    @Option(names = "--no-verify", description = "skip the check of each clip's sha256 against the calibration manifest")
    boolean noVerify;

    @Option(names = "--table-ii", description = "also write the per-space diagnostics printed below (the paper's Table II: units moved, "
            + "mean correlation identity vs matched) to this CSV file")
    Path tableIi;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        org.permerge.checkpoint.Provenance run = RunProvenance.start(spec);
        OutputPaths guard = new OutputPaths().model("--a", a).model("--b", b).input("--stats", source.stats)
                .input("--calibration", source.calibration);
        guard.folder("--out", out, force);
        guard.input("--out", out);
        if (saveStats != null) guard.file("--save-stats", saveStats, force);
        if (tableIi != null) guard.file("--table-ii", tableIi, force);
        MergeRecipe r = MergeRecipe.parse(recipe);
        Lambda l = Lambda.parse(lambda);
        Repair.Mode mode = Repair.Mode.parse(repair);
        AlignmentStatistics.ResidualPooling p = pooling;
        if (mode == Repair.Mode.MEASURED && source.calibration == null) {
            throw new IllegalArgumentException("--repair measured runs the merged model over calibration audio: give --calibration");
        }
        if (saveStats != null && source.stats != null) {
            throw new IllegalArgumentException("--save-stats " + saveStats + " writes statistics accumulated with --calibration, but --stats "
                    + source.stats + " reads them from a file and accumulates nothing; drop --save-stats (or copy the file)");
        }
        EncoderCheckpoint ma = EncoderCheckpoint.load(a);
        EncoderCheckpoint mb = EncoderCheckpoint.load(b);
        ModelMerge.Builder builder = ModelMerge.builder().setModelA(ma).setModelB(mb).setRecipe(r).setLambda(l).optResidualPooling(p)
                .optProvenance(run.withThreads(RunProvenance.torchThreads()));
        Manifest manifest = null;
        if (source.stats != null) {
            StatisticsFile file = StatisticsFile.open(source.stats);
            StatisticsProvenance origin = file.origin();
            if (origin.modelASha256() == null || origin.modelBSha256() == null) {
                throw new IllegalArgumentException(source.stats + " records no hash of model " + (origin.modelASha256() == null ? "A" : "B")
                        + "'s weights (written by an older permerge), so it cannot be shown to belong to " + a + " and " + b
                        + "; re-run `permerge stats`");
            }
            builder.setStatistics(file); // ModelMerge compares the recorded hashes with the models given
        } else {
            manifest = Manifest.read(source.calibration, Manifest.ReadOptions.defaults().withVerifyAudio(!noVerify));
            AlignmentStatistics stats = Calibration.collect(ma, mb, manifest, Calibration.Options.defaults()
                    .withProvenance("calibration.manifest", source.calibration.toAbsolutePath().normalize().toString())
                    .withProvenance("created_by", "permerge " + Version.VERSION + " merge")).statistics();
            if (saveStats != null) stats.save(saveStats);
            builder.setStatistics(StatisticsView.of(stats));
        }
        builder.optRepair(mode, mode == Repair.Mode.MEASURED ? CalibrationAudio.of(manifest, true) : null);
        ModelMerge.Result result = builder.build().run();
        for (Map.Entry<String, int[]> e : result.alignment().deadUnits().entrySet()) {
            spec.commandLine().getErr().println("permerge: " + e.getKey() + ": dead units A " + e.getValue()[0] + ", B " + e.getValue()[1]
                    + " (no variation over the calibration audio; left in place)");
        }
        org.permerge.io.AtomicFiles.replaceFolder(out, result::save);
        Table t = result.diagnostics();
        System.out.println(t.printAll());
        if (tableIi != null) {
            java.io.StringWriter csv = new java.io.StringWriter();
            t.write().csv(csv);
            org.permerge.io.AtomicFiles.writeString(tableIi, csv.toString());
        }
        System.out.println("merged (" + r + ", lambda " + l + ", REPAIR " + mode.label() + ") -> " + out);
        return 0;
    }
}
