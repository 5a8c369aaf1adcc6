/**
 * Step 2 of the pipeline, correlation: streaming, mergeable float64 statistics of paired activations
 * ({@link org.permerge.correlate.CrossCorrelation} per permutation space, {@link
 * org.permerge.correlate.UnitStatistics} per tap) and the set of them that one calibration run collects
 * ({@link org.permerge.correlate.AlignmentStatistics}), with its provenance under fixed keys
 * ({@link org.permerge.correlate.StatisticsProvenance}); {@link org.permerge.correlate.Calibration} is the one
 * path from two models and calibration clips to those statistics.
 */
package org.permerge.correlate;
