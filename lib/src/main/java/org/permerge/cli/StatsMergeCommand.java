package org.permerge.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.correlate.AlignmentStatistics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code permerge stats-merge}: adds up statistics files accumulated over different clips (threads,
 * processes, machines) into one, exactly as if one run had seen every clip.
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

    @Override
    public Integer call() {
        OutputPaths guard = new OutputPaths();
        for (int k = 0; k < inputs.size(); k++) guard.input("input " + (k + 1), inputs.get(k));
        guard.file("--out", out, force);
        for (Path p : inputs) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("statistics file " + p + " does not exist");
        }
        AlignmentStatistics merged;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("stats-merge").setInitialMax(inputs.size())
                .setStyle(ProgressBarStyle.ASCII).setUnit(" files", 1).continuousUpdate().build()) {
            merged = AlignmentStatistics.load(inputs.get(0));
            bar.step();
            for (Path p : inputs.subList(1, inputs.size())) {
                try {
                    merged.merge(AlignmentStatistics.load(p));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("cannot merge " + p + ": " + e.getMessage(), e);
                }
                bar.step();
            }
        }
        merged.save(out);
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
            if (n > 0) System.out.println("  " + space + ": dead units A " + cc.deadUnitsA().length + ", B " + cc.deadUnitsB().length);
            dead += n;
        }
        if (dead == 0) System.out.println("  no dead units");
    }
}
