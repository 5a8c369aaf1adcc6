/**
 * Step 2 of the pipeline, correlation: streaming, mergeable float64 statistics of paired activations
 * ({@link org.permerge.correlate.CrossCorrelation} per permutation space, {@link
 * org.permerge.correlate.UnitStatistics} per tap) and the set of them that one calibration run collects
 * ({@link org.permerge.correlate.AlignmentStatistics}), with its provenance under fixed keys
 * ({@link org.permerge.correlate.StatisticsProvenance}) and read space by space through
 * {@link org.permerge.correlate.StatisticsView}; {@link org.permerge.correlate.Calibration} is the one
 * path from two models and calibration clips to those statistics; per-tap activation statistics of one model as a table
 * ({@link org.permerge.correlate.TapSurvey}, {@link org.permerge.correlate.TapStatistics}) and a summary of
 * alignment statistics ({@link org.permerge.correlate.StatisticsSummary}).
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}.
 */
package org.permerge.correlate;
