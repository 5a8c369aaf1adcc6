package org.permerge.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.permerge.study.Reproduction;
import org.permerge.study.StudyConfig;
import org.permerge.study.StudyResults;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./permerge reproduce}: the whole study — calibration, matching, merges, probes — into a results folder. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce the study for each model pair of the preset: calibration statistics for A and B, matching per "
                + "recipe, merges (recipes at the main λ and the λ sweep with and without REPAIR), probes for A, B, every merge "
                + "and the log-mel baseline, then the results folder (table.csv/.md with confidence intervals, significance.md, "
                + "table-ii.md, plots.html, provenance.json; one sub-folder per pair when there are several) and summary.json "
                + "(every pair's rows, baselines, Table II and pre-registered comparisons). The terminal shows raw accuracies; "
                + "the SUPERB-normalised scale only for tasks where it is well-conditioned.",
                "Presets: mini (the embedded mini world; the README's main command) and ci (a miniature that checks "
                + "identity λ=1 ≡ A and cnn+ff+attn λ=0 ≈ B)."})
public final class ReproduceCommand implements Callable<Integer> {
    @Option(names = "--preset", paramLabel = "<mini|ci|file>", defaultValue = "mini",
            description = "built-in preset or a JSON config file (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--out", paramLabel = "<dir>", description = "results folder (default: a new folder under results/)")
    Path out;

    @Option(names = "--threads", paramLabel = "<n>", description = "libtorch intra-op threads (default: the preset's; 0 = libtorch's default)")
    Integer threads;

    @Option(names = "--force", description = "write into --out even if it is not empty")
    boolean force;

    @Override
    public Integer call() {
        Path project = Path.of(System.getenv().getOrDefault("PERMERGE_HOME", ".")).toAbsolutePath().normalize();
        StudyConfig config = StudyConfig.load(preset);
        if (threads != null) config = config.withThreads(threads);
        Path dir = out != null ? out : newResultsFolder(project, config.name());
        if (out != null) {
            Path presetFile = Files.isRegularFile(Path.of(preset)) ? Path.of(preset) : null;
            new OutputPaths().input("data-manifests", project.resolve("data-manifests")).input("--preset", presetFile).folder("--out", out, force);
        }
        System.err.println("permerge: reproducing preset '" + config.name() + "' into " + dir);
        Reproduction.Result r = Reproduction.run(config, project, dir);
        for (Reproduction.PairResult p : r.pairs()) {
            if (r.pairs().size() > 1) System.out.println("## Pair " + p.pair().name() + (p.pair().sharedInit() ? " (shared init)" : "") + "\n");
            if (p.comparisonTable() != p.table()) {
                System.out.println("Baselines and the pre-registered comparisons' rows, every test clip (comparison-table.md):\n");
                System.out.println(StudyResults.terminalTable(p.comparisonTable()));
                System.out.println("Every row of the λ sweep, on smaller sets: " + p.out().resolve("table.md") + "\n");
            } else {
                System.out.println(StudyResults.terminalTable(p.table()));
            }
            System.out.print(StudyResults.comparisonsText(p.summary()));
            for (Map.Entry<String, Boolean> c : p.checks().entrySet()) {
                System.out.println((c.getValue() ? "PASS  " : "FAIL  ") + c.getKey());
            }
        }
        System.out.printf(Locale.ROOT, "results in %s (%.0f s)%n", dir, r.elapsed().toMillis() / 1000.0);
        return r.checksPassed() ? 0 : 2;
    }

    static Path newResultsFolder(Path project, String preset) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path p = project.resolve("results").resolve(preset + "-" + stamp);
        for (int i = 2; Files.exists(p); i++) p = project.resolve("results").resolve(preset + "-" + stamp + "-" + i);
        return p;
    }
}
