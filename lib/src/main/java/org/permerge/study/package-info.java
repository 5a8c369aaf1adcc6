/**
 * The paper's study end to end: its configuration ({@link org.permerge.study.StudyConfig}, presets {@code ci}
 * and {@code mini}), its inputs (models, corpora and alignment statistics, {@link org.permerge.study.StudyInputs}),
 * the reproduction that merges, probes and scores every row ({@link org.permerge.study.Reproduction}), its results
 * (tables, Table II analogue, figures, provenance: {@link org.permerge.study.ResultsWriter},
 * {@link org.permerge.study.StudyFigures}; per pair, the machine-readable {@code summary.json} with its schema check,
 * {@link org.permerge.study.StudySummary}, filled by {@link org.permerge.study.StudyResults}), the project's paths ({@link org.permerge.study.Project}) and the probe
 * evidence for a pretrained mini encoder ({@link org.permerge.study.ProbeEvidence}).
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}, {@code org.permerge.match}, {@code org.permerge.merge},
 * {@code org.permerge.bench.data}, {@code org.permerge.bench}, {@code org.permerge.pretrain}.
 */
package org.permerge.study;
