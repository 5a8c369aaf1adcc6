/**
 * Acoustic features on JTransforms' FFT: short-time power spectra, log-mel spectrograms (the probing baseline),
 * MFCCs (speech pretraining targets) and chroma (pitch-class targets for the music encoder). The exact conventions
 * are in each class and in {@code lib/src/test/resources/golden/features/make_features_golden.py}, which the tests
 * compare against.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}.
 */
package org.permerge.audio.features;
