package org.permerge.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.StatisticsProvenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code permerge stats-merge}: adds up statistics files accumulated over different clips (threads,
 * processes, machines) into one, exactly as if one run had seen every clip. Refused by name: a file given
 * twice, files without the provenance that shows what they measured, shards that share clips, other weights of
 * either model, another calibration manifest, split or preprocessing, and other layouts or pre-activation modes.
 */
@Command(name = "stats-merge", mixinStandardHelpOptions = true,
        description = "Merge partial alignment statistics files (from `permerge stats`) into one.")
public final class StatsMergeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "<in>", description = "statistics files to merge")
    List<Path> inputs;

    @Option(names = "--out", required = true, description = "merged statistics file to write")
    Path out;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        org.permerge.checkpoint.Provenance run = RunProvenance.start(spec).withThreads(1);
        OutputPaths guard = new OutputPaths();
        for (int k = 0; k < inputs.size(); k++) guard.input("input " + (k + 1), inputs.get(k));
        guard.file("--out", out, force);
        List<AlignmentStatistics.Header> headers = new ArrayList<>();
        Map<Path, Path> seen = new LinkedHashMap<>();
        for (Path p : inputs) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("statistics file " + p + " does not exist");
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
            }
            Path before = seen.putIfAbsent(real, p);
            if (before != null) {
                throw new IllegalArgumentException("statistics file " + p + " is given twice (also as " + before
                        + "): its clips would count twice");
            }
            AlignmentStatistics.Header h = AlignmentStatistics.Header.read(p, SafeTensors.read(p));
            h.provenance().requireMergeable(p.toString());
            headers.add(h);
        }
        // Every pair is checked from the headers first, so a refusal names the two files and nothing big is read.
        for (int i = 0; i < inputs.size(); i++) {
            for (int j = i + 1; j < inputs.size(); j++) {
                String x = inputs.get(i).toString();
                String y = inputs.get(j).toString();
                AlignmentStatistics.Header hx = headers.get(i);
                AlignmentStatistics.Header hy = headers.get(j);
                if (!hx.configA().equals(hy.configA()) || !hx.configB().equals(hy.configB())) {
                    throw new IllegalArgumentException("cannot add " + x + " and " + y + ": they measured different layouts ("
                            + (hx.configA().equals(hy.configA()) ? "model B: " + hx.configB() + " vs " + hy.configB()
                            : "model A: " + hx.configA() + " vs " + hy.configA()) + ")");
                }
                if (hx.preActivation() != hy.preActivation()) {
                    throw new IllegalArgumentException("cannot add " + x + " and " + y + ": pre-activation mode "
                            + hx.preActivation() + " vs " + hy.preActivation());
                }
                hx.provenance().mergedWith(hy.provenance(), x, y);
            }
        }
        AlignmentStatistics merged;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("stats-merge").setInitialMax(inputs.size())
                .setStyle(ProgressBarStyle.ASCII).setUnit(" files", 1).continuousUpdate().build()) {
            merged = AlignmentStatistics.load(inputs.get(0));
            bar.step();
            for (Path p : inputs.subList(1, inputs.size())) {
                merged.merge(AlignmentStatistics.load(p), "the files before " + p, p.toString());
                bar.step();
            }
        }
        // The parts' own runs stay in their files; the sum records this run and the files it added up.
        for (int k = 0; k < inputs.size(); k++) {
            Path p = inputs.get(k);
            run = run.withData("part" + (k + 1), p.toAbsolutePath().normalize().toString(), org.permerge.audio.Manifest.sha256(p));
        }
        run = run.withPrecision(merged.precision() == null ? null : merged.precision().key());
        merged.addProvenance(run.finished().toMetadata());
        merged.save(out);
        StatisticsProvenance o = merged.origin();
        System.out.println("added " + inputs.size() + " files: shards " + o.toMetadata().get("calibration.shards") + " of "
                + o.manifest() + ", " + o.clips() + " of " + o.splitClips() + " clips");
        printSummary(merged, out);
        return 0;
    }

    static void printSummary(AlignmentStatistics stats, Path file) {
        Map<String, Long> frames = stats.framesPerSpace();
        long min = frames.values().stream().mapToLong(Long::longValue).min().orElse(0);
        long max = frames.values().stream().mapToLong(Long::longValue).max().orElse(0);
        System.out.println("wrote " + file + ": " + frames.size() + " spaces, frames per space " + min
                + (max != min ? ".." + max : "") + " (residual counts every hidden state)");
        int dead = 0;
        for (String space : stats.spaces()) {
            if (space.startsWith("qk.")) continue;
            var cc = stats.correlation(space);
            int n = cc.deadUnitsA().length + cc.deadUnitsB().length;
            if (n > 0) {
                System.out.println("  " + space + ": dead units A " + cc.deadUnitsA().length + ", B " + cc.deadUnitsB().length
                        + " (no variation over the calibration audio; matching leaves them in place)");
            }
            dead += n;
        }
        if (dead == 0) System.out.println("  no dead units");
    }
}
