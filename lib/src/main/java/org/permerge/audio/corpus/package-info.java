/**
 * The offline mini world's corpora: synthetic speech (espeak-ng) and music (fluidsynth with FluidR3 GM), rendered
 * many clips per process, with nuisance factors varied inside every class, per-task held-out splits and a
 * manifest that records how everything was made.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features}.
 */
package org.permerge.audio.corpus;
