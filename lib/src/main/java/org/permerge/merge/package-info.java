/**
 * Step 4 of the pipeline: permute model B toward model A and interpolate the weights
 * (θ = λ·θ_A + (1 − λ)·π(θ_B)) with the permutations step 3 solved for a merge recipe
 ({@code org.permerge.match.Alignment}), optional REPAIR of the merged units'
 * statistics, per-merge diagnostics (the paper's Table II) and a provenance-carrying output folder; and how close
 * two encoders' outputs are ({@link org.permerge.merge.OutputSimilarity}), a task-free view of a merge curve.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}, {@code org.permerge.match}.
 */
package org.permerge.merge;
