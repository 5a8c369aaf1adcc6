/**
 * Pipeline step 1, activation extraction: run one encoder ({@link org.permerge.extract.Extraction}) or a pair
 * ({@link org.permerge.extract.PairedExtraction}) over calibration audio and stream each tap's real frames,
 * padding dropped and the two models' frames aligned in time, to statistics consumers.
 *
 * <p>It owns the library's one clip preparation ({@link org.permerge.extract.ClipPreparation}: mono, the model's
 * rate, one frame long, normalised as the model's preprocessor says) and its one batched forward loop
 * ({@link org.permerge.extract.ForwardLoop} over {@link org.permerge.extract.ClipBatches}), which the probe
 * features, the output similarity, the invariance check and the tap survey run on too.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}.
 */
package org.permerge.extract;
