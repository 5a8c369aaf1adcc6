/**
 * Pipeline step 1, activation extraction: run one encoder ({@link org.permerge.extract.Extraction}) or a pair
 * ({@link org.permerge.extract.PairedExtraction}) over calibration audio and stream each tap's real frames,
 * padding dropped and the two models' frames aligned in time, to statistics consumers.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}.
 */
package org.permerge.extract;
