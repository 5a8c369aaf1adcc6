/**
 * Step 3 of the pipeline, matching: exact linear assignment ({@link org.permerge.match.LinearAssignment})
 * and the two-level, block-structured matching that heads of attention and groups of the positional
 * convolution need ({@link org.permerge.match.HeadAwareMatching}); dead units stay in place
 * ({@link org.permerge.match.LiveUnitMatching}). For a whole model, {@link org.permerge.match.Alignment} solves
 * every space a {@link org.permerge.match.MergeRecipe} permutes from a calibration run's statistics, with what each
 * space's matching achieved (the paper's Table II). It builds on the permutation spec, so it sits just above
 * {@code org.permerge.permute} (which imports nothing from here).
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}.
 */
package org.permerge.match;
