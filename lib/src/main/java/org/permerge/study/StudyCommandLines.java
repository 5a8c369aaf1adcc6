package org.permerge.study;

import java.nio.file.Path;
import java.util.Optional;
import org.permerge.match.MergeRecipe;

/**
 * The command lines that redo a notebook's step from a terminal on the same inputs, so a reader (and the
 * notebook check, which runs them) sees that the notebook and {@code ./permerge} compute the same thing.
 */
public final class StudyCommandLines {
    private StudyCommandLines() {}

    /**
     * {@code ./permerge merge} of the study's models with {@code recipe} at the study's λ, writing its Table II to
     * {@code folder/cli-table-ii.csv}; the calibration draw is written to {@code folder/calibration.jsonl} first.
     * Empty when a model exists only in memory (a seeded random stand-in has no folder to name).
     */
    public static Optional<String> merge(StudyInputs inputs, Path folder, MergeRecipe recipe) {
        if (inputs.folderA().isEmpty() || inputs.folderB().isEmpty()) {
            return Optional.empty();
        }
        Path calibration = inputs.writeCalibration(folder.resolve("calibration.jsonl"));
        return Optional.of(merge(Project.root(), inputs.folderA().get(), inputs.folderB().get(), calibration,
                recipe, inputs.config().lambda(), folder.resolve("cli-merge"), folder.resolve("cli-table-ii.csv")));
    }

    /** The {@code ./permerge merge} line run from {@code root}, every path relative to it. */
    static String merge(Path root, Path a, Path b, Path calibration, MergeRecipe recipe, org.permerge.merge.Lambda lambda, Path out, Path tableII) {
        return String.join(" ", "./permerge merge", "--a", relative(root, a), "--b", relative(root, b),
                "--calibration", relative(root, calibration), "--recipe", recipe.label(),
                "--lambda", lambda.toString(), "--out", relative(root, out), "--table-ii", relative(root, tableII));
    }

    private static String relative(Path root, Path p) {
        String s = root.toAbsolutePath().normalize().relativize(p.toAbsolutePath().normalize()).toString();
        if (s.isEmpty() || s.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("cannot name " + p + " on a command line run from " + root
                    + " (empty or contains whitespace)");
        }
        return s;
    }
}
