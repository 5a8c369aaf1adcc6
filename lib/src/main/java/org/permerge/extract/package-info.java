/**
 * Pipeline step 1, activation extraction: run one encoder ({@link org.permerge.extract.Extraction}) or a pair
 * ({@link org.permerge.extract.PairedExtraction}) over calibration audio and stream each tap's real frames,
 * padding dropped and the two models' frames aligned in time, to statistics consumers.
 */
package org.permerge.extract;
