package org.permerge.notebook;

import java.util.Locale;
import org.permerge.study.Project;
import org.permerge.study.StudyConfig;
import org.permerge.study.StudyInputs;

/**
 * The one line a study notebook starts from: the study (a study file, else the preset's), its inputs prepared
 * (models loaded, corpora built on first use, the calibration draw) and their summary shown.
 */
public final class StudyHeader {
    private StudyHeader() {}

    /** The study's inputs: {@code studyFile} (a JSON study file) when given, else the preset's study. */
    public static StudyInputs open(Parameters.Preset preset, String studyFile) {
        StudyConfig study = config(preset, studyFile);
        StudyInputs inputs = NotebookLog.run("study inputs", () -> StudyInputs.prepare(study, Project.root()));
        Show.markdown(inputs.summary());
        return inputs;
    }

    /** The study configuration a notebook runs: {@code studyFile} when given, else the preset's. */
    public static StudyConfig config(Parameters.Preset preset, String studyFile) {
        if (studyFile == null && preset == null) {
            throw new IllegalArgumentException("a notebook needs a preset or a study file, got neither");
        }
        return Project.study(studyFile != null ? studyFile : preset.name().toLowerCase(Locale.ROOT));
    }
}
